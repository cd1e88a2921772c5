/*
 * qa.c - question answering: open-ended and close-ended VQA. Questions and
 * answers are used as released. A close-ended question whose answer is yes
 * or no (in any case, surrounding spaces ignored) is shown with Yes/No
 * options and answered with the word "Yes" or "No"; any other close-ended
 * answer (a choice written in the question, a count) is kept as released.
 */
#include "cx.h"

#include <strings.h>

#include "tasks/tasks.h"

static int check(const struct cx_instance_view *v, struct cx_error *err)
{
	if (cx_view_need(v, v->qa, "qa", err))
		return err->code;
	if (cx_blank(v->qa->question))
		return cx_error_set(err, CX_EINVAL, "no question");
	if (cx_blank(v->qa->answer))
		return cx_error_set(err, CX_EINVAL, "no answer");
	return 0;
}

int cx_render_open_vqa(const struct cx_instance_view *v, const struct cx_draw *d,
		       struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	if (check(v, err))
		return err->code;
	o->form = "plain";
	cx_task_out_set(o, "question", v->qa->question);
	cx_buf_adds(&o->answer, v->qa->answer);
	return 0;
}

/* 1 yes, 0 no, -1 anything else. */
static int yes_or_no(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n == 3 && !strncasecmp(s, "yes", 3))
		return 1;
	if (n == 2 && !strncasecmp(s, "no", 2))
		return 0;
	return -1;
}

int cx_render_close_vqa(const struct cx_instance_view *v, const struct cx_draw *d,
			struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	if (check(v, err))
		return err->code;
	const struct cx_view_qa *qa = v->qa;
	cx_task_out_set(o, "question", qa->question);
	int yn = yes_or_no(qa->answer);
	if (yn < 0) {
		o->form = "plain";
		cx_buf_adds(&o->answer, qa->answer);
		return 0;
	}
	o->form = "yesno";
	cx_task_out_option(o, "Yes");
	cx_task_out_option(o, "No");
	o->correct = yn ? 0 : 1;
	o->mode = CX_ANSWER_TEXT;
	return 0;
}

/*
 * misc.c - miscellaneous tasks: image-text matching (does this report go
 * with the image? Yes/No) and image-text selection (which of two reports
 * goes with the image? answered with the option's marker).
 */
#include "cx.h"

#include "tasks/tasks.h"

int cx_render_image_text_matching(const struct cx_instance_view *v, const struct cx_draw *d,
				  struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	if (cx_view_need(v, v->pair, "pair", err))
		return err->code;
	const struct cx_view_pair *p = v->pair;
	if (p->flag != 0 && p->flag != 1)
		return cx_error_set(err, CX_EINVAL, "pair flag %d is not 1 or 0", p->flag);
	const char *shown = p->flag ? p->text : p->other_text;
	if (cx_blank(shown))
		return cx_error_set(err, CX_EINVAL, "no %s to match",
				    p->flag ? "report text" : "other report text");
	o->form = "plain";
	cx_task_out_set(o, "text", shown);
	cx_buf_adds(&o->answer, p->flag ? "Yes" : "No");
	return 0;
}

int cx_render_image_text_selection(const struct cx_instance_view *v, const struct cx_draw *d,
				   struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	if (cx_view_need(v, v->pair, "pair", err))
		return err->code;
	const struct cx_view_pair *p = v->pair;
	if (cx_blank(p->text))
		return cx_error_set(err, CX_EINVAL, "no report text");
	if (cx_blank(p->other_text))
		return cx_error_set(err, CX_EINVAL, "no other report text");
	o->form = "plain";
	o->correct = (int)cx_task_out_option(o, p->text);
	cx_task_out_option(o, p->other_text);
	o->shuffle = 1;
	o->mode = CX_ANSWER_MARKER;
	return 0;
}

/*
 * temporal.c - the two temporal tasks of MS-CXR-T. Temporal image
 * classification shows an earlier and a later chest X-ray of one patient
 * (prior first) and asks how one finding changed between them: improving,
 * stable or worsening, as the release labels the pair. Temporal sentence
 * similarity shows two sentences about a change over time and asks whether
 * they say the same (a paraphrase) or the opposite (a contradiction).
 */
#include "cx.h"

#include <ctype.h>

#include "tasks/tasks.h"

/* The three progressions in the order the options are built (then shuffled). */
static const char *const progressions[] = {"improving", "stable", "worsening"};

/* The finding of a pair label as running text: MS-CXR-T names its columns
 * "pleural_effusion_progression"; the finding is "pleural effusion". */
static int finding_text(const char *label, struct cx_buf *out)
{
	static const char suffix[] = "_progression";
	size_t n = strlen(label), k = sizeof suffix - 1;
	if (n >= k && !strcmp(label + n - k, suffix))
		n -= k;
	cx_buf_reset(out);
	for (size_t i = 0; i < n; i++)
		cx_buf_addc(out, label[i] == '_' ? ' ' : (char)tolower((unsigned char)label[i]));
	return cx_blank(cx_buf_str(out)) ? -1 : 0;
}

int cx_render_temporal_image_classification(const struct cx_instance_view *v,
					    const struct cx_draw *d, struct cx_task_out *o,
					    struct cx_error *err)
{
	if (cx_view_need(v, v->image_pair, "image_pair", err))
		return err->code;
	const struct cx_view_image_pair *p = v->image_pair;
	if (!p->label || !p->value)
		return cx_error_set(err, CX_EINVAL, "the image pair has no finding or no value");
	int right = -1;
	for (size_t i = 0; i < CX_ARRAY_LEN(progressions); i++)
		if (!strcmp(p->value, progressions[i]))
			right = (int)i;
	if (right < 0)
		return cx_error_set(err, CX_EINVAL, "progression '%s' is not improving, stable or"
				    " worsening", p->value);
	struct cx_buf finding = CX_BUF_INIT;
	if (finding_text(p->label, &finding)) {
		cx_buf_release(&finding);
		return cx_error_set(err, CX_EINVAL, "image pair label '%s' names no finding",
				    p->label);
	}
	cx_task_out_set(o, "disease", cx_buf_str(&finding));
	cx_buf_release(&finding);
	static const char *const forms[] = {"choice", "open"};
	o->form = cx_pick_form(d, forms, CX_ARRAY_LEN(forms));
	if (!strcmp(o->form, "open")) {
		cx_buf_adds(&o->answer, progressions[right]);
		return 0;
	}
	for (size_t i = 0; i < CX_ARRAY_LEN(progressions); i++)
		cx_task_out_option(o, progressions[i]);
	o->correct = right;
	o->shuffle = 1;
	o->mode = CX_ANSWER_TEXT;
	return 0;
}

int cx_render_temporal_sentence_similarity(const struct cx_instance_view *v,
					   const struct cx_draw *d, struct cx_task_out *o,
					   struct cx_error *err)
{
	if (cx_view_need(v, v->text_pair, "text_pair", err))
		return err->code;
	const struct cx_view_text_pair *p = v->text_pair;
	if (cx_blank(p->text1) || cx_blank(p->text2))
		return cx_error_set(err, CX_EINVAL, "the text pair lacks a sentence");
	int same;
	if (p->relation && !strcmp(p->relation, "paraphrase"))
		same = 1;
	else if (p->relation && !strcmp(p->relation, "contradiction"))
		same = 0;
	else
		return cx_error_set(err, CX_EINVAL, "relation '%s' is not paraphrase or"
				    " contradiction", p->relation ? p->relation : "");
	cx_task_out_set(o, "first", p->text1);
	cx_task_out_set(o, "second", p->text2);
	static const char *const forms[] = {"choice", "yesno"};
	o->form = cx_pick_form(d, forms, CX_ARRAY_LEN(forms));
	o->mode = CX_ANSWER_TEXT;
	if (!strcmp(o->form, "yesno")) {
		/* Yes/No options are shown Yes first, as every yes/no question here */
		cx_task_out_option(o, "Yes");
		cx_task_out_option(o, "No");
		o->correct = same ? 0 : 1;
		return 0;
	}
	cx_task_out_option(o, "paraphrase");
	cx_task_out_option(o, "contradiction");
	o->correct = same ? 0 : 1;
	o->shuffle = 1;
	return 0;
}

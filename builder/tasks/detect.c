/*
 * detect.c - fine-grained image understanding over box facts of any
 * dataset: abnormality detection and grounded diagnosis (issue 13).
 *
 * Detection asks for every finding of an image with its boxes. The answer
 * is each box with its label before it, "<ref>Nodule/Mass</ref><box>...",
 * sorted as every box list is (tasks/boxes.c); an image released as "no
 * finding" with no box (rule detection, adapters/rules.c) is answered
 * NO_ABNORMALITY, as the official build answers its negatives "No {thing}
 * detected.".
 *
 * Grounded diagnosis is the other way round: the region of one finding is
 * given as its boxes and the answer names the finding, either freely
 * ("open") or as one of four options ("choice"). A wrong option is a
 * finding of the vocabulary that the image's labels give as 0 (or, where a
 * label left out means negative, leave out), so no wrong option is a finding
 * the image has. A finding the vocabulary does not name, or its catch-all
 * ("Other lesion": no wrong option may hold it, so no right one does), or
 * an image without labels is asked in the open form only.
 */
#include "cx.h"

#include "tasks/tasks.h"

#define NO_ABNORMALITY "No abnormality detected."
#define WRONG_OPTIONS 3

/* The name a box's label is shown by: the vocabulary's display form, or the
 * label as released when the vocabulary does not name it. */
static const char *label_display(const struct cx_vocab *v, const char *label)
{
	int i = v && label ? cx_vocab_find(v, label) : -1;
	return i >= 0 ? v->labels[i].display : label;
}

int cx_render_abnormality_detection(const struct cx_instance_view *v, const struct cx_draw *d,
				    struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	if (cx_view_need(v, v->boxes, "boxes", err) || cx_view_need(v, v->image, "image", err))
		return err->code;
	const struct cx_view_boxes *b = v->boxes;
	o->form = "plain";
	if (!b->n) {
		cx_buf_adds(&o->answer, NO_ABNORMALITY);
		return 0;
	}
	struct cx_view_box *shown = cx_calloc(b->n, sizeof *shown);
	for (size_t i = 0; i < b->n; i++) {
		shown[i] = b->box[i];
		if (cx_blank(shown[i].label)) {
			free(shown);
			return cx_error_set(err, CX_EINVAL, "a box without a finding");
		}
		shown[i].label = label_display(b->vocab, b->box[i].label);
	}
	int rc = cx_boxes_format(&o->answer, shown, b->n, v->image->width, v->image->height, 1,
				 err);
	free(shown);
	return rc;
}

/* 1 when label i of the vocabulary may be a wrong option: a finding (not
 * the "none" label or a catch-all) that the image's labels say it lacks. */
static int wrong_option(const struct cx_label_set *s, size_t i, int right)
{
	const struct cx_vocab *v = s->vocab;
	if ((int)i == right || v->labels[i].role != CX_ROLE_FINDING)
		return 0;
	if (s->value[i] == 0)
		return 1;
	return s->value[i] == CX_LABEL_ABSENT && v->absent == CX_ABSENT_NEGATIVE;
}

/* Fills o with the right finding and WRONG_OPTIONS drawn wrong ones (a
 * seeded partial Fisher-Yates shuffle of those allowed). Returns 0, or -1
 * (o untouched) when there are too few to draw from. */
static int choice_options(const struct cx_label_set *s, int right, const struct cx_draw *d,
			  struct cx_task_out *o)
{
	const struct cx_vocab *v = s->vocab;
	size_t *pool = cx_calloc(v->n ? v->n : 1, sizeof *pool), n = 0;
	for (size_t i = 0; i < v->n; i++)
		if (wrong_option(s, i, right))
			pool[n++] = i;
	if (n < WRONG_OPTIONS) {
		free(pool);
		return -1;
	}
	for (size_t k = 0; k < WRONG_OPTIONS; k++) {
		size_t j = k + (size_t)(cx_draw_nth(d, "wrong", k) % (n - k));
		size_t t = pool[k];
		pool[k] = pool[j];
		pool[j] = t;
	}
	o->correct = (int)cx_task_out_option(o, v->labels[right].display);
	for (size_t k = 0; k < WRONG_OPTIONS; k++)
		cx_task_out_option(o, v->labels[pool[k]].display);
	free(pool);
	o->shuffle = 1;
	o->mode = CX_ANSWER_BOTH;
	return 0;
}

/* The choice form when the finding, the vocabulary and the image's labels
 * allow it and the "form" draw picks it: 0 when o holds its options, 1 when
 * the instance is asked in the open form, or a negative CX_E* code. */
static int try_choice(const struct cx_instance_view *v, const struct cx_draw *d,
		      struct cx_task_out *o, struct cx_error *err)
{
	const struct cx_vocab *voc = v->labels->vocab;
	int right = voc ? cx_vocab_find(voc, v->boxes->label) : -1;
	if (right < 0 || voc->labels[right].role != CX_ROLE_FINDING || !v->labels->json)
		return 1;
	static const char *const forms[] = {"choice", "open"};
	if (strcmp(cx_pick_form(d, forms, CX_ARRAY_LEN(forms)), "choice"))
		return 1;
	struct cx_label_set s;
	if (cx_labels_read(voc, v->labels->json, &s, err)) {
		cx_label_set_release(&s);
		return err->code;
	}
	int rc = choice_options(&s, right, d, o);
	cx_label_set_release(&s);
	if (rc)
		return 1;
	o->form = "choice";
	return 0;
}

int cx_render_grounded_diagnosis(const struct cx_instance_view *v, const struct cx_draw *d,
				 struct cx_task_out *o, struct cx_error *err)
{
	if (cx_view_need(v, v->boxes, "boxes", err) || cx_view_need(v, v->image, "image", err) ||
	    cx_view_need(v, v->labels, "labels", err))
		return err->code;
	const struct cx_view_boxes *b = v->boxes;
	if (cx_blank(b->label))
		return cx_error_set(err, CX_EINVAL, "no finding to name");
	struct cx_buf region = CX_BUF_INIT;
	if (cx_boxes_format(&region, b->box, b->n, v->image->width, v->image->height, 0, err)) {
		cx_buf_release(&region);
		return err->code;
	}
	cx_task_out_set(o, "boxes", region.data);
	cx_buf_release(&region);
	int rc = try_choice(v, d, o, err);
	if (rc <= 0)
		return rc;
	o->form = "open";
	cx_buf_adds(&o->answer, label_display(v->labels->vocab, b->label));
	return 0;
}

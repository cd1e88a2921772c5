/*
 * phrase.c - fine-grained image understanding over phrases grounded by boxes
 * (MS-CXR; wave 3, helper D): phrase grounding (the phrase is given, the
 * answer is its boxes), grounded captioning (the boxes are given, the answer
 * is the phrase) and grounded phrase extraction (the boxes and the report
 * section that holds the phrase are given, the answer is the phrase, a span
 * of that section: the task table marks it extractive, so audit does not
 * count an answer found in the instruction against it).
 *
 * Boxes use the one syntax of tasks/boxes.c, normalised by the frame the
 * release states. Phrase grounding writes each box after the phrase as its
 * reference, <ref>phrase</ref><box>...</box>, as the official build does; the
 * other two show bare boxes in the question. The phrase is shown and
 * answered as released (MS-CXR's label_text: "Bibasilar opacities").
 */
#include "cx.h"

#include "tasks/tasks.h"

/* The phrase part, with a phrase and at least one box. */
static int need_phrase(const struct cx_instance_view *v, struct cx_error *err)
{
	if (cx_view_need(v, v->phrase, "phrase", err) || cx_view_need(v, v->image, "image", err))
		return err->code;
	if (cx_blank(v->phrase->phrase))
		return cx_error_set(err, CX_EINVAL, "no phrase");
	if (!v->phrase->n)
		return cx_error_set(err, CX_EINVAL, "no boxes for the phrase");
	return 0;
}

/* The phrase's boxes in the box syntax, each labelled with the phrase when
 * with_phrase is 1. */
static int format_boxes(const struct cx_instance_view *v, int with_phrase, struct cx_buf *out,
			struct cx_error *err)
{
	const struct cx_view_phrase *p = v->phrase;
	struct cx_view_box *boxes = cx_calloc(p->n, sizeof *boxes);
	for (size_t i = 0; i < p->n; i++) {
		boxes[i] = p->box[i];
		boxes[i].label = p->phrase;
	}
	int rc = cx_boxes_format(out, boxes, p->n, v->image->width, v->image->height,
				 with_phrase, err);
	free(boxes);
	return rc;
}

int cx_render_phrase_grounding(const struct cx_instance_view *v, const struct cx_draw *d,
			       struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	if (need_phrase(v, err) || format_boxes(v, 1, &o->answer, err))
		return err->code;
	o->form = "plain";
	cx_task_out_set(o, "phrase", v->phrase->phrase);
	return 0;
}

/* The boxes as the question's {boxes}, the phrase as the answer. */
static int boxes_to_phrase(const struct cx_instance_view *v, struct cx_task_out *o,
			   struct cx_error *err)
{
	struct cx_buf boxes = CX_BUF_INIT;
	if (format_boxes(v, 0, &boxes, err)) {
		cx_buf_release(&boxes);
		return err->code;
	}
	o->form = "plain";
	cx_task_out_set(o, "boxes", cx_buf_str(&boxes));
	cx_buf_release(&boxes);
	cx_buf_adds(&o->answer, v->phrase->phrase);
	return 0;
}

int cx_render_grounded_captioning(const struct cx_instance_view *v, const struct cx_draw *d,
				  struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	if (need_phrase(v, err))
		return err->code;
	return boxes_to_phrase(v, o, err);
}

int cx_render_grounded_phrase_extraction(const struct cx_instance_view *v,
					 const struct cx_draw *d, struct cx_task_out *o,
					 struct cx_error *err)
{
	(void)d;
	if (need_phrase(v, err))
		return err->code;
	const char *text = v->phrase->text;
	if (!cx_squashed_holds(text, v->phrase->phrase))
		return cx_error_set(err, CX_EINVAL, "no section of the report holds the phrase");
	if (boxes_to_phrase(v, o, err))
		return err->code;
	cx_task_out_set(o, "text", text);
	return 0;
}

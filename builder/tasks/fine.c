/*
 * fine.c - fine-grained image understanding: abnormality grounding. The
 * question names the finding; the answer is its boxes in the box syntax of
 * tasks/boxes.c (templates/README.md).
 */
#include "cx.h"

#include "tasks/tasks.h"

int cx_render_abnormality_grounding(const struct cx_instance_view *v, const struct cx_draw *d,
				    struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	if (cx_view_need(v, v->boxes, "boxes", err) || cx_view_need(v, v->image, "image", err))
		return err->code;
	const struct cx_view_boxes *b = v->boxes;
	if (cx_blank(b->label))
		return cx_error_set(err, CX_EINVAL, "no finding to ground");
	if (cx_boxes_format(&o->answer, b->box, b->n, v->image->width, v->image->height, 0, err))
		return err->code;
	o->form = "plain";
	cx_task_out_set(o, "disease", b->label);
	return 0;
}

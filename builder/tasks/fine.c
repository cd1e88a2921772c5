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
	if (cx_blank(v->label))
		return cx_error_set(err, CX_EINVAL, "no finding to ground");
	if (cx_boxes_format(&o->answer, v->boxes, v->nboxes, v->image_width, v->image_height, 0,
			    err))
		return err->code;
	o->form = "plain";
	cx_task_out_set(o, "disease", v->label);
	return 0;
}

/*
 * localise.c - pneumothorax, rib fracture and chest tube localisation
 * ("segmentation" in the official build, whose answer is boxes too). The
 * task names the finding, so the question has no placeholder; the answer is
 * the finding's boxes in the box syntax of tasks/boxes.c, or, for an image
 * its rule chose as one without the finding (adapters/rules.c,
 * localise-*), one sentence saying none was seen, as the official build
 * answers its negatives ("No pneumothorax detected.").
 */
#include "cx.h"

#include "tasks/tasks.h"

static int localise(const struct cx_instance_view *v, const char *label, const char *none,
		    struct cx_task_out *o, struct cx_error *err)
{
	if (cx_view_need(v, v->boxes, "boxes", err) || cx_view_need(v, v->image, "image", err))
		return err->code;
	const struct cx_view_boxes *b = v->boxes;
	if (!b->label || strcmp(b->label, label))
		return cx_error_set(err, CX_EINVAL, "%s: the instance is about '%s', not '%s'",
				    v->task, b->label ? b->label : "", label);
	o->form = "plain";
	if (!b->n) {
		cx_buf_adds(&o->answer, none);
		return 0;
	}
	return cx_boxes_format(&o->answer, b->box, b->n, v->image->width, v->image->height, 0,
			       err);
}

int cx_render_pneumothorax_localisation(const struct cx_instance_view *v,
					const struct cx_draw *d, struct cx_task_out *o,
					struct cx_error *err)
{
	(void)d;
	return localise(v, "Pneumothorax", "No pneumothorax detected.", o, err);
}

int cx_render_rib_fracture_localisation(const struct cx_instance_view *v,
					const struct cx_draw *d, struct cx_task_out *o,
					struct cx_error *err)
{
	(void)d;
	return localise(v, "Rib Fracture", "No rib fracture detected.", o, err);
}

int cx_render_chest_tube_localisation(const struct cx_instance_view *v, const struct cx_draw *d,
				      struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	return localise(v, "Chest Tube", "No chest tube detected.", o, err);
}

/*
 * foreign.c - fine-grained image understanding: foreign-object detection
 * (Object-CXR). The question asks for the foreign objects of an image; the
 * answer is each object's box with "foreign object" before it, in the box
 * syntax of tasks/boxes.c, as the official build writes it
 * ("<ref>foreign object</ref><box>(x1,y1),(x2,y2)</box>..."), or NO_OBJECT for
 * an image without one (rule objects, adapters/rules.c).
 *
 * Object-CXR's boxes are pixels of the image file itself (frame 0 x 0), and
 * its images differ in size: the frame is the image's own width and height
 * from its header (the image part). A box reaching past them does not fit
 * the image it was drawn on, and the instance does not render (audit counts
 * it) rather than being clamped into a box the release never drew.
 *
 * Why not abnormality detection's renderer (tasks/detect.c): its negatives
 * are "no abnormality" and its labels the dataset's findings; here the one
 * class is the object, and a negative says there is no foreign object.
 */
#include "cx.h"

#include "tasks/tasks.h"

#define NO_OBJECT "No foreign objects detected."

/* A box of the image's own pixels (frame 0 x 0) must lie inside the image. */
static int check_fits(const struct cx_view_box *b, int width, int height, struct cx_error *err)
{
	if (b->frame_width > 0 || width <= 0 || height <= 0)
		return 0;
	if (b->x + b->w > width || b->y + b->h > height)
		return cx_error_set(err, CX_EINVAL, "box %g,%g,%g,%g reaches past its %dx%d image",
				    b->x, b->y, b->w, b->h, width, height);
	return 0;
}

int cx_render_foreign_object_detection(const struct cx_instance_view *v,
				       const struct cx_draw *d, struct cx_task_out *o,
				       struct cx_error *err)
{
	(void)d;
	if (cx_view_need(v, v->boxes, "boxes", err) || cx_view_need(v, v->image, "image", err))
		return err->code;
	const struct cx_view_boxes *b = v->boxes;
	o->form = "plain";
	if (!b->n) {
		cx_buf_adds(&o->answer, NO_OBJECT);
		return 0;
	}
	for (size_t i = 0; i < b->n; i++)
		if (check_fits(&b->box[i], v->image->width, v->image->height, err))
			return err->code;
	return cx_boxes_format(&o->answer, b->box, b->n, v->image->width, v->image->height, 1,
			       err);
}

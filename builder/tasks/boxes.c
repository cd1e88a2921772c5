/*
 * boxes.c - the box syntax of grounding answers.
 *
 * A box is written <box>(x1,y1),(x2,y2)</box>: its top-left and bottom-right
 * corners as integers 0..100 of its frame's width and height, so the text
 * does not depend on the image's resolution. A corner v becomes what the
 * official CheXinstruct build writes (cx_box_coord, util/box.c): v / size x
 * 1000 truncated, clamped to 999, then /10 rounded half to even (issue 11:
 * the earlier floor(v x 100 / size) differed by one in some coordinate of 90%
 * of NIH boxes). The size is the frame the adapter states for the boxes (NIH:
 * the released 1024 x 1024, whatever file is on disk), or the image header's
 * when the frame is 0 x 0; an image on disk whose aspect ratio is not its
 * frame's is refused, never rendered with boxes that would not fit it. Boxes
 * are sorted by (x1, y1, x2, y2) so the answer does not depend on the order
 * the release listed them in. templates/README.md documents the syntax.
 */
#include "cx.h"

#include <math.h>

#include "tasks/tasks.h"

int cx_box_frame_fits(int fw, int fh, int width, int height)
{
	if (fw <= 0 || fh <= 0 || width <= 0 || height <= 0)
		return 1;
	/* A copy resized to w = round(fw s), h = round(fh s) has
	 * |w fh - h fw| <= (fw + fh) / 2; twice that allows floor for round. */
	double d = (double)width * fh - (double)height * fw;
	return fabs(d) <= (double)fw + fh;
}

int cx_box_quantise(const struct cx_view_box *b, int width, int height, struct cx_qbox *out,
		    struct cx_error *err)
{
	int fw = b->frame_width, fh = b->frame_height;
	if (fw > 0 && fh > 0 && !cx_box_frame_fits(fw, fh, width, height))
		return cx_error_set(err, CX_EINVAL, "image %dx%d does not have the aspect ratio of"
				    " its boxes' %dx%d frame", width, height, fw, fh);
	if (fw > 0 && fh > 0) {
		width = fw;
		height = fh;
	}
	if (width <= 0 || height <= 0)
		return cx_error_set(err, CX_EINVAL, "no image size for the boxes (%dx%d)", width,
				    height);
	if (!isfinite(b->x) || !isfinite(b->y) || !isfinite(b->w) || !isfinite(b->h) ||
	    b->w < 0 || b->h < 0)
		return cx_error_set(err, CX_EINVAL, "box (%g, %g, %g, %g) is not a box", b->x, b->y,
				    b->w, b->h);
	out->x1 = cx_box_coord(b->x, width);
	out->y1 = cx_box_coord(b->y, height);
	out->x2 = cx_box_coord(b->x + b->w, width);
	out->y2 = cx_box_coord(b->y + b->h, height);
	return 0;
}

struct labelled {
	struct cx_qbox q;
	const char *label;
};

static int compare(const void *pa, const void *pb)
{
	const struct labelled *a = pa, *b = pb;
	int ka[4] = {a->q.x1, a->q.y1, a->q.x2, a->q.y2};
	int kb[4] = {b->q.x1, b->q.y1, b->q.x2, b->q.y2};
	for (int i = 0; i < 4; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return strcmp(a->label ? a->label : "", b->label ? b->label : "");
}

int cx_boxes_format(struct cx_buf *b, const struct cx_view_box *boxes, size_t n, int width,
		    int height, int with_label, struct cx_error *err)
{
	if (!n)
		return cx_error_set(err, CX_EINVAL, "no boxes");
	struct labelled *l = cx_calloc(n, sizeof *l);
	for (size_t i = 0; i < n; i++) {
		l[i].label = boxes[i].label;
		if (cx_box_quantise(&boxes[i], width, height, &l[i].q, err)) {
			free(l);
			return err->code;
		}
	}
	qsort(l, n, sizeof *l, compare);
	for (size_t i = 0; i < n; i++) {
		if (with_label)
			cx_buf_addf(b, "<ref>%s</ref>", l[i].label ? l[i].label : "");
		cx_buf_addf(b, "<box>(%d,%d),(%d,%d)</box>", l[i].q.x1, l[i].q.y1, l[i].q.x2,
			    l[i].q.y2);
	}
	free(l);
	return 0;
}

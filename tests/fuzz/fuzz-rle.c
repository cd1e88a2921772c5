/*
 * fuzz-rle.c - the SIIM-ACR run-length decoder (adapters/rle.c) on arbitrary
 * text and mask sizes: it either refuses the input with a one-line reason or
 * gives boxes that lie inside the mask, ordered by x, then y.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	/* mask sides 1..1024, then the RLE text */
	int w = 1 + ((data[0] | data[1] << 8) & 1023), h = 1 + ((data[2] | data[3] << 8) & 1023);
	char *rle = cx_strndup((const char *)data + 4, size - 4);
	struct cx_box_fact *boxes = NULL;
	size_t n = 0;
	struct cx_error err = {0};
	if (cx_rle_boxes(rle, w, h, &boxes, &n, &err) != 0) {
		if (!err.msg[0] || strchr(err.msg, '\n') || boxes || n)
			abort();
	} else {
		for (size_t i = 0; i < n; i++) {
			const struct cx_box_fact *b = &boxes[i];
			if (b->x < 0 || b->y < 0 || b->w < 1 || b->h < 1 || b->x + b->w > w ||
			    b->y + b->h > h)
				abort();
			if (i && (b->x < boxes[i - 1].x ||
				  (b->x == boxes[i - 1].x && b->y < boxes[i - 1].y)))
				abort();
		}
	}
	free(boxes);
	free(rle);
	return 0;
}

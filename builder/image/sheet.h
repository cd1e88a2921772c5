/*
 * sheet.h - a contact sheet: thumbnails of images in a grid, with their boxes
 * drawn in colour and labelled, and a caption under each, as one PNG (for
 * `sample --png`). Text uses the built-in 5x7 font of font.c.
 */
#ifndef CX_SHEET_H
#define CX_SHEET_H

#include "cx.h"

/* A box in pixels of the image as released (top-left, width, height). */
struct cx_sheet_box {
	const char *label;
	double x, y, w, h;
};

struct cx_sheet_item {
	const unsigned char *image; /* encoded bytes; NULL: draw `missing` instead */
	size_t len;
	const char *name;           /* file name (JSRT needs it), may be NULL */
	const char *missing;        /* why there is no image, when image is NULL */
	int image_width, image_height; /* size the boxes refer to; 0: the decoded size */
	const struct cx_sheet_box *boxes;
	size_t nboxes;
	const char *caption;        /* e.g. "NIH | abnormality-grounding | Mass" */
};

#define CX_SHEET_THUMB 256 /* thumbnail side in pixels */
#define CX_SHEET_COLUMNS 4
#define CX_SHEET_CAPTION_LINES 3

/* Size of the sheet for n items (same layout as cx_sheet_render). */
void cx_sheet_size(size_t n, int *width, int *height);

/* Draws the items and appends the PNG to out. An image that cannot be
 * decoded is drawn as a grey cell saying why; it is not an error. */
int cx_sheet_render(const struct cx_sheet_item *items, size_t n, struct cx_buf *out,
		    struct cx_error *err);

/* Text on an RGB image (font.c): 5x7 glyphs in 6x9 cells, printable ASCII
 * (anything else is drawn as '?'); clipped at the image edges. */
#define CX_FONT_W 6
#define CX_FONT_H 9
void cx_font_draw(unsigned char *rgb, int width, int height, int x, int y, const char *text,
		  const unsigned char colour[3]);

#endif

/*
 * object-cxr.h - Object-CXR's annotation strings (object-cxr.c), exported for
 * its tests and its fuzz target.
 *
 * An annotation is shapes separated by ';', each "TYPE c1 c2 ...": TYPE 0 a
 * rectangle and 1 an ellipse, both given by their bounding box "x1 y1 x2 y2"
 * (x1 < x2, y1 < y2); TYPE 2 a polygon "x1 y1 x2 y2 ... xn yn". Pixels of the
 * image itself, origin top left, y down.
 */
#ifndef CX_OBJECT_CXR_H
#define CX_OBJECT_CXR_H

#include "cx.h"

/* At most this many shapes in one annotation (the release's images hold a
 * handful; the CSV field cap bounds the text anyway). */
#define CX_OBJECT_CXR_MAX_SHAPES 256

/* A shape's enclosing box, corners in pixels, negative coordinates raised
 * to 0 (as the official build raises a polygon's). */
struct cx_object_cxr_box {
	int type; /* 0 rectangle, 1 ellipse, 2 polygon */
	double x1, y1, x2, y2;
};

/*
 * Parses annotation s into out[0..*n). An empty (or blank) annotation is no
 * object: *n = 0. Returns 0, or -1 with a one-line reason in why (a shape of
 * an unknown type, a coordinate that is not a decimal number, the wrong
 * number of coordinates, corners out of order, a box of no area, too many
 * shapes; a token it quotes is cut at 32 bytes, every byte that is not
 * printable ASCII written \xNN). Blanks (spaces, tabs, line ends) separate
 * the tokens. A ';' ending the text, or blank between two ';', holds no shape.
 */
int cx_object_cxr_parse(const char *s, struct cx_object_cxr_box *out, size_t *n,
			struct cx_buf *why);

#endif

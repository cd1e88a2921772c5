/*
 * probe.h - image facts from the first bytes of a file, never decoding pixels:
 * the build records width, height and bit depth of every image cheaply.
 */
#ifndef CX_PROBE_H
#define CX_PROBE_H

#include "cx.h"

/* How many leading bytes a probe may need (JPEG headers can carry EXIF). */
#define CX_PROBE_HEAD (1u << 20)

struct cx_image_info {
	const char *format; /* "png" or "jpeg" */
	int width, height;
	int bit_depth;      /* bits per sample */
	int channels;       /* 1 grey, 2 grey+alpha, 3 colour, 4 colour+alpha */
};

/* Reads the header in head[0..n). CX_EFORMAT with a reason when it is not a
 * PNG or JPEG, or the header is damaged or truncated. */
int cx_image_probe(const unsigned char *head, size_t n, struct cx_image_info *out,
		   struct cx_error *err);

#endif

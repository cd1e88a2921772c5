/*
 * probe.h - image facts from the first bytes of a file, never decoding pixels:
 * the build records width, height and bit depth of every image cheaply.
 * PNG, JPEG and DICOM are recognised by their magic bytes; JSRT's headerless
 * .IMG files by their name (cx_image_probe_named).
 */
#ifndef CX_PROBE_H
#define CX_PROBE_H

#include "cx.h"

/* How many leading bytes a probe may need (JPEG headers can carry EXIF). */
#define CX_PROBE_HEAD (1u << 20)

struct cx_image_info {
	const char *format; /* "png", "jpeg", "dicom" or "jsrt" */
	int width, height;
	int bit_depth;      /* bits per sample */
	int channels;       /* 1 grey, 2 grey+alpha, 3 colour, 4 colour+alpha */
	/* DICOM only: PatientSex, PatientAge and ViewPosition of the top-level
	 * data set as the header gives them (printable ASCII, trimmed), "" when
	 * absent; the header pass fills an image's demographics from them when
	 * its release's metadata has none (RSNA Pneumonia). */
	char sex[8], age[8], view[20];
};

/* Reads the header in head[0..n). CX_EFORMAT with a reason when it is not a
 * PNG, JPEG or DICOM, or the header is damaged or truncated. */
int cx_image_probe(const unsigned char *head, size_t n, struct cx_image_info *out,
		   struct cx_error *err);

/* The same, and a file whose name ends in .IMG (any case) and has no known
 * magic is a JSRT image: 2048x2048, 12 bits stored, grey (its size, exactly
 * 8 MiB, is checked when it is decoded). */
int cx_image_probe_named(const unsigned char *head, size_t n, const char *name,
			 struct cx_image_info *out, struct cx_error *err);

#endif

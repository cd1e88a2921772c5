/*
 * dicom.h - the C face of the DICOM reader (dicom-gdcm.cpp, on GDCM). GDCM is
 * C++; these two functions are all the rest of the program sees of it.
 */
#ifndef CX_DICOM_H
#define CX_DICOM_H

#include "cx.h"

#include "image/image.h"
#include "image/probe.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Decodes a DICOM Part-10 file (or a bare data set) to stored pixel values
 * with the display facts (photometric interpretation, Modality LUT, window).
 * Rows x Columns is checked against CX_IMAGE_MAX_PIXELS before the pixel
 * data is decompressed. Multi-frame files give their first frame. */
int cx_dicom_decode(const unsigned char *in, size_t n, struct cx_pixels *out,
		    struct cx_error *err);

/* Walks every element, item and fragment of the file and checks it fits in
 * in[0..n) (dicom-check.c); cx_dicom_decode calls it before GDCM, which
 * aborts or hangs on many truncated files. */
int cx_dicom_check(const unsigned char *in, size_t n, struct cx_error *err);

/* The same walk over the head of a file, up to the top-level pixel data
 * element, which must lie inside head[0..n); cx_dicom_probe calls it before
 * GDCM reads the header (GDCM asserts on a bare "DICM" preamble). */
int cx_dicom_check_header(const unsigned char *head, size_t n, struct cx_error *err);

/* Reads the header only (up to the pixel data): size, bits stored, samples. */
int cx_dicom_probe(const unsigned char *head, size_t n, struct cx_image_info *out,
		   struct cx_error *err);

#ifdef __cplusplus
}
#endif

#endif

/*
 * probe.c - PNG headers are read straight from the IHDR chunk, which the PNG
 * specification fixes at byte 8; JPEG headers through TurboJPEG, which parses
 * markers up to the frame header without decoding the scan; DICOM headers
 * by the structural walk of dicom-check.c, which stops at the pixel data tag
 * (never GDCM: its header reader asserts and allocates declared lengths).
 */
#include "cx.h"

#include <turbojpeg.h>

#include "image/dicom.h"
#include "image/image.h"
#include "image/probe.h"

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int probe_png(const unsigned char *h, size_t n, struct cx_image_info *out,
		     struct cx_error *err)
{
	if (n < 33 || be32(h + 8) != 13 || memcmp(h + 12, "IHDR", 4) != 0)
		return cx_error_set(err, CX_EFORMAT, "PNG without a valid IHDR header");
	uint32_t w = be32(h + 16), ht = be32(h + 20);
	int depth = h[24], colour = h[25];
	static const int channels[7] = {1, 0, 3, 1, 2, 0, 4};
	if (w == 0 || ht == 0 || w > 0x7FFFFFFF || ht > 0x7FFFFFFF)
		return cx_error_set(err, CX_EFORMAT, "PNG with size %ux%u", w, ht);
	if (colour > 6 || channels[colour] == 0 ||
	    (depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16))
		return cx_error_set(err, CX_EFORMAT, "PNG with colour type %d, bit depth %d", colour,
				    depth);
	*out = (struct cx_image_info){.format = "png", .width = (int)w, .height = (int)ht,
				      .bit_depth = depth, .channels = channels[colour]};
	return 0;
}

static int probe_jpeg(const unsigned char *h, size_t n, struct cx_image_info *out,
		      struct cx_error *err)
{
	tjhandle tj = tjInitDecompress();
	if (!tj)
		return cx_error_set(err, CX_ERROR, "cannot start TurboJPEG");
	/* TurboJPEG returns 0 on a head that ends before the frame header (its
	 * "Premature end of JPEG file" is only a warning) and leaves the sizes
	 * unset: start them at 0 and treat 0 as no header. */
	int w = 0, ht = 0, sub = -1, cs = -1;
	int rc = tjDecompressHeader3(tj, h, (unsigned long)n, &w, &ht, &sub, &cs);
	if (rc != 0 || w <= 0 || ht <= 0) {
		cx_error_set(err, CX_EFORMAT, "JPEG header: %s", tjGetErrorStr2(tj));
		tjDestroy(tj);
		return CX_EFORMAT;
	}
	tjDestroy(tj);
	*out = (struct cx_image_info){.format = "jpeg", .width = w, .height = ht, .bit_depth = 8,
				      .channels = cs == TJCS_GRAY ? 1 : 3};
	return 0;
}

int cx_image_probe(const unsigned char *head, size_t n, struct cx_image_info *out,
		   struct cx_error *err)
{
	if (n >= 8 && !memcmp(head, "\x89PNG\r\n\x1a\n", 8))
		return probe_png(head, n, out, err);
	if (n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
		return probe_jpeg(head, n, out, err);
	if (n >= 132 && !memcmp(head + 128, "DICM", 4))
		return cx_dicom_probe(head, n, out, err);
	if (n == 0)
		return cx_error_set(err, CX_EFORMAT, "empty image file");
	return cx_error_set(err, CX_EFORMAT, "neither PNG, JPEG nor DICOM");
}

int cx_image_probe_named(const unsigned char *head, size_t n, const char *name,
			 struct cx_image_info *out, struct cx_error *err)
{
	const char *f = n ? cx_image_sniff(head, n, name) : NULL;
	if (f && !strcmp(f, "jsrt")) {
		*out = (struct cx_image_info){.format = "jsrt", .width = CX_JSRT_SIDE,
					      .height = CX_JSRT_SIDE, .bit_depth = 12, .channels = 1};
		return 0;
	}
	if (f && !strcmp(f, "dicom") && !(n >= 132 && !memcmp(head + 128, "DICM", 4)))
		return cx_dicom_probe(head, n, out, err);
	return cx_image_probe(head, n, out, err);
}

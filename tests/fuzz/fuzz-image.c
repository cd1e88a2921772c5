/*
 * fuzz-image.c - PNG and JPEG headers and decoding (image/probe.c,
 * image/decode.c) and what the build and the sharder do with decoded pixels
 * (normalise, resize, encode, hash), on arbitrary bytes. The first byte
 * picks the path: probe then decode, decode scaled, transcode to a small
 * JPEG or PNG, or the pixel hashes. DICOM inputs (a "DICM" preamble) are
 * skipped: the DICOM guard has its own targets (fuzz-dicomhead and those of
 * image/dicom*), and a GDCM abort here would only hide PNG and JPEG finds.
 */
#include "cx.h"

#include "image/image.h"
#include "image/probe.h"

static void check(int rc, const struct cx_error *err)
{
	if (rc > 0 || (rc < 0 && (!err->msg[0] || strchr(err->msg, '\n'))))
		abort();
}

static void check_pixels(const struct cx_pixels *p)
{
	if (p->width <= 0 || p->height <= 0 || !p->data ||
	    (uint64_t)p->width * (uint64_t)p->height > CX_IMAGE_MAX_PIXELS)
		abort();
	if ((p->channels != 1 && p->channels != 3) || (p->depth != 8 && p->depth != 16))
		abort();
	if (p->stride < (size_t)p->width * (size_t)p->channels * (size_t)(p->depth / 8))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int mode = data[0] & 3;
	size_t n = size - 1;
	if (n >= 132 && !memcmp(data + 1 + 128, "DICM", 4))
		return 0;
	/* a private copy of exactly n bytes, so any read past it is caught */
	unsigned char *in = cx_malloc(n ? n : 1);
	memcpy(in, data + 1, n);
	struct cx_error err = {0};
	struct cx_pixels px;
	if (mode == 0) {
		struct cx_image_info info;
		int rc = cx_image_probe(in, n, &info, &err);
		check(rc, &err);
		if (rc == 0 && (info.width <= 0 || info.height <= 0 || info.channels < 1))
			abort();
		cx_error_clear(&err);
		rc = cx_image_decode(in, n, "x.png", &px, &err);
		check(rc, &err);
		if (rc == 0) {
			check_pixels(&px);
			cx_image_normalise(&px);
			cx_pixels_release(&px);
		}
	} else if (mode == 1) {
		int rc = cx_image_decode_scaled(in, n, "x.jpg", 64, 64, &px, &err);
		check(rc, &err);
		if (rc == 0) {
			check_pixels(&px);
			cx_pixels_release(&px);
		}
	} else if (mode == 2) {
		struct cx_transcode_opts o = {
			.size = 32, .shortest = data[0] & 4 ? 1 : 0,
			.format = data[0] & 8 ? CX_IMAGE_PNG : CX_IMAGE_JPEG, .quality = 80,
		};
		struct cx_buf out = CX_BUF_INIT;
		enum cx_image_type type;
		check(cx_image_transcode(in, n, "x.png", &o, &out, &type, &err), &err);
		cx_buf_release(&out);
	} else {
		uint64_t pixel, dhash;
		check(cx_image_pixel_hash(in, n, "x.png", &pixel, &dhash, &err), &err);
	}
	free(in);
	return 0;
}

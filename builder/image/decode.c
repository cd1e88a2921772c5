/*
 * decode.c - one entry point for every image format of the releases. The
 * format is chosen from the magic bytes (JSRT files have none: a name ending
 * in .IMG and exactly 2048*2048*2 bytes). Each decoder reads the header
 * first and checks CX_IMAGE_MAX_PIXELS before allocating the pixels.
 */
#include "cx.h"

#include <ctype.h>
#include <png.h>
#include <setjmp.h>
#include <turbojpeg.h>

#include "image/dicom.h"
#include "image/image.h"

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	if (n < m)
		return 0;
	for (size_t i = 0; i < m; i++)
		if (tolower((unsigned char)s[n - m + i]) != tolower((unsigned char)suffix[i]))
			return 0;
	return 1;
}

const char *cx_image_sniff(const unsigned char *in, size_t n, const char *name_hint)
{
	if (n >= 8 && !memcmp(in, "\x89PNG\r\n\x1a\n", 8))
		return "png";
	if (n >= 3 && in[0] == 0xFF && in[1] == 0xD8 && in[2] == 0xFF)
		return "jpeg";
	if (n >= 132 && !memcmp(in + 128, "DICM", 4))
		return "dicom";
	if (name_hint && ends_with_ci(name_hint, ".IMG"))
		return "jsrt";
	/* DICOM data sets without the Part-10 preamble (a few old releases). */
	if (name_hint && (ends_with_ci(name_hint, ".dcm") || ends_with_ci(name_hint, ".dicom")))
		return "dicom";
	return NULL;
}

void cx_pixels_release(struct cx_pixels *p)
{
	free(p->data);
	memset(p, 0, sizeof *p);
}

void cx_pixels_alloc(struct cx_pixels *p, int width, int height, int channels)
{
	memset(p, 0, sizeof *p);
	p->width = width;
	p->height = height;
	p->channels = channels;
	p->depth = 8;
	p->bits_stored = 8;
	p->stride = (size_t)width * channels;
	p->data = cx_calloc(p->stride * height + 1, 1);
}

static int over_cap(uint64_t w, uint64_t h)
{
	return w * h > CX_IMAGE_MAX_PIXELS;
}

/* --- JPEG --- */

/* The smallest DCT scaling (1/8, 1/4, 1/2) whose output still covers
 * min_w x min_h; 1/1 when none does. */
static tjscalingfactor pick_scale(int w, int h, int min_w, int min_h)
{
	static const tjscalingfactor f[] = {{1, 8}, {1, 4}, {1, 2}};
	for (size_t i = 0; i < CX_ARRAY_LEN(f); i++)
		if (min_w > 0 && min_h > 0 && TJSCALED(w, f[i]) >= min_w &&
		    TJSCALED(h, f[i]) >= min_h)
			return f[i];
	return (tjscalingfactor){1, 1};
}

static int decode_jpeg(const unsigned char *in, size_t n, int min_w, int min_h,
		       struct cx_pixels *out, struct cx_error *err)
{
	tjhandle tj = tjInitDecompress();
	if (!tj)
		return cx_error_set(err, CX_ERROR, "cannot start TurboJPEG");
	/* sizes start at 0: TurboJPEG may return 0 without a frame header
	 * (see probe.c) */
	int w = 0, h = 0, sub = -1, cs = -1, rc = 0;
	if (tjDecompressHeader3(tj, in, (unsigned long)n, &w, &h, &sub, &cs) != 0 || w <= 0 ||
	    h <= 0) {
		rc = cx_error_set(err, CX_EFORMAT, "JPEG header: %s", tjGetErrorStr2(tj));
		goto done;
	}
	if (over_cap((uint64_t)w, (uint64_t)h)) {
		rc = cx_error_set(err, CX_ELIMIT, "JPEG of %dx%d pixels, over the %u-pixel cap", w,
				  h, CX_IMAGE_MAX_PIXELS);
		goto done;
	}
	tjscalingfactor sf = pick_scale(w, h, min_w, min_h);
	int ch = cs == TJCS_GRAY ? 1 : 3;
	cx_pixels_alloc(out, TJSCALED(w, sf), TJSCALED(h, sf), ch);
	if (tjDecompress2(tj, in, (unsigned long)n, out->data, out->width, (int)out->stride,
			  out->height, ch == 1 ? TJPF_GRAY : TJPF_RGB, 0) != 0) {
		/* Warnings (extraneous bytes, odd markers) leave a whole image;
		 * a truncated scan does not. */
		const char *why = tjGetErrorStr2(tj);
		if (tjGetErrorCode(tj) == TJERR_FATAL || strstr(why, "Premature end")) {
			rc = cx_error_set(err, CX_EFORMAT, "JPEG: %s", why);
			cx_pixels_release(out);
		}
	}
done:
	tjDestroy(tj);
	return rc;
}

/* --- PNG --- */

struct png_src {
	const unsigned char *p;
	size_t n, at;
	char why[200];
};

static void png_read_mem(png_structp png, png_bytep dst, size_t len)
{
	struct png_src *s = png_get_io_ptr(png);
	if (len > s->n - s->at)
		png_error(png, "truncated PNG");
	memcpy(dst, s->p + s->at, len);
	s->at += len;
}

static void png_on_error(png_structp png, png_const_charp msg)
{
	struct png_src *s = png_get_error_ptr(png);
	snprintf(s->why, sizeof s->why, "%s", msg);
	png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* Sets the transformations that leave 8- or 16-bit grey or RGB, no alpha,
 * no palette; returns the channel count. */
static int png_normal_form(png_structp png, png_infop info)
{
	int colour = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
	if (colour == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (colour == PNG_COLOR_TYPE_GRAY && depth < 8)
		png_set_expand_gray_1_2_4_to_8(png);
	if (colour & PNG_COLOR_MASK_ALPHA)
		png_set_strip_alpha(png);
	if (depth == 16) {
		uint16_t one = 1;
		if (*(unsigned char *)&one == 1)
			png_set_swap(png); /* host order */
	}
	return colour == PNG_COLOR_TYPE_GRAY || colour == PNG_COLOR_TYPE_GRAY_ALPHA ? 1 : 3;
}

static int decode_png(const unsigned char *in, size_t n, struct cx_pixels *out,
		      struct cx_error *err)
{
	struct png_src src = {in, n, 0, ""};
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_on_error,
						 png_on_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_read_struct(&png, NULL, NULL);
		return cx_error_set(err, CX_ERROR, "cannot start libpng");
	}
	int rc = 0;
	if (setjmp(png_jmpbuf(png))) {
		rc = cx_error_set(err, CX_EFORMAT, "PNG: %s", src.why);
		cx_pixels_release(out);
		goto done;
	}
	png_set_read_fn(png, &src, png_read_mem);
	png_read_info(png, info);
	png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
	if (over_cap(w, h)) {
		rc = cx_error_set(err, CX_ELIMIT, "PNG of %ux%u pixels, over the %u-pixel cap",
				  (unsigned)w, (unsigned)h, CX_IMAGE_MAX_PIXELS);
		goto done;
	}
	int depth = png_get_bit_depth(png, info) == 16 ? 16 : 8;
	int ch = png_normal_form(png, info);
	int passes = png_set_interlace_handling(png);
	png_read_update_info(png, info);
	cx_pixels_alloc(out, (int)w, (int)h, ch);
	if (depth == 16) {
		free(out->data);
		out->depth = 16;
		out->bits_stored = 16;
		out->stride = (size_t)w * ch * 2;
		out->data = cx_calloc(out->stride * h + 1, 1);
	}
	if (png_get_rowbytes(png, info) != out->stride)
		png_error(png, "unexpected row size");
	for (int pass = 0; pass < passes; pass++)
		for (png_uint_32 y = 0; y < h; y++)
			png_read_row(png, out->data + y * out->stride, NULL);
	png_read_end(png, NULL);
done:
	png_destroy_read_struct(&png, &info, NULL);
	return rc;
}

/* --- JSRT --- */

static int decode_jsrt(const unsigned char *in, size_t n, struct cx_pixels *out,
		       struct cx_error *err)
{
	if (n != CX_JSRT_BYTES)
		return cx_error_set(err, CX_EFORMAT, "JSRT .IMG of %zu bytes, expected %zu"
				    " (2048x2048 16-bit)", n, CX_JSRT_BYTES);
	memset(out, 0, sizeof *out);
	out->width = out->height = CX_JSRT_SIDE;
	out->channels = 1;
	out->depth = 16;
	out->bits_stored = 12;
	out->invert = 1;
	out->stride = CX_JSRT_SIDE * 2;
	out->data = cx_malloc(CX_JSRT_BYTES);
	uint16_t *d = (uint16_t *)out->data;
	for (size_t i = 0; i < CX_JSRT_BYTES / 2; i++)
		d[i] = (uint16_t)(in[2 * i] << 8 | in[2 * i + 1]);
	return 0;
}

int cx_image_decode_scaled(const unsigned char *in, size_t n, const char *name_hint,
			   int min_w, int min_h, struct cx_pixels *out, struct cx_error *err)
{
	memset(out, 0, sizeof *out);
	if (n == 0)
		return cx_error_set(err, CX_EFORMAT, "empty image file");
	const char *f = cx_image_sniff(in, n, name_hint);
	if (!f)
		return cx_error_set(err, CX_EFORMAT, "not a PNG, JPEG, DICOM or JSRT image");
	if (!strcmp(f, "jpeg"))
		return decode_jpeg(in, n, min_w, min_h, out, err);
	if (!strcmp(f, "png"))
		return decode_png(in, n, out, err);
	if (!strcmp(f, "dicom"))
		return cx_dicom_decode(in, n, out, err);
	return decode_jsrt(in, n, out, err);
}

int cx_image_decode(const unsigned char *in, size_t n, const char *name_hint,
		    struct cx_pixels *out, struct cx_error *err)
{
	return cx_image_decode_scaled(in, n, name_hint, 0, 0, out, err);
}

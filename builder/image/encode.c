/*
 * encode.c - 8-bit pixels to JPEG (TurboJPEG; grey images as one-component
 * JPEGs, colour as 4:2:0) or PNG (libpng, zlib level 6, adaptive filters:
 * fixed settings, so the same pixels give the same bytes), and the whole
 * transcoding chain the sharder uses: decode at the smallest DCT scale that
 * still covers the target, normalise, area-resize (down only, unless asked
 * to enlarge), encode.
 */
#include "cx.h"

#include <png.h>
#include <setjmp.h>
#include <turbojpeg.h>

#include "image/image.h"
#include "image/probe.h"

static int encode_jpeg(const struct cx_pixels *p, int quality, struct cx_buf *out,
		       struct cx_error *err)
{
	tjhandle tj = tjInitCompress();
	if (!tj)
		return cx_error_set(err, CX_ERROR, "cannot start TurboJPEG");
	unsigned char *jpg = NULL;
	unsigned long size = 0;
	int grey = p->channels == 1, rc = 0;
	if (tjCompress2(tj, p->data, p->width, (int)p->stride, p->height,
			grey ? TJPF_GRAY : TJPF_RGB, &jpg, &size, grey ? TJSAMP_GRAY : TJSAMP_420,
			quality, 0) != 0)
		rc = cx_error_set(err, CX_ERROR, "JPEG encoding: %s", tjGetErrorStr2(tj));
	else
		cx_buf_add(out, jpg, size);
	tjFree(jpg);
	tjDestroy(tj);
	return rc;
}

static void png_write_mem(png_structp png, png_bytep data, size_t len)
{
	cx_buf_add(png_get_io_ptr(png), data, len);
}

static void png_flush_mem(png_structp png)
{
	(void)png;
}

static int encode_png(const struct cx_pixels *p, struct cx_buf *out, struct cx_error *err)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return cx_error_set(err, CX_ERROR, "cannot start libpng");
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return cx_error_set(err, CX_ERROR, "PNG encoding failed");
	}
	png_set_write_fn(png, out, png_write_mem, png_flush_mem);
	png_set_IHDR(png, info, (png_uint_32)p->width, (png_uint_32)p->height, 8,
		     p->channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(png, 6);
	png_write_info(png, info);
	for (int y = 0; y < p->height; y++)
		png_write_row(png, p->data + (size_t)y * p->stride);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int cx_image_encode(const struct cx_pixels *p, enum cx_image_type type, int quality,
		    struct cx_buf *out, struct cx_error *err)
{
	if (p->depth != 8 || (p->channels != 1 && p->channels != 3))
		return cx_error_set(err, CX_EINVAL, "encode: not 8-bit grey or RGB pixels");
	if (type == CX_IMAGE_PNG)
		return encode_png(p, out, err);
	if (quality < 1 || quality > 100)
		return cx_error_set(err, CX_EINVAL, "JPEG quality %d is not in 1-100", quality);
	return encode_jpeg(p, quality, out, err);
}

void cx_image_choose_size(int w, int h, const struct cx_transcode_opts *o, int *ow, int *oh)
{
	cx_image_fit(w, h, o->size, o->shortest, ow, oh);
	/* Upscaling adds bytes and no detail: a smaller image keeps its size
	 * unless the caller asks for every image at exactly the size. */
	if (!o->enlarge && (*ow > w || *oh > h)) {
		*ow = w;
		*oh = h;
	}
}

/* For a JPEG, the size the image will be resized to, so that the decoder
 * may use a DCT scale; 0 x 0 (full size) for other formats. */
static void scaled_target(const unsigned char *in, size_t n, const struct cx_transcode_opts *o,
			  int *min_w, int *min_h)
{
	struct cx_image_info info;
	struct cx_error e = {0};
	*min_w = *min_h = 0;
	if (o->size <= 0 || n < 3 || in[0] != 0xFF || in[1] != 0xD8)
		return;
	if (cx_image_probe(in, n, &info, &e) == 0)
		cx_image_choose_size(info.width, info.height, o, min_w, min_h);
}

int cx_image_transcode(const unsigned char *in, size_t n, const char *name_hint,
		       const struct cx_transcode_opts *o, struct cx_buf *out,
		       enum cx_image_type *type, struct cx_error *err)
{
	struct cx_pixels px, small;
	int min_w, min_h;
	scaled_target(in, n, o, &min_w, &min_h);
	int rc = cx_image_decode_scaled(in, n, name_hint, min_w, min_h, &px, err);
	if (rc)
		return rc;
	cx_image_normalise(&px);
	int ow = px.width, oh = px.height;
	if (o->size > 0) {
		/* Fit from the decoded size when the header could not tell it. */
		if (min_w > 0)
			ow = min_w, oh = min_h;
		else
			cx_image_choose_size(px.width, px.height, o, &ow, &oh);
	}
	if (ow != px.width || oh != px.height) {
		cx_image_resize(&px, ow, oh, &small);
		cx_pixels_release(&px);
		px = small;
	}
	enum cx_image_type t = o->format == CX_IMAGE_PNG ? CX_IMAGE_PNG : CX_IMAGE_JPEG;
	rc = cx_image_encode(&px, t, o->quality ? o->quality : 90, out, err);
	cx_pixels_release(&px);
	if (!rc && type)
		*type = t;
	return rc;
}

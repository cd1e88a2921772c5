/*
 * normalise.c - from whatever a decoder produced to 8-bit grey (or 8-bit RGB
 * for real colour images), by fixed rules, so that training sees the same
 * pixels from every release and every machine:
 *
 *  1. Grey samples go through one 8-bit lookup table per image, built from
 *     the stored value:
 *     - DICOM: the Modality LUT (value = stored * RescaleSlope +
 *       RescaleIntercept), then the VOI window when the file has one
 *       (WindowCenter/WindowWidth, first pair, linear function of PS3.3
 *       C.11.2.1.2). Without a window, the percentile rule below on the
 *       modality values; an 8-bit DICOM with neither window nor rescale is
 *       taken as already display-ready (the SIIM and RSNA files).
 *     - 16-bit PNG and JSRT (no display facts): the percentile rule.
 *     - 8-bit PNG and JPEG: unchanged.
 *     Percentile rule: the values at the 0.5th and 99.5th percentiles of
 *     the image's histogram map to 0 and 255, linearly, clipped. It ignores a
 *     few burnt-in labels or dead pixels that a min-max stretch would follow,
 *     and needs no knowledge of how many of the 16 bits are used (PadChest
 *     and BIMCV store 12-bit data in 16-bit PNGs).
 *  2. MONOCHROME1 (and JSRT, whose 0 is white) is inverted after the window,
 *     as the standard says: v = 255 - v.
 *  3. RGB: 16-bit samples become 8-bit by v * 255 / 65535, rounded. An RGB
 *     image whose channels never differ by more than CX_GREY_TOLERANCE is a
 *     grey image saved in colour (JPEG chroma noise included) and becomes
 *     grey: Y = (77 R + 150 G + 29 B + 128) >> 8 (BT.601 in integers).
 *
 * The lookup table is computed in double precision once per image with
 * IEEE basic operations only (no libm), so it is the same everywhere; the
 * pixels themselves are only looked up.
 */
#include "cx.h"

#include "image/image.h"

#define CX_GREY_TOLERANCE 8
#define PCT_LOW 5     /* per mille: 0.5th percentile */
#define PCT_HIGH 995  /* 99.5th */

static size_t npix(const struct cx_pixels *p)
{
	return (size_t)p->width * p->height;
}

/* Stored value i of the LUT domain: 8-bit 0..255; 16-bit unsigned
 * 0..65535; signed 16-bit: i - 32768. */
static double stored_value(const struct cx_pixels *p, size_t i)
{
	return p->is_signed && p->depth == 16 ? (double)i - 32768.0 : (double)i;
}

static size_t lut_index(const struct cx_pixels *p, size_t k)
{
	if (p->depth == 8)
		return p->data[k];
	uint16_t v = ((const uint16_t *)p->data)[k];
	return p->is_signed ? (size_t)((int)(int16_t)v + 32768) : v;
}

static double modality(const struct cx_pixels *p, double s)
{
	if (!p->dicom.is_dicom)
		return s;
	return s * p->dicom.slope + p->dicom.intercept;
}

/* Grey value of a window (PS3.3 C.11.2.1.2.1, output range 0..255). */
static unsigned char window(double x, double c, double w)
{
	if (x <= c - 0.5 - (w - 1) / 2)
		return 0;
	if (x > c - 0.5 + (w - 1) / 2)
		return 255;
	double y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255.0;
	return y <= 0 ? 0 : y >= 255 ? 255 : (unsigned char)(y + 0.5);
}

/* The modality values at the low and high percentiles of the image. */
static void percentiles(const struct cx_pixels *p, size_t domain, double *lo, double *hi)
{
	uint32_t *hist = cx_calloc(domain, sizeof *hist);
	size_t n = npix(p);
	for (size_t k = 0; k < n; k++)
		hist[lut_index(p, k)]++;
	uint64_t want_lo = (uint64_t)n * PCT_LOW / 1000, want_hi = (uint64_t)n * PCT_HIGH / 1000;
	uint64_t seen = 0;
	size_t ilo = 0, ihi = domain - 1;
	int got_lo = 0;
	for (size_t i = 0; i < domain; i++) {
		seen += hist[i];
		if (!got_lo && seen > want_lo) {
			ilo = i;
			got_lo = 1;
		}
		if (seen > want_hi) {
			ihi = i;
			break;
		}
	}
	free(hist);
	double a = modality(p, stored_value(p, ilo)), b = modality(p, stored_value(p, ihi));
	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
}

static int display_ready(const struct cx_pixels *p)
{
	if (p->depth != 8)
		return 0;
	if (!p->dicom.is_dicom)
		return 1;
	return !p->dicom.has_window && p->dicom.slope == 1 && p->dicom.intercept == 0;
}

static void normalise_grey(struct cx_pixels *p)
{
	size_t domain = p->depth == 8 ? 256 : 65536;
	unsigned char *lut = cx_malloc(domain);
	double lo = 0, hi = 255;
	int ready = display_ready(p), win = p->dicom.is_dicom && p->dicom.has_window;
	if (!ready && !win)
		percentiles(p, domain, &lo, &hi);
	if (hi <= lo)
		hi = lo + 1;
	for (size_t i = 0; i < domain; i++) {
		unsigned char v;
		if (ready) {
			v = (unsigned char)i;
		} else {
			double x = modality(p, stored_value(p, i));
			if (win) {
				v = window(x, p->dicom.centre, p->dicom.width);
			} else {
				double y = (x - lo) * 255.0 / (hi - lo);
				v = y <= 0 ? 0 : y >= 255 ? 255 : (unsigned char)(y + 0.5);
			}
		}
		lut[i] = p->invert ? (unsigned char)(255 - v) : v;
	}
	size_t n = npix(p);
	unsigned char *out = cx_malloc(n + 1);
	for (size_t k = 0; k < n; k++)
		out[k] = lut[lut_index(p, k)];
	free(lut);
	free(p->data);
	p->data = out;
	p->depth = 8;
	p->bits_stored = 8;
	p->stride = (size_t)p->width;
	p->invert = 0;
	p->is_signed = 0;
	memset(&p->dicom, 0, sizeof p->dicom);
}

static void rgb16_to_8(struct cx_pixels *p)
{
	size_t n = npix(p) * 3;
	const uint16_t *s = (const uint16_t *)p->data;
	unsigned char *out = cx_malloc(n + 1);
	for (size_t k = 0; k < n; k++)
		out[k] = (unsigned char)(((uint32_t)s[k] * 255 + 32767) / 65535);
	free(p->data);
	p->data = out;
	p->depth = 8;
	p->stride = (size_t)p->width * 3;
}

static int looks_grey(const struct cx_pixels *p)
{
	size_t n = npix(p);
	for (size_t k = 0; k < n; k++) {
		const unsigned char *q = p->data + 3 * k;
		int a = q[0] - q[1], b = q[1] - q[2], c = q[0] - q[2];
		if (abs(a) > CX_GREY_TOLERANCE || abs(b) > CX_GREY_TOLERANCE ||
		    abs(c) > CX_GREY_TOLERANCE)
			return 0;
	}
	return 1;
}

static void rgb_to_grey(struct cx_pixels *p)
{
	size_t n = npix(p);
	unsigned char *out = cx_malloc(n + 1);
	for (size_t k = 0; k < n; k++) {
		const unsigned char *q = p->data + 3 * k;
		out[k] = (unsigned char)((77u * q[0] + 150u * q[1] + 29u * q[2] + 128u) >> 8);
	}
	free(p->data);
	p->data = out;
	p->channels = 1;
	p->stride = (size_t)p->width;
}

void cx_image_normalise(struct cx_pixels *p)
{
	if (p->channels == 1) {
		normalise_grey(p);
		return;
	}
	if (p->depth == 16)
		rgb16_to_8(p);
	if (looks_grey(p))
		rgb_to_grey(p);
	p->invert = 0; /* MONOCHROME1 is a grey interpretation only */
	p->bits_stored = 8;
	memset(&p->dicom, 0, sizeof p->dicom);
}

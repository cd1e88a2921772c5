/*
 * dicom-gdcm.cpp - DICOM through GDCM (Debian libgdcm-dev 3.0), behind the C
 * functions of dicom.h. GDCM reads Part-10 files and bare data sets in every
 * transfer syntax it has a codec for: implicit and explicit VR little endian,
 * explicit big endian, deflated, RLE, JPEG baseline/extended/lossless,
 * JPEG-LS and JPEG 2000 (OpenJPEG). We hand back the stored values (masked to
 * BitsStored, sign-extended when signed) and the display facts; the Modality
 * LUT and the window are applied by normalise.c, so every format ends in the
 * same 8-bit rule. GDCM is C++ and may throw: nothing escapes this file.
 * GDCM may also assert (abort) or allocate what a header declares: this
 * runs only in the decoder worker process (dicom-guard.c).
 */
#include <cstring>
#include <mutex>
#include <new>
#include <sstream>
#include <streambuf>
#include <string>

#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmPhotometricInterpretation.h>
#include <gdcmReader.h>
#include <gdcmStringFilter.h>
#include <gdcmTrace.h>

extern "C" {
#include "image/dicom.h"
}

namespace {

/* An istream over borrowed bytes, seekable (GDCM seeks), without a copy. */
struct membuf : std::streambuf {
	membuf(const unsigned char *p, size_t n)
	{
		char *b = const_cast<char *>(reinterpret_cast<const char *>(p));
		setg(b, b, b + n);
	}
	pos_type seekoff(off_type off, std::ios_base::seekdir dir,
			 std::ios_base::openmode) override
	{
		char *base = dir == std::ios_base::beg ? eback()
			     : dir == std::ios_base::cur ? gptr() : egptr();
		char *to = base + off;
		if (to < eback() || to > egptr())
			return pos_type(off_type(-1));
		setg(eback(), to, egptr());
		return pos_type(to - eback());
	}
	pos_type seekpos(pos_type pos, std::ios_base::openmode m) override
	{
		return seekoff(off_type(pos), std::ios_base::beg, m);
	}
};

/* GDCM prints warnings and errors to stderr; we report through cx_error. */
void quiet()
{
	static std::once_flag once;
	std::call_once(once, [] {
		gdcm::Trace::SetDebug(false);
		gdcm::Trace::SetWarning(false);
		gdcm::Trace::SetError(false);
	});
}

/* First value of a multi-valued decimal string such as "-600\\-400". */
int first_ds(const gdcm::File &f, uint16_t g, uint16_t e, double *out)
{
	gdcm::StringFilter sf;
	sf.SetFile(f);
	const gdcm::Tag t(g, e);
	if (!f.GetDataSet().FindDataElement(t))
		return 0;
	std::string s = sf.ToString(t);
	const char *c = s.c_str();
	char *end;
	double v = strtod(c, &end);
	if (end == c)
		return 0;
	*out = v;
	return 1;
}

void mask_samples(struct cx_pixels *p, size_t nsamples)
{
	if (p->depth != 16 || p->bits_stored <= 0 || p->bits_stored >= 16)
		return;
	uint16_t *s = reinterpret_cast<uint16_t *>(p->data);
	unsigned bits = (unsigned)p->bits_stored;
	uint16_t mask = (uint16_t)((1u << bits) - 1);
	uint16_t sign = (uint16_t)(1u << (bits - 1));
	for (size_t i = 0; i < nsamples; i++) {
		uint16_t v = s[i] & mask;
		if (p->is_signed && (v & sign))
			v |= (uint16_t)~mask;
		s[i] = v;
	}
}

/* Planar RGB (PlanarConfiguration 1) to interleaved. */
void interleave(struct cx_pixels *p)
{
	size_t plane = (size_t)p->width * p->height;
	unsigned char *t = static_cast<unsigned char *>(cx_malloc(plane * 3));
	for (size_t i = 0; i < plane; i++)
		for (int c = 0; c < 3; c++)
			t[i * 3 + c] = p->data[c * plane + i];
	memcpy(p->data, t, plane * 3);
	free(t);
}

unsigned char clamp8(double v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (unsigned char)(v + 0.5);
}

/* Uncompressed YBR_FULL to RGB (PS3.3 C.7.6.3.1.2). */
void ybr_to_rgb(struct cx_pixels *p)
{
	size_t n = (size_t)p->width * p->height;
	for (size_t i = 0; i < n; i++) {
		unsigned char *q = p->data + i * 3;
		double y = q[0], cb = q[1] - 128.0, cr = q[2] - 128.0;
		q[0] = clamp8(y + 1.402 * cr);
		q[1] = clamp8(y - 0.344136 * cb - 0.714136 * cr);
		q[2] = clamp8(y + 1.772 * cb);
	}
}

int decode(const unsigned char *in, size_t n, struct cx_pixels *out, struct cx_error *err)
{
	membuf mb(in, n);
	std::istream is(&mb);
	gdcm::ImageReader r;
	r.SetStream(is);
	if (!r.Read())
		return cx_error_set(err, CX_EFORMAT, "DICOM: not a readable DICOM image");
	const gdcm::Image &img = r.GetImage();
	const gdcm::File &f = r.GetFile();
	std::string ts = f.GetHeader().GetDataSetTransferSyntax().GetString();
	if (img.GetNumberOfDimensions() < 2)
		return cx_error_set(err, CX_EFORMAT, "DICOM: no image dimensions");
	const unsigned int *dims = img.GetDimensions();
	unsigned long long w = dims[0], h = dims[1];
	unsigned long long frames = img.GetNumberOfDimensions() > 2 ? dims[2] : 1;
	if (w == 0 || h == 0)
		return cx_error_set(err, CX_EFORMAT, "DICOM: image of size %llux%llu", w, h);
	if (frames == 0 || w * h * frames > CX_IMAGE_MAX_PIXELS)
		return cx_error_set(err, CX_ELIMIT, "DICOM: %llux%llu pixels, over the %u-pixel cap",
				    w, h, CX_IMAGE_MAX_PIXELS);
	const gdcm::PixelFormat &pf = img.GetPixelFormat();
	int spp = pf.GetSamplesPerPixel(), alloc = pf.GetBitsAllocated();
	if ((spp != 1 && spp != 3) || (alloc != 8 && alloc != 16) || (spp == 3 && alloc != 8))
		return cx_error_set(err, CX_EFORMAT,
				    "DICOM: unsupported pixels (%d samples of %d bits)", spp, alloc);
	gdcm::PhotometricInterpretation pi = img.GetPhotometricInterpretation();
	size_t total = img.GetBufferLength();
	size_t frame = (size_t)(w * h) * spp * (alloc / 8);
	if (total < frame || total / frame != frames)
		return cx_error_set(err, CX_EFORMAT, "DICOM: pixel data length %zu does not fit the"
				    " header", total);
	/* malloc, not cx_malloc: over the worker's memory bound this is a
	 * reject, not an abort */
	char *buf = static_cast<char *>(malloc(total));
	if (!buf)
		return cx_error_set(err, CX_ELIMIT, "DICOM: decoding needs more than the"
				    " decoder's %d MB", CX_DICOM_WORKER_MB);
	if (!img.GetBuffer(buf)) {
		free(buf);
		return cx_error_set(err, CX_EFORMAT, "DICOM: cannot decode the pixel data"
				    " (transfer syntax %s)", ts.c_str());
	}
	/* Keep the first frame only. */
	out->width = (int)w;
	out->height = (int)h;
	out->channels = spp;
	out->depth = alloc;
	out->stride = (size_t)w * spp * (alloc / 8);
	out->data = reinterpret_cast<unsigned char *>(buf);
	out->bits_stored = pf.GetBitsStored();
	out->is_signed = pf.GetPixelRepresentation() == 1;
	out->invert = pi == gdcm::PhotometricInterpretation::MONOCHROME1;
	if (spp == 3 && img.GetPlanarConfiguration() == 1)
		interleave(out);
	if (spp == 3 && pi == gdcm::PhotometricInterpretation::YBR_FULL)
		ybr_to_rgb(out);
	mask_samples(out, (size_t)(w * h) * spp);
	struct cx_dicom_display *d = &out->dicom;
	d->is_dicom = 1;
	d->slope = img.GetSlope();
	d->intercept = img.GetIntercept();
	if (d->slope == 0)
		d->slope = 1;
	d->has_window = first_ds(f, 0x0028, 0x1050, &d->centre) &&
			first_ds(f, 0x0028, 0x1051, &d->width) && d->width >= 1;
	return 0;
}

} /* namespace */

extern "C" int cx_dicom_decode_gdcm(const unsigned char *in, size_t n, struct cx_pixels *out,
				    struct cx_error *err)
{
	quiet();
	memset(out, 0, sizeof *out);
	int checked = cx_dicom_check(in, n, err);
	if (checked)
		return checked;
	try {
		int rc = decode(in, n, out, err);
		if (rc)
			cx_pixels_release(out);
		return rc;
	} catch (const std::bad_alloc &) {
		cx_pixels_release(out);
		return cx_error_set(err, CX_ELIMIT, "DICOM: decoding needs more than the"
				    " decoder's %d MB", CX_DICOM_WORKER_MB);
	} catch (const std::exception &e) {
		cx_pixels_release(out);
		return cx_error_set(err, CX_EFORMAT, "DICOM: %s", e.what());
	} catch (...) {
		cx_pixels_release(out);
		return cx_error_set(err, CX_EFORMAT, "DICOM: unreadable");
	}
}

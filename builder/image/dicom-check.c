/*
 * dicom-check.c - walks a DICOM file's elements before GDCM sees it. GDCM
 * (3.0 as Debian builds it) aborts on an assertion or loops forever on many
 * truncated files; a walk that checks every element, sequence item and
 * pixel-data fragment fits inside the bytes we have turns those into a clean
 * "truncated DICOM" reject. Deflated data sets cannot be walked without
 * inflating them and are refused.
 *
 * The walk also collects the image facts of the top-level data set (Rows,
 * Columns, bits, samples, frames, the pixel data length): the header probe
 * reads them here and never calls GDCM (whose header reader allocates the
 * length an element declares, before it finds the file too short), and the
 * full check refuses pixels the decoder could not hold before GDCM sees them
 * (over the pixel cap, native pixel data shorter than the header says).
 * GDCM itself then runs in a worker process (dicom-guard.c).
 */
#include "cx.h"

#include "image/dicom.h"

#define MAX_DEPTH 16
#define UNDEFINED 0xFFFFFFFFu

/* What the top-level data set says about its image (0 when absent). */
struct facts {
	int rows, cols, bits_alloc, bits_stored, spp, frames;
	int has_bits_stored;
	int pixels_undefined;  /* encapsulated: fragments */
	uint32_t pixel_len;    /* native: the declared length */
	char sex[8], age[8], view[20]; /* PatientSex, PatientAge, ViewPosition */
};

struct walk {
	const unsigned char *p;
	size_t n;
	int implicit;
	int pixels;      /* pixel data seen */
	int header_only; /* stop at the top-level pixel data element */
	int stopped;     /* ... and it was reached */
	struct facts f;
};

static uint32_t le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const unsigned char *p) { return le16(p) | le16(p + 2) << 16; }

static int long_vr(const unsigned char *vr)
{
	static const char *const l[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
					"SV", "UC", "UN", "UR", "UT", "UV"};
	for (size_t i = 0; i < CX_ARRAY_LEN(l); i++)
		if (!memcmp(vr, l[i], 2))
			return 1;
	return 0;
}

/* GDCM reads a VR it does not know with a 32-bit length, where we would
 * read 16 bits: the two walks would part (a 1 KB file then made GDCM
 * allocate 775 MB). Only the VRs of PS3.5 Table 6.2-1 pass. */
static int short_vr(const unsigned char *vr)
{
	static const char *const s[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT",
					"FL", "FD", "IS", "LO", "LT", "PN", "SH",
					"SL", "SS", "ST", "TM", "UI", "UL", "US"};
	for (size_t i = 0; i < CX_ARRAY_LEN(s); i++)
		if (!memcmp(vr, s[i], 2))
			return 1;
	return 0;
}

static int walk_set(struct walk *w, size_t *at, size_t end, int depth, int in_item);

/* GDCM asserts when an image attribute it reads as one US value has another
 * VR or length, and when encapsulated pixel data is not OB or OW. vr is NULL
 * in implicit VR (GDCM takes its dictionary's). */
static int fits_gdcm(uint32_t g, uint32_t e, const unsigned char *vr, uint32_t len)
{
	static const uint16_t us[] = {0x0002, 0x0006, 0x0010, 0x0011,
				      0x0100, 0x0101, 0x0102, 0x0103};
	if (g == 0x7FE0 && e == 0x0010 && len == UNDEFINED)
		return !vr || !memcmp(vr, "OB", 2) || !memcmp(vr, "OW", 2);
	if (g != 0x0028)
		return 1;
	for (size_t i = 0; i < CX_ARRAY_LEN(us); i++)
		if (e == us[i])
			return len == 2 && (!vr || !memcmp(vr, "US", 2));
	return 1;
}

/* NumberOfFrames is an IS (decimal text); anything but digits and spaces
 * gives -1, refused by check_pixels. */
static int frames_of(const unsigned char *v, uint32_t len)
{
	long f = 0;
	int digits = 0;
	for (uint32_t i = 0; i < len; i++) {
		if (v[i] >= '0' && v[i] <= '9' && f < 100000000) {
			f = f * 10 + (v[i] - '0');
			digits++;
		} else if (v[i] != ' ' && v[i] != '\0' && v[i] != '+') {
			return -1;
		}
	}
	return digits && f < 100000000 ? (int)f : -1;
}

/* A short text element (CS, AS) as out: "" unless it fits and is printable
 * ASCII; trailing spaces and NULs (the padding) dropped. */
static void copy_text(char *out, size_t size, const unsigned char *v, uint32_t len)
{
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\0'))
		len--;
	while (len && v[0] == ' ') {
		v++;
		len--;
	}
	out[0] = '\0';
	if (len >= size)
		return;
	for (uint32_t i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return;
	memcpy(out, v, len);
	out[len] = '\0';
}

/* Records an element of the top-level data set that describes the image
 * (group 0028, US values little endian) or its patient (sex, age, view).
 * v[0..len) lies inside the file. */
static void note(struct facts *f, uint32_t g, uint32_t e, const unsigned char *v, uint32_t len)
{
	if (g == 0x0010 && e == 0x0040)
		copy_text(f->sex, sizeof(f->sex), v, len);
	else if (g == 0x0010 && e == 0x1010)
		copy_text(f->age, sizeof(f->age), v, len);
	else if (g == 0x0018 && e == 0x5101)
		copy_text(f->view, sizeof(f->view), v, len);
	if (g != 0x0028)
		return;
	if (e == 0x0008) {
		f->frames = frames_of(v, len);
		return;
	}
	if (len < 2)
		return;
	int us = (int)le16(v);
	switch (e) {
	case 0x0002: f->spp = us; break;
	case 0x0010: f->rows = us; break;
	case 0x0011: f->cols = us; break;
	case 0x0100: f->bits_alloc = us; break;
	case 0x0101: f->bits_stored = us; f->has_bits_stored = 1; break;
	}
}

/* Items of a sequence (data sets, walked too) or fragments of encapsulated
 * pixel data (bytes), up to the sequence delimiter (undefined length) or to
 * end. */
static int walk_items(struct walk *w, size_t *at, size_t end, int depth, int undefined,
		      int fragments)
{
	while (*at < end || undefined) {
		if (*at + 8 > w->n)
			return -1;
		uint32_t g = le16(w->p + *at), e = le16(w->p + *at + 2), len = le32(w->p + *at + 4);
		*at += 8;
		if (g != 0xFFFE)
			return -1;
		/* a delimiter's length is 0: GDCM allocated one of 1.4 GB */
		if (e == 0xE0DD)
			return len ? -1 : 0;
		if (e != 0xE000)
			return -1;
		if (len == UNDEFINED) {
			if (fragments || walk_set(w, at, w->n, depth + 1, 1))
				return -1;
		} else {
			if (len > w->n - *at)
				return -1;
			size_t sub = *at;
			if (!fragments && walk_set(w, &sub, *at + len, depth + 1, 0))
				return -1;
			*at += len;
		}
	}
	return *at == end ? 0 : -1;
}

/* A sequence of undefined length encoded as UN: implicit VR little endian
 * inside, whatever the file's syntax (PS3.5 6.2.2). */
static int walk_un(struct walk *w, size_t *at, int depth)
{
	int implicit = w->implicit;
	w->implicit = 1;
	int rc = walk_items(w, at, 0, depth + 1, 1, 0);
	w->implicit = implicit;
	return rc;
}

static int walk_set(struct walk *w, size_t *at, size_t end, int depth, int in_item)
{
	if (depth > MAX_DEPTH)
		return -1;
	while (*at < end) {
		if (*at + 8 > w->n)
			return -1;
		uint32_t g = le16(w->p + *at), e = le16(w->p + *at + 2), len;
		int sq = 0, un = 0;
		const unsigned char *vr = w->implicit ? NULL : w->p + *at + 4;
		if (g == 0xFFFE) { /* item delimiter ends an undefined-length item */
			*at += 8;
			return in_item && e == 0xE00D && !le32(w->p + *at - 4) ? 0 : -1;
		}
		if (w->implicit || g == 0xFFFE) {
			len = le32(w->p + *at + 4);
			*at += 8;
			sq = len == UNDEFINED;
		} else if (long_vr(w->p + *at + 4)) {
			if (*at + 12 > w->n)
				return -1;
			/* UN of a defined length is bytes; of an undefined
			 * length, a sequence */
			len = le32(w->p + *at + 8);
			un = !memcmp(w->p + *at + 4, "UN", 2) && len == UNDEFINED;
			sq = !memcmp(w->p + *at + 4, "SQ", 2) || un;
			*at += 12;
		} else if (short_vr(w->p + *at + 4)) {
			len = le16(w->p + *at + 6);
			*at += 8;
		} else {
			return -1;
		}
		if (!fits_gdcm(g, e, vr, len))
			return -1;
		int pixels = g == 0x7FE0 && e == 0x0010;
		w->pixels |= pixels;
		if (pixels && depth == 0) {
			w->f.pixels_undefined = len == UNDEFINED;
			w->f.pixel_len = len;
		}
		if (pixels && w->header_only && depth == 0) {
			w->stopped = 1;
			return 0;
		}
		if (depth == 0 && !in_item && len != UNDEFINED && len <= w->n - *at)
			note(&w->f, g, e, w->p + *at, len);
		if (len == UNDEFINED) {
			if (!sq && !pixels)
				return -1;
			if (un ? walk_un(w, at, depth) : walk_items(w, at, 0, depth + 1, 1, pixels))
				return -1;
		} else {
			if (len > w->n - *at)
				return -1;
			if (sq && len && walk_items(w, at, *at + len, depth + 1, 0, 0))
				return -1;
			if (!sq || !len)
				*at += len;
		}
	}
	/* an element running past the end of its defined-length item */
	return in_item || *at != end ? -1 : 0;
}

/* Native transfer syntaxes: the pixel data is a plain array whose length
 * the header fixes. */
static int native_ts(const char *ts)
{
	return !strcmp(ts, "1.2.840.10008.1.2") || !strcmp(ts, "1.2.840.10008.1.2.1");
}

/* The image the header describes is one the decoder can hold: at most
 * CX_DICOM_MAX_PIXEL_BYTES decoded, 8- or 16-bit grey or 8-bit colour, and
 * native pixel data as long as rows x columns x samples x bytes x frames.
 * GDCM is never asked to decode anything else. */
static int check_pixels(const struct facts *f, const char *ts, struct cx_error *err)
{
	int frames = f->frames ? f->frames : 1;
	if (f->rows <= 0 || f->cols <= 0)
		return cx_error_set(err, CX_EFORMAT, "DICOM without Rows and Columns");
	if (frames < 0)
		return cx_error_set(err, CX_EFORMAT, "DICOM NumberOfFrames is not a number");
	int spp = f->spp ? f->spp : 1;
	if ((spp != 1 && spp != 3) || (f->bits_alloc != 8 && f->bits_alloc != 16) ||
	    (spp == 3 && f->bits_alloc != 8))
		return cx_error_set(err, CX_EFORMAT, "DICOM: unsupported pixels (%d samples of %d"
				    " bits)", spp, f->bits_alloc);
	uint64_t pixels = (uint64_t)f->rows * (uint64_t)f->cols;
	uint64_t want = pixels * (uint64_t)frames * (uint64_t)spp * (uint64_t)(f->bits_alloc / 8);
	if (want > CX_DICOM_MAX_PIXEL_BYTES)
		return cx_error_set(err, CX_ELIMIT, "DICOM: %dx%d pixels x %d frames of %d bytes,"
				    " over the %u-byte cap", f->cols, f->rows, frames,
				    spp * f->bits_alloc / 8, CX_DICOM_MAX_PIXEL_BYTES);
	if (f->has_bits_stored && (f->bits_stored < 1 || f->bits_stored > f->bits_alloc))
		return cx_error_set(err, CX_EFORMAT, "DICOM: %d bits stored in %d allocated",
				    f->bits_stored, f->bits_alloc);
	if (native_ts(ts) && (f->pixels_undefined || f->pixel_len < want))
		return cx_error_set(err, CX_EFORMAT, "DICOM pixel data of %lu bytes, %llu expected"
				    " for %dx%d x %d frames", f->pixels_undefined ? 0ul :
				    (unsigned long)f->pixel_len, (unsigned long long)want, f->cols,
				    f->rows, frames);
	if (!native_ts(ts) && !f->pixels_undefined)
		return cx_error_set(err, CX_EFORMAT, "DICOM: compressed pixel data (transfer"
				    " syntax %s) without fragments", ts);
	return 0;
}

/* The transfer syntax from the file meta group (always explicit VR little
 * endian), quoted in messages: one printable line. */
static void copy_ts(char ts[65], const unsigned char *v, uint32_t len)
{
	uint32_t k = len;
	memcpy(ts, v, k);
	while (k && (ts[k - 1] == '\0' || ts[k - 1] == ' '))
		k--;
	ts[k] = '\0';
	for (uint32_t i = 0; i < k; i++)
		if ((unsigned char)ts[i] < 0x20 || (unsigned char)ts[i] > 0x7e)
			ts[i] = '?';
}

/* Walks the file meta group of a Part-10 file from byte 132; *at ends past
 * it, ts holds the transfer syntax. */
static int read_meta(const unsigned char *in, size_t n, size_t *at, char ts[65],
		     struct cx_error *err)
{
	*at = 132;
	while (*at + 8 <= n && le16(in + *at) == 2) {
		const unsigned char *vr = in + *at + 4;
		if (!long_vr(vr) && !short_vr(vr))
			return cx_error_set(err, CX_EFORMAT, "DICOM file meta element with an"
					    " unknown VR");
		size_t hdr = long_vr(vr) ? 12 : 8;
		if (*at + hdr > n)
			break;
		uint32_t len = hdr == 12 ? le32(in + *at + 8) : le16(in + *at + 6);
		if (len > n - *at - hdr)
			return cx_error_set(err, CX_EFORMAT, "truncated DICOM file meta");
		if (le16(in + *at + 2) == 0x0010 && len < 65)
			copy_ts(ts, in + *at + hdr, len);
		*at += hdr + len;
	}
	if (!ts[0])
		return cx_error_set(err, CX_EFORMAT, "DICOM file meta without a transfer syntax");
	return 0;
}

static int check(const unsigned char *in, size_t n, int header_only, struct facts *f,
		 struct cx_error *err)
{
	struct walk w = {in, n, 0, 0, header_only, 0, {0}};
	size_t at = 0;
	char ts[65] = "";
	if (n >= 132 && !memcmp(in + 128, "DICM", 4)) {
		int rc = read_meta(in, n, &at, ts, err);
		if (rc)
			return rc;
	} else if (n >= 8 && in[4] >= 'A' && in[4] <= 'Z' && in[5] >= 'A' && in[5] <= 'Z') {
		strcpy(ts, "1.2.840.10008.1.2.1"); /* bare explicit data set */
	} else {
		strcpy(ts, "1.2.840.10008.1.2");
	}
	if (!strcmp(ts, "1.2.840.10008.1.2.1.99") || !strcmp(ts, "1.2.840.10008.1.2.2"))
		return cx_error_set(err, CX_EFORMAT, "DICOM transfer syntax %s (deflated or big"
				    " endian) is not supported", ts);
	/* The syntaxes GDCM decodes: native, RLE, JPEG, JPEG-LS, JPEG 2000. */
	static const char *const known[] = {
		"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.5",
		"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57",
		"1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",
		"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91",
	};
	size_t k = 0;
	while (k < CX_ARRAY_LEN(known) && strcmp(ts, known[k]))
		k++;
	if (k == CX_ARRAY_LEN(known))
		return cx_error_set(err, CX_EFORMAT, "unknown DICOM transfer syntax %s", ts);
	w.implicit = !strcmp(ts, "1.2.840.10008.1.2");
	if (walk_set(&w, &at, n, 0, 0))
		return cx_error_set(err, CX_EFORMAT, "truncated or damaged DICOM (element at"
				    " byte %zu)", at);
	if (header_only && !w.stopped)
		return cx_error_set(err, CX_EFORMAT, "DICOM header without pixel data in its"
				    " first %zu bytes", n);
	if (!w.pixels)
		return cx_error_set(err, CX_EFORMAT, "DICOM without pixel data");
	*f = w.f;
	return header_only ? 0 : check_pixels(f, ts, err);
}

int cx_dicom_check(const unsigned char *in, size_t n, struct cx_error *err)
{
	struct facts f;
	if (n > CX_DICOM_MAX_BYTES)
		return cx_error_set(err, CX_ELIMIT, "DICOM file of %zu bytes, over the %zu-byte"
				    " cap", n, (size_t)CX_DICOM_MAX_BYTES);
	return check(in, n, 0, &f, err);
}

int cx_dicom_check_header(const unsigned char *head, size_t n, struct cx_error *err)
{
	struct facts f;
	return check(head, n, 1, &f, err);
}

/* The header probe: the walk's facts, no GDCM. */
int cx_dicom_probe(const unsigned char *head, size_t n, struct cx_image_info *out,
		   struct cx_error *err)
{
	struct facts f;
	int rc = check(head, n, 1, &f, err);
	if (rc)
		return rc;
	if (f.rows == 0 || f.cols == 0)
		return cx_error_set(err, CX_EFORMAT, "DICOM without Rows and Columns");
	int bits = f.has_bits_stored ? f.bits_stored : f.bits_alloc;
	if (!f.has_bits_stored && !f.bits_alloc)
		return cx_error_set(err, CX_EFORMAT, "DICOM without BitsStored");
	*out = (struct cx_image_info){.format = "dicom", .width = f.cols, .height = f.rows,
				      .bit_depth = bits, .channels = f.spp ? f.spp : 1};
	memcpy(out->sex, f.sex, sizeof(out->sex));
	memcpy(out->age, f.age, sizeof(out->age));
	memcpy(out->view, f.view, sizeof(out->view));
	return 0;
}

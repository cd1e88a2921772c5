/*
 * dicom-check.c - walks a DICOM file's elements before GDCM sees it. GDCM
 * (3.0 as Debian builds it) aborts on an assertion or loops forever on many
 * truncated files; a walk that checks every element, sequence item and
 * pixel-data fragment fits inside the bytes we have turns those into a clean
 * "truncated DICOM" reject. Deflated data sets cannot be walked without
 * inflating them and are refused.
 */
#include "cx.h"

#include "image/dicom.h"

#define MAX_DEPTH 16
#define UNDEFINED 0xFFFFFFFFu

struct walk {
	const unsigned char *p;
	size_t n;
	int implicit;
	int pixels;      /* pixel data seen */
	int header_only; /* stop at the top-level pixel data element */
	int stopped;     /* ... and it was reached */
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

static int walk_set(struct walk *w, size_t *at, size_t end, int depth, int in_item);

/* Items of a sequence (or fragments of encapsulated pixel data) up to the
 * sequence delimiter (undefined length) or to end. */
static int walk_items(struct walk *w, size_t *at, size_t end, int depth, int undefined)
{
	while (*at < end || undefined) {
		if (*at + 8 > w->n)
			return -1;
		uint32_t g = le16(w->p + *at), e = le16(w->p + *at + 2), len = le32(w->p + *at + 4);
		*at += 8;
		if (g != 0xFFFE)
			return -1;
		if (e == 0xE0DD)
			return 0;
		if (e != 0xE000)
			return -1;
		if (len == UNDEFINED) {
			if (walk_set(w, at, w->n, depth + 1, 1))
				return -1;
		} else {
			if (len > w->n - *at)
				return -1;
			*at += len;
		}
	}
	return *at == end ? 0 : -1;
}

static int walk_set(struct walk *w, size_t *at, size_t end, int depth, int in_item)
{
	if (depth > MAX_DEPTH)
		return -1;
	while (*at < end) {
		if (*at + 8 > w->n)
			return -1;
		uint32_t g = le16(w->p + *at), e = le16(w->p + *at + 2), len;
		int sq = 0;
		if (g == 0xFFFE) { /* item delimiter ends an undefined-length item */
			*at += 8;
			return in_item && e == 0xE00D ? 0 : -1;
		}
		if (w->implicit || g == 0xFFFE) {
			len = le32(w->p + *at + 4);
			*at += 8;
			sq = len == UNDEFINED;
		} else if (long_vr(w->p + *at + 4)) {
			if (*at + 12 > w->n)
				return -1;
			sq = !memcmp(w->p + *at + 4, "SQ", 2) || !memcmp(w->p + *at + 4, "UN", 2);
			len = le32(w->p + *at + 8);
			*at += 12;
		} else {
			len = le16(w->p + *at + 6);
			*at += 8;
		}
		int pixels = g == 0x7FE0 && e == 0x0010;
		w->pixels |= pixels;
		if (pixels && w->header_only && depth == 0) {
			w->stopped = 1;
			return 0;
		}
		if (len == UNDEFINED) {
			if (!sq && !pixels)
				return -1;
			if (walk_items(w, at, 0, depth + 1, 1))
				return -1;
		} else {
			if (len > w->n - *at)
				return -1;
			if (sq && len && walk_items(w, at, *at + len, depth + 1, 0))
				return -1;
			if (!sq || !len)
				*at += len;
		}
	}
	return in_item ? -1 : 0;
}

static int check(const unsigned char *in, size_t n, int header_only, struct cx_error *err)
{
	struct walk w = {in, n, 0, 0, header_only, 0};
	size_t at = 0;
	char ts[65] = "";
	if (n >= 132 && !memcmp(in + 128, "DICM", 4)) {
		at = 132;
		/* File meta group: always explicit VR little endian. */
		while (at + 8 <= n && le16(in + at) == 2) {
			uint32_t e = le16(in + at + 2), len;
			size_t hdr = long_vr(in + at + 4) ? 12 : 8;
			if (at + hdr > n)
				break;
			len = hdr == 12 ? le32(in + at + 8) : le16(in + at + 6);
			if (len > n - at - hdr)
				return cx_error_set(err, CX_EFORMAT, "truncated DICOM file meta");
			if (e == 0x0010 && len < sizeof ts) {
				uint32_t k = len;
				memcpy(ts, in + at + hdr, k);
				while (k && (ts[k - 1] == '\0' || ts[k - 1] == ' '))
					k--;
				ts[k] = '\0';
				/* quoted in messages: keep them one printable line */
				for (uint32_t i = 0; i < k; i++)
					if ((unsigned char)ts[i] < 0x20 || (unsigned char)ts[i] > 0x7e)
						ts[i] = '?';
			}
			at += hdr + len;
		}
		if (!ts[0])
			return cx_error_set(err, CX_EFORMAT, "DICOM file meta without a transfer"
					    " syntax");
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
	return 0;
}

int cx_dicom_check(const unsigned char *in, size_t n, struct cx_error *err)
{
	return check(in, n, 0, err);
}

int cx_dicom_check_header(const unsigned char *head, size_t n, struct cx_error *err)
{
	return check(head, n, 1, err);
}

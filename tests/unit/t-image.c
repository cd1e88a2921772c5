/*
 * t-image.c - image decoding, normalisation, resizing, encoding, hashes and
 * the contact sheet, on the fixtures of tests/fixtures/image/ (made by its
 * make.py, which says what each file holds) and on images built here (JPEG,
 * JSRT raw). The real SIIM DICOM is checked only when CX_SIIM_DICOM names it
 * (the tests never read ../shared): otherwise that check is a TAP SKIP.
 */
#include "cx.h"

#include "image/image.h"
#include "image/probe.h"
#include "image/sheet.h"
#include "t.h"

#define FIX "tests/fixtures/image/"

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*n = 0;
		return NULL;
	}
	struct cx_buf b = CX_BUF_INIT;
	char tmp[65536];
	size_t got;
	while ((got = fread(tmp, 1, sizeof tmp, f)) > 0)
		cx_buf_add(&b, tmp, got);
	fclose(f);
	*n = b.len;
	return (unsigned char *)cx_buf_detach(&b);
}

static int px8(const struct cx_pixels *p, int x, int y)
{
	return p->data[(size_t)y * p->stride + (size_t)x * p->channels];
}

static int decode_file(const char *name, struct cx_pixels *p, struct cx_error *err)
{
	char path[256];
	size_t n;
	snprintf(path, sizeof path, FIX "%s", name);
	unsigned char *in = slurp(path, &n);
	int rc = in ? cx_image_decode(in, n, name, p, err) : -100;
	free(in);
	return rc;
}

static void test_png16(void)
{
	struct cx_pixels p;
	struct cx_error err = {0};
	CHECK_INT(decode_file("grey16.png", &p, &err), 0, "16-bit PNG decodes");
	CHECK(p.width == 16 && p.height == 8 && p.channels == 1 && p.depth == 16,
	      "16-bit PNG: 16x8 grey, 16 bits");
	CHECK_INT(((uint16_t *)p.data)[17], 256 * 17, "16-bit PNG: samples in host order");
	cx_image_normalise(&p);
	CHECK_INT(p.depth, 8, "normalised to 8 bits");
	/* Percentile rule: 0.5th -> the minimum 0, 99.5th -> the maximum. */
	CHECK_INT(px8(&p, 0, 0), 0, "percentile rule: lowest value -> 0");
	CHECK_INT(px8(&p, 15, 7), 255, "percentile rule: highest value -> 255");
	CHECK_INT(px8(&p, 1, 0), 2, "percentile rule: linear between (1 * 255 / 127 = 2)");
	CHECK_INT(px8(&p, 0, 4), 129, "percentile rule: 64 * 255 / 127 = 128.5 -> 129");
	cx_pixels_release(&p);
}

/* mono1*.dcm: stored 500, 1000 (+ overlay bit), 1500, 0 -> modality 0, 1000,
 * 2000, -1000 -> window 1000/2001 -> 0, 128, 255, 0 -> inverted. */
static void check_mono1(const char *name)
{
	struct cx_pixels p;
	struct cx_error err = {0};
	char what[160];
	int rc = decode_file(name, &p, &err);
	snprintf(what, sizeof what, "%s decodes (%.100s)", name, err.msg);
	if (!CHECK_INT(rc, 0, what))
		return;
	/* GDCM's JPEG 2000 codec reports the codestream precision (16) as bits stored. */
	int stored = strstr(name, "j2k") ? 16 : 12;
	snprintf(what, sizeof what, "%s: 16x16, 16 bits, %d stored, MONOCHROME1", name, stored);
	CHECK(p.width == 16 && p.height == 16 && p.depth == 16 && p.bits_stored == stored &&
	      p.invert, what);
	snprintf(what, sizeof what, "%s: slope 2, intercept -1000, window 1000/2001", name);
	CHECK(p.dicom.slope == 2 && p.dicom.intercept == -1000 && p.dicom.has_window &&
	      p.dicom.centre == 1000 && p.dicom.width == 2001, what);
	snprintf(what, sizeof what, "%s: overlay bit above BitsStored masked off", name);
	CHECK_INT(((uint16_t *)p.data)[1], 1000, what);
	cx_image_normalise(&p);
	snprintf(what, sizeof what, "%s: window then inversion give 255, 127, 0, 255", name);
	CHECK(px8(&p, 0, 0) == 255 && px8(&p, 1, 0) == 127 && px8(&p, 2, 0) == 0 &&
	      px8(&p, 3, 0) == 255, what);
	if (px8(&p, 1, 0) != 127)
		printf("#   got %d %d %d %d\n", px8(&p, 0, 0), px8(&p, 1, 0), px8(&p, 2, 0),
		       px8(&p, 3, 0));
	cx_pixels_release(&p);
}

static void test_dicom(void)
{
	static const char *const mono1[] = {
		"mono1.dcm", "mono1-implicit.dcm", "mono1-jpegll.dcm", "mono1-jpegls.dcm",
		"mono1-j2k.dcm", "mono1-rle.dcm",
	};
	for (size_t i = 0; i < CX_ARRAY_LEN(mono1); i++)
		check_mono1(mono1[i]);

	struct cx_pixels p;
	struct cx_error err = {0};
	CHECK_INT(decode_file("mono2-8.dcm", &p, &err), 0, "8-bit MONOCHROME2 DICOM decodes");
	cx_image_normalise(&p);
	CHECK(p.width == 16 && px8(&p, 3, 2) == 3 * 16 + 2 && px8(&p, 15, 15) == 255,
	      "8-bit DICOM without window or rescale is kept as is");
	struct cx_pixels q;
	CHECK_INT(decode_file("mono2-8-jpeg.dcm", &q, &err), 0, "JPEG baseline DICOM decodes");
	cx_image_normalise(&q);
	int worst = 0;
	for (int y = 0; y < 16; y++)
		for (int x = 0; x < 16; x++) {
			int d = abs(px8(&p, x, y) - px8(&q, x, y));
			worst = d > worst ? d : worst;
		}
	CHECK(q.width == 16 && q.height == 16 && worst <= 12,
	      "JPEG baseline DICOM: within JPEG error of the uncompressed one");
	cx_pixels_release(&p);
	cx_pixels_release(&q);

	CHECK_INT(decode_file("bad-ts.dcm", &p, &err), CX_EFORMAT,
		  "unknown transfer syntax: rejected");
	CHECK_STR(err.msg, "unknown DICOM transfer syntax 1.2.3.4.5",
		  "unknown transfer syntax: the reason names it");
	printf("# %s\n", err.msg);

	size_t n;
	unsigned char *in = slurp(FIX "mono1.dcm", &n);
	struct cx_image_info info;
	CHECK_INT(cx_image_probe(in, n, &info, &err), 0, "DICOM header probe");
	CHECK(!strcmp(info.format, "dicom") && info.width == 16 && info.height == 16 &&
	      info.bit_depth == 12 && info.channels == 1, "DICOM probe: 16x16, 12 bits, grey");
	CHECK(!info.sex[0] && !info.age[0] && !info.view[0],
	      "DICOM probe: no PatientSex, PatientAge or ViewPosition in mono1.dcm: empty");
	free(in);
	/* RSNA's demo: the patient tags as the header gives them (AS "34", no Y) */
	in = slurp("sources/rsna-pneumonia/stage_2_train_images/"
		   "4462ebfc-5f91-4ef0-9cfb-ac6e7687a66e.dcm", &n);
	CHECK_INT(cx_image_probe(in, n, &info, &err), 0, "RSNA demo DICOM probes");
	CHECK(!strcmp(info.sex, "F") && !strcmp(info.age, "34") && !strcmp(info.view, "AP"),
	      "DICOM probe: PatientSex F, PatientAge 34, ViewPosition AP, padding trimmed");
	free(in);
	in = slurp(FIX "mono1.dcm", &n);
	for (size_t cut = 0; cut < n; cut += 97) /* every truncation: no crash */
		if (cx_image_decode(in, cut, "t.dcm", &p, &err) == 0)
			cx_pixels_release(&p);
	CHECK(1, "truncated DICOMs: no crash");
	free(in);
}

/*
 * Inputs that once aborted a build inside GDCM's header reader (fuzzer finds,
 * kept in tests/fixtures/image/regressions/): the header probe must reject
 * them with a reason, as must every truncation of a valid file's head.
 */
static void test_dicom_probe_regressions(void)
{
	static const char *const files[] = {"regressions/dicm-only.dcm",
					    "regressions/min-dicom-probe-assert.dcm"};
	struct cx_image_info info;
	struct cx_error err = {0};
	for (size_t i = 0; i < CX_ARRAY_LEN(files); i++) {
		char path[256];
		size_t n;
		snprintf(path, sizeof(path), FIX "%s", files[i]);
		unsigned char *in = slurp(path, &n);
		CHECK_INT(cx_image_probe(in, n, &info, &err), CX_EFORMAT, files[i]);
		CHECK_STR(err.msg, "DICOM file meta without a transfer syntax",
			  "the probe names the reason");
		free(in);
	}
	/* found by tests/fuzz/fuzz-dicomhead.c: a transfer syntax with control
	 * bytes was quoted as is, breaking the one-line reason */
	unsigned char ts[160] = {0};
	memcpy(ts + 128, "DICM\x02\x00\x10\x00UI\x06\x00" "1.2\n3\x01", 4 + 8 + 6);
	CHECK_INT(cx_image_probe(ts, 146, &info, &err), CX_EFORMAT, "odd transfer syntax refused");
	CHECK_STR(err.msg, "unknown DICOM transfer syntax 1.2?3?", "its bytes quoted on one line");
	size_t n;
	unsigned char *in = slurp(FIX "mono1.dcm", &n);
	/* A head is readable exactly when it reaches the pixel data element. */
	size_t first_ok = 0, wrong = 0;
	for (size_t cut = 132; cut <= n; cut++) {
		int ok = cx_image_probe(in, cut, &info, &err) == 0;
		if (ok && !first_ok)
			first_ok = cut;
		wrong += first_ok && !ok;
	}
	/* mono1.dcm: (7FE0,0010) OW at byte 606, a 12-byte element header */
	CHECK_INT((long)first_ok, 618, "DICOM heads refused until the pixel data element");
	CHECK_INT((long)wrong, 0, "DICOM heads that reach it all probe");
	free(in);
}

static void test_jsrt(void)
{
	unsigned char *raw = cx_malloc(CX_JSRT_BYTES);
	for (size_t i = 0; i < CX_JSRT_BYTES / 2; i++) {
		unsigned v = (unsigned)(i % 4096); /* 12-bit ramp along each row pair */
		raw[2 * i] = (unsigned char)(v >> 8);
		raw[2 * i + 1] = (unsigned char)v;
	}
	struct cx_pixels p;
	struct cx_error err = {0};
	CHECK_INT(cx_image_decode(raw, CX_JSRT_BYTES, "JPCLN001.IMG", &p, &err), 0,
		  "JSRT raw decodes");
	CHECK(p.width == 2048 && p.height == 2048 && p.depth == 16 && p.bits_stored == 12,
	      "JSRT: 2048x2048, 12 bits in 16");
	CHECK_INT(((uint16_t *)p.data)[0x123], 0x123, "JSRT: big-endian samples");
	cx_image_normalise(&p);
	CHECK(px8(&p, 0, 0) == 255 && px8(&p, 2047, 1) == 0, "JSRT: 0 is white (inverted)");
	cx_pixels_release(&p);
	struct cx_image_info info;
	CHECK_INT(cx_image_probe_named(raw, 4096, "JPCNN093.img", &info, &err), 0,
		  "JSRT probe by name");
	CHECK(info.width == 2048 && info.bit_depth == 12, "JSRT probe: 2048, 12 bits");
	CHECK_INT(cx_image_decode(raw, CX_JSRT_BYTES - 2, "JPCLN001.IMG", &p, &err), CX_EFORMAT,
		  "JSRT of the wrong size: rejected");
	free(raw);
}

/* A 300x200 grey test card: dark background, a bright block at x 60-119,
 * y 40-79 (normalised box 20, 20, 40, 40). */
static void card(struct cx_pixels *p, int channels)
{
	cx_pixels_alloc(p, 300, 200, channels);
	for (int y = 0; y < 200; y++)
		for (int x = 0; x < 300; x++)
			for (int c = 0; c < channels; c++)
				p->data[(size_t)y * p->stride + (size_t)x * channels + c] =
					(unsigned char)(x >= 60 && x < 120 && y >= 40 && y < 80 ? 240
						       : (x + y) % 40);
}

static void test_jpeg_resize(void)
{
	struct cx_pixels src, p;
	struct cx_error err = {0};
	struct cx_buf jpg = CX_BUF_INIT;
	card(&src, 1);
	CHECK_INT(cx_image_encode(&src, CX_IMAGE_JPEG, 95, &jpg, &err), 0, "JPEG encodes");
	CHECK_INT(cx_image_decode((unsigned char *)jpg.data, jpg.len, NULL, &p, &err), 0,
		  "JPEG decodes");
	CHECK(p.width == 300 && p.height == 200 && p.channels == 1, "JPEG: 300x200 grey");
	cx_pixels_release(&p);
	CHECK_INT(cx_image_decode_scaled((unsigned char *)jpg.data, jpg.len, NULL, 60, 40, &p,
					 &err), 0, "JPEG decodes at a DCT scale");
	CHECK(p.width == 75 && p.height == 50, "JPEG DCT scale: 1/4 (75x50) covers 60x40");
	cx_pixels_release(&p);

	int w, h;
	cx_image_fit(300, 200, 150, 0, &w, &h);
	CHECK(w == 150 && h == 100, "fit longest side 150: 150x100");
	cx_image_fit(300, 200, 150, 1, &w, &h);
	CHECK(w == 225 && h == 150, "fit shortest side 150: 225x150");
	cx_image_fit(3000, 2500, 512, 0, &w, &h);
	CHECK(w == 512 && h == 427, "fit 3000x2500 to 512: 512x427 (426.67 rounded)");

	/* The bright block keeps its normalised position: 20-40 % across. */
	struct cx_pixels small;
	cx_image_resize(&src, 150, 100, &small);
	CHECK(px8(&small, 30, 20) == 240 && px8(&small, 59, 39) == 240 &&
	      px8(&small, 29, 20) < 100 && px8(&small, 60, 39) < 100,
	      "resize by 2: box edges at the same normalised place");
	cx_pixels_release(&small);
	cx_image_resize(&src, 100, 67, &small);
	CHECK(px8(&small, 30, 20) == 240 && px8(&small, 10, 50) < 60,
	      "resize by 3: block inside, background outside");
	cx_pixels_release(&small);
	struct cx_pixels flat;
	cx_pixels_alloc(&flat, 97, 31, 1);
	memset(flat.data, 77, 97 * 31);
	cx_image_resize(&flat, 13, 5, &small);
	int same = 1;
	for (int i = 0; i < 13 * 5; i++)
		same &= small.data[i] == 77;
	CHECK(same, "area filter keeps a flat image flat (weights sum exactly)");
	cx_pixels_release(&small);
	cx_pixels_release(&flat);

	/* Transcode: same bytes twice; RGB grey source becomes grey. */
	struct cx_transcode_opts o = {128, 0, CX_IMAGE_JPEG, 85, 0};
	struct cx_buf a = CX_BUF_INIT, b = CX_BUF_INIT;
	enum cx_image_type t = 0;
	CHECK_INT(cx_image_transcode((unsigned char *)jpg.data, jpg.len, NULL, &o, &a, &t, &err),
		  0, "transcode JPEG -> 128 px JPEG");
	cx_image_transcode((unsigned char *)jpg.data, jpg.len, NULL, &o, &b, &t, &err);
	CHECK(a.len > 0 && a.len == b.len && !memcmp(a.data, b.data, a.len),
	      "transcode twice: identical bytes");
	CHECK(cx_image_decode((unsigned char *)a.data, a.len, NULL, &p, &err) == 0 &&
	      p.width == 128 && p.height == 85, "transcoded JPEG is 128x85");
	cx_pixels_release(&p);
	cx_buf_reset(&a);
	o.format = CX_IMAGE_PNG;
	struct cx_pixels rgb;
	struct cx_buf rgbpng = CX_BUF_INIT;
	card(&rgb, 3);
	cx_image_encode(&rgb, CX_IMAGE_PNG, 0, &rgbpng, &err);
	CHECK_INT(cx_image_transcode((unsigned char *)rgbpng.data, rgbpng.len, NULL, &o, &a, &t,
				     &err), 0, "transcode RGB PNG -> PNG");
	CHECK(t == CX_IMAGE_PNG && cx_image_decode((unsigned char *)a.data, a.len, NULL, &p,
						   &err) == 0 && p.channels == 1 &&
	      p.width == 128, "grey image stored as RGB comes out grey");
	cx_pixels_release(&p);

	/* A size over the image's own: kept (re-encoded), unless asked to enlarge. */
	struct cx_transcode_opts big = {400, 0, CX_IMAGE_PNG, 0, 0};
	cx_buf_reset(&a);
	CHECK(cx_image_transcode((unsigned char *)jpg.data, jpg.len, NULL, &big, &a, &t, &err) == 0
	      && t == CX_IMAGE_PNG &&
	      cx_image_decode((unsigned char *)a.data, a.len, NULL, &p, &err) == 0 &&
	      p.width == 300 && p.height == 200,
	      "size 400 on a 300x200 JPEG: a 300x200 PNG (not enlarged)");
	cx_pixels_release(&p);
	big.enlarge = 1;
	cx_buf_reset(&a);
	CHECK(cx_image_transcode((unsigned char *)jpg.data, jpg.len, NULL, &big, &a, &t, &err) == 0
	      && cx_image_decode((unsigned char *)a.data, a.len, NULL, &p, &err) == 0 &&
	      p.width == 400 && p.height == 267, "... with enlarge: 400x267 (266.67 rounded)");
	cx_pixels_release(&p);
	big.enlarge = 0;
	big.size = 200;
	big.shortest = 1;
	cx_image_choose_size(300, 200, &big, &w, &h);
	CHECK(w == 300 && h == 200, "shortest side 200 of 300x200: its own size");
	big.size = 150;
	cx_image_choose_size(300, 200, &big, &w, &h);
	CHECK(w == 225 && h == 150, "shortest side 150 of 300x200: 225x150");
	big.size = 0;
	big.enlarge = 1;
	cx_image_choose_size(300, 200, &big, &w, &h);
	CHECK(w == 300 && h == 200, "size 0: no resize, enlarge or not");

	/* Hashes: lossless re-encoding keeps the pixel hash; JPEG keeps the dHash close. */
	struct cx_buf grey_png = CX_BUF_INIT;
	cx_image_encode(&src, CX_IMAGE_PNG, 0, &grey_png, &err);
	uint64_t p1, d1, p2, d2, p3, d3;
	cx_image_pixel_hash((unsigned char *)grey_png.data, grey_png.len, NULL, &p1, &d1, &err);
	cx_image_pixel_hash((unsigned char *)rgbpng.data, rgbpng.len, NULL, &p2, &d2, &err);
	cx_image_pixel_hash((unsigned char *)jpg.data, jpg.len, NULL, &p3, &d3, &err);
	CHECK(p1 == p2 && d1 == d2, "same pixels as grey or RGB PNG: same pixel hash");
	CHECK(p1 != p3 && cx_hamming64(d1, d3) <= 4, "JPEG copy: other pixel hash, dHash close");
	printf("# dhash %016llx, jpeg copy %d bits away\n", (unsigned long long)d1,
	       cx_hamming64(d1, d3));

	cx_buf_release(&a);
	cx_buf_release(&b);
	cx_buf_release(&jpg);
	cx_buf_release(&rgbpng);
	cx_buf_release(&grey_png);
	cx_pixels_release(&rgb);
	cx_pixels_release(&src);
}

static void test_bad(void)
{
	struct cx_pixels p;
	struct cx_error err = {0};
	CHECK_INT(decode_file("bomb.png", &p, &err), CX_ELIMIT,
		  "PNG bomb (100000x100000 in 69 bytes): refused before allocation");
	CHECK(strstr(err.msg, "cap") != NULL, "PNG bomb: the message names the cap");
	CHECK_INT(cx_image_decode((const unsigned char *)"", 0, "x.png", &p, &err), CX_EFORMAT,
		  "zero-sized input rejected");
	CHECK_INT(cx_image_decode((const unsigned char *)"hello", 5, "x.txt", &p, &err),
		  CX_EFORMAT, "unknown format rejected");
	size_t n;
	unsigned char *in = slurp(FIX "grey16.png", &n);
	int crashed_or_accepted = 0;
	for (size_t cut = 1; cut < n; cut++)
		if (cx_image_decode(in, cut, NULL, &p, &err) == 0) {
			crashed_or_accepted++;
			cx_pixels_release(&p);
		}
	CHECK_INT(crashed_or_accepted, 0, "every truncated PNG rejected");
	in[n / 2] ^= 0x55; /* corrupt the compressed data */
	CHECK(cx_image_decode(in, n, NULL, &p, &err) != 0, "corrupt PNG rejected");
	free(in);

	struct cx_pixels src;
	struct cx_buf jpg = CX_BUF_INIT;
	card(&src, 1);
	cx_image_encode(&src, CX_IMAGE_JPEG, 90, &jpg, &err);
	CHECK(cx_image_decode((unsigned char *)jpg.data, jpg.len / 2, NULL, &p, &err) != 0,
	      "truncated JPEG rejected");
	printf("# %s\n", err.msg);
	cx_buf_release(&jpg);
	cx_pixels_release(&src);

	/* SOI and APP0 then text, no frame header: TurboJPEG says 0 without sizes
	 * (a warning only), which once gave catalogues random widths */
	static const char headless[] = "\xff\xd8\xff\xe0" "files/p13/s50443662/13b9ab3e.jpg";
	struct cx_image_info info;
	const unsigned char *hl = (const unsigned char *)headless;
	CHECK_INT(cx_image_probe(hl, sizeof headless - 1, &info, &err), CX_EFORMAT,
		  "JPEG without a frame header: the probe refuses it");
	CHECK_STR(err.msg, "JPEG header: Premature end of JPEG file", "... naming why");
	CHECK_INT(cx_image_decode(hl, sizeof headless - 1, NULL, &p, &err), CX_EFORMAT,
		  "JPEG without a frame header: decoding refuses it");
}

static void test_sheet(void)
{
	struct cx_pixels src, p;
	struct cx_error err = {0};
	struct cx_buf jpg = CX_BUF_INIT, png = CX_BUF_INIT, png2 = CX_BUF_INIT;
	card(&src, 1);
	cx_image_encode(&src, CX_IMAGE_JPEG, 90, &jpg, &err);
	struct cx_sheet_box box = {"Mass", 60, 40, 60, 40};
	struct cx_sheet_item items[] = {
		{(unsigned char *)jpg.data, jpg.len, "a.jpg", NULL, 300, 200, &box, 1,
		 "NIH ChestX-ray14 | abnormality-grounding | Mass"},
		{NULL, 0, NULL, "missing file", 0, 0, NULL, 0, "MIMIC-CXR | view | PA"},
		{(unsigned char *)"junk", 4, "b.png", NULL, 0, 0, NULL, 0, "bad"},
	};
	CHECK_INT(cx_sheet_render(items, 3, &png, &err), 0, "contact sheet renders");
	int w, h;
	cx_sheet_size(3, &w, &h);
	CHECK(cx_image_decode((unsigned char *)png.data, png.len, NULL, &p, &err) == 0 &&
	      p.width == w && p.height == h && p.channels == 3, "sheet: a PNG of the size given");
	CHECK(w == 8 + 3 * (256 + 8) && h == 8 + 256 + 4 + 27 + 8, "sheet: 3 cells in one row");
	/* 300x200 fits in as 256x171 at y + 42; the box's left edge x = 60 lands at
	 * 60 * 256 / 300 = 51, its rows 40-80 at 42 + 34..68; the cell is at 8, 8. */
	const unsigned char *red = p.data + (size_t)(8 + 42 + 50) * p.stride + (8 + 51) * 3;
	CHECK(red[0] == 255 && red[1] == 64 && red[2] == 64, "sheet: the box is drawn in red");
	cx_sheet_render(items, 3, &png2, &err);
	CHECK(png.len == png2.len && !memcmp(png.data, png2.data, png.len),
	      "sheet: same items, same bytes");
	FILE *f = getenv("CX_SHEET_OUT") ? fopen(getenv("CX_SHEET_OUT"), "wb") : NULL;
	if (f) {
		fwrite(png.data, 1, png.len, f);
		fclose(f);
	}
	cx_pixels_release(&p);
	cx_pixels_release(&src);
	cx_buf_release(&jpg);
	cx_buf_release(&png);
	cx_buf_release(&png2);
}

/* The real SIIM file (JPEG baseline in DICOM, 1024x1024 8-bit), by hand:
 * CX_SIIM_DICOM=/work/shared/samples/siim/<file>.dcm ./t-image */
static void test_siim(void)
{
	const char *path = getenv("CX_SIIM_DICOM");
	size_t n = 0;
	unsigned char *in = path ? slurp(path, &n) : NULL;
	if (!in) {
		printf("ok %d # SKIP real SIIM DICOM: set CX_SIIM_DICOM to run\n", ++t_n);
		return;
	}
	struct cx_pixels p;
	struct cx_error err = {0};
	int rc = cx_image_decode(in, n, path, &p, &err);
	CHECK(rc == 0 && p.width == 1024 && p.height == 1024 && p.depth == 8 && p.channels == 1,
	      "real SIIM DICOM decodes to 1024x1024 8-bit grey");
	if (rc == 0)
		cx_pixels_release(&p);
	free(in);
}

int main(void)
{
	test_png16();
	test_dicom();
	test_dicom_probe_regressions();
	test_jsrt();
	test_jpeg_resize();
	test_bad();
	test_sheet();
	test_siim();
	return t_done();
}

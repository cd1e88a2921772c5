/*
 * fuzz-dicom.c - the whole DICOM path the build and the sharder take: the
 * header probe (the structural walk alone, image/dicom-check.c) and guarded
 * decoding (the walk, then GDCM in a worker process, image/dicom-guard.c).
 * Whatever the bytes, this process must not crash, leak or hang, every
 * reject is one line, and decoded pixels are what the header promised. GDCM
 * assertions and crashes happen in the worker and are counted, not reported:
 * the count is printed at exit ("dicom guard: ..."), so a campaign says how
 * often the walk let through a file that killed GDCM, and the first few such
 * inputs, and every one that ran out of time, are kept in build-fuzz/ as
 * dicom-died-N.dcm and dicom-late-N.dcm (scripts/fuzz.sh runs from the
 * repository root).
 */
#include "cx.h"

#include "image/dicom.h"
#include "image/image.h"
#include "image/probe.h"

static long decoded, rejected, died, late;

static void report(void)
{
	fprintf(stderr, "dicom guard: %ld decoded, %ld rejected, of which %ld killed the worker"
		" and %ld ran out of time\n", decoded, rejected, died, late);
}

static void keep(const char *kind, long k, const uint8_t *data, size_t size)
{
	char path[80];
	snprintf(path, sizeof path, "build-fuzz/dicom-%s-%ld.dcm", kind, k);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(data, 1, size, f);
		fclose(f);
	}
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void check_reason(const struct cx_error *err)
{
	if (!err->msg[0] || strchr(err->msg, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	if (!once++)
		atexit(report);
	/* a private copy of exactly size bytes, so any read past it is caught */
	unsigned char *in = cx_malloc(size ? size : 1);
	memcpy(in, data, size);
	struct cx_error err = {0};
	struct cx_image_info info;
	if (cx_image_probe_named(in, size, "f.dcm", &info, &err))
		check_reason(&err);
	struct cx_pixels p;
	if (cx_dicom_decode(in, size, &p, &err) == 0) {
		if (p.width <= 0 || p.height <= 0 || !p.data ||
		    (uint64_t)p.width * (uint64_t)p.height > CX_IMAGE_MAX_PIXELS ||
		    p.stride != (size_t)p.width * p.channels * (p.depth / 8))
			abort();
		decoded++;
		cx_pixels_release(&p);
	} else {
		check_reason(&err);
		rejected++;
		/* by prefix: a reject may quote the input, and libFuzzer learns
		 * the strings strstr looks for */
		if (starts(err.msg, "DICOM: the decoder process died") && ++died <= 20)
			keep("died", died, data, size);
		if (starts(err.msg, "DICOM: decoding took over"))
			keep("late", ++late, data, size);
	}
	free(in);
	return 0;
}

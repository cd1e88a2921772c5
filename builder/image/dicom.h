/*
 * dicom.h - the C face of the DICOM reader. dicom-check.c walks a file's
 * structure (and is the whole header probe); dicom-gdcm.cpp decodes pixels
 * with GDCM, a C++ library that asserts (aborting the process) and
 * allocates declared lengths on hostile files, so the rest of the program
 * reaches it only through dicom-guard.c, which runs it in a worker process
 * under a memory and time bound.
 */
#ifndef CX_DICOM_H
#define CX_DICOM_H

#include "cx.h"

#include "image/image.h"
#include "image/probe.h"

#ifdef __cplusplus
extern "C" {
#endif

/* GDCM holds about six copies of the decoded pixels at its peak (measured:
 * 590 MB for a 7000x7000 16-bit image), so DICOM has its own cap, on the
 * bytes decoded (all frames): 100 MB, 50 MP of 16-bit grey, 100 MP of 8-bit
 * grey, 33 MP of RGB. The largest chest X-rays are 4300x4300 16-bit (37 MB). */
#define CX_DICOM_MAX_PIXEL_BYTES 100000000u

/* The largest DICOM file decoded: 128 MiB, above the largest native pixel
 * data the cap allows plus its header. */
#define CX_DICOM_MAX_BYTES ((size_t)128 << 20)

/* The worker's bounds (dicom-guard.c): its address space (the input, GDCM's
 * copy of it and its copies of the largest pixels the cap allows fit, with
 * the libraries mapped) and the wall time of one decode. */
#define CX_DICOM_WORKER_MB 1024
#define CX_DICOM_WORKER_SECONDS 30

/* Decodes a DICOM Part-10 file (or a bare data set) to stored pixel values
 * with the display facts (photometric interpretation, Modality LUT, window).
 * The structural check runs first, here; GDCM then runs in a worker process
 * (dicom-guard.c): a worker that dies, runs out of memory or time gives
 * CX_EFORMAT with a one-line reason, and the next call starts a new one.
 * Multi-frame files give their first frame. Thread-safe. */
int cx_dicom_decode(const unsigned char *in, size_t n, struct cx_pixels *out,
		    struct cx_error *err);

/* The same in this process, with GDCM (dicom-gdcm.cpp): only the worker
 * calls it. */
int cx_dicom_decode_gdcm(const unsigned char *in, size_t n, struct cx_pixels *out,
			 struct cx_error *err);

/* Stops the idle workers and waits for them (the process may also just
 * exit: a worker ends when its socket closes). Returns how many of them, and
 * of the workers retired since the last call, did not end with status 0
 * (under ASan: a leak not named in tests/lsan-gdcm.supp). */
int cx_dicom_workers_stop(void);

/* How many workers this process has started (one per decoding thread, and
 * one more after each worker that died or was retired). */
long cx_dicom_workers_started(void);

/* Walks every element, item and fragment of the file and checks it fits in
 * in[0..n) (dicom-check.c); cx_dicom_decode calls it before GDCM, which
 * aborts or hangs on many truncated files. */
int cx_dicom_check(const unsigned char *in, size_t n, struct cx_error *err);

/* The same walk over the head of a file, up to the top-level pixel data
 * element, which must lie inside head[0..n); cx_dicom_probe calls it before
 * GDCM reads the header (GDCM asserts on a bare "DICM" preamble). */
int cx_dicom_check_header(const unsigned char *head, size_t n, struct cx_error *err);

/* Reads the header only (up to the pixel data): size, bits stored, samples,
 * from the structural walk (dicom-check.c), without GDCM. */
int cx_dicom_probe(const unsigned char *head, size_t n, struct cx_image_info *out,
		   struct cx_error *err);

#ifdef __cplusplus
}
#endif

#endif

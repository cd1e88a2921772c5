/*
 * t-dicom-guard.c - no DICOM input may abort the process or make it allocate
 * without bound (issue 10, defects 1-3). The inputs of
 * tests/fixtures/image/regressions/ (its README says what each once did)
 * must give these exact rejects, from the header probe (never GDCM) and from
 * decoding (GDCM in a worker process, dicom-guard.c): a worker that dies
 * rejects its one image and the next decode starts a new one. Decoding from
 * several threads at once gives what one thread gives. Headers over the
 * pixel cap, native pixel data shorter than its header, and unknown VRs are
 * refused before GDCM sees them. A worker that rejected 256 files is
 * retired (GDCM leaks on some rejects), one over the time limit is
 * stopped, and under ASan every worker checks
 * its leaks against tests/lsan-gdcm.supp when it ends.
 */
#include "cx.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/dicom.h"
#include "image/image.h"
#include "image/probe.h"
#include "t.h"

#define FIX "tests/fixtures/image/"

static unsigned char *slurp(const char *name, size_t *n)
{
	char path[256];
	snprintf(path, sizeof path, FIX "%s", name);
	struct cx_buf b = CX_BUF_INIT;
	struct cx_error err = {0};
	if (cx_read_file(path, 1u << 20, &b, &err)) {
		printf("# cannot read %s: %s\n", path, err.msg);
		*n = 0;
		return cx_calloc(1, 1);
	}
	*n = b.len;
	return (unsigned char *)cx_buf_detach(&b);
}

static uint64_t pixels_hash(const struct cx_pixels *p)
{
	return cx_hash64(p->data, p->stride * (size_t)p->height, 0) ^ (uint64_t)p->width << 32 ^
	       (uint64_t)p->height;
}

struct expect {
	const char *file;
	const char *probe; /* "" when the header probes */
	const char *decode;
};

/* What each regression input gives. decode-assert-jpeg and decode-segv-rle
 * pass every check and still kill GDCM: only the worker stops them. */
static const struct expect expects[] = {
	{"regressions/dicm-only.dcm", "DICOM file meta without a transfer syntax",
	 "DICOM file meta without a transfer syntax"},
	{"regressions/min-dicom-probe-assert.dcm", "DICOM file meta without a transfer syntax",
	 "DICOM file meta without a transfer syntax"},
	{"regressions/probe-alloc.dcm", "truncated or damaged DICOM (element at byte 386)",
	 "truncated or damaged DICOM (element at byte 386)"},
	{"regressions/decode-alloc-vr.dcm", "DICOM file meta element with an unknown VR",
	 "DICOM file meta element with an unknown VR"},
	{"regressions/decode-alloc-delimiter.dcm", "",
	 "truncated or damaged DICOM (element at byte 1310)"},
	{"regressions/decode-assert-attribute.dcm",
	 "truncated or damaged DICOM (element at byte 568)",
	 "truncated or damaged DICOM (element at byte 568)"},
	{"regressions/decode-assert-jpeg.dcm", "",
	 "DICOM: the decoder process died on this file (killed by signal 6 (a GDCM"
	 " assertion))"},
	{"regressions/decode-segv-rle.dcm", "",
	 "DICOM: the decoder process died on this file (killed by signal 11)"},
	{"regressions/decode-leak-jpegls.dcm", "",
	 "DICOM: cannot decode the pixel data (transfer syntax 1.2.840.10008.1.2.4.80)"},
};

static void test_regressions(void)
{
	for (size_t i = 0; i < CX_ARRAY_LEN(expects); i++) {
		const struct expect *x = &expects[i];
		size_t n;
		unsigned char *in = slurp(x->file, &n);
		struct cx_image_info info;
		struct cx_error err = {0};
		char what[200];
		int rc = cx_image_probe(in, n, &info, &err);
		snprintf(what, sizeof what, "%s: header probe", x->file);
		CHECK_STR(rc ? err.msg : "", x->probe, what);
		struct cx_pixels p;
		rc = cx_image_decode(in, n, x->file, &p, &err);
		snprintf(what, sizeof what, "%s: decode rejected", x->file);
		CHECK_INT(rc, CX_EFORMAT, what);
		snprintf(what, sizeof what, "%s: the reason", x->file);
		CHECK_STR(err.msg, x->decode, what);
		CHECK(p.data == NULL && p.width == 0, "no pixels left behind");
		free(in);
	}
}

/* A dead worker costs one image: the next decode gets a new worker and the
 * same pixels as before. */
static void test_restart(void)
{
	size_t n, m;
	unsigned char *good = slurp("mono1-j2k.dcm", &n);
	unsigned char *bad = slurp("regressions/decode-assert-jpeg.dcm", &m);
	struct cx_pixels p;
	struct cx_error err = {0};
	CHECK_INT(cx_dicom_decode(good, n, &p, &err), 0, "JPEG 2000 decodes");
	uint64_t before = pixels_hash(&p);
	cx_pixels_release(&p);
	for (int k = 0; k < 3; k++) {
		long before_death = cx_dicom_workers_started();
		CHECK_INT(cx_dicom_decode(bad, m, &p, &err), CX_EFORMAT, "the worker dies");
		CHECK_INT(cx_dicom_decode(good, n, &p, &err), 0, "the next decode works");
		CHECK_INT(cx_dicom_workers_started(), before_death + 1, "in one new worker");
		CHECK(p.data && pixels_hash(&p) == before, "with the same pixels");
		cx_pixels_release(&p);
	}
	free(good);
	free(bad);
}

/* A worker killed while idle (the OOM killer, say) costs no image: the
 * next decode finds it gone before sending and takes a fresh one. The
 * worker's pid comes from /proc (Linux: the main thread's children). */
static void test_killed_idle(void)
{
	size_t n;
	unsigned char *good = slurp("mono1.dcm", &n);
	struct cx_pixels p;
	struct cx_error err = {0};
	CHECK_INT(cx_dicom_workers_stop(), 0, "the workers so far ended well");
	CHECK_INT(cx_dicom_decode(good, n, &p, &err), 0, "one worker");
	cx_pixels_release(&p);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%ld/children", (long)getpid());
	FILE *f = fopen(path, "r");
	long pid = 0;
	if (!f || fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	if (f)
		fclose(f);
	CHECK(pid > 0, "its pid");
	siginfo_t si;
	if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0) /* dead, left for the guard to reap */
		waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
	long before = cx_dicom_workers_started();
	CHECK_INT(cx_dicom_decode(good, n, &p, &err), 0, "the next decode works");
	CHECK_INT(cx_dicom_workers_started(), before + 1, "in a fresh worker");
	cx_pixels_release(&p);
	free(good);
}

/* GDCM leaks on some rejects (tests/lsan-gdcm.supp): a worker is retired
 * after 256 of them, and its successor decodes as well. */
static void test_retire(void)
{
	size_t n, m;
	unsigned char *good = slurp("mono1-rle.dcm", &n);
	unsigned char *leaky = slurp("regressions/decode-leak-jpegls.dcm", &m);
	struct cx_pixels p;
	struct cx_error err = {0};
	CHECK_INT(cx_dicom_workers_stop(), 0, "the workers so far ended well");
	long before = cx_dicom_workers_started();
	int rejected = 0;
	for (int k = 0; k < 256; k++)
		rejected += cx_dicom_decode(leaky, m, &p, &err) == CX_EFORMAT;
	CHECK_INT(rejected, 256, "256 rejects by GDCM");
	CHECK_INT(cx_dicom_workers_started(), before + 1, "by one worker");
	CHECK_INT(cx_dicom_decode(good, n, &p, &err), 0, "then a decode works");
	CHECK_INT(cx_dicom_workers_started(), before + 2, "in a new worker: the first retired");
	cx_pixels_release(&p);
	free(good);
	free(leaky);
}

/* A decode over the time limit (CX_DICOM_TIMEOUT, here 10 ms for a
 * 7000x7000 16-bit image, 98 MB, which takes GDCM seconds) stops the
 * worker; the next decode gets a new one. */
static void test_timeout(void)
{
	size_t n;
	unsigned char *head = slurp("mono1.dcm", &n);
	size_t rows = 0, cols = 0, at = 0;
	for (size_t i = 132; i + 8 <= n; i++) {
		rows = !rows && !memcmp(head + i, "\x28\x00\x10\x00US", 6) ? i : rows;
		cols = !cols && !memcmp(head + i, "\x28\x00\x11\x00US", 6) ? i : cols;
		at = !at && !memcmp(head + i, "\xe0\x7f\x10\x00OW", 6) ? i : at;
	}
	CHECK(rows && cols && at, "mono1.dcm: Rows, Columns, pixel data found");
	size_t body = (size_t)7000 * 7000 * 2, hdr = at + 12;
	unsigned char *in = cx_calloc(hdr + body, 1);
	memcpy(in, head, hdr);
	in[rows + 8] = in[cols + 8] = 7000 & 0xFF;
	in[rows + 9] = in[cols + 9] = 7000 >> 8;
	for (int k = 0; k < 4; k++) /* the pixel data length, little endian */
		in[at + 8 + k] = (unsigned char)(body >> (8 * k));
	struct cx_pixels p;
	struct cx_error err = {0};
	setenv("CX_DICOM_TIMEOUT", "0.01", 1);
	long before = cx_dicom_workers_started();
	CHECK_INT(cx_dicom_decode(in, hdr + body, &p, &err), CX_ELIMIT, "over the time limit");
	CHECK_STR(err.msg, "DICOM: decoding took over 0.01 s, the decoder process was stopped",
		  "the limit named");
	unsetenv("CX_DICOM_TIMEOUT");
	CHECK_INT(cx_dicom_decode(head, n, &p, &err), 0, "the next decode works");
	CHECK_INT(cx_dicom_workers_started(), before + 1, "in a new worker");
	cx_pixels_release(&p);
	free(in);
	free(head);
}

/* Offset of mono1.dcm's element (0028,e) (explicit VR, at the top level). */
static size_t find_tag(const unsigned char *in, size_t n, uint16_t e)
{
	unsigned char tag[4] = {0x28, 0x00, (unsigned char)e, (unsigned char)(e >> 8)};
	for (size_t i = 132; i + 8 <= n; i++)
		if (!memcmp(in + i, tag, 4) && !memcmp(in + i + 4, "US", 2))
			return i;
	return 0;
}

static void test_header_bounds(void)
{
	size_t n;
	unsigned char *in = slurp("mono1.dcm", &n);
	size_t rows = find_tag(in, n, 0x0010), cols = find_tag(in, n, 0x0011);
	CHECK(rows && cols, "mono1.dcm: Rows and Columns found");
	struct cx_pixels p;
	struct cx_error err = {0};

	in[rows + 8] = in[rows + 9] = in[cols + 8] = in[cols + 9] = 0xFF;
	CHECK_INT(cx_dicom_decode(in, n, &p, &err), CX_ELIMIT, "65535 x 65535: over the cap");
	CHECK_STR(err.msg, "DICOM: 65535x65535 pixels x 1 frames of 2 bytes, over the"
		  " 100000000-byte cap", "the cap named");

	in[rows + 8] = 32, in[rows + 9] = 0, in[cols + 8] = 16, in[cols + 9] = 0;
	CHECK_INT(cx_dicom_decode(in, n, &p, &err), CX_EFORMAT, "32 rows in 16 rows' bytes");
	CHECK_STR(err.msg, "DICOM pixel data of 512 bytes, 1024 expected for 16x32 x 1 frames",
		  "native pixel data shorter than the header: refused");

	in[rows + 8] = 16;
	memcpy(in + rows + 4, "XX", 2);
	CHECK_INT(cx_dicom_decode(in, n, &p, &err), CX_EFORMAT, "unknown VR refused");
	char want[80];
	snprintf(want, sizeof want, "truncated or damaged DICOM (element at byte %zu)", rows);
	CHECK_STR(err.msg, want, "at the element");

	memcpy(in + rows + 4, "OW", 2);
	CHECK_INT(cx_dicom_decode(in, n, &p, &err), CX_EFORMAT, "Rows as OW refused");
	memcpy(in + rows + 4, "US", 2);
	CHECK_INT(cx_dicom_decode(in, n, &p, &err), 0, "restored: decodes");
	cx_pixels_release(&p);
	free(in);
}

/* Several threads decoding at once, good and fatal files mixed: every
 * result is what one thread got. */
static const char *const mixed[] = {
	"mono1.dcm", "mono1-j2k.dcm", "regressions/decode-segv-rle.dcm", "mono1-rle.dcm",
	"mono1-jpegls.dcm", "regressions/decode-assert-jpeg.dcm", "mono2-8-jpeg.dcm",
};
#define ROUNDS 3
#define THREADS 4

struct outcome {
	uint64_t hash;
	char msg[sizeof(((struct cx_error *)0)->msg)];
};

static void decode_one(const char *name, struct outcome *o)
{
	size_t n;
	unsigned char *in = slurp(name, &n);
	struct cx_pixels p;
	struct cx_error err = {0};
	memset(o, 0, sizeof *o);
	if (cx_dicom_decode(in, n, &p, &err) == 0) {
		o->hash = pixels_hash(&p);
		cx_pixels_release(&p);
	} else {
		snprintf(o->msg, sizeof o->msg, "%s", err.msg);
	}
	free(in);
}

static struct outcome serial[CX_ARRAY_LEN(mixed)];
static struct outcome threaded[THREADS][ROUNDS][CX_ARRAY_LEN(mixed)];

static void *decode_all(void *arg)
{
	size_t t = (size_t)arg;
	for (int r = 0; r < ROUNDS; r++)
		for (size_t i = 0; i < CX_ARRAY_LEN(mixed); i++) {
			size_t k = (i + t) % CX_ARRAY_LEN(mixed); /* threads out of step */
			decode_one(mixed[k], &threaded[t][r][k]);
		}
	return NULL;
}

static void test_threads(void)
{
	for (size_t i = 0; i < CX_ARRAY_LEN(mixed); i++)
		decode_one(mixed[i], &serial[i]);
	pthread_t th[THREADS];
	for (size_t t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, decode_all, (void *)t);
	for (size_t t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	size_t differ = 0;
	for (size_t t = 0; t < THREADS; t++)
		for (int r = 0; r < ROUNDS; r++)
			for (size_t i = 0; i < CX_ARRAY_LEN(mixed); i++)
				differ += threaded[t][r][i].hash != serial[i].hash ||
					  strcmp(threaded[t][r][i].msg, serial[i].msg);
	CHECK_INT((long)differ, 0, "4 threads x 3 rounds x 7 files: the serial results");
	CHECK(serial[1].hash && !serial[2].hash && !serial[5].hash,
	      "good files decode, fatal ones are rejected");
}

/* After all of the above, neither this process nor any worker came near
 * the bound (a 1 KB input once made GDCM allocate 1.4 GB). */
static void test_memory(void)
{
	CHECK_INT(cx_dicom_workers_stop(), 0, "every worker ended well (under ASan: no leak"
		  " but GDCM's named ones)");
	struct rusage self, kids;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	printf("# peak RSS: this process %ld KB, largest worker %ld KB; %ld workers started\n",
	       self.ru_maxrss, kids.ru_maxrss, cx_dicom_workers_started());
#ifdef CX_TSAN /* its shadow memory counts in the resident size */
	printf("ok %d # SKIP peak memory: not measurable under TSan\n", ++t_n);
#else
	CHECK(self.ru_maxrss < 256 * 1024, "this process stayed under 256 MB");
	CHECK(kids.ru_maxrss > 0 && kids.ru_maxrss < CX_DICOM_WORKER_MB * 1024L,
	      "every worker stayed under its bound");
#endif
}

int main(void)
{
	test_regressions();
	test_restart();
	test_killed_idle();
	test_retire();
	test_timeout();
	test_header_bounds();
	test_threads();
	test_memory();
	return t_done();
}

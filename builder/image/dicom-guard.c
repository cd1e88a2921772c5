/*
 * dicom-guard.c - GDCM decodes DICOM pixels in a worker process, never in
 * the build or shard process. GDCM 3.0 asserts (SIGABRT) on files that pass
 * any structural check we can write, and its codecs (OpenJPEG, CharLS)
 * allocate what a codestream declares; fuzzing found both within seconds.
 * A worker is this same executable, started with posix_spawn (no fork of a
 * multithreaded process) and recognised before main by CX_DICOM_WORKER in
 * its environment, so every program linking the image library (chexinstruct,
 * the tests, the fuzz targets) is its own worker without a path to find. It
 * limits its address space to CX_DICOM_WORKER_MB and reads requests from a
 * socket on its standard input. The parent waits at most
 * CX_DICOM_WORKER_SECONDS for an answer; a worker that dies or overruns is
 * killed and reaped, that one image is rejected with the reason, and the
 * next decode starts a new worker. Idle workers are kept in a pool (one per
 * thread that decodes at once), so the common case costs a socket round
 * trip, not a process start. A decode's result depends only on its bytes,
 * whichever worker served it: output is the same for any thread count.
 */
#define _GNU_SOURCE 1 /* posix_spawn_file_actions_addclosefrom_np (glibc 2.34) */
#include "cx.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "image/dicom.h"
#include "image/image.h"

extern char **environ;

#define WORKER_ENV "CX_DICOM_WORKER"
#define MAGIC 0x43584457u /* "CXDW" */

/* Sanitizer runtimes reserve terabytes of address space: RLIMIT_AS would
 * stop the worker before it starts. Under ASan the worker gets ASan's own
 * allocation bound instead, and checks its leaks when it ends (see
 * worker_env). */
#if defined(CX_ASAN) && defined(CX_SOURCE_ROOT)
#define LEAK_CHECK 1
int __lsan_do_recoverable_leak_check(void);
#endif

struct request {
	uint32_t magic;
	uint32_t pad;
	uint64_t len;
};

/* struct cx_pixels without the pointer, then len bytes of pixels. */
struct reply {
	int32_t rc;
	int32_t width, height, channels, depth, bits_stored, is_signed, invert;
	int32_t is_dicom, has_window;
	double slope, intercept, centre, window;
	uint64_t stride, len;
	char msg[sizeof(((struct cx_error *)0)->msg)];
};

/* GDCM leaks on some error paths (its JPEG-LS codec's buffer, libjpeg's
 * memory pools: about 24 KB per failed JPEG decode, tests/lsan-gdcm.supp):
 * a worker is retired after this many rejects, so its leaks stay under a
 * few MB whatever the input. */
#define RETIRE_AFTER 256

struct worker {
	pid_t pid;
	int fd;
	int rejects;
	struct worker *next;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct worker *idle;
static long started;  /* under pool_lock */
static int retired_bad; /* retired workers that did not end well, ditto */

/* --- the worker side --- */

static int read_full(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	while (n) {
		/* MSG_NOSIGNAL: a dead peer is an error, not SIGPIPE */
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void fill_reply(struct reply *r, int rc, const struct cx_pixels *p,
		       const struct cx_error *err)
{
	memset(r, 0, sizeof *r);
	r->rc = rc;
	snprintf(r->msg, sizeof r->msg, "%s", rc ? err->msg : "");
	if (rc)
		return;
	r->width = p->width;
	r->height = p->height;
	r->channels = p->channels;
	r->depth = p->depth;
	r->bits_stored = p->bits_stored;
	r->is_signed = p->is_signed;
	r->invert = p->invert;
	r->is_dicom = p->dicom.is_dicom;
	r->has_window = p->dicom.has_window;
	r->slope = p->dicom.slope;
	r->intercept = p->dicom.intercept;
	r->centre = p->dicom.centre;
	r->window = p->dicom.width;
	r->stride = p->stride;
	r->len = (uint64_t)p->stride * (uint64_t)p->height;
}

/* One request after another until the parent closes the socket. */
static int serve(int fd)
{
	struct request q;
	while (read_full(fd, &q, sizeof q) == 0) {
		if (q.magic != MAGIC || q.len > CX_DICOM_MAX_BYTES)
			return 2;
		unsigned char *in = malloc(q.len ? q.len : 1);
		if (!in || read_full(fd, in, q.len))
			return 2;
		struct cx_pixels p;
		struct cx_error err = {0};
		struct reply r;
		int rc = cx_dicom_decode_gdcm(in, q.len, &p, &err);
		free(in);
		fill_reply(&r, rc, &p, &err);
		int bad = write_full(fd, &r, sizeof r) || (!rc && write_full(fd, p.data, r.len));
		if (!rc)
			cx_pixels_release(&p);
		if (bad)
			return 2;
	}
	return 0;
}

/* Runs before main in a process started by spawn_worker. */
__attribute__((constructor)) static void worker_entry(void)
{
	if (!getenv(WORKER_ENV))
		return;
#if !defined(CX_ASAN) && !defined(CX_TSAN)
	struct rlimit as = {(rlim_t)CX_DICOM_WORKER_MB << 20, (rlim_t)CX_DICOM_WORKER_MB << 20};
	setrlimit(RLIMIT_AS, &as);
#endif
	struct rlimit core = {0, 0}; /* an assertion is expected: no core files */
	setrlimit(RLIMIT_CORE, &core);
	int rc = serve(0);
#ifdef LEAK_CHECK
	/* GDCM's known leaks are named in tests/lsan-gdcm.supp; any other
	 * shows as exit status 23 to cx_dicom_workers_stop */
	if (rc == 0 && __lsan_do_recoverable_leak_check())
		rc = 23;
#endif
	_exit(rc);
}

/* --- the parent side --- */

/* The worker's environment: ours, its marker, and for the sanitizers: a
 * crash stays a signal (handle_segv=0), as without them; under ASan a cap
 * on single allocations and on resident size in place of RLIMIT_AS, and
 * the suppressions of GDCM's known leaks. */
static char **worker_env(char *asan, char *tsan, size_t size)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = cx_calloc(n + 5, sizeof *env);
	size_t k = 0;
	const char *old_a = "", *old_t = "";
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(environ[i], "ASAN_OPTIONS=", 13))
			old_a = environ[i] + 13;
		else if (!strncmp(environ[i], "TSAN_OPTIONS=", 13))
			old_t = environ[i] + 13;
		else if (strncmp(environ[i], WORKER_ENV "=", sizeof WORKER_ENV) &&
			 strncmp(environ[i], "LSAN_OPTIONS=", 13))
			env[k++] = environ[i];
	}
	env[k++] = WORKER_ENV "=1";
	snprintf(asan, size, "ASAN_OPTIONS=%s%smax_allocation_size_mb=%d:"
		 "hard_rss_limit_mb=%d:handle_segv=0:handle_abort=0", old_a, old_a[0] ? ":" : "",
		 CX_DICOM_WORKER_MB, CX_DICOM_WORKER_MB);
	env[k++] = asan;
	snprintf(tsan, size, "TSAN_OPTIONS=%s%shandle_segv=0", old_t, old_t[0] ? ":" : "");
	env[k++] = tsan;
#ifdef LEAK_CHECK
	env[k++] = "LSAN_OPTIONS=suppressions=" CX_SOURCE_ROOT "/tests/lsan-gdcm.supp:"
		   "print_suppressions=0";
#endif
	return env;
}

static struct worker *spawn_worker(struct cx_error *err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return cx_error_set(err, CX_ERROR, "DICOM decoder: socketpair: %s",
				    strerror(errno)), NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	/* GDCM's assertion text and codec chatter are not ours to print */
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (!getenv("CX_DICOM_WORKER_STDERR"))
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	char asan[1024], tsan[1024];
	char **env = worker_env(asan, tsan, sizeof asan);
	char *argv[] = {"chexinstruct-dicom-worker", NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	close(sv[1]);
	if (rc) {
		close(sv[0]);
		return cx_error_set(err, CX_ERROR, "DICOM decoder: cannot start a worker: %s",
				    strerror(rc)), NULL;
	}
	struct worker *w = cx_calloc(1, sizeof *w);
	w->pid = pid;
	w->fd = sv[0];
	pthread_mutex_lock(&pool_lock);
	started++;
	pthread_mutex_unlock(&pool_lock);
	return w;
}

static struct worker *take_worker(struct cx_error *err)
{
	pthread_mutex_lock(&pool_lock);
	struct worker *w = idle;
	if (w)
		idle = w->next;
	pthread_mutex_unlock(&pool_lock);
	return w ? w : spawn_worker(err);
}

static void give_back(struct worker *w)
{
	pthread_mutex_lock(&pool_lock);
	w->next = idle;
	idle = w;
	pthread_mutex_unlock(&pool_lock);
}

/* Kills (if still running) and reaps a worker; says how it ended, and
 * returns 0 when it ended well (exit status 0). */
static int end_worker(struct worker *w, int kill_it, char *how, size_t how_size)
{
	int st = 0;
	if (kill_it)
		kill(w->pid, SIGKILL);
	close(w->fd);
	while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st))
		snprintf(how, how_size, "killed by signal %d%s", WTERMSIG(st),
			 WTERMSIG(st) == SIGABRT ? " (a GDCM assertion)" : "");
	else
		snprintf(how, how_size, "exit status %d", WEXITSTATUS(st));
	free(w);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads n bytes before the deadline: 0, -1 (closed or failed) or -2 (too
 * late). */
static int read_by(int fd, void *buf, size_t n, double deadline)
{
	unsigned char *p = buf;
	while (n) {
		double left = deadline - now();
		if (left <= 0)
			return -2;
		struct pollfd pf = {fd, POLLIN, 0};
		int k = poll(&pf, 1, (int)(left * 1000) + 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0)
			return -2;
		ssize_t r = k < 0 ? -1 : read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The reply describes pixels cx_image_normalise can take and the bytes that
 * follow: the worker's memory may have been damaged before it answered. */
static int sane(const struct reply *r)
{
	if (r->width <= 0 || r->height <= 0 ||
	    (uint64_t)r->width * (uint64_t)r->height > CX_IMAGE_MAX_PIXELS)
		return 0;
	if ((r->channels != 1 && r->channels != 3) || (r->depth != 8 && r->depth != 16))
		return 0;
	return r->stride == (uint64_t)r->width * r->channels * (r->depth / 8) &&
	       r->len == r->stride * (uint64_t)r->height;
}

static void to_pixels(const struct reply *r, unsigned char *data, struct cx_pixels *out)
{
	out->width = r->width;
	out->height = r->height;
	out->channels = r->channels;
	out->depth = r->depth;
	out->stride = (size_t)r->stride;
	out->data = data;
	out->bits_stored = r->bits_stored;
	out->is_signed = r->is_signed;
	out->invert = r->invert;
	out->dicom.is_dicom = r->is_dicom;
	out->dicom.has_window = r->has_window;
	out->dicom.slope = r->slope;
	out->dicom.intercept = r->intercept;
	out->dicom.centre = r->centre;
	out->dicom.width = r->window;
}

/* CX_DICOM_TIMEOUT (seconds, a decimal) overrides CX_DICOM_WORKER_SECONDS:
 * for slow machines and sanitizers, and for the test of the limit. */
static double time_limit(void)
{
	const char *s = getenv("CX_DICOM_TIMEOUT");
	double v = s ? strtod(s, NULL) : 0;
	return v > 0 && v < 86400 ? v : CX_DICOM_WORKER_SECONDS;
}

/* One request to one worker: 0 or the decoder's error (the worker stays),
 * DIED when the worker must be ended (*late: it ran out of time), UNSENT
 * when it could not even take the request (it died idle). */
enum { DIED = 1, UNSENT = 2 };
static int ask(struct worker *w, const unsigned char *in, size_t n, struct cx_pixels *out,
	       int *late, struct cx_error *err)
{
	struct request q = {MAGIC, 0, n};
	double deadline = now() + time_limit();
	struct reply r;
	*late = 0;
	if (write_full(w->fd, &q, sizeof q) || write_full(w->fd, in, n))
		return UNSENT;
	int got = read_by(w->fd, &r, sizeof r, deadline);
	if (got == 0 && r.rc) {
		r.msg[sizeof r.msg - 1] = '\0';
		for (char *c = r.msg; *c; c++) /* GDCM's exception texts: one line */
			*c = (unsigned char)*c < 0x20 ? '?' : *c;
		return cx_error_set(err, r.rc < 0 ? r.rc : CX_EFORMAT, "%s", r.msg);
	}
	if (got == 0 && !sane(&r))
		return DIED;
	unsigned char *data = got == 0 ? cx_malloc((size_t)r.len + 1) : NULL;
	if (got == 0)
		got = read_by(w->fd, data, (size_t)r.len, deadline);
	if (got) {
		free(data);
		*late = got == -2;
		return DIED;
	}
	to_pixels(&r, data, out);
	return 0;
}

/* After a request: the worker goes back to the pool, is retired, or is
 * ended; the result of the request. */
static int settle(struct worker *w, int rc, int late, struct cx_error *err)
{
	char how[80];
	if (rc < 0 && ++w->rejects >= RETIRE_AFTER) {
		int bad = end_worker(w, 0, how, sizeof how) != 0;
		pthread_mutex_lock(&pool_lock);
		retired_bad += bad;
		pthread_mutex_unlock(&pool_lock);
		return rc;
	}
	if (rc <= 0) {
		give_back(w);
		return rc;
	}
	end_worker(w, 1, how, sizeof how);
	if (late)
		return cx_error_set(err, CX_ELIMIT, "DICOM: decoding took over %g s, the decoder"
				    " process was stopped", time_limit());
	return cx_error_set(err, CX_EFORMAT, "DICOM: the decoder process died on this file"
			    " (%s)", how);
}

int cx_dicom_decode(const unsigned char *in, size_t n, struct cx_pixels *out,
		    struct cx_error *err)
{
	memset(out, 0, sizeof *out);
	int rc = cx_dicom_check(in, n, err);
	if (rc)
		return rc;
	for (int attempt = 0;; attempt++) {
		struct worker *w = take_worker(err);
		if (!w)
			return err->code;
		int late;
		rc = ask(w, in, n, out, &late, err);
		if (rc == UNSENT && attempt == 0) {
			/* killed while idle (by the OOM killer, say): not this
			 * file's doing, so it gets a fresh worker */
			char how[80];
			end_worker(w, 1, how, sizeof how);
			continue;
		}
		return settle(w, rc == UNSENT ? DIED : rc, late, err);
	}
}

long cx_dicom_workers_started(void)
{
	pthread_mutex_lock(&pool_lock);
	long n = started;
	pthread_mutex_unlock(&pool_lock);
	return n;
}

int cx_dicom_workers_stop(void)
{
	pthread_mutex_lock(&pool_lock);
	int bad = retired_bad;
	retired_bad = 0;
	struct worker *w = idle;
	idle = NULL;
	pthread_mutex_unlock(&pool_lock);
	while (w) {
		struct worker *next = w->next;
		char how[80];
		bad += end_worker(w, 0, how, sizeof how) != 0;
		w = next;
	}
	return bad;
}

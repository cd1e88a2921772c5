/*
 * bgwrite.c - the writer threads behind a shard file (bgwrite.h). The
 * caller fills one buffer of a ring while two writers write the full ones
 * queued before it, each at its own offset; a full buffer waits only for
 * the next one of the ring to be free. The first error sticks and is
 * reported by the next append or by end.
 *
 * Direct I/O: the kernel's copy of each buffer into the page cache is the
 * slow part of a buffered write on some machines (a VM measured 288 MB/s
 * buffered against 954 MB/s with O_DIRECT, dd of 4 GiB), and shards are
 * written once and read later, often elsewhere, so caching them is of no
 * use. With `direct`, the file is opened a second time with O_DIRECT and the
 * 4 KiB-aligned part of each buffer goes through that descriptor, the
 * unaligned tail through the caller's. A file system that refuses the open
 * or the write (EINVAL) gets plain writes; the bytes on disk are the same.
 */
#define _GNU_SOURCE 1 /* O_DIRECT */
#include "cx.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "shard/bgwrite.h"
#include "shard/fileio.h"

#define ALIGN 4096u

/* A ring of NBUF buffers and NWRITERS writer threads: with one write in
 * flight the disk idled while the writer woke and the next buffer was
 * handed over, and on a shared disk each write waited its turn alone (64 KiB
 * images reached 43 % of copy speed with the page cache warm). Several
 * direct writes at once keep the device's queue full; each buffer has its
 * own file offset, so the order in which they land does not matter. */
#define NBUF 4
#define NWRITERS 2

enum { FREE, FILLING, QUEUED, WRITING };

struct cx_bgwrite {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread[NWRITERS];
	int nthreads;
	unsigned char *buf[NBUF];
	size_t size;
	/* the file, set by begin; fixed while a job is in flight */
	int fd, dfd;              /* dfd: the same file with O_DIRECT, or -1 */
	char *what;
	/* the caller's side */
	int cur;                  /* the buffer being filled */
	size_t fill;              /* bytes in it */
	uint64_t off;             /* the file offset of its first byte */
	/* under mu: each buffer's state, and a queued one's bytes and offset */
	int state[NBUF];
	size_t n[NBUF];
	uint64_t joff[NBUF];
	int next;                 /* the buffer the writers take next */
	int stop;
	int direct_ok;
	uint64_t wb;              /* writeback started up to here (cx_writeback) */
	struct cx_error err;      /* the first failure */
};

/* pwrite()s all n bytes at off; 0, or the errno of the failure. */
static int put_at(int fd, const unsigned char *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t k = pwrite(fd, p, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : EIO;
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

/* Writes buffer b (on a writer thread, without the lock; direct is
 * w->direct_ok as it was when the job was taken). Only the last buffer of a
 * file can have an unaligned tail, or a file system that refused O_DIRECT
 * gets plain writes of everything; the writeback mark is kept under the
 * lock then. */
static int put(struct cx_bgwrite *w, int b, int direct, struct cx_error *e)
{
	const unsigned char *p = w->buf[b];
	size_t n = w->n[b];
	uint64_t off = w->joff[b];
	if (w->dfd >= 0 && direct && off % ALIGN == 0 && n >= ALIGN) {
		size_t a = n & ~(size_t)(ALIGN - 1);
		int rc = put_at(w->dfd, p, a, off);
		if (rc == 0) {
			p += a;
			n -= a;
			off += a;
		} else if (rc == EINVAL) {
			pthread_mutex_lock(&w->mu);
			w->direct_ok = 0; /* refused: plain writes of the same bytes from here */
			pthread_mutex_unlock(&w->mu);
		} else {
			return cx_error_set(e, CX_EIO, "cannot write '%s': %s", w->what, strerror(rc));
		}
	}
	int rc = put_at(w->fd, p, n, off);
	if (rc)
		return cx_error_set(e, CX_EIO, "cannot write '%s': %s", w->what, strerror(rc));
	if (n > 0) {
		pthread_mutex_lock(&w->mu);
		cx_writeback(w->fd, &w->wb, off + n);
		pthread_mutex_unlock(&w->mu);
	}
	return 0;
}

/* Writers take the queued buffers in the order they were filled. */
static void *writer(void *arg)
{
	struct cx_bgwrite *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->state[w->next] != QUEUED && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->state[w->next] != QUEUED)
			break;
		int b = w->next, direct = w->direct_ok;
		w->state[b] = WRITING;
		w->next = (b + 1) % NBUF;
		int skip = w->err.code != 0;
		pthread_mutex_unlock(&w->mu);
		struct cx_error e = {0};
		if (!skip)
			put(w, b, direct, &e);
		pthread_mutex_lock(&w->mu);
		if (e.code && !w->err.code)
			w->err = e;
		w->state[b] = FREE;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void stop_writers(struct cx_bgwrite *w)
{
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->nthreads; i++)
		pthread_join(w->thread[i], NULL);
}

static void free_all(struct cx_bgwrite *w)
{
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	for (int i = 0; i < NBUF; i++)
		free(w->buf[i]);
	free(w->what);
	free(w);
}

struct cx_bgwrite *cx_bgwrite_new(size_t size)
{
	struct cx_bgwrite *w = cx_calloc(1, sizeof(*w));
	/* page-aligned, as O_DIRECT wants, like the offsets they are written at */
	for (int i = 0; i < NBUF; i++)
		if (posix_memalign((void **)&w->buf[i], ALIGN, size) != 0)
			abort();
	w->size = size;
	w->fd = w->dfd = -1;
	w->state[0] = FILLING;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	for (int i = 0; i < NWRITERS; i++)
		if (pthread_create(&w->thread[i], NULL, writer, w) == 0)
			w->nthreads++;
	if (w->nthreads == 0) {
		free_all(w);
		return NULL;
	}
	return w;
}

/* Waits until no buffer is queued or being written; with the lock held. */
static int settle(struct cx_bgwrite *w, struct cx_error *err)
{
	for (int i = 0; i < NBUF; i++)
		while (w->state[i] == QUEUED || w->state[i] == WRITING)
			pthread_cond_wait(&w->cv, &w->mu);
	return w->err.code ? cx_error_set(err, w->err.code, "%s", w->err.msg) : 0;
}

/* Queues the filled part of the current buffer and makes the next buffer of
 * the ring current, once the writers are done with it. */
static int submit(struct cx_bgwrite *w, struct cx_error *err)
{
	pthread_mutex_lock(&w->mu);
	int rc = w->err.code ? cx_error_set(err, w->err.code, "%s", w->err.msg) : 0;
	if (rc == 0 && w->fill > 0) {
		int b = w->cur, nb = (b + 1) % NBUF;
		w->n[b] = w->fill;
		w->joff[b] = w->off;
		w->state[b] = QUEUED;
		pthread_cond_broadcast(&w->cv);
		while (w->state[nb] != FREE)
			pthread_cond_wait(&w->cv, &w->mu);
		w->state[nb] = FILLING;
		w->cur = nb;
		w->off += w->fill;
		w->fill = 0;
		rc = w->err.code ? cx_error_set(err, w->err.code, "%s", w->err.msg) : 0;
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

static void close_direct(struct cx_bgwrite *w)
{
	if (w->dfd >= 0)
		close(w->dfd);
	w->dfd = -1;
}

void cx_bgwrite_begin(struct cx_bgwrite *w, int fd, const char *path, int direct)
{
	struct cx_error ignored = {0};
	pthread_mutex_lock(&w->mu);
	settle(w, &ignored); /* nothing is in flight after end; be sure after misuse */
	cx_error_clear(&w->err);
	pthread_mutex_unlock(&w->mu);
	close_direct(w);
	free(w->what);
	w->what = cx_strdup(path);
	w->fd = fd;
#ifdef O_DIRECT
	/* a file system without direct I/O refuses the open: plain writes then */
	if (direct)
		w->dfd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
#else
	(void)direct;
#endif
	w->direct_ok = 1;
	w->fill = 0;
	w->off = w->wb = 0;
}

int cx_bgwrite_append(struct cx_bgwrite *w, const void *p, size_t n, struct cx_error *err)
{
	const unsigned char *c = p;
	while (n > 0) {
		size_t take = n < w->size - w->fill ? n : w->size - w->fill;
		memcpy(w->buf[w->cur] + w->fill, c, take);
		w->fill += take;
		c += take;
		n -= take;
		if (w->fill == w->size && submit(w, err))
			return err->code;
	}
	return 0;
}

int cx_bgwrite_end(struct cx_bgwrite *w, struct cx_error *err)
{
	int rc = submit(w, err);
	pthread_mutex_lock(&w->mu);
	int rc2 = settle(w, rc ? &(struct cx_error){0} : err);
	pthread_mutex_unlock(&w->mu);
	close_direct(w);
	return rc ? rc : rc2;
}

void cx_bgwrite_free(struct cx_bgwrite *w)
{
	if (!w)
		return;
	struct cx_error ignored = {0};
	pthread_mutex_lock(&w->mu);
	settle(w, &ignored);
	pthread_mutex_unlock(&w->mu);
	stop_writers(w);
	close_direct(w);
	free_all(w);
}

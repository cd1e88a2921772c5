/*
 * bgwrite.c - the writer thread behind a shard (bgwrite.h). One job at a
 * time: the main thread fills buffer A while the writer writes buffer B;
 * submit waits until B is free, then they swap. The first error sticks and
 * is reported by the next submit or wait.
 */
#include "cx.h"

#include <pthread.h>

#include "shard/bgwrite.h"
#include "shard/fileio.h"

struct cx_bgwrite {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	unsigned char *buf[2];
	int cur;                  /* the buffer the caller fills */
	/* the job in flight */
	int busy, stop;
	int fd;
	size_t n;
	const unsigned char *p;
	char what[256];
	/* the writer's own state */
	int last_fd;
	uint64_t written, wb;
	struct cx_error err;      /* the first failure */
};

static void *writer(void *arg)
{
	struct cx_bgwrite *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->busy && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->busy)
			break;
		pthread_mutex_unlock(&w->mu);
		if (w->fd != w->last_fd) {
			w->last_fd = w->fd;
			w->written = w->wb = 0;
		}
		struct cx_error e = {0};
		if (!w->err.code && cx_write_all(w->fd, w->p, w->n, w->what, &e) == 0) {
			w->written += w->n;
			cx_writeback(w->fd, &w->wb, w->written);
		}
		pthread_mutex_lock(&w->mu);
		if (e.code && !w->err.code)
			w->err = e;
		w->busy = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct cx_bgwrite *cx_bgwrite_new(size_t size)
{
	struct cx_bgwrite *w = cx_calloc(1, sizeof(*w));
	/* page-aligned, like the file offsets they are written at */
	for (int i = 0; i < 2; i++)
		if (posix_memalign((void **)&w->buf[i], 4096, size) != 0)
			abort();
	w->last_fd = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, writer, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w->buf[0]);
		free(w->buf[1]);
		free(w);
		return NULL;
	}
	return w;
}

unsigned char *cx_bgwrite_buf(struct cx_bgwrite *w)
{
	return w->buf[w->cur];
}

/* Waits for the job in flight; with the lock held. */
static int settle(struct cx_bgwrite *w, struct cx_error *err)
{
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	return w->err.code ? cx_error_set(err, w->err.code, "%s", w->err.msg) : 0;
}

int cx_bgwrite_submit(struct cx_bgwrite *w, int fd, size_t n, const char *what,
		      struct cx_error *err)
{
	pthread_mutex_lock(&w->mu);
	int rc = settle(w, err);
	if (rc == 0 && n > 0) {
		w->fd = fd;
		w->p = w->buf[w->cur];
		w->n = n;
		snprintf(w->what, sizeof w->what, "%s", what);
		w->busy = 1;
		w->cur ^= 1;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int cx_bgwrite_wait(struct cx_bgwrite *w, struct cx_error *err)
{
	pthread_mutex_lock(&w->mu);
	int rc = settle(w, err);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

void cx_bgwrite_free(struct cx_bgwrite *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->buf[0]);
	free(w->buf[1]);
	free(w);
}

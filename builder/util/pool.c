/*
 * pool.c - the ordered worker pool (pool.h).
 *
 * Jobs sit in a ring by submission number: `head` is the oldest not taken,
 * `started` the next a worker will pick up, `tail` the next to be submitted
 * (head <= started <= tail <= head + depth). Workers take jobs in order and
 * mark them done; take() waits until the one at `head` is done. One mutex
 * and two condition variables: a job is a whole image or a batch of
 * records (tens of microseconds or more), so a lock per job costs little
 * next to the work.
 */
#include "cx.h"

#include <pthread.h>
#include <unistd.h>

#include "util/pool.h"

struct cx_pool {
	pthread_mutex_t mu;
	pthread_cond_t work;    /* a job to start, or stop */
	pthread_cond_t done;    /* a job finished */
	pthread_t *threads;
	int nthreads;
	cx_pool_fn fn;
	void **ring;
	unsigned char *finished;
	size_t depth, head, started, tail;
	int stop;
};

static void *worker(void *arg)
{
	struct cx_pool *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->started == p->tail)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		size_t slot = p->started++ % p->depth;
		void *job = p->ring[slot];
		pthread_mutex_unlock(&p->mu);
		p->fn(job);
		pthread_mutex_lock(&p->mu);
		p->finished[slot] = 1;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct cx_pool *cx_pool_new(int threads, size_t depth, cx_pool_fn fn)
{
	struct cx_pool *p = cx_calloc(1, sizeof(*p));
	p->fn = fn;
	p->depth = depth ? depth : 1;
	p->ring = cx_calloc(p->depth, sizeof(void *));
	p->finished = cx_calloc(p->depth, 1);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (threads <= 1)
		return p;
	p->threads = cx_calloc((size_t)threads, sizeof(pthread_t));
	for (; p->nthreads < threads; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p) != 0) {
			cx_pool_free(p);
			return NULL;
		}
	return p;
}

size_t cx_pool_pending(const struct cx_pool *p)
{
	return p->tail - p->head; /* written only by the caller's thread */
}

size_t cx_pool_depth(const struct cx_pool *p)
{
	return p->depth;
}

void cx_pool_submit(struct cx_pool *p, void *job)
{
	size_t slot = p->tail % p->depth;
	if (!p->nthreads) {
		p->fn(job);
		p->ring[slot] = job;
		p->finished[slot] = 1;
		p->started = ++p->tail;
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->ring[slot] = job;
	p->finished[slot] = 0;
	p->tail++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

void *cx_pool_take(struct cx_pool *p)
{
	if (p->head == p->tail)
		return NULL;
	size_t slot = p->head % p->depth;
	pthread_mutex_lock(&p->mu);
	while (!p->finished[slot])
		pthread_cond_wait(&p->done, &p->mu);
	p->finished[slot] = 0;
	p->head++;
	pthread_mutex_unlock(&p->mu);
	return p->ring[slot];
}

void cx_pool_free(struct cx_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p->ring);
	free(p->finished);
	free(p);
}

int cx_pool_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

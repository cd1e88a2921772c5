/*
 * pool.h - a fixed-size pool of worker threads that runs jobs in any order
 * but hands them back in the order they were submitted, so whatever the
 * caller builds from the results is the same with one thread or sixteen.
 *
 * The caller owns the jobs (the pool keeps pointers) and uses it like this:
 *
 *     if (cx_pool_pending(p) == cx_pool_depth(p))
 *             finish(cx_pool_take(p));        // oldest first, waits for it
 *     fill(job);
 *     cx_pool_submit(p, job);
 *     ...
 *     while (cx_pool_pending(p))
 *             finish(cx_pool_take(p));
 *
 * With threads <= 1 no thread is started: submit runs the job at once on
 * the caller's thread. Only submit, take and pending are to be called, and
 * from one thread.
 */
#ifndef CX_UTIL_POOL_H
#define CX_UTIL_POOL_H

#include <stddef.h>

struct cx_pool;

typedef void (*cx_pool_fn)(void *job);

/* A pool of `threads` workers holding at most `depth` jobs in flight
 * (submitted, not yet taken). NULL if a thread cannot be started. */
struct cx_pool *cx_pool_new(int threads, size_t depth, cx_pool_fn fn);

/* Jobs submitted and not yet taken; the most that may be in flight. */
size_t cx_pool_pending(const struct cx_pool *p);
size_t cx_pool_depth(const struct cx_pool *p);

/* Queues a job; the caller must not submit when pending == depth. */
void cx_pool_submit(struct cx_pool *p, void *job);

/* The oldest job in flight, once it has run; NULL when none is. */
void *cx_pool_take(struct cx_pool *p);

/* Waits for the jobs already running, drops those not started, joins the
 * threads. Jobs not taken are the caller's to release. */
void cx_pool_free(struct cx_pool *p);

/* The number of online processors (1 if unknown), for a default. */
int cx_pool_cpus(void);

#endif

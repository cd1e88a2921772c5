/*
 * t-pool.c - the ordered worker pool (builder/util/pool.c): jobs come back in
 * the order submitted whatever order they finish in, each runs exactly once,
 * the ring never holds more than its depth, inline mode (threads <= 1) runs
 * a job at submit, and freeing a pool with jobs in flight is clean.
 */
#include "cx.h"

#include <stdatomic.h>
#include <time.h>

#include "t.h"
#include "util/pool.h"

struct job {
	int seq;
	long delay_us;
	long result;
	int runs;
};

static atomic_int running, most_running, total_runs;

static void work(void *arg)
{
	struct job *j = arg;
	int now = atomic_fetch_add(&running, 1) + 1;
	int seen = atomic_load(&most_running);
	while (now > seen && !atomic_compare_exchange_weak(&most_running, &seen, now))
		;
	struct timespec ts = {0, j->delay_us * 1000};
	nanosleep(&ts, NULL);
	j->result = (long)j->seq * j->seq;
	j->runs++;
	atomic_fetch_add(&total_runs, 1);
	atomic_fetch_sub(&running, 1);
}

/* Submits n jobs through a pool of `threads` and depth `depth`, taking the
 * oldest whenever the ring is full, as the sharder does. The first jobs
 * are the slowest, so with threads the later ones finish first. */
static void run(int threads, size_t depth, int n)
{
	struct job jobs[64] = {{0}};
	atomic_store(&running, 0);
	atomic_store(&most_running, 0);
	atomic_store(&total_runs, 0);
	struct cx_pool *p = cx_pool_new(threads, depth, work);
	CHECK(p != NULL, "the pool starts");
	CHECK_INT(cx_pool_depth(p), depth, "depth as asked");
	int in_order = 1, taken = 0, over = 0;
	for (int i = 0; i < n; i++) {
		if (cx_pool_pending(p) == cx_pool_depth(p)) {
			struct job *j = cx_pool_take(p);
			in_order &= j && j->seq == taken && j->result == (long)taken * taken;
			taken++;
		}
		struct job *j = &jobs[i];
		j->seq = i;
		j->delay_us = i < 3 ? 20000 : 500;
		cx_pool_submit(p, j);
		over |= cx_pool_pending(p) > depth;
	}
	struct job *j;
	while ((j = cx_pool_take(p)) != NULL) {
		in_order &= j->seq == taken && j->result == (long)taken * taken;
		taken++;
	}
	char what[96];
	snprintf(what, sizeof what, "threads %d depth %zu: taken in submission order", threads,
		 depth);
	CHECK(in_order, what);
	CHECK_INT(taken, n, "every job taken once");
	CHECK_INT(atomic_load(&total_runs), n, "every job ran once");
	int once = 1;
	for (int i = 0; i < n; i++)
		once &= jobs[i].runs == 1;
	CHECK(once, "no job ran twice");
	CHECK(!over, "never more than depth jobs in flight");
	CHECK(cx_pool_take(p) == NULL, "take on an empty pool is NULL");
	if (threads >= 2)
		CHECK(atomic_load(&most_running) >= 2, "jobs ran at the same time");
	else
		CHECK_INT(atomic_load(&most_running), 1, "inline: one job at a time");
	cx_pool_free(p);
}

static void inline_runs_at_submit(void)
{
	struct job j = {7, 0, 0, 0};
	struct cx_pool *p = cx_pool_new(1, 1, work);
	cx_pool_submit(p, &j);
	CHECK_INT(j.result, 49, "inline: the job has run when submit returns");
	CHECK_INT(cx_pool_pending(p), 1, "inline: still pending until taken");
	CHECK(cx_pool_take(p) == &j, "inline: take gives it back");
	cx_pool_free(p);
}

static void free_with_jobs_in_flight(void)
{
	struct job jobs[8] = {{0}};
	struct cx_pool *p = cx_pool_new(2, 8, work);
	for (int i = 0; i < 8; i++) {
		jobs[i].seq = i;
		jobs[i].delay_us = 2000;
		cx_pool_submit(p, &jobs[i]);
	}
	cx_pool_free(p); /* waits for the running ones, drops the rest */
	int ok = 1;
	for (int i = 0; i < 8; i++)
		ok &= jobs[i].runs <= 1;
	CHECK(ok, "free with jobs in flight: none ran twice, and it returns");
}

int main(void)
{
	run(1, 1, 20);
	run(2, 8, 40);
	run(4, 3, 40);
	run(2, 64, 64);
	inline_runs_at_submit();
	free_with_jobs_in_flight();
	CHECK(cx_pool_cpus() >= 1 && cx_pool_cpus() <= 64, "cx_pool_cpus is 1 to 64");
	return t_done();
}

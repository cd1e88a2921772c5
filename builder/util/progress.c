/*
 * progress.c - the progress line of shard and verify (progress.h). It
 * writes only to stderr and only when p->on, so output files, stdout and
 * the exit status never depend on it.
 */
#include "cx.h"

#include <time.h>

#include "util/progress.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void draw(struct cx_progress *p, double t, int last)
{
	double el = t - p->start, rate = el > 0 ? (double)p->done / el : 0;
	fprintf(stderr, "\r%s: %s %llu", p->who, p->what, (unsigned long long)p->done);
	if (p->total)
		fprintf(stderr, "/%llu", (unsigned long long)p->total);
	fprintf(stderr, " %s, %.1f MB, %.0f/s", p->unit, (double)p->bytes / 1e6, rate);
	if (!last && p->total && rate > 0 && p->done < p->total) {
		long left = (long)((double)(p->total - p->done) / rate + 0.5);
		fprintf(stderr, ", %ld:%02ld left", left / 60, left % 60);
	} else if (last) {
		fprintf(stderr, ", %.1f s", el);
	}
	fputs(last ? "\033[K\n" : "\033[K", stderr);
	fflush(stderr);
}

void cx_progress_start(struct cx_progress *p, const char *what, const char *unit, uint64_t total)
{
	p->what = what;
	p->unit = unit;
	p->total = total;
	p->done = p->bytes = 0;
	p->start = p->last = now();
}

void cx_progress_step(struct cx_progress *p, uint64_t n, uint64_t bytes)
{
	if (!p->on)
		return;
	p->done += n;
	p->bytes += bytes;
	double t = now();
	if (t - p->last >= 0.2) {
		p->last = t;
		draw(p, t, 0);
	}
}

void cx_progress_end(struct cx_progress *p)
{
	if (p->on && p->what)
		draw(p, now(), 1);
	p->what = NULL;
}

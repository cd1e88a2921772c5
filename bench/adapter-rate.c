/*
 * adapter-rate.c - how fast an adapter reads a release with no catalogue
 * behind it: every fact goes to a sink that only counts. This separates
 * parsing (CSV, gzip, JSON, XML, report sections) from the SQLite writes
 * that `chexinstruct build` adds. A benchmark tool, not a test.
 *
 *     build/bench/adapter-rate mimic-cxr bench/out/sources/mimic-cxr
 */
#include "cx.h"

#include <time.h>

#include "adapters/adapter.h"
#include "io/release.h"

struct counts {
	long rows, facts;
};

static int on_fact(void *c, const struct cx_fact_kind *k, const void *f, struct cx_error *e)
{
	(void)k; (void)f; (void)e;
	((struct counts *)c)->facts++;
	return 0;
}
static void row(void *c) { ((struct counts *)c)->rows++; }
static void on_kept(void *c, const struct cx_where *w) { (void)w; row(c); }
static void on_reject(void *c, const struct cx_where *w, const char *r) { (void)w; (void)r; row(c); }
static void on_filter(void *c, const struct cx_where *w, const char *r) { (void)w; (void)r; row(c); }

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: adapter-rate SOURCE-ID RELEASE\n");
		return 2;
	}
	const struct cx_adapter *a = cx_adapter_find(argv[1]);
	struct cx_release *rel;
	struct cx_error err = {0};
	if (!a) {
		fprintf(stderr, "adapter-rate: unknown source '%s'\n", argv[1]);
		return 2;
	}
	if (cx_release_open(&rel, argv[2], &err) || !a->probe(rel)) {
		fprintf(stderr, "adapter-rate: %s: %s\n", argv[2], err.msg[0] ? err.msg : "not recognised");
		return 1;
	}
	struct counts n = {0, 0};
	struct cx_sink sink = {.ctx = &n, .fact = on_fact, .kept = on_kept, .reject = on_reject,
			       .filter = on_filter};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = a->read(rel, &sink, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cx_release_free(rel);
	if (rc) {
		fprintf(stderr, "adapter-rate: %s\n", err.msg);
		return 1;
	}
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%s: %ld rows, %ld facts in %.2f s: %.0f rows/s\n", a->id, n.rows, n.facts, s,
	       s > 0 ? (double)n.rows / s : 0.0);
	return 0;
}

/*
 * facts.h - runs an adapter into a recording sink and writes every fact and
 * every row outcome as one canonical text line, so adapter tests compare the
 * whole output of a demo release with a golden file (tests/golden/<id>.facts).
 * Set CX_UPDATE_GOLDEN=1 to rewrite golden files instead of comparing them.
 */
#ifndef CX_FACTS_H
#define CX_FACTS_H

#include "cx.h"

#include "adapters/adapter.h"

struct facts_count {
	long read; /* rows read, counted apart from their outcomes (the sink's read()) */
	long kept, rejected, filtered;
	long images, studies, labels, boxes, reports, qas;
	long kinds[CX_FACT_COUNT]; /* facts of every kind, by enum cx_fact_id */
};

/* A recording sink writing into out and counting into *n (not cleared);
 * *ctx is its state, for the caller to free() when done. */
struct cx_sink facts_sink_for(struct cx_buf *out, struct facts_count *n, void **ctx);

/* Runs the adapter on the release at path (probe, then read). The fact log
 * goes to out; counts to *n. Returns the adapter's return code, or CX_ERROR
 * when it returned 0 but rows read != kept + rejected + filtered. */
int facts_run(const struct cx_adapter *a, const char *path, struct cx_buf *out,
	      struct facts_count *n, struct cx_error *err);

/* 1 when rows read = kept + rejected + filtered. */
int facts_accounted(const struct facts_count *n);

/* Compares text with the golden file; prints the first differing line as a
 * TAP comment. Returns 1 when equal (or rewritten with CX_UPDATE_GOLDEN=1). */
int facts_match_golden(const char *text, const char *golden_path);

/* A copy of s with every "from" replaced by "to" (for turning one fact log
 * into the expected log of another form of the release). Caller frees. */
char *facts_replace_all(const char *s, const char *from, const char *to);

#endif

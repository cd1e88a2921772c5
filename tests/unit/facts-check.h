/*
 * facts-check.h - TAP checks over facts.h for the adapter tests. Inline in a
 * header because t.h's counters are per test binary (static).
 */
#ifndef CX_FACTS_CHECK_H
#define CX_FACTS_CHECK_H

#include "facts.h"
#include "t.h"

/* Runs the adapter on another form of the same release (its archive, a
 * gzipped file) and checks that it reads ("<form> reads") and gives exactly
 * the fact log want ("<form> gives the same fact log"). */
static inline void facts_same_log(const struct cx_adapter *a, const char *path,
				  const char *want, const char *form)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	char what[256];
	snprintf(what, sizeof what, "%s reads", form);
	if (!CHECK(facts_run(a, path, &log, &n, &err) == 0, what))
		printf("#   %s\n", err.msg);
	snprintf(what, sizeof what, "%s gives the same fact log", form);
	CHECK_STR(cx_buf_str(&log), want, what);
	cx_buf_release(&log);
}

/* Runs the adapter on a release with broken rows, which must still read
 * ("broken release still reads": the rows are rejected, not the release);
 * its fact log goes to log. */
static inline void facts_broken(const struct cx_adapter *a, const char *path,
				struct cx_buf *log, struct facts_count *n)
{
	struct cx_error err = {0};
	if (!CHECK(facts_run(a, path, log, n, &err) == 0, "broken release still reads"))
		printf("#   %s\n", err.msg);
}

/* CHECK_LINEF(text, fmt, ...): text holds the line that fmt gives. */
#define CHECK_LINEF(text, ...)                                 \
	do {                                                   \
		char line_[400];                               \
		snprintf(line_, sizeof line_, __VA_ARGS__);    \
		CHECK_LINE(text, line_);                       \
	} while (0)

#endif

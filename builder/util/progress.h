/*
 * progress.h - one line of progress on stderr for the long phases of `shard`
 * and `verify` (items done of a total, bytes, rate, time left), redrawn at
 * most five times a second, and only when asked to (the commands ask when
 * stderr is a terminal): nothing of it reaches a log or a pipe.
 */
#ifndef CX_UTIL_PROGRESS_H
#define CX_UTIL_PROGRESS_H

#include <stdint.h>

struct cx_progress {
	int on;                 /* 0: every call does nothing */
	const char *who, *what; /* "shard", "write" */
	const char *unit;       /* "records", "images" */
	uint64_t total, done, bytes;
	double start, last;
};

/* A phase of `total` items (0: unknown) begins. */
void cx_progress_start(struct cx_progress *p, const char *what, const char *unit, uint64_t total);
/* n more items of `bytes` bytes are done. */
void cx_progress_step(struct cx_progress *p, uint64_t n, uint64_t bytes);
/* The phase is over: the last line is drawn in full and ended. */
void cx_progress_end(struct cx_progress *p);

#endif

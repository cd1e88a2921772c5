/*
 * strset.h - a set of strings, for adapters that must emit a fact once per
 * key (an image named by many questions) or notice a file seen twice.
 */
#ifndef CX_STRSET_H
#define CX_STRSET_H

#include "cx.h"

struct cx_strset {
	char **slot;  /* open addressing; NULL is empty */
	size_t cap;   /* a power of two, or 0 */
	size_t n;
};

#define CX_STRSET_INIT {NULL, 0, 0}

/* Adds a copy of s; returns 1 when it was new, 0 when already there. */
int cx_strset_add(struct cx_strset *set, const char *s);
int cx_strset_has(const struct cx_strset *set, const char *s);
void cx_strset_release(struct cx_strset *set);

#endif

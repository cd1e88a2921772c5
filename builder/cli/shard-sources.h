/*
 * shard-sources.h - `shard --sources DIR` (shard-sources.c): find the
 * catalogue's releases in a moved copy, check the copy by the content
 * fingerprint, and map each recorded release path to its copy.
 */
#ifndef CX_SHARD_SOURCES_H
#define CX_SHARD_SOURCES_H

#include "cx.h"

#include "shard/sharder.h"

struct cx_cat;

int cx_shard_sources(struct cx_cat *cat, const char *dir, struct cx_shard_moved **out,
		     size_t *nout, struct cx_error *err);
void cx_shard_moved_free(struct cx_shard_moved *v, size_t n);

#endif

/*
 * mix.h - the mix file of `chexinstruct shard --mix FILE` (format: README.md,
 * "Shards for training") and the arithmetic that turns its weights into
 * exact record counts per task-dataset entry.
 */
#ifndef CX_SHARD_MIX_H
#define CX_SHARD_MIX_H

#include "cx.h"

#include "catalogue/catalogue.h"

/* Per entry, parallel to the catalogue's entry list. */
struct cx_mix {
	double *weight;      /* 1 unless the file says otherwise */
	int64_t *cap;        /* -1: no cap */
	int *held_out;       /* named in the file's "held_out" list */
	int64_t total;       /* -1: not given */
	char *json;          /* the file as parsed, compact, for the manifest ("null") */
};

/* Reads and validates a mix file against the entries (path NULL: the
 * default, every instance once). Errors name the file and the key. */
int cx_mix_load(struct cx_mix *m, const char *path, const struct cx_shard_entry *e, size_t n,
		int target, struct cx_error *err);
void cx_mix_release(struct cx_mix *m);

/* counts[i] from avail[i] (kept instances per entry), with requested[i], the
 * share each entry asks for. Entries excluded from the split have avail 0. */
void cx_mix_counts(const struct cx_mix *m, const int64_t *avail, size_t n, int64_t *counts,
		   double *requested);

#endif

/*
 * mix.h - the mix file of `chexinstruct shard --mix FILE` (format: README.md,
 * "Shards for training") and the arithmetic that turns its weights into
 * exact record counts per task-dataset entry.
 */
#ifndef CX_SHARD_MIX_H
#define CX_SHARD_MIX_H

#include "cx.h"

#include "catalogue/catalogue.h"

/*
 * A label rule of an entry ("entry": {NAME: {"labels": {LABEL: W or {"weight":
 * W, "cap": N}}}}): of the entry's instances whose label set gives LABEL as 1
 * (as released: "No Finding" = 1), keep round(available x W) (W from 0 to 1),
 * at most N, picked by the seeded rank; the rest of the entry is untouched.
 * This is how the official negative subsampling is expressed (NIH keeps
 * about 10,000 "No Finding" train images).
 */
struct cx_mix_label {
	size_t entry;        /* index in the entry list */
	char *label;         /* as released, e.g. "No Finding" */
	double weight;       /* 0..1, 1 when not given */
	int64_t cap;         /* -1: no cap */
	int64_t available;   /* filled by the sharder: the group's kept instances */
	int64_t requested;   /* cx_mix_label_keep(available) */
	int64_t records;     /* the group's records in the output */
};

/* Per entry, parallel to the catalogue's entry list. */
struct cx_mix {
	double *weight;      /* 1 unless the file says otherwise */
	int64_t *cap;        /* -1: no cap */
	int *held_out;       /* named in the file's "held_out" list */
	int64_t total;       /* -1: not given */
	char *json;          /* the file as parsed, compact, for the manifest ("null") */
	struct cx_mix_label *labels; /* in the file's order */
	size_t nlabels;
};

/* How many of a label group's `available` instances a rule keeps:
 * round-half-up(available x weight), then at most cap. */
int64_t cx_mix_label_keep(const struct cx_mix_label *l, int64_t available);

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

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

/*
 * A name the mix asks records of: a dataset, task or entry given a positive
 * weight, or a share of the total in "proportion". Each is checked against
 * what the output holds (cx_mix_short): a request that ends far from what it
 * asked is an error unless the run accepts it (--allow-short-mix).
 */
enum cx_mix_kind { CX_MIX_DATASET, CX_MIX_TASK, CX_MIX_ENTRY };

struct cx_mix_group {
	enum cx_mix_kind kind;
	char *name;          /* as the file gives it */
	double value;        /* the weight, or the share */
	int proportion;      /* 1: a share from "proportion" */
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
	struct cx_mix_group *groups; /* in the file's order: weights, then proportions */
	size_t ngroups;
	/* proportion mode: per entry, the index in groups of the share it is
	 * part of, or -1 (the rest); NULL when the file gives no "proportion" */
	int *share;
	/* filled by cx_mix_counts when not NULL: per entry, the records asked
	 * for (a weight's request after its cap; a share's before the cap) */
	int64_t *want;
	/* per entry, the hygiene policy of its dataset ("hygiene": {DATASET:
	 * "split" | "image" | "study" | "patient"}): 0 to 3, 3 by default */
	int *policy;
};

/* The name of hygiene level 0-3. */
const char *cx_mix_policy_name(int level);

/* 1 when entry e belongs to group g (a dataset by name or source id). */
int cx_mix_group_has(const struct cx_mix_group *g, const struct cx_shard_entry *e);

/* 1 when a request of `want` records that ended with `got` is short: nothing
 * at all, or under 90 % of the request (README.md, "Honest mixes"). */
int cx_mix_is_short(int64_t want, int64_t got);

/* How many of a label group's `available` instances a rule keeps:
 * round-half-up(available x weight), then at most cap. */
int64_t cx_mix_label_keep(const struct cx_mix_label *l, int64_t available);

/* Reads and validates a mix file against the entries (path NULL: the
 * default, every instance once). Errors name the file and the key. */
int cx_mix_load(struct cx_mix *m, const char *path, const struct cx_shard_entry *e, size_t n,
		int target, struct cx_error *err);
/* The same for a mix given as JSON text (a recipe's inline mix); name stands
 * for the file in messages. */
int cx_mix_load_text(struct cx_mix *m, const char *name, const char *text,
		     const struct cx_shard_entry *e, size_t n, int target, struct cx_error *err);
void cx_mix_release(struct cx_mix *m);

/* counts[i] from avail[i] (kept instances per entry), with requested[i], the
 * share each entry asks for. Entries excluded from the split have avail 0.
 * With "proportion": each share's records are total x share, rounded by the
 * largest remainder across the shares (and the rest, last); within a share,
 * by the largest remainder over its entries' available x weight. */
void cx_mix_counts(const struct cx_mix *m, const int64_t *avail, size_t n, int64_t *counts,
		   double *requested);

#endif

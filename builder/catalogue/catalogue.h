/*
 * catalogue.h - the SQLite catalogue (schema: schema/catalogue.sql).
 *
 * Only builder/catalogue/ includes sqlite3.h. The build writes one source at
 * a time: cx_cat_begin_source() deletes that source's old rows and opens a
 * transaction, the adapter streams facts into cx_cat_sink(), then
 * cx_cat_end_source() probes the images, derives the instances of every
 * task-dataset entry and commits. Queries for sample, stats and tasks live in
 * cat-query.c.
 */
#ifndef CX_CATALOGUE_H
#define CX_CATALOGUE_H

#include "cx.h"

#include "adapters/adapter.h"
#include "render/render.h"

#define CX_SCHEMA_VERSION 1

struct cx_cat;
struct cx_release;

/* Opens (create = 1: creating if absent) a catalogue. A file of another
 * schema version is refused with a message saying how to rebuild it. */
int cx_cat_open(struct cx_cat **out, const char *path, int create, struct cx_error *err);
void cx_cat_close(struct cx_cat *cat);

/* Build-time settings, stored in the meta table. */
struct cx_build_opts {
	uint64_t seed;     /* orders pairs and negatives (hrank) */
	int check_images;  /* 0: do not look for image files (benchmarks) */
};

/* Row accounting of the source being built (also progress reporting). */
struct cx_source_counts {
	long read, kept, rejected, filtered;
	long images, images_unreadable, instances;
};

/* Called every 65536 rows while a source is read, for progress. */
typedef void (*cx_progress_fn)(void *payload, const char *source,
			       const struct cx_source_counts *n);

int cx_cat_begin_source(struct cx_cat *cat, const struct cx_adapter *a, struct cx_release *rel,
			const struct cx_build_opts *opts, cx_progress_fn progress, void *payload,
			struct cx_error *err);
/* The sink the adapter writes into; valid between begin and end/abort. */
const struct cx_sink *cx_cat_sink(struct cx_cat *cat);
int cx_cat_end_source(struct cx_cat *cat, struct cx_source_counts *out, struct cx_error *err);
/* Rolls back the source being built (its old rows stay as they were). */
void cx_cat_abort_source(struct cx_cat *cat);

/* Fills the capability and task tables from builder/tasks/ (idempotent). */
int cx_cat_sync_tasks(struct cx_cat *cat, struct cx_error *err);

/* --- queries (cat-query.c) --- */

/* Writes the stats report (text or JSON) to out. */
int cx_cat_stats(struct cx_cat *cat, int json, struct cx_buf *out, struct cx_error *err);
/* Writes the capability -> task -> dataset tree with instance counts. */
int cx_cat_tasks(struct cx_cat *cat, int json, struct cx_buf *out, struct cx_error *err);

struct cx_sample_query {
	const char *task;    /* substring of task ids ("vqa"), required */
	const char *dataset; /* dataset name or source id, or NULL */
	const char *split;   /* or NULL */
	long n;
	uint64_t seed;
	int json;
};

/* Calls fn for each sampled instance, with its facts, its images (paths
 * inside the release, "archive:member" for archive members) and provenance. */
struct cx_sample_item {
	const struct cx_instance_view *view;
	const char *const *images;
	size_t nimages;
	const char *src_file;
	long src_line;
	const char *entry;   /* "[task] [dataset]" */
};
typedef int (*cx_sample_fn)(void *ctx, const struct cx_sample_item *item, struct cx_error *err);
/* Returns the number of instances visited, or a negative code. No instance
 * matching the task is not an error (0). */
long cx_cat_sample(struct cx_cat *cat, const struct cx_sample_query *q, cx_sample_fn fn, void *ctx,
		   struct cx_error *err);
/* The distinct task ids that have instances, comma-joined (for messages). */
int cx_cat_task_names(struct cx_cat *cat, struct cx_buf *out, struct cx_error *err);

#endif

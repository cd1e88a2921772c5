/*
 * cat-internal.h - what the files of builder/catalogue/ share. Nothing
 * outside this folder includes it (or sqlite3.h).
 */
#ifndef CX_CAT_INTERNAL_H
#define CX_CAT_INTERNAL_H

#include "cx.h"

#include <sqlite3.h>

#include "catalogue/catalogue.h"

struct cx_release;

/* Prepared statements of the write path with SQL of their own; the other
 * kinds' inserts are made from their entry in cx_fact_kinds[] (cat-write.c). */
enum cat_stmt {
	ST_STUDY_INSERT,
	ST_STUDY_UPSERT,
	ST_IMAGE_INSERT,
	ST_IMAGE_UPDATE,
	ST_STUDY_LABELS,
	ST_IMAGE_LABELS,
	ST_REJECT,
	ST_COUNT
};

/* The facts of the row being read, held until its accounting call, and the
 * statements that write them (cat-write.c). */
struct fact_queue;

struct rule_count {
	char *rule;
	long rows;
};

struct cx_cat {
	sqlite3 *db;
	char *path;
	/* the source being built */
	const struct cx_adapter *adapter;
	struct cx_release *rel;
	struct cx_build_opts opts;
	sqlite3_int64 dataset_id;
	sqlite3_int64 lender_id;   /* a borrowing source's lender (cat-write.c), or 0 */
	sqlite3_stmt *st[ST_COUNT];
	struct cx_sink sink;
	struct cx_source_counts n;
	struct fact_queue *queue;  /* the current row's facts */
	struct rule_count *rules;  /* filtered rows per rule */
	size_t nrules;
	cx_progress_fn progress;
	void *payload;
	struct cx_buf a, b, c;     /* scratch */
	/* The last study upserted: rows come grouped by study, and an upsert that
	 * would change nothing is skipped (half the build's SQL on MIMIC). */
	struct cx_buf last_study, last_patient;
	sqlite3_int64 last_study_id;
	int last_split;
	int in_source;
	double cpu_mark;           /* process CPU seconds when the current phase began */
	struct cx_buf deferred;    /* CREATE INDEX statements dropped for the load */
	struct cx_buf deferred_late; /* ... and those dropped until derivation ends */
	sqlite3_stmt **img;        /* cat-images.c: the image pass's statements */
	/* cat-shard.c: statements of a shard plan, finalized by cx_plan_end() */
	sqlite3_stmt *plan_find, *plan_set, *plan_rec;
	char *plan_path;           /* the attached plan's file, or NULL (cat_db_error) */
};

/* Runs SQL with no result rows; on failure sets err with SQLite's message. */
int cat_exec(struct cx_cat *cat, const char *sql, struct cx_error *err);
int cat_prepare(struct cx_cat *cat, const char *sql, sqlite3_stmt **st, struct cx_error *err);
int cat_db_error(struct cx_cat *cat, struct cx_error *err, const char *what);
/* Binds text, or NULL for a NULL or empty string. */
void cat_bind_text(sqlite3_stmt *st, int i, const char *s);

/* cat-write.c */
void cat_sink_init(struct cx_cat *cat);
void cat_write_finish(struct cx_cat *cat);
int cat_delete_source(struct cx_cat *cat, const char *source, struct cx_error *err);
/* cat-vocab.c: writes the adapter's label vocabulary (at the start of its
 * source's build) and reads one back, owned (free with cx_cat_vocab_free). */
int cat_vocab_write(struct cx_cat *cat, struct cx_error *err);
int cat_vocab_load(struct cx_cat *cat, const char *name, struct cx_vocab **out,
		   struct cx_error *err);
/* cat-derive.c */
int cat_derive(struct cx_cat *cat, struct cx_error *err);

/* cat-view.c: the facts of one instance row as a cx_instance_view, with the
 * parts its entry's rule declares (struct cx_rule's .parts). A row
 * selects CAT_ITEM_COLS first, from CAT_ITEM_FROM (instance n, entry e,
 * task t, dataset d). The release is the one holding the dataset's image
 * files (dataset.image_source): a borrowing source's are its lender's. */
#define CAT_ITEM_COLS \
	"n.id, n.key, n.split, t.name, d.name, n.study_id, n.image_id, n.qa_id, n.label," \
	" n.other_id, n.flag, n.src_file, n.src_line, e.derive,"                              \
	" (SELECT r.release FROM dataset r WHERE r.source = d.image_source), t.title"
#define CAT_ITEM_FROM \
	" FROM instance n JOIN entry e ON n.entry_id = e.id JOIN task t ON e.task_id = t.id" \
	" JOIN dataset d ON e.dataset_id = d.id"

/* Owned copies of everything one instance shows. */
struct cat_item {
	struct cx_instance_view v;
	/* The parts the rule declares; v points at those it fills. */
	struct cx_view_labels labels;
	struct cx_view_image image;
	struct cx_view_boxes boxes_part;
	struct cx_view_report report;
	struct cx_view_pair pair;
	struct cx_view_qa qa;
	struct cx_view_image_pair image_pair;
	struct cx_view_text_pair text_pair;
	struct cx_view_phrase phrase; /* its boxes are held in boxes below */
	char *strs[24];
	size_t nstrs;
	struct cx_view_box *boxes;
	size_t nboxes;
	char **images;
	size_t nimages;
	/* Where each image is: its archive ("" for a plain file or a member of a
	 * release that is one archive) and path, parallel to images. */
	char **archives, **paths;
	const char *release; /* the dataset's release path (in strs) */
};
struct cat_views;
struct cat_views *cat_views_new(struct cx_cat *cat);
void cat_views_free(struct cat_views *v);
void cat_item_fill(struct cat_views *v, sqlite3_stmt *row, struct cat_item *it);
void cat_item_free(struct cat_item *it);

#endif

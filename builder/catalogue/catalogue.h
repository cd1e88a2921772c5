/*
 * catalogue.h - the SQLite catalogue (schema: schema/catalogue.sql).
 *
 * Only builder/catalogue/ includes sqlite3.h. The catalogue is storage and
 * queries; the build (builder/build/) drives it one source at a time:
 * cx_cat_begin_source() deletes that source's old rows and opens a
 * transaction, the adapter streams facts into cx_cat_sink(),
 * cx_cat_end_load() ends the load, the build reads the image headers and
 * stores them through the cx_cat_image_* calls, then cx_cat_end_source()
 * derives the instances of every task-dataset entry and commits. Queries for
 * sample, stats and tasks live in cat-query.c.
 */
#ifndef CX_CATALOGUE_H
#define CX_CATALOGUE_H

#include "cx.h"

#include "adapters/adapter.h"
#include "tasks/tasks.h"

#define CX_SCHEMA_VERSION 12

struct cx_cat;
struct cx_release;

/* Opens (create = 1: creating if absent) a catalogue. A file of another
 * schema version is refused with a message saying how to rebuild it. */
int cx_cat_open(struct cx_cat **out, const char *path, int create, struct cx_error *err);
void cx_cat_close(struct cx_cat *cat);
/* The key the SQL function cx_text_key() gives a text (image-text rules):
 * XXH3-64 of the text as cx_squash() leaves it. */
uint64_t cx_cat_text_key(const char *text);

/* Build-time settings, stored in the meta table. */
struct cx_build_opts {
	uint64_t seed;     /* the build seed: orders pairs and negatives (hrank) */
	int check_images;  /* 0: do not look for image files (benchmarks) */
	int hash_images;   /* 1: decode every image for its pixel hash and dHash */
};

/* Row accounting of the source being built (also progress reporting). */
struct cx_source_counts {
	long read, kept, rejected, filtered;
	long images, images_unreadable, instances;
	/* CPU seconds (user + system) of the build's phases, for benchmarks:
	 * reading the release and writing facts, building the indexes deferred
	 * during the load, deriving instances, and the commit */
	double cpu_read, cpu_index, cpu_derive, cpu_commit;
};

/* Called every 65536 rows while a source is read, for progress. */
typedef void (*cx_progress_fn)(void *payload, const char *source,
			       const struct cx_source_counts *n);

int cx_cat_begin_source(struct cx_cat *cat, const struct cx_adapter *a, struct cx_release *rel,
			const struct cx_build_opts *opts, cx_progress_fn progress, void *payload,
			struct cx_error *err);
/* The sink the adapter writes into; valid between begin and end/abort. */
const struct cx_sink *cx_cat_sink(struct cx_cat *cat);
/* Ends the load of the source's facts: builds the indexes dropped while they
 * were written, so that images can be looked up by path. cx_cat_end_source()
 * calls it when the build did not. */
int cx_cat_end_load(struct cx_cat *cat, struct cx_error *err);
int cx_cat_end_source(struct cx_cat *cat, struct cx_source_counts *out, struct cx_error *err);
/* Rolls back the source being built (its old rows stay as they were). */
void cx_cat_abort_source(struct cx_cat *cat);

/* --- the image header pass (cat-images.c), between cx_cat_end_load() and
 * cx_cat_end_source(): builder/build/images.c reads the files, these calls
 * say which images to read and store what was read. All about the source
 * being built. --- */

/* Prepares the pass; cx_cat_images_end() must follow (also after errors). */
int cx_cat_images_begin(struct cx_cat *cat, struct cx_error *err);
void cx_cat_images_end(struct cx_cat *cat);
/* Calls fn for every distinct archive holding images, in byte order: "" (the
 * first) for plain files of a folder release, and for members of a release
 * that is itself one archive. */
typedef int (*cx_cat_archive_fn)(void *ctx, const char *archive, struct cx_error *err);
int cx_cat_image_archives(struct cx_cat *cat, cx_cat_archive_fn fn, void *ctx,
			  struct cx_error *err);
/* Calls fn for every image in that archive, by id; path is the name inside
 * it (or relative to the release folder). */
typedef int (*cx_cat_image_fn)(void *ctx, int64_t id, const char *path, struct cx_error *err);
int cx_cat_image_each(struct cx_cat *cat, const char *archive, cx_cat_image_fn fn, void *ctx,
		      struct cx_error *err);
/* The id of the image at (archive, path), or 0 when no image is there. */
int64_t cx_cat_image_find(struct cx_cat *cat, const char *archive, const char *path);
/* What an image's header (and, with hashed, its decoded pixels) said. */
struct cx_cat_image_info {
	int width, height, bit_depth;
	int hashed;
	uint64_t pixel_hash, dhash;
	/* From the image's own header (DICOM), stored only where the release's
	 * metadata left the image's field empty: NULL / -1 for nothing. */
	const char *sex, *view;
	int age;
};
int cx_cat_image_set(struct cx_cat *cat, int64_t id, const struct cx_cat_image_info *info,
		     struct cx_error *err);
/* Rejects an image that cannot be read (file as the reject table shows it,
 * reason) and removes it, so no instance uses it. */
int cx_cat_image_reject(struct cx_cat *cat, int64_t id, const char *file, const char *reason,
			struct cx_error *err);

/* Notes a damaged archive of the source being built (file, reason). */
int cx_cat_damage(struct cx_cat *cat, const char *file, const char *reason, struct cx_error *err);

/* 1 when the catalogue holds rows of the source (by id), 0 when not. */
int cx_cat_has_source(struct cx_cat *cat, const char *source);

/* Fills the capability and task tables from builder/tasks/ (idempotent). */
int cx_cat_sync_tasks(struct cx_cat *cat, struct cx_error *err);

/* --- label vocabularies (cat-vocab.c) --- */

/* The label vocabulary a source was built with, as the catalogue stores it:
 * an owned copy (free with cx_cat_vocab_free), or *out = NULL when the source
 * has none. CX_ENOTFOUND when the catalogue has no such source. */
int cx_cat_vocab(struct cx_cat *cat, const char *source, struct cx_vocab **out,
		 struct cx_error *err);
void cx_cat_vocab_free(struct cx_vocab *v);

/* --- queries (cat-query.c) --- */

/* Writes the stats report (text or JSON) to out. */
int cx_cat_stats(struct cx_cat *cat, int json, struct cx_buf *out, struct cx_error *err);
/* Writes the exact (same pixel hash) and near (dHash Hamming distance <=
 * threshold) duplicate images (cat-dedup.c). CX_ENOTFOUND when no image of
 * the catalogue has hashes (built without --hash-images). */
int cx_cat_dedup(struct cx_cat *cat, int threshold, int json, struct cx_buf *out,
		 struct cx_error *err);
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
	/* To read the images: the release path (a folder or one archive) and,
	 * parallel to images, each one's archive inside the release ("" for a
	 * plain file, or for a member of a release that is itself one archive)
	 * and its path (inside that archive, or relative to the folder). */
	const char *release;
	const char *const *archives, *const *paths;
};
typedef int (*cx_sample_fn)(void *ctx, const struct cx_sample_item *item, struct cx_error *err);
/* Returns the number of instances visited, or a negative code. No instance
 * matching the task is not an error (0). */
long cx_cat_sample(struct cx_cat *cat, const struct cx_sample_query *q, cx_sample_fn fn, void *ctx,
		   struct cx_error *err);
/* Calls fn for every instance matching q's task (a substring; "" for all),
 * dataset and split, in task, dataset and instance order; q's n and seed are
 * not used. Returns the number visited, or a negative code. */
long cx_cat_each_instance(struct cx_cat *cat, const struct cx_sample_query *q, cx_sample_fn fn,
			  void *ctx, struct cx_error *err);
/* The build seed (build --seed, meta 'seed': the last build's) that ordered
 * pairs and negatives; CX_ENOTFOUND when nothing was built. */
int cx_cat_build_seed(struct cx_cat *cat, uint64_t *seed, struct cx_error *err);

/* --- sharding (cat-shard.c) ---
 * What `chexinstruct shard` reads, and the plan of a run: a SQLite file in
 * the output folder attached to the catalogue (its tables: cat-shard.c).
 * Splits are ranked train 0 < val 1 < test 2. */

const char *cx_rank_name(int rank);
int cx_rank_of(const char *name); /* -1 for an unknown name */

/* A task-dataset entry with its instance counts per split. */
struct cx_shard_entry {
	int64_t id;
	char *name;          /* "[Image Classification] [MIMIC-CXR]" */
	char *task, *dataset, *source, *capability;
	int held_out;
	int64_t instances[3]; /* train, val, test */
};
int cx_cat_shard_entries(struct cx_cat *cat, struct cx_shard_entry **out, size_t *n,
			 struct cx_error *err);
void cx_cat_shard_entries_free(struct cx_shard_entry *v, size_t n);
/* Records where the source being built was read (cat-release.c): the
 * release's absolute path and the folder build runs in, into its dataset
 * row (inside the source's transaction, after cx_cat_begin_source). */
int cx_cat_set_release_place(struct cx_cat *cat, const char *source, const char *release,
			     struct cx_error *err);
/* A source's build stamp (build/stamp.c), kept in meta as 'stamp:SOURCE'
 * (meta is not in the content fingerprint): set inside the source's
 * transaction; read back as a new string, or NULL when none is recorded. */
int cx_cat_set_stamp(struct cx_cat *cat, const char *source, const char *stamp,
		     struct cx_error *err);
int cx_cat_stamp(struct cx_cat *cat, const char *source, char **out, struct cx_error *err);
/* Every source of the catalogue with the absolute path of its release, in
 * source order (cat-release.c); free with cx_cat_places_free. */
struct cx_cat_place {
	char *source, *release_path;
};
int cx_cat_places(struct cx_cat *cat, struct cx_cat_place **out, size_t *n, struct cx_error *err);
void cx_cat_places_free(struct cx_cat_place *v, size_t n);
/* The terms each source is released under, as its adapter declares them
 * (dataset.license, access), in source order (cat-release.c). */
struct cx_source_terms {
	char *source, *dataset, *versions, *license, *access;
};
int cx_cat_source_terms(struct cx_cat *cat, struct cx_source_terms **out, size_t *n,
			struct cx_error *err);
void cx_cat_source_terms_free(struct cx_source_terms *v, size_t n);
/* Leaves an entry's instances of the target split out of the plan under
 * reason (shard --access; cat-release.c). */
int cx_plan_restrict(struct cx_cat *cat, int target, int64_t entry, const char *reason,
		     struct cx_error *err);
/* Then marks the images only restricted instances show as not needed. */
int cx_plan_restrict_images(struct cx_cat *cat, int target, const char *reason,
			    struct cx_error *err);
/* Whether any image has a pixel hash (the catalogue was built with
 * --hash-images). */
int cx_cat_hashed_images(struct cx_cat *cat, int *yes, struct cx_error *err);
/* XXH3-64 of a canonical dump of the catalogue's content (cat-fingerprint.c). */
int cx_cat_fingerprint(struct cx_cat *cat, uint64_t *out, struct cx_error *err);

/* Creates the plan at path: the instances of the target split and of the
 * stricter ones, each with its pick rank under seed, the images they show;
 * the target split's instances of the excluded entries are removed as
 * 'held-out'. */
int cx_plan_begin(struct cx_cat *cat, const char *path, int target, uint64_t seed,
		  const int64_t *excluded, size_t nexcluded, struct cx_error *err);
int cx_plan_commit(struct cx_cat *cat, struct cx_error *err);
/* Commits, finalizes and detaches the plan (the caller removes the file). */
void cx_plan_end(struct cx_cat *cat);

/* The images of the plan, grouped by release and archive ("" for files of a
 * folder release, or members of a release that is one archive). */
typedef int (*cx_plan_group_fn)(void *ctx, const char *release, const char *archive,
				struct cx_error *err);
int cx_plan_image_groups(struct cx_cat *cat, cx_plan_group_fn fn, void *ctx,
			 struct cx_error *err);
/* need: 1 when the split written shows the image (its bytes are wanted). */
typedef int (*cx_plan_image_fn)(void *ctx, int64_t id, const char *path, int need,
				struct cx_error *err);
int cx_plan_group_images(struct cx_cat *cat, const char *release, const char *archive,
			 cx_plan_image_fn fn, void *ctx, struct cx_error *err);
/* 1 when (release, archive, path) is an image of the plan. */
int cx_plan_image_find(struct cx_cat *cat, const char *release, const char *archive,
		       const char *path, int64_t *id, int *need);
/* Records an image's content hash and where its bytes were staged (soff -1:
 * not staged, read from the release). An image never set counts as
 * unreadable. */
int cx_plan_image_set(struct cx_cat *cat, int64_t id, uint64_t hash, int64_t soff, int64_t slen,
		      struct cx_error *err);

/* Removes target-split instances showing an image (by content hash), study
 * or patient that a stricter split has, as far as their entry's policy asks
 * (cx_plan_policy; the rest keep the leak they carry counted), and those
 * with an unreadable image. */
int cx_plan_hygiene(struct cx_cat *cat, int target, struct cx_error *err);
/* An entry's hygiene policy: 0 the release's split (no check), 1 image
 * content, 2 image or study, 3 image, study or patient (the default). */
int cx_plan_policy(struct cx_cat *cat, int target, int64_t entry, int level,
		   struct cx_error *err);
/* Appends "reason": count of the leaks an entry's kept instances carry
 * (JSON members, comma-separated) and their number. */
int cx_plan_leaks(struct cx_cat *cat, int target, int64_t entry, struct cx_buf *out,
		  int64_t *n, struct cx_error *err);
/* Removes image-only instances of one entry showing the same image contents
 * and asking the same thing as one with a smaller key. */
int cx_plan_dedup_images(struct cx_cat *cat, int target, struct cx_error *err);

/* Calls fn for every kept instance of the target split, in instance order. */
struct cx_plan_view {
	int64_t id, entry_id;
	const struct cx_instance_view *view;
	const char *const *images;    /* release references, as sample shows them */
	size_t nimages;
	const char *entry;            /* "[Task title] [Dataset]" */
	const char *capability;
	const char *study, *patient;  /* namespaced, or NULL */
	uint64_t sig;                 /* XXH3 of the image content hashes */
	int repeat;                   /* cx_plan_each_repeat: the copy (1, 2, ...) */
};
typedef int (*cx_plan_view_fn)(void *ctx, const struct cx_plan_view *v, struct cx_error *err);
int cx_plan_each_view(struct cx_cat *cat, int target, cx_plan_view_fn fn, void *ctx,
		      struct cx_error *err);
/* Calls fn for every copy after the first of the output's upsampled
 * instances (plan.out repeat > 0), and stores such a copy's own rendering. */
int cx_plan_each_repeat(struct cx_cat *cat, int target, cx_plan_view_fn fn, void *ctx,
			struct cx_error *err);
int cx_plan_set_repeat(struct cx_cat *cat, int64_t id, int rep, const char *instruction,
		       const char *answer, const char *meta, struct cx_error *err);
/* Stores an instance's rendering; dup is its duplicate-record key. */
int cx_plan_set_render(struct cx_cat *cat, int64_t id, uint64_t dup, const char *instruction,
		       const char *answer, const char *meta, struct cx_error *err);
/* Removes one instance with a reason (e.g. it could not be rendered). */
int cx_plan_mark(struct cx_cat *cat, int64_t id, const char *reason, struct cx_error *err);
/* Removes rendered records equal to one of a smaller (entry, key). */
int cx_plan_dedup_records(struct cx_cat *cat, int target, struct cx_error *err);

int cx_plan_available(struct cx_cat *cat, int target, int64_t entry, int64_t *n,
		      struct cx_error *err);
/* A mix's label rules (shard/mix.h): how many kept instances of an entry give
 * the label as 1; keep the first `keep` of them in pick order (after
 * cx_plan_rank) and leave the rest out; how many of them the output holds. */
int cx_plan_label_count(struct cx_cat *cat, int target, int64_t entry, const char *label,
			int64_t *n, struct cx_error *err);
int cx_plan_label_keep(struct cx_cat *cat, int target, int64_t entry, const char *label,
		       int64_t keep, struct cx_error *err);
int cx_plan_label_records(struct cx_cat *cat, int target, int64_t entry, const char *label,
			  int64_t *n, struct cx_error *err);
/* Indexes the kept instances by entry and pick rank (given by
 * cx_plan_begin), for the selection. */
int cx_plan_rank(struct cx_cat *cat, struct cx_error *err);
/* Puts n records of the entry (avail kept instances) into the output. */
int cx_plan_select(struct cx_cat *cat, int target, int64_t entry, int64_t n, int64_t avail,
		   uint64_t seed, struct cx_error *err);

struct cx_plan_image {
	char *release, *archive, *path;
	int64_t soff, slen;           /* staged bytes, or soff -1 */
};
struct cx_plan_record {
	uint64_t index;
	int repeat;
	const char *instruction, *answer, *meta; /* meta: the object without "repeat" */
	const struct cx_plan_image *images;
	size_t nimages;
};
typedef int (*cx_plan_record_fn)(void *ctx, const struct cx_plan_record *r,
				 struct cx_error *err);
/* The output records in their final (shuffled) order. */
int cx_plan_each_record(struct cx_cat *cat, cx_plan_record_fn fn, void *ctx,
			struct cx_error *err);
/* After the selection: every image the output's records show, once, in id
 * order; where an image's new bytes were staged; an image that cannot be
 * written takes its instances out of the output (reason image-unreadable). */
typedef int (*cx_plan_out_image_fn)(void *ctx, int64_t id, const struct cx_plan_image *im,
				    struct cx_error *err);
int cx_plan_out_images(struct cx_cat *cat, cx_plan_out_image_fn fn, void *ctx,
		       struct cx_error *err);
int cx_plan_image_staged(struct cx_cat *cat, int64_t id, int64_t soff, int64_t slen,
			 struct cx_error *err);
int cx_plan_drop_image(struct cx_cat *cat, int target, int64_t id, struct cx_error *err);
/* Per entry (in entry id order): first (records 0) its instances in the
 * split and how many were removed, then (records 1) its output records;
 * entries with none are not called. */
typedef int (*cx_plan_tally_fn)(void *ctx, int64_t entry, int records, int64_t n,
				int64_t removed);
int cx_plan_tally(struct cx_cat *cat, int target, cx_plan_tally_fn fn, void *ctx,
		  struct cx_error *err);
/* For progress: images of the plan, images and records of the output. */
uint64_t cx_plan_image_count(struct cx_cat *cat);
uint64_t cx_plan_out_image_count(struct cx_cat *cat);
uint64_t cx_plan_out_count(struct cx_cat *cat);
/* A dry run: image contents from the catalogue (pixel hash) or the image's
 * place, without reading a byte. */
int cx_plan_image_ids(struct cx_cat *cat, struct cx_error *err);
/* A dry run without the plan (cat-dry.c): the same counts from reads of the
 * catalogue and one pass over the split's instances. The reasons an
 * instance of the split is removed, or (kept under a looser hygiene policy)
 * the leak it carries, as the plan names them (cx_dry_reason_name). */
enum cx_dry_reason {
	CX_DRY_HELD_OUT, CX_DRY_CREDENTIALED, CX_DRY_IMAGE_IN_VAL, CX_DRY_IMAGE_IN_TEST,
	CX_DRY_STUDY_IN_VAL, CX_DRY_STUDY_IN_TEST, CX_DRY_PATIENT_IN_VAL,
	CX_DRY_PATIENT_IN_TEST, CX_DRY_DUPLICATE_IMAGE, CX_DRY_NREASONS
};
const char *cx_dry_reason_name(int reason);

struct cx_dry_entry {
	int64_t id;
	int excluded;    /* in: held out of the split (cx_plan_begin's excluded) */
	int restricted;  /* in: left out by --access (cx_plan_restrict) */
	int policy;      /* in: hygiene level 0-3 (cx_plan_policy) */
	int64_t instances, removed, avail;  /* out: as cx_plan_tally and cx_plan_available */
	int64_t leaks[CX_DRY_NREASONS];     /* out: as cx_plan_leaks */
};

/* Per reason: instances removed, and the smallest id among them (-1: none),
 * which orders the reasons as cx_plan_each_removed meets them. */
struct cx_dry_removed {
	int64_t count[CX_DRY_NREASONS];
	int64_t first[CX_DRY_NREASONS];
};

/* Counts the split `target` for e[] (n entries, by id) into *out: returns
 * 0, a negative CX_E* code, or 1 when the catalogue's ids are too sparse
 * for it (then the plan must be built); *out is freed by cx_plan_dry_free
 * in every case. No plan may be attached. A mix's label rules then apply
 * in order, as cx_plan_label_count and cx_plan_label_keep; last,
 * cx_plan_dry_tally fills e[] and rm. */
struct cx_dry;
int cx_plan_dry_begin(struct cx_cat *cat, int target, struct cx_dry_entry *e, size_t n,
		      struct cx_dry **out, struct cx_error *err);
int cx_plan_dry_label_count(struct cx_dry *d, int64_t entry, const char *label, uint64_t seed,
			    int64_t *n, struct cx_error *err);
void cx_plan_dry_label_keep(struct cx_dry *d, int64_t keep);
void cx_plan_dry_tally(struct cx_dry *d, struct cx_dry_removed *rm);
void cx_plan_dry_free(struct cx_dry *d);

/* {"task": {...}, "dataset": {...}, "entry": {...}} of the output. */
int cx_plan_counts(struct cx_cat *cat, struct cx_buf *out, struct cx_error *err);

struct cx_plan_removed {
	const char *entry, *key, *reason, *study, *patient;
	const char *other_entry, *other_key, *other_split; /* what caused it, or NULL */
};
typedef int (*cx_plan_removed_fn)(void *ctx, const struct cx_plan_removed *r,
				  struct cx_error *err);
int cx_plan_each_removed(struct cx_cat *cat, int target, cx_plan_removed_fn fn, void *ctx,
			 struct cx_error *err);

#endif

/*
 * cat-write.c - the build's write path: one transaction per source, the row
 * accounting of adapter.h, and every fact written once, complete.
 *
 * A row's facts are copied into a queue as the adapter hands them on and
 * written only at the row's accounting call: kept writes them with their
 * provenance (file and line) in the same INSERT; rejected and filtered drop
 * them, so nothing is written and taken back. Labels of an image or study
 * the same row inserts go into that insert. A fact the catalogue can only
 * refuse while writing (an unknown key, a duplicate) turns the kept row into
 * a rejected one with the refusal as its reason, and what the row had
 * written is deleted again (studies stay: other rows share them).
 *
 * Kinds other than images, studies and labels are written by one INSERT made
 * from their entry in cx_fact_kinds[] (adapters/facts.c): a column per
 * member, a reference as the row id of the key it names, a list as JSON.
 */
#include "cx.h"

#include <time.h>

#include "catalogue/cat-internal.h"
#include "io/release.h"

static const char *const sql_text[ST_COUNT] = {
	/* A new study is one plain insert; only a study seen before goes through
	 * the upsert, whose RETURNING costs SQLite a temporary table per call. */
	[ST_STUDY_INSERT] =
		"INSERT INTO study(dataset_id, key, patient, split, hrank, labels, src_file,"
		" src_line) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(dataset_id, key) DO NOTHING",
	[ST_STUDY_UPSERT] =
		"INSERT INTO study(dataset_id, key, patient, split, hrank, labels, src_file,"
		" src_line) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) "
		"ON CONFLICT(dataset_id, key) DO UPDATE SET "
		"patient = COALESCE(excluded.patient, study.patient), "
		/* a study seen in two splits takes the stricter one: test, val, train */
		"split = CASE WHEN instr('-train-val-test', excluded.split) > "
		"instr('-train-val-test', study.split) AND excluded.split <> '' "
		"THEN excluded.split ELSE study.split END, "
		"labels = COALESCE(excluded.labels, study.labels), "
		/* the first kept row that names the study is its provenance */
		"src_line = CASE WHEN study.src_file IS NULL THEN excluded.src_line"
		" ELSE study.src_line END, "
		"src_file = COALESCE(study.src_file, excluded.src_file) RETURNING id",
	[ST_IMAGE_INSERT] =
		"INSERT INTO image(dataset_id, key, study_id, archive, path, view, patient, split,"
		" sex, age, race, width, height, hrank, labels, src_file, src_line) "
		"VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
	[ST_IMAGE_UPDATE] =
		"UPDATE image SET view = COALESCE(?1, view), patient = COALESCE(?2, patient),"
		/* the stricter split, as a study keeps it: a borrowed MIMIC-CXR test
		 * image stays test when a later row of the borrower says train */
		" split = CASE WHEN instr('-train-val-test', ?3) > instr('-train-val-test', split)"
		" THEN ?3 ELSE split END, sex = COALESCE(?4, sex), age = COALESCE(?5, age),"
		" race = COALESCE(?6, race), width = COALESCE(?7, width),"
		" height = COALESCE(?8, height) WHERE dataset_id = ?9 AND key = ?10",
	[ST_STUDY_LABELS] = "UPDATE study SET labels = ?1 WHERE dataset_id = ?2 AND key = ?3",
	[ST_IMAGE_LABELS] = "UPDATE image SET labels = ?1 WHERE dataset_id = ?2 AND key = ?3",
	[ST_REJECT] = "INSERT INTO reject(dataset_id, file, line, reason) VALUES (?1, ?2, ?3, ?4)",
};

/* --- The row queue: copies of the facts in one arena, reset per row ------- */

struct queued {
	const struct cx_fact_kind *k;
	void *fact;            /* a deep copy in the arena */
	const char *archive;   /* images: where the file is (cx_release_where) */
	const char *path;
	const char *labels;    /* labels JSON taken into this image's or study's insert */
	int merged;            /* a labels fact written by its target's insert */
};

/* A row id inserted by the current flush, deleted again if the row fails. */
struct written {
	const char *table;
	sqlite3_int64 rowid;
};

/* The last key looked up (or inserted) per kind: rows name one image or
 * study several times (a question and its image, boxes of one image). */
struct last_key {
	struct cx_buf key;
	sqlite3_int64 id;
};

struct fact_queue {
	char *arena;
	size_t used, cap;
	char **spill;          /* blocks of a row that outgrew the arena */
	size_t nspill;
	struct queued *q;
	size_t n, capq;
	struct written *w;
	size_t nw, capw;
	sqlite3_stmt *insert[CX_FACT_COUNT];
	sqlite3_stmt *lookup[CX_FACT_COUNT];
	sqlite3_stmt *borrow, *copy; /* a borrowing source's image copies */
	struct last_key last[CX_FACT_COUNT];
	struct cx_buf json;
};

static struct fact_queue *queue_of(struct cx_cat *cat)
{
	if (!cat->queue) {
		cat->queue = cx_calloc(1, sizeof(*cat->queue));
		cat->queue->cap = 64 * 1024;
		cat->queue->arena = cx_malloc(cat->queue->cap);
	}
	return cat->queue;
}

static void *arena_alloc(struct fact_queue *fq, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (fq->used + n <= fq->cap) {
		void *p = fq->arena + fq->used;
		fq->used += n;
		return p;
	}
	/* Earlier copies point into the arena, so it cannot move: spill. */
	fq->spill = cx_realloc(fq->spill, (fq->nspill + 1) * sizeof(*fq->spill));
	return fq->spill[fq->nspill++] = cx_malloc(n);
}

static const char *arena_str(struct fact_queue *fq, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	return memcpy(arena_alloc(fq, n), s, n);
}

static void *arena_copy(struct fact_queue *fq, const void *p, size_t n)
{
	return n ? memcpy(arena_alloc(fq, n), p, n) : NULL;
}

/* Forgets the row's facts. A row that spilled grows the arena for the next. */
static void queue_reset(struct fact_queue *fq)
{
	if (fq->nspill) {
		for (size_t i = 0; i < fq->nspill; i++)
			free(fq->spill[i]);
		free(fq->spill);
		fq->spill = NULL;
		fq->nspill = 0;
		fq->cap *= 2;
		free(fq->arena);
		fq->arena = cx_malloc(fq->cap);
	}
	fq->used = 0;
	fq->n = 0;
}

static const char **copy_texts(struct fact_queue *fq, const char *const *v, size_t n)
{
	const char **c = arena_alloc(fq, n * sizeof(*c));
	for (size_t i = 0; i < n; i++)
		c[i] = arena_str(fq, v[i]);
	return c;
}

/* Copies a list member (and the strings it points to) into the arena. */
static void copy_list(struct fact_queue *fq, const struct cx_fact_col *c, char *fact)
{
	void **slot = (void **)(fact + c->off);
	size_t n = *(size_t *)(fact + c->count_off);
	if (!*slot || !n)
		return;
	switch (c->type) {
	case CX_COL_TEXTS:
		*slot = copy_texts(fq, *slot, n);
		break;
	case CX_COL_LABELS: {
		struct cx_label *v = arena_copy(fq, *slot, n * sizeof(*v));
		for (size_t i = 0; i < n; i++)
			v[i].name = arena_str(fq, v[i].name);
		*slot = v;
		break;
	}
	case CX_COL_SECTIONS: {
		struct cx_section *v = arena_copy(fq, *slot, n * sizeof(*v));
		for (size_t i = 0; i < n; i++) {
			v[i].name = arena_str(fq, v[i].name);
			v[i].text = arena_str(fq, v[i].text);
		}
		*slot = v;
		break;
	}
	case CX_COL_RELATIONS: {
		struct cx_relation *v = arena_copy(fq, *slot, n * sizeof(*v));
		for (size_t i = 0; i < n; i++) {
			v[i].type = arena_str(fq, v[i].type);
			v[i].target = arena_str(fq, v[i].target);
		}
		*slot = v;
		break;
	}
	case CX_COL_TURNS: {
		struct cx_qa_turn *v = arena_copy(fq, *slot, n * sizeof(*v));
		for (size_t i = 0; i < n; i++) {
			v[i].question = arena_str(fq, v[i].question);
			v[i].answers = v[i].nanswers ? copy_texts(fq, v[i].answers, v[i].nanswers)
						     : NULL;
		}
		*slot = v;
		break;
	}
	case CX_COL_COUNTS:
		*slot = arena_copy(fq, *slot, n * sizeof(struct cx_error_count));
		break;
	default:
		break;
	}
}

static struct queued *enqueue(struct fact_queue *fq, const struct cx_fact_kind *k,
			      const void *fact)
{
	char *c = arena_copy(fq, fact, k->size);
	for (size_t i = 0; i < k->ncols; i++) {
		const struct cx_fact_col *col = &k->cols[i];
		if (col->type == CX_COL_TEXT) {
			const char **s = (const char **)(c + col->off);
			*s = arena_str(fq, *s);
		} else if (col->type >= CX_COL_TEXTS) {
			copy_list(fq, col, c);
		}
	}
	if (fq->n == fq->capq) {
		fq->capq = fq->capq ? fq->capq * 2 : 16;
		fq->q = cx_realloc(fq->q, fq->capq * sizeof(*fq->q));
	}
	struct queued *e = &fq->q[fq->n++];
	*e = (struct queued){k, c, NULL, NULL, NULL, 0};
	return e;
}

/* --- Writing ------------------------------------------------------------- */

/* Steps a write statement; 0 or CX_EDB with SQLite's message in err. */
static int step(struct cx_cat *cat, sqlite3_stmt *st, struct cx_error *err)
{
	int rc = sqlite3_step(st);
	int ext = sqlite3_extended_errcode(cat->db);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return cx_error_set(err, CX_EFORMAT, "duplicate key");
	return cat_db_error(cat, err, "write");
}

static void wrote(struct fact_queue *fq, const char *table, sqlite3_int64 rowid)
{
	if (fq->nw == fq->capw) {
		fq->capw = fq->capw ? fq->capw * 2 : 8;
		fq->w = cx_realloc(fq->w, fq->capw * sizeof(*fq->w));
	}
	fq->w[fq->nw++] = (struct written){table, rowid};
}

static void remember_key(struct fact_queue *fq, enum cx_fact_id kind, const char *key,
			 sqlite3_int64 id)
{
	cx_buf_reset(&fq->last[kind].key);
	cx_buf_adds(&fq->last[kind].key, key);
	fq->last[kind].id = id;
}

/* As cat_bind_text (NULL or "" as NULL), without SQLite's copy: the texts
 * bound on the write path live in the row's arena (or the fact, or a row of
 * another statement) until the statement has run, and every use binds all
 * of its parameters again. */
static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s && s[0])
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static uint64_t rank_of(struct cx_cat *cat, const char *key)
{
	return cx_hash_str(key, cat->opts.seed);
}

/* Same order as the upsert's CASE: a study takes the strictest split seen. */
static int split_rank(enum cx_split s)
{
	return s == CX_SPLIT_TEST ? 3 : s == CX_SPLIT_VAL ? 2 : s == CX_SPLIT_TRAIN ? 1 : 0;
}

/* 1 when upserting (key, patient, split) would leave the last study as it is. */
static int same_as_last_study(struct cx_cat *cat, const char *key, const char *patient,
			      enum cx_split split)
{
	return cat->last_study_id && !strcmp(cx_buf_str(&cat->last_study), key) &&
	       (!patient || !patient[0] || !strcmp(cx_buf_str(&cat->last_patient), patient)) &&
	       split_rank(split) <= cat->last_split;
}

static void note_last_study(struct cx_cat *cat, const char *key, const char *patient,
			    enum cx_split split, sqlite3_int64 id)
{
	/* What the row now holds: the stricter split, the newest non-empty patient. */
	if (cat->last_study_id != id || strcmp(cx_buf_str(&cat->last_study), key)) {
		cx_buf_reset(&cat->last_study);
		cx_buf_adds(&cat->last_study, key);
		cx_buf_reset(&cat->last_patient);
		cat->last_split = 0;
	}
	if (patient && patient[0]) {
		cx_buf_reset(&cat->last_patient);
		cx_buf_adds(&cat->last_patient, patient);
	}
	if (split_rank(split) > cat->last_split)
		cat->last_split = split_rank(split);
	cat->last_study_id = id;
}

static int upsert_study(struct cx_cat *cat, const struct cx_study_fact *f, const char *labels,
			const struct cx_where *w, sqlite3_int64 *id, struct cx_error *err)
{
	if (!labels && same_as_last_study(cat, f->key, f->patient, f->split)) {
		*id = cat->last_study_id;
		return 0;
	}
	int rc = SQLITE_DONE;
	*id = 0;
	for (int which = ST_STUDY_INSERT; which <= ST_STUDY_UPSERT && !*id; which++) {
		sqlite3_stmt *st = cat->st[which];
		sqlite3_bind_int64(st, 1, cat->dataset_id);
		sqlite3_bind_text(st, 2, f->key, -1, SQLITE_STATIC);
		bind_text(st, 3, f->patient);
		sqlite3_bind_text(st, 4, cx_split_name(f->split), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)rank_of(cat, f->key));
		bind_text(st, 6, labels);
		sqlite3_bind_text(st, 7, w->file, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, w->line);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*id = sqlite3_column_int64(st, 0);
		else if (rc == SQLITE_DONE && which == ST_STUDY_INSERT && sqlite3_changes(cat->db))
			*id = sqlite3_last_insert_rowid(cat->db);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			break;
	}
	if (!*id)
		return cat_db_error(cat, err, "study");
	note_last_study(cat, f->key, f->patient, f->split, *id);
	remember_key(cat->queue, CX_FACT_STUDY, f->key, *id);
	return 0;
}

static void bind_int_or_null(sqlite3_stmt *st, int i, int v)
{
	if (v >= 0)
		sqlite3_bind_int(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static int image_update(struct cx_cat *cat, const struct cx_image_fact *f, struct cx_error *err)
{
	sqlite3_stmt *st = cat->st[ST_IMAGE_UPDATE];
	bind_text(st, 1, f->view);
	bind_text(st, 2, f->patient);
	bind_text(st, 3, f->split ? cx_split_name(f->split) : NULL);
	bind_text(st, 4, f->sex);
	bind_int_or_null(st, 5, f->age);
	bind_text(st, 6, f->race);
	bind_int_or_null(st, 7, f->width);
	bind_int_or_null(st, 8, f->height);
	sqlite3_bind_int64(st, 9, cat->dataset_id);
	sqlite3_bind_text(st, 10, f->key, -1, SQLITE_STATIC);
	if (step(cat, st, err))
		return err->code;
	if (sqlite3_changes(cat->db) == 0)
		return cx_error_set(err, CX_ENOTFOUND, "unknown image '%s'", f->key);
	return 0;
}

/*
 * A borrowing source (its id_space names another source, the lender, which
 * it requires) has no image files of its own: an image fact without a path
 * whose key it has not written yet copies the lender's image of that key
 * into the borrower's dataset (file, size, view, patient, and the lender's
 * study by key), so that its labels and pairs have an image row of their
 * own while the file stays the lender's (read from the lender's release:
 * dataset.image_source). The split is the lender's, or the fact's when that is
 * stricter: a MIMIC val/test image stays val/test through a borrower. A key
 * the lender lacks, or a study or patient the fact names that is not the
 * lender's, is refused, also when an earlier row borrowed the image already
 * (the fact then updates the copy, as an image fact without a path does).
 */
enum { B_ARCHIVE, B_PATH, B_PATIENT, B_SPLIT, B_STUDY };

static enum cx_split split_parse(const char *s)
{
	return !strcmp(s, "test") ? CX_SPLIT_TEST : !strcmp(s, "val") ? CX_SPLIT_VAL
	       : !strcmp(s, "train") ? CX_SPLIT_TRAIN : CX_SPLIT_NONE;
}

static int borrow_check(const struct cx_cat *cat, const struct cx_image_fact *f,
			sqlite3_stmt *st, struct cx_error *err)
{
	const char *lender = cat->adapter->id_space;
	const char *study = (const char *)sqlite3_column_text(st, B_STUDY);
	const char *patient = (const char *)sqlite3_column_text(st, B_PATIENT);
	if (f->study && f->study[0] && (!study || strcmp(study, f->study)))
		return cx_error_set(err, CX_EFORMAT, "image '%s' is in study '%s' in %s, not '%s'",
				    f->key, study ? study : "", lender, f->study);
	if (f->patient && f->patient[0] && (!patient || strcmp(patient, f->patient)))
		return cx_error_set(err, CX_EFORMAT, "image '%s' is of patient '%s' in %s, not '%s'",
				    f->key, patient ? patient : "", lender, f->patient);
	return 0;
}

static int borrow_image(struct cx_cat *cat, const struct cx_image_fact *f,
			const struct cx_where *w, struct cx_error *err)
{
	struct fact_queue *fq = cat->queue;
	if (!fq->borrow && cat_prepare(cat, "SELECT i.archive, i.path, i.patient, i.split, s.key"
				       " FROM image i LEFT JOIN study s ON s.id = i.study_id"
				       " WHERE i.dataset_id = ?1 AND i.key = ?2", &fq->borrow, err))
		return CX_EDB;
	if (!fq->copy && cat_prepare(cat, "INSERT INTO image(dataset_id, key, study_id, archive,"
				     " path, width, height, bit_depth, view, patient, split, sex, age,"
				     " race, hrank, src_file, src_line) SELECT ?1, key, ?3, archive,"
				     " path, width, height, bit_depth, view, patient, ?4, sex, age,"
				     " race, ?5, ?6, ?7 FROM image WHERE dataset_id = ?8 AND key = ?2",
				     &fq->copy, err))
		return CX_EDB;
	sqlite3_stmt *st = fq->borrow;
	sqlite3_bind_int64(st, 1, cat->lender_id);
	sqlite3_bind_text(st, 2, f->key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return cx_error_set(err, CX_ENOTFOUND, "image '%s' is not in %s", f->key,
				    cat->adapter->id_space);
	}
	int rc = borrow_check(cat, f, st, err);
	if (!rc) {
		/* borrowed by an earlier row: the row names it again */
		rc = image_update(cat, f, err);
		if (rc != CX_ENOTFOUND) {
			sqlite3_reset(st);
			return rc;
		}
		rc = 0;
	}
	enum cx_split split = split_parse((const char *)sqlite3_column_text(st, B_SPLIT));
	if (split_rank(f->split) > split_rank(split))
		split = f->split;
	sqlite3_int64 study = 0;
	if (!rc && sqlite3_column_type(st, B_STUDY) != SQLITE_NULL) {
		struct cx_study_fact sf = {(const char *)sqlite3_column_text(st, B_STUDY),
					   (const char *)sqlite3_column_text(st, B_PATIENT), split};
		rc = upsert_study(cat, &sf, NULL, w, &study, err);
	}
	sqlite3_reset(st);
	if (rc)
		return rc;
	st = fq->copy;
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, f->key, -1, SQLITE_STATIC);
	if (study)
		sqlite3_bind_int64(st, 3, study);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, cx_split_name(split), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)rank_of(cat, f->key));
	sqlite3_bind_text(st, 6, w->file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, w->line);
	sqlite3_bind_int64(st, 8, cat->lender_id);
	if (step(cat, st, err))
		return err->code;
	sqlite3_int64 id = sqlite3_last_insert_rowid(cat->db);
	wrote(fq, "image", id);
	remember_key(fq, CX_FACT_IMAGE, f->key, id);
	cat->n.images++;
	return 0;
}

static int write_image(struct cx_cat *cat, const struct queued *e, const struct cx_where *w,
		       struct cx_error *err)
{
	const struct cx_image_fact *f = e->fact;
	if (!f->path)
		return cat->lender_id ? borrow_image(cat, f, w, err) : image_update(cat, f, err);
	sqlite3_int64 study = 0;
	struct cx_study_fact sf = {f->study, f->patient, f->split};
	if (f->study && upsert_study(cat, &sf, NULL, w, &study, err))
		return err->code;
	sqlite3_stmt *st = cat->st[ST_IMAGE_INSERT];
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, f->key, -1, SQLITE_STATIC);
	if (study)
		sqlite3_bind_int64(st, 3, study);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, e->archive, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->path, -1, SQLITE_STATIC);
	bind_text(st, 6, f->view);
	bind_text(st, 7, f->patient);
	sqlite3_bind_text(st, 8, cx_split_name(f->split), -1, SQLITE_STATIC);
	bind_text(st, 9, f->sex);
	bind_int_or_null(st, 10, f->age);
	bind_text(st, 11, f->race);
	bind_int_or_null(st, 12, f->width);
	bind_int_or_null(st, 13, f->height);
	sqlite3_bind_int64(st, 14, (sqlite3_int64)rank_of(cat, f->key));
	bind_text(st, 15, e->labels);
	sqlite3_bind_text(st, 16, w->file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 17, w->line);
	if (step(cat, st, err))
		return err->code == CX_EFORMAT
			       ? cx_error_set(err, CX_EFORMAT, "duplicate image key '%s'", f->key)
			       : err->code;
	sqlite3_int64 id = sqlite3_last_insert_rowid(cat->db);
	wrote(cat->queue, "image", id);
	remember_key(cat->queue, CX_FACT_IMAGE, f->key, id);
	cat->n.images++;
	return 0;
}

static void labels_json(const struct cx_labels_fact *f, struct cx_buf *j)
{
	const struct cx_fact_col *c = &CX_FACT(LABELS)->cols[2];
	cx_buf_reset(j);
	cx_fact_col_json(c, f, j);
}

static int write_labels(struct cx_cat *cat, const struct cx_labels_fact *f, struct cx_error *err)
{
	struct cx_buf *j = &cat->queue->json;
	labels_json(f, j);
	sqlite3_stmt *st = cat->st[f->on_study ? ST_STUDY_LABELS : ST_IMAGE_LABELS];
	sqlite3_bind_text(st, 1, j->data, (int)j->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cat->dataset_id);
	sqlite3_bind_text(st, 3, f->target, -1, SQLITE_STATIC);
	if (step(cat, st, err))
		return err->code;
	if (sqlite3_changes(cat->db) == 0)
		return cx_error_set(err, CX_ENOTFOUND, "labels of unknown %s '%s'",
				    f->on_study ? "study" : "image", f->target);
	return 0;
}

/* The row id of a key of kind ref, or CX_ENOTFOUND naming the fact and key. */
static int lookup(struct cx_cat *cat, const struct cx_fact_kind *k, enum cx_fact_id ref,
		  const char *key, sqlite3_int64 *id, struct cx_error *err)
{
	struct fact_queue *fq = cat->queue;
	if (fq->last[ref].id && !strcmp(cx_buf_str(&fq->last[ref].key), key)) {
		*id = fq->last[ref].id;
		return 0;
	}
	if (!fq->lookup[ref]) {
		struct cx_buf sql = CX_BUF_INIT;
		cx_buf_addf(&sql, "SELECT id FROM %s WHERE dataset_id = ?1 AND key = ?2",
			    cx_fact_kinds[ref].name);
		int rc = cat_prepare(cat, sql.data, &fq->lookup[ref], err);
		cx_buf_release(&sql);
		if (rc)
			return CX_EDB;
	}
	sqlite3_stmt *st = fq->lookup[ref];
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cat_db_error(cat, err, "lookup");
	if (!*id)
		return cx_error_set(err, CX_ENOTFOUND, "%s names an unknown %s '%s'", k->noun,
				    cx_fact_kinds[ref].name, key);
	remember_key(fq, ref, key, *id);
	return 0;
}

/* INSERT [OR REPLACE] INTO <kind>(dataset_id, <columns>, src_file, src_line). */
static int prepare_insert(struct cx_cat *cat, const struct cx_fact_kind *k, sqlite3_stmt **st,
			  struct cx_error *err)
{
	struct cx_buf sql = CX_BUF_INIT;
	cx_buf_addf(&sql, "INSERT %sINTO %s(dataset_id",
		    k->write == CX_WRITE_REPLACE ? "OR REPLACE " : "", k->name);
	for (size_t i = 0; i < k->ncols; i++)
		cx_buf_addf(&sql, ", %s%s", k->cols[i].name,
			    k->cols[i].ref != CX_FACT_COUNT ? "_id" : "");
	cx_buf_adds(&sql, ", src_file, src_line) VALUES (?1");
	for (size_t i = 0; i < k->ncols + 2; i++)
		cx_buf_addf(&sql, ", ?%zu", i + 2);
	cx_buf_addc(&sql, ')');
	int rc = cat_prepare(cat, sql.data, st, err);
	cx_buf_release(&sql);
	return rc ? CX_EDB : 0;
}

/* Binds one member as column i of the insert. The JSON of a list goes
 * through SQLITE_TRANSIENT: the buffer is reused by the next list. */
static int bind_col(struct cx_cat *cat, sqlite3_stmt *st, int i, const struct cx_fact_kind *k,
		    const struct cx_fact_col *c, const void *fact, struct cx_error *err)
{
	const char *m = (const char *)fact + c->off;
	switch (c->type) {
	case CX_COL_TEXT: {
		const char *s = *(const char *const *)m;
		sqlite3_int64 id;
		if (c->ref != CX_FACT_COUNT && s && s[0]) {
			if (lookup(cat, k, c->ref, s, &id, err))
				return err->code;
			sqlite3_bind_int64(st, i, id);
		} else if (c->ref != CX_FACT_COUNT && (c->flags & CX_COL_REQUIRED)) {
			return cx_error_set(err, CX_ENOTFOUND, "%s names an unknown %s ''", k->noun,
					    cx_fact_kinds[c->ref].name);
		} else if (c->ref != CX_FACT_COUNT) {
			sqlite3_bind_null(st, i);
		} else if (c->flags & CX_COL_REQUIRED) {
			sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
		} else {
			bind_text(st, i, s);
		}
		return 0;
	}
	case CX_COL_INT:
		sqlite3_bind_int(st, i, *(const int *)m);
		return 0;
	case CX_COL_LONG:
		sqlite3_bind_int64(st, i, *(const long *)m);
		return 0;
	case CX_COL_REAL:
		sqlite3_bind_double(st, i, *(const double *)m);
		return 0;
	case CX_COL_BOOL:
		sqlite3_bind_int(st, i, *(const int *)m ? 1 : 0);
		return 0;
	case CX_COL_SPLIT:
		sqlite3_bind_text(st, i, cx_split_name(*(const enum cx_split *)m), -1,
				  SQLITE_STATIC);
		return 0;
	default: {
		struct cx_buf *j = &cat->queue->json;
		cx_buf_reset(j);
		cx_fact_col_json(c, fact, j);
		sqlite3_bind_text(st, i, j->data, (int)j->len, SQLITE_TRANSIENT);
		return 0;
	}
	}
}

static const char *key_of(const struct cx_fact_kind *k, const void *fact)
{
	for (size_t i = 0; i < k->ncols; i++)
		if (k->cols[i].flags & CX_COL_KEY)
			return *(const char *const *)((const char *)fact + k->cols[i].off);
	return NULL;
}

static int write_row(struct cx_cat *cat, const struct cx_fact_kind *k, const void *fact,
		     const struct cx_where *w, struct cx_error *err)
{
	struct fact_queue *fq = cat->queue;
	if (!fq->insert[k->id] && prepare_insert(cat, k, &fq->insert[k->id], err))
		return CX_EDB;
	sqlite3_stmt *st = fq->insert[k->id];
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	for (size_t i = 0; i < k->ncols; i++)
		if (bind_col(cat, st, (int)i + 2, k, &k->cols[i], fact, err)) {
			sqlite3_clear_bindings(st);
			return err->code;
		}
	sqlite3_bind_text(st, (int)k->ncols + 2, w->file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, (int)k->ncols + 3, w->line);
	if (step(cat, st, err)) {
		const char *key = key_of(k, fact);
		if (err->code != CX_EFORMAT)
			return err->code;
		return key ? cx_error_set(err, CX_EFORMAT, "duplicate %s key '%s'", k->noun, key)
			   : cx_error_set(err, CX_EFORMAT, "duplicate %s", k->noun);
	}
	sqlite3_int64 id = sqlite3_last_insert_rowid(cat->db);
	wrote(fq, k->name, id);
	const char *key = key_of(k, fact);
	if (key)
		remember_key(fq, k->id, key, id);
	return 0;
}

static int write_one(struct cx_cat *cat, const struct queued *e, const struct cx_where *w,
		     struct cx_error *err)
{
	sqlite3_int64 id;
	switch (e->k->write) {
	case CX_WRITE_IMAGE:
		return write_image(cat, e, w, err);
	case CX_WRITE_STUDY:
		return upsert_study(cat, e->fact, e->labels, w, &id, err);
	case CX_WRITE_LABELS:
		return write_labels(cat, e->fact, err);
	default:
		return write_row(cat, e->k, e->fact, w, err);
	}
}

/*
 * Labels of an image or study inserted earlier in the same row go into that
 * insert (the last labels fact for a target wins, as it would by UPDATE);
 * others are written by UPDATE of a row that already exists.
 */
static void merge_labels(struct fact_queue *fq)
{
	for (size_t i = 0; i < fq->n; i++) {
		if (fq->q[i].k->id != CX_FACT_LABELS)
			continue;
		const struct cx_labels_fact *l = fq->q[i].fact;
		enum cx_fact_id want = l->on_study ? CX_FACT_STUDY : CX_FACT_IMAGE;
		for (size_t j = i; j-- > 0;) {
			struct queued *t = &fq->q[j];
			if (t->k->id != want || strcmp(*(const char *const *)t->fact, l->target))
				continue;
			if (want == CX_FACT_IMAGE && !((const struct cx_image_fact *)t->fact)->path)
				continue;
			labels_json(l, &fq->json);
			t->labels = arena_str(fq, cx_buf_str(&fq->json));
			fq->q[i].merged = 1;
			break;
		}
	}
}

/* Deletes what a failed flush wrote (studies stay: they are shared). */
static void take_back(struct cx_cat *cat)
{
	struct fact_queue *fq = cat->queue;
	for (size_t i = 0; i < fq->nw; i++) {
		char sql[96];
		sqlite3_stmt *st;
		snprintf(sql, sizeof sql, "DELETE FROM %s WHERE rowid = ?1", fq->w[i].table);
		if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_int64(st, 1, fq->w[i].rowid);
		sqlite3_step(st);
		sqlite3_finalize(st);
		if (!strcmp(fq->w[i].table, "image"))
			cat->n.images--;
	}
	for (int k = 0; k < CX_FACT_COUNT; k++)
		fq->last[k].id = 0;
	fq->nw = 0;
}

/* Writes the row's facts in the order they came. */
static int flush(struct cx_cat *cat, const struct cx_where *w, struct cx_error *err)
{
	struct fact_queue *fq = cat->queue;
	merge_labels(fq);
	fq->nw = 0;
	for (size_t i = 0; i < fq->n; i++) {
		if (fq->q[i].merged)
			continue;
		if (write_one(cat, &fq->q[i], w, err)) {
			take_back(cat);
			return err->code;
		}
	}
	return 0;
}

/* --- The sink -------------------------------------------------------------- */

/* Takes a copy of the fact. An image's file is looked for now: the adapter
 * rejects the row with the message, as for any fact refused here. */
static int on_fact(void *ctx, const struct cx_fact_kind *k, const void *fact,
		   struct cx_error *err)
{
	struct cx_cat *cat = ctx;
	struct fact_queue *fq = cat->queue;
	if (k->id == CX_FACT_IMAGE && ((const struct cx_image_fact *)fact)->path) {
		const char *path = ((const struct cx_image_fact *)fact)->path;
		/* Unchecked builds skip the file, not the name (find refuses it). */
		if (!cat->opts.check_images && !cx_release_name_problem(path, 0))
			cx_release_where_unchecked(cat->rel, path, &cat->a, &cat->b);
		else if (cx_release_find(cat->rel, "image file", path, &cat->a, &cat->b, err))
			return err->code;
		struct queued *e = enqueue(fq, k, fact);
		e->archive = arena_str(fq, cx_buf_str(&cat->a));
		e->path = arena_str(fq, cat->b.len ? cx_buf_str(&cat->b) : path);
		return 0;
	}
	enqueue(fq, k, fact);
	return 0;
}

/* Rows read are counted apart from their outcomes; cx_cat_end_source()
 * checks the sum. */
static void on_read(void *ctx, const struct cx_where *w)
{
	(void)w;
	struct cx_cat *cat = ctx;
	cat->n.read++;
	if (cat->progress && (cat->n.read & 0xFFFF) == 0)
		cat->progress(cat->payload, cat->adapter->id, &cat->n);
}

static void add_reject(struct cx_cat *cat, const struct cx_where *w, const char *reason)
{
	sqlite3_stmt *st = cat->st[ST_REJECT];
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, w->file, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, w->line);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_reset(st);
	cat->n.rejected++;
}

static void on_kept(void *ctx, const struct cx_where *w)
{
	struct cx_cat *cat = ctx;
	struct cx_error err = {0};
	int rc = flush(cat, w, &err);
	queue_reset(cat->queue);
	if (rc)
		add_reject(cat, w, err.msg);
	else
		cat->n.kept++;
}

static void on_reject(void *ctx, const struct cx_where *w, const char *reason)
{
	struct cx_cat *cat = ctx;
	queue_reset(cat->queue);
	add_reject(cat, w, reason);
}

static void on_filter(void *ctx, const struct cx_where *w, const char *rule)
{
	(void)w;
	struct cx_cat *cat = ctx;
	queue_reset(cat->queue);
	size_t i;
	for (i = 0; i < cat->nrules; i++)
		if (!strcmp(cat->rules[i].rule, rule))
			break;
	if (i == cat->nrules) {
		cat->rules = cx_realloc(cat->rules, (cat->nrules + 1) * sizeof(*cat->rules));
		cat->rules[cat->nrules++] = (struct rule_count){cx_strdup(rule), 0};
	}
	cat->rules[i].rows++;
	cat->n.filtered++;
}

void cat_sink_init(struct cx_cat *cat)
{
	queue_of(cat);
	cat->sink = (struct cx_sink){.ctx = cat, .fact = on_fact, .kept = on_kept,
				     .reject = on_reject, .filter = on_filter, .read = on_read};
}

const struct cx_sink *cx_cat_sink(struct cx_cat *cat) { return &cat->sink; }

static void queue_free(struct fact_queue *fq)
{
	if (!fq)
		return;
	queue_reset(fq);
	for (int k = 0; k < CX_FACT_COUNT; k++) {
		sqlite3_finalize(fq->insert[k]);
		sqlite3_finalize(fq->lookup[k]);
		cx_buf_release(&fq->last[k].key);
	}
	sqlite3_finalize(fq->borrow);
	sqlite3_finalize(fq->copy);
	cx_buf_release(&fq->json);
	free(fq->arena);
	free(fq->q);
	free(fq->w);
	free(fq);
}

/* Finalizes the statements and forgets the source state. */
void cat_write_finish(struct cx_cat *cat)
{
	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(cat->st[i]);
		cat->st[i] = NULL;
	}
	for (size_t i = 0; i < cat->nrules; i++)
		free(cat->rules[i].rule);
	free(cat->rules);
	cat->rules = NULL;
	cat->nrules = 0;
	queue_free(cat->queue);
	cat->queue = NULL;
	cat->last_study_id = 0;
	if (cat->in_source)
		sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
	cat->in_source = 0;
}

/* Runs one delete of a source's rows. */
static int delete_step(struct cx_cat *cat, const char *sql, sqlite3_int64 id,
		       struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, sql, &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cat_db_error(cat, err, "delete");
}

int cat_delete_source(struct cx_cat *cat, const char *source, struct cx_error *err)
{
	static const char *const before[] = {
		("DELETE FROM instance_image WHERE instance_id IN (SELECT i.id FROM instance i"
		 " JOIN entry e ON i.entry_id = e.id WHERE e.dataset_id = ?1)"),
		"DELETE FROM instance WHERE entry_id IN (SELECT id FROM entry WHERE dataset_id = ?1)",
		"DELETE FROM entry WHERE dataset_id = ?1",
	};
	static const char *const after[] = {
		"DELETE FROM reject WHERE dataset_id = ?1",
		"DELETE FROM damage WHERE dataset_id = ?1",
		"DELETE FROM filtered WHERE dataset_id = ?1",
		"DELETE FROM dataset WHERE id = ?1",
	};
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT id FROM dataset WHERE source = ?1", &st, err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	sqlite3_int64 id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (!id)
		return 0;
	int rc = 0;
	for (size_t i = 0; i < CX_ARRAY_LEN(before) && !rc; i++)
		rc = delete_step(cat, before[i], id, err);
	/* Every fact table, from the last kind to the first: images and studies
	 * go after the facts that name them. */
	for (int k = CX_FACT_COUNT - 1; k >= 0 && !rc; k--) {
		const struct cx_fact_kind *kind = &cx_fact_kinds[k];
		if (kind->delete_sql && !kind->delete_sql[0])
			continue; /* written into another kind's table */
		char sql[128];
		snprintf(sql, sizeof sql, "DELETE FROM %s WHERE dataset_id = ?1", kind->name);
		rc = delete_step(cat, kind->delete_sql ? kind->delete_sql : sql, id, err);
	}
	for (size_t i = 0; i < CX_ARRAY_LEN(after) && !rc; i++)
		rc = delete_step(cat, after[i], id, err);
	return rc;
}

/* The dataset a borrowing source takes its images from (0: none, or not
 * in the catalogue; the build refuses a borrower whose lender is absent). */
static int lender(struct cx_cat *cat, struct cx_error *err)
{
	const struct cx_adapter *a = cat->adapter;
	cat->lender_id = 0;
	if (!cx_adapter_borrows(a))
		return 0;
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT id FROM dataset WHERE source = ?1", &st, err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, a->id_space, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		cat->lender_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int insert_dataset(struct cx_cat *cat, struct cx_error *err)
{
	const struct cx_adapter *a = cat->adapter;
	sqlite3_stmt *st;
	if (cat_prepare(cat, "INSERT INTO dataset(name, source, versions, license, access, release,"
			     " id_space, image_source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &st,
			err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, a->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->versions, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->license, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->access, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, cx_release_path(cat->rel), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->id_space ? a->id_space : a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, cx_adapter_borrows(a) ? a->id_space : a->id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "dataset");
	cat->dataset_id = sqlite3_last_insert_rowid(cat->db);
	return lender(cat, err);
}

static int insert_entries(struct cx_cat *cat, struct cx_error *err)
{
	const struct cx_adapter *a = cat->adapter;
	sqlite3_stmt *st;
	if (cat_prepare(cat, "INSERT INTO entry(task_id, dataset_id, derive, held_out)"
			     " SELECT id, ?2, ?3, ?4 FROM task WHERE name = ?1", &st, err))
		return CX_EDB;
	int rc = 0;
	for (size_t i = 0; i < a->nentries && rc == 0; i++) {
		const struct cx_entry_def *e = &a->entries[i];
		sqlite3_bind_text(st, 1, e->task, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, cat->dataset_id);
		sqlite3_bind_text(st, 3, e->rule->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, e->held_out);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = cat_db_error(cat, err, "entry");
		else if (sqlite3_changes(cat->db) == 0)
			rc = cx_error_set(err, CX_EINVAL, "adapter %s: unknown task '%s'", a->id,
					  e->task);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Indexes that only the derivations, the image probe and the queries use are
 * dropped while a source loads and built again at its end: one sort is much
 * cheaper than a B-tree insert per row. Their definitions are read back from
 * the catalogue itself, so schema/catalogue.sql stays the only place that
 * defines them.
 */
static const char *const load_indexes =
	"'image_study', 'image_path', 'image_view', 'study_rank', 'box_image', 'qa_image',"
	" 'phrase_box_image'";
/* ... and these until the instances are derived. */
static const char *const derive_indexes = "'instance_split'";

static int defer_indexes(struct cx_cat *cat, const char *names, struct cx_buf *saved,
			 struct cx_error *err)
{
	sqlite3_stmt *st;
	struct cx_buf sql = CX_BUF_INIT, drop = CX_BUF_INIT;
	cx_buf_addf(&sql, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN (%s)"
			  " ORDER BY name", names);
	int rc = cat_prepare(cat, sql.data, &st, err);
	cx_buf_release(&sql);
	if (rc)
		return rc;
	cx_buf_reset(saved);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cx_buf_addf(saved, "%s;\n", (const char *)sqlite3_column_text(st, 1));
		cx_buf_addf(&drop, "DROP INDEX %s;\n", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	rc = drop.len ? cat_exec(cat, drop.data, err) : 0;
	cx_buf_release(&drop);
	return rc;
}

static int restore_indexes(struct cx_cat *cat, struct cx_buf *saved, struct cx_error *err)
{
	int rc = saved->len ? cat_exec(cat, saved->data, err) : 0;
	cx_buf_reset(saved);
	return rc;
}

static int prepare_all(struct cx_cat *cat, struct cx_error *err)
{
	for (int i = 0; i < ST_COUNT; i++)
		if (cat_prepare(cat, sql_text[i], &cat->st[i], err))
			return CX_EDB;
	return 0;
}

static int write_meta(struct cx_cat *cat, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "INSERT OR REPLACE INTO meta(key, value) VALUES"
			     " ('seed', ?1), ('chexinstruct', ?2)", &st, err))
		return CX_EDB;
	char seed[32];
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)cat->opts.seed);
	sqlite3_bind_text(st, 1, seed, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, CX_VERSION, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cat_db_error(cat, err, "meta");
	sqlite3_finalize(st);
	return rc;
}

/* CPU seconds since the last call (process user + system time). */
static double cpu_lap(struct cx_cat *cat)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, d = now - cat->cpu_mark;
	cat->cpu_mark = now;
	return d;
}

int cx_cat_begin_source(struct cx_cat *cat, const struct cx_adapter *a, struct cx_release *rel,
			const struct cx_build_opts *opts, cx_progress_fn progress, void *payload,
			struct cx_error *err)
{
	cat_write_finish(cat);
	cat->adapter = a;
	cat->rel = rel;
	cat->opts = *opts;
	cat->progress = progress;
	cat->payload = payload;
	memset(&cat->n, 0, sizeof(cat->n));
	cpu_lap(cat);
	/* The load's page cache; cx_cat_end_load lowers it. 40 MiB, not 64: the
	 * same CPU time at full MIMIC-CXR scale (a bigger cache, up to 256 MiB,
	 * bought nothing: the rows are appended) and 26 MB less peak memory. */
	if (cat_exec(cat, "PRAGMA cache_size=-40960", err) || cat_exec(cat, "BEGIN IMMEDIATE", err))
		return CX_EDB;
	cat->in_source = 1;
	int rc = write_meta(cat, err);
	if (!rc)
		rc = cat_delete_source(cat, a->id, err);
	if (!rc)
		rc = insert_dataset(cat, err);
	if (!rc)
		rc = cat_vocab_write(cat, err);
	if (!rc)
		rc = insert_entries(cat, err);
	if (!rc)
		rc = defer_indexes(cat, load_indexes, &cat->deferred, err);
	if (!rc)
		rc = defer_indexes(cat, derive_indexes, &cat->deferred_late, err);
	if (!rc)
		rc = prepare_all(cat, err);
	if (rc) {
		cat_write_finish(cat);
		return rc;
	}
	cat_sink_init(cat);
	return 0;
}

static int write_counts(struct cx_cat *cat, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "UPDATE dataset SET rows_read = ?1, rows_kept = ?2,"
			     " rows_rejected = ?3, rows_filtered = ?4 WHERE id = ?5", &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, cat->n.read);
	sqlite3_bind_int64(st, 2, cat->n.kept);
	sqlite3_bind_int64(st, 3, cat->n.rejected);
	sqlite3_bind_int64(st, 4, cat->n.filtered);
	sqlite3_bind_int64(st, 5, cat->dataset_id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cat_db_error(cat, err, "counts");
	sqlite3_finalize(st);
	if (rc || cat_prepare(cat, "INSERT INTO filtered(dataset_id, rule, rows) VALUES (?1,?2,?3)",
			      &st, err))
		return rc ? rc : CX_EDB;
	for (size_t i = 0; i < cat->nrules && !rc; i++) {
		sqlite3_bind_int64(st, 1, cat->dataset_id);
		sqlite3_bind_text(st, 2, cat->rules[i].rule, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, cat->rules[i].rows);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cat_db_error(cat, err, "filtered");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Every row read got exactly one outcome, or the adapter has a bug. */
static int check_rows(const struct cx_cat *cat, struct cx_error *err)
{
	const struct cx_source_counts *n = &cat->n;
	if (n->read == n->kept + n->rejected + n->filtered)
		return 0;
	return cx_error_set(err, CX_ERROR,
			    "rows read (%ld) differ from kept + rejected + filtered (%ld + %ld + "
			    "%ld): the adapter accounted for a row twice or not at all",
			    n->read, n->kept, n->rejected, n->filtered);
}

int cx_cat_end_load(struct cx_cat *cat, struct cx_error *err)
{
	cat->n.cpu_read += cpu_lap(cat);
	/* What follows (index builds, the image pass, derivations) reads tables
	 * in order and sorts, and a sort keeps in memory up to the page cache's
	 * size before it spills to a temporary file: a small cache keeps a big
	 * source from holding two 64 MiB buffers at once. */
	int rc = cat_exec(cat, "PRAGMA cache_size=-16384", err);
	if (!rc)
		rc = restore_indexes(cat, &cat->deferred, err);
	cat->n.cpu_index += cpu_lap(cat);
	return rc;
}

int cx_cat_end_source(struct cx_cat *cat, struct cx_source_counts *out, struct cx_error *err)
{
	cat->n.cpu_read += cpu_lap(cat); /* the image header pass, if any */
	int rc = check_rows(cat, err);
	if (!rc)
		rc = cx_cat_end_load(cat, err);
	if (!rc)
		rc = cat_derive(cat, err);
	cat->n.cpu_derive = cpu_lap(cat);
	if (!rc)
		rc = restore_indexes(cat, &cat->deferred_late, err);
	cat->n.cpu_index += cpu_lap(cat);
	if (!rc)
		rc = write_counts(cat, err);
	if (!rc) {
		for (int i = 0; i < ST_COUNT; i++) {
			sqlite3_finalize(cat->st[i]);
			cat->st[i] = NULL;
		}
		rc = cat_exec(cat, "COMMIT", err);
		if (!rc)
			cat->in_source = 0;
	}
	cat->n.cpu_commit = cpu_lap(cat);
	if (out)
		*out = cat->n;
	cat_write_finish(cat);
	return rc;
}

void cx_cat_abort_source(struct cx_cat *cat) { cat_write_finish(cat); }

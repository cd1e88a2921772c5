/*
 * cat-write.c - the build's write path: one transaction per source, one
 * prepared statement per kind of fact, and the row accounting of adapter.h.
 *
 * Provenance: facts carry no file/line themselves; the rows a fact inserts are
 * remembered until the adapter's accounting call for that row, which stamps
 * them with the file and line (kept) or deletes them (rejected or filtered),
 * so a row is used whole or not at all.
 */
#include "cx.h"

#include <math.h>
#include <time.h>

#include "catalogue/cat-internal.h"
#include "io/release.h"

static const char *const sql_text[ST_COUNT] = {
	[ST_STUDY_UPSERT] =
		"INSERT INTO study(dataset_id, key, patient, split, hrank) VALUES (?1,?2,?3,?4,?5) "
		"ON CONFLICT(dataset_id, key) DO UPDATE SET "
		"patient = COALESCE(excluded.patient, study.patient), "
		/* a study seen in two splits takes the stricter one: test, val, train */
		"split = CASE WHEN instr('-train-val-test', excluded.split) > "
		"instr('-train-val-test', study.split) AND excluded.split <> '' "
		"THEN excluded.split ELSE study.split END RETURNING id",
	[ST_IMAGE_INSERT] =
		"INSERT INTO image(dataset_id, key, study_id, archive, path, view, patient, split,"
		" sex, age, race, width, height, hrank) "
		"VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
	[ST_IMAGE_UPDATE] =
		"UPDATE image SET view = COALESCE(?1, view), patient = COALESCE(?2, patient),"
		" split = COALESCE(?3, split), sex = COALESCE(?4, sex), age = COALESCE(?5, age),"
		" race = COALESCE(?6, race), width = COALESCE(?7, width),"
		" height = COALESCE(?8, height) WHERE dataset_id = ?9 AND key = ?10",
	[ST_STUDY_LABELS] = "UPDATE study SET labels = ?1 WHERE dataset_id = ?2 AND key = ?3",
	[ST_IMAGE_LABELS] = "UPDATE image SET labels = ?1 WHERE dataset_id = ?2 AND key = ?3",
	[ST_BOX] = "INSERT INTO box(image_id, label, x, y, w, h) SELECT id, ?1, ?2, ?3, ?4, ?5 "
		   "FROM image WHERE dataset_id = ?6 AND key = ?7",
	[ST_REPORT] = "INSERT OR REPLACE INTO report(study_id, indication, comparison, findings,"
		      " impression, last_paragraph) SELECT id, ?1, ?2, ?3, ?4, ?5 FROM study"
		      " WHERE dataset_id = ?6 AND key = ?7",
	[ST_QA] = "INSERT INTO qa(dataset_id, key, image_id, question, answer, closed, qtype, split)"
		  " SELECT ?1, ?2, id, ?3, ?4, ?5, ?6, ?7 FROM image"
		  " WHERE dataset_id = ?1 AND key = ?8",
	[ST_REJECT] = "INSERT INTO reject(dataset_id, file, line, reason) VALUES (?1, ?2, ?3, ?4)",
	[ST_SRC_IMAGE] = "UPDATE image SET src_file = ?1, src_line = ?2 WHERE id = ?3",
	[ST_SRC_STUDY] = "UPDATE study SET src_file = ?1, src_line = ?2 WHERE id = ?3"
			 " AND src_file IS NULL",
	[ST_SRC_BOX] = "UPDATE box SET src_file = ?1, src_line = ?2 WHERE id = ?3",
	[ST_SRC_QA] = "UPDATE qa SET src_file = ?1, src_line = ?2 WHERE id = ?3",
	[ST_SRC_REPORT] = "UPDATE report SET src_file = ?1, src_line = ?2 WHERE study_id = ?3",
};

/* Tables whose rows a rejected row takes back (studies are shared, kept). */
static const char *const undo_sql[ST_COUNT] = {
	[ST_SRC_IMAGE] = "DELETE FROM image WHERE id = ?1",
	[ST_SRC_BOX] = "DELETE FROM box WHERE id = ?1",
	[ST_SRC_QA] = "DELETE FROM qa WHERE id = ?1",
	[ST_SRC_REPORT] = "DELETE FROM report WHERE study_id = ?1",
};

static void remember(struct cx_cat *cat, int table, sqlite3_int64 rowid)
{
	if (cat->npend == cat->cappend) {
		cat->cappend = cat->cappend ? cat->cappend * 2 : 16;
		cat->pend = cx_realloc(cat->pend, cat->cappend * sizeof(*cat->pend));
	}
	cat->pend[cat->npend++] = (struct pending){table, rowid};
}

/* Steps a write statement; 0 or CX_EDB with SQLite's message in err. */
static int step(struct cx_cat *cat, sqlite3_stmt *st, struct cx_error *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		return cx_error_set(err, CX_EFORMAT, "duplicate key");
	return cat_db_error(cat, err, "write");
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

static int upsert_study(struct cx_cat *cat, const char *key, const char *patient,
			enum cx_split split, sqlite3_int64 *id, struct cx_error *err)
{
	if (same_as_last_study(cat, key, patient, split)) {
		*id = cat->last_study_id;
		return 0;
	}
	sqlite3_stmt *st = cat->st[ST_STUDY_UPSERT];
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	cat_bind_text(st, 3, patient);
	sqlite3_bind_text(st, 4, cx_split_name(split), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)rank_of(cat, key));
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return cat_db_error(cat, err, "study");
	remember(cat, ST_SRC_STUDY, *id);
	/* What the row now holds: the stricter split, the newest non-empty patient. */
	if (cat->last_study_id != *id || strcmp(cx_buf_str(&cat->last_study), key)) {
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
	cat->last_study_id = *id;
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
	cat_bind_text(st, 1, f->view);
	cat_bind_text(st, 2, f->patient);
	cat_bind_text(st, 3, f->split ? cx_split_name(f->split) : NULL);
	cat_bind_text(st, 4, f->sex);
	bind_int_or_null(st, 5, f->age);
	cat_bind_text(st, 6, f->race);
	bind_int_or_null(st, 7, f->width);
	bind_int_or_null(st, 8, f->height);
	sqlite3_bind_int64(st, 9, cat->dataset_id);
	sqlite3_bind_text(st, 10, f->key, -1, SQLITE_TRANSIENT);
	if (step(cat, st, err))
		return err->code;
	if (sqlite3_changes(cat->db) == 0)
		return cx_error_set(err, CX_ENOTFOUND, "unknown image '%s'", f->key);
	return 0;
}

static int on_image(void *ctx, const struct cx_image_fact *f, struct cx_error *err)
{
	struct cx_cat *cat = ctx;
	if (!f->path)
		return image_update(cat, f, err);
	if (!cat->opts.check_images)
		cx_release_where_unchecked(cat->rel, f->path, &cat->a, &cat->b);
	else if (cx_release_where(cat->rel, f->path, &cat->a, &cat->b) != 0)
		return cx_error_set(err, CX_ENOTFOUND, "missing image file '%s'", f->path);
	if (!cat->b.len)
		cx_buf_adds(&cat->b, f->path);
	sqlite3_int64 study = 0;
	if (f->study && upsert_study(cat, f->study, f->patient, f->split, &study, err))
		return err->code;
	sqlite3_stmt *st = cat->st[ST_IMAGE_INSERT];
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, f->key, -1, SQLITE_TRANSIENT);
	if (study)
		sqlite3_bind_int64(st, 3, study);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, cx_buf_str(&cat->a), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, cx_buf_str(&cat->b), -1, SQLITE_TRANSIENT);
	cat_bind_text(st, 6, f->view);
	cat_bind_text(st, 7, f->patient);
	sqlite3_bind_text(st, 8, cx_split_name(f->split), -1, SQLITE_STATIC);
	cat_bind_text(st, 9, f->sex);
	bind_int_or_null(st, 10, f->age);
	cat_bind_text(st, 11, f->race);
	bind_int_or_null(st, 12, f->width);
	bind_int_or_null(st, 13, f->height);
	sqlite3_bind_int64(st, 14, (sqlite3_int64)rank_of(cat, f->key));
	if (step(cat, st, err))
		return err->code == CX_EFORMAT
			       ? cx_error_set(err, CX_EFORMAT, "duplicate image key '%s'", f->key)
			       : err->code;
	remember(cat, ST_SRC_IMAGE, sqlite3_last_insert_rowid(cat->db));
	cat->n.images++;
	return 0;
}

static int on_study(void *ctx, const struct cx_study_fact *f, struct cx_error *err)
{
	sqlite3_int64 id;
	return upsert_study(ctx, f->key, f->patient, f->split, &id, err);
}

static int on_labels(void *ctx, const struct cx_labels_fact *f, struct cx_error *err)
{
	struct cx_cat *cat = ctx;
	struct cx_buf *j = &cat->c;
	cx_buf_reset(j);
	cx_buf_addc(j, '{');
	for (size_t i = 0; i < f->n; i++) {
		if (i)
			cx_buf_addc(j, ',');
		cx_buf_add_json_str(j, f->labels[i].name);
		cx_buf_addf(j, ":%d", f->labels[i].value);
	}
	cx_buf_addc(j, '}');
	sqlite3_stmt *st = cat->st[f->on_study ? ST_STUDY_LABELS : ST_IMAGE_LABELS];
	sqlite3_bind_text(st, 1, j->data, (int)j->len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, cat->dataset_id);
	sqlite3_bind_text(st, 3, f->target, -1, SQLITE_TRANSIENT);
	if (step(cat, st, err))
		return err->code;
	if (sqlite3_changes(cat->db) == 0)
		return cx_error_set(err, CX_ENOTFOUND, "labels of unknown %s '%s'",
				    f->on_study ? "study" : "image", f->target);
	return 0;
}

static int on_box(void *ctx, const struct cx_box_fact *f, struct cx_error *err)
{
	struct cx_cat *cat = ctx;
	if (!isfinite(f->x) || !isfinite(f->y) || !isfinite(f->w) || !isfinite(f->h) ||
	    f->x < 0 || f->y < 0 || f->w <= 0 || f->h <= 0)
		return cx_error_set(err, CX_EFORMAT, "bad box %g,%g,%g,%g", f->x, f->y, f->w, f->h);
	sqlite3_stmt *st = cat->st[ST_BOX];
	sqlite3_bind_text(st, 1, f->label, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 2, f->x);
	sqlite3_bind_double(st, 3, f->y);
	sqlite3_bind_double(st, 4, f->w);
	sqlite3_bind_double(st, 5, f->h);
	sqlite3_bind_int64(st, 6, cat->dataset_id);
	sqlite3_bind_text(st, 7, f->image, -1, SQLITE_TRANSIENT);
	if (step(cat, st, err))
		return err->code;
	if (sqlite3_changes(cat->db) == 0)
		return cx_error_set(err, CX_ENOTFOUND, "box of unknown image '%s'", f->image);
	remember(cat, ST_SRC_BOX, sqlite3_last_insert_rowid(cat->db));
	return 0;
}

static int on_report(void *ctx, const struct cx_report_fact *f, struct cx_error *err)
{
	struct cx_cat *cat = ctx;
	sqlite3_stmt *st = cat->st[ST_REPORT];
	cat_bind_text(st, 1, f->indication);
	cat_bind_text(st, 2, f->comparison);
	cat_bind_text(st, 3, f->findings);
	cat_bind_text(st, 4, f->impression);
	cat_bind_text(st, 5, f->last_paragraph);
	sqlite3_bind_int64(st, 6, cat->dataset_id);
	sqlite3_bind_text(st, 7, f->study, -1, SQLITE_TRANSIENT);
	if (step(cat, st, err))
		return err->code;
	if (sqlite3_changes(cat->db) == 0)
		return cx_error_set(err, CX_ENOTFOUND, "report of unknown study '%s'", f->study);
	/* INSERT OR REPLACE keeps rowid = study_id, so the new row is found by it. */
	remember(cat, ST_SRC_REPORT, sqlite3_last_insert_rowid(cat->db));
	return 0;
}

static int on_qa(void *ctx, const struct cx_qa_fact *f, struct cx_error *err)
{
	struct cx_cat *cat = ctx;
	sqlite3_stmt *st = cat->st[ST_QA];
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, f->key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, f->question, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, f->answer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, f->closed ? 1 : 0);
	cat_bind_text(st, 6, f->qtype);
	sqlite3_bind_text(st, 7, cx_split_name(f->split), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, f->image, -1, SQLITE_TRANSIENT);
	if (step(cat, st, err))
		return err->code == CX_EFORMAT
			       ? cx_error_set(err, CX_EFORMAT, "duplicate question key '%s'", f->key)
			       : err->code;
	if (sqlite3_changes(cat->db) == 0)
		return cx_error_set(err, CX_ENOTFOUND, "question about unknown image '%s'",
				    f->image);
	remember(cat, ST_SRC_QA, sqlite3_last_insert_rowid(cat->db));
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

static void on_kept(void *ctx, const struct cx_where *w)
{
	struct cx_cat *cat = ctx;
	for (size_t i = 0; i < cat->npend; i++) {
		sqlite3_stmt *st = cat->st[cat->pend[i].table];
		sqlite3_bind_text(st, 1, w->file, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, w->line);
		sqlite3_bind_int64(st, 3, cat->pend[i].rowid);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	cat->npend = 0;
	cat->n.kept++;
}

/* Takes back what the current row inserted (studies stay: they are shared). */
static void undo_pending(struct cx_cat *cat)
{
	for (size_t i = 0; i < cat->npend; i++) {
		const char *sql = undo_sql[cat->pend[i].table];
		sqlite3_stmt *st;
		if (!sql || sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_int64(st, 1, cat->pend[i].rowid);
		sqlite3_step(st);
		sqlite3_finalize(st);
		if (cat->pend[i].table == ST_SRC_IMAGE)
			cat->n.images--;
	}
	cat->npend = 0;
}

static void on_reject(void *ctx, const struct cx_where *w, const char *reason)
{
	struct cx_cat *cat = ctx;
	undo_pending(cat);
	sqlite3_stmt *st = cat->st[ST_REJECT];
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, w->file, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, w->line);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_reset(st);
	cat->n.rejected++;
}

static void on_filter(void *ctx, const struct cx_where *w, const char *rule)
{
	(void)w;
	struct cx_cat *cat = ctx;
	undo_pending(cat);
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
	cat->sink = (struct cx_sink){.ctx = cat, .image = on_image, .study = on_study,
				     .labels = on_labels, .box = on_box, .report = on_report,
				     .qa = on_qa, .kept = on_kept, .reject = on_reject,
				     .filter = on_filter, .read = on_read};
}

const struct cx_sink *cx_cat_sink(struct cx_cat *cat) { return &cat->sink; }

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
	free(cat->pend);
	cat->pend = NULL;
	cat->npend = cat->cappend = 0;
	cat->last_study_id = 0;
	if (cat->in_source)
		sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
	cat->in_source = 0;
}

int cat_delete_source(struct cx_cat *cat, const char *source, struct cx_error *err)
{
	static const char *const steps[] = {
		"DELETE FROM instance_image WHERE instance_id IN (SELECT i.id FROM instance i"
		" JOIN entry e ON i.entry_id = e.id WHERE e.dataset_id = ?1)",
		"DELETE FROM instance WHERE entry_id IN (SELECT id FROM entry WHERE dataset_id = ?1)",
		"DELETE FROM entry WHERE dataset_id = ?1",
		"DELETE FROM qa WHERE dataset_id = ?1",
		"DELETE FROM box WHERE image_id IN (SELECT id FROM image WHERE dataset_id = ?1)",
		"DELETE FROM report WHERE study_id IN (SELECT id FROM study WHERE dataset_id = ?1)",
		"DELETE FROM image WHERE dataset_id = ?1",
		"DELETE FROM study WHERE dataset_id = ?1",
		"DELETE FROM reject WHERE dataset_id = ?1",
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
	for (size_t i = 0; i < CX_ARRAY_LEN(steps); i++) {
		if (cat_prepare(cat, steps[i], &st, err))
			return CX_EDB;
		sqlite3_bind_int64(st, 1, id);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return cat_db_error(cat, err, "delete");
	}
	return 0;
}

static int insert_dataset(struct cx_cat *cat, struct cx_error *err)
{
	const struct cx_adapter *a = cat->adapter;
	sqlite3_stmt *st;
	if (cat_prepare(cat, "INSERT INTO dataset(name, source, versions, license, access, release,"
			     " id_space) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, a->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->versions, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->license, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->access, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, cx_release_path(cat->rel), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->id_space ? a->id_space : a->id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "dataset");
	cat->dataset_id = sqlite3_last_insert_rowid(cat->db);
	return 0;
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
	"'image_study', 'image_path', 'image_view', 'study_rank', 'box_image', 'qa_image'";
/* ... and these until the instances are derived. */
static const char *const derive_indexes = "'instance_key', 'instance_split'";

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
	/* the load's page cache (cx_cat_open's); cx_cat_end_load lowers it */
	if (cat_exec(cat, "PRAGMA cache_size=-65536", err) || cat_exec(cat, "BEGIN IMMEDIATE", err))
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

/*
 * cat-derive.c - derives the instances of every task-dataset entry of the
 * source just read, from its facts, in SQL (one INSERT ... SELECT per rule).
 *
 * Rules (enum cx_derive in adapters/adapter.h) and what an instance is:
 *   labels-study   a study with labels and images (key: study key)
 *   labels-image   an image with labels (key: image key)
 *   view           an image whose view is PA, AP, LATERAL or LL
 *   view-pairs     a frontal image with a lateral of its own study ("|same",
 *                  flag 1) and with a lateral of another study of the same
 *                  split ("|other", flag 0)
 *   boxes          an (image, label) pair with boxes ("<image>|<label>")
 *   findings       a study with images and a non-empty findings section
 *   impression     a study with images and a non-empty impression
 *   summary        a study with both sections, text only; impressions with
 *                  de-identification marks ("___") or clock times ("a.m.",
 *                  "p.m.") are left out, as the official build does
 *   text-match     a study with report text: its own text ("|match", flag 1)
 *                  and another study's ("|mismatch", flag 0)
 *   text-select    a study with report text, choosing between its own and
 *                  another study's text
 *   qa-open/closed a question about an image
 * "Another study" is the next study of the same split in hrank order (the
 * xxHash of its key under the build seed) whose label set differs, wrapping
 * around: a seeded, reproducible pick. It is found in linear time: the
 * studies with text, in hrank order, fall into runs of equal label sets, and
 * the answer is the first study of the next run (temporary tables cx_cand
 * and cx_run). Instances need an official split.
 */
#include "cx.h"

#include "catalogue/cat-internal.h"

/* Frontal views first, then laterals, then the rest; ties by key. */
#define VIEW_RANK                                                                          \
	"CASE i.view WHEN 'PA' THEN 0 WHEN 'AP' THEN 1 WHEN 'LATERAL' THEN 2 WHEN 'LL' THEN 3" \
	" ELSE 4 END"

#define INS "INSERT INTO instance(entry_id, key, split, patient, study_id, image_id, qa_id," \
	    " label, other_id, flag, src_file, src_line) "

#define HAS_IMAGES " AND EXISTS (SELECT 1 FROM image i WHERE i.study_id = s.id)"

#define REPORT_TEXT "COALESCE(NULLIF(r.findings, ''), r.impression, '')"

/* Studies with report text and images, in runs of equal labels (hrank order). */
#define CAND_SQL                                                                           \
	"CREATE TEMP TABLE cx_cand AS SELECT id, split, hrank, labels,"                      \
	" SUM(chg) OVER (PARTITION BY split ORDER BY hrank ROWS UNBOUNDED PRECEDING) AS run"  \
	" FROM (SELECT s.id, s.split, s.hrank, s.labels, CASE WHEN s.labels IS"              \
	" LAG(s.labels) OVER (PARTITION BY s.split ORDER BY s.hrank) THEN 0 ELSE 1 END AS chg" \
	" FROM study s JOIN report r ON r.study_id = s.id WHERE s.dataset_id = ?2"            \
	" AND s.split <> '' AND " REPORT_TEXT " <> ''" HAS_IMAGES ")"
#define RUN_SQL                                                                            \
	"CREATE TEMP TABLE cx_run AS SELECT split, run, id, labels FROM (SELECT split, run,"  \
	" id, labels, ROW_NUMBER() OVER (PARTITION BY split, run ORDER BY hrank) AS k"        \
	" FROM cx_cand) WHERE k = 1"
#define RUN_INDEX_SQL "CREATE INDEX temp.cx_run_key ON cx_run(split, run)"
#define DROP_SQL "DROP TABLE IF EXISTS temp.cx_cand; DROP TABLE IF EXISTS temp.cx_run"

/* The first study of the next run, or (wrapping) of the first run whose
 * labels differ: consecutive runs differ, so that is run 0 or 1. */
#define OTHER_STUDY                                                                        \
	"COALESCE((SELECT x.id FROM cx_run x WHERE x.split = c.split AND x.run = c.run + 1),"  \
	" (SELECT x.id FROM cx_run x WHERE x.split = c.split AND x.labels IS NOT c.labels"   \
	" ORDER BY x.run LIMIT 1))"

#define CAND_FROM                                                                          \
	" FROM cx_cand c JOIN study s ON s.id = c.id JOIN report r ON r.study_id = s.id"

enum images_of { IMG_NONE, IMG_STUDY, IMG_IMAGE, IMG_PAIR };

struct rule {
	/* run in order; ?1 = entry id, ?2 = dataset id; only INSERTs into
	 * instance count as instances */
	const char *sql[6];
	enum images_of images;
};

static const struct rule rules[] = {
	[CX_DERIVE_LABELS_STUDY] = {{INS "SELECT ?1, s.key, s.split, s.patient, s.id, NULL, NULL,"
				     " NULL, NULL, NULL, s.src_file, s.src_line FROM study s"
				     " WHERE s.dataset_id = ?2 AND s.labels IS NOT NULL"
				     " AND s.split <> ''" HAS_IMAGES " ORDER BY s.key", NULL},
				    IMG_STUDY},
	[CX_DERIVE_LABELS_IMAGE] = {{INS "SELECT ?1, i.key, i.split, i.patient, i.study_id, i.id,"
				     " NULL, NULL, NULL, NULL, i.src_file, i.src_line FROM image i"
				     " WHERE i.dataset_id = ?2 AND i.labels IS NOT NULL"
				     " AND i.split <> '' ORDER BY i.key", NULL},
				    IMG_IMAGE},
	[CX_DERIVE_VIEW] = {{INS "SELECT ?1, i.key, i.split, i.patient, i.study_id, i.id, NULL,"
			     " NULL, NULL, NULL, i.src_file, i.src_line FROM image i"
			     " WHERE i.dataset_id = ?2 AND i.view IN ('PA', 'AP', 'LATERAL', 'LL')"
			     " AND i.split <> '' ORDER BY i.key", NULL},
			    IMG_IMAGE},
	[CX_DERIVE_VIEW_PAIRS] = {{
		INS "WITH p AS MATERIALIZED (SELECT i.*, (SELECT l.id FROM image l"
		" WHERE l.study_id = i.study_id AND l.view = 'LATERAL' ORDER BY l.hrank LIMIT 1)"
		" AS other FROM image i WHERE i.dataset_id = ?2 AND i.view IN ('PA', 'AP')"
		" AND i.split <> '' AND i.study_id IS NOT NULL)"
		" SELECT ?1, key || '|same', split, patient, study_id, id, NULL, NULL, other, 1,"
		" src_file, src_line FROM p WHERE other IS NOT NULL ORDER BY key",
		INS "WITH p AS MATERIALIZED (SELECT i.*, COALESCE((SELECT l.id FROM image l"
		" WHERE l.dataset_id = ?2 AND l.split = i.split AND l.view = 'LATERAL'"
		" AND l.hrank > i.hrank AND l.study_id IS NOT i.study_id ORDER BY l.hrank LIMIT 1),"
		" (SELECT l.id FROM image l WHERE l.dataset_id = ?2 AND l.split = i.split"
		" AND l.view = 'LATERAL' AND l.study_id IS NOT i.study_id ORDER BY l.hrank LIMIT 1))"
		" AS other FROM image i WHERE i.dataset_id = ?2 AND i.view IN ('PA', 'AP')"
		" AND i.split <> '' AND EXISTS (SELECT 1 FROM image l WHERE l.study_id = i.study_id"
		" AND l.view = 'LATERAL'))"
		" SELECT ?1, key || '|other', split, patient, study_id, id, NULL, NULL, other, 0,"
		" src_file, src_line FROM p WHERE other IS NOT NULL ORDER BY key"},
		IMG_PAIR},
	[CX_DERIVE_BOXES] = {{INS "SELECT ?1, i.key || '|' || b.label, i.split, i.patient,"
			      " i.study_id, i.id, NULL, b.label, NULL, NULL, MIN(b.src_file),"
			      " MIN(b.src_line) FROM box b JOIN image i ON b.image_id = i.id"
			      " WHERE i.dataset_id = ?2 AND i.split <> '' GROUP BY i.id, b.label"
			      " ORDER BY i.key, b.label", NULL},
			     IMG_IMAGE},
	[CX_DERIVE_FINDINGS] = {{INS "SELECT ?1, s.key, s.split, s.patient, s.id, NULL, NULL, NULL,"
				 " NULL, NULL, r.src_file, r.src_line FROM study s JOIN report r"
				 " ON r.study_id = s.id WHERE s.dataset_id = ?2 AND s.split <> ''"
				 " AND COALESCE(r.findings, '') <> ''" HAS_IMAGES " ORDER BY s.key",
				 NULL},
				IMG_STUDY},
	[CX_DERIVE_IMPRESSION] = {{INS "SELECT ?1, s.key, s.split, s.patient, s.id, NULL, NULL,"
				   " NULL, NULL, NULL, r.src_file, r.src_line FROM study s JOIN report r"
				   " ON r.study_id = s.id WHERE s.dataset_id = ?2 AND s.split <> ''"
				   " AND COALESCE(r.impression, '') <> ''" HAS_IMAGES " ORDER BY s.key",
				   NULL},
				  IMG_STUDY},
	[CX_DERIVE_SUMMARY] = {{INS "SELECT ?1, s.key, s.split, s.patient, s.id, NULL, NULL, NULL,"
				" NULL, NULL, r.src_file, r.src_line FROM study s JOIN report r"
				" ON r.study_id = s.id WHERE s.dataset_id = ?2 AND s.split <> ''"
				" AND COALESCE(r.findings, '') <> '' AND COALESCE(r.impression, '') <> ''"
				" AND instr(r.impression, '___') = 0 AND instr(r.impression, 'a.m.') = 0"
				" AND instr(r.impression, 'p.m.') = 0 ORDER BY s.key", NULL},
			       IMG_NONE},
	[CX_DERIVE_TEXT_MATCH] = {{
		CAND_SQL, RUN_SQL, RUN_INDEX_SQL,
		INS "SELECT ?1, s.key || '|match', s.split, s.patient, s.id, NULL, NULL, NULL, NULL,"
		" 1, r.src_file, r.src_line" CAND_FROM " ORDER BY s.key",
		INS "WITH p AS MATERIALIZED (SELECT ?1, s.key || '|mismatch', s.split, s.patient,"
		" s.id, NULL, NULL, NULL, " OTHER_STUDY " AS other, 0, r.src_file, r.src_line"
		CAND_FROM ") SELECT * FROM p WHERE other IS NOT NULL ORDER BY 2"},
		IMG_STUDY},
	[CX_DERIVE_TEXT_SELECT] = {{
		CAND_SQL, RUN_SQL, RUN_INDEX_SQL,
		INS "WITH p AS MATERIALIZED (SELECT ?1, s.key, s.split, s.patient, s.id, NULL, NULL,"
		" NULL, " OTHER_STUDY " AS other, NULL, r.src_file, r.src_line" CAND_FROM ")"
		" SELECT * FROM p WHERE other IS NOT NULL ORDER BY 2"},
		IMG_STUDY},
	[CX_DERIVE_QA_OPEN] = {{INS "SELECT ?1, q.key, q.split, i.patient, i.study_id, i.id, q.id,"
				" NULL, NULL, NULL, q.src_file, q.src_line FROM qa q JOIN image i"
				" ON q.image_id = i.id WHERE q.dataset_id = ?2 AND q.closed = 0"
				" AND q.split <> '' ORDER BY q.id", NULL},
			       IMG_IMAGE},
	[CX_DERIVE_QA_CLOSED] = {{INS "SELECT ?1, q.key, q.split, i.patient, i.study_id, i.id, q.id,"
				  " NULL, NULL, NULL, q.src_file, q.src_line FROM qa q JOIN image i"
				  " ON q.image_id = i.id WHERE q.dataset_id = ?2 AND q.closed = 1"
				  " AND q.split <> '' ORDER BY q.id", NULL},
				 IMG_IMAGE},
};

/* ?1 is the last instance id before the entry's own: its instances are the
 * rows after it (a rowid range; the instance indexes are not built yet). */
static const char *const images_sql[] = {
	[IMG_NONE] = NULL,
	[IMG_STUDY] = "INSERT INTO instance_image(instance_id, ord, image_id)"
		      " SELECT n.id, ROW_NUMBER() OVER (PARTITION BY n.id ORDER BY " VIEW_RANK
		      ", i.key) - 1, i.id FROM instance n JOIN image i ON i.study_id = n.study_id"
		      " WHERE n.id > ?1",
	[IMG_IMAGE] = "INSERT INTO instance_image(instance_id, ord, image_id)"
		      " SELECT n.id, 0, n.image_id FROM instance n WHERE n.id > ?1",
	[IMG_PAIR] = "INSERT INTO instance_image(instance_id, ord, image_id)"
		     " SELECT n.id, 0, n.image_id FROM instance n WHERE n.id > ?1"
		     " UNION ALL SELECT n.id, 1, n.other_id FROM instance n WHERE n.id > ?1",
};

static int run(struct cx_cat *cat, const char *sql, sqlite3_int64 entry, long *changes,
	       struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, sql, &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, entry);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, cat->dataset_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "derive");
	if (changes && cx_str_starts(sql, "INSERT INTO instance("))
		*changes += sqlite3_changes(cat->db);
	return 0;
}

static int derive_entry(struct cx_cat *cat, const struct cx_entry_def *e, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT e.id FROM entry e JOIN task t ON e.task_id = t.id"
			     " WHERE e.dataset_id = ?1 AND t.name = ?2", &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, e->task, -1, SQLITE_STATIC);
	sqlite3_int64 entry = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (!entry)
		return cx_error_set(err, CX_EINVAL, "no entry for task '%s'", e->task);
	const struct rule *r = &rules[e->derive];
	sqlite3_int64 before = 0;
	if (cat_prepare(cat, "SELECT COALESCE(MAX(id), 0) FROM instance", &st, err))
		return CX_EDB;
	if (sqlite3_step(st) == SQLITE_ROW)
		before = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	int rc = 0;
	for (size_t k = 0; k < CX_ARRAY_LEN(r->sql) && r->sql[k] && !rc; k++)
		rc = run(cat, r->sql[k], entry, &cat->n.instances, err);
	if (cat_exec(cat, DROP_SQL, err) || rc)
		return CX_EDB;
	if (images_sql[r->images] && run(cat, images_sql[r->images], before, NULL, err))
		return CX_EDB;
	return 0;
}

int cat_derive(struct cx_cat *cat, struct cx_error *err)
{
	for (size_t i = 0; i < cat->adapter->nentries; i++)
		if (derive_entry(cat, &cat->adapter->entries[i], err))
			return err->code;
	return 0;
}

/*
 * rules.c - the derivation rules, one object each (struct cx_rule in
 * adapter.h): what an instance of a task-dataset entry is, in SQL over the
 * facts, and what it shows. Adapters' entries point at them; the catalogue
 * runs them (catalogue/cat-derive.c) and asks them how to fill a view
 * (catalogue/cat-view.c), so a rule is known in this one place.
 *
 * The SQL is plain text here (only builder/catalogue/ talks to SQLite). Each
 * SELECT names its columns after the instance table's; the catalogue inserts
 * them by those names. Bound: ?1 the entry id, ?2 the dataset id, ?3 the
 * entry's impression_excludes (joined by the unit separator, or NULL).
 *
 * "Another study" (text-match, text-select) is the next study of the same
 * split in hrank order (the xxHash of its key under the build seed) whose
 * label set differs, wrapping around: a seeded, reproducible pick, found in
 * linear time. The studies with text, in hrank order, fall into runs of
 * equal label sets, and the answer is the first study of the next run (the
 * temporary tables cx_cand and cx_run, built once for both rules).
 * Instances need an official split.
 */
#include "cx.h"

#include "adapters/adapter.h"

#define HAS_IMAGES " AND EXISTS (SELECT 1 FROM image i WHERE i.study_id = s.id)"

#define REPORT_TEXT "COALESCE(NULLIF(r.findings, ''), r.impression, '')"

/* The columns of an instance about a study (or an image), with provenance
 * from the table aliased p. */
#define STUDY_COLS(p)                                                                     \
	"SELECT ?1 AS entry_id, s.key AS key, s.split AS split, s.patient AS patient,"    \
	" s.id AS study_id, " p ".src_file AS src_file, " p ".src_line AS src_line"
#define IMAGE_COLS                                                                        \
	"SELECT ?1 AS entry_id, i.key AS key, i.split AS split, i.patient AS patient,"    \
	" i.study_id AS study_id, i.id AS image_id, i.src_file AS src_file,"              \
	" i.src_line AS src_line"

/* Studies with report text and images, in runs of equal labels (hrank order),
 * and the first study of each run. */
static const char *const text_runs_sql[] = {
	"CREATE TEMP TABLE cx_cand AS SELECT id, split, hrank, labels,"
	" SUM(chg) OVER (PARTITION BY split ORDER BY hrank ROWS UNBOUNDED PRECEDING) AS run"
	" FROM (SELECT s.id, s.split, s.hrank, s.labels, CASE WHEN s.labels IS"
	" LAG(s.labels) OVER (PARTITION BY s.split ORDER BY s.hrank) THEN 0 ELSE 1 END AS chg"
	" FROM study s JOIN report r ON r.study_id = s.id WHERE s.dataset_id = ?2"
	" AND s.split <> '' AND " REPORT_TEXT " <> ''" HAS_IMAGES ")",
	"CREATE TEMP TABLE cx_run AS SELECT split, run, id, labels FROM (SELECT split, run,"
	" id, labels, ROW_NUMBER() OVER (PARTITION BY split, run ORDER BY hrank) AS k"
	" FROM cx_cand) WHERE k = 1",
	"CREATE INDEX temp.cx_run_key ON cx_run(split, run)",
	NULL,
};

static const struct cx_rule_prep text_runs = {"text runs", text_runs_sql};

/* The first study of the next run, or (wrapping) of the first run whose
 * labels differ: consecutive runs differ, so that is run 0 or 1. */
#define OTHER_STUDY                                                                        \
	"COALESCE((SELECT x.id FROM cx_run x WHERE x.split = c.split AND x.run = c.run + 1),"  \
	" (SELECT x.id FROM cx_run x WHERE x.split = c.split AND x.labels IS NOT c.labels"   \
	" ORDER BY x.run LIMIT 1))"

#define CAND_FROM                                                                          \
	" FROM cx_cand c JOIN study s ON s.id = c.id JOIN report r ON r.study_id = s.id"

const struct cx_rule cx_rule_labels_study = {
	.name = "labels-study",
	.about = "a study with labels and images (key: study key)",
	.needs = "study (labels), image",
	.sql = (const char *const[]){
		STUDY_COLS("s") " FROM study s WHERE s.dataset_id = ?2 AND s.labels IS NOT NULL"
		" AND s.split <> ''" HAS_IMAGES " ORDER BY s.key", NULL},
	.images = CX_IMAGES_STUDY,
};

const struct cx_rule cx_rule_labels_image = {
	.name = "labels-image",
	.about = "an image with labels (key: image key)",
	.needs = "image (labels)",
	.sql = (const char *const[]){
		IMAGE_COLS " FROM image i WHERE i.dataset_id = ?2 AND i.labels IS NOT NULL"
		" AND i.split <> '' ORDER BY i.key", NULL},
	.images = CX_IMAGES_IMAGE,
	.image_labels = 1,
};

const struct cx_rule cx_rule_view = {
	.name = "view",
	.about = "an image whose view is PA, AP, LATERAL or LL",
	.needs = "image (view)",
	.sql = (const char *const[]){
		IMAGE_COLS " FROM image i WHERE i.dataset_id = ?2"
		" AND i.view IN ('PA', 'AP', 'LATERAL', 'LL') AND i.split <> '' ORDER BY i.key",
		NULL},
	.images = CX_IMAGES_IMAGE,
};

/* A frontal image with the first lateral (hrank order) of its own study
 * ("|same", flag 1), then with the next lateral of the same split from
 * another study ("|other", flag 0). Both lookups walk image_view. Rows go
 * in the order of the image key (p.key: the alias key has the suffix). */
const struct cx_rule cx_rule_view_pairs = {
	.name = "view-pairs",
	.about = "a frontal image with a lateral of its own study (\"|same\", flag 1) and"
		 " with a lateral of another study of the same split (\"|other\", flag 0)",
	.needs = "image (view, study)",
	.sql = (const char *const[]){
		"WITH p AS MATERIALIZED (SELECT i.*, (SELECT l.id FROM image l"
		" WHERE l.study_id = i.study_id AND l.view = 'LATERAL' ORDER BY l.hrank LIMIT 1)"
		" AS other FROM image i WHERE i.dataset_id = ?2 AND i.view IN ('PA', 'AP')"
		" AND i.split <> '' AND i.study_id IS NOT NULL)"
		" SELECT ?1 AS entry_id, key || '|same' AS key, split, patient, study_id,"
		" id AS image_id, other AS other_id, 1 AS flag, src_file, src_line"
		" FROM p WHERE other IS NOT NULL ORDER BY p.key",
		"WITH p AS MATERIALIZED (SELECT i.*, COALESCE((SELECT l.id FROM image l"
		" WHERE l.dataset_id = ?2 AND l.split = i.split AND l.view = 'LATERAL'"
		" AND l.hrank > i.hrank AND l.study_id IS NOT i.study_id ORDER BY l.hrank LIMIT 1),"
		" (SELECT l.id FROM image l WHERE l.dataset_id = ?2 AND l.split = i.split"
		" AND l.view = 'LATERAL' AND l.study_id IS NOT i.study_id ORDER BY l.hrank LIMIT 1))"
		" AS other FROM image i WHERE i.dataset_id = ?2 AND i.view IN ('PA', 'AP')"
		" AND i.split <> '' AND EXISTS (SELECT 1 FROM image l WHERE l.study_id = i.study_id"
		" AND l.view = 'LATERAL'))"
		" SELECT ?1 AS entry_id, key || '|other' AS key, split, patient, study_id,"
		" id AS image_id, other AS other_id, 0 AS flag, src_file, src_line"
		" FROM p WHERE other IS NOT NULL ORDER BY p.key",
		NULL},
	.images = CX_IMAGES_PAIR,
};

const struct cx_rule cx_rule_boxes = {
	.name = "boxes",
	.about = "an (image, label) pair with boxes (key: \"<image>|<label>\")",
	.needs = "image, box",
	.sql = (const char *const[]){
		"SELECT ?1 AS entry_id, i.key || '|' || b.label AS key, i.split AS split,"
		" i.patient AS patient, i.study_id AS study_id, i.id AS image_id, b.label AS label,"
		" MIN(b.src_file) AS src_file, MIN(b.src_line) AS src_line"
		" FROM box b JOIN image i ON b.image_id = i.id"
		" WHERE i.dataset_id = ?2 AND i.split <> '' GROUP BY i.id, b.label"
		" ORDER BY i.key, b.label", NULL},
	.images = CX_IMAGES_IMAGE,
};

const struct cx_rule cx_rule_findings = {
	.name = "findings",
	.about = "a study with images and a non-empty findings section",
	.needs = "study, report (findings), image",
	.sql = (const char *const[]){
		STUDY_COLS("r") " FROM study s JOIN report r ON r.study_id = s.id"
		" WHERE s.dataset_id = ?2 AND s.split <> '' AND COALESCE(r.findings, '') <> ''"
		HAS_IMAGES " ORDER BY s.key", NULL},
	.images = CX_IMAGES_STUDY,
};

const struct cx_rule cx_rule_impression = {
	.name = "impression",
	.about = "a study with images and a non-empty impression",
	.needs = "study, report (impression), image",
	.sql = (const char *const[]){
		STUDY_COLS("r") " FROM study s JOIN report r ON r.study_id = s.id"
		" WHERE s.dataset_id = ?2 AND s.split <> '' AND COALESCE(r.impression, '') <> ''"
		HAS_IMAGES " ORDER BY s.key", NULL},
	.images = CX_IMAGES_STUDY,
};

/* Text only: a study needs no image. The entry's impression_excludes (MIMIC-
 * CXR's de-identification marks and clock times, as the official build
 * filters them) leave out studies whose impression holds one of them. */
const struct cx_rule cx_rule_summary = {
	.name = "summary",
	.about = "a study with findings and an impression, text only",
	.needs = "study, report (findings, impression)",
	.sql = (const char *const[]){
		STUDY_COLS("r") " FROM study s JOIN report r ON r.study_id = s.id"
		" WHERE s.dataset_id = ?2 AND s.split <> '' AND COALESCE(r.findings, '') <> ''"
		" AND COALESCE(r.impression, '') <> '' AND NOT cx_holds_any(r.impression, ?3)"
		" ORDER BY s.key", NULL},
	.images = CX_IMAGES_NONE,
};

const struct cx_rule cx_rule_text_match = {
	.name = "text-match",
	.about = "a study with report text: its own text (\"|match\", flag 1) and another"
		 " study's (\"|mismatch\", flag 0)",
	.needs = "study (labels), report, image",
	.sql = (const char *const[]){
		"SELECT ?1 AS entry_id, s.key || '|match' AS key, s.split AS split,"
		" s.patient AS patient, s.id AS study_id, 1 AS flag, r.src_file AS src_file,"
		" r.src_line AS src_line" CAND_FROM " ORDER BY s.key",
		"WITH p AS MATERIALIZED (SELECT s.key || '|mismatch' AS key, s.split AS split,"
		" s.patient AS patient, s.id AS study_id, " OTHER_STUDY " AS other_id,"
		" r.src_file AS src_file, r.src_line AS src_line" CAND_FROM ")"
		" SELECT ?1 AS entry_id, key, split, patient, study_id, other_id, 0 AS flag,"
		" src_file, src_line FROM p WHERE other_id IS NOT NULL ORDER BY key",
		NULL},
	.prep = &text_runs,
	.images = CX_IMAGES_STUDY,
	.other_text = 1,
};

const struct cx_rule cx_rule_text_select = {
	.name = "text-select",
	.about = "a study with report text, choosing between its own and another study's text",
	.needs = "study (labels), report, image",
	.sql = (const char *const[]){
		"WITH p AS MATERIALIZED (SELECT s.key AS key, s.split AS split, s.patient AS patient,"
		" s.id AS study_id, " OTHER_STUDY " AS other_id, r.src_file AS src_file,"
		" r.src_line AS src_line" CAND_FROM ")"
		" SELECT ?1 AS entry_id, key, split, patient, study_id, other_id, src_file, src_line"
		" FROM p WHERE other_id IS NOT NULL ORDER BY key",
		NULL},
	.prep = &text_runs,
	.images = CX_IMAGES_STUDY,
	.other_text = 1,
};

#define QA_SQL(closed)                                                                     \
	"SELECT ?1 AS entry_id, q.key AS key, q.split AS split, i.patient AS patient,"     \
	" i.study_id AS study_id, i.id AS image_id, q.id AS qa_id, q.src_file AS src_file,"\
	" q.src_line AS src_line FROM qa q JOIN image i ON q.image_id = i.id"              \
	" WHERE q.dataset_id = ?2 AND q.closed = " closed " AND q.split <> '' ORDER BY q.id"

const struct cx_rule cx_rule_qa_open = {
	.name = "qa-open",
	.about = "an open question about an image",
	.needs = "qa, image",
	.sql = (const char *const[]){QA_SQL("0"), NULL},
	.images = CX_IMAGES_IMAGE,
};

const struct cx_rule cx_rule_qa_closed = {
	.name = "qa-closed",
	.about = "a closed question about an image",
	.needs = "qa, image",
	.sql = (const char *const[]){QA_SQL("1"), NULL},
	.images = CX_IMAGES_IMAGE,
};

const struct cx_rule *const cx_rules[] = {
	&cx_rule_labels_study, &cx_rule_labels_image, &cx_rule_view,      &cx_rule_view_pairs,
	&cx_rule_boxes,        &cx_rule_findings,     &cx_rule_impression, &cx_rule_summary,
	&cx_rule_text_match,   &cx_rule_text_select,  &cx_rule_qa_open,   &cx_rule_qa_closed,
};
const size_t cx_nrules = CX_ARRAY_LEN(cx_rules);

const struct cx_rule *cx_rule_find(const char *name)
{
	for (size_t i = 0; i < cx_nrules; i++)
		if (!strcmp(cx_rules[i]->name, name))
			return cx_rules[i];
	return NULL;
}

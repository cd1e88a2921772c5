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
 * label set and report text differ, wrapping around: a seeded, reproducible
 * pick, found in linear time. The studies with text, in hrank order, fall into runs of
 * equal label sets, and the answer is the first study of the next run (the
 * temporary tables cx_cand and cx_run, built once for both rules). The
 * lateral of another study (view-pairs) is found the same way, in runs of
 * laterals of one study. Instances need an official split.
 */
#include "cx.h"

#include "adapters/adapter.h"

/*
 * Speed: a rule reads what it needs in one pass, in the order the rows are
 * stored, and sorts its result once (ORDER BY key). Walking a table through
 * its key index instead looks every row up at random, which on a release
 * larger than the page cache means a disk read per row (MIMIC-CXR's reports
 * alone are 230 MB). So the facts of the source's studies are gathered once,
 * in study id order (report rows are keyed by study id, so that reads them
 * in order), into cx_study; image rules scan the image table NOT INDEXED
 * (in rowid order) and sort.
 */

/* One row per study of the source with an official split: its columns, and
 * flags for what its report and images give (LEFT JOIN: a study may have no
 * report). The join runs in study id order; the rows are then stored in key
 * order, so rules that want key order read cx_study by rowid, unsorted. */
static const char *const study_facts_sql[] = {
	"CREATE TEMP TABLE cx_study AS SELECT s.id AS id, s.key AS key, s.split AS split,"
	" s.patient AS patient, s.hrank AS hrank, s.labels AS labels, s.src_file AS s_file,"
	" s.src_line AS s_line, EXISTS (SELECT 1 FROM image i WHERE i.study_id = s.id)"
	" AS has_images, COALESCE(r.findings, '') <> '' AS f_ok,"
	" COALESCE(r.impression, '') <> '' AS i_ok, r.src_file AS r_file, r.src_line AS r_line,"
	" cx_text_key(COALESCE(NULLIF(r.findings, ''), r.impression)) AS tkey"
	" FROM study s NOT INDEXED LEFT JOIN report r ON r.study_id = s.id"
	" WHERE s.dataset_id = ?2 AND s.split <> '' ORDER BY s.key",
	"CREATE INDEX temp.cx_study_id ON cx_study(id)",
	NULL,
};

static const struct cx_rule_prep study_facts = {"study facts", study_facts_sql, NULL};

/* Studies with report text (findings, or else an impression) and images, in
 * hrank order per split (rowid = position), and the runs of equal label sets
 * in that order: cx_run holds the first study of each run (a study whose
 * labels differ from the one before it). Found by looking up the row before
 * each one, not by window functions: a sort and a lookup per study, where
 * LAG and a running SUM cost two more sorts and took 13 us a study. */
static const char *const text_runs_sql[] = {
	"CREATE TEMP TABLE cx_cand AS SELECT c.id, c.key, c.split, c.patient, c.labels,"
	" c.tkey, c.r_file, c.r_line FROM cx_study c WHERE (c.f_ok OR c.i_ok) AND c.has_images"
	" ORDER BY c.split, c.hrank",
	"CREATE TEMP TABLE cx_run AS SELECT c.rowid AS pos, c.split, c.id, c.labels, c.tkey"
	" FROM cx_cand c LEFT JOIN cx_cand b ON b.rowid = c.rowid - 1"
	" WHERE b.rowid IS NULL OR b.split IS NOT c.split OR b.labels IS NOT c.labels",
	"CREATE INDEX temp.cx_run_key ON cx_run(split, pos, id, labels, tkey)",
	NULL,
};

static const struct cx_rule_prep text_runs = {"text runs", text_runs_sql, &study_facts};

/* The first study of the next run whose labels and text both differ (its
 * text read as rendered, cx_text_key: two studies with other labels may
 * share a report, and a distractor identical to the answer is no
 * distractor), or, wrapping, of the first such run. Consecutive runs differ
 * in labels, so this is nearly always the next run. */
#define OTHER_STUDY                                                                        \
	"COALESCE((SELECT x.id FROM cx_run x WHERE x.split = c.split AND x.pos > c.rowid"       \
	" AND x.labels IS NOT c.labels AND x.tkey IS NOT c.tkey ORDER BY x.pos LIMIT 1),"   \
	" (SELECT x.id FROM cx_run x WHERE x.split = c.split AND x.labels IS NOT c.labels"   \
	" AND x.tkey IS NOT c.tkey ORDER BY x.pos LIMIT 1))"

/* The columns of an instance about a study of cx_study, with the study's
 * (s_) or its report's (r_) provenance. */
#define STUDY_COLS(p)                                                                     \
	"SELECT ?1 AS entry_id, c.key AS key, c.split AS split, c.patient AS patient,"    \
	" c.id AS study_id, c." p "_file AS src_file, c." p "_line AS src_line FROM cx_study c"
#define IMAGE_COLS                                                                        \
	"SELECT ?1 AS entry_id, i.key AS key, i.split AS split, i.patient AS patient,"    \
	" i.study_id AS study_id, i.id AS image_id, i.src_file AS src_file,"              \
	" i.src_line AS src_line FROM image i NOT INDEXED"

/*
 * A label set says what an image shows when a label is positive (1, or a -1
 * the vocabulary's uncertain rule reads as 1) or when the release's own
 * "none" label is 1 ("No Finding"). An item with neither would be answered
 * "No Finding" by inference (a CheXpert study whose only label is an
 * uncertain Lung Lesion): the official build drops such items, and so do
 * these rules, counting them in the filtered table. cx_labels_say reads the
 * set with the source's vocabulary exactly as the renderer does; it is also
 * the faster way (227,000 MIMIC-like label sets: 0.21 CPU s, where json_each
 * joined on vocab_label took 0.68). Each labels rule runs it once per item;
 * what it left out is its items (.items_sql, the same WHERE without the
 * filter) less the instances it made.
 */
#define LABELS_SAY(labels)                                                                 \
	"cx_labels_say(" labels ", (SELECT d.vocab FROM dataset d WHERE d.id = ?2))"
#define NO_FINDING_INFERRED "no positive label and no released \"none\" label"

const struct cx_rule cx_rule_labels_study = {
	.name = "labels-study",
	.about = "a study with labels and images (key: study key)",
	.needs = "study (labels), image",
	.sql = (const char *const[]){
		STUDY_COLS("s") " WHERE c.labels IS NOT NULL AND c.has_images"
		" AND " LABELS_SAY("c.labels") " ORDER BY c.rowid",
		NULL},
	.dropped = NO_FINDING_INFERRED,
	.items_sql = "SELECT count(*) FROM cx_study c WHERE c.labels IS NOT NULL"
		     " AND c.has_images",
	.prep = &study_facts,
	.images = CX_IMAGES_STUDY,
	.parts = CX_PART_LABELS,
};

const struct cx_rule cx_rule_labels_image = {
	.name = "labels-image",
	.about = "an image with labels (key: image key)",
	.needs = "image (labels)",
	.sql = (const char *const[]){
		IMAGE_COLS " WHERE i.dataset_id = ?2 AND i.labels IS NOT NULL AND i.split <> ''"
		" AND " LABELS_SAY("i.labels") " ORDER BY i.key", NULL},
	.dropped = NO_FINDING_INFERRED,
	.items_sql = "SELECT count(*) FROM image i NOT INDEXED WHERE i.dataset_id = ?2"
		     " AND i.labels IS NOT NULL AND i.split <> ''",
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_LABELS,
	.image_labels = 1,
};

const struct cx_rule cx_rule_view = {
	.name = "view",
	.about = "an image whose view is PA, AP, LATERAL or LL",
	.needs = "image (view)",
	.sql = (const char *const[]){
		IMAGE_COLS " WHERE i.dataset_id = ?2 AND i.view IN ('PA', 'AP', 'LATERAL', 'LL')"
		" AND i.split <> '' ORDER BY i.key", NULL},
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_IMAGE,
};

/* The source's laterals in hrank order per split (rowid = position), the
 * runs of laterals of one study in that order (cx_latrun: the first lateral
 * of each run, found as text runs are), and the first lateral of each study. */
static const char *const laterals_sql[] = {
	"CREATE TEMP TABLE cx_lat AS SELECT i.split, i.hrank, i.id, i.study_id"
	" FROM image i NOT INDEXED WHERE i.dataset_id = ?2 AND i.view = 'LATERAL'"
	" ORDER BY i.split, i.hrank",
	"CREATE INDEX temp.cx_lat_rank ON cx_lat(split, hrank, id, study_id)",
	"CREATE TEMP TABLE cx_latrun AS SELECT c.rowid AS pos, c.split, c.id FROM cx_lat c"
	" LEFT JOIN cx_lat b ON b.rowid = c.rowid - 1 WHERE b.rowid IS NULL"
	" OR b.split IS NOT c.split OR b.study_id IS NOT c.study_id",
	"CREATE INDEX temp.cx_latrun_key ON cx_latrun(split, pos, id)",
	"CREATE TEMP TABLE cx_latfirst (study_id INTEGER PRIMARY KEY, id INTEGER)",
	"INSERT INTO cx_latfirst SELECT study_id, id FROM (SELECT study_id, id, ROW_NUMBER()"
	" OVER (PARTITION BY study_id ORDER BY hrank) AS k FROM cx_lat"
	" WHERE study_id IS NOT NULL) WHERE k = 1",
	NULL,
};

static const struct cx_rule_prep laterals = {"laterals", laterals_sql, NULL};

/* A lateral l that is of the frontal's study stands for the first lateral
 * after it of another study: the first of the next run. */
#define LAT_OF_OTHER_STUDY                                                                 \
	"CASE WHEN l.study_id IS NOT i.study_id THEN l.id ELSE (SELECT x.id FROM cx_latrun x"  \
	" WHERE x.split = l.split AND x.pos > l.rowid ORDER BY x.pos LIMIT 1) END"

/* A frontal image with the first lateral (hrank order) of its own study
 * ("|same", flag 1), then with the first lateral after it (hrank order,
 * wrapping around) of the same split and another study ("|other", flag 0).
 * Rows go in the order of the image key (p.key: the alias key has the
 * suffix). */
const struct cx_rule cx_rule_view_pairs = {
	.name = "view-pairs",
	.about = "a frontal image with a lateral of its own study (\"|same\", flag 1) and"
		 " with a lateral of another study of the same split (\"|other\", flag 0)",
	.needs = "image (view, study)",
	.sql = (const char *const[]){
		"WITH p AS MATERIALIZED (SELECT i.*, (SELECT f.id FROM cx_latfirst f"
		" WHERE f.study_id = i.study_id) AS other FROM image i NOT INDEXED"
		" WHERE i.dataset_id = ?2 AND i.view IN ('PA', 'AP') AND i.split <> ''"
		" AND i.study_id IS NOT NULL)"
		" SELECT ?1 AS entry_id, key || '|same' AS key, split, patient, study_id,"
		" id AS image_id, other AS other_id, 1 AS flag, src_file, src_line"
		" FROM p WHERE other IS NOT NULL ORDER BY p.key",
		"WITH p AS MATERIALIZED (SELECT i.*, COALESCE("
		"(SELECT " LAT_OF_OTHER_STUDY " FROM cx_lat l WHERE l.split = i.split"
		" AND l.hrank > i.hrank ORDER BY l.hrank LIMIT 1),"
		" (SELECT " LAT_OF_OTHER_STUDY " FROM cx_lat l WHERE l.split = i.split"
		" ORDER BY l.hrank LIMIT 1)) AS other FROM image i NOT INDEXED"
		" WHERE i.dataset_id = ?2 AND i.view IN ('PA', 'AP') AND i.split <> ''"
		" AND i.study_id IN (SELECT study_id FROM cx_latfirst))"
		" SELECT ?1 AS entry_id, key || '|other' AS key, split, patient, study_id,"
		" id AS image_id, other AS other_id, 0 AS flag, src_file, src_line"
		" FROM p WHERE other IS NOT NULL ORDER BY p.key",
		NULL},
	.prep = &laterals,
	.images = CX_IMAGES_PAIR,
	.parts = CX_PART_PAIR,
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
	.parts = CX_PART_IMAGE | CX_PART_BOXES,
};

const struct cx_rule cx_rule_findings = {
	.name = "findings",
	.about = "a study with images and a non-empty findings section",
	.needs = "study, report (findings), image",
	.sql = (const char *const[]){
		STUDY_COLS("r") " WHERE c.f_ok AND c.has_images ORDER BY c.rowid", NULL},
	.prep = &study_facts,
	.images = CX_IMAGES_STUDY,
	.parts = CX_PART_REPORT,
};

const struct cx_rule cx_rule_impression = {
	.name = "impression",
	.about = "a study with images and a non-empty impression",
	.needs = "study, report (impression), image",
	.sql = (const char *const[]){
		STUDY_COLS("r") " WHERE c.i_ok AND c.has_images ORDER BY c.rowid", NULL},
	.prep = &study_facts,
	.images = CX_IMAGES_STUDY,
	.parts = CX_PART_REPORT,
};

/* Text only: a study needs no image. The entry's impression_excludes (MIMIC-
 * CXR's de-identification marks and clock times, as the official build
 * filters them) leave out studies whose impression holds one of them: the
 * studies to leave out are found in one scan of the report table, in its
 * own order. A lookup of each study's impression cost 2.2 CPU s at full
 * MIMIC-CXR scale against 0.5 s (cx_study does not fit the cache, and a
 * study id order reads it at random). */
const struct cx_rule cx_rule_summary = {
	.name = "summary",
	.about = "a study with findings and an impression, text only",
	.needs = "study, report (findings, impression)",
	.sql = (const char *const[]){
		STUDY_COLS("r") " WHERE c.f_ok AND c.i_ok AND c.id NOT IN (SELECT r.study_id"
		" FROM report r WHERE ?3 IS NOT NULL AND r.dataset_id = ?2"
		" AND cx_holds_any(r.impression, ?3)) ORDER BY c.rowid", NULL},
	.prep = &study_facts,
	.images = CX_IMAGES_NONE,
	.parts = CX_PART_REPORT,
};

const struct cx_rule cx_rule_text_match = {
	.name = "text-match",
	.about = "a study with report text: its own text (\"|match\", flag 1) and another"
		 " study's (\"|mismatch\", flag 0)",
	.needs = "study (labels), report, image",
	.sql = (const char *const[]){
		"SELECT ?1 AS entry_id, c.key || '|match' AS key, c.split AS split,"
		" c.patient AS patient, c.id AS study_id, 1 AS flag, c.r_file AS src_file,"
		" c.r_line AS src_line FROM cx_cand c ORDER BY c.key",
		"WITH p AS MATERIALIZED (SELECT c.key || '|mismatch' AS key, c.split AS split,"
		" c.patient AS patient, c.id AS study_id, " OTHER_STUDY " AS other_id,"
		" c.r_file AS src_file, c.r_line AS src_line FROM cx_cand c)"
		" SELECT ?1 AS entry_id, key, split, patient, study_id, other_id, 0 AS flag,"
		" src_file, src_line FROM p WHERE other_id IS NOT NULL ORDER BY key",
		NULL},
	.prep = &text_runs,
	.images = CX_IMAGES_STUDY,
	.parts = CX_PART_PAIR,
	.other_text = 1,
};

const struct cx_rule cx_rule_text_select = {
	.name = "text-select",
	.about = "a study with report text, choosing between its own and another study's text",
	.needs = "study (labels), report, image",
	.sql = (const char *const[]){
		"WITH p AS MATERIALIZED (SELECT c.key AS key, c.split AS split, c.patient AS patient,"
		" c.id AS study_id, " OTHER_STUDY " AS other_id, c.r_file AS src_file,"
		" c.r_line AS src_line FROM cx_cand c)"
		" SELECT ?1 AS entry_id, key, split, patient, study_id, other_id, src_file, src_line"
		" FROM p WHERE other_id IS NOT NULL ORDER BY key",
		NULL},
	.prep = &text_runs,
	.images = CX_IMAGES_STUDY,
	.parts = CX_PART_PAIR,
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
	.parts = CX_PART_QA,
};

const struct cx_rule cx_rule_qa_closed = {
	.name = "qa-closed",
	.about = "a closed question about an image",
	.needs = "qa, image",
	.sql = (const char *const[]){QA_SQL("1"), NULL},
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_QA,
};

/* The strictest of three splits: test, then val, then train. */
#define STRICTEST(a, b, c)                                                                 \
	"CASE WHEN 'test' IN (" a ", " b ", " c ") THEN 'test' WHEN 'val' IN (" a ", " b ", " c \
	") THEN 'val' WHEN 'train' IN (" a ", " b ", " c ") THEN 'train' ELSE '' END"

/*
 * An image compared with its prior under one finding (MS-CXR-T): one
 * instance per image pair fact, showing the prior (image_id) first, then the
 * current image (other_id). Its split is the strictest of the pair's and of
 * both images' (a borrower's images carry MIMIC-CXR's split): a pair whose
 * prior is a MIMIC test study is a test instance. Its study and patient are
 * the current image's. Key: "<current>|<prior>|<finding>".
 */
const struct cx_rule cx_rule_image_pairs = {
	.name = "image-pairs",
	.about = "an image and its prior, compared under one finding (key:"
		 " \"<image>|<prior>|<label>\")",
	.needs = "image_pair, image",
	.sql = (const char *const[]){
		"WITH p AS MATERIALIZED (SELECT i.key || '|' || o.key || '|' || p.label AS key, "
		STRICTEST("p.split", "i.split", "o.split") " AS split, i.patient AS patient,"
		" i.study_id AS study_id, o.id AS image_id, p.label AS label, i.id AS other_id,"
		" p.src_file AS src_file, p.src_line AS src_line FROM image_pair p"
		" JOIN image i ON i.id = p.image_id JOIN image o ON o.id = p.other_id"
		" WHERE p.dataset_id = ?2)"
		" SELECT ?1 AS entry_id, key, split, patient, study_id, image_id, label, other_id,"
		" src_file, src_line FROM p WHERE split <> '' ORDER BY key",
		NULL},
	.images = CX_IMAGES_PAIR,
	.parts = CX_PART_IMAGE_PAIR,
};

/* Two texts and their relation (MS-CXR-T sentence pairs): one instance per
 * text pair fact with a key (the view finds the pair by it) and a split. */
const struct cx_rule cx_rule_text_pairs = {
	.name = "text-pairs",
	.about = "two texts and their relation, text only (key: the pair's key)",
	.needs = "text_pair",
	.sql = (const char *const[]){
		"SELECT ?1 AS entry_id, t.key AS key, t.split AS split, t.src_file AS src_file,"
		" t.src_line AS src_line FROM text_pair t NOT INDEXED WHERE t.dataset_id = ?2"
		" AND t.key IS NOT NULL AND t.split <> '' ORDER BY t.id",
		NULL},
	.images = CX_IMAGES_NONE,
	.parts = CX_PART_TEXT_PAIR,
};

/* ------------------------------------------------------------------ */
/* Wave 3: abnormality detection and grounded diagnosis (helper A)     */

/*
 * Detection shows an image and asks for every finding it has boxes of; the
 * answer is all of them, labelled. The official build skips an image with
 * more than five boxes (after merging each class's reader boxes, which the
 * adapter does), so this rule does too, counting what it skips.
 *
 * A negative ("no abnormality detected") must be an image someone looked at
 * for boxes and found none, not merely an image without box facts: NIH
 * ChestX-ray14 boxes fewer than 1,000 of its 112,120 images. So a negative
 * is an image of a dataset that has boxes, with no box, whose released
 * labels give the vocabulary's "none" label as 1 and no other label as
 * anything but 0 (VinDr's "No finding" images; an image labelled only with a
 * global diagnosis such as tuberculosis, which has no box, is no negative).
 * A negative has no label; its boxes part is empty. A split keeps at most as
 * many negatives as positives, the first in hrank order (the seeded hash of
 * the image key): VinDr-CXR's train set has 10,606 "No finding" images to
 * 3,111 kept positives, and a detection entry of 77 % negatives would teach
 * mostly the negative answer. The official build pairs one negative with
 * each positive grounding sample; this is that balance, per split.
 */
#define DATASET_VOCAB "(SELECT d.vocab FROM dataset d WHERE d.id = ?2)"
#define NONE_ONLY(labels)                                                                  \
	"EXISTS (SELECT 1 FROM json_each(" labels ") j JOIN vocab_label l ON l.name = j.key"   \
	" WHERE l.vocab = " DATASET_VOCAB " AND l.role = 'none' AND j.value = 1)"              \
	" AND NOT EXISTS (SELECT 1 FROM json_each(" labels ") j JOIN vocab_label l"          \
	" ON l.name = j.key WHERE l.vocab = " DATASET_VOCAB " AND l.role <> 'none'"            \
	" AND j.value <> 0)"
#define DETECTION_NEGATIVES                                                                \
	" WHERE i.dataset_id = ?2 AND i.split <> '' AND i.labels IS NOT NULL"               \
	" AND EXISTS (SELECT 1 FROM box x WHERE x.dataset_id = ?2)"                          \
	" AND NOT EXISTS (SELECT 1 FROM box b WHERE b.image_id = i.id)"                      \
	" AND " NONE_ONLY("i.labels")
#define BOXED_IMAGES                                                                       \
	"SELECT ?1 AS entry_id, i.key AS key, i.split AS split, i.patient AS patient,"     \
	" i.study_id AS study_id, i.id AS image_id, MIN(b.src_file) AS src_file,"          \
	" MIN(b.src_line) AS src_line FROM box b JOIN image i ON b.image_id = i.id"         \
	" WHERE i.dataset_id = ?2 AND i.split <> '' GROUP BY i.id"

const struct cx_rule cx_rule_detection = {
	.name = "detection",
	.about = "an image with all its boxes (at most five), or an image of a dataset with"
		 " boxes that has none and is released as the \"none\" label alone (key: image key)",
	.needs = "image (labels), box",
	.sql = (const char *const[]){
		BOXED_IMAGES " HAVING count(*) <= 5 ORDER BY i.key",
		"WITH pos AS (SELECT split, count(*) AS n FROM (" BOXED_IMAGES
		" HAVING count(*) <= 5) GROUP BY split),"
		" neg AS MATERIALIZED (SELECT i.key AS key, i.split AS split, i.patient AS patient,"
		" i.study_id AS study_id, i.id AS image_id, i.src_file AS src_file,"
		" i.src_line AS src_line, ROW_NUMBER() OVER (PARTITION BY i.split ORDER BY i.hrank,"
		" i.key) AS k FROM image i NOT INDEXED" DETECTION_NEGATIVES ")"
		" SELECT ?1 AS entry_id, key, split, patient, study_id, image_id, src_file, src_line"
		" FROM neg WHERE k <= COALESCE((SELECT n FROM pos WHERE pos.split = neg.split), 0)"
		" ORDER BY key",
		NULL},
	.dropped = "more than five boxes on the image (the official selection), or a negative"
		   " beyond one per positive image of its split",
	.items_sql = "SELECT (SELECT count(*) FROM (" BOXED_IMAGES "))"
		     " + (SELECT count(*) FROM image i NOT INDEXED" DETECTION_NEGATIVES ")",
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_IMAGE | CX_PART_BOXES,
	.all_boxes = 1,
};

/* An (image, label) with its boxes, as cx_rule_boxes, keeping only those
 * with one or two boxes: the official build skips a class with more than
 * two boxes on an image for grounding and grounded diagnosis (a region of
 * many scattered boxes is no one region to name or to find). */
#define LABEL_BOXES                                                                        \
	"SELECT ?1 AS entry_id, i.key || '|' || b.label AS key, i.split AS split,"        \
	" i.patient AS patient, i.study_id AS study_id, i.id AS image_id, b.label AS label,"\
	" MIN(b.src_file) AS src_file, MIN(b.src_line) AS src_line"                         \
	" FROM box b JOIN image i ON b.image_id = i.id"                                     \
	" WHERE i.dataset_id = ?2 AND i.split <> '' GROUP BY i.id, b.label"
#define FEW_BOXES LABEL_BOXES " HAVING count(*) <= 2 ORDER BY i.key, b.label"
#define FEW_DROPPED "more than two boxes of the label on the image (the official selection)"
#define FEW_ITEMS "SELECT count(*) FROM (" LABEL_BOXES ")"

const struct cx_rule cx_rule_boxes_few = {
	.name = "boxes-few",
	.about = "an (image, label) pair with one or two boxes (key: \"<image>|<label>\")",
	.needs = "image, box",
	.sql = (const char *const[]){FEW_BOXES, NULL},
	.dropped = FEW_DROPPED,
	.items_sql = FEW_ITEMS,
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_IMAGE | CX_PART_BOXES,
};

/*
 * Grounding with paired negatives: the items of boxes-few, and for each
 * (split, label) as many images of the split without the label as it has
 * positives, the first in hrank order, as the official build gives each
 * positive grounding sample one negative image lacking the class. A
 * negative is an image the release read for the label (its labels give it,
 * as 0) with no box of it: key "<image>|<label>", boxes part empty, answered
 * "No <finding> detected." (tasks/fine.c). What is left out (classes of more
 * than two boxes, images past the pairing) is counted.
 */
#define FEW_PER_SPLIT                                                                      \
	"p AS MATERIALIZED (SELECT split, label, count(*) AS npos FROM (" LABEL_BOXES       \
	" HAVING count(*) <= 2) GROUP BY split, label)"
#define LACKING_WHERE                                                                      \
	" FROM image i NOT INDEXED JOIN p ON p.split = i.split WHERE i.dataset_id = ?2"     \
	" AND i.labels IS NOT NULL AND json_extract(i.labels, '$.\"' || p.label || '\"') = 0" \
	" AND NOT EXISTS (SELECT 1 FROM box b WHERE b.image_id = i.id AND b.label = p.label)"

const struct cx_rule cx_rule_boxes_few_paired = {
	.name = "boxes-few-paired",
	.about = "an (image, label) pair with one or two boxes, and as many images of the"
		 " split whose labels give the label as 0 (key: \"<image>|<label>\")",
	.needs = "image (labels), box",
	.sql = (const char *const[]){
		FEW_BOXES,
		"WITH " FEW_PER_SPLIT ", n AS MATERIALIZED (SELECT ?1 AS entry_id,"
		" i.key || '|' || p.label AS key, i.split AS split, i.patient AS patient,"
		" i.study_id AS study_id, i.id AS image_id, p.label AS label,"
		" i.src_file AS src_file, i.src_line AS src_line, p.npos AS npos,"
		" ROW_NUMBER() OVER (PARTITION BY i.split, p.label ORDER BY i.hrank, i.key) AS k"
		LACKING_WHERE ") SELECT entry_id, key, split, patient, study_id, image_id, label,"
		" src_file, src_line FROM n WHERE k <= npos ORDER BY key",
		NULL},
	.dropped = FEW_DROPPED ", or an image without the label past one per positive of"
		   " the split",
	.items_sql = "SELECT (" FEW_ITEMS ") + (WITH " FEW_PER_SPLIT " SELECT count(*)"
		     LACKING_WHERE ")",
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_IMAGE | CX_PART_BOXES,
};

/* Grounded diagnosis: the same items, with the image's labels, so that a
 * wrong option is never a finding the image has. */
const struct cx_rule cx_rule_grounded = {
	.name = "grounded",
	.about = "an (image, label) pair with one or two boxes, and the image's labels (key:"
		 " \"<image>|<label>\")",
	.needs = "image (labels), box",
	.sql = (const char *const[]){FEW_BOXES, NULL},
	.dropped = FEW_DROPPED,
	.items_sql = FEW_ITEMS,
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_IMAGE | CX_PART_BOXES | CX_PART_LABELS,
	.image_labels = 1,
};

/* ------------------------------------------------------------------ */
/* Wave 3: localisation (helper B): pneumothorax, rib fracture, chest tube
 * (SIIM-ACR and CANDID-PTX). The task names the finding, so each rule is one finding's: an
 * instance is an image, positive when it has boxes of that label, negative
 * (answered "none seen") when it has none. A negative is an image the
 * release read for the finding and found without it: SIIM and CANDID give a
 * pneumothorax mask or -1 for every image; CANDID's rib-fracture and chest-
 * tube files list the positive images of its whole set, so its other images
 * are negatives unless their report mentions the finding (checked: a report
 * saying "fracture" or "tube" is not a clean negative). Negatives are
 * selected in hrank order (the xxHash of the image key under the build seed):
 * all of them, at most LIMIT of them, or one per positive image of the split,
 * as the official build's selections say (sources/candid-ptx.md). Key: the
 * image key. */

/* The positives: images with boxes of label L. */
#define LOC_POS(L)                                                                         \
	"SELECT ?1 AS entry_id, i.key AS key, i.split AS split, i.patient AS patient,"     \
	" i.study_id AS study_id, i.id AS image_id, '" L "' AS label,"                      \
	" MIN(b.src_file) AS src_file, MIN(b.src_line) AS src_line"                         \
	" FROM box b JOIN image i ON b.image_id = i.id WHERE i.dataset_id = ?2"             \
	" AND i.split <> '' AND b.label = '" L "' GROUP BY i.id ORDER BY i.key"
/* The images that may be negatives of L: no box of L, and no report of their
 * study holding any of the words of MENTION, SQL VALUES rows ("('')" for
 * none). */
#define LOC_NEG_WHERE(L, MENTION)                                                          \
	" FROM image i NOT INDEXED WHERE i.dataset_id = ?2 AND i.split <> ''"               \
	" AND NOT EXISTS (SELECT 1 FROM box b WHERE b.image_id = i.id"                      \
	" AND b.label = '" L "') AND NOT EXISTS (SELECT 1 FROM report r, (VALUES " MENTION  \
	") m WHERE r.study_id = i.study_id AND m.column1 <> ''"                             \
	" AND instr(lower(r.impression), m.column1) > 0)"
#define LOC_NEG_COLS(L)                                                                    \
	"?1 AS entry_id, i.key AS key, i.split AS split, i.patient AS patient,"             \
	" i.study_id AS study_id, i.id AS image_id, '" L "' AS label, i.src_file AS src_file," \
	" i.src_line AS src_line"
/* Negatives ranked by hrank, within the split (PART = "PARTITION BY i.split")
 * or over the whole dataset (PART = ""). */
#define LOC_NEG_RANKED(L, MENTION, PART)                                                   \
	"WITH n AS MATERIALIZED (SELECT " LOC_NEG_COLS(L) ", ROW_NUMBER() OVER (" PART     \
	" ORDER BY i.hrank, i.key) AS k" LOC_NEG_WHERE(L, MENTION) ")"
#define LOC_ITEMS(L, MENTION)                                                              \
	"SELECT (SELECT count(DISTINCT b.image_id) FROM box b JOIN image i ON i.id ="      \
	" b.image_id WHERE i.dataset_id = ?2 AND i.split <> '' AND b.label = '" L "')"      \
	" + (SELECT count(*)" LOC_NEG_WHERE(L, MENTION) ")"

const struct cx_rule cx_rule_localise_pneumothorax = {
	.name = "localise-pneumothorax",
	.about = "an image with pneumothorax boxes, or one read as without (key: image key)",
	.needs = "image, box (Pneumothorax)",
	.sql = (const char *const[]){
		LOC_POS("Pneumothorax"),
		"SELECT " LOC_NEG_COLS("Pneumothorax") LOC_NEG_WHERE("Pneumothorax", "('')")
		" ORDER BY i.key",
		NULL},
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_IMAGE | CX_PART_BOXES,
};

/* CANDID-PTX: the official build keeps at most 5,000 images without a
 * pneumothorax (it stops at the 5,000th); here the first 5,000 in hrank
 * order, over all splits. */
#define PTX_NEGATIVES "5000"
const struct cx_rule cx_rule_localise_pneumothorax_capped = {
	.name = "localise-pneumothorax-capped",
	.about = "an image with pneumothorax boxes, or one of at most " PTX_NEGATIVES
		 " read as without (key: image key)",
	.needs = "image, box (Pneumothorax)",
	.sql = (const char *const[]){
		LOC_POS("Pneumothorax"),
		LOC_NEG_RANKED("Pneumothorax", "('')", "") " SELECT entry_id, key, split, patient,"
		" study_id, image_id, label, src_file, src_line FROM n WHERE k <= " PTX_NEGATIVES
		" ORDER BY key",
		NULL},
	.dropped = "images without a pneumothorax past the first " PTX_NEGATIVES,
	.items_sql = LOC_ITEMS("Pneumothorax", "('')"),
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_IMAGE | CX_PART_BOXES,
};

/* One negative per positive image of the same split, the first in hrank
 * order (the official build draws one random negative per positive). */
#define LOC_PAIRED(L, MENTION)                                                             \
	LOC_NEG_RANKED(L, MENTION, "PARTITION BY i.split") ", p AS MATERIALIZED (SELECT"    \
	" i.split AS split, count(DISTINCT i.id) AS npos FROM box b JOIN image i"           \
	" ON i.id = b.image_id WHERE i.dataset_id = ?2 AND i.split <> ''"                   \
	" AND b.label = '" L "' GROUP BY i.split)"                                          \
	" SELECT n.entry_id, n.key, n.split, n.patient, n.study_id, n.image_id, n.label,"   \
	" n.src_file, n.src_line FROM n JOIN p ON p.split = n.split WHERE n.k <= p.npos"    \
	" ORDER BY n.key"
#define PAIRED_DROPPED(what)                                                               \
	"images without " what " past one per positive image of the split, or whose"        \
	" report mentions it"

const struct cx_rule cx_rule_localise_rib_fracture = {
	.name = "localise-rib-fracture",
	.about = "an image with rib fracture boxes, or as many images without (key: image"
		 " key)",
	.needs = "image, box (Rib Fracture), report",
	.sql = (const char *const[]){
		LOC_POS("Rib Fracture"), LOC_PAIRED("Rib Fracture", "('fractur')"), NULL},
	.dropped = PAIRED_DROPPED("a rib fracture"),
	.items_sql = LOC_ITEMS("Rib Fracture", "('')"),
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_IMAGE | CX_PART_BOXES,
};

const struct cx_rule cx_rule_localise_chest_tube = {
	.name = "localise-chest-tube",
	.about = "an image with chest tube boxes, or as many images without (key: image key)",
	.needs = "image, box (Chest Tube), report",
	.sql = (const char *const[]){
		LOC_POS("Chest Tube"), LOC_PAIRED("Chest Tube", "('tube'), ('drain')"),
		NULL},
	.dropped = PAIRED_DROPPED("a chest tube"),
	.items_sql = LOC_ITEMS("Chest Tube", "('')"),
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_IMAGE | CX_PART_BOXES,
};

/* ------------------------------------------------------------------ */
/* Wave 3: foreign-object detection (helper C)                        */

/*
 * Every image of a dataset whose release looked at each image for foreign
 * objects (Object-CXR: half its images have none, by design), with every box
 * of the image (all_boxes: the adapter gives foreign objects only), or none:
 * an image without a box is a negative, answered "no foreign object". Unlike
 * rule detection, a negative needs no released "none" label (the release's
 * design is the statement), and no image is skipped for its number of boxes:
 * the official build keeps every Object-CXR image, so nothing is filtered.
 */
const struct cx_rule cx_rule_objects = {
	.name = "objects",
	.about = "an image with all its boxes (foreign objects), or none (key: image key)",
	.needs = "image, box",
	.sql = (const char *const[]){
		IMAGE_COLS " WHERE i.dataset_id = ?2 AND i.split <> '' ORDER BY i.key", NULL},
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_IMAGE | CX_PART_BOXES,
	.all_boxes = 1,
};

/* --- Phrases grounded by boxes (MS-CXR; wave 3, helper D) --------------- */

/* A split as a rank (test 3, val 2, train 1, none 0) and back. */
#define SPLIT_RANK(s)                                                                      \
	"(CASE " s " WHEN 'test' THEN 3 WHEN 'val' THEN 2 WHEN 'train' THEN 1 ELSE 0 END)"
#define RANK_SPLIT(r)                                                                      \
	"(CASE " r " WHEN 3 THEN 'test' WHEN 2 THEN 'val' WHEN 1 THEN 'train' ELSE '' END)"

/*
 * One (image, phrase) with its boxes, grouped as the official build groups
 * MS-CXR's rows (dicom_id, label_text). Its split is the strictest of the
 * release's split of its rows (phrase_box.split) and its image's (MIMIC-CXR's,
 * which the borrowed image carries): test wins, whichever says it. The
 * phrase is the instance's label. WHERE is the rule's own filter (or "1").
 */
#define PHRASE_GROUPS(where)                                                               \
	"WITH g AS MATERIALIZED (SELECT i.key || '|' || b.phrase AS key, " RANK_SPLIT(        \
		"MAX(MAX(" SPLIT_RANK("b.split") "), " SPLIT_RANK("i.split") ")")             \
	" AS split, i.patient AS patient, i.study_id AS study_id, i.id AS image_id,"            \
	" b.phrase AS label, MIN(b.src_file) AS src_file, MIN(b.src_line) AS src_line"          \
	" FROM phrase_box b JOIN image i ON i.id = b.image_id WHERE b.dataset_id = ?2"          \
	" GROUP BY i.id, b.phrase)"                                                             \
	" SELECT ?1 AS entry_id, key, split, patient, study_id, image_id, label, src_file,"     \
	" src_line FROM g WHERE split <> '' AND " where " ORDER BY key"

const struct cx_rule cx_rule_phrase_boxes = {
	.name = "phrase-boxes",
	.about = "a phrase and its boxes on one image (key: \"<image>|<phrase>\")",
	.needs = "phrase_box, image",
	.sql = (const char *const[]){PHRASE_GROUPS("1"), NULL},
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_IMAGE | CX_PART_PHRASE,
};

/*
 * The section of the image's study report that holds the phrase (case as
 * released; runs of whitespace read as one space, as the instruction shows
 * the section: a phrase the report wraps over two lines is found, where the
 * official build's plain substring test on the raw text misses it), looked
 * for in findings, impression, last paragraph and comparison in that order,
 * as the official build does: that section's text, or NULL when none holds
 * it. The report is the study's in the dataset
 * holding the image files (dataset.image_source: MIMIC-CXR for MS-CXR, the
 * source itself otherwise). catalogue/cat-view.c reads the same section
 * (CX_PHRASE_SECTION_SQL, adapter.h) for the view.
 */
#define PHRASE_SECTION(image, phrase)                                                      \
	"(SELECT CASE WHEN cx_holds_squashed(r.findings, " phrase ") THEN r.findings"           \
	" WHEN cx_holds_squashed(r.impression, " phrase ") THEN r.impression"                   \
	" WHEN cx_holds_squashed(r.last_paragraph, " phrase ") THEN r.last_paragraph"           \
	" WHEN cx_holds_squashed(r.comparison, " phrase ") THEN r.comparison END"               \
	" FROM image i JOIN study s ON s.id = i.study_id JOIN dataset d ON d.id = s.dataset_id" \
	" JOIN dataset l ON l.source = d.image_source"                                          \
	" JOIN study ls ON ls.dataset_id = l.id AND ls.key = s.key"                             \
	" JOIN report r ON r.study_id = ls.id WHERE i.id = " image ")"

const char cx_phrase_section_sql[] = "SELECT " PHRASE_SECTION("?1", "?2");

const struct cx_rule cx_rule_phrase_text = {
	.name = "phrase-text",
	.about = "a phrase and its boxes on one image, with the section of the study's report"
		 " that holds the phrase (key: \"<image>|<phrase>\")",
	.needs = "phrase_box, image, report (of the image's study, in the dataset holding the"
		 " images)",
	.sql = (const char *const[]){PHRASE_GROUPS(PHRASE_SECTION("g.image_id", "g.label")
						   " IS NOT NULL"), NULL},
	.dropped = "the phrase is in no section of its study's report",
	.items_sql = "SELECT count(*) FROM (SELECT 1 FROM phrase_box b JOIN image i"
		     " ON i.id = b.image_id WHERE b.dataset_id = ?2 GROUP BY i.id, b.phrase"
		     " HAVING MAX(MAX(" SPLIT_RANK("b.split") "), " SPLIT_RANK("i.split") ") > 0)",
	.images = CX_IMAGES_IMAGE,
	.parts = CX_PART_IMAGE | CX_PART_PHRASE,
};

const struct cx_rule *const cx_rules[] = {
	&cx_rule_labels_study, &cx_rule_labels_image, &cx_rule_view,      &cx_rule_view_pairs,
	&cx_rule_boxes,        &cx_rule_findings,     &cx_rule_impression, &cx_rule_summary,
	&cx_rule_text_match,   &cx_rule_text_select,  &cx_rule_qa_open,   &cx_rule_qa_closed,
	&cx_rule_image_pairs,  &cx_rule_text_pairs,
	/* wave 3 (helper A) */
	&cx_rule_detection,    &cx_rule_boxes_few,    &cx_rule_grounded,
	&cx_rule_boxes_few_paired,
	/* localisation (helper B) */
	&cx_rule_localise_pneumothorax, &cx_rule_localise_pneumothorax_capped,
	&cx_rule_localise_rib_fracture, &cx_rule_localise_chest_tube,
	/* wave 3 (helper C) */
	&cx_rule_objects,
	/* wave 3, helper D */
	&cx_rule_phrase_boxes, &cx_rule_phrase_text,
};
const size_t cx_nrules = CX_ARRAY_LEN(cx_rules);

const struct cx_rule *cx_rule_find(const char *name)
{
	for (size_t i = 0; i < cx_nrules; i++)
		if (!strcmp(cx_rules[i]->name, name))
			return cx_rules[i];
	return NULL;
}

/*
 * cat-view.c - filling a struct cx_instance_view (and the image references)
 * for one instance row, shared by `sample` (cat-query.c) and the sharder
 * (cat-shard.c). The row must carry the CAT_ITEM_COLS columns first. The
 * view gets exactly the parts its entry's rule declares (struct cx_rule's
 * .parts, one filler each below), so a renderer finds a part it was not
 * promised NULL instead of a field some other rule left half-filled. The
 * one-row lookups behind the parts are prepared once per struct cat_views,
 * so a sharder filling millions of views does not re-prepare them each time.
 * Each dataset's label vocabulary is read once per struct cat_views too, and
 * every view of the dataset points at it.
 */
#include "cx.h"

#include "catalogue/cat-internal.h"

/* Columns of CAT_ITEM_COLS this file reads. */
enum {
	C_ID, C_KEY, C_SPLIT, C_TASK, C_DATASET, C_STUDY, C_IMAGE, C_QA, C_LABEL, C_OTHER,
	C_FLAG, C_DERIVE = 13, C_RELEASE = 14
};

enum {
	V_IMAGE, V_IMAGE_LABELS, V_STUDY_LABELS, V_REPORT, V_TEXT, V_QA, V_BOXES, V_IMAGES,
	V_IMAGE_PAIR, V_TEXT_PAIR, V_BOXES_ALL, V_PHRASE_BOXES, V_PHRASE_TEXT, V_COUNT
};

static const char *const view_sql[V_COUNT] = {
	"SELECT view, width, height FROM image WHERE id = ?1",
	"SELECT labels FROM image WHERE id = ?1",
	"SELECT labels FROM study WHERE id = ?1",
	"SELECT indication, findings, impression FROM report WHERE study_id = ?1",
	/* a study's report text: its findings, or its impression when it has none */
	"SELECT COALESCE(NULLIF(findings, ''), impression) FROM report WHERE study_id = ?1",
	"SELECT question, answer, closed FROM qa WHERE id = ?1",
	"SELECT label, x, y, w, h, frame_width, frame_height FROM box"
	" WHERE image_id = ?1 AND label = ?2 ORDER BY y, x, id",
	"SELECT i.archive, i.path FROM instance_image x JOIN image i ON x.image_id = i.id"
	" WHERE x.instance_id = ?1 ORDER BY x.ord",
	/* by the instance: its pair fact is (other_id, image_id, label); few
	 * rows (MS-CXR-T: 1,326 pairs), so no index */
	"SELECT n.label, p.value FROM instance n JOIN image_pair p ON p.image_id = n.other_id"
	" AND p.other_id = n.image_id AND p.label = n.label WHERE n.id = ?1",
	"SELECT t.text1, t.text2, t.relation FROM instance n JOIN entry e ON e.id = n.entry_id"
	" JOIN text_pair t ON t.dataset_id = e.dataset_id AND t.key = n.key WHERE n.id = ?1",
	/* every box of the image, whatever its label (a rule's all_boxes) */
	"SELECT label, x, y, w, h, frame_width, frame_height FROM box"
	" WHERE image_id = ?1 ORDER BY y, x, id",
	"SELECT label, x, y, w, h, frame_width, frame_height FROM phrase_box"
	" WHERE image_id = ?1 AND phrase = ?2 ORDER BY y, x, id",
	cx_phrase_section_sql,
};

/* A dataset seen by this cat_views: its vocabulary, loaded once. */
struct view_dataset {
	char *name, *source;
	struct cx_vocab *vocab; /* NULL: none, or it could not be read */
};

struct cat_views {
	struct cx_cat *cat;
	sqlite3_stmt *st[V_COUNT];
	struct view_dataset *ds;
	size_t nds;
};

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

struct cat_views *cat_views_new(struct cx_cat *cat)
{
	struct cat_views *v = cx_calloc(1, sizeof(*v));
	v->cat = cat;
	return v;
}

void cat_views_free(struct cat_views *v)
{
	if (!v)
		return;
	for (int i = 0; i < V_COUNT; i++)
		sqlite3_finalize(v->st[i]);
	for (size_t i = 0; i < v->nds; i++) {
		free(v->ds[i].name);
		free(v->ds[i].source);
		cx_cat_vocab_free(v->ds[i].vocab);
	}
	free(v->ds);
	free(v);
}

/* The cached statement k, reset, with ?1 bound to id. NULL if it cannot be
 * prepared (then the view simply lacks those facts, as before). */
static sqlite3_stmt *stmt(struct cat_views *v, int k, sqlite3_int64 id)
{
	if (!v->st[k] && sqlite3_prepare_v2(v->cat->db, view_sql[k], -1, &v->st[k], NULL) != SQLITE_OK)
		return NULL;
	sqlite3_reset(v->st[k]);
	sqlite3_clear_bindings(v->st[k]);
	sqlite3_bind_int64(v->st[k], 1, id);
	return v->st[k];
}

/* Runs a one-row lookup; 1 when a row came. */
static int one_row(struct cat_views *v, int k, sqlite3_int64 id, sqlite3_stmt **st)
{
	*st = stmt(v, k, id);
	return *st && sqlite3_step(*st) == SQLITE_ROW;
}

static const char *keep(struct cat_item *it, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL || it->nstrs == CX_ARRAY_LEN(it->strs))
		return NULL;
	return it->strs[it->nstrs++] = cx_strdup(col(st, i));
}

void cat_item_free(struct cat_item *it)
{
	for (size_t i = 0; i < it->nstrs; i++)
		free(it->strs[i]);
	for (size_t i = 0; i < it->nboxes; i++)
		free((char *)it->boxes[i].label);
	free(it->boxes);
	for (size_t i = 0; i < it->nimages; i++) {
		free(it->images[i]);
		free(it->archives[i]);
		free(it->paths[i]);
	}
	free(it->images);
	free(it->archives);
	free(it->paths);
	memset(it, 0, sizeof(*it));
}

/* The id in column c of the instance row, or 0 when it is NULL (ids start
 * at 1, so no lookup finds a row for 0). */
static sqlite3_int64 row_id(sqlite3_stmt *q, int c)
{
	return sqlite3_column_type(q, c) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, c);
}

/* The text in column 0 of lookup k for id, kept, or NULL. */
static const char *lookup_text(struct cat_views *v, struct cat_item *it, int k,
			       sqlite3_int64 id)
{
	sqlite3_stmt *st;
	return id && one_row(v, k, id, &st) ? keep(it, st, 0) : NULL;
}

/* Each filler sets one part of it->v from the instance row q. A fact the
 * catalogue lacks leaves its member NULL / 0 and the part there: the
 * renderer says what is missing. */

static void fill_labels(struct cat_views *v, struct cat_item *it, sqlite3_stmt *q,
			const struct cx_rule *rule)
{
	/* labels.vocab is the dataset's, set by cat_item_fill for every view */
	if (rule->image_labels)
		it->labels.json = lookup_text(v, it, V_IMAGE_LABELS, row_id(q, C_IMAGE));
	else
		it->labels.json = lookup_text(v, it, V_STUDY_LABELS, row_id(q, C_STUDY));
	it->v.labels = &it->labels;
}

static void fill_image(struct cat_views *v, struct cat_item *it, sqlite3_stmt *q,
		       const struct cx_rule *rule)
{
	(void)rule;
	sqlite3_stmt *st;
	sqlite3_int64 image = row_id(q, C_IMAGE);
	if (image && one_row(v, V_IMAGE, image, &st)) {
		it->image.view = keep(it, st, 0);
		it->image.width = sqlite3_column_int(st, 1);
		it->image.height = sqlite3_column_int(st, 2);
	}
	it->v.image = &it->image;
}

static void fill_boxes(struct cat_views *v, struct cat_item *it, sqlite3_stmt *q,
		       const struct cx_rule *rule)
{
	it->boxes_part.label = keep(it, q, C_LABEL);
	it->boxes_part.vocab = it->labels.vocab;
	it->v.boxes = &it->boxes_part;
	sqlite3_int64 image = row_id(q, C_IMAGE);
	sqlite3_stmt *st = NULL;
	if (image && rule->all_boxes)
		st = stmt(v, V_BOXES_ALL, image);
	else if (image && it->boxes_part.label)
		st = stmt(v, V_BOXES, image);
	if (!st)
		return;
	if (!rule->all_boxes)
		sqlite3_bind_text(st, 2, it->boxes_part.label, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		it->boxes = cx_realloc(it->boxes, (it->nboxes + 1) * sizeof(*it->boxes));
		it->boxes[it->nboxes++] = (struct cx_view_box){
			cx_strdup(col(st, 0)), sqlite3_column_double(st, 1),
			sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
			sqlite3_column_double(st, 4), sqlite3_column_int(st, 5),
			sqlite3_column_int(st, 6)};
	}
	sqlite3_reset(st);
	it->boxes_part.box = it->boxes;
	it->boxes_part.n = it->nboxes;
}

static void fill_report(struct cat_views *v, struct cat_item *it, sqlite3_stmt *q,
			const struct cx_rule *rule)
{
	(void)rule;
	sqlite3_stmt *st;
	sqlite3_int64 study = row_id(q, C_STUDY);
	if (study && one_row(v, V_REPORT, study, &st)) {
		it->report.indication = keep(it, st, 0);
		it->report.findings = keep(it, st, 1);
		it->report.impression = keep(it, st, 2);
	}
	it->v.report = &it->report;
}

static void fill_pair(struct cat_views *v, struct cat_item *it, sqlite3_stmt *q,
		      const struct cx_rule *rule)
{
	it->pair.flag = sqlite3_column_type(q, C_FLAG) == SQLITE_NULL ? -1
		      : sqlite3_column_int(q, C_FLAG);
	if (rule->other_text) {
		it->pair.text = lookup_text(v, it, V_TEXT, row_id(q, C_STUDY));
		it->pair.other_text = lookup_text(v, it, V_TEXT, row_id(q, C_OTHER));
	}
	it->v.pair = &it->pair;
}

static void fill_qa(struct cat_views *v, struct cat_item *it, sqlite3_stmt *q,
		    const struct cx_rule *rule)
{
	(void)rule;
	sqlite3_stmt *st;
	sqlite3_int64 qa = row_id(q, C_QA);
	if (qa && one_row(v, V_QA, qa, &st)) {
		it->qa.question = keep(it, st, 0);
		it->qa.answer = keep(it, st, 1);
		it->qa.closed = sqlite3_column_int(st, 2);
	}
	it->v.qa = &it->qa;
}

static void fill_image_pair(struct cat_views *v, struct cat_item *it, sqlite3_stmt *q,
			    const struct cx_rule *rule)
{
	(void)rule;
	sqlite3_stmt *st;
	if (one_row(v, V_IMAGE_PAIR, row_id(q, C_ID), &st)) {
		it->image_pair.label = keep(it, st, 0);
		it->image_pair.value = keep(it, st, 1);
	}
	it->v.image_pair = &it->image_pair;
}

static void fill_text_pair(struct cat_views *v, struct cat_item *it, sqlite3_stmt *q,
			   const struct cx_rule *rule)
{
	(void)rule;
	sqlite3_stmt *st;
	if (one_row(v, V_TEXT_PAIR, row_id(q, C_ID), &st)) {
		it->text_pair.text1 = keep(it, st, 0);
		it->text_pair.text2 = keep(it, st, 1);
		it->text_pair.relation = keep(it, st, 2);
	}
	it->v.text_pair = &it->text_pair;
}

/* The phrase (the instance's label), its boxes on the instance's image, and
 * the report section holding it (cx_phrase_section_sql, the test of the rule
 * phrase-text). Its boxes are kept in it->boxes, which no other part of a
 * phrase rule uses. */
static void fill_phrase(struct cat_views *v, struct cat_item *it, sqlite3_stmt *q,
			const struct cx_rule *rule)
{
	(void)rule;
	it->phrase.phrase = keep(it, q, C_LABEL);
	it->v.phrase = &it->phrase;
	sqlite3_int64 image = row_id(q, C_IMAGE);
	if (!image || !it->phrase.phrase)
		return;
	sqlite3_stmt *st = stmt(v, V_PHRASE_BOXES, image);
	if (st) {
		sqlite3_bind_text(st, 2, it->phrase.phrase, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			it->boxes = cx_realloc(it->boxes, (it->nboxes + 1) * sizeof(*it->boxes));
			it->boxes[it->nboxes++] = (struct cx_view_box){
				cx_strdup(col(st, 0)), sqlite3_column_double(st, 1),
				sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
				sqlite3_column_double(st, 4), sqlite3_column_int(st, 5),
				sqlite3_column_int(st, 6)};
		}
		sqlite3_reset(st);
	}
	it->phrase.box = it->boxes;
	it->phrase.n = it->nboxes;
	st = stmt(v, V_PHRASE_TEXT, image);
	if (st) {
		sqlite3_bind_text(st, 2, it->phrase.phrase, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			it->phrase.text = keep(it, st, 0);
		sqlite3_reset(st);
	}
}

/* The filler of each part a rule can declare. */
static const struct {
	unsigned part;
	void (*fill)(struct cat_views *v, struct cat_item *it, sqlite3_stmt *q,
		     const struct cx_rule *rule);
} fillers[] = {
	{CX_PART_LABELS, fill_labels}, {CX_PART_IMAGE, fill_image},   {CX_PART_BOXES, fill_boxes},
	{CX_PART_REPORT, fill_report}, {CX_PART_PAIR, fill_pair},     {CX_PART_QA, fill_qa},
	{CX_PART_IMAGE_PAIR, fill_image_pair}, {CX_PART_TEXT_PAIR, fill_text_pair},
	{CX_PART_PHRASE, fill_phrase},
};

/* Image references as a user finds them: release/path, or release/archive:member. */
static void fill_images(struct cat_views *v, struct cat_item *it, sqlite3_int64 inst,
			const char *release)
{
	sqlite3_stmt *st = stmt(v, V_IMAGES, inst);
	if (!st)
		return;
	struct cx_buf b = CX_BUF_INIT;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *archive = col(st, 0), *path = col(st, 1);
		cx_buf_reset(&b);
		if (archive[0])
			cx_buf_addf(&b, "%s/%s:%s", release, archive, path);
		else if (cx_str_ends(release, ".zip") || cx_str_ends(release, ".tar") ||
			 cx_str_ends(release, ".tgz") || cx_str_ends(release, ".tar.gz"))
			cx_buf_addf(&b, "%s:%s", release, path);
		else
			cx_buf_addf(&b, "%s/%s", release, path);
		it->images = cx_realloc(it->images, (it->nimages + 1) * sizeof(char *));
		it->archives = cx_realloc(it->archives, (it->nimages + 1) * sizeof(char *));
		it->paths = cx_realloc(it->paths, (it->nimages + 1) * sizeof(char *));
		it->archives[it->nimages] = cx_strdup(archive);
		it->paths[it->nimages] = cx_strdup(path);
		it->images[it->nimages++] = cx_buf_detach(&b);
	}
	sqlite3_reset(st);
	cx_buf_release(&b);
}

/* The dataset's source id and vocabulary, read on first use. A vocabulary
 * that cannot be read leaves the view without one, and rendering its labels
 * fails saying so. */
static const struct view_dataset *dataset_of(struct cat_views *v, const char *dataset)
{
	for (size_t i = 0; i < v->nds; i++)
		if (!strcmp(v->ds[i].name, dataset))
			return &v->ds[i];
	struct view_dataset d = {.name = cx_strdup(dataset)};
	sqlite3_stmt *st;
	struct cx_error err = {0};
	if (sqlite3_prepare_v2(v->cat->db, "SELECT source, vocab FROM dataset WHERE name = ?1", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			d.source = cx_strdup(col(st, 0));
			if (sqlite3_column_type(st, 1) != SQLITE_NULL)
				cat_vocab_load(v->cat, col(st, 1), &d.vocab, &err);
		}
	}
	sqlite3_finalize(st);
	v->ds = cx_realloc(v->ds, (v->nds + 1) * sizeof *v->ds);
	v->ds[v->nds++] = d;
	return &v->ds[v->nds - 1];
}

void cat_item_fill(struct cat_views *v, sqlite3_stmt *q, struct cat_item *it)
{
	memset(it, 0, sizeof(*it));
	it->v.key = keep(it, q, C_KEY);
	it->v.split = keep(it, q, C_SPLIT);
	it->v.task = keep(it, q, C_TASK);
	it->v.dataset = keep(it, q, C_DATASET);
	if (it->v.dataset) {
		const struct view_dataset *d = dataset_of(v, it->v.dataset);
		it->v.source = d->source;
		it->labels.vocab = d->vocab;
	}
	/* The entry's rule says which parts its instances have. */
	const struct cx_rule *rule = cx_rule_find(col(q, C_DERIVE));
	for (size_t i = 0; rule && i < CX_ARRAY_LEN(fillers); i++)
		if (rule->parts & fillers[i].part)
			fillers[i].fill(v, it, q, rule);
	it->release = keep(it, q, C_RELEASE);
	fill_images(v, it, sqlite3_column_int64(q, C_ID), col(q, C_RELEASE));
}

/*
 * cat-view.c - filling a struct cx_instance_view (and the image references)
 * for one instance row, shared by `sample` (cat-query.c) and the sharder
 * (cat-shard.c). The row must carry the CAT_ITEM_COLS columns first; the
 * one-row lookups behind it are prepared once per struct cat_views, so a
 * sharder filling millions of views does not re-prepare them each time.
 * Each dataset's label vocabulary is read once per struct cat_views too, and
 * every view of the dataset points at it.
 */
#include "cx.h"

#include "catalogue/cat-internal.h"

enum { V_IMAGE, V_STUDY, V_REPORT, V_OTHER, V_QA, V_BOXES, V_IMAGES, V_COUNT };

static const char *const view_sql[V_COUNT] = {
	"SELECT view, labels, width, height FROM image WHERE id = ?1",
	"SELECT labels FROM study WHERE id = ?1",
	"SELECT indication, findings, impression, COALESCE(NULLIF(findings, ''), impression)"
	" FROM report WHERE study_id = ?1",
	"SELECT COALESCE(NULLIF(findings, ''), impression) FROM report WHERE study_id = ?1",
	"SELECT question, answer, closed FROM qa WHERE id = ?1",
	"SELECT label, x, y, w, h FROM box WHERE image_id = ?1 AND label = ?2 ORDER BY y, x, id",
	"SELECT i.archive, i.path FROM instance_image x JOIN image i ON x.image_id = i.id"
	" WHERE x.instance_id = ?1 ORDER BY x.ord",
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

static void fill_image(struct cat_views *v, struct cat_item *it, sqlite3_int64 image,
		       int use_labels)
{
	sqlite3_stmt *st;
	if (!one_row(v, V_IMAGE, image, &st))
		return;
	it->v.view = keep(it, st, 0);
	if (use_labels)
		it->v.labels_json = keep(it, st, 1);
	it->v.image_width = sqlite3_column_int(st, 2);
	it->v.image_height = sqlite3_column_int(st, 3);
}

static void fill_study(struct cat_views *v, struct cat_item *it, sqlite3_int64 study,
		       int use_labels)
{
	sqlite3_stmt *st;
	if (one_row(v, V_STUDY, study, &st) && use_labels && !it->v.labels_json)
		it->v.labels_json = keep(it, st, 0);
	if (one_row(v, V_REPORT, study, &st)) {
		it->v.indication = keep(it, st, 0);
		it->v.findings = keep(it, st, 1);
		it->v.impression = keep(it, st, 2);
		it->v.text = keep(it, st, 3);
	}
}

static void fill_other_text(struct cat_views *v, struct cat_item *it, sqlite3_int64 study)
{
	sqlite3_stmt *st;
	if (one_row(v, V_OTHER, study, &st))
		it->v.other_text = keep(it, st, 0);
}

static void fill_qa(struct cat_views *v, struct cat_item *it, sqlite3_int64 qa)
{
	sqlite3_stmt *st;
	if (one_row(v, V_QA, qa, &st)) {
		it->v.question = keep(it, st, 0);
		it->v.answer = keep(it, st, 1);
		it->v.closed = sqlite3_column_int(st, 2);
	}
}

static void fill_boxes(struct cat_views *v, struct cat_item *it, sqlite3_int64 image,
		       const char *label)
{
	sqlite3_stmt *st = stmt(v, V_BOXES, image);
	if (!st)
		return;
	sqlite3_bind_text(st, 2, label, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		it->boxes = cx_realloc(it->boxes, (it->nboxes + 1) * sizeof(*it->boxes));
		it->boxes[it->nboxes++] = (struct cx_view_box){
			cx_strdup(col(st, 0)), sqlite3_column_double(st, 1),
			sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
			sqlite3_column_double(st, 4)};
	}
	sqlite3_reset(st);
	it->v.boxes = it->boxes;
	it->v.nboxes = it->nboxes;
}

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
	it->v.key = keep(it, q, 1);
	it->v.split = keep(it, q, 2);
	it->v.task = keep(it, q, 3);
	it->v.dataset = keep(it, q, 4);
	if (it->v.dataset) {
		const struct view_dataset *d = dataset_of(v, it->v.dataset);
		it->v.source = d->source;
		it->v.vocab = d->vocab;
	}
	it->v.label = keep(it, q, 8);
	it->v.flag = sqlite3_column_type(q, 10) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 10);
	/* The entry's rule says where labels and the other text come from. */
	const struct cx_rule *rule = cx_rule_find(col(q, 13));
	int image_labels = rule && rule->image_labels;
	if (sqlite3_column_type(q, 6) != SQLITE_NULL)
		fill_image(v, it, sqlite3_column_int64(q, 6), image_labels);
	if (sqlite3_column_type(q, 5) != SQLITE_NULL)
		fill_study(v, it, sqlite3_column_int64(q, 5), !image_labels);
	if (sqlite3_column_type(q, 7) != SQLITE_NULL)
		fill_qa(v, it, sqlite3_column_int64(q, 7));
	if (it->v.label && sqlite3_column_type(q, 6) != SQLITE_NULL)
		fill_boxes(v, it, sqlite3_column_int64(q, 6), it->v.label);
	if (rule && rule->other_text && sqlite3_column_type(q, 9) != SQLITE_NULL)
		fill_other_text(v, it, sqlite3_column_int64(q, 9));
	it->release = keep(it, q, 14);
	fill_images(v, it, sqlite3_column_int64(q, 0), col(q, 14));
}

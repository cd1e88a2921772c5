/*
 * cat-derive.c - derives the instances of every task-dataset entry of the
 * source just read, from its facts, by the entry's rule (adapters/rules.c):
 * each SELECT of the rule becomes one INSERT into instance, by the column
 * names the SELECT gives, in its order (instance ids follow that order).
 * Then the images each new instance shows go into instance_image, as the
 * rule's images say.
 *
 * Work shared between rules is done once per source: a rule's prep (e.g. the
 * runs of studies with report text, read by text-match and text-select), and
 * the order of every study's images (frontal views first, then by key), read
 * by every rule whose instances show their study's images. Both are
 * temporary tables named cx_..., dropped when the source's derivation ends.
 */
#include "cx.h"

#include "catalogue/cat-internal.h"

/* Frontal views first, then laterals, then the rest; ties by key. */
#define VIEW_RANK                                                                          \
	"CASE i.view WHEN 'PA' THEN 0 WHEN 'AP' THEN 1 WHEN 'LATERAL' THEN 2 WHEN 'LL' THEN 3" \
	" ELSE 4 END"

/* Every study's images in the order an instance shows them. */
static const char *const study_images_sql[] = {
	"CREATE TEMP TABLE cx_study_img (study_id INTEGER, ord INTEGER, image_id INTEGER,"
	" PRIMARY KEY (study_id, ord)) WITHOUT ROWID",
	"INSERT INTO cx_study_img SELECT i.study_id, ROW_NUMBER() OVER (PARTITION BY i.study_id"
	" ORDER BY " VIEW_RANK ", i.key) - 1, i.id FROM image i NOT INDEXED WHERE i.dataset_id = ?2"
	" AND i.study_id IS NOT NULL",
	NULL,
};
static const struct cx_rule_prep study_images = {"study images", study_images_sql, NULL};

/* ?1 is the last instance id before the entry's own: its instances are the
 * rows after it (a rowid range; the instance indexes are not built yet). */
static const char *const images_sql[] = {
	[CX_IMAGES_NONE] = NULL,
	[CX_IMAGES_STUDY] = "INSERT INTO instance_image(instance_id, ord, image_id)"
			    " SELECT n.id, t.ord, t.image_id FROM instance n JOIN cx_study_img t"
			    " ON t.study_id = n.study_id WHERE n.id > ?1 ORDER BY n.id, t.ord",
	[CX_IMAGES_IMAGE] = "INSERT INTO instance_image(instance_id, ord, image_id)"
			    " SELECT n.id, 0, n.image_id FROM instance n WHERE n.id > ?1",
	[CX_IMAGES_PAIR] = "INSERT INTO instance_image(instance_id, ord, image_id)"
			   " SELECT n.id, 0, n.image_id FROM instance n WHERE n.id > ?1"
			   " UNION ALL SELECT n.id, 1, n.other_id FROM instance n WHERE n.id > ?1",
};

/* The preps done for the source being derived (a handful at most). */
struct done {
	const struct cx_rule_prep *v[8];
	size_t n;
};

/* Binds ?1 (a), ?2 (the dataset) and ?3 (the entry's parameters) where the
 * statement has them, runs it, and adds the rows it changed to *changes. */
static int run(struct cx_cat *cat, const char *sql, sqlite3_int64 a, const char *param,
	       long *changes, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, sql, &st, err))
		return CX_EDB;
	int np = sqlite3_bind_parameter_count(st);
	if (np >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (np >= 2)
		sqlite3_bind_int64(st, 2, cat->dataset_id);
	if (np >= 3)
		cat_bind_text(st, 3, param);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "derive");
	if (changes)
		*changes += sqlite3_changes(cat->db);
	return 0;
}

static int prep_once(struct cx_cat *cat, struct done *d, const struct cx_rule_prep *p,
		     struct cx_error *err)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i] == p)
			return 0;
	if (p->after && prep_once(cat, d, p->after, err))
		return err->code;
	if (d->n == CX_ARRAY_LEN(d->v))
		return cx_error_set(err, CX_ELIMIT, "derive: too many shared tables");
	d->v[d->n++] = p;
	for (size_t i = 0; p->sql[i]; i++)
		if (run(cat, p->sql[i], 0, NULL, NULL, err))
			return CX_EDB;
	return 0;
}

/* "INSERT INTO instance(<the SELECT's column names>) <the SELECT>". */
static int insert_sql(struct cx_cat *cat, const char *select, struct cx_buf *out,
		      struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, select, &st, err))
		return CX_EDB;
	cx_buf_reset(out);
	cx_buf_adds(out, "INSERT INTO instance(");
	for (int i = 0; i < sqlite3_column_count(st); i++)
		cx_buf_addf(out, "%s%s", i ? ", " : "", sqlite3_column_name(st, i));
	cx_buf_addf(out, ") %s", select);
	sqlite3_finalize(st);
	return 0;
}

/* The entry's impression_excludes joined by the unit separator, or NULL. */
static const char *join_params(const struct cx_rule_params *p, struct cx_buf *out)
{
	if (!p->impression_excludes)
		return NULL;
	cx_buf_reset(out);
	for (size_t i = 0; p->impression_excludes[i]; i++)
		cx_buf_addf(out, "%s%s", i ? "\x1f" : "", p->impression_excludes[i]);
	return cx_buf_str(out);
}

static sqlite3_int64 entry_id(struct cx_cat *cat, const char *task)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(cat->db, "SELECT e.id FROM entry e JOIN task t ON e.task_id = t.id"
					" WHERE e.dataset_id = ?1 AND t.name = ?2", -1, &st, NULL))
		return 0;
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, task, -1, SQLITE_STATIC);
	sqlite3_int64 id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return id;
}

static sqlite3_int64 last_instance(struct cx_cat *cat)
{
	sqlite3_stmt *st;
	sqlite3_int64 id = 0;
	if (sqlite3_prepare_v2(cat->db, "SELECT COALESCE(MAX(id), 0) FROM instance", -1, &st,
			       NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return id;
}

static int derive_entry(struct cx_cat *cat, const struct cx_entry_def *e, struct done *d,
			struct cx_error *err)
{
	const struct cx_rule *r = e->rule;
	sqlite3_int64 entry = entry_id(cat, e->task);
	if (!entry)
		return cx_error_set(err, CX_EINVAL, "no entry for task '%s'", e->task);
	if (r->prep && prep_once(cat, d, r->prep, err))
		return err->code;
	if (r->images == CX_IMAGES_STUDY && prep_once(cat, d, &study_images, err))
		return err->code;
	sqlite3_int64 before = last_instance(cat);
	struct cx_buf sql = CX_BUF_INIT, param = CX_BUF_INIT;
	const char *p = join_params(&e->params, &param);
	int rc = 0;
	for (size_t k = 0; r->sql[k] && !rc; k++) {
		rc = insert_sql(cat, r->sql[k], &sql, err);
		if (!rc)
			rc = run(cat, sql.data, entry, p, &cat->n.instances, err);
	}
	cx_buf_release(&sql);
	cx_buf_release(&param);
	if (!rc && images_sql[r->images])
		rc = run(cat, images_sql[r->images], before, NULL, NULL, err);
	return rc;
}

/* Drops the temporary tables of the preps (all named cx_...). */
static int drop_preps(struct cx_cat *cat, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT name FROM sqlite_temp_master WHERE type = 'table'"
			     " AND name LIKE 'cx\\_%' ESCAPE '\\'", &st, err))
		return CX_EDB;
	struct cx_buf sql = CX_BUF_INIT;
	while (sqlite3_step(st) == SQLITE_ROW)
		cx_buf_addf(&sql, "DROP TABLE temp.%s;", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	int rc = sql.len ? cat_exec(cat, sql.data, err) : 0;
	cx_buf_release(&sql);
	return rc;
}

int cat_derive(struct cx_cat *cat, struct cx_error *err)
{
	struct done d = {0};
	int rc = 0;
	for (size_t i = 0; i < cat->adapter->nentries && !rc; i++)
		rc = derive_entry(cat, &cat->adapter->entries[i], &d, err);
	struct cx_error ignored = {0};
	if (drop_preps(cat, rc ? &ignored : err) && !rc)
		rc = CX_EDB;
	return rc;
}

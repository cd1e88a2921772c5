/*
 * cat-derive.c - derives the instances of every task-dataset entry of the
 * source just read, from its facts, by the entry's rule (adapters/rules.c):
 * each SELECT of the rule becomes one INSERT into instance, by the column
 * names the SELECT gives, in its order (instance ids follow that order).
 * Then the images each new instance shows go into instance_image, as the
 * rule's images say.
 *
 * Work shared between rules is done once per source: a rule's prep (e.g. the
 * runs of studies with report text, read by text-match and text-select: a
 * temporary table named cx_..., dropped when the source's derivation ends),
 * and the order of every study's images (frontal views first, then by key),
 * read by every rule whose instances show their study's images: held in
 * memory and read through the table-valued function cx_study_images.
 */
#include "cx.h"

#include <time.h>

#include "catalogue/cat-internal.h"

/* Frontal views first, then laterals, then the rest; ties by key. */
#define VIEW_RANK                                                                          \
	"CASE i.view WHEN 'PA' THEN 0 WHEN 'AP' THEN 1 WHEN 'LATERAL' THEN 2 WHEN 'LL' THEN 3" \
	" ELSE 4 END"

/* Every study's images in the order an instance shows them. */
static const char study_images_sql[] =
	"SELECT i.study_id, i.id FROM image i NOT INDEXED WHERE i.dataset_id = ?1"
	" AND i.study_id IS NOT NULL ORDER BY i.study_id, " VIEW_RANK ", i.key";

/*
 * The same, held in memory for the source being derived (16 bytes an image):
 * study[k]'s images are image[first[k]] .. image[first[k + 1] - 1], read by
 * SQL as the table-valued function cx_study_images(study_id) -> (ord,
 * image_id). A temporary table keyed by (study_id, ord) cost a B-tree seek
 * per instance, about 2 us at full MIMIC-CXR scale, the most expensive part
 * of its derivation; here it is a binary search.
 */
struct study_images {
	sqlite3_int64 *study, *image;
	size_t *first;
	size_t nstudy, nimage, cap_study, cap_image;
	int loaded;
	/* slot[id - study[0]] = index + 1 of study id (0: none), when the ids
	 * are dense enough: a source's studies are inserted together, so they
	 * are; a binary search per instance cost 1 s of a MIMIC-CXR build. */
	uint32_t *slot;
	size_t nslot;
};

/* ?1 is the last instance id before the entry's own: its instances are the
 * rows after it (a rowid range; the instance indexes are not built yet). */
static const char *const images_sql[] = {
	[CX_IMAGES_NONE] = NULL,
	[CX_IMAGES_STUDY] = "INSERT INTO instance_image(instance_id, ord, image_id)"
			    " SELECT n.id, t.ord, t.image_id FROM instance n,"
			    " cx_study_images(n.study_id) t WHERE n.id > ?1",
	[CX_IMAGES_IMAGE] = "INSERT INTO instance_image(instance_id, ord, image_id)"
			    " SELECT n.id, 0, n.image_id FROM instance n WHERE n.id > ?1",
	[CX_IMAGES_PAIR] = "INSERT INTO instance_image(instance_id, ord, image_id)"
			   " SELECT n.id, 0, n.image_id FROM instance n WHERE n.id > ?1"
			   " UNION ALL SELECT n.id, 1, n.other_id FROM instance n WHERE n.id > ?1",
};

/* The preps done for the source being derived (a handful at most), and its
 * studies' images once a rule needed them. */
struct done {
	const struct cx_rule_prep *v[8];
	size_t n;
	struct study_images si;
};

/* With CX_DERIVE_TIMES set, each statement's CPU seconds and rows go to
 * stderr (bench/README.md: where a big source's derivation spends). */
static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void show_time(const char *sql, double t0, long rows)
{
	static int on = -1;
	if (on < 0)
		on = getenv("CX_DERIVE_TIMES") != NULL;
	if (on)
		fprintf(stderr, "derive %7.2f s %8ld rows  %.100s\n", cpu_now() - t0, rows, sql);
}

/* Binds ?1 (a), ?2 (the dataset) and ?3 (the entry's parameters) where the
 * statement has them, runs it, and adds the rows it changed to *changes. */
static int run(struct cx_cat *cat, const char *sql, sqlite3_int64 a, const char *param,
	       long *changes, struct cx_error *err)
{
	sqlite3_stmt *st;
	double t0 = cpu_now();
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
	show_time(sql, t0, sqlite3_changes(cat->db));
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

static void study_images_add(struct study_images *si, sqlite3_int64 study, sqlite3_int64 image)
{
	if (si->nstudy == 0 || si->study[si->nstudy - 1] != study) {
		if (si->nstudy + 1 >= si->cap_study) {
			si->cap_study = si->cap_study ? 2 * si->cap_study : 1024;
			si->study = cx_realloc(si->study, si->cap_study * sizeof(*si->study));
			si->first = cx_realloc(si->first, si->cap_study * sizeof(*si->first));
		}
		si->study[si->nstudy] = study;
		si->first[si->nstudy++] = si->nimage;
	}
	if (si->nimage == si->cap_image) {
		si->cap_image = si->cap_image ? 2 * si->cap_image : 1024;
		si->image = cx_realloc(si->image, si->cap_image * sizeof(*si->image));
	}
	si->image[si->nimage++] = image;
}

/* The direct index, when the id range is at most four times the studies. */
static void study_images_index(struct study_images *si)
{
	if (si->nstudy == 0 || si->nstudy >= UINT32_MAX)
		return;
	uint64_t range = (uint64_t)(si->study[si->nstudy - 1] - si->study[0]) + 1;
	if (range > 4 * (uint64_t)si->nstudy + 1024)
		return;
	si->nslot = (size_t)range;
	si->slot = cx_calloc(si->nslot, sizeof(*si->slot));
	for (size_t k = 0; k < si->nstudy; k++)
		si->slot[si->study[k] - si->study[0]] = (uint32_t)(k + 1);
}

static int study_images_load(struct cx_cat *cat, struct study_images *si, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (si->loaded)
		return 0;
	if (cat_prepare(cat, study_images_sql, &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		study_images_add(si, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "study images");
	if (si->study)
		si->first[si->nstudy] = si->nimage;
	study_images_index(si);
	si->loaded = 1;
	return 0;
}

static void study_images_free(struct study_images *si)
{
	free(si->study);
	free(si->first);
	free(si->image);
	free(si->slot);
	memset(si, 0, sizeof(*si));
}

/* The index of study id in si->study, or -1. */
static long study_images_find(const struct study_images *si, sqlite3_int64 study)
{
	if (si->slot) {
		if (study < si->study[0] || (uint64_t)(study - si->study[0]) >= si->nslot)
			return -1;
		return (long)si->slot[study - si->study[0]] - 1;
	}
	size_t lo = 0, hi = si->nstudy;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (si->study[mid] < study)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < si->nstudy && si->study[lo] == study ? (long)lo : -1;
}

/* ---------------------------------------- cx_study_images(study_id) */

struct si_vtab {
	sqlite3_vtab base;
	const struct study_images *si;
};

struct si_cursor {
	sqlite3_vtab_cursor base;
	size_t at, first, end;
	sqlite3_int64 study;
};

enum { SI_ORD, SI_IMAGE, SI_STUDY };

static int si_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **msg)
{
	(void)argc, (void)argv, (void)msg;
	int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(ord INTEGER, image_id INTEGER,"
					  " study_id HIDDEN)");
	if (rc != SQLITE_OK)
		return rc;
	struct si_vtab *v = cx_calloc(1, sizeof(*v));
	v->si = aux;
	*out = &v->base;
	return SQLITE_OK;
}

static int si_disconnect(sqlite3_vtab *v)
{
	free(v);
	return SQLITE_OK;
}

/* Only a lookup by study id: without one the plan is refused. */
static int si_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
	(void)v;
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		if (c->iColumn == SI_STUDY && c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->usable) {
			info->aConstraintUsage[i].argvIndex = 1;
			info->aConstraintUsage[i].omit = 1;
			info->estimatedCost = 2;
			info->estimatedRows = 2;
			return SQLITE_OK;
		}
	}
	return SQLITE_CONSTRAINT;
}

static int si_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
	(void)v;
	struct si_cursor *c = cx_calloc(1, sizeof(*c));
	*out = &c->base;
	return SQLITE_OK;
}

static int si_close(sqlite3_vtab_cursor *c)
{
	free(c);
	return SQLITE_OK;
}

static int si_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
		     sqlite3_value **argv)
{
	(void)idx, (void)idx_str;
	struct si_cursor *c = (struct si_cursor *)cur;
	const struct study_images *si = ((struct si_vtab *)cur->pVtab)->si;
	c->at = c->first = c->end = 0;
	if (argc < 1 || sqlite3_value_type(argv[0]) != SQLITE_INTEGER)
		return SQLITE_OK;
	c->study = sqlite3_value_int64(argv[0]);
	long k = study_images_find(si, c->study);
	if (k >= 0) {
		c->at = c->first = si->first[k];
		c->end = si->first[k + 1];
	}
	return SQLITE_OK;
}

static int si_next(sqlite3_vtab_cursor *cur)
{
	((struct si_cursor *)cur)->at++;
	return SQLITE_OK;
}

static int si_eof(sqlite3_vtab_cursor *cur)
{
	const struct si_cursor *c = (const struct si_cursor *)cur;
	return c->at >= c->end;
}

static int si_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	const struct si_cursor *c = (const struct si_cursor *)cur;
	const struct study_images *si = ((struct si_vtab *)cur->pVtab)->si;
	sqlite3_int64 v = col == SI_ORD ? (sqlite3_int64)(c->at - c->first)
			  : col == SI_IMAGE ? si->image[c->at]
					    : c->study;
	sqlite3_result_int64(ctx, v);
	return SQLITE_OK;
}

static int si_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((const struct si_cursor *)cur)->at;
	return SQLITE_OK;
}

/* Eponymous only (no xCreate): it exists while a source is derived. */
static const sqlite3_module study_images_module = {
	.xConnect = si_connect,
	.xBestIndex = si_best_index,
	.xDisconnect = si_disconnect,
	.xOpen = si_open,
	.xClose = si_close,
	.xFilter = si_filter,
	.xNext = si_next,
	.xEof = si_eof,
	.xColumn = si_column,
	.xRowid = si_rowid,
};

/* The items the rule's own filter left out of the entry (its items less the
 * instances it made), counted in the filtered table as "<task>: <what left
 * them out>" (none: no row). */
static int count_dropped(struct cx_cat *cat, const struct cx_entry_def *e, const char *param,
			 long made, struct cx_error *err)
{
	const struct cx_rule *r = e->rule;
	sqlite3_stmt *st;
	if (!r->items_sql)
		return 0;
	if (cat_prepare(cat, r->items_sql, &st, err))
		return CX_EDB;
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, cat->dataset_id);
	if (sqlite3_bind_parameter_count(st) >= 3)
		cat_bind_text(st, 3, param);
	int rc = sqlite3_step(st);
	sqlite3_int64 n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) - made : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return cat_db_error(cat, err, "derive: dropped");
	if (n < 0)
		return cx_error_set(err, CX_EINVAL, "derive: %s made more instances than items",
				    e->task);
	if (n == 0)
		return 0;
	struct cx_buf rule = CX_BUF_INIT;
	cx_buf_addf(&rule, "%s: %s", e->task, r->dropped);
	if (cat_prepare(cat, "INSERT INTO filtered(dataset_id, rule, rows) VALUES (?1, ?2, ?3)",
			&st, err)) {
		cx_buf_release(&rule);
		return CX_EDB;
	}
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	cat_bind_text(st, 2, rule.data);
	sqlite3_bind_int64(st, 3, n);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	cx_buf_release(&rule);
	return rc == SQLITE_DONE ? 0 : cat_db_error(cat, err, "derive: filtered");
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
	if (r->images == CX_IMAGES_STUDY && study_images_load(cat, &d->si, err))
		return err->code;
	sqlite3_int64 before = last_instance(cat);
	struct cx_buf sql = CX_BUF_INIT, param = CX_BUF_INIT;
	const char *p = join_params(&e->params, &param);
	int rc = 0;
	long made = 0;
	for (size_t k = 0; r->sql[k] && !rc; k++) {
		rc = insert_sql(cat, r->sql[k], &sql, err);
		if (!rc)
			rc = run(cat, sql.data, entry, p, &made, err);
	}
	cat->n.instances += made;
	if (!rc)
		rc = count_dropped(cat, e, p, made, err);
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
	if (sqlite3_create_module(cat->db, "cx_study_images", &study_images_module, &d.si) !=
	    SQLITE_OK)
		return cat_db_error(cat, err, "cx_study_images");
	for (size_t i = 0; i < cat->adapter->nentries && !rc; i++)
		rc = derive_entry(cat, &cat->adapter->entries[i], &d, err);
	sqlite3_create_module(cat->db, "cx_study_images", NULL, NULL);
	study_images_free(&d.si);
	struct cx_error ignored = {0};
	if (drop_preps(cat, rc ? &ignored : err) && !rc)
		rc = CX_EDB;
	return rc;
}

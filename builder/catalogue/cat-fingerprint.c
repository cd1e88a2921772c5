/*
 * cat-fingerprint.c - the catalogue fingerprint a shard manifest records
 * (cx_cat_fingerprint): XXH3 over the catalogue's content, so that two
 * catalogues holding the same facts and instances have the same one however
 * their rows were numbered. Rebuilding a source deletes its rows and inserts
 * them again with new ids (and every row pointing at them with new
 * references); a fingerprint over ids changed although nothing else did.
 *
 * Every table but the ones left out below is read whole, in one plain scan.
 * A row is its columns without its own id; a column pointing at another row
 * (by its name: dataset_id, study_id, image_id, ...; see refs[]) holds
 * instead the hash of what names that row: its dataset's source id and its
 * key, a task's name, an entry's task and dataset. Those names are loaded
 * first into sorted arrays (16 bytes a row of the tables referred to, never
 * of the instances), so a reference costs a binary search, not a query:
 * resolving them in SQL made the fingerprint four times slower than the
 * scan. An instance's images (instance_image, whose instance_id would need
 * every instance's name) are read beside the instances in the same id
 * order and hashed as part of their instance's row. A row hashes to
 * XXH3-128; a table is its row count and the sums of its rows' hashes,
 * which do not depend on the order the rows come in. The fingerprint is
 * XXH3-64 over the tables' names, counts and sums.
 */
#include "cx.h"

#include <xxhash.h>

#include "adapters/adapter.h"
#include "catalogue/cat-internal.h"

/* Left out: meta (the build seed, recorded apart as build_seed, and the
 * program version), the rejects, filter counts and damaged archives (rows
 * that reach no instance; their numbers are in dataset, and damage names
 * archives by where the build found them), and instance_image (hashed with
 * its instances). Where the releases lie (dataset.release, release_path,
 * build_dir) is left out too: moving them changes nothing in the catalogue. */
static const char *const skipped_tables[] = {"meta", "reject", "filtered", "damage",
					     "instance_image"};

/* The kinds of row a column may point at: a map each. */
enum kind { K_NONE, K_SKIP, K_DATASET, K_STUDY, K_IMAGE, K_QA, K_NOTE, K_TASK, K_CAPABILITY,
	    K_ENTRY, K_OTHER, NKINDS };

/* Columns by name (table NULL: in any table) and what they are. */
static const struct {
	const char *table, *column;
	enum kind kind;
} refs[] = {
	{NULL, "id", K_SKIP},
	{"dataset", "release", K_SKIP},
	{"dataset", "release_path", K_SKIP},
	{"dataset", "build_dir", K_SKIP},
	{"image", "view_norm", K_SKIP},  /* generated from view */
	{NULL, "dataset_id", K_DATASET},
	{NULL, "study_id", K_STUDY},
	{NULL, "image_id", K_IMAGE},
	{NULL, "qa_id", K_QA},
	{NULL, "note_id", K_NOTE},
	{NULL, "task_id", K_TASK},
	{NULL, "capability_id", K_CAPABILITY},
	{NULL, "entry_id", K_ENTRY},
	{"image_pair", "other_id", K_IMAGE},
	/* an instance's other row is an image for a rule showing pairs of
	 * images, else a study: its entry's rule says (entry.derive) */
	{"instance", "other_id", K_OTHER},
};

struct map {
	int64_t *id;
	uint64_t *h;
	unsigned char *pair;    /* entries: 1 when the rule shows image pairs */
	size_t n, cap;
};

struct fp {
	struct cx_cat *cat;
	struct map m[NKINDS];
	struct cx_buf row;
};

static void map_add(struct map *m, int64_t id, uint64_t h)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 256;
		m->id = cx_realloc(m->id, m->cap * sizeof(*m->id));
		m->h = cx_realloc(m->h, m->cap * sizeof(*m->h));
	}
	m->id[m->n] = id;
	m->h[m->n++] = h;
}

/* Index of id in m (ids come sorted, from ORDER BY id), or -1. */
static ptrdiff_t map_find(const struct map *m, int64_t id)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->id[mid] < id)
			lo = mid + 1;
		else if (m->id[mid] > id)
			hi = mid;
		else
			return (ptrdiff_t)mid;
	}
	return -1;
}

static uint64_t text_hash(sqlite3_stmt *st, int col, uint64_t seed)
{
	const void *p = sqlite3_column_blob(st, col);
	return cx_hash64(p ? p : "", (size_t)sqlite3_column_bytes(st, col), seed);
}

/* A name (column 1) as given, or a key (column 2) within a dataset
 * (column 1, through the dataset map), or an entry's task and dataset. */
static int load_map(struct fp *f, enum kind k, const char *sql, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(f->cat, sql, &st, err))
		return CX_EDB;
	struct map *m = &f->m[k], *d = &f->m[K_DATASET];
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		uint64_t h;
		if (k == K_ENTRY) {
			ptrdiff_t t = map_find(&f->m[K_TASK], sqlite3_column_int64(st, 1));
			ptrdiff_t s = map_find(d, sqlite3_column_int64(st, 2));
			uint64_t both[2] = {t < 0 ? 0 : f->m[K_TASK].h[t], s < 0 ? 0 : d->h[s]};
			h = cx_hash64(both, sizeof both, 1);
			const char *derive = (const char *)sqlite3_column_text(st, 3);
			const struct cx_rule *rule = derive ? cx_rule_find(derive) : NULL;
			m->pair = cx_realloc(m->pair, m->n + 1);
			m->pair[m->n] = rule && rule->images == CX_IMAGES_PAIR;
		} else if (sqlite3_column_count(st) == 3) {
			ptrdiff_t s = map_find(d, sqlite3_column_int64(st, 1));
			h = text_hash(st, 2, s < 0 ? 0 : d->h[s]);
		} else {
			h = text_hash(st, 1, 0);
		}
		map_add(m, id, h);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cat_db_error(f->cat, err, "fingerprint");
}

static int load_maps(struct fp *f, struct cx_error *err)
{
	static const struct {
		enum kind k;
		const char *sql;
	} loads[] = {
		{K_DATASET, "SELECT id, source FROM dataset ORDER BY id"},
		{K_TASK, "SELECT id, name FROM task ORDER BY id"},
		{K_CAPABILITY, "SELECT id, name FROM capability ORDER BY id"},
		{K_ENTRY, "SELECT id, task_id, dataset_id, derive FROM entry ORDER BY id"},
		{K_STUDY, "SELECT id, dataset_id, key FROM study ORDER BY id"},
		{K_IMAGE, "SELECT id, dataset_id, key FROM image ORDER BY id"},
		{K_QA, "SELECT id, dataset_id, key FROM qa ORDER BY id"},
		{K_NOTE, "SELECT id, dataset_id, key FROM note ORDER BY id"},
	};
	for (size_t i = 0; i < CX_ARRAY_LEN(loads); i++)
		if (load_map(f, loads[i].k, loads[i].sql, err))
			return CX_EDB;
	return 0;
}

static void put(struct cx_buf *b, unsigned char type, const void *p, uint64_t len)
{
	unsigned char l8[8];
	for (int k = 0; k < 8; k++)
		l8[k] = (unsigned char)(len >> (8 * k));
	cx_buf_addc(b, (char)type);
	cx_buf_add(b, l8, 8);
	if (len)
		cx_buf_add(b, p, len);
}

/* A reference: the hash of the row's name ('R'), or the bare id ('I') for a
 * row that is not there (a damaged catalogue still gets a fingerprint). */
static void put_ref(struct cx_buf *b, const struct map *m, int64_t id)
{
	ptrdiff_t i = map_find(m, id);
	if (i >= 0)
		put(b, 'R', &m->h[i], 8);
	else
		put(b, 'I', &id, 8);
}

/* Every column as a type byte, a u64 length and the bytes (integers as
 * decimal text, reals as %.17g), references as put_ref. */
static void encode_row(struct fp *f, sqlite3_stmt *st, const enum kind *kinds, int other_pair)
{
	struct cx_buf *b = &f->row;
	cx_buf_reset(b);
	int ncol = sqlite3_column_count(st);
	for (int i = 0; i < ncol; i++) {
		int type = sqlite3_column_type(st, i);
		enum kind k = kinds[i];
		if (k == K_OTHER)
			k = other_pair ? K_IMAGE : K_STUDY;
		char num[40];
		int n;
		if (k == K_SKIP)
			continue;
		if (k != K_NONE && type == SQLITE_INTEGER) {
			put_ref(b, &f->m[k], sqlite3_column_int64(st, i));
		} else if (type == SQLITE_INTEGER) {
			n = snprintf(num, sizeof num, "%lld", sqlite3_column_int64(st, i));
			put(b, (unsigned char)type, num, (uint64_t)n);
		} else if (type == SQLITE_FLOAT) {
			n = snprintf(num, sizeof num, "%.17g", sqlite3_column_double(st, i));
			put(b, (unsigned char)type, num, (uint64_t)n);
		} else if (type == SQLITE_NULL)
			put(b, (unsigned char)type, NULL, 0);
		else
			put(b, (unsigned char)type, sqlite3_column_blob(st, i),
			    (uint64_t)sqlite3_column_bytes(st, i));
	}
}

static enum kind kind_of(const char *table, const char *column)
{
	for (size_t i = 0; i < CX_ARRAY_LEN(refs); i++)
		if (!strcmp(refs[i].column, column) &&
		    (!refs[i].table || !strcmp(refs[i].table, table)))
			return refs[i].kind;
	return K_NONE;
}

struct sums {
	uint64_t count, sum[2];
};

static void add_row(struct sums *s, const struct cx_buf *row)
{
	XXH128_hash_t r = XXH3_128bits(row->data ? row->data : "", row->len);
	s->sum[0] += r.low64;
	s->sum[1] += r.high64;
	s->count++;
}

/* The images of instance id, read from img (instance_image in instance
 * order, already stepped onto its next row; *more 0 once done), appended to
 * the row as (ord, image). */
static void add_images(struct fp *f, sqlite3_stmt *img, int *more, int64_t id)
{
	while (*more && sqlite3_column_int64(img, 0) < id)
		*more = sqlite3_step(img) == SQLITE_ROW; /* no such instance: a damaged catalogue */
	while (*more && sqlite3_column_int64(img, 0) == id) {
		int64_t ord = sqlite3_column_int64(img, 1);
		put(&f->row, 'O', &ord, 8);
		put_ref(&f->row, &f->m[K_IMAGE], sqlite3_column_int64(img, 2));
		*more = sqlite3_step(img) == SQLITE_ROW;
	}
}

/* One table into the fingerprint: its name, row count and hash sums. */
static int add_table(struct fp *f, const char *table, XXH3_state_t *h, struct cx_error *err)
{
	struct cx_buf sql = CX_BUF_INIT;
	sqlite3_stmt *st, *img = NULL;
	int instances = !strcmp(table, "instance");
	cx_buf_addf(&sql, "SELECT * FROM \"%s\"%s", table, instances ? " ORDER BY id" : "");
	int rc = cat_prepare(f->cat, sql.data, &st, err);
	cx_buf_release(&sql);
	if (rc == 0 && instances && cat_prepare(f->cat, "SELECT instance_id, ord, image_id FROM"
				      " instance_image ORDER BY instance_id, ord", &img, err)) {
		sqlite3_finalize(st);
		rc = CX_EDB;
	}
	if (rc)
		return rc;
	int ncol = sqlite3_column_count(st), id_col = -1, entry_col = -1;
	enum kind *kinds = cx_calloc((size_t)ncol + 1, sizeof(*kinds));
	for (int i = 0; i < ncol; i++) {
		kinds[i] = kind_of(table, sqlite3_column_name(st, i));
		id_col = !strcmp(sqlite3_column_name(st, i), "id") ? i : id_col;
		entry_col = kinds[i] == K_ENTRY ? i : entry_col;
	}
	struct sums s = {0};
	int more = img && sqlite3_step(img) == SQLITE_ROW, step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		ptrdiff_t e = entry_col < 0 ? -1
				: map_find(&f->m[K_ENTRY], sqlite3_column_int64(st, entry_col));
		encode_row(f, st, kinds, e >= 0 && f->m[K_ENTRY].pair[e]);
		if (img && id_col >= 0)
			add_images(f, img, &more, sqlite3_column_int64(st, id_col));
		add_row(&s, &f->row);
	}
	if (step != SQLITE_DONE)
		rc = cat_db_error(f->cat, err, "fingerprint");
	sqlite3_finalize(st);
	sqlite3_finalize(img);
	free(kinds);
	XXH3_64bits_update(h, table, strlen(table) + 1);
	XXH3_64bits_update(h, &s, sizeof s);
	return rc;
}

static int skipped(const char *table)
{
	for (size_t i = 0; i < CX_ARRAY_LEN(skipped_tables); i++)
		if (!strcmp(skipped_tables[i], table))
			return 1;
	return 0;
}

static int add_tables(struct fp *f, XXH3_state_t *h, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(f->cat, "SELECT name FROM main.sqlite_master WHERE type = 'table'"
				" AND name NOT LIKE 'sqlite%' ORDER BY name", &st, err))
		return CX_EDB;
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *table = (const char *)sqlite3_column_text(st, 0);
		if (!skipped(table))
			rc = add_table(f, table, h, err);
	}
	sqlite3_finalize(st);
	return rc;
}

int cx_cat_fingerprint(struct cx_cat *cat, uint64_t *out, struct cx_error *err)
{
	struct fp f = {.cat = cat};
	XXH3_state_t *h = XXH3_createState();
	if (!h)
		abort();
	XXH3_64bits_reset(h);
	int rc = load_maps(&f, err);
	if (rc == 0)
		rc = add_tables(&f, h, err);
	*out = XXH3_64bits_digest(h);
	XXH3_freeState(h);
	for (int k = 0; k < NKINDS; k++) {
		free(f.m[k].id);
		free(f.m[k].h);
		free(f.m[k].pair);
	}
	cx_buf_release(&f.row);
	return rc;
}

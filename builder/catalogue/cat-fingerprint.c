/*
 * cat-fingerprint.c - the catalogue fingerprint a shard manifest records
 * (cx_cat_fingerprint): XXH3 over the catalogue's content, so that two
 * catalogues holding the same facts and instances have the same one however
 * their rows were numbered. Rebuilding a source deletes its rows and inserts
 * them again with new ids (and every row pointing at them with new
 * references); a fingerprint over ids changed although nothing else did.
 *
 * Every table but the ones left out below is read whole; each row is its
 * columns without its own id, and a column pointing at another row (a
 * dataset, study, image, question, note, task, capability, entry or
 * instance id) is replaced by what names that row: its dataset's source id
 * and its key, a task's name, and so on. A row hashes to XXH3-128; a table
 * is its row count and the sums of its rows' hashes, which do not depend on
 * the order rows come in (no sort is needed, and ids give no order to
 * trust). The fingerprint is XXH3-64 over the tables' names, counts and sums.
 */
#include "cx.h"

#include <xxhash.h>

#include "adapters/adapter.h"
#include "catalogue/cat-internal.h"

/* Left out: meta (the build seed, recorded apart as build_seed, and the
 * program version), the rejects and filter counts (rows that reach no
 * instance; their numbers are in dataset), and where the releases lie
 * (dataset.release: moving them changes nothing in the catalogue). */
static const char *const skipped_tables[] = {"meta", "reject", "filtered"};

#define SEP " || x'1f' || "
#define KEY_OF(table) "(SELECT d.source" SEP "r.key FROM " table " r JOIN dataset d" \
		      " ON d.id = r.dataset_id WHERE r.id = t.%s)"
#define ENTRY_OF(id) "(SELECT k.name" SEP "d.source FROM entry e JOIN task k ON k.id = e.task_id" \
		     " JOIN dataset d ON d.id = e.dataset_id WHERE e.id = " id ")"

/* A reference column and the expression that names the row it points at
 * (%s: the column). */
static const struct {
	const char *table, *column, *expr;
} refs[] = {
	{NULL, "dataset_id", "(SELECT source FROM dataset WHERE id = t.%s)"},
	{NULL, "study_id", KEY_OF("study")},
	{NULL, "image_id", KEY_OF("image")},
	{NULL, "qa_id", KEY_OF("qa")},
	{NULL, "note_id", KEY_OF("note")},
	{NULL, "task_id", "(SELECT name FROM task WHERE id = t.%s)"},
	{NULL, "capability_id", "(SELECT name FROM capability WHERE id = t.%s)"},
	{NULL, "entry_id", ENTRY_OF("t.%s")},
	{NULL, "instance_id", "(SELECT " ENTRY_OF("n.entry_id") SEP "n.key FROM instance n"
			      " WHERE n.id = t.%s)"},
	{"image_pair", "other_id", KEY_OF("image")},
	/* an instance's other row is an image for a rule showing pairs of
	 * images, else a study (the rule says, by its name in entry.derive) */
	{"instance", "other_id", "CASE WHEN cx_fp_other_image((SELECT derive FROM entry"
				 " WHERE id = t.entry_id)) THEN " KEY_OF("image") " ELSE "
				 KEY_OF("study") " END"},
	{"dataset", "release", NULL},
	{NULL, "id", NULL},
};

static void sql_other_image(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *name = (const char *)sqlite3_value_text(argv[0]);
	const struct cx_rule *rule = name ? cx_rule_find(name) : NULL;
	sqlite3_result_int(ctx, rule && rule->images == CX_IMAGES_PAIR);
}

/* The SELECT that reads a table with its references named. */
static int table_select(struct cx_cat *cat, const char *table, struct cx_buf *sql,
			struct cx_error *err)
{
	sqlite3_stmt *st;
	struct cx_buf q = CX_BUF_INIT;
	cx_buf_addf(&q, "SELECT name FROM pragma_table_info('%s') ORDER BY cid", table);
	int rc = cat_prepare(cat, q.data, &st, err);
	cx_buf_release(&q);
	if (rc)
		return rc;
	cx_buf_reset(sql);
	cx_buf_adds(sql, "SELECT ");
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(st, 0);
		const char *expr = "t.%s";
		for (size_t i = 0; i < CX_ARRAY_LEN(refs); i++)
			if (!strcmp(refs[i].column, col) &&
			    (!refs[i].table || !strcmp(refs[i].table, table))) {
				expr = refs[i].expr;
				break;
			}
		if (!expr)
			continue;
		cx_buf_adds(sql, n++ ? ", " : "");
		/* every %s of the expression is the column */
		for (const char *p = expr; *p; p++)
			if (p[0] == '%' && p[1] == 's') {
				cx_buf_addf(sql, "\"%s\"", col);
				p++;
			} else {
				cx_buf_addc(sql, *p);
			}
	}
	sqlite3_finalize(st);
	cx_buf_addf(sql, "%s FROM \"%s\" t", n ? "" : "1", table);
	return 0;
}

/* Every column as a type byte, a u64 length and the bytes (integers as
 * decimal text, reals as %.17g). */
static void encode_row(sqlite3_stmt *st, struct cx_buf *b)
{
	cx_buf_reset(b);
	int ncol = sqlite3_column_count(st);
	for (int i = 0; i < ncol; i++) {
		unsigned char type = (unsigned char)sqlite3_column_type(st, i);
		char num[40];
		const void *p = num;
		uint64_t len = 0;
		if (type == SQLITE_INTEGER) {
			len = (uint64_t)snprintf(num, sizeof num, "%lld", sqlite3_column_int64(st, i));
		} else if (type == SQLITE_FLOAT) {
			len = (uint64_t)snprintf(num, sizeof num, "%.17g", sqlite3_column_double(st, i));
		} else if (type != SQLITE_NULL) {
			p = sqlite3_column_blob(st, i);
			len = (uint64_t)sqlite3_column_bytes(st, i);
		}
		unsigned char l8[8];
		for (int k = 0; k < 8; k++)
			l8[k] = (unsigned char)(len >> (8 * k));
		cx_buf_addc(b, (char)type);
		cx_buf_add(b, l8, 8);
		if (len)
			cx_buf_add(b, p, len);
	}
}

/* One table into the fingerprint: its name, row count and hash sums. */
static int add_table(struct cx_cat *cat, const char *table, XXH3_state_t *h, struct cx_error *err)
{
	struct cx_buf sql = CX_BUF_INIT, row = CX_BUF_INIT;
	sqlite3_stmt *st;
	int rc = table_select(cat, table, &sql, err);
	if (rc == 0)
		rc = cat_prepare(cat, sql.data, &st, err);
	if (rc) {
		cx_buf_release(&sql);
		return rc;
	}
	uint64_t count = 0, sum[2] = {0, 0};
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		encode_row(st, &row);
		XXH128_hash_t r = XXH3_128bits(row.data ? row.data : "", row.len);
		sum[0] += r.low64;
		sum[1] += r.high64;
		count++;
	}
	if (step != SQLITE_DONE)
		rc = cat_db_error(cat, err, "fingerprint");
	sqlite3_finalize(st);
	XXH3_64bits_update(h, table, strlen(table) + 1);
	XXH3_64bits_update(h, &count, sizeof count);
	XXH3_64bits_update(h, sum, sizeof sum);
	cx_buf_release(&sql);
	cx_buf_release(&row);
	return rc;
}

static int skipped(const char *table)
{
	for (size_t i = 0; i < CX_ARRAY_LEN(skipped_tables); i++)
		if (!strcmp(skipped_tables[i], table))
			return 1;
	return 0;
}

int cx_cat_fingerprint(struct cx_cat *cat, uint64_t *out, struct cx_error *err)
{
	sqlite3_create_function(cat->db, "cx_fp_other_image", 1,
				SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_other_image, NULL, NULL);
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT name FROM main.sqlite_master WHERE type = 'table'"
			     " AND name NOT LIKE 'sqlite%' ORDER BY name", &st, err))
		return CX_EDB;
	XXH3_state_t *h = XXH3_createState();
	if (!h)
		abort();
	XXH3_64bits_reset(h);
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *table = (const char *)sqlite3_column_text(st, 0);
		if (!skipped(table))
			rc = add_table(cat, table, h, err);
	}
	sqlite3_finalize(st);
	*out = XXH3_64bits_digest(h);
	XXH3_freeState(h);
	return rc;
}

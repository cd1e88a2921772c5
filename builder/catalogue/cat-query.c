/*
 * cat-query.c - what `stats`, `tasks` and `sample` read from a catalogue.
 * Reports are built into a cx_buf (text or JSON); the CLI prints them. The
 * views of sampled instances are filled by cat-view.c.
 */
#include "cx.h"

#include "catalogue/cat-internal.h"

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

/* ------------------------------------------------------------------ stats */

/* Patients are those of images and of studies: a study may have no image
 * (an OpenI report whose images the release lacks) and still be a patient's
 * (issue 11). */
static const char *const sql_datasets =
	"SELECT d.name, d.source, d.versions, d.access, d.release, d.rows_read, d.rows_kept,"
	" d.rows_rejected, d.rows_filtered,"
	" (SELECT count(*) FROM image i WHERE i.dataset_id = d.id),"
	" (SELECT count(*) FROM (SELECT i.patient FROM image i"
	"  WHERE i.dataset_id = d.id AND i.patient IS NOT NULL UNION SELECT s.patient"
	"  FROM study s WHERE s.dataset_id = d.id AND s.patient IS NOT NULL)),"
	" (SELECT count(*) FROM study s WHERE s.dataset_id = d.id),"
	" (SELECT count(*) FROM reject r WHERE r.dataset_id = d.id),"
	" (SELECT count(*) FROM instance n JOIN entry e ON n.entry_id = e.id"
	"  WHERE e.dataset_id = d.id), d.id,"
	/* images whose file on disk has not the aspect ratio of their boxes'
	 * frame (tasks/boxes.c, cx_box_frame_fits: the same test) */
	" (SELECT count(DISTINCT b.image_id) FROM box b JOIN image i ON b.image_id = i.id"
	"  WHERE b.dataset_id = d.id AND b.frame_width > 0 AND i.width > 0 AND i.height > 0"
	"  AND abs(i.width * b.frame_height - i.height * b.frame_width)"
	"   > b.frame_width + b.frame_height),"
	" (SELECT count(*) FROM damage g WHERE g.dataset_id = d.id)"
	" FROM dataset d ORDER BY d.name";

static const char *const sql_counts =
	"SELECT c.name, t.name, d.name, e.held_out,"
	" sum(n.split = 'train'), sum(n.split = 'val'), sum(n.split = 'test'), count(n.id)"
	" FROM entry e JOIN task t ON e.task_id = t.id JOIN capability c ON t.capability_id = c.id"
	" JOIN dataset d ON e.dataset_id = d.id LEFT JOIN instance n ON n.entry_id = e.id"
	" GROUP BY e.id ORDER BY c.id, t.id, d.name";

/* A dataset's rows per filter rule ("filtered") or rejects per reason code
 * ("rejected", reject.code): name and count pairs, in name order. */
static void grouped(struct cx_cat *cat, const char *sql, const char *label, sqlite3_int64 id,
		    int json, struct cx_buf *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	int first = 1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (json) {
			cx_buf_adds(out, first ? "" : ", ");
			cx_buf_add_json_str(out, col(st, 0));
			cx_buf_addf(out, ": %lld", sqlite3_column_int64(st, 1));
		} else {
			if (first)
				cx_buf_addf(out, "    %s: ", label);
			else
				cx_buf_adds(out, ", ");
			cx_buf_addf(out, "%s %lld", col(st, 0), sqlite3_column_int64(st, 1));
		}
		first = 0;
	}
	if (!json && !first)
		cx_buf_addc(out, '\n');
	sqlite3_finalize(st);
}

static const char *const sql_filtered =
	"SELECT rule, rows FROM filtered WHERE dataset_id = ?1 ORDER BY rule";
static const char *const sql_rejected =
	"SELECT code, count(*) FROM reject WHERE dataset_id = ?1 GROUP BY code ORDER BY code";

static int stats_datasets(struct cx_cat *cat, int json, struct cx_buf *out, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, sql_datasets, &st, err))
		return CX_EDB;
	if (json)
		cx_buf_adds(out, "{\"datasets\": [");
	else
		cx_buf_addf(out, "%-16s %-17s %9s %9s %8s %8s %8s %8s %9s\n", "dataset", "source",
			    "rows", "kept", "rejected", "filtered", "images", "patients",
			    "instances");
	int first = 1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (json) {
			cx_buf_adds(out, first ? "\n  {\"name\": " : ",\n  {\"name\": ");
			cx_buf_add_json_str(out, col(st, 0));
			static const char *const keys[] = {"source", "versions", "access", "release"};
			for (int k = 0; k < 4; k++) {
				cx_buf_addf(out, ", \"%s\": ", keys[k]);
				cx_buf_add_json_str(out, col(st, 1 + k));
			}
			cx_buf_addf(out, ", \"rows_read\": %lld, \"rows_kept\": %lld,"
					 " \"rows_rejected\": %lld, \"rows_filtered\": %lld,"
					 " \"images\": %lld, \"patients\": %lld, \"studies\": %lld,"
					 " \"rejects\": %lld, \"instances\": %lld,"
					 " \"box_frame_mismatch\": %lld, \"damaged_archives\": %lld,"
					 " \"filtered\": {",
				    sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6),
				    sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8),
				    sqlite3_column_int64(st, 9), sqlite3_column_int64(st, 10),
				    sqlite3_column_int64(st, 11), sqlite3_column_int64(st, 12),
				    sqlite3_column_int64(st, 13), sqlite3_column_int64(st, 15),
				    sqlite3_column_int64(st, 16));
			grouped(cat, sql_filtered, "filtered", sqlite3_column_int64(st, 14), 1, out);
			cx_buf_adds(out, "}, \"rejected\": {");
			grouped(cat, sql_rejected, "rejected", sqlite3_column_int64(st, 14), 1, out);
			cx_buf_adds(out, "}}");
		} else {
			cx_buf_addf(out, "%-16s %-17s %9lld %9lld %8lld %8lld %8lld %8lld %9lld\n",
				    col(st, 0), col(st, 1), sqlite3_column_int64(st, 5),
				    sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7),
				    sqlite3_column_int64(st, 8), sqlite3_column_int64(st, 9),
				    sqlite3_column_int64(st, 10), sqlite3_column_int64(st, 13));
			grouped(cat, sql_filtered, "filtered", sqlite3_column_int64(st, 14), 0, out);
			grouped(cat, sql_rejected, "rejected", sqlite3_column_int64(st, 14), 0, out);
			if (sqlite3_column_int64(st, 15))
				cx_buf_addf(out, "    boxes: %lld images whose file has not the aspect"
						 " ratio of their boxes' frame (not rendered)\n",
					    sqlite3_column_int64(st, 15));
			if (sqlite3_column_int64(st, 16))
				cx_buf_addf(out, "    damaged archives: %lld\n",
					    sqlite3_column_int64(st, 16));
		}
		first = 0;
	}
	sqlite3_finalize(st);
	cx_buf_adds(out, json ? "\n ],\n" : "\n");
	return 0;
}

static int stats_instances(struct cx_cat *cat, int json, struct cx_buf *out, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, sql_counts, &st, err))
		return CX_EDB;
	long long tot[4] = {0};
	if (json)
		cx_buf_adds(out, " \"instances\": [");
	else
		cx_buf_addf(out, "%-27s %-24s %-14s %8s %7s %7s %8s\n", "capability", "task",
			    "dataset", "train", "val", "test", "total");
	int first = 1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long v[4];
		for (int k = 0; k < 4; k++) {
			v[k] = sqlite3_column_int64(st, 4 + k);
			tot[k] += v[k];
		}
		if (json) {
			cx_buf_adds(out, first ? "\n  {\"capability\": " : ",\n  {\"capability\": ");
			cx_buf_add_json_str(out, col(st, 0));
			cx_buf_adds(out, ", \"task\": ");
			cx_buf_add_json_str(out, col(st, 1));
			cx_buf_adds(out, ", \"dataset\": ");
			cx_buf_add_json_str(out, col(st, 2));
			cx_buf_addf(out, ", \"held_out\": %s, \"train\": %lld, \"val\": %lld,"
					 " \"test\": %lld, \"total\": %lld}",
				    sqlite3_column_int(st, 3) ? "true" : "false", v[0], v[1], v[2],
				    v[3]);
		} else {
			cx_buf_addf(out, "%-27s %-24s %-14s %8lld %7lld %7lld %8lld%s\n", col(st, 0),
				    col(st, 1), col(st, 2), v[0], v[1], v[2], v[3],
				    sqlite3_column_int(st, 3) ? "  (held out)" : "");
		}
		first = 0;
	}
	sqlite3_finalize(st);
	if (json)
		cx_buf_addf(out, "\n ],\n \"totals\": {\"train\": %lld, \"val\": %lld,"
				 " \"test\": %lld, \"total\": %lld}}\n", tot[0], tot[1], tot[2], tot[3]);
	else
		cx_buf_addf(out, "%-27s %-24s %-14s %8lld %7lld %7lld %8lld\n", "total", "", "",
			    tot[0], tot[1], tot[2], tot[3]);
	return 0;
}

int cx_cat_stats(struct cx_cat *cat, int json, struct cx_buf *out, struct cx_error *err)
{
	if (stats_datasets(cat, json, out, err))
		return err->code;
	return stats_instances(cat, json, out, err);
}

/* ------------------------------------------------------------------ tasks */

static const char *const sql_tree =
	"SELECT c.name, c.title, t.name, t.title, d.name, e.held_out,"
	" (SELECT count(*) FROM instance n WHERE n.entry_id = e.id),"
	" (SELECT count(*) FROM instance n JOIN entry e2 ON n.entry_id = e2.id"
	"  WHERE e2.task_id = t.id)"
	" FROM capability c JOIN task t ON t.capability_id = c.id"
	" LEFT JOIN entry e ON e.task_id = t.id LEFT JOIN dataset d ON e.dataset_id = d.id"
	" ORDER BY c.id, t.id, d.name";

int cx_cat_tasks(struct cx_cat *cat, int json, struct cx_buf *out, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, sql_tree, &st, err))
		return CX_EDB;
	struct cx_buf cap = CX_BUF_INIT, task = CX_BUF_INIT;
	int ncap = 0, ntask = 0, nds = 0;
	if (json)
		cx_buf_adds(out, "[");
	while (sqlite3_step(st) == SQLITE_ROW) {
		int new_cap = strcmp(cx_buf_str(&cap), col(st, 0)) != 0;
		int new_task = new_cap || strcmp(cx_buf_str(&task), col(st, 2)) != 0;
		if (json && new_task && ntask)
			cx_buf_adds(out, "]}");
		if (json && new_cap && ncap)
			cx_buf_adds(out, "]}");
		if (new_cap) {
			cx_buf_reset(&cap);
			cx_buf_adds(&cap, col(st, 0));
			if (json) {
				cx_buf_adds(out, ncap ? ",\n {\"capability\": " : "\n {\"capability\": ");
				cx_buf_add_json_str(out, col(st, 0));
				cx_buf_adds(out, ", \"title\": ");
				cx_buf_add_json_str(out, col(st, 1));
				cx_buf_adds(out, ", \"tasks\": [");
			} else {
				cx_buf_addf(out, "%s (%s)\n", col(st, 0), col(st, 1));
			}
			ncap++;
			ntask = 0;
		}
		if (new_task) {
			cx_buf_reset(&task);
			cx_buf_adds(&task, col(st, 2));
			if (json) {
				cx_buf_adds(out, ntask ? ",\n  {\"task\": " : "\n  {\"task\": ");
				cx_buf_add_json_str(out, col(st, 2));
				cx_buf_adds(out, ", \"title\": ");
				cx_buf_add_json_str(out, col(st, 3));
				cx_buf_addf(out, ", \"instances\": %lld, \"datasets\": [",
					    sqlite3_column_int64(st, 7));
			} else {
				cx_buf_addf(out, "  %-32s %10lld\n", col(st, 2),
					    sqlite3_column_int64(st, 7));
			}
			ntask++;
			nds = 0;
		}
		if (sqlite3_column_type(st, 4) == SQLITE_NULL)
			continue;
		if (json) {
			cx_buf_adds(out, nds ? ", {\"dataset\": " : "{\"dataset\": ");
			cx_buf_add_json_str(out, col(st, 4));
			cx_buf_addf(out, ", \"held_out\": %s, \"instances\": %lld}",
				    sqlite3_column_int(st, 5) ? "true" : "false",
				    sqlite3_column_int64(st, 6));
		} else {
			cx_buf_addf(out, "    %-30s %10lld%s\n", col(st, 4), sqlite3_column_int64(st, 6),
				    sqlite3_column_int(st, 5) ? "  (held out)" : "");
		}
		nds++;
	}
	if (json)
		cx_buf_adds(out, ntask ? "]}]}\n]\n" : "\n]\n");
	sqlite3_finalize(st);
	cx_buf_release(&cap);
	cx_buf_release(&task);
	return 0;
}

/* ----------------------------------------------------------------- sample */

static const char *const sql_sample =
	"SELECT " CAT_ITEM_COLS CAT_ITEM_FROM
	" WHERE instr(t.name, ?1) > 0 AND (?2 IS NULL OR d.name = ?2 OR d.source = ?2)"
	" AND (?3 IS NULL OR n.split = ?3)"
	" ORDER BY cx_hash(cx_instance_id(t.name, d.source, n.key), ?4), n.id LIMIT ?5";

/* Every instance of the catalogue in entry, then instance order (audit). */
static const char *const sql_each =
	"SELECT " CAT_ITEM_COLS CAT_ITEM_FROM
	" WHERE instr(t.name, ?1) > 0 AND (?2 IS NULL OR d.name = ?2 OR d.source = ?2)"
	" AND (?3 IS NULL OR n.split = ?3)"
	" ORDER BY t.id, d.name, n.id";

static long visit(struct cx_cat *cat, sqlite3_stmt *st, cx_sample_fn fn, void *ctx,
		  struct cx_error *err);

long cx_cat_sample(struct cx_cat *cat, const struct cx_sample_query *q, cx_sample_fn fn, void *ctx,
		   struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, sql_sample, &st, err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, q->task, -1, SQLITE_STATIC);
	cat_bind_text(st, 2, q->dataset);
	cat_bind_text(st, 3, q->split);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)q->seed);
	sqlite3_bind_int64(st, 5, q->n);
	return visit(cat, st, fn, ctx, err);
}

long cx_cat_each_instance(struct cx_cat *cat, const struct cx_sample_query *q, cx_sample_fn fn,
			  void *ctx, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, sql_each, &st, err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, q->task ? q->task : "", -1, SQLITE_STATIC);
	cat_bind_text(st, 2, q->dataset);
	cat_bind_text(st, 3, q->split);
	return visit(cat, st, fn, ctx, err);
}

/* Fills each row's view and calls fn; finalizes st. */
static long visit(struct cx_cat *cat, sqlite3_stmt *st, cx_sample_fn fn, void *ctx,
		  struct cx_error *err)
{
	long n = 0;
	int rc = 0;
	struct cat_views *views = cat_views_new(cat);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		struct cat_item it;
		cat_item_fill(views, st, &it);
		struct cx_buf entry = CX_BUF_INIT;
		cx_buf_addf(&entry, "[%s] [%s]", col(st, 15), it.v.dataset);
		struct cx_sample_item item = {&it.v, (const char *const *)it.images, it.nimages,
					      col(st, 11), (long)sqlite3_column_int64(st, 12),
					      entry.data, it.release ? it.release : "",
					      (const char *const *)it.archives,
					      (const char *const *)it.paths};
		rc = fn(ctx, &item, err);
		cx_buf_release(&entry);
		cat_item_free(&it);
		n++;
	}
	cat_views_free(views);
	sqlite3_finalize(st);
	return rc ? rc : n;
}

int cx_cat_build_seed(struct cx_cat *cat, uint64_t *seed, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT value FROM meta WHERE key = 'seed'", &st, err))
		return CX_EDB;
	int rc = 0;
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = cx_error_set(err, CX_ENOTFOUND, "the catalogue records no build seed");
	else
		*seed = strtoull(col(st, 0), NULL, 10);
	sqlite3_finalize(st);
	return rc;
}

int cx_cat_has_source(struct cx_cat *cat, const char *source)
{
	sqlite3_stmt *st;
	struct cx_error err = {0};
	if (cat_prepare(cat, "SELECT 1 FROM dataset WHERE source = ?1", &st, &err))
		return 0;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	int has = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return has;
}

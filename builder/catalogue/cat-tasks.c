/*
 * cat-tasks.c - copies the capability and task table of builder/tasks/ into
 * the catalogue, so the catalogue answers "capability -> task -> dataset ->
 * instance" on its own (for tools that only read SQLite).
 */
#include "cx.h"

#include "catalogue/cat-internal.h"
#include "tasks/tasks.h"

static int sync_capabilities(struct cx_cat *cat, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "INSERT INTO capability(name, title) VALUES (?1, ?2)"
			     " ON CONFLICT(name) DO UPDATE SET title = excluded.title", &st, err))
		return CX_EDB;
	int rc = 0;
	for (size_t i = 0; i < cx_capability_count() && !rc; i++) {
		const struct cx_capability *c = cx_capability_at(i);
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->title, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = cat_db_error(cat, err, "capability");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

static int sync_task_rows(struct cx_cat *cat, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "INSERT INTO task(name, title, capability_id)"
			     " SELECT ?1, ?2, id FROM capability WHERE name = ?3"
			     " ON CONFLICT(name) DO UPDATE SET title = excluded.title,"
			     " capability_id = excluded.capability_id", &st, err))
		return CX_EDB;
	int rc = 0;
	for (size_t i = 0; i < cx_task_count() && !rc; i++) {
		const struct cx_task *t = cx_task_at(i);
		sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, t->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, t->capability, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = cat_db_error(cat, err, "task");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

int cx_cat_sync_tasks(struct cx_cat *cat, struct cx_error *err)
{
	if (cat_exec(cat, "BEGIN", err))
		return CX_EDB;
	int rc = sync_capabilities(cat, err);
	if (!rc)
		rc = sync_task_rows(cat, err);
	if (rc) {
		sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return cat_exec(cat, "COMMIT", err);
}

/*
 * cat-images.c - the catalogue's side of the image header pass: which images
 * of the source being built need reading, and where what was read goes.
 *
 * The files themselves are opened by the build (builder/build/images.c), so
 * the catalogue stays storage and queries and never reaches into io/ or
 * image/ for this. Four statements are prepared once for the whole pass
 * (cx_cat_images_begin .. _end): a pass over MIMIC-CXR touches 377 thousand
 * images, and preparing per image would cost seconds.
 */
#include "cx.h"

#include "catalogue/cat-internal.h"

enum { IMG_FIND, IMG_SET, IMG_DROP, IMG_REJECT, IMG_COUNT };

static const char *const img_sql[IMG_COUNT] = {
	[IMG_FIND] = "SELECT id FROM image WHERE dataset_id = ?1 AND archive = ?2 AND path = ?3",
	[IMG_SET] = "UPDATE image SET width = ?1, height = ?2, bit_depth = ?3,"
		    " pixel_hash = ?5, dhash = ?6, sex = COALESCE(sex, ?7),"
		    " age = COALESCE(age, ?8), view = COALESCE(view, ?9) WHERE id = ?4",
	[IMG_DROP] = "DELETE FROM image WHERE id = ?1",
	[IMG_REJECT] = "INSERT INTO reject(dataset_id, file, line, reason) VALUES (?1, ?2, 0, ?3)",
};

int cx_cat_images_begin(struct cx_cat *cat, struct cx_error *err)
{
	cx_cat_images_end(cat);
	cat->img = cx_calloc(IMG_COUNT, sizeof(*cat->img));
	for (int i = 0; i < IMG_COUNT; i++)
		if (cat_prepare(cat, img_sql[i], &cat->img[i], err)) {
			cx_cat_images_end(cat);
			return CX_EDB;
		}
	return 0;
}

void cx_cat_images_end(struct cx_cat *cat)
{
	if (!cat->img)
		return;
	for (int i = 0; i < IMG_COUNT; i++)
		sqlite3_finalize(cat->img[i]);
	free(cat->img);
	cat->img = NULL;
}

int cx_cat_image_archives(struct cx_cat *cat, cx_cat_archive_fn fn, void *ctx,
			  struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT DISTINCT archive FROM image WHERE dataset_id = ?1"
			     " ORDER BY archive", &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		/* a copy: fn changes the table the statement reads */
		char *archive = cx_strdup((const char *)sqlite3_column_text(st, 0));
		rc = fn(ctx, archive, err);
		free(archive);
	}
	sqlite3_finalize(st);
	return rc;
}

int cx_cat_image_each(struct cx_cat *cat, const char *archive, cx_cat_image_fn fn, void *ctx,
		      struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT id, path FROM image WHERE dataset_id = ?1 AND archive = ?2"
			     " ORDER BY id", &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, archive, -1, SQLITE_TRANSIENT);
	int rc = 0;
	struct cx_buf path = CX_BUF_INIT;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		cx_buf_reset(&path);
		cx_buf_adds(&path, (const char *)sqlite3_column_text(st, 1));
		rc = fn(ctx, sqlite3_column_int64(st, 0), path.data, err);
	}
	cx_buf_release(&path);
	sqlite3_finalize(st);
	return rc;
}

int64_t cx_cat_image_find(struct cx_cat *cat, const char *archive, const char *path)
{
	sqlite3_stmt *st = cat->img[IMG_FIND];
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, archive, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, path, -1, SQLITE_TRANSIENT);
	int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return id;
}

static int step_reset(struct cx_cat *cat, sqlite3_stmt *st, struct cx_error *err,
		      const char *what)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cat_db_error(cat, err, what);
	sqlite3_reset(st);
	return rc;
}

int cx_cat_image_set(struct cx_cat *cat, int64_t id, const struct cx_cat_image_info *info,
		     struct cx_error *err)
{
	sqlite3_stmt *st = cat->img[IMG_SET];
	sqlite3_bind_int(st, 1, info->width);
	sqlite3_bind_int(st, 2, info->height);
	sqlite3_bind_int(st, 3, info->bit_depth);
	sqlite3_bind_int64(st, 4, id);
	/* SQLite integers are signed: the 64 hash bits are stored as they are. */
	if (info->hashed) {
		sqlite3_bind_int64(st, 5, (sqlite3_int64)info->pixel_hash);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)info->dhash);
	} else {
		sqlite3_bind_null(st, 5);
		sqlite3_bind_null(st, 6);
	}
	sqlite3_bind_text(st, 7, info->sex, -1, SQLITE_TRANSIENT);
	if (info->age >= 0)
		sqlite3_bind_int(st, 8, info->age);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_text(st, 9, info->view, -1, SQLITE_TRANSIENT);
	return step_reset(cat, st, err, "image header");
}

int cx_cat_image_reject(struct cx_cat *cat, int64_t id, const char *file, const char *reason,
			struct cx_error *err)
{
	sqlite3_stmt *st = cat->img[IMG_REJECT];
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, file, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
	int rc = step_reset(cat, st, err, "reject");
	if (rc)
		return rc;
	st = cat->img[IMG_DROP];
	sqlite3_bind_int64(st, 1, id);
	rc = step_reset(cat, st, err, "image");
	if (!rc)
		cat->n.images_unreadable++;
	return rc;
}

int cx_cat_damage(struct cx_cat *cat, const char *file, const char *reason, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "INSERT INTO damage(dataset_id, file, reason) VALUES (?1, ?2, ?3)",
			&st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cat_db_error(cat, err, "damage");
	sqlite3_finalize(st);
	return rc;
}

/*
 * cat-release.c - where each source's release was read from, and the terms
 * it is released under. The build records the release's absolute path and
 * the folder it ran in beside the path as --sources named it
 * (dataset.release_path, build_dir), so that `shard` finds the images from
 * any folder; `shard --sources DIR` (cli/shard-sources.c) lists the sources
 * with these paths to map them to a moved copy. Neither column is in the
 * content fingerprint (cat-fingerprint.c). The terms (licence, access
 * class) go into the shard manifest, every record's metadata and the card,
 * and `shard --access public` leaves out what needs credentials. Each
 * source's build stamp (build/stamp.c) is kept here too, in meta, for
 * `chexinstruct recipe` to tell whether it is up to date.
 */
#include "cx.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "catalogue/cat-internal.h"

/* The absolute form of path: realpath when it resolves, else cwd/path. */
static char *absolute(const char *path, const char *cwd)
{
	char *abs = realpath(path, NULL);
	if (abs)
		return abs;
	struct cx_buf b = CX_BUF_INIT;
	if (path[0] == '/')
		cx_buf_adds(&b, path);
	else
		cx_buf_addf(&b, "%s/%s", cwd, path);
	return cx_buf_detach(&b);
}

int cx_cat_set_release_place(struct cx_cat *cat, const char *source, const char *release,
			     struct cx_error *err)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return cx_error_set(err, CX_EIO, "cannot read the current folder: %s",
				    strerror(errno));
	char *abs = absolute(release, cwd);
	sqlite3_stmt *st;
	int rc = cat_prepare(cat, "UPDATE dataset SET release_path = ?1, build_dir = ?2"
				  " WHERE source = ?3", &st, err);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, abs, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, cwd, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cat_db_error(cat, err, "dataset");
		sqlite3_finalize(st);
	}
	free(abs);
	return rc;
}

int cx_cat_set_stamp(struct cx_cat *cat, const char *source, const char *stamp,
		     struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "INSERT OR REPLACE INTO meta(key, value) VALUES ('stamp:' || ?1, ?2)",
			&st, err))
		return err->code;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, stamp, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cat_db_error(cat, err, "meta");
	sqlite3_finalize(st);
	return rc;
}

int cx_cat_stamp(struct cx_cat *cat, const char *source, char **out, struct cx_error *err)
{
	*out = NULL;
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT value FROM meta WHERE key = 'stamp:' || ?1", &st, err))
		return err->code;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*out = cx_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : cat_db_error(cat, err, "meta");
}

int cx_cat_places(struct cx_cat *cat, struct cx_cat_place **out, size_t *n, struct cx_error *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT source, release_path FROM dataset ORDER BY source", &st, err))
		return err->code;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		*out = cx_realloc(*out, (*n + 1) * sizeof(**out));
		(*out)[*n].source = cx_strdup((const char *)sqlite3_column_text(st, 0));
		(*out)[*n].release_path = cx_strdup((const char *)sqlite3_column_text(st, 1));
		(*n)++;
	}
	sqlite3_finalize(st);
	return s == SQLITE_DONE ? 0 : cat_db_error(cat, err, "dataset");
}

void cx_cat_places_free(struct cx_cat_place *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].source);
		free(v[i].release_path);
	}
	free(v);
}

int cx_cat_hashed_images(struct cx_cat *cat, int *yes, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT EXISTS (SELECT 1 FROM image WHERE pixel_hash IS NOT NULL)",
			&st, err))
		return err->code;
	int s = sqlite3_step(st);
	*yes = s == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return s == SQLITE_ROW ? 0 : cat_db_error(cat, err, "image");
}

int cx_cat_source_terms(struct cx_cat *cat, struct cx_source_terms **out, size_t *n,
			struct cx_error *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT source, name, versions, license, access FROM dataset"
			     " ORDER BY source", &st, err))
		return err->code;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		*out = cx_realloc(*out, (*n + 1) * sizeof(**out));
		struct cx_source_terms *t = &(*out)[(*n)++];
		t->source = cx_strdup((const char *)sqlite3_column_text(st, 0));
		t->dataset = cx_strdup((const char *)sqlite3_column_text(st, 1));
		t->versions = cx_strdup((const char *)sqlite3_column_text(st, 2));
		t->license = cx_strdup((const char *)sqlite3_column_text(st, 3));
		t->access = cx_strdup((const char *)sqlite3_column_text(st, 4));
	}
	sqlite3_finalize(st);
	return s == SQLITE_DONE ? 0 : cat_db_error(cat, err, "dataset");
}

void cx_cat_source_terms_free(struct cx_source_terms *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].source);
		free(v[i].dataset);
		free(v[i].versions);
		free(v[i].license);
		free(v[i].access);
	}
	free(v);
}

/* --access: the target split's instances of an entry whose source may not
 * be shared at the access class asked for leave the plan, counted under
 * their own reason (leakage.json, the manifest's removed). Here rather
 * than in cat-shard.c because it is about sources' terms, not the plan's
 * steps; it runs right after cx_plan_begin. */
int cx_plan_restrict(struct cx_cat *cat, int target, int64_t entry, const char *reason,
		     struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "UPDATE plan.cand SET state = 1, reason = ?3"
			     " WHERE rank = ?1 AND entry_id = ?2 AND state = 0", &st, err))
		return err->code;
	sqlite3_bind_int(st, 1, target);
	sqlite3_bind_int64(st, 2, entry);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan");
	sqlite3_finalize(st);
	return rc;
}

/* After the restrictions: an image only restricted instances show is not
 * needed (not staged, not transcoded with --image-size); one that a
 * remaining instance shows still is. */
int cx_plan_restrict_images(struct cx_cat *cat, int target, const char *reason,
			    struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "UPDATE plan.img SET need = 0 WHERE id IN (SELECT x.image_id"
			     " FROM plan.cand c JOIN instance_image x ON x.instance_id = c.id"
			     " WHERE c.rank = ?1 AND c.reason = ?2)", &st, err))
		return err->code;
	sqlite3_bind_int(st, 1, target);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan");
	sqlite3_finalize(st);
	if (rc || cat_prepare(cat, "UPDATE plan.img SET need = 1 WHERE need = 0 AND id IN"
				   " (SELECT x.image_id FROM plan.cand c JOIN instance_image x"
				   " ON x.instance_id = c.id WHERE c.rank = ?1 AND c.state = 0)",
			      &st, err))
		return rc ? rc : err->code;
	sqlite3_bind_int(st, 1, target);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan");
	sqlite3_finalize(st);
	return rc;
}

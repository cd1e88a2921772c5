/*
 * cat-vocab.c - label vocabularies in the catalogue (tables vocab and
 * vocab_label, schema/catalogue.sql).
 *
 * At the start of each source's build the adapter's vocabulary is checked and
 * written, and the source's dataset row points at it; a vocabulary shared by
 * several sources (CheXpert's, by CheXpert and MIMIC-CXR) is one row, written
 * again by each. The renderer gets the vocabulary back from here with each
 * instance (cat-view.c), so what an instance means never depends on the code
 * that happens to read the catalogue, nor on a dataset's name.
 */
#include "cx.h"

#include "catalogue/cat-internal.h"

static int run(struct cx_cat *cat, sqlite3_stmt *st, const char *what, struct cx_error *err)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cat_db_error(cat, err, what);
	sqlite3_reset(st);
	return rc;
}

/* One statement with ?1 = the vocabulary's name, run once. */
static int exec_named(struct cx_cat *cat, const char *sql, const char *name, const char *what,
		      struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, sql, &st, err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = run(cat, st, what, err);
	sqlite3_finalize(st);
	return rc;
}

static int write_head(struct cx_cat *cat, const struct cx_vocab *v, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (exec_named(cat, "DELETE FROM vocab_label WHERE vocab = ?1", v->id, "vocab", err) ||
	    cat_prepare(cat, "INSERT OR REPLACE INTO vocab(name, title, absent) VALUES (?1, ?2, ?3)",
			&st, err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, v->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, cx_vocab_absent_name(v->absent), -1, SQLITE_STATIC);
	int rc = run(cat, st, "vocab", err);
	sqlite3_finalize(st);
	return rc;
}

static int write_labels(struct cx_cat *cat, const struct cx_vocab *v, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "INSERT INTO vocab_label(vocab, ord, name, display, noun, plural,"
			     " article, role, uncertain) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			&st, err))
		return CX_EDB;
	int rc = 0;
	for (size_t i = 0; i < v->n && rc == 0; i++) {
		const struct cx_vocab_label *l = &v->labels[i];
		sqlite3_bind_text(st, 1, v->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sqlite3_bind_text(st, 3, l->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, l->display, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, l->noun, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, l->plural, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, l->article, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, cx_vocab_role_name(l->role), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 9, l->uncertain);
		rc = run(cat, st, "vocab label", err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Points the source's dataset row at its vocabulary (NULL for none), then
 * drops vocabularies no dataset uses any more. */
static int link_dataset(struct cx_cat *cat, const char *name, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "UPDATE dataset SET vocab = ?1 WHERE id = ?2", &st, err))
		return CX_EDB;
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cat->dataset_id);
	int rc = run(cat, st, "dataset vocab", err);
	sqlite3_finalize(st);
	if (rc == 0)
		rc = cat_exec(cat, "DELETE FROM vocab WHERE name NOT IN (SELECT vocab FROM dataset"
				   " WHERE vocab IS NOT NULL);"
				   "DELETE FROM vocab_label WHERE vocab NOT IN (SELECT name FROM vocab);",
			      err);
	return rc;
}

int cat_vocab_write(struct cx_cat *cat, struct cx_error *err)
{
	const struct cx_vocab *v = cat->adapter->labels;
	if (v && cx_vocab_check(v, err)) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "%s", err->msg);
		return cx_error_set(err, CX_EINVAL, "adapter %s: %s", cat->adapter->id, msg);
	}
	if (v && (write_head(cat, v, err) || write_labels(cat, v, err)))
		return err->code;
	return link_dataset(cat, v ? v->id : NULL, err);
}

/* ------------------------------------------------------------- reading */

void cx_cat_vocab_free(struct cx_vocab *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		const struct cx_vocab_label *l = &v->labels[i];
		free((char *)l->name);
		free((char *)l->display);
		free((char *)l->noun);
		free((char *)l->plural);
		free((char *)l->article);
	}
	free((struct cx_vocab_label *)v->labels);
	free((char *)v->id);
	free((char *)v->name);
	free(v);
}

static char *text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return cx_strdup(s ? (const char *)s : "");
}

/* Reads the labels of vocabulary v->id into v; a role it does not know is a
 * catalogue this code cannot render. */
static int read_labels(struct cx_cat *cat, struct cx_vocab *v, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT name, display, noun, plural, article, role, uncertain"
			     " FROM vocab_label WHERE vocab = ?1 ORDER BY ord", &st, err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, v->id, -1, SQLITE_STATIC);
	struct cx_vocab_label *labels = NULL;
	int rc = 0, step;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		labels = cx_realloc(labels, (v->n + 1) * sizeof *labels);
		struct cx_vocab_label *l = &labels[v->n++];
		*l = (struct cx_vocab_label){
			.name = text(st, 0), .display = text(st, 1), .noun = text(st, 2),
			.plural = text(st, 3), .article = text(st, 4),
			.uncertain = sqlite3_column_int(st, 6)};
		int role = cx_vocab_role_parse((const char *)sqlite3_column_text(st, 5));
		l->role = role < 0 ? CX_ROLE_FINDING : (enum cx_label_role)role;
		if (role < 0)
			rc = cx_error_set(err, CX_EFORMAT, "vocabulary %s: label '%s' has an unknown"
					  " role", v->id, l->name);
	}
	v->labels = labels;
	sqlite3_finalize(st);
	return rc;
}

int cat_vocab_load(struct cx_cat *cat, const char *name, struct cx_vocab **out,
		   struct cx_error *err)
{
	*out = NULL;
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT title, absent FROM vocab WHERE name = ?1", &st, err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cx_error_set(err, CX_ENOTFOUND, "no label vocabulary '%s' in the catalogue",
				    name);
	}
	struct cx_vocab *v = cx_calloc(1, sizeof *v);
	v->id = cx_strdup(name);
	v->name = text(st, 0);
	int absent = cx_vocab_absent_parse((const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	v->absent = absent < 0 ? CX_ABSENT_UNKNOWN : (enum cx_absent)absent;
	int rc = absent < 0 ? cx_error_set(err, CX_EFORMAT, "vocabulary %s: unknown absence"
					   " meaning", name)
			    : read_labels(cat, v, err);
	if (rc == 0)
		rc = cx_vocab_check(v, err);
	if (rc) {
		cx_cat_vocab_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

int cx_cat_vocab(struct cx_cat *cat, const char *source, struct cx_vocab **out,
		 struct cx_error *err)
{
	*out = NULL;
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT vocab FROM dataset WHERE source = ?1", &st, err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	int rc = 0;
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = cx_error_set(err, CX_ENOTFOUND, "no source '%s' in the catalogue", source);
	else if (sqlite3_column_type(st, 0) != SQLITE_NULL)
		rc = cat_vocab_load(cat, (const char *)sqlite3_column_text(st, 0), out, err);
	sqlite3_finalize(st);
	return rc;
}

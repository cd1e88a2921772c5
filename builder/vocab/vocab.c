/*
 * vocab.c - looking labels up in a vocabulary, the names the catalogue
 * stores for absence meanings and roles, and the check every vocabulary
 * passes before it is stored (see vocab.h).
 */
#include "cx.h"

#include <ctype.h>

#include "vocab/vocab.h"

/* Names match ignoring case, with '_' and ' ' alike: released label names
 * differ in spelling between files of one release (ChestX-ray14 writes
 * Pleural_Thickening in its labels and is read as "pleural thickening"). */
static int same_name(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = *a == '_' ? ' ' : tolower((unsigned char)*a);
		int cb = *b == '_' ? ' ' : tolower((unsigned char)*b);
		if (ca != cb)
			return 0;
		if (!ca)
			return 1;
	}
}

int cx_vocab_find(const struct cx_vocab *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (same_name(v->labels[i].name, name))
			return (int)i;
	return -1;
}

int cx_vocab_find_role(const struct cx_vocab *v, enum cx_label_role role)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->labels[i].role == role)
			return (int)i;
	return -1;
}

static const char *const absent_names[] = {
	[CX_ABSENT_NEGATIVE] = "negative",
	[CX_ABSENT_UNKNOWN] = "unknown",
};

static const char *const role_names[] = {
	[CX_ROLE_FINDING] = "finding",
	[CX_ROLE_NONE] = "none",
	[CX_ROLE_OTHER] = "other",
};

static int index_of(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(names[i], s))
			return (int)i;
	return -1;
}

const char *cx_vocab_absent_name(enum cx_absent a)
{
	return (size_t)a < CX_ARRAY_LEN(absent_names) ? absent_names[a] : "";
}

int cx_vocab_absent_parse(const char *s)
{
	return index_of(absent_names, CX_ARRAY_LEN(absent_names), s);
}

const char *cx_vocab_role_name(enum cx_label_role r)
{
	return (size_t)r < CX_ARRAY_LEN(role_names) ? role_names[r] : "";
}

int cx_vocab_role_parse(const char *s)
{
	return index_of(role_names, CX_ARRAY_LEN(role_names), s);
}

static int check_label(const struct cx_vocab *v, size_t i, struct cx_error *err)
{
	const struct cx_vocab_label *l = &v->labels[i];
	if (!l->name || !l->name[0] || !l->display || !l->display[0] || !l->noun ||
	    !l->noun[0] || !l->plural || !l->plural[0] || !l->article)
		return cx_error_set(err, CX_EINVAL, "vocabulary %s: label %zu lacks a name or a form",
				    v->id, i + 1);
	if (strcmp(l->article, "a") && strcmp(l->article, "an") && l->article[0])
		return cx_error_set(err, CX_EINVAL, "vocabulary %s: label '%s' has article '%s',"
				    " not a, an or none", v->id, l->name, l->article);
	if (l->uncertain < -1 || l->uncertain > 1)
		return cx_error_set(err, CX_EINVAL, "vocabulary %s: label '%s' reads -1 as %d,"
				    " not 1, 0 or -1", v->id, l->name, l->uncertain);
	if (!cx_vocab_role_name(l->role)[0])
		return cx_error_set(err, CX_EINVAL, "vocabulary %s: label '%s' has role %d",
				    v->id, l->name, (int)l->role);
	if (cx_vocab_find(v, l->name) != (int)i)
		return cx_error_set(err, CX_EINVAL, "vocabulary %s: label '%s' appears twice",
				    v->id, l->name);
	return 0;
}

int cx_vocab_check(const struct cx_vocab *v, struct cx_error *err)
{
	if (!v->id || !v->id[0] || !v->name || !v->name[0])
		return cx_error_set(err, CX_EINVAL, "a label vocabulary without an id or a name");
	if (!cx_vocab_absent_name(v->absent)[0])
		return cx_error_set(err, CX_EINVAL, "vocabulary %s: absent meaning %d", v->id,
				    (int)v->absent);
	if (v->n == 0)
		return cx_error_set(err, CX_EINVAL, "vocabulary %s has no labels", v->id);
	for (size_t i = 0; i < v->n; i++)
		if (check_label(v, i, err))
			return err->code;
	return 0;
}

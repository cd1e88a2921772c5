/*
 * pylist.c - a parser for the Python-literal list cells of pandas CSVs (see
 * pylist.h). A small recursive-descent reader over the cell's bytes: lists
 * nest at most CX_PYLIST_DEPTH deep, elements are quoted strings or lists,
 * separated by a comma or (numpy's repr) by blanks alone. Splitting on ", "
 * would break on a label holding a comma or a quote, and Python's own
 * literal_eval is what wrote these cells' counterpart readers (txv), so the
 * grammar here is repr()'s.
 */
#include "cx.h"

#include "adapters/pylist.h"

struct parser {
	const char *s, *p;
	struct cx_pylist *l;
	struct cx_error *err;
	int ngroup;
};

static int fail(struct parser *ps, const char *what)
{
	return cx_error_set(ps->err, CX_EFORMAT, "%s at byte %zu", what,
			    (size_t)(ps->p - ps->s) + 1);
}

static int blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void skip_blanks(struct parser *ps)
{
	while (blank(*ps->p))
		ps->p++;
}

static void push(struct cx_pylist *l, size_t off, int group)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->off = cx_realloc(l->off, l->cap * sizeof *l->off);
		l->group = cx_realloc(l->group, l->cap * sizeof *l->group);
	}
	l->off[l->n] = off;
	l->group[l->n++] = group;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One backslash escape after the backslash; repr() writes \\ \' \" \n \r \t
 * and \xNN for other control bytes. */
static int escape(struct parser *ps)
{
	struct cx_buf *b = &ps->l->text;
	char c = *ps->p;
	const char *plain = strchr("\\'\"ntr", c);
	if (c && plain) {
		static const char out[] = "\\'\"\n\t\r";
		cx_buf_addc(b, out[plain - "\\'\"ntr"]);
		ps->p++;
		return 0;
	}
	if (c == 'x' && hex(ps->p[1]) >= 0 && hex(ps->p[2]) >= 0) {
		int v = hex(ps->p[1]) * 16 + hex(ps->p[2]);
		if (v == 0)
			return fail(ps, "a NUL byte escaped in a string");
		cx_buf_addc(b, (char)v);
		ps->p += 3;
		return 0;
	}
	return fail(ps, "an unknown escape in a string");
}

static int string(struct parser *ps, int group)
{
	char quote = *ps->p++;
	size_t off = ps->l->text.len;
	for (;;) {
		char c = *ps->p;
		if (!c)
			return fail(ps, "an unclosed string");
		if (c == quote)
			break;
		if (c == '\n')
			return fail(ps, "a line break inside a string");
		ps->p++;
		if (c == '\\') {
			if (escape(ps))
				return ps->err->code;
		} else {
			cx_buf_addc(&ps->l->text, c);
		}
	}
	ps->p++;
	cx_buf_addc(&ps->l->text, '\0');
	push(ps->l, off, group);
	return 0;
}

static int list(struct parser *ps, int depth);

static int element(struct parser *ps, int depth)
{
	char c = *ps->p;
	if (c == '\'' || c == '"')
		return string(ps, depth == 1 ? -1 : ps->ngroup - 1);
	if (c == '[') {
		if (depth >= CX_PYLIST_DEPTH)
			return fail(ps, "lists nested too deep");
		ps->ngroup++;
		return list(ps, depth + 1);
	}
	return fail(ps, c ? "expected a quoted string or a list" : "an unclosed list");
}

/* '[' elements ']' with ',' or blanks between elements and an optional
 * trailing comma, as repr() and numpy write them. */
static int list(struct parser *ps, int depth)
{
	ps->p++;
	skip_blanks(ps);
	while (*ps->p != ']') {
		if (element(ps, depth))
			return ps->err->code;
		const char *after = ps->p;
		skip_blanks(ps);
		if (*ps->p == ',') {
			ps->p++;
			skip_blanks(ps);
		} else if (*ps->p != ']' && ps->p == after) {
			return fail(ps, *ps->p ? "expected ',' or ']'" : "an unclosed list");
		}
	}
	ps->p++;
	return 0;
}

static int is_missing(const char *s)
{
	while (blank(*s))
		s++;
	size_t n = strlen(s);
	while (n && blank(s[n - 1]))
		n--;
	return n == 0 || (n == 4 && !strncmp(s, "None", 4)) || (n == 3 && !strncmp(s, "nan", 3));
}

int cx_pylist_parse(struct cx_pylist *l, const char *cell, struct cx_error *err)
{
	l->missing = 0;
	l->n = l->ngroups = 0;
	cx_buf_reset(&l->text);
	if (is_missing(cell)) {
		l->missing = 1;
		return 0;
	}
	struct parser ps = {.s = cell, .p = cell, .l = l, .err = err};
	skip_blanks(&ps);
	if (*ps.p != '[')
		return fail(&ps, "expected '[', None or nan");
	if (list(&ps, 1))
		return err->code;
	skip_blanks(&ps);
	if (*ps.p)
		return fail(&ps, "text after the list");
	l->ngroups = (size_t)ps.ngroup;
	return 0;
}

const char *cx_pylist_item(const struct cx_pylist *l, size_t i)
{
	return l->text.data + l->off[i];
}

int cx_pylist_group(const struct cx_pylist *l, size_t i)
{
	return l->group[i];
}

void cx_pylist_release(struct cx_pylist *l)
{
	cx_buf_release(&l->text);
	free(l->off);
	free(l->group);
	memset(l, 0, sizeof *l);
}

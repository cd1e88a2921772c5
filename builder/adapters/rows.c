/*
 * rows.c - the adapters' read loops (see rows.h): CSV and TSV, JSON lists,
 * JSON Lines, whitespace-separated lists and files as rows, each making the
 * row accounting from the outcome its row function returns, so that an
 * adapter cannot account for a row twice or not at all; and the check of
 * names taken from release metadata before they become paths.
 */
#include "cx.h"

#include "adapters/json-file.h"
#include "adapters/rows.h"
#include "adapters/strset.h"
#include "io/csv.h"
#include "io/lines.h"
#include "io/release.h"

/* ---- outcomes and accounting ---- */

struct cx_outcome cx_rows_keep(void) { return (struct cx_outcome){.kind = CX_ROW_KEPT}; }

struct cx_outcome cx_rows_filter(const char *rule)
{
	return (struct cx_outcome){.kind = CX_ROW_FILTERED, .why = rule};
}

struct cx_outcome cx_rows_fail(void) { return (struct cx_outcome){.kind = CX_ROW_ERROR}; }

struct cx_outcome cx_rows_defer(void) { return (struct cx_outcome){.kind = CX_ROW_DEFERRED}; }

struct cx_outcome cx_rows_reject(struct cx_row *row, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* A reason cut short must not end in half a UTF-8 character. */
	size_t len = strlen(text), keep = len;
	while (n >= (int)sizeof(text) && keep > 0 && len - keep < 4 && !cx_utf8_valid(text, keep))
		keep--;
	if (cx_utf8_valid(text, keep))
		text[keep] = '\0';
	/* fmt may format row->reason's own bytes: copy through text first. */
	cx_buf_reset(&row->reason);
	cx_buf_adds(&row->reason, text);
	return (struct cx_outcome){.kind = CX_ROW_REJECTED, .why = cx_buf_str(&row->reason)};
}

/* A row is read: counted here and told to the sink, before any fact. */
static void begin(struct cx_rows *r, const char *file, long line)
{
	r->read++;
	cx_row_read(r->sink, file, line);
}

#define REASON_MAX 500 /* bytes of a reason; the sink's buffer holds 512 */

/*
 * A reason is one line of UTF-8 text, whatever release bytes it quotes (a
 * quoted CSV field may hold a newline, a header name bytes that are not
 * UTF-8): control bytes, and every byte of a reason that is not UTF-8, are
 * written \xNN, and a long reason is cut on a character boundary.
 */
static const char *one_line(struct cx_buf *out, const char *why)
{
	size_t len = strlen(why);
	int utf8 = cx_utf8_valid(why, len);
	cx_buf_reset(out);
	for (size_t i = 0; i < len && out->len < REASON_MAX; i++) {
		unsigned char c = (unsigned char)why[i];
		if (c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80))
			cx_buf_addf(out, "\\x%02x", c);
		else
			cx_buf_addc(out, (char)c);
	}
	while (out->len > REASON_MAX || !cx_utf8_valid(out->data, out->len))
		out->data[--out->len] = '\0';
	return cx_buf_str(out);
}

/* The one accounting call of a row. Returns 0, or the code of an error. */
static int finish(struct cx_rows *r, const char *file, long line, struct cx_outcome o,
		  struct cx_error *err)
{
	struct cx_buf text = CX_BUF_INIT;
	switch (o.kind) {
	case CX_ROW_KEPT:
		r->kept++;
		cx_row_kept(r->sink, file, line);
		return 0;
	case CX_ROW_REJECTED:
		r->rejected++;
		one_line(&text, o.why ? o.why : "rejected");
		cx_row_reject(r->sink, file, line, "%s", cx_buf_str(&text));
		cx_buf_release(&text);
		return 0;
	case CX_ROW_FILTERED:
		r->filtered++;
		cx_row_filter(r->sink, file, line, o.why ? o.why : "filtered");
		return 0;
	case CX_ROW_DEFERRED:
		r->deferred++;
		return 0;
	default:
		return err->code < 0 ? err->code
				     : cx_error_set(err, CX_ERROR, "%s:%ld: the read stopped", file,
						    line);
	}
}

int cx_rows_settle(struct cx_rows *r, const char *file, long line, struct cx_outcome o,
		   struct cx_error *err)
{
	if (o.kind == CX_ROW_DEFERRED)
		return cx_error_set(err, CX_EINVAL, "%s:%ld: a row cannot be deferred twice", file,
				    line);
	r->deferred--;
	return finish(r, file, line, o, err);
}

int cx_rows_account(struct cx_rows *r, const char *file, long line, struct cx_outcome o,
		    struct cx_error *err)
{
	begin(r, file, line);
	return finish(r, file, line, o, err);
}

/* Hands a row to fn, or rejects it with the helper's own reason (bad != NULL). */
static int run(struct cx_rows *r, cx_row_fn fn, struct cx_row *row, const char *bad)
{
	long line = row->line;
	begin(r, row->file, line);
	struct cx_outcome o;
	if (bad)
		o = cx_rows_reject(row, "%s", bad);
	else
		o = fn(r->ctx, row);
	return finish(r, row->file, row->line, o, row->err);
}

/* ---- CSV and TSV ---- */

/* The fields a row needs: every header column, or every one up to the last
 * named one. */
static size_t fields_needed(const struct cx_csv_row *h, enum cx_fields rule)
{
	size_t n = h->n;
	if (rule == CX_FIELDS_NAMED)
		while (n > 0 && !h->field[n - 1][0])
			n--;
	return n;
}

/* The helper's checks of a CSV row; NULL when fine, else the reason in why. */
static const char *check_csv_row(const struct cx_csv_row *row, const struct cx_csv_row *h,
				 enum cx_fields rule, struct cx_buf *why)
{
	if (row->too_long) {
		size_t i = row->long_field;
		int named = row->too_long == CX_CSV_LONG_FIELD && i < h->n && h->field[i][0];
		cx_csv_long_reason(row, named ? h->field[i] : NULL, why);
		return why->data;
	}
	size_t need = fields_needed(h, rule);
	int ok = rule == CX_FIELDS_NAMED ? row->n >= need : row->n == need;
	for (size_t i = need; ok && i < row->n; i++)
		ok = row->flen[i] == 0;
	cx_buf_reset(why);
	if (!ok) {
		cx_buf_addf(why, "row has %zu fields, expected %zu", row->n, need);
		return why->data;
	}
	if (row->bad_utf8 < 0)
		return NULL;
	size_t i = (size_t)row->bad_utf8;
	if (i < h->n && h->field[i][0])
		cx_buf_addf(why, "invalid UTF-8 in column '%s'", h->field[i]);
	else
		cx_buf_addf(why, "invalid UTF-8 in column %zu", i + 1);
	return why->data;
}

struct csv_state {
	struct cx_stream *s;
	struct cx_csv *c;
	int *idx;
	const char **v;
	struct cx_buf why;
	struct cx_row row;
};

static void csv_state_free(struct csv_state *st)
{
	cx_csv_free(st->c);
	if (st->s)
		cx_stream_close(st->s);
	free(st->idx);
	free(st->v);
	cx_buf_release(&st->why);
	cx_buf_release(&st->row.reason);
}

int cx_rows_csv(struct cx_rows *r, struct cx_release *rel, const struct cx_csv_spec *spec,
		struct cx_error *err)
{
	struct csv_state st = {0};
	int rc = cx_release_open_file(rel, spec->file, &st.s, err);
	if (rc)
		return rc;
	st.c = cx_csv_new(st.s, spec->delim ? spec->delim : ',');
	size_t n = spec->ncols;
	st.idx = cx_calloc(n ? n : 1, sizeof(*st.idx));
	st.v = cx_calloc(n ? n : 1, sizeof(*st.v));
	st.row = (struct cx_row){.file = spec->file, .v = st.v, .n = n, .err = err};
	rc = cx_csv_header(st.c, spec->cols, spec->optional, n, st.idx, err);
	const struct cx_csv_row *h = cx_csv_header_row(st.c);
	struct cx_csv_row *row;
	while (rc == 0 && (rc = cx_csv_next(st.c, &row, err)) == 1) {
		for (size_t i = 0; i < n; i++)
			st.v[i] = st.idx[i] < 0 ? NULL : cx_csv_get(row, st.idx[i]);
		st.row.line = row->line;
		st.row.csv = row;
		st.row.header = h;
		rc = run(r, spec->fn, &st.row, check_csv_row(row, h, spec->fields, &st.why));
	}
	csv_state_free(&st);
	return rc < 0 ? rc : 0;
}

/* ---- JSON ---- */

struct json_state {
	const struct cx_json_spec *spec;
	struct cx_buf *val; /* one per key */
	const char **v;
	struct cx_buf why;
	struct cx_row row;
};

static void json_state_init(struct json_state *st, const struct cx_json_spec *spec,
			    struct cx_error *err)
{
	size_t n = spec->nkeys ? spec->nkeys : 1;
	memset(st, 0, sizeof(*st));
	st->spec = spec;
	st->val = cx_calloc(n, sizeof(*st->val));
	st->v = cx_calloc(n, sizeof(*st->v));
	st->row = (struct cx_row){.file = spec->file, .v = st->v, .n = spec->nkeys, .err = err};
}

static void json_state_free(struct json_state *st)
{
	for (size_t i = 0; i < st->spec->nkeys; i++)
		cx_buf_release(&st->val[i]);
	free(st->val);
	free(st->v);
	cx_buf_release(&st->why);
	cx_buf_release(&st->row.reason);
}

/* Binds the spec's keys of one record; NULL when fine, else the reason. */
static const char *bind_keys(struct json_state *st, const cJSON *rec)
{
	const struct cx_json_spec *sp = st->spec;
	cx_buf_reset(&st->why);
	if (!cJSON_IsObject(rec)) {
		cx_buf_addf(&st->why, "record is %s, expected an object", cx_json_kind(rec));
		return st->why.data;
	}
	for (size_t i = 0; i < sp->nkeys; i++) {
		const struct cx_json_key *k = &sp->keys[i];
		int got = cx_json_field(rec, k->name, k->kinds, &st->val[i], &st->why);
		if (got < 0)
			return st->why.data;
		int absent = got == 0 || (sp->absent && !strcmp(st->val[i].data, sp->absent));
		st->v[i] = absent ? NULL : st->val[i].data;
		if (absent && k->required) {
			cx_buf_addf(&st->why, "missing '%s'", k->name);
			if (got == 1)
				cx_buf_addf(&st->why, " (\"%s\")", sp->absent);
			return st->why.data;
		}
	}
	return NULL;
}

static int json_record(struct cx_rows *r, struct json_state *st, const cJSON *rec, long line)
{
	st->row.line = line;
	st->row.obj = rec;
	return run(r, st->spec->fn, &st->row, bind_keys(st, rec));
}

int cx_rows_json(struct cx_rows *r, struct cx_release *rel, const struct cx_json_spec *spec,
		 struct cx_error *err)
{
	cJSON *root;
	int rc = cx_json_load(rel, spec->file, spec->max, &root, err);
	if (rc)
		return rc;
	if (!cJSON_IsArray(root)) {
		rc = cx_error_set(err, CX_EFORMAT, "%s: expected a JSON list of records, found %s",
				  spec->file, cx_json_kind(root));
		cJSON_Delete(root);
		return rc;
	}
	struct json_state st;
	json_state_init(&st, spec, err);
	long n = 0;
	for (const cJSON *rec = root->child; rec && rc == 0; rec = rec->next)
		rc = json_record(r, &st, rec, ++n);
	json_state_free(&st);
	cJSON_Delete(root);
	return rc;
}

/* 1 when the line holds nothing but white space. */
static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t\r\v\f", s[i]) || !s[i])
			return 0;
	return 1;
}

static int jsonl_line(struct cx_rows *r, struct json_state *st, const char *line, size_t len,
		      long lineno)
{
	/* One value and nothing after it: the length takes the line's NUL so
	 * that cJSON can insist on it; a NUL inside the line is not JSON. */
	const char *end = NULL, *nul = memchr(line, '\0', len);
	cJSON *rec = nul ? NULL : cJSON_ParseWithLengthOpts(line, len + 1, &end, 1);
	if (!rec) {
		if (nul)
			end = nul;
		size_t at = end && end >= line && end <= line + len ? (size_t)(end - line) : len;
		cx_buf_reset(&st->why);
		cx_buf_addf(&st->why, "line is not valid JSON (syntax error at byte %zu)", at + 1);
		st->row.line = lineno;
		st->row.obj = NULL;
		return run(r, st->spec->fn, &st->row, st->why.data);
	}
	int rc = json_record(r, st, rec, lineno);
	cJSON_Delete(rec);
	return rc;
}

/*
 * Opens a file of the release and calls fn for each of its lines until fn
 * returns non-zero (JSON Lines and list files share this); a line over
 * CX_LINE_MAX comes as line == NULL, to be rejected. Returns 0, or the first
 * negative code of the file, the line reader or fn.
 */
typedef int (*line_fn)(void *ctx, const char *line, size_t len, long lineno);

static int each_line(struct cx_release *rel, const char *file, line_fn fn, void *ctx,
		     struct cx_error *err)
{
	struct cx_stream *s;
	int rc = cx_release_open_file(rel, file, &s, err);
	if (rc)
		return rc;
	struct cx_lines *lines = cx_lines_new(s);
	const char *line;
	size_t len;
	long lineno;
	while (rc == 0 && (rc = cx_lines_next(lines, &line, &len, &lineno, err)) > 0)
		rc = fn(ctx, rc == 2 ? NULL : line, len, lineno);
	cx_lines_free(lines);
	cx_stream_close(s);
	return rc < 0 ? rc : 0;
}

#define LONG_LINE "line longer than 4194304 bytes"
_Static_assert(CX_LINE_MAX == 4194304, "LONG_LINE names CX_LINE_MAX");

struct jsonl_ctx {
	struct cx_rows *r;
	struct json_state st;
};

static int jsonl_each(void *ctx, const char *line, size_t len, long lineno)
{
	struct jsonl_ctx *c = ctx;
	if (!line) {
		c->st.row.line = lineno;
		c->st.row.obj = NULL;
		return run(c->r, c->st.spec->fn, &c->st.row, LONG_LINE);
	}
	return blank(line, len) ? 0 : jsonl_line(c->r, &c->st, line, len, lineno);
}

int cx_rows_jsonl(struct cx_rows *r, struct cx_release *rel, const struct cx_json_spec *spec,
		  struct cx_error *err)
{
	struct jsonl_ctx c = {.r = r};
	json_state_init(&c.st, spec, err);
	int rc = each_line(rel, spec->file, jsonl_each, &c, err);
	json_state_free(&c.st);
	return rc;
}

/* ---- whitespace-separated lists ---- */

struct words {
	char *copy;
	const char **w;
	size_t n, cap;
};

/* Splits line into words (in a copy that words owns). */
static void split_words(struct words *ws, const char *line, size_t len)
{
	free(ws->copy);
	ws->copy = cx_strndup(line, len);
	ws->n = 0;
	char *save = NULL;
	for (char *t = strtok_r(ws->copy, " \t\r\v\f", &save); t;
	     t = strtok_r(NULL, " \t\r\v\f", &save)) {
		if (ws->n == ws->cap) {
			ws->cap = ws->cap ? 2 * ws->cap : 8;
			ws->w = cx_realloc(ws->w, ws->cap * sizeof(*ws->w));
		}
		ws->w[ws->n++] = t;
	}
}

/* An index line: fn's reject fails the read, keep and filter go on. */
static int index_line(struct cx_rows *r, cx_row_fn fn, struct cx_row *row, const char *bad)
{
	struct cx_outcome o = bad ? cx_rows_reject(row, "%s", bad) : fn(r->ctx, row);
	if (o.kind == CX_ROW_ERROR)
		return finish(r, row->file, row->line, o, row->err);
	if (o.kind == CX_ROW_REJECTED)
		return cx_error_set(row->err, CX_EFORMAT, "%s:%ld: %s", row->file, row->line,
				    o.why);
	return 0;
}

/*
 * An over-long line of an index list names nothing the index could hold (an
 * image name is at most CX_NAME_MAX bytes). It is one row read and rejected
 * when the reader has a sink, so the source goes on and the line is in the
 * rejects; a reader without one cannot report it and stops.
 */
static int long_index_line(struct cx_rows *r, struct cx_row *row)
{
	if (!r->sink)
		return cx_error_set(row->err, CX_ELIMIT, "%s:%ld: %s", row->file, row->line,
				    LONG_LINE);
	return cx_rows_account(r, row->file, row->line, cx_rows_reject(row, LONG_LINE), row->err);
}

struct list_ctx {
	struct cx_rows *r;
	const struct cx_list_spec *spec;
	struct words ws;
	struct cx_row row;
};

static int list_each(void *ctx, const char *line, size_t len, long lineno)
{
	struct list_ctx *c = ctx;
	c->row.line = lineno;
	if (!line) {
		c->ws.n = 0;
		c->row.v = c->ws.w;
		c->row.n = 0;
		return c->spec->index ? long_index_line(c->r, &c->row)
				      : run(c->r, c->spec->fn, &c->row, LONG_LINE);
	}
	int utf8 = cx_text_valid(line, len);
	split_words(&c->ws, line, len);
	if (utf8 && c->ws.n == 0)
		return 0; /* a blank line is not a row */
	c->row.v = c->ws.w;
	c->row.n = c->ws.n;
	const char *bad = utf8 ? NULL : "invalid UTF-8 in the line";
	return c->spec->index ? index_line(c->r, c->spec->fn, &c->row, bad)
			      : run(c->r, c->spec->fn, &c->row, bad);
}

int cx_rows_list(struct cx_rows *r, struct cx_release *rel, const struct cx_list_spec *spec,
		 struct cx_error *err)
{
	struct list_ctx c = {.r = r, .spec = spec, .row = {.file = spec->file, .err = err}};
	int rc = each_line(rel, spec->file, list_each, &c, err);
	free(c.ws.copy);
	free(c.ws.w);
	cx_buf_release(&c.row.reason);
	return rc;
}

/* ---- fields from both ends ---- */

struct ends_ctx {
	struct cx_rows *r;
	const struct cx_ends_spec *spec;
	struct words ws; /* ws.w: the fields; ws.copy: the line's copy they point into */
	struct cx_row row;
	struct cx_buf why;
};

static int sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * Cuts the copy of a line into head fields, the free field and tail fields,
 * in place. Returns how many fields the line has when it has too few (0 for
 * a blank line), else 0 with ws->w filled.
 */
static size_t cut_ends(struct words *ws, size_t head, size_t tail)
{
	char *p = ws->copy, *end = p + strlen(p);
	size_t want = head + 1 + tail, got = 0;
	if (ws->cap < want) {
		ws->cap = want;
		ws->w = cx_realloc(ws->w, ws->cap * sizeof(*ws->w));
	}
	for (; got < head; got++) {
		while (p < end && sep(*p))
			p++;
		if (p == end)
			return got;
		ws->w[got] = p;
		while (p < end && !sep(*p))
			p++;
		if (p < end)
			*p++ = '\0';
	}
	for (size_t t = 0; t < tail; t++) {
		while (end > p && sep(end[-1]))
			*--end = '\0';
		if (end == p)
			return got + t;
		char *q = end;
		while (q > p && !sep(q[-1]))
			q--;
		ws->w[want - 1 - t] = q;
		end = q;
	}
	while (p < end && sep(*p))
		p++;
	while (end > p && sep(end[-1]))
		end--;
	if (p == end)
		return got + tail;
	*end = '\0';
	ws->w[head] = p;
	ws->n = want;
	return 0;
}

static int ends_each(void *ctx, const char *line, size_t len, long lineno)
{
	struct ends_ctx *c = ctx;
	c->row.line = lineno;
	c->row.v = c->ws.w;
	c->row.n = 0;
	if (!line)
		return run(c->r, c->spec->fn, &c->row, LONG_LINE);
	if (blank(line, len))
		return 0; /* a blank line is not a row */
	if (!cx_text_valid(line, len))
		return run(c->r, c->spec->fn, &c->row, "invalid UTF-8 in the line");
	free(c->ws.copy);
	c->ws.copy = cx_strndup(line, len);
	c->ws.n = 0;
	size_t want = c->spec->head + 1 + c->spec->tail;
	size_t got = cut_ends(&c->ws, c->spec->head, c->spec->tail);
	cx_buf_reset(&c->why);
	if (c->ws.n != want)
		cx_buf_addf(&c->why, "line has %zu fields, expected at least %zu", got, want);
	c->row.v = c->ws.w; /* cut_ends may have moved it */
	c->row.n = c->ws.n;
	return run(c->r, c->spec->fn, &c->row, c->ws.n == want ? NULL : c->why.data);
}

int cx_rows_ends(struct cx_rows *r, struct cx_release *rel, const struct cx_ends_spec *spec,
		 struct cx_error *err)
{
	struct ends_ctx c = {.r = r, .spec = spec, .row = {.file = spec->file, .err = err}};
	int rc = each_line(rel, spec->file, ends_each, &c, err);
	free(c.ws.copy);
	free(c.ws.w);
	cx_buf_release(&c.why);
	cx_buf_release(&c.row.reason);
	return rc;
}

/* ---- files as rows ---- */

struct files_state {
	struct cx_rows *r;
	const struct cx_files_spec *spec;
	struct cx_strset seen;
	struct cx_row row;
};

static int file_row(void *ctx, const char *name, struct cx_stream *s)
{
	struct files_state *st = ctx;
	st->row.file = name;
	st->row.line = 1;
	st->row.stream = s;
	if (!s)
		return run(st->r, st->spec->fn, &st->row,
			   "a symbolic link on its path leads out of the release");
	if (st->spec->copy_rule && !cx_strset_add(&st->seen, name))
		return cx_rows_account(st->r, name, 1, cx_rows_filter(st->spec->copy_rule),
				       st->row.err);
	return run(st->r, st->spec->fn, &st->row, NULL);
}

int cx_rows_files(struct cx_rows *r, struct cx_release *rel, const struct cx_files_spec *spec,
		  struct cx_error *err)
{
	struct files_state st = {.r = r, .spec = spec, .seen = CX_STRSET_INIT, .row = {.err = err}};
	int rc = cx_release_walk(rel, spec->pattern, file_row, &st, err);
	cx_strset_release(&st.seen);
	cx_buf_release(&st.row.reason);
	return rc < 0 ? rc : 0;
}

/* ---- safe names ---- */

/* One check for every lookup: the release layer refuses such names too. */
const char *cx_rows_name_problem(const char *name, int flags)
{
	return cx_release_name_problem(name, flags & CX_NAME_FILE);
}

#define NAME_SHOWN 120 /* bytes of a name quoted in a reason */

void cx_rows_name_reason(struct cx_buf *out, const char *what, const char *name,
			 const char *problem)
{
	size_t len = strlen(name);
	int utf8 = cx_utf8_valid(name, len);
	size_t shown = len > NAME_SHOWN ? NAME_SHOWN : len;
	/* Never cut a UTF-8 sequence in two. */
	while (utf8 && shown < len && shown > 0 && ((unsigned char)name[shown] & 0xC0) == 0x80)
		shown--;
	cx_buf_addf(out, "%s '", what);
	for (size_t i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80))
			cx_buf_addf(out, "\\x%02x", c);
		else
			cx_buf_addc(out, (char)c);
	}
	cx_buf_addf(out, "%s' is not a safe name: %s", shown < len ? "..." : "", problem);
}

int cx_rows_safe_name(struct cx_row *row, const char *what, const char *name, int flags,
		      struct cx_outcome *out)
{
	const char *problem = cx_rows_name_problem(name, flags);
	if (!problem)
		return 0;
	cx_buf_reset(&row->reason);
	cx_rows_name_reason(&row->reason, what, name, problem);
	*out = (struct cx_outcome){.kind = CX_ROW_REJECTED, .why = row->reason.data};
	return 1;
}

/*
 * csv.c - libcsv is push-based: we feed it 64 KiB chunks and queue the rows
 * its callbacks complete, then hand them out one at a time.
 *
 * The caps of csv.h are kept here. libcsv buffers a field until it ends, so
 * after each chunk we look at the field it is assembling (its public
 * entry_pos): once the row is over a cap, the row becomes an over-long row
 * and libcsv goes on parsing it (so quotes and the row's end are found
 * exactly as for any row) while we throw its buffered bytes away after each
 * chunk. Memory is then a cap plus one chunk, however long the row.
 */
#include "cx.h"

#include <csv.h>

#include "io/csv.h"
#include "io/release.h"

struct qrow {
	struct cx_buf *fields; /* one cx_buf per field */
	size_t n, cap;
	long line;
	size_t bytes;          /* bytes of its fields so far */
	enum cx_csv_long too_long;
	size_t long_field;
};

struct cx_csv {
	struct cx_stream *s;
	struct csv_parser p;
	struct qrow *rows;     /* completed rows not yet handed out */
	size_t nrows, caprows, head;
	struct qrow cur;       /* row being assembled */
	long line;             /* line where the next row starts */
	long newlines_in_row;
	int skipping;          /* the row being parsed is over a cap: keep nothing */
	int eof;
	struct cx_csv_row out;
	char **outf;
	size_t *outl;
	size_t outcap;
	struct cx_csv_row header;
	char **hf;
	size_t *hl;
	char chunk[65536];
};

static long count_newlines(const void *data, size_t len)
{
	long n = 0;
	const char *p = data, *end = p + len;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

/* The row being parsed is over a cap: its fields go, the rest of it is
 * skipped (only its newlines are counted) and it is queued empty. */
static void over_cap(struct cx_csv *c, enum cx_csv_long why, size_t field)
{
	c->skipping = 1;
	c->cur.too_long = why;
	c->cur.long_field = field;
	c->cur.n = 0;
	c->cur.bytes = 0;
}

static void on_field(void *data, size_t len, void *ctx)
{
	struct cx_csv *c = ctx;
	struct qrow *r = &c->cur;
	c->newlines_in_row += count_newlines(data, len);
	if (c->skipping)
		return;
	enum cx_csv_long why = len > CX_CSV_FIELD_MAX		? CX_CSV_LONG_FIELD
			       : r->bytes + len > CX_CSV_ROW_MAX	? CX_CSV_LONG_ROW
			       : r->n == CX_CSV_FIELDS_MAX		? CX_CSV_MANY_FIELDS
									: CX_CSV_FITS;
	if (why) {
		over_cap(c, why, r->n);
		return;
	}
	r->bytes += len;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		r->fields = cx_realloc(r->fields, cap * sizeof(*r->fields));
		for (size_t i = r->cap; i < cap; i++)
			r->fields[i] = (struct cx_buf)CX_BUF_INIT;
		r->cap = cap;
	}
	struct cx_buf *f = &r->fields[r->n++];
	/* Queue slots swap buffers with the row being built: a buffer grown by
	 * a long field is let go when it holds a short one, so big buffers
	 * never pile up across slots. */
	if (f->cap > 65536 && len < f->cap / 4)
		cx_buf_release(f);
	cx_buf_reset(f);
	cx_buf_add(f, data ? data : "", len);
}

/*
 * After each chunk: the field libcsv is assembling may put the row over a
 * cap; once it has, its buffered bytes are dropped. libcsv later takes back
 * `spaces` trailing spaces (and a closing quote) from entry_pos, so that many
 * bytes stay, with spaces cut to 0 or 1: dropped bytes are never read again.
 */
static void bound_partial(struct cx_csv *c)
{
	struct csv_parser *p = &c->p;
	if (!c->skipping) {
		if (p->entry_pos > CX_CSV_FIELD_MAX)
			over_cap(c, CX_CSV_LONG_FIELD, c->cur.n);
		else if (c->cur.bytes + p->entry_pos > CX_CSV_ROW_MAX)
			over_cap(c, CX_CSV_LONG_ROW, c->cur.n);
		else
			return;
	}
	size_t keep = p->spaces ? 2 : 1;
	if (p->entry_pos <= keep)
		return;
	size_t drop = p->entry_pos - keep;
	c->newlines_in_row += count_newlines(p->entry_buf, drop);
	memmove(p->entry_buf, p->entry_buf + drop, keep);
	p->entry_pos = keep;
	p->spaces = p->spaces ? 1 : 0;
}

static void on_row(int term, void *ctx)
{
	struct cx_csv *c = ctx;
	if (c->cur.n == 0 && !c->skipping) {
		/* CSV_REPALL_NL reports bare line ends: blank lines and CRLF's LF. */
		if (term == '\n')
			c->line++;
		return;
	}
	if (c->nrows == c->caprows) {
		size_t cap = c->caprows ? c->caprows * 2 : 64;
		c->rows = cx_realloc(c->rows, cap * sizeof(*c->rows));
		memset(c->rows + c->caprows, 0, (cap - c->caprows) * sizeof(*c->rows));
		c->caprows = cap;
	}
	/* Swap the assembled row into the queue; reuse the queue slot's buffers. */
	struct qrow tmp = c->rows[c->nrows];
	c->rows[c->nrows] = c->cur;
	c->rows[c->nrows].line = c->line;
	c->nrows++;
	c->cur = tmp;
	c->cur.n = 0;
	c->cur.bytes = 0;
	c->cur.too_long = CX_CSV_FITS;
	c->skipping = 0;
	c->line += c->newlines_in_row + (term == '\n' ? 1 : 0);
	c->newlines_in_row = 0;
}

struct cx_csv *cx_csv_new(struct cx_stream *s, char delim)
{
	struct cx_csv *c = cx_calloc(1, sizeof(*c));
	c->s = s;
	c->line = 1;
	csv_init(&c->p, CSV_STRICT_FINI | CSV_REPALL_NL | CSV_APPEND_NULL);
	csv_set_delim(&c->p, (unsigned char)delim);
	return c;
}

static void free_qrow(struct qrow *r)
{
	for (size_t i = 0; i < r->cap; i++)
		cx_buf_release(&r->fields[i]);
	free(r->fields);
}

void cx_csv_free(struct cx_csv *c)
{
	if (!c)
		return;
	csv_free(&c->p);
	for (size_t i = 0; i < c->caprows; i++)
		free_qrow(&c->rows[i]);
	free(c->rows);
	free_qrow(&c->cur);
	free(c->outf);
	free(c->outl);
	for (size_t i = 0; i < c->header.n; i++)
		free(c->hf[i]);
	free(c->hf);
	free(c->hl);
	free(c);
}

/* Reads chunks until at least one row is queued or the input ends. */
static int fill(struct cx_csv *c, struct cx_error *err)
{
	while (c->head == c->nrows && !c->eof) {
		c->head = c->nrows = 0;
		long n = cx_stream_read(c->s, c->chunk, sizeof(c->chunk), err);
		if (n < 0)
			return (int)n;
		if (n == 0) {
			c->eof = 1;
			if (csv_fini(&c->p, on_field, on_row, c) != 0)
				return cx_error_set(err, CX_EFORMAT,
						    "%s:%ld: unterminated quoted field",
						    cx_stream_name(c->s), c->line);
			break;
		}
		if (csv_parse(&c->p, c->chunk, (size_t)n, on_field, on_row, c) != (size_t)n)
			return cx_error_set(err, CX_EFORMAT, "%s:%ld: %s", cx_stream_name(c->s),
					    c->line, csv_strerror(csv_error(&c->p)));
		bound_partial(c);
	}
	return 0;
}

int cx_csv_next(struct cx_csv *c, struct cx_csv_row **row, struct cx_error *err)
{
	int rc = fill(c, err);
	if (rc < 0)
		return rc;
	if (c->head == c->nrows)
		return 0;
	struct qrow *q = &c->rows[c->head++];
	if (q->n > c->outcap) {
		c->outcap = q->n;
		c->outf = cx_realloc(c->outf, q->n * sizeof(*c->outf));
		c->outl = cx_realloc(c->outl, q->n * sizeof(*c->outl));
	}
	c->out.bad_utf8 = -1;
	for (size_t i = 0; i < q->n; i++) {
		c->outf[i] = q->fields[i].data;
		c->outl[i] = q->fields[i].len;
		if (c->out.bad_utf8 < 0 &&
		    !cx_text_valid(c->outf[i], c->outl[i]))
			c->out.bad_utf8 = (int)i;
	}
	c->out.field = c->outf;
	c->out.flen = c->outl;
	c->out.n = q->n;
	c->out.line = q->line;
	c->out.too_long = q->too_long;
	c->out.long_field = q->long_field;
	*row = &c->out;
	return 1;
}

int cx_csv_header(struct cx_csv *c, const char *const *names, const int *optional, size_t n,
		  int *idx, struct cx_error *err)
{
	struct cx_csv_row *h;
	int rc = cx_csv_next(c, &h, err);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return cx_error_set(err, CX_EFORMAT, "%s: empty file, expected a header row",
				    cx_stream_name(c->s));
	if (h->too_long) {
		struct cx_buf why = CX_BUF_INIT;
		cx_csv_long_reason(h, NULL, &why);
		rc = cx_error_set(err, CX_ELIMIT, "%s:%ld: header %s", cx_stream_name(c->s),
				  h->line, why.data);
		cx_buf_release(&why);
		return rc;
	}
	c->header.n = h->n;
	c->hf = cx_calloc(h->n, sizeof(char *));
	c->hl = cx_calloc(h->n, sizeof(size_t));
	for (size_t i = 0; i < h->n; i++) {
		c->hf[i] = cx_trim(cx_strdup(h->field[i]));
		/* A UTF-8 byte order mark would hide the first column's name. */
		if (i == 0 && !strncmp(c->hf[0], "\xEF\xBB\xBF", 3))
			memmove(c->hf[0], c->hf[0] + 3, strlen(c->hf[0]) - 2);
		c->hl[i] = strlen(c->hf[i]);
	}
	c->header.field = c->hf;
	c->header.flen = c->hl;
	c->header.line = h->line;
	c->header.bad_utf8 = -1;
	for (size_t k = 0; k < n; k++) {
		idx[k] = -1;
		for (size_t i = 0; i < c->header.n; i++)
			if (!strcmp(c->hf[i], names[k])) {
				idx[k] = (int)i;
				break;
			}
		if (idx[k] < 0 && !(optional && optional[k]))
			return cx_error_set(err, CX_EFORMAT, "%s:%ld: header has no column '%s'",
					    cx_stream_name(c->s), c->header.line, names[k]);
	}
	return 0;
}

const struct cx_csv_row *cx_csv_header_row(const struct cx_csv *c) { return &c->header; }

const char *cx_csv_get(const struct cx_csv_row *row, int i)
{
	return (i >= 0 && (size_t)i < row->n) ? row->field[i] : "";
}

void cx_csv_long_reason(const struct cx_csv_row *row, const char *column, struct cx_buf *out)
{
	cx_buf_reset(out);
	switch (row->too_long) {
	case CX_CSV_LONG_FIELD:
		if (column)
			cx_buf_addf(out, "field of column '%s' longer than %u bytes", column,
				    CX_CSV_FIELD_MAX);
		else
			cx_buf_addf(out, "field %zu longer than %u bytes", row->long_field + 1,
				    CX_CSV_FIELD_MAX);
		break;
	case CX_CSV_MANY_FIELDS:
		cx_buf_addf(out, "row has more than %u fields", CX_CSV_FIELDS_MAX);
		break;
	default:
		cx_buf_addf(out, "row longer than %u bytes", CX_CSV_ROW_MAX);
		break;
	}
}

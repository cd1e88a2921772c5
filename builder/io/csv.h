/*
 * csv.h - streaming RFC 4180 CSV rows over a cx_stream, through libcsv.
 *
 * Memory stays bounded whatever the file holds: a row is at most
 * CX_CSV_ROW_MAX bytes and a field at most CX_CSV_FIELD_MAX. A longer row is
 * handed out as one over-long row (no fields, `too_long` set, its line) and
 * its bytes are skipped, not kept, up to its end: a gzip bomb of one 10 GiB
 * row costs time, never memory, and the rows after it are read as usual.
 * Each row knows the line it started on (quoted newlines counted), CRLF and a
 * missing final newline are accepted, blank lines are skipped, and unquoted
 * fields are trimmed of spaces (SIIM's "ImageId, EncodedPixels" header).
 * Columns are bound by header name, never by position.
 */
#ifndef CX_CSV_H
#define CX_CSV_H

#include "cx.h"

struct cx_stream;
struct cx_csv;

/* The largest real rows are a few KB (a report in a CSV field, ~10 KB); the
 * caps leave a hundredfold margin and keep a reader under ~10 MB. */
#define CX_CSV_ROW_MAX (4u << 20)
#define CX_CSV_FIELD_MAX (1u << 20)
#define CX_CSV_FIELDS_MAX 65536u /* fields of a row (each costs bookkeeping) */

enum cx_csv_long {
	CX_CSV_FITS = 0,
	CX_CSV_LONG_ROW,    /* more than CX_CSV_ROW_MAX bytes of fields */
	CX_CSV_LONG_FIELD,  /* field long_field is over CX_CSV_FIELD_MAX */
	CX_CSV_MANY_FIELDS, /* more than CX_CSV_FIELDS_MAX fields */
};

struct cx_csv_row {
	char **field;   /* NUL-terminated fields, valid until the next call */
	size_t *flen;   /* byte lengths (a field may hold NUL bytes) */
	size_t n;       /* number of fields */
	long line;      /* 1-based line the row starts on */
	int bad_utf8;   /* index of the first field that is not UTF-8, or -1 */
	/* CX_CSV_FITS, or which cap the row is over: it was skipped (n == 0).
	 * long_field is the 0-based index of the field over CX_CSV_FIELD_MAX. */
	enum cx_csv_long too_long;
	size_t long_field;
};

/* "row longer than 4194304 bytes" and the like, for a row over a cap; the
 * field is named by `column` when not NULL, else by its 1-based number. */
void cx_csv_long_reason(const struct cx_csv_row *row, const char *column, struct cx_buf *out);

/* delim is ',' for CSV, '\t' for TSV. The stream stays owned by the caller. */
struct cx_csv *cx_csv_new(struct cx_stream *s, char delim);
void cx_csv_free(struct cx_csv *c);
/* 1 with *row set, 0 at the end, negative on a read or syntax error. */
int cx_csv_next(struct cx_csv *c, struct cx_csv_row **row, struct cx_error *err);

/*
 * Reads the header row and finds each wanted column by name (after
 * trimming). idx[i] gets the column index of names[i], or -1 when optional[i]
 * is set and the column is absent (optional may be NULL). A missing required
 * column is an error naming the file and the column.
 */
int cx_csv_header(struct cx_csv *c, const char *const *names, const int *optional, size_t n,
		  int *idx, struct cx_error *err);
/* The header row read by cx_csv_header() (for adapters that bind by pattern). */
const struct cx_csv_row *cx_csv_header_row(const struct cx_csv *c);
/* Field i of the row, or "" when the row is shorter. */
const char *cx_csv_get(const struct cx_csv_row *row, int i);

#endif

/*
 * lines.h - text lines over a cx_stream: LF or CRLF, a missing final newline
 * accepted, 1-based line numbers. Memory is bounded by CX_LINE_MAX: a longer
 * line is skipped to its end without being kept (a gzip bomb of one huge
 * line costs time, not memory) and reported as over-long, and the lines after
 * it are read as usual.
 */
#ifndef CX_LINES_H
#define CX_LINES_H

#include "cx.h"

struct cx_stream;
struct cx_lines;

/* Split lists and JSON Lines records are short (an image name, a record of
 * a few KB); the cap is the CSV row cap. */
#define CX_LINE_MAX (4u << 20)

struct cx_lines *cx_lines_new(struct cx_stream *s);
void cx_lines_free(struct cx_lines *l);
/* 1 with *line (NUL-terminated, no line end) and *lineno set; 2 with *lineno
 * set (and *line "") for a line longer than CX_LINE_MAX bytes, which was
 * skipped; 0 at the end; negative on error. */
int cx_lines_next(struct cx_lines *l, const char **line, size_t *len, long *lineno,
		  struct cx_error *err);

#endif

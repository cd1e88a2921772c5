/*
 * lines.h - text lines over a cx_stream: LF or CRLF, a missing final newline
 * accepted, 1-based line numbers, bounded by the longest line (16 MiB cap).
 */
#ifndef CX_LINES_H
#define CX_LINES_H

#include "cx.h"

struct cx_stream;
struct cx_lines;

struct cx_lines *cx_lines_new(struct cx_stream *s);
void cx_lines_free(struct cx_lines *l);
/* 1 with *line (NUL-terminated, no line end) and *lineno set, 0 at the end,
 * negative on error. */
int cx_lines_next(struct cx_lines *l, const char **line, size_t *len, long *lineno,
		  struct cx_error *err);

#endif

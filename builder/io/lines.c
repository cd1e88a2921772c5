/*
 * lines.c - a line splitter with a refillable 64 KiB window. A line over
 * CX_LINE_MAX stops growing the buffer: the rest of it is only searched for
 * its end.
 */
#include "cx.h"

#include "io/lines.h"
#include "io/release.h"

struct cx_lines {
	struct cx_stream *s;
	char chunk[65536];
	size_t pos, end;
	int eof;
	long lineno;
	struct cx_buf line;
};

struct cx_lines *cx_lines_new(struct cx_stream *s)
{
	struct cx_lines *l = cx_calloc(1, sizeof(*l));
	l->s = s;
	return l;
}

void cx_lines_free(struct cx_lines *l)
{
	if (!l)
		return;
	cx_buf_release(&l->line);
	free(l);
}

int cx_lines_next(struct cx_lines *l, const char **line, size_t *len, long *lineno,
		  struct cx_error *err)
{
	cx_buf_reset(&l->line);
	int any = 0, too_long = 0;
	for (;;) {
		if (l->pos == l->end) {
			if (l->eof)
				break;
			long n = cx_stream_read(l->s, l->chunk, sizeof(l->chunk), err);
			if (n < 0)
				return (int)n;
			if (n == 0) {
				l->eof = 1;
				break;
			}
			l->pos = 0;
			l->end = (size_t)n;
		}
		char *start = l->chunk + l->pos;
		char *nl = memchr(start, '\n', l->end - l->pos);
		size_t take = nl ? (size_t)(nl - start) : l->end - l->pos;
		if (too_long || l->line.len + take > CX_LINE_MAX) {
			too_long = 1;
			cx_buf_reset(&l->line);
		} else {
			cx_buf_add(&l->line, start, take);
		}
		any = 1;
		l->pos += take + (nl ? 1 : 0);
		if (nl)
			break;
	}
	if (!any)
		return 0;
	if (too_long) {
		*line = "";
		*len = 0;
		*lineno = ++l->lineno;
		return 2;
	}
	if (l->line.len && l->line.data[l->line.len - 1] == '\r')
		l->line.data[--l->line.len] = '\0';
	l->lineno++;
	*line = cx_buf_str(&l->line);
	*len = l->line.len;
	*lineno = l->lineno;
	return 1;
}

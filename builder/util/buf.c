/*
 * buf.c - struct cx_buf, the growable NUL-terminated byte buffer.
 */
#include "cx.h"

void cx_buf_grow(struct cx_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = cx_realloc(b->data, cap);
	b->cap = cap;
}

void cx_buf_add(struct cx_buf *b, const void *p, size_t n)
{
	cx_buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void cx_buf_adds(struct cx_buf *b, const char *s) { cx_buf_add(b, s, strlen(s)); }

void cx_buf_addc(struct cx_buf *b, char c) { cx_buf_add(b, &c, 1); }

void cx_buf_addf(struct cx_buf *b, const char *fmt, ...)
{
	/* Format into the free space first; only a miss pays a second pass. */
	cx_buf_grow(b, 64);
	size_t room = b->cap - b->len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->data + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		cx_buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void cx_buf_reset(struct cx_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void cx_buf_release(struct cx_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *cx_buf_detach(struct cx_buf *b)
{
	char *p = b->data ? b->data : cx_strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

const char *cx_buf_str(const struct cx_buf *b) { return b->data ? b->data : ""; }

void cx_buf_add_json_str(struct cx_buf *b, const char *s)
{
	cx_buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* a run of characters that need no escape goes in one copy (a
		 * call per character was 5 % of a small-image shard run) */
		const unsigned char *q = p;
		while (*q >= 0x20 && *q != '"' && *q != '\\')
			q++;
		if (q > p) {
			cx_buf_add(b, p, (size_t)(q - p));
			p = q - 1;
			continue;
		}
		switch (*p) {
		case '"': cx_buf_adds(b, "\\\""); break;
		case '\\': cx_buf_adds(b, "\\\\"); break;
		case '\n': cx_buf_adds(b, "\\n"); break;
		case '\r': cx_buf_adds(b, "\\r"); break;
		case '\t': cx_buf_adds(b, "\\t"); break;
		default:
			if (*p < 0x20)
				cx_buf_addf(b, "\\u%04x", *p);
			else
				cx_buf_addc(b, (char)*p);
		}
	}
	cx_buf_addc(b, '"');
}

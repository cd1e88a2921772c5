/*
 * error.c - struct cx_error and the allocation wrappers.
 * Out of memory is fatal: the program cannot do anything useful after it.
 */
#include "cx.h"

int cx_error_set(struct cx_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		/* A message is one line, whatever bytes of the input it quotes (a
		 * mix key holding a line break, say): control bytes become '?'. */
		for (char *p = err->msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		err->code = code;
	}
	return code;
}

void cx_error_clear(struct cx_error *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}

static void *check(void *p)
{
	if (!p) {
		fputs("chexinstruct: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *cx_malloc(size_t n) { return check(malloc(n ? n : 1)); }
void *cx_calloc(size_t n, size_t size) { return check(calloc(n ? n : 1, size ? size : 1)); }
void *cx_realloc(void *p, size_t n) { return check(realloc(p, n ? n : 1)); }
char *cx_strdup(const char *s) { return check(strdup(s)); }

char *cx_strndup(const char *s, size_t n)
{
	char *p = cx_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

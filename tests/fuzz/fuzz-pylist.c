/*
 * fuzz-pylist.c - the Python-literal list parser (adapters/pylist.c) on
 * arbitrary cells: it refuses an input with a one-line reason, or its items
 * written back as a repr() list (in their inner lists) parse again to the
 * same items and groups.
 */
#include "fuzz.h"

#include "adapters/pylist.h"

/* Writes the items of l as a repr() list, inner lists kept. */
static void write_back(const struct cx_pylist *l, struct cx_buf *b)
{
	cx_buf_addc(b, '[');
	int open = -1;
	for (size_t i = 0; i < l->n; i++) {
		int g = cx_pylist_group(l, i);
		if (g != open && open >= 0)
			cx_buf_addc(b, ']');
		if (i)
			cx_buf_adds(b, ", ");
		if (g != open && g >= 0)
			cx_buf_addc(b, '[');
		open = g;
		cx_buf_addc(b, '\'');
		for (const char *p = cx_pylist_item(l, i); *p; p++) {
			if (*p == '\'' || *p == '\\')
				cx_buf_addc(b, '\\');
			if (*p == '\n')
				cx_buf_adds(b, "\\n");
			else
				cx_buf_addc(b, *p);
		}
		cx_buf_addc(b, '\'');
	}
	if (open >= 0)
		cx_buf_addc(b, ']');
	cx_buf_addc(b, ']');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *cell = cx_strndup((const char *)data, size);
	struct cx_pylist l = {0}, again = {0};
	struct cx_error err = {0};
	if (cx_pylist_parse(&l, cell, &err) != 0) {
		if (!err.msg[0] || strchr(err.msg, '\n'))
			abort();
	} else if (!l.missing) {
		struct cx_buf b = CX_BUF_INIT;
		write_back(&l, &b);
		if (cx_pylist_parse(&again, b.data, &err) != 0 || again.n != l.n)
			abort();
		for (size_t i = 0; i < l.n; i++) {
			/* empty inner lists vanish in the copy: compare order, not numbers */
			int g1 = cx_pylist_group(&l, i), g2 = cx_pylist_group(&again, i);
			if (strcmp(cx_pylist_item(&l, i), cx_pylist_item(&again, i)) ||
			    (g1 < 0) != (g2 < 0) ||
			    (i && (g1 == cx_pylist_group(&l, i - 1)) !=
					  (g2 == cx_pylist_group(&again, i - 1))))
				abort();
		}
		cx_buf_release(&b);
	}
	cx_pylist_release(&l);
	cx_pylist_release(&again);
	free(cell);
	return 0;
}

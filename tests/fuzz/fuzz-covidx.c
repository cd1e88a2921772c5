/*
 * fuzz-covidx.c - lines read from both ends (cx_rows_ends) and the COVIDx
 * adapter (adapters/covidx.c) on arbitrary bytes. The first byte chooses
 * how many fields come from the start (0-2) and from the end (0-2) for a
 * direct read of the rest, whose row function checks what the loop
 * promises: n = head + 1 + tail, no field empty, no field starting or
 * ending in a separator, no separator inside a head or tail field. The rest
 * is then cut at NUL bytes into train.txt, val.txt and test.txt of a
 * synthetic release (val.txt absent when there is no second NUL) for the
 * adapter. Checked: every line read gets one outcome, errors are one line.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_covidx;

static size_t head, tail;

static int is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static struct cx_outcome check_row(void *ctx, struct cx_row *row)
{
	(void)ctx;
	if (row->n != head + 1 + tail)
		abort();
	for (size_t i = 0; i < row->n; i++) {
		const char *v = row->v[i];
		size_t len = strlen(v);
		if (!len || is_sep(v[0]) || is_sep(v[len - 1]))
			abort();
		if (i != head && strpbrk(v, " \t\r"))
			abort();
	}
	return fuzz_row(ctx, row);
}

static void direct(const uint8_t *data, size_t size)
{
	head = data[0] % 3;
	tail = (data[0] / 3) % 3;
	struct cx_ends_spec spec = {.file = "t.txt", .head = head, .tail = tail, .fn = check_row};
	struct cx_release *rel = fuzz_release("t.txt", data + 1, size - 1);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_rows rows = {.sink = &sink};
	struct cx_error err = {0};
	int rc = cx_rows_ends(&rows, rel, &spec, &err);
	fuzz_check(&rows, &n, rc, &err);
}

static void adapter(const uint8_t *data, size_t size)
{
	static const char *const names[3] = {"train.txt", "val.txt", "test.txt"};
	const uint8_t *p = data, *end = data + size;
	struct cx_release *rel = NULL;
	for (int i = 0; i < 3; i++) {
		const uint8_t *cut = i < 2 ? memchr(p, 0, (size_t)(end - p)) : NULL;
		const uint8_t *stop = cut ? cut : end;
		if (i == 1 && !cut) {
			unlink(fuzz_write(names[1], p, 0)); /* CXR-3: no val.txt */
			continue;
		}
		rel = fuzz_release(names[i], p, (size_t)(stop - p));
		p = cut ? cut + 1 : end;
	}
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_covidx.read(rel, &sink, &err);
	if (n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	direct(data, size);
	adapter(data + 1, size - 1);
	return 0;
}

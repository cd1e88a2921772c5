/*
 * fuzz-list.c - cx_rows_list() on arbitrary bytes, as rows or (first byte
 * odd) as an index whose rejects fail the read.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct cx_list_spec spec = {.file = "t.txt", .index = data[0] & 1, .fn = fuzz_row};
	struct cx_release *rel = fuzz_release("t.txt", data + 1, size - 1);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_rows rows = {.sink = &sink};
	struct cx_error err = {0};
	int rc = cx_rows_list(&rows, rel, &spec, &err);
	fuzz_check(&rows, &n, rc, &err);
	if (spec.index && n.read != rows.rejected)
		abort(); /* index lines are not rows, but for over-long ones, rejected */
	return 0;
}

/*
 * fuzz-csv.c - cx_rows_csv() on arbitrary bytes. The first byte picks the
 * delimiter (',' or tab) and the field-count rule; the header binds "a" and
 * "b" (required) and "c" (optional).
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char *const cols[] = {"a", "b", "c"};
	static const int optional[] = {0, 0, 1};
	struct cx_csv_spec spec = {
		.file = "t.csv",
		.delim = (data[0] & 1) ? '\t' : ',',
		.cols = cols,
		.optional = optional,
		.ncols = 3,
		.fields = (data[0] & 2) ? CX_FIELDS_NAMED : CX_FIELDS_HEADER,
		.fn = fuzz_row,
	};
	struct cx_release *rel = fuzz_release("t.csv", data + 1, size - 1);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_rows rows = {.sink = &sink};
	struct cx_error err = {0};
	int rc = cx_rows_csv(&rows, rel, &spec, &err);
	fuzz_check(&rows, &n, rc, &err);
	return 0;
}

/*
 * fuzz-brax.c - the BRAX adapter (adapters/brax.c) on arbitrary bytes as
 * master_spreadsheet_update.csv of a release without images: every row is
 * accounted for, every reject is one line, and a file whose header lacks a
 * column fails the read with one line.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_brax;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cx_release *rel = fuzz_release("master_spreadsheet_update.csv", data, size);
	struct fuzz_counts c;
	struct cx_sink sink = fuzz_sink(&c);
	struct cx_error err = {0};
	int rc = cx_adapter_brax.read(rel, &sink, &err);
	if (c.read != c.kept + c.rejected + c.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
	return 0;
}

/*
 * fuzz-slake.c - the SLAKE adapter (adapters/slake.c) on arbitrary bytes as
 * train.json of a synthetic release whose validate.json and test.json are
 * empty lists: every record is read and accounted for, and a file that is
 * not a JSON list fails the read with one line.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_slake;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		fuzz_write("validate.json", (const uint8_t *)"[]", 2);
		fuzz_write("test.json", (const uint8_t *)"[]", 2);
		ready = 1;
	}
	struct cx_release *rel = fuzz_release("train.json", data, size);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_slake.read(rel, &sink, &err);
	if (n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
	return 0;
}

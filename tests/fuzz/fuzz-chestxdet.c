/*
 * fuzz-chestxdet.c - the reader ChestX-Det and ChestX-Det10 share
 * (adapters/chestx-det.c) on arbitrary bytes as the train file of each, whose
 * test file is an empty list: every record is read and accounted for, and a
 * file that is not a JSON list fails the read with one line.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_chestx_det;
extern const struct cx_adapter cx_adapter_chestx_det10;

static void run(const struct cx_adapter *a, const char *train, const uint8_t *data, size_t size)
{
	struct cx_release *rel = fuzz_release(train, data, size);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = a->read(rel, &sink, &err);
	if (n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		fuzz_write("ChestX_Det_test.json", (const uint8_t *)"[]", 2);
		fuzz_write("test.json", (const uint8_t *)"[]", 2);
		ready = 1;
	}
	run(&cx_adapter_chestx_det, "ChestX_Det_train.json", data, size);
	run(&cx_adapter_chestx_det10, "train.json", data, size);
	return 0;
}

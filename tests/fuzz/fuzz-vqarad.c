/*
 * fuzz-vqarad.c - the VQA-RAD adapter (adapters/vqa-rad.c) on arbitrary
 * bytes as "VQA_RAD Dataset Public.json" of a synthetic release: every
 * record is read and accounted for, and a file that is not a JSON list
 * fails the read with one line.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_vqa_rad;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cx_release *rel = fuzz_release("VQA_RAD Dataset Public.json", data, size);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_vqa_rad.read(rel, &sink, &err);
	if (n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
	return 0;
}

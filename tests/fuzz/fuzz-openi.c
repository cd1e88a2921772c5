/*
 * fuzz-openi.c - the OpenI adapter (adapters/openi.c: expat over one report
 * XML) on arbitrary bytes as ecgen-radiology/1.xml of a synthetic release:
 * the file is one row, kept (with its facts) or rejected with a one-line
 * reason, and the read never fails for a bad file.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_openi;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cx_release *rel = fuzz_release("ecgen-radiology/1.xml", data, size);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_openi.read(rel, &sink, &err);
	if (rc != 0 || n.read != 1 || n.kept + n.rejected != 1 || (n.kept && n.facts < 2))
		abort();
	return 0;
}

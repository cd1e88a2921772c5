/*
 * fuzz-cxrlt.c - the CXR-LT adapter (adapters/cxr-lt.c) on arbitrary bytes,
 * cut at the first NUL byte into cxr-lt-2023/train.csv and
 * cxr-lt-2024/labels.csv of a synthetic release (header lines included:
 * its columns are bound by name, 26 or 40 labels, and a 2023 label column
 * read under another name). Checked: every row read gets one outcome, every
 * reason and error is one line.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_cxr_lt;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut = memchr(data, 0, size);
	size_t first = cut ? (size_t)(cut - data) : size;
	fuzz_write("cxr-lt-2023/train.csv", data, first);
	struct cx_release *rel = fuzz_release("cxr-lt-2024/labels.csv", cut ? cut + 1 : data,
					      cut ? size - first - 1 : 0);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_cxr_lt.read(rel, &sink, &err);
	if (n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
	return 0;
}

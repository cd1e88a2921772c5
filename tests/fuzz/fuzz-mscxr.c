/*
 * fuzz-mscxr.c - the MS-CXR adapter (adapters/ms-cxr.c) on arbitrary bytes as
 * MS_CXR_Local_Alignment_v1.1.0.csv (header included; a header without the
 * split column is the v1.0.0 layout): MIMIC-CXR-JPG paths checked against
 * the row's dicom_id, categories, numbers of pixels, frames, splits, boxes
 * checked against their frame before any fact is emitted, repeated boxes.
 * Checked: every row read gets one outcome, every reason and error is one
 * line.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_ms_cxr;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cx_release *rel = fuzz_release("MS_CXR_Local_Alignment_v1.1.0.csv", data, size);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_ms_cxr.read(rel, &sink, &err);
	if (n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
	return 0;
}

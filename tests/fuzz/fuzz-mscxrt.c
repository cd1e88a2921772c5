/*
 * fuzz-mscxrt.c - the MS-CXR-T adapter (adapters/ms-cxr-t.c) on arbitrary
 * bytes, cut at the first NUL byte into its image pair CSV and its sentence
 * pair CSV (header lines included). The image pair rows exercise the dicom
 * path parsing ("pNN/p<subject>/s<study>/<id>") and the progression values;
 * the sentence rows the categories. Checked: every row read gets one
 * outcome, every reason and error is one line.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_ms_cxr_t;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut = memchr(data, 0, size);
	size_t first = cut ? (size_t)(cut - data) : size;
	fuzz_write("MS_CXR_T_temporal_sentence_similarity_v1.0.0.csv", cut ? cut + 1 : data,
		   cut ? size - first - 1 : 0);
	struct cx_release *rel =
		fuzz_release("MS_CXR_T_temporal_image_classification_v1.0.0.csv", data, first);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_ms_cxr_t.read(rel, &sink, &err);
	if (n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
	return 0;
}

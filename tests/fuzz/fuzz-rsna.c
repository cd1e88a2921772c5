/*
 * fuzz-rsna.c - the RSNA Pneumonia adapter (adapters/rsna-pneumonia.c) on
 * arbitrary bytes as the bodies of its two CSVs: the input is cut at the
 * first NUL byte into the class file's and the labels file's bodies, each
 * written under the release's own header line (so that the fuzzer spends
 * its time on rows). The class rows are held and settled after the labels
 * file: checked, every row read gets exactly one outcome, and a failed read
 * has a one-line message.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_rsna_pneumonia;

static void write_csv(const char *name, const char *header, const uint8_t *body, size_t n)
{
	size_t hn = strlen(header);
	uint8_t *raw = malloc(hn + n + 1);
	if (!raw)
		abort();
	memcpy(raw, header, hn);
	if (n)
		memcpy(raw + hn, body, n);
	fuzz_release(name, raw, hn + n);
	free(raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut = memchr(data, 0, size);
	size_t first = cut ? (size_t)(cut - data) : size;
	write_csv("stage_2_detailed_class_info.csv", "patientId,class\n", data, first);
	const uint8_t *rest = cut ? cut + 1 : data + size;
	write_csv("stage_2_train_labels.csv", "patientId,x,y,width,height,Target\n", rest,
		  (size_t)(data + size - rest));
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_rsna_pneumonia.read(fuzz_rel, &sink, &err);
	if (rc == 0 && n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
	return 0;
}

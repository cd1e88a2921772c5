/*
 * fuzz-siim.c - the SIIM-ACR adapter (adapters/siim-acr.c) on arbitrary bytes
 * as the body of train-rle.csv, written under the release's own header line
 * (so that the fuzzer spends its time on rows), with three (empty) DICOM
 * files named 1, 2 and 3 in the tree the adapter walks, so that rows can
 * name images that exist. Checked: every row read gets exactly one outcome,
 * a failed read has a one-line message.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_siim_acr;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int images_written;
	if (!images_written++)
		for (int i = 1; i <= 3; i++) {
			char name[64];
			snprintf(name, sizeof name, "dicom-images-train/s/s/%d.dcm", i);
			fuzz_write(name, (const uint8_t *)"", 0);
		}
	static const char header[] = "ImageId, EncodedPixels\n";
	size_t hn = sizeof(header) - 1;
	uint8_t *raw = malloc(hn + size + 1);
	if (!raw)
		abort();
	memcpy(raw, header, hn);
	if (size)
		memcpy(raw + hn, data, size);
	fuzz_release("train-rle.csv", raw, hn + size);
	free(raw);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_siim_acr.read(fuzz_rel, &sink, &err);
	if (rc == 0 && n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
	return 0;
}

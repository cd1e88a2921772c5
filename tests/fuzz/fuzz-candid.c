/*
 * fuzz-candid.c - the CANDID-PTX adapter (adapters/candid-ptx.c) on arbitrary
 * bytes as the bodies of its three CSVs: the input is cut at NUL bytes into
 * the bodies of Pneumothorax_reports.csv, chest_tube.csv and
 * acute_rib_fracture.csv, each written under the release's own header line.
 * Images 1 and 2 (DICOM) and 3 (JPEG) exist as empty files in dataset/, so
 * that rows can name them. Checked: every row read gets exactly one outcome,
 * a failed read has a one-line message.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_candid_ptx;

static const uint8_t *write_part(const char *name, const char *header, const uint8_t *at,
				 const uint8_t *end)
{
	const uint8_t *cut = at < end ? memchr(at, 0, (size_t)(end - at)) : NULL;
	size_t n = (size_t)((cut ? cut : end) - at), hn = strlen(header);
	uint8_t *raw = malloc(hn + n + 1);
	if (!raw)
		abort();
	memcpy(raw, header, hn);
	if (n)
		memcpy(raw + hn, at, n);
	fuzz_release(name, raw, hn + n);
	free(raw);
	return cut ? cut + 1 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int images_written;
	if (!images_written++) {
		fuzz_write("dataset/1.dcm", (const uint8_t *)"", 0);
		fuzz_write("dataset/2.dcm", (const uint8_t *)"", 0);
		fuzz_write("dataset/3.jpg", (const uint8_t *)"", 0);
	}
	const uint8_t *end = data + size, *at = data;
	at = write_part("Pneumothorax_reports.csv",
			"SOPInstanceUID,EncodedPixels,Report,StudyInstanceUID\n", at, end);
	at = write_part("chest_tube.csv", "anon_SOPUID,annotation_ref,mask_rle\n", at, end);
	write_part("acute_rib_fracture.csv", "anon_SOPUID,annotation_ref,mask_rle\n", at, end);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_candid_ptx.read(fuzz_rel, &sink, &err);
	if (rc == 0 && n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
	return 0;
}

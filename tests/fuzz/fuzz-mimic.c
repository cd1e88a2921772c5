/*
 * fuzz-mimic.c - the MIMIC-CXR adapter (adapters/mimic-cxr.c) on arbitrary
 * bytes as the bodies of its three CSVs, which it joins in memory: the
 * metadata and label rows are held until the split file names their image
 * or study, then settled. The input is cut at NUL bytes into the metadata,
 * label and split bodies; each is written gzipped under the release's own
 * header line (so that the fuzzer spends its time on rows). Checked: every
 * row read gets one outcome (held rows included), and a failed read has a
 * one-line message.
 */
#include "fuzz.h"

#include <zlib.h>

extern const struct cx_adapter cx_adapter_mimic_cxr;

static const char *const names[3] = {
	"mimic-cxr-2.0.0-metadata.csv.gz",
	"mimic-cxr-2.0.0-chexpert.csv.gz",
	"mimic-cxr-2.0.0-split.csv.gz",
};

static const char *const headers[3] = {
	"dicom_id,subject_id,study_id,ViewPosition,Rows,Columns\n",
	"subject_id,study_id,Atelectasis,Cardiomegaly,Consolidation,Edema,Enlarged "
	"Cardiomediastinum,Fracture,Lung Lesion,Lung Opacity,No Finding,Pleural Effusion,"
	"Pleural Other,Pneumonia,Pneumothorax,Support Devices\n",
	"dicom_id,study_id,subject_id,split\n",
};

/* header + body, gzipped, into the scratch release as name. */
static void write_gz(const char *name, const char *header, const uint8_t *body, size_t n)
{
	size_t hn = strlen(header), in = hn + n;
	uint8_t *raw = malloc(in + 1), *out = malloc(in + in / 8 + 256);
	if (!raw || !out)
		abort();
	memcpy(raw, header, hn);
	if (n)
		memcpy(raw + hn, body, n);
	z_stream z = {0};
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = raw;
	z.avail_in = (uInt)in;
	z.next_out = out;
	z.avail_out = (uInt)(in + in / 8 + 256);
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	fuzz_write(name, out, z.total_out);
	deflateEnd(&z);
	free(raw);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	for (int i = 0; i < 3; i++) {
		const uint8_t *cut = i < 2 ? memchr(p, 0, (size_t)(end - p)) : NULL;
		const uint8_t *stop = cut ? cut : end;
		write_gz(names[i], headers[i], p, (size_t)(stop - p));
		p = cut ? cut + 1 : end;
	}
	struct cx_release *rel = fuzz_release("README", (const uint8_t *)"", 0);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_mimic_cxr.read(rel, &sink, &err);
	if (rc == 0 && n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
	return 0;
}

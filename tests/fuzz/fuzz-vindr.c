/*
 * fuzz-vindr.c - the VinDr reader (adapters/vindr.c, through the VinDr-CXR
 * adapter) on arbitrary bytes: the input is cut at NUL bytes into the
 * bodies of image_labels_train.csv, annotations_train.csv (a release with
 * its CSVs at the root, as VinDr-PCXR's) and, in a second release, Kaggle's
 * train.csv, each written under its real header line so that the fuzzer
 * spends its time on rows (ids, reader rows combined, boxes merged). Every
 * row read gets exactly one outcome (the rows are held and settled image by
 * image), and a failed read has a one-line message.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_vindr_cxr;

static const char labels_header[] =
	"image_id,rad_id,Aortic enlargement,Atelectasis,Calcification,Cardiomegaly,"
	"Clavicle fracture,Consolidation,Edema,Emphysema,Enlarged PA,ILD,Infiltration,"
	"Lung Opacity,Lung cavity,Lung cyst,Mediastinal shift,Nodule/Mass,Pleural effusion,"
	"Pleural thickening,Pneumothorax,Pulmonary fibrosis,Rib fracture,Other lesion,COPD,"
	"Lung tumor,Pneumonia,Tuberculosis,Other diseases,No finding\n";
static const char boxes_header[] = "image_id,rad_id,class_name,x_min,y_min,x_max,y_max\n";
static const char kaggle_header[] =
	"image_id,class_name,class_id,rad_id,x_min,y_min,x_max,y_max\n";

static void write_csv(const char *name, const char *header, const uint8_t *body, size_t n)
{
	size_t hn = strlen(header);
	uint8_t *raw = malloc(hn + n + 1);
	if (!raw)
		abort();
	memcpy(raw, header, hn);
	if (n)
		memcpy(raw + hn, body, n);
	fuzz_write(name, raw, hn + n);
	free(raw);
}

/* The next part of [*p, end): up to a NUL byte or the end. */
static size_t part(const uint8_t **p, const uint8_t *end, const uint8_t **start)
{
	*start = *p;
	const uint8_t *cut = memchr(*p, 0, (size_t)(end - *p));
	size_t n = cut ? (size_t)(cut - *p) : (size_t)(end - *p);
	*p = cut ? cut + 1 : end;
	return n;
}

static void run(struct cx_release *rel)
{
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_vindr_cxr.read(rel, &sink, &err);
	if (rc == 0 && n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cx_release *kaggle;
	const uint8_t *p = data, *end = data + size, *s;
	size_t n = part(&p, end, &s);
	write_csv("physionet/image_labels_train.csv", labels_header, s, n);
	n = part(&p, end, &s);
	write_csv("physionet/annotations_train.csv", boxes_header, s, n);
	n = part(&p, end, &s);
	write_csv("kaggle/train.csv", kaggle_header, s, n);
	static struct cx_release *physionet;
	struct cx_error err = {0};
	char path[600];
	if (!physionet) {
		snprintf(path, sizeof path, "%s/physionet", fuzz_scratch());
		if (cx_release_open(&physionet, path, &err))
			abort();
		snprintf(path, sizeof path, "%s/kaggle", fuzz_scratch());
		if (cx_release_open(&kaggle, path, &err))
			abort();
	}
	run(physionet);
	run(kaggle);
	return 0;
}

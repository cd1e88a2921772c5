/*
 * cxr-lt.c - CXR-LT, the long-tailed multi-label challenge on MIMIC-CXR-JPG
 * (PhysioNet "cxr-lt-iccv-workshop-cvamd": 1.1.0 with the 2023 challenge's
 * cxr-lt-2023/, 2.0.0 adding the 2024 challenge's cxr-lt-2024/). Its files
 * are labels only, one row per MIMIC-CXR image (dicom_id): 26 findings in
 * cxr-lt-2023/{train,development,test}.csv, 40 in cxr-lt-2024/labels.csv
 * (vocab/cxr-lt.c). The images, studies, patients and splits are MIMIC-CXR's:
 * the source borrows them (id_space and requires "mimic-cxr"), so each row
 * emits an image fact without a path, which the catalogue turns into a copy
 * of MIMIC-CXR's image of that dicom id, with MIMIC-CXR's split, refusing an
 * id MIMIC-CXR lacks or a study or subject that is not MIMIC-CXR's for it;
 * then the row's labels on that image.
 *
 * The 2023 files are read first, then 2024's, so that an image both label
 * has 2024's set (the later labels fact replaces the earlier). CXR-LT's own
 * train/development/test division is not used: the official CheXinstruct
 * build put every CXR-LT study in train, MIMIC-CXR val and test studies
 * included; this one keeps each image in MIMIC-CXR's split
 * (DEVIATIONS.md).
 */
#include "cx.h"

#include <ctype.h>

#include "adapters/adapter.h"
#include "adapters/rows.h"
#include "io/release.h"

#define DIR_2023 "cxr-lt-2023/"
#define DIR_2024 "cxr-lt-2024/"
#define LABELS_2024 DIR_2024 "labels.csv"

static const char *const files_2023[] = {DIR_2023 "train.csv", DIR_2023 "development.csv",
					 DIR_2023 "test.csv"};

/* The columns read: the ids, then one per label of the vocabulary, spelled
 * as the file spells it (2023 calls "Normal" "No Finding"). */
enum { C_DICOM, C_SUBJECT, C_STUDY, C_LABEL0 };
#define NLABELS 40
#define NCOLS (C_LABEL0 + NLABELS)

/* The 14 labels 2024 added: absent from the 2023 files. */
static const char *const only_2024[] = {
	"Adenopathy", "Azygos Lobe", "Clavicle Fracture", "Fissure", "Granuloma",
	"Hydropneumothorax", "Infarction", "Kyphosis", "Lobar Atelectasis", "Pulmonary Embolism",
	"Pulmonary Hypertension", "Rib Fracture", "Round(ed) Atelectasis", "Tuberculosis",
};

struct reader {
	const struct cx_sink *sink;
	const char *const *cols; /* the file's column names (2023 or 2024) */
	struct cx_label labels[NLABELS];
};

struct spec_set {
	const char *cols[NCOLS];
	int optional[NCOLS];
};

static int is_2024_only(const char *name)
{
	for (size_t i = 0; i < CX_ARRAY_LEN(only_2024); i++)
		if (!strcmp(only_2024[i], name))
			return 1;
	return 0;
}

/* The columns of a 2023 file (is_2023) or of 2024's labels.csv. */
static void columns_of(struct spec_set *s, int is_2023)
{
	memset(s, 0, sizeof *s);
	s->cols[C_DICOM] = "dicom_id";
	s->cols[C_SUBJECT] = "subject_id";
	s->cols[C_STUDY] = "study_id";
	for (size_t i = 0; i < NLABELS; i++) {
		const char *name = cx_vocab_cxr_lt.labels[i].name;
		if (is_2023 && !strcmp(name, "Normal"))
			name = "No Finding";
		s->cols[C_LABEL0 + i] = name;
		s->optional[C_LABEL0 + i] = is_2023 && is_2024_only(name);
	}
}

/* A MIMIC-CXR id as CXR-LT writes it: digits, in 2024 after a prefix letter
 * ("s50414267", "p10000032"). NULL when it is not one. */
static const char *mimic_id(const char *v, char prefix)
{
	if (v[0] == prefix)
		v++;
	if (!v[0])
		return NULL;
	for (const char *p = v; *p; p++)
		if (!isdigit((unsigned char)*p))
			return NULL;
	return v;
}

/* A label value: 1 or 0 (also as 1.0 / 0.0), or blank (not listed). */
static int label_value(const char *v)
{
	if (!strcmp(v, "1") || !strcmp(v, "1.0"))
		return CX_LABEL_POS;
	if (!strcmp(v, "0") || !strcmp(v, "0.0"))
		return CX_LABEL_NEG;
	return v[0] ? -2 : -3;
}

static struct cx_outcome label_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *dicom = row->v[C_DICOM];
	const char *subject = mimic_id(row->v[C_SUBJECT], 'p');
	const char *study = mimic_id(row->v[C_STUDY], 's');
	if (!dicom[0])
		return cx_rows_reject(row, "empty dicom_id");
	if (!subject)
		return cx_rows_reject(row, "subject_id '%s' is not a MIMIC-CXR subject id",
				      row->v[C_SUBJECT]);
	if (!study)
		return cx_rows_reject(row, "study_id '%s' is not a MIMIC-CXR study id",
				      row->v[C_STUDY]);
	size_t n = 0;
	for (size_t i = 0; i < NLABELS; i++) {
		const char *v = row->v[C_LABEL0 + i];
		if (!v)
			continue;
		int value = label_value(v);
		if (value == -2)
			return cx_rows_reject(row, "value '%s' in column '%s' is not 0 or 1", v,
					      r->cols[C_LABEL0 + i]);
		if (value >= 0)
			r->labels[n++] = (struct cx_label){cx_vocab_cxr_lt.labels[i].name, value};
	}
	if (n == 0)
		return cx_rows_filter("no-labels");
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = dicom;
	f.patient = subject;
	f.study = study;
	struct cx_labels_fact lf = {dicom, 0, r->labels, n};
	struct cx_error err = {0};
	if (cx_emit_image(r->sink, &f, &err) || cx_emit_labels(r->sink, &lf, &err))
		return cx_rows_reject(row, "%s", err.msg);
	return cx_rows_keep();
}

static int read_file(struct cx_rows *rows, struct cx_release *rel, const char *file,
		     int is_2023, struct cx_error *err)
{
	struct spec_set s;
	columns_of(&s, is_2023);
	((struct reader *)rows->ctx)->cols = s.cols;
	const struct cx_csv_spec spec = {
		.file = file, .cols = s.cols, .optional = s.optional, .ncols = NCOLS,
		.fn = label_row,
	};
	return cx_rows_csv(rows, rel, &spec, err);
}

static int cxr_lt_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	struct reader r = {.sink = sink};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int found = 0, rc = 0;
	for (size_t i = 0; i < CX_ARRAY_LEN(files_2023) && !rc; i++)
		if (cx_release_exists(rel, files_2023[i])) {
			found = 1;
			rc = read_file(&rows, rel, files_2023[i], 1, err);
		}
	if (!rc && cx_release_exists(rel, LABELS_2024)) {
		found = 1;
		rc = read_file(&rows, rel, LABELS_2024, 0, err);
	}
	if (!rc && !found)
		rc = cx_error_set(err, CX_ENOTFOUND, "%s: neither %s nor %s found",
				  cx_release_path(rel), files_2023[0], LABELS_2024);
	return rc;
}

/* Either challenge's signature file, here or one folder down. */
static int cxr_lt_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, LABELS_2024) || cx_release_locate(rel, files_2023[0]);
}

static const struct cx_entry_def entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_image},
};

const struct cx_adapter cx_adapter_cxr_lt = {
	.id = "cxr-lt",
	.dataset = "CXR-LT",
	.versions = "1.1.0 (2023), 2.0.0 (2024)",
	.license = "PhysioNet Credentialed Health Data License 1.5.0",
	.access = "credentialed",
	.id_space = "mimic-cxr",
	.requires = (const char *const[]){"mimic-cxr", NULL},
	.labels = &cx_vocab_cxr_lt,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = cxr_lt_probe,
	.read = cxr_lt_read,
};

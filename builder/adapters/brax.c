/*
 * brax.c - the BRAX adapter (Brazilian labeled chest X-ray dataset,
 * PhysioNet 1.0.0 and 1.1.0).
 *
 * master_spreadsheet_update.csv holds one row per image: its DICOM file
 * (DicomPath, under Anonymized_DICOMs/), its PNG copy (PngPath, under
 * images/), patient, accession number (the study), view, sex, age, and the
 * 14 CheXpert observations as the CheXpert labeler wrote them from the
 * Portuguese reports (1, 0, -1, blank). Columns are bound by name, so their
 * order and the columns not read do not matter. Each row becomes an image
 * fact keyed by its DicomPath as released, its study (the accession number)
 * and its image-level labels in CheXpert's vocabulary (vocab/chexpert.c:
 * the uncertain rule applies at render time). The file read is the PNG when
 * the release has it (16-bit, what the official build reads), else the
 * DICOM; some 1.0.0 DICOM files lack the ".dcm" their DicomPath names, so
 * that name is also tried without it (and a name without it, with it).
 * BRAX has no split: every image is train, as officially. The official
 * build's selection of about 8,000 "No Finding" images is a mix rule
 * (mixes/official-selection.json), not a filter. See sources/brax.md.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/chexpert-labels.h"
#include "adapters/rows.h"
#include "io/release.h"

#define SHEET "master_spreadsheet_update.csv"

enum { C_DICOM, C_PNG, C_PATIENT, C_STUDY, C_VIEW, C_SEX, C_AGE, C_LABEL0,
       C_NCOLS = C_LABEL0 + CX_CHEXPERT_NLABELS };

static const char *const meta_names[C_LABEL0] = {
	"DicomPath", "PngPath", "PatientID", "AccessionNumber", "ViewPosition", "PatientSex",
	"PatientAge",
};

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	struct cx_buf path;
	char last_study[256];
};

/* Sex: M, F; O (other) and blank store none. 0 when valid. */
static int parse_sex(const char *v, const char **out)
{
	*out = NULL;
	if (!strcmp(v, "M") || !strcmp(v, "F"))
		*out = v;
	else if (strcmp(v, "O") && v[0])
		return -1;
	return 0;
}

/*
 * Age in years: a whole number (also written "58.0", as pandas writes a
 * column with blanks) or a DICOM age string ("058Y", "007M", "003W",
 * "010D"); blank is unknown. 0 when valid.
 */
static int parse_age(const char *v, int *out)
{
	static const struct {
		char unit;
		int per_year;
	} units[] = {{'Y', 1}, {'M', 12}, {'W', 52}, {'D', 365}};
	*out = -1;
	size_t n = strlen(v), d = strspn(v, "0123456789");
	if (n == 0)
		return 0;
	if (d == 0 || d > 4)
		return -1;
	int per = 0;
	if (d == n || (n == d + 2 && !strcmp(v + d, ".0")))
		per = 1;
	for (size_t i = 0; n == d + 1 && i < CX_ARRAY_LEN(units); i++)
		if (v[d] == units[i].unit)
			per = units[i].per_year;
	long a = strtol(v, NULL, 10);
	if (!per || a / per > 130)
		return -1;
	*out = (int)(a / per);
	return 0;
}

/* r->path: the file of the image, as above. */
static void image_file(struct reader *r, const char *dicom, const char *png)
{
	cx_buf_reset(&r->path);
	if (png && png[0] && cx_release_exists(r->rel, png)) {
		cx_buf_adds(&r->path, png);
		return;
	}
	cx_buf_adds(&r->path, dicom);
	if (cx_release_exists(r->rel, dicom))
		return;
	size_t n = strlen(dicom);
	if (cx_str_ends(dicom, ".dcm"))
		r->path.data[r->path.len = n - 4] = '\0';
	else
		cx_buf_adds(&r->path, ".dcm");
	if (!cx_release_exists(r->rel, r->path.data)) {
		cx_buf_reset(&r->path);
		cx_buf_adds(&r->path, dicom);
	}
}

/* The study fact when the study differs from the previous row's (the rows
 * of a study are adjacent; a repeated study fact is upserted anyway). */
static int new_study(struct reader *r, const char *key, const char *patient, struct cx_error *err)
{
	if (!strcmp(r->last_study, key))
		return 0;
	struct cx_study_fact st = {key, patient, CX_SPLIT_TRAIN};
	int rc = cx_emit_study(r->sink, &st, err);
	if (rc == 0)
		snprintf(r->last_study, sizeof r->last_study, "%s", key);
	return rc;
}

/* The checked metadata of a row into f; NULL, or the column at fault. */
static const char *row_meta(const char *const *col, struct cx_image_fact *f)
{
	if (!col[C_PATIENT][0])
		return "PatientID";
	if (!col[C_STUDY][0])
		return "AccessionNumber";
	if (parse_sex(col[C_SEX], &f->sex))
		return "PatientSex";
	if (parse_age(col[C_AGE], &f->age))
		return "PatientAge";
	f->patient = col[C_PATIENT];
	f->study = col[C_STUDY];
	f->view = col[C_VIEW][0] ? col[C_VIEW] : NULL;
	return NULL;
}

static int meta_index(const char *name)
{
	for (int i = 0; i < C_LABEL0; i++)
		if (!strcmp(meta_names[i], name))
			return i;
	return 0;
}

static struct cx_outcome sheet_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *const *col = row->v;
	const char *dicom = col[C_DICOM], *png = col[C_PNG];
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "DicomPath", dicom, CX_NAME_PATH, &o) ||
	    (png && png[0] && cx_rows_safe_name(row, "PngPath", png, CX_NAME_PATH, &o)))
		return o;
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	const char *badcol = row_meta(col, &f);
	if (badcol && !col[meta_index(badcol)][0])
		return cx_rows_reject(row, "empty value in column '%s'", badcol);
	if (badcol)
		return cx_rows_reject(row, "invalid value '%s' in column '%s'",
				      col[meta_index(badcol)], badcol);
	struct cx_label labels[CX_CHEXPERT_NLABELS];
	int bad, got = cx_chexpert_row(&col[C_LABEL0], labels, &bad);
	if (got < 0)
		return cx_rows_reject(row, "unknown label value '%s' in column '%s'",
				      col[C_LABEL0 + bad], cx_chexpert_labels[bad]);
	size_t nl = (size_t)got;
	image_file(r, dicom, png);
	f.key = dicom;
	f.path = r->path.data;
	f.split = CX_SPLIT_TRAIN;
	struct cx_labels_fact lf = {dicom, 0, labels, nl};
	struct cx_error err = {0};
	if (new_study(r, f.study, f.patient, &err) || cx_emit_image(r->sink, &f, &err) ||
	    (nl && cx_emit_labels(r->sink, &lf, &err)))
		return cx_rows_reject(row, "%s", err.msg);
	return cx_rows_keep();
}

static int brax_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	const char *names[C_NCOLS];
	int optional[C_NCOLS] = {[C_PNG] = 1};
	for (int i = 0; i < C_LABEL0; i++)
		names[i] = meta_names[i];
	for (int i = 0; i < CX_CHEXPERT_NLABELS; i++)
		names[C_LABEL0 + i] = cx_chexpert_labels[i];
	struct cx_csv_spec spec = {
		.file = SHEET, .cols = names, .optional = optional, .ncols = C_NCOLS,
		.fn = sheet_row,
	};
	struct reader r = {.rel = rel, .sink = sink, .path = CX_BUF_INIT};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = cx_rows_csv(&rows, rel, &spec, err);
	cx_buf_release(&r.path);
	return rc;
}

static int brax_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, SHEET);
}

static const struct cx_entry_def entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_image},
};

const struct cx_adapter cx_adapter_brax = {
	.id = "brax",
	.dataset = "BRAX",
	.versions = "1.0.0, 1.1.0",
	.license = "PhysioNet Credentialed Health Data License 1.5.0",
	.access = "credentialed",
	.labels = &cx_vocab_chexpert,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = brax_probe,
	.read = brax_read,
};

/*
 * padchest.c - the PadChest adapter: one CSV,
 * PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv (or its .csv.gz), one
 * row per image, and the images as 16-bit PNGs in numbered folders 0/, 1/,
 * ... (ImageDir) or in the zips 0.zip, 1.zip, ... they are shipped as.
 *
 * The file is read once, a row at a time (160k rows with long cells: memory
 * stays flat). Each row gives an image (key ImageID), its study (StudyID,
 * repeated on every image of the study with the same report), the image's
 * labels and the study's report. Labels are Python-literal list cells
 * (adapters/pylist.h); the four other list columns (Localizations, the lists
 * by sentence and the two CUI lists) are parsed too, so a damaged cell is a
 * reject naming its column and never passes as data. Labels are read against
 * the PadChest vocabulary (vocab/padchest.c): trimmed (the release has
 * labels with a leading space), empty strings skipped, the three
 * report-level labels dropped, any other unknown label rejects the row.
 *
 * The report is Spanish as released (pre-processed: lower case, stemmed);
 * no release has it in English. It is stored as the study's impression (the
 * release has one text per study, not sections) for the Spanish report
 * generation task. PadChest has no official split: everything is train, as
 * in the official build. See sources/padchest.md.
 */
#include "cx.h"

#include <ctype.h>
#include <strings.h>

#include "adapters/adapter.h"
#include "adapters/pylist.h"
#include "adapters/rows.h"
#include "io/release.h"

#define CSV_NAME "PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv"
#define CSV_GZ CSV_NAME ".gz"

enum {
	C_IMAGE, C_DIR, C_DATE, C_STUDY, C_PATIENT, C_BIRTH, C_SEX, C_PROJECTION, C_REPORT,
	C_LABELS, C_LOCS, C_BY_SENTENCE, C_LABEL_CUIS, C_LOC_CUIS, C_NCOLS
};
static const char *const columns[C_NCOLS] = {
	[C_IMAGE] = "ImageID",
	[C_DIR] = "ImageDir",
	[C_DATE] = "StudyDate_DICOM",
	[C_STUDY] = "StudyID",
	[C_PATIENT] = "PatientID",
	[C_BIRTH] = "PatientBirth",
	[C_SEX] = "PatientSex_DICOM",
	[C_PROJECTION] = "Projection",
	[C_REPORT] = "Report",
	[C_LABELS] = "Labels",
	[C_LOCS] = "Localizations",
	[C_BY_SENTENCE] = "LabelsLocalizationsBySentence",
	[C_LABEL_CUIS] = "labelCUIS",
	[C_LOC_CUIS] = "LocalizationsCUIS",
};

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	struct cx_pylist list;
	struct cx_buf path, word;
	struct cx_label labels[256];
};

/* pandas writes a missing value as an empty field, "None" or "nan". */
static int missing(const char *v)
{
	return !v[0] || !strcmp(v, "None") || !strcmp(v, "nan");
}

static int digits(const char *s, size_t max)
{
	size_t n = strspn(s, "0123456789");
	return n > 0 && n <= max && !s[n];
}

/* Age at the study: StudyDate_DICOM's year (YYYYMMDD) less PatientBirth (a
 * float year, "1993.0"); -1 when either is missing or the difference is not
 * 0 to 120. Returns the column of a malformed value, or -1. */
static int age_of(const char *date, const char *birth, int *age)
{
	*age = -1;
	if (missing(date))
		return -1;
	if (!digits(date, 8) || strlen(date) != 8)
		return C_DATE;
	if (missing(birth))
		return -1;
	double b;
	if (cx_parse_double(birth, &b) || b < 1800 || b > 2100 || b != (double)(long)b)
		return C_BIRTH;
	long year = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 +
		    (date[3] - '0');
	long a = year - (long)b;
	*age = a >= 0 && a <= 120 ? (int)a : -1;
	return -1;
}

/* Projection to the catalogue's views: PA, AP and AP_horizontal (a supine AP
 * with a horizontal beam) as PA / AP, L as LATERAL; the other values the
 * release uses for unusable views (COSTAL, UNK, EXCLUDE, missing) as none. */
static const char *view_of(const char *p)
{
	if (!strcmp(p, "PA"))
		return "PA";
	if (!strcmp(p, "AP") || !strcmp(p, "AP_horizontal"))
		return "AP";
	if (!strcmp(p, "L"))
		return "LATERAL";
	return NULL;
}

/* The image file: <ImageDir>/<ImageID> (the folders, or zips whose members
 * sit under that folder), else <ImageID> at a layer's root (the zips as
 * distributed, whose members are the bare PNGs, or one flattened folder);
 * the first when neither exists, which the catalogue then reports missing. */
static const char *image_path(struct reader *r, const char *dir, const char *name)
{
	cx_buf_reset(&r->path);
	cx_buf_addf(&r->path, "%s/%s", dir, name);
	if (!cx_release_exists(r->rel, r->path.data) && cx_release_exists(r->rel, name))
		return name;
	return r->path.data;
}

static int is_report_label(const char *s)
{
	for (const char *const *p = cx_padchest_report_labels; *p; p++)
		if (!strcasecmp(*p, s))
			return 1;
	return 0;
}

/* The label named by item, trimmed, into r->word; -1 for an empty or
 * report-level one, -2 (why set) for one outside the vocabulary, else its
 * index in the vocabulary. */
static int label_of(struct reader *r, const char *item)
{
	while (isspace((unsigned char)*item))
		item++;
	size_t n = strlen(item);
	while (n && isspace((unsigned char)item[n - 1]))
		n--;
	cx_buf_reset(&r->word);
	cx_buf_add(&r->word, item, n);
	if (!n || is_report_label(r->word.data))
		return -1;
	int i = cx_vocab_find(&cx_vocab_padchest, r->word.data);
	return i >= 0 ? i : -2;
}

/* Reads the Labels cell into r->labels; returns their number, or -1 with the
 * reason in why. Repeated labels count once. */
static int read_labels(struct reader *r, const char *cell, char *why, size_t whysz)
{
	struct cx_error err = {0};
	if (cx_pylist_parse(&r->list, cell, &err)) {
		snprintf(why, whysz, "column 'Labels': %s", err.msg);
		return -1;
	}
	if (r->list.ngroups) {
		snprintf(why, whysz, "column 'Labels' holds lists, not labels");
		return -1;
	}
	int n = 0;
	for (size_t k = 0; k < r->list.n; k++) {
		int i = label_of(r, cx_pylist_item(&r->list, k));
		if (i == -2) {
			snprintf(why, whysz, "unknown label '%s' in column 'Labels'", r->word.data);
			return -1;
		}
		const char *name = i >= 0 ? cx_vocab_padchest.labels[i].name : NULL;
		for (int j = 0; name && j < n; j++)
			if (r->labels[j].name == name)
				name = NULL;
		if (name && (size_t)n < CX_ARRAY_LEN(r->labels))
			r->labels[n++] = (struct cx_label){name, CX_LABEL_POS};
	}
	return n;
}

/* The list columns not turned into facts still have to be lists. */
static int check_lists(struct reader *r, const char *const *v, char *why, size_t whysz)
{
	static const int cols[] = {C_LOCS, C_BY_SENTENCE, C_LABEL_CUIS, C_LOC_CUIS};
	struct cx_error err = {0};
	for (size_t i = 0; i < CX_ARRAY_LEN(cols); i++)
		if (cx_pylist_parse(&r->list, v[cols[i]], &err)) {
			snprintf(why, whysz, "column '%s': %s", columns[cols[i]], err.msg);
			return -1;
		}
	return 0;
}

/* Patient, study, sex and age of a row into f; -1 with the reason in why. */
static int row_meta(const char *const *v, struct cx_image_fact *f, char *why, size_t whysz)
{
	int bad = -1;
	if (missing(v[C_STUDY]))
		bad = C_STUDY;
	else if (missing(v[C_PATIENT]))
		bad = C_PATIENT;
	else if (!digits(v[C_DIR], 6))
		bad = C_DIR;
	else if (strcmp(v[C_SEX], "M") && strcmp(v[C_SEX], "F") && strcmp(v[C_SEX], "O") &&
		 !missing(v[C_SEX]))
		bad = C_SEX;
	else
		bad = age_of(v[C_DATE], v[C_BIRTH], &f->age);
	if (bad >= 0) {
		snprintf(why, whysz, "invalid value '%s' in column '%s'", v[bad], columns[bad]);
		return -1;
	}
	f->study = v[C_STUDY];
	f->patient = v[C_PATIENT];
	f->sex = !strcmp(v[C_SEX], "M") || !strcmp(v[C_SEX], "F") ? v[C_SEX] : NULL;
	f->view = view_of(v[C_PROJECTION]);
	f->split = CX_SPLIT_TRAIN;
	return 0;
}

static int emit(struct reader *r, const char *const *v, struct cx_image_fact *f, int nlabels,
		struct cx_error *err)
{
	struct cx_study_fact st = {f->study, f->patient, CX_SPLIT_TRAIN};
	int rc = cx_emit_study(r->sink, &st, err);
	if (rc == 0)
		rc = cx_emit_image(r->sink, f, err);
	if (rc == 0 && nlabels > 0) {
		struct cx_labels_fact lf = {f->key, 0, r->labels, (size_t)nlabels};
		rc = cx_emit_labels(r->sink, &lf, err);
	}
	if (rc == 0 && !missing(v[C_REPORT])) {
		struct cx_report_fact rep = {.study = f->study, .impression = v[C_REPORT]};
		rc = cx_emit_report(r->sink, &rep, err);
	}
	return rc;
}

static struct cx_outcome row_fn(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *const *v = row->v;
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "ImageID", v[C_IMAGE], CX_NAME_FILE, &o))
		return o;
	char why[640];
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	if (row_meta(v, &f, why, sizeof why))
		return cx_rows_reject(row, "%s", why);
	int nlabels = read_labels(r, v[C_LABELS], why, sizeof why);
	if (nlabels < 0 || check_lists(r, v, why, sizeof why))
		return cx_rows_reject(row, "%s", why);
	f.key = v[C_IMAGE];
	f.path = image_path(r, v[C_DIR], v[C_IMAGE]);
	struct cx_error err = {0};
	if (emit(r, v, &f, nlabels, &err))
		return cx_rows_reject(row, "%s", err.msg);
	return cx_rows_keep();
}

static int padchest_read(struct cx_release *rel, const struct cx_sink *sink,
			 struct cx_error *err)
{
	struct reader r = {.rel = rel, .sink = sink};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	const char *file = cx_release_exists(rel, CSV_NAME) ? CSV_NAME : CSV_GZ;
	if (!cx_release_exists(rel, file))
		return cx_error_set(err, CX_ENOTFOUND, "%s: missing file '%s' (or '%s')",
				    cx_release_path(rel), CSV_NAME, CSV_GZ);
	struct cx_csv_spec spec = {
		.file = file,
		.cols = columns,
		.ncols = C_NCOLS,
		.fn = row_fn,
	};
	int rc = cx_rows_csv(&rows, rel, &spec, err);
	cx_pylist_release(&r.list);
	cx_buf_release(&r.path);
	cx_buf_release(&r.word);
	return rc;
}

static int padchest_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, CSV_NAME) || cx_release_locate(rel, CSV_GZ);
}

static const struct cx_entry_def entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_image},
	{.task = "spanish-report-generation", .rule = &cx_rule_impression},
};

const struct cx_adapter cx_adapter_padchest = {
	.id = "padchest",
	.dataset = "PadChest",
	.versions = "01.02.19 (160K)",
	.license = "CC BY-SA 4.0 (BIMCV-PadChest README); registration required",
	.access = "registration",
	.labels = &cx_vocab_padchest,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = padchest_probe,
	.read = padchest_read,
};

/*
 * ms-cxr.c - MS-CXR (PhysioNet; "Local Alignment" 0.1 with the v1.0.0 files,
 * 1.1.0 with the v1.1.0 files), phrase-box pairs on MIMIC-CXR-JPG images.
 *
 * MS_CXR_Local_Alignment_v1.1.0.csv (or, in the older release, v1.0.0.csv)
 * holds one row per box: dicom_id, category_name (one of eight findings),
 * label_text (the phrase of the report the box grounds), path
 * (files/pNN/p<subject>/s<study>/<dicom_id>.jpg, MIMIC-CXR-JPG's layout),
 * x, y, w, h in pixels of the frame image_width x image_height (the JPEG as
 * MIMIC-CXR-JPG releases it), and in v1.1.0 split (train, val, test). A
 * phrase with several boxes repeats its row. When both files are there,
 * v1.1.0 is read (the newer annotations) and v1.0.0 is not. The COCO-style
 * JSON files of the release hold the same boxes and are not read.
 *
 * The images, studies and patients are MIMIC-CXR's: the source borrows them
 * (id_space and requires "mimic-cxr"; CONTRIBUTING.md, "Adding a source"),
 * so each row emits its image without a path (the catalogue copies
 * MIMIC-CXR's, refusing an id it lacks or another study or patient), one
 * phrase box fact, and its box as a box fact of its category (once per
 * distinct box), which grounded diagnosis reads through the generic rule
 * grounded. The split: the release's own (v1.1.0's split column) and
 * MIMIC-CXR's may disagree, and test wins whichever says it. The image fact
 * carries the row's split, and the catalogue keeps the stricter of it and
 * MIMIC-CXR's on the borrowed image (an update never loosens a split), so
 * every instance on it, whatever its rule, takes the stricter; both are kept:
 * the release's on each phrase box (phrase_box.split), MIMIC-CXR's on
 * MIMIC-CXR's own image row.
 */
#include "cx.h"

#include <ctype.h>
#include <math.h>

#include "adapters/adapter.h"
#include "adapters/rows.h"
#include "adapters/strset.h"
#include "io/release.h"

#define CSV_NEW "MS_CXR_Local_Alignment_v1.1.0.csv"
#define CSV_OLD "MS_CXR_Local_Alignment_v1.0.0.csv"

enum { C_DICOM, C_CATEGORY, C_TEXT, C_PATH, C_X, C_Y, C_W, C_H, C_WIDTH, C_HEIGHT, C_SPLIT,
       C_N };
static const char *const cols[C_N] = {
	[C_DICOM] = "dicom_id", [C_CATEGORY] = "category_name", [C_TEXT] = "label_text",
	[C_PATH] = "path", [C_X] = "x", [C_Y] = "y", [C_W] = "w", [C_H] = "h",
	[C_WIDTH] = "image_width", [C_HEIGHT] = "image_height", [C_SPLIT] = "split",
};
/* v1.0.0 has no split column. */
static const int optional[C_N] = {[C_SPLIT] = 1};

/* The eight findings MS-CXR annotates, as category_name writes them. */
static const char *const categories[] = {
	"Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Lung Opacity",
	"Pleural Effusion", "Pneumonia", "Pneumothorax",
};

struct reader {
	const struct cx_sink *sink;
	struct cx_strset boxes;    /* "<dicom>|<phrase>|x,y,w,h" of the rows kept */
	struct cx_strset findings; /* "<dicom>|<category>|x,y,w,h" of the box facts */
	struct cx_buf key;
};

static int is_category(const char *s)
{
	for (size_t i = 0; i < CX_ARRAY_LEN(categories); i++)
		if (!strcmp(s, categories[i]))
			return 1;
	return 0;
}

static int blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* A number >= 0 of digits and at most one point (the release writes
 * integers), not strtod's wider grammar (signs, exponents, hex, inf). */
static int number(const char *s, double *out)
{
	size_t n = strlen(s), digits = strspn(s, "0123456789");
	const char *point = strchr(s, '.');
	if (!n || n > 32 || strspn(s, "0123456789.") != n || (point && strchr(point + 1, '.')) ||
	    !digits)
		return 0;
	*out = strtod(s, NULL);
	return isfinite(*out);
}

/* A positive integer of at most 6 digits (no chest X-ray is a million
 * pixels wide). */
static int size_of(const char *s, int *out)
{
	size_t n = strlen(s);
	if (!n || n > 6 || strspn(s, "0123456789") != n || s[0] == '0')
		return 0;
	*out = atoi(s);
	return 1;
}

/*
 * The subject and study of path, which must be exactly
 * files/p<first two digits of the subject>/p<subject>/s<study>/<dicom>.jpg
 * (MIMIC-CXR-JPG's layout). 0 when it is not.
 */
static int parse_path(const char *path, const char *dicom, char subject[32], char study[32])
{
	int end = 0;
	if (strchr(dicom, '/'))
		return 0;
	if (sscanf(path, "files/p%*2[0-9]/p%31[0-9]/s%31[0-9]/%n", subject, study, &end) != 2 ||
	    !end)
		return 0;
	char want[2048];
	int n = snprintf(want, sizeof want, "files/p%.2s/p%s/s%s/%s.jpg", subject, subject, study,
			 dicom);
	return n > 0 && (size_t)n < sizeof want && !strcmp(path, want);
}

static struct cx_outcome split_of(struct cx_row *row, enum cx_split *split)
{
	const char *v = row->v[C_SPLIT];
	*split = CX_SPLIT_NONE;
	if (!v)
		return cx_rows_keep();
	if (!v[0])
		return cx_rows_reject(row, "empty split");
	if (!strcmp(v, "train"))
		*split = CX_SPLIT_TRAIN;
	else if (!strcmp(v, "val"))
		*split = CX_SPLIT_VAL;
	else if (!strcmp(v, "test"))
		*split = CX_SPLIT_TEST;
	else
		return cx_rows_reject(row, "unknown value '%s' in column 'split'", v);
	return cx_rows_keep();
}

/* The box and its frame: numbers, the frame positive integers. */
static struct cx_outcome box_of(struct cx_row *row, struct cx_phrase_box_fact *f)
{
	double *v[4] = {&f->x, &f->y, &f->w, &f->h};
	for (int i = 0; i < 4; i++)
		if (!number(row->v[C_X + i], v[i]))
			return cx_rows_reject(row, "%s '%s' is not a number of pixels",
					      cols[C_X + i], row->v[C_X + i]);
	if (!size_of(row->v[C_WIDTH], &f->frame_width))
		return cx_rows_reject(row, "image_width '%s' is not a positive integer",
				      row->v[C_WIDTH]);
	if (!size_of(row->v[C_HEIGHT], &f->frame_height))
		return cx_rows_reject(row, "image_height '%s' is not a positive integer",
				      row->v[C_HEIGHT]);
	return cx_rows_keep();
}

/* A row naming the same box of the same phrase as a kept row. */
static int seen_before(struct reader *r, const struct cx_phrase_box_fact *f)
{
	cx_buf_reset(&r->key);
	cx_buf_addf(&r->key, "%s|%s|%g,%g,%g,%g", f->image, f->phrase, f->x, f->y, f->w, f->h);
	return cx_strset_has(&r->boxes, cx_buf_str(&r->key));
}

/*
 * The row's box as a box fact of its category, for grounded diagnosis (the
 * generic rule grounded over box facts: a region named by its finding). Two
 * phrases of one category often ground the same region (the findings' and
 * the impression's words for it): a box already given for the category on
 * the image is not given again. The key buffer is the caller's until here.
 */
static int emit_finding(struct reader *r, const struct cx_phrase_box_fact *f,
			struct cx_error *err)
{
	struct cx_buf key = CX_BUF_INIT;
	cx_buf_addf(&key, "%s|%s|%g,%g,%g,%g", f->image, f->label, f->x, f->y, f->w, f->h);
	int rc = 0;
	if (!cx_strset_has(&r->findings, cx_buf_str(&key))) {
		struct cx_box_fact b = {f->image, f->label, f->x, f->y, f->w, f->h,
					f->frame_width, f->frame_height};
		rc = cx_emit_box(r->sink, &b, err);
		if (!rc)
			cx_strset_add(&r->findings, cx_buf_str(&key));
	}
	cx_buf_release(&key);
	return rc;
}

static struct cx_outcome box_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *dicom = row->v[C_DICOM], *category = row->v[C_CATEGORY];
	if (blank(dicom))
		return cx_rows_reject(row, "empty dicom_id");
	if (blank(row->v[C_TEXT]))
		return cx_rows_reject(row, "empty label_text");
	if (!is_category(category))
		return cx_rows_reject(row, "unknown value '%s' in column 'category_name'",
				      category);
	char subject[32], study[32];
	if (!parse_path(row->v[C_PATH], dicom, subject, study))
		return cx_rows_reject(row, "path '%s' is not <files/pNN/p<subject>/s<study>/"
				      "<dicom_id>.jpg> of dicom_id '%s'", row->v[C_PATH], dicom);
	struct cx_phrase_box_fact f = {.image = dicom, .label = category,
				       .phrase = row->v[C_TEXT]};
	struct cx_outcome o = box_of(row, &f);
	if (o.kind == CX_ROW_KEPT)
		o = split_of(row, &f.split);
	if (o.kind != CX_ROW_KEPT)
		return o;
	if (seen_before(r, &f))
		return cx_rows_reject(row, "second box %s,%s,%s,%s for phrase '%s' of image '%s'",
				      row->v[C_X], row->v[C_Y], row->v[C_W], row->v[C_H], f.phrase,
				      dicom);
	struct cx_error err = {0};
	/* the box's own check first: a bad box borrows no image */
	if (cx_fact_check(CX_FACT(PHRASE_BOX), &f, &err))
		return cx_rows_reject(row, "%s", err.msg);
	struct cx_image_fact img;
	cx_image_fact_init(&img);
	img.key = dicom;
	img.patient = subject;
	img.study = study;
	img.split = f.split;
	if (cx_emit_image(r->sink, &img, &err) || cx_emit_phrase_box(r->sink, &f, &err) ||
	    emit_finding(r, &f, &err))
		return cx_rows_reject(row, "%s", err.msg);
	cx_strset_add(&r->boxes, cx_buf_str(&r->key));
	return cx_rows_keep();
}

static int ms_cxr_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	struct cx_csv_spec spec = {
		.file = cx_release_exists(rel, CSV_NEW) ? CSV_NEW : CSV_OLD,
		.cols = cols, .optional = optional, .ncols = C_N, .fn = box_row,
	};
	struct reader r = {.sink = sink, .boxes = CX_STRSET_INIT, .findings = CX_STRSET_INIT,
			   .key = CX_BUF_INIT};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = cx_rows_csv(&rows, rel, &spec, err);
	cx_strset_release(&r.boxes);
	cx_strset_release(&r.findings);
	cx_buf_release(&r.key);
	return rc;
}

static int ms_cxr_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, CSV_NEW) || cx_release_locate(rel, CSV_OLD);
}

static const struct cx_entry_def entries[] = {
	{.task = "phrase-grounding", .rule = &cx_rule_phrase_boxes},
	{.task = "grounded-captioning", .rule = &cx_rule_phrase_boxes},
	{.task = "grounded-diagnosis", .rule = &cx_rule_grounded},
	{.task = "grounded-phrase-extraction", .rule = &cx_rule_phrase_text},
};

const struct cx_adapter cx_adapter_ms_cxr = {
	.id = "ms-cxr",
	.dataset = "MS-CXR",
	.versions = "0.1 (v1.0.0 files), 1.1.0",
	.license = "PhysioNet Credentialed Health Data License 1.5.0",
	.access = "credentialed",
	.id_space = "mimic-cxr",
	.requires = (const char *const[]){"mimic-cxr", NULL},
	.labels = NULL,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = ms_cxr_probe,
	.read = ms_cxr_read,
};

/*
 * rsna-pneumonia.c - the RSNA Pneumonia Detection Challenge adapter (Kaggle,
 * 2018, stage 2): stage_2_detailed_class_info.csv, stage_2_train_labels.csv
 * and the DICOM files stage_2_train_images/<patientId>.dcm, as a folder or as
 * Kaggle's zip.
 *
 * Both CSVs have one row per box (a negative image has one row, with empty
 * coordinates), the class file repeating the image's class on every row of
 * it. The class file is read first: its rows are held (cx_rows_defer) in a
 * sorted array (30,227 rows in stage 2: a copy of the id and 24 bytes each,
 * about 2 MB), each image's class found by bsearch, and settled once the
 * labels file has said which images were kept, so each of its rows is
 * accounted for by what became of its image.
 * The first kept row of an image emits the image and its labels; every
 * positive row emits its box. The release has no split and no demographics
 * in its CSVs: the split is a seeded hash of the patientId (split_of()),
 * and sex, age and view, which only the DICOM headers hold, are not read
 * (sources/rsna-pneumonia.md says why). Layout and rules:
 * sources/rsna-pneumonia.md.
 */
#include "cx.h"

#include <xxhash.h>

#include "adapters/adapter.h"
#include "adapters/rows.h"
#include "io/release.h"

#define LABELS_CSV "stage_2_train_labels.csv"
#define CLASS_CSV "stage_2_detailed_class_info.csv"
#define IMAGE_DIR "stage_2_train_images/"
/* Boxes are pixels of the released 1024 x 1024 DICOM grid (every train image
 * has it); stated, so a resized copy of the images still renders right. */
#define RSNA_FRAME 1024
#define BOX_LABEL "Lung Opacity"

/*
 * The split: the official build draws a random 70/15/15 split
 * (train_test_split, random_state=0) that cannot be reproduced outside its
 * Python; this one is a pure function of the patientId, XXH3-64 under this
 * fixed seed ("RSNA"), its value modulo 1000 below 700 train, below 850 val,
 * else test. It never depends on the build seed or on the other rows.
 * patientId is per image and is the DICOM's PatientID: each "patient" is one
 * image, so the split is patient-wise as the release defines patients.
 */
#define SPLIT_SEED 0x52534E41u

static enum cx_split split_of(const char *id)
{
	uint64_t h = XXH3_64bits_withSeed(id, strlen(id), SPLIT_SEED) % 1000;
	return h < 700 ? CX_SPLIT_TRAIN : h < 850 ? CX_SPLIT_VAL : CX_SPLIT_TEST;
}

enum rsna_class { C_OPACITY, C_NOT_NORMAL, C_NORMAL, C_CONFLICT };
static const char *const class_names[] = {
	[C_OPACITY] = "Lung Opacity",
	[C_NOT_NORMAL] = "No Lung Opacity / Not Normal",
	[C_NORMAL] = "Normal",
};

/* One row of the class file. */
struct class_row {
	char *id;
	long line;
	unsigned char cls; /* enum rsna_class; C_CONFLICT once rows of the id disagree */
};

/* What became of an image in the labels file. */
enum { SEEN_NONE, SEEN_KEPT_POS, SEEN_KEPT_NEG, SEEN_REJECTED };

struct image_state {
	const char *id; /* points into the class rows */
	unsigned char cls;
	unsigned char seen;
};

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	struct class_row *rows;
	size_t nrows, cap;
	struct image_state *img; /* one per id of the class file, sorted */
	size_t nimg;
	struct cx_buf path;
};

static int cmp_row(const void *a, const void *b)
{
	const struct class_row *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int cmp_img(const void *a, const void *b)
{
	return strcmp(((const struct image_state *)a)->id, ((const struct image_state *)b)->id);
}

static struct image_state *find_image(const struct reader *r, const char *id)
{
	if (!r->nimg)
		return NULL;
	struct image_state key = {.id = id};
	return bsearch(&key, r->img, r->nimg, sizeof(key), cmp_img);
}

/* The patientId of a row: it names the DICOM file, so it must be a safe file
 * name; 0, or 1 with *o the reject. */
static int bad_id(struct cx_row *row, const char *id, struct cx_outcome *o)
{
	return cx_rows_safe_name(row, "patientId", id, CX_NAME_FILE, o);
}

/* One row of the class file: checked now, settled after the labels file. */
static struct cx_outcome class_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	struct cx_outcome o;
	if (bad_id(row, row->v[0], &o))
		return o;
	int cls = -1;
	for (int i = 0; i < (int)CX_ARRAY_LEN(class_names); i++)
		if (!strcmp(row->v[1], class_names[i]))
			cls = i;
	if (cls < 0)
		return cx_rows_reject(row, "unknown class '%s' in column 'class'", row->v[1]);
	if (r->nrows == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->rows = cx_realloc(r->rows, r->cap * sizeof(*r->rows));
	}
	r->rows[r->nrows++] = (struct class_row){cx_strdup(row->v[0]), row->line,
						 (unsigned char)cls};
	return cx_rows_defer();
}

/* Sorts the class rows by id and makes one image state per id; ids whose
 * rows name two classes get C_CONFLICT. */
static void index_classes(struct reader *r)
{
	if (!r->nrows)
		return;
	qsort(r->rows, r->nrows, sizeof(*r->rows), cmp_row);
	r->img = cx_calloc(r->nrows, sizeof(*r->img));
	for (size_t i = 0; i < r->nrows; i++) {
		struct class_row *c = &r->rows[i];
		struct image_state *last = r->nimg ? &r->img[r->nimg - 1] : NULL;
		if (last && !strcmp(last->id, c->id)) {
			if (last->cls != c->cls)
				last->cls = C_CONFLICT;
			continue;
		}
		r->img[r->nimg++] = (struct image_state){.id = c->id, .cls = c->cls};
	}
}

static int read_classes(struct cx_rows *rows, struct cx_error *err)
{
	struct reader *r = rows->ctx;
	static const char *const cols[] = {"patientId", "class"};
	struct cx_csv_spec spec = {
		.file = CLASS_CSV, .cols = cols, .ncols = 2, .fn = class_row,
	};
	int rc = cx_rows_csv(rows, r->rel, &spec, err);
	if (rc == 0)
		index_classes(r);
	return rc;
}

enum { L_ID, L_X, L_Y, L_W, L_H, L_TARGET, L_NCOLS };
static const char *const label_cols[L_NCOLS] = {"patientId", "x", "y", "width", "height",
						"Target"};

/* The box of a Target 1 row into b, or a reject reason in why. Coordinates
 * are released as floats ("264.0"). */
static int parse_box(const struct cx_row *row, struct cx_box_fact *b, char *why, size_t whysz)
{
	double v[4];
	for (int i = 0; i < 4; i++) {
		const char *cell = row->v[L_X + i];
		if (cx_parse_double(cell, &v[i])) {
			snprintf(why, whysz, "%s box value '%s' in column '%s' (Target 1)",
				 cell[0] ? "non-numeric" : "empty", cell, label_cols[L_X + i]);
			return -1;
		}
		if (v[i] < 0 || (i >= 2 && v[i] == 0)) {
			snprintf(why, whysz, "%s box value '%s' in column '%s'",
				 v[i] < 0 ? "negative" : "zero", cell, label_cols[L_X + i]);
			return -1;
		}
	}
	*b = (struct cx_box_fact){row->v[L_ID], BOX_LABEL, v[0], v[1], v[2], v[3], RSNA_FRAME,
				  RSNA_FRAME};
	return 0;
}

/* The image and its labels, at its first kept row. */
static int emit_image(struct reader *r, const char *id, int target, int cls,
		      struct cx_error *err)
{
	cx_buf_reset(&r->path);
	cx_buf_addf(&r->path, IMAGE_DIR "%s.dcm", id);
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = id;
	f.path = r->path.data;
	f.patient = id;
	f.split = split_of(id);
	struct cx_label labels[] = {
		{"Pneumonia", target},
		{"Normal", cls == C_NORMAL},
	};
	struct cx_labels_fact lf = {id, 0, labels, CX_ARRAY_LEN(labels)};
	if (cx_emit_image(r->sink, &f, err))
		return err->code;
	return cx_emit_labels(r->sink, &lf, err);
}

/* The class file's word on a row's image: 0, or a reject reason in why. */
static int check_class(const struct image_state *s, const char *id, int target, char *why,
		       size_t whysz)
{
	if (!s) {
		snprintf(why, whysz, "patientId '%s' is not in " CLASS_CSV, id);
		return -1;
	}
	if (s->cls == C_CONFLICT) {
		snprintf(why, whysz, "patientId '%s' has rows of two classes in " CLASS_CSV, id);
		return -1;
	}
	if (target != (s->cls == C_OPACITY)) {
		snprintf(why, whysz, "Target %d but class '%s' in " CLASS_CSV, target,
			 class_names[s->cls]);
		return -1;
	}
	return 0;
}

/* The Target of a row and, for 0, that its box columns are empty; -1 with a
 * reason in why. */
static int parse_target(const struct cx_row *row, char *why, size_t whysz)
{
	const char *t = row->v[L_TARGET];
	if (strcmp(t, "0") && strcmp(t, "1")) {
		snprintf(why, whysz, "invalid value '%s' in column 'Target'", t);
		return -1;
	}
	for (int i = 0; t[0] == '0' && i < 4; i++)
		if (row->v[L_X + i][0]) {
			snprintf(why, whysz, "box value '%s' in column '%s' with Target 0",
				 row->v[L_X + i], label_cols[L_X + i]);
			return -1;
		}
	return t[0] - '0';
}

/* One row of the labels file: an image's only row (Target 0) or one of its
 * boxes (Target 1). */
static struct cx_outcome label_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *id = row->v[L_ID];
	struct cx_outcome o;
	if (bad_id(row, id, &o))
		return o;
	char why[300];
	struct cx_box_fact box;
	int target = parse_target(row, why, sizeof(why));
	struct image_state *s = find_image(r, id);
	if (target < 0 || check_class(s, id, target, why, sizeof(why)) ||
	    (target == 1 && parse_box(row, &box, why, sizeof(why))))
		return cx_rows_reject(row, "%s", why);
	if (s->seen == SEEN_KEPT_NEG || (s->seen == SEEN_KEPT_POS && !target))
		return cx_rows_reject(row, "patientId '%s' has a row with Target %d already", id,
				      s->seen == SEEN_KEPT_NEG ? 0 : 1);
	struct cx_error err = {0};
	/* The box's own check first, so that a row whose box is refused (outside
	 * its frame) emits nothing at all. */
	if (target && cx_fact_check(CX_FACT(BOX), &box, &err))
		return cx_rows_reject(row, "%s", err.msg);
	if (s->seen != SEEN_KEPT_POS && emit_image(r, id, target, s->cls, &err))
		return cx_rows_reject(row, "%s", err.msg);
	if (target && cx_emit_box(r->sink, &box, &err))
		return cx_rows_reject(row, "%s", err.msg);
	s->seen = target ? SEEN_KEPT_POS : SEEN_KEPT_NEG;
	return cx_rows_keep();
}

/* Every class row follows its image: kept when the image was. */
static int settle_classes(struct cx_rows *rows, struct cx_error *err)
{
	struct reader *r = rows->ctx;
	for (size_t i = 0; i < r->nrows; i++) {
		const struct class_row *c = &r->rows[i];
		const struct image_state *s = find_image(r, c->id);
		struct cx_outcome o = cx_rows_keep();
		struct cx_row row = {.file = CLASS_CSV, .line = c->line};
		if (s->seen == SEEN_NONE)
			o = cx_rows_reject(&row, "no kept row of patientId '%s' in " LABELS_CSV,
					   c->id);
		int rc = cx_rows_settle(rows, CLASS_CSV, c->line, o, err);
		cx_buf_release(&row.reason);
		if (rc)
			return rc;
	}
	return 0;
}

static int need(struct cx_release *rel, const char *file, struct cx_error *err)
{
	if (cx_release_exists(rel, file))
		return 0;
	return cx_error_set(err, CX_ENOTFOUND, "%s: missing file '%s'", cx_release_path(rel),
			    file);
}

static int rsna_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	struct reader r = {.rel = rel, .sink = sink};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = need(rel, CLASS_CSV, err);
	if (rc == 0)
		rc = need(rel, LABELS_CSV, err);
	if (rc == 0)
		rc = read_classes(&rows, err);
	if (rc == 0) {
		struct cx_csv_spec spec = {
			.file = LABELS_CSV, .cols = label_cols, .ncols = L_NCOLS, .fn = label_row,
		};
		rc = cx_rows_csv(&rows, rel, &spec, err);
	}
	if (rc == 0)
		rc = settle_classes(&rows, err);
	for (size_t i = 0; i < r.nrows; i++)
		free(r.rows[i].id);
	free(r.rows);
	free(r.img);
	cx_buf_release(&r.path);
	return rc;
}

static int rsna_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, LABELS_CSV);
}

static const struct cx_entry_def entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_image},
	{.task = "abnormality-grounding", .rule = &cx_rule_boxes},
};

const struct cx_adapter cx_adapter_rsna_pneumonia = {
	.id = "rsna-pneumonia",
	.dataset = "RSNA Pneumonia",
	.versions = "Kaggle 2018, stage 2",
	.license = "Kaggle competition rules (non-commercial research; images from NIH "
		   "ChestX-ray14)",
	.access = "public",
	.labels = &cx_vocab_pneumonia,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = rsna_probe,
	.read = rsna_read,
};

/*
 * vindr.c - the reader of the VinDr releases (VinDr-CXR, VinDr-PCXR: vindr.h),
 * PhysioNet layout: annotations/annotations_{train,test}.csv (one row per box
 * and reader, "No finding" rows with empty coordinates),
 * annotations/image_labels_{train,test}.csv (one row per image and reader:
 * three readers per train image, one consensus row per test image), and the
 * DICOMs train/<image_id>.dicom, test/<image_id>.dicom. VinDr-CXR's Kaggle
 * copy (VinBigData) has train.csv alone, one row per box and reader with a
 * class_id; it is read when the PhysioNet files are absent.
 *
 * Both files of a split are held (cx_rows_defer) and then walked image by
 * image in image_id order, so each image is written once, complete: the
 * image and its labels (every reader's rows combined), then its boxes, each
 * class's reader boxes merged (cx_vindr_merge). Every held row is settled
 * by what became of its image; a box row of an image no label row names is
 * rejected. Boxes are pixels of the DICOM as released (its Columns x Rows),
 * so their frame is left 0: the image header pass gives it. Layout and
 * rules: sources/vindr-cxr.md, sources/vindr-pcxr.md.
 */
#include "cx.h"

#include <math.h>

#include "adapters/rows.h"
#include "adapters/vindr.h"
#include "vocab/vocab.h"

#define NO_FINDING "No finding"
#define MAX_COLUMNS 40
#define MERGE_IOU 0.1
#define KAGGLE_CSV "train.csv"

/* ---- merging reader boxes ---- */

static double iou(const double *a, const double *b)
{
	double w = fmin(a[2], b[2]) - fmax(a[0], b[0]);
	double h = fmin(a[3], b[3]) - fmax(a[1], b[1]);
	if (w <= 0 || h <= 0)
		return 0;
	double inter = w * h;
	double u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
	return u > 0 ? inter / u : 0;
}

static size_t root_of(size_t *group, size_t i)
{
	while (group[i] != i)
		i = group[i] = group[group[i]];
	return i;
}

/* Union-find over the pairs above MERGE_IOU; each group is named by its
 * smallest index, so the result does not depend on the order pairs meet. */
size_t cx_vindr_merge(const double (*b)[4], size_t n, size_t *group)
{
	for (size_t i = 0; i < n; i++)
		group[i] = i;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (iou(b[i], b[j]) > MERGE_IOU) {
				size_t a = root_of(group, i), c = root_of(group, j);
				group[a > c ? a : c] = a < c ? a : c;
			}
	size_t groups = 0;
	for (size_t i = 0; i < n; i++) {
		group[i] = root_of(group, i);
		groups += group[i] == i;
	}
	return groups;
}

/* ---- held rows ---- */

struct label_row {
	char *id;
	long line;
	signed char v[MAX_COLUMNS]; /* 1, 0, or -2 when the cell is empty or the column absent */
};

struct box_row {
	char *id;
	char *cls; /* NULL for "No finding" */
	long line;
	double b[4]; /* x_min, y_min, x_max, y_max */
};

struct vindr {
	const struct cx_vindr_spec *spec;
	const struct cx_sink *sink;
	const char *split_dir; /* "train" or "test" */
	enum cx_split split;
	const char *labels_file, *boxes_file;
	struct label_row *lr;
	size_t nlr, caplr;
	struct box_row *br;
	size_t nbr, capbr;
	struct cx_buf path;
};

static void held_free(struct vindr *r)
{
	for (size_t i = 0; i < r->nlr; i++)
		free(r->lr[i].id);
	for (size_t i = 0; i < r->nbr; i++) {
		free(r->br[i].id);
		free(r->br[i].cls);
	}
	free(r->lr);
	free(r->br);
	r->lr = NULL;
	r->br = NULL;
	r->nlr = r->caplr = r->nbr = r->capbr = 0;
}

/* ---- image_labels_*.csv ---- */

/* Column i of the spec: bound as cols[2 + 2 * i] and cols[3 + 2 * i] (its
 * two released names; the second may be NULL). */
static const char *cell(const struct cx_row *row, size_t i)
{
	const char *a = row->v[2 + 2 * i], *b = row->v[3 + 2 * i];
	return a ? a : b;
}

static struct cx_outcome label_row(void *ctx, struct cx_row *row)
{
	struct vindr *r = ctx;
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "image_id", row->v[0], CX_NAME_FILE, &o))
		return o;
	struct label_row l = {.line = row->line};
	for (size_t i = 0; i < r->spec->ncolumns; i++) {
		const char *s = cell(row, i);
		double d;
		if (!s || !s[0])
			l.v[i] = -2;
		else if (cx_parse_double(s, &d) || (d != 0 && d != 1))
			return cx_rows_reject(row, "invalid value '%s' in column '%s'", s,
					      r->spec->columns[i].names[0]);
		else
			l.v[i] = (signed char)d;
	}
	if (r->nlr == r->caplr) {
		r->caplr = r->caplr ? 2 * r->caplr : 64;
		r->lr = cx_realloc(r->lr, r->caplr * sizeof *r->lr);
	}
	l.id = cx_strdup(row->v[0]);
	r->lr[r->nlr++] = l;
	return cx_rows_defer();
}

static int read_labels(struct cx_rows *rows, struct cx_release *rel, struct vindr *r,
		       struct cx_error *err)
{
	const struct cx_vindr_spec *s = r->spec;
	const char *cols[2 + 2 * MAX_COLUMNS] = {"image_id", "rad_id"};
	int optional[2 + 2 * MAX_COLUMNS] = {0, 1};
	size_t n = 2;
	for (size_t i = 0; i < s->ncolumns; i++) {
		const char *b = s->columns[i].names[1];
		cols[n] = s->columns[i].names[0];
		optional[n++] = 1;
		cols[n] = b ? b : s->columns[i].names[0];
		optional[n++] = 1;
	}
	struct cx_csv_spec spec = {.file = r->labels_file, .cols = cols, .optional = optional,
				   .ncols = n, .fn = label_row};
	return cx_rows_csv(rows, rel, &spec, err);
}

/* ---- annotations_*.csv and Kaggle's train.csv ---- */

enum { B_ID, B_CLASS, B_X1, B_Y1, B_X2, B_Y2, B_RAD, B_CLASS_ID, B_NCOLS };
static const char *const box_cols[B_NCOLS] = {"image_id", "class_name", "x_min", "y_min",
					      "x_max", "y_max", "rad_id", "class_id"};
static const int box_optional[B_NCOLS] = {0, 0, 0, 0, 0, 0, 1, 1};

static int known_class(const struct cx_vindr_spec *s, const char *cls)
{
	if (!s->box_classes)
		return cls[0] != '\0';
	for (const char *const *c = s->box_classes; *c; c++)
		if (!strcmp(*c, cls))
			return 1;
	return 0;
}

/* Kaggle's class_id must be the one of its class_name. */
static int check_class_id(const struct cx_vindr_spec *s, struct cx_row *row,
			  struct cx_outcome *o)
{
	const char *id = row->v[B_CLASS_ID];
	if (!id || !s->kaggle_classes)
		return 0;
	char *end;
	long k = strtol(id, &end, 10);
	if (!id[0] || *end || k < 0 || (size_t)k >= s->nkaggle ||
	    strcmp(s->kaggle_classes[k], row->v[B_CLASS])) {
		*o = cx_rows_reject(row, "class_id '%s' is not the id of class '%s'", id,
				    row->v[B_CLASS]);
		return 1;
	}
	return 0;
}

/* The corners of a box row into b; 1 with *o the reject when they are not
 * four numbers making a box of positive area. */
static int parse_corners(struct cx_row *row, double *b, struct cx_outcome *o)
{
	for (int i = 0; i < 4; i++) {
		const char *c = row->v[B_X1 + i];
		if (cx_parse_double(c, &b[i]) || b[i] < 0) {
			*o = cx_rows_reject(row, "%s box value '%s' in column '%s'",
					    !c[0] ? "empty" : b[i] < 0 ? "negative" : "non-numeric",
					    c, box_cols[B_X1 + i]);
			return 1;
		}
	}
	if (b[2] <= b[0] || b[3] <= b[1]) {
		*o = cx_rows_reject(row, "invalid box %s,%s,%s,%s: zero area", row->v[B_X1],
				    row->v[B_Y1], row->v[B_X2], row->v[B_Y2]);
		return 1;
	}
	return 0;
}

static struct cx_outcome box_row(void *ctx, struct cx_row *row)
{
	struct vindr *r = ctx;
	struct cx_outcome o;
	const char *cls = row->v[B_CLASS];
	if (cx_rows_safe_name(row, "image_id", row->v[B_ID], CX_NAME_FILE, &o) ||
	    check_class_id(r->spec, row, &o))
		return o;
	struct box_row b = {.line = row->line};
	if (!strcmp(cls, NO_FINDING)) {
		for (int i = 0; i < 4; i++)
			if (row->v[B_X1 + i][0])
				return cx_rows_reject(row, "invalid box value '%s' in column '%s' of a '"
						      NO_FINDING "' row", row->v[B_X1 + i],
						      box_cols[B_X1 + i]);
	} else if (!known_class(r->spec, cls)) {
		return cx_rows_reject(row, "unknown value '%s' in column 'class_name'", cls);
	} else if (parse_corners(row, b.b, &o)) {
		return o;
	} else {
		b.cls = cx_strdup(cls);
	}
	if (r->nbr == r->capbr) {
		r->capbr = r->capbr ? 2 * r->capbr : 64;
		r->br = cx_realloc(r->br, r->capbr * sizeof *r->br);
	}
	b.id = cx_strdup(row->v[B_ID]);
	r->br[r->nbr++] = b;
	return cx_rows_defer();
}

static int read_boxes(struct cx_rows *rows, struct cx_release *rel, struct vindr *r,
		      struct cx_error *err)
{
	struct cx_csv_spec spec = {.file = r->boxes_file, .cols = box_cols,
				   .optional = box_optional, .ncols = B_NCOLS, .fn = box_row};
	return cx_rows_csv(rows, rel, &spec, err);
}

/* ---- one image: its labels, its boxes ---- */

static int cmp_label(const void *a, const void *b)
{
	const struct label_row *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* By image, class (No finding first), then line: a class's rows are a run. */
static int cmp_box(const void *a, const void *b)
{
	const struct box_row *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	if (!c)
		c = strcmp(x->cls ? x->cls : "", y->cls ? y->cls : "");
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/*
 * The labels of an image from its readers' rows: a finding is 1 when any
 * reader gives it (the image's boxes are every reader's, merged, so the two
 * agree), 0 when every reader who fills the cell gives 0, absent when none
 * does; the "none" label (column 0) is 1 only when every reader gives it and
 * no finding is 1.
 */
static size_t combine(const struct vindr *r, const struct label_row *l, size_t n,
		      struct cx_label *out)
{
	const struct cx_vindr_spec *s = r->spec;
	int any = 0;
	size_t k = 0;
	for (size_t c = 1; c < s->ncolumns; c++) {
		int v = -2;
		for (size_t i = 0; i < n; i++)
			v = l[i].v[c] > v ? l[i].v[c] : v;
		any |= v == 1;
		if (v != -2)
			out[k++] = (struct cx_label){s->columns[c].label, v};
	}
	int none = -2;
	for (size_t i = 0; i < n; i++)
		none = l[i].v[0] == -2 ? none : none == -2 ? l[i].v[0] : (l[i].v[0] && none);
	if (none != -2)
		out[k++] = (struct cx_label){s->columns[0].label, none && !any};
	return k;
}

static int emit_image(struct vindr *r, const char *id, const struct cx_label *labels,
		      size_t nlabels, struct cx_error *err)
{
	cx_buf_reset(&r->path);
	cx_buf_addf(&r->path, "%s/%s.dicom", r->split_dir, id);
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = id;
	f.path = r->path.data;
	f.patient = id; /* the release gives no patient id: image_id is the study */
	f.split = r->split;
	struct cx_labels_fact lf = {id, 0, labels, nlabels};
	if (cx_emit_image(r->sink, &f, err))
		return err->code;
	return nlabels ? cx_emit_labels(r->sink, &lf, err) : 0;
}

/* The boxes of one class of one image (rows b[0..n)): merged, each group
 * emitted and settled with its first row, its other rows kept with it. */
static int emit_class(struct cx_rows *rows, struct vindr *r, struct box_row *b, size_t n,
		      struct cx_error *err)
{
	double (*c)[4] = cx_calloc(n, sizeof *c);
	size_t *group = cx_calloc(n, sizeof *group);
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		memcpy(c[i], b[i].b, sizeof c[i]);
	cx_vindr_merge((const double(*)[4])c, n, group);
	for (size_t g = 0; g < n && !rc; g++) {
		if (group[g] != g)
			continue;
		double e[4] = {c[g][0], c[g][1], c[g][2], c[g][3]};
		for (size_t i = g + 1; i < n; i++)
			if (group[i] == g) {
				e[0] = fmin(e[0], c[i][0]);
				e[1] = fmin(e[1], c[i][1]);
				e[2] = fmax(e[2], c[i][2]);
				e[3] = fmax(e[3], c[i][3]);
			}
		struct cx_box_fact f = {b[g].id, b[g].cls, e[0], e[1], e[2] - e[0], e[3] - e[1],
					0, 0};
		struct cx_error ferr = {0};
		struct cx_outcome o = cx_rows_keep();
		struct cx_row row = {.file = r->boxes_file, .line = b[g].line};
		if (cx_emit_box(r->sink, &f, &ferr))
			o = cx_rows_reject(&row, "%s", ferr.msg);
		rc = cx_rows_settle(rows, r->boxes_file, b[g].line, o, err);
		cx_buf_release(&row.reason);
		for (size_t i = g + 1; i < n && !rc; i++)
			if (group[i] == g)
				rc = cx_rows_settle(rows, r->boxes_file, b[i].line, o, err);
	}
	free(c);
	free(group);
	return rc;
}

/* The box rows of one image (b[0..n), sorted by class): "No finding" rows
 * kept, each class merged. */
static int emit_boxes(struct cx_rows *rows, struct vindr *r, struct box_row *b, size_t n,
		      struct cx_error *err)
{
	int rc = 0;
	for (size_t i = 0; i < n && !rc;) {
		size_t j = i + 1;
		if (!b[i].cls) {
			rc = cx_rows_settle(rows, r->boxes_file, b[i].line, cx_rows_keep(), err);
			i = j;
			continue;
		}
		while (j < n && b[j].cls && !strcmp(b[j].cls, b[i].cls))
			j++;
		rc = emit_class(rows, r, b + i, j - i, err);
		i = j;
	}
	return rc;
}

static int reject_with(struct cx_rows *rows, struct vindr *r, const struct box_row *b,
		       size_t n, const char *why, struct cx_error *err);

/* Box rows of an image no label row names: rejected. */
static int reject_boxes(struct cx_rows *rows, struct vindr *r, struct box_row *b, size_t n,
			struct cx_error *err)
{
	struct cx_buf why = CX_BUF_INIT;
	cx_buf_addf(&why, "image_id '%s' is not in %s", b[0].id, r->labels_file);
	int rc = reject_with(rows, r, b, n, why.data, err);
	cx_buf_release(&why);
	return rc;
}

/* One image of the label file (rows l[0..nl)) and its box rows b[0..nb). */
static int emit_one(struct cx_rows *rows, struct vindr *r, struct label_row *l, size_t nl,
		    struct box_row *b, size_t nb, struct cx_error *err)
{
	struct cx_label labels[MAX_COLUMNS];
	size_t k = combine(r, l, nl, labels);
	struct cx_error ferr = {0};
	struct cx_row row = {.file = r->labels_file, .line = l[0].line};
	struct cx_outcome o = cx_rows_keep();
	if (emit_image(r, l[0].id, labels, k, &ferr))
		o = cx_rows_reject(&row, "%s", ferr.msg);
	int rc = cx_rows_settle(rows, r->labels_file, l[0].line, o, err);
	for (size_t i = 1; i < nl && !rc; i++)
		rc = cx_rows_settle(rows, r->labels_file, l[i].line, o, err);
	cx_buf_release(&row.reason);
	if (!rc)
		rc = o.kind == CX_ROW_KEPT ? emit_boxes(rows, r, b, nb, err)
					   : reject_with(rows, r, b, nb, ferr.msg, err);
	return rc;
}

/* Walks the label rows and box rows of a split together, by image_id. */
static int emit_split(struct cx_rows *rows, struct vindr *r, struct cx_error *err)
{
	if (r->nlr)
		qsort(r->lr, r->nlr, sizeof *r->lr, cmp_label);
	if (r->nbr)
		qsort(r->br, r->nbr, sizeof *r->br, cmp_box);
	size_t i = 0, j = 0;
	int rc = 0;
	while (!rc && (i < r->nlr || j < r->nbr)) {
		const char *id = i < r->nlr ? r->lr[i].id : NULL;
		if (!id || (j < r->nbr && strcmp(r->br[j].id, id) < 0))
			id = r->br[j].id;
		size_t i2 = i, j2 = j;
		while (i2 < r->nlr && !strcmp(r->lr[i2].id, id))
			i2++;
		while (j2 < r->nbr && !strcmp(r->br[j2].id, id))
			j2++;
		/* no pointer arithmetic on an empty (NULL) array */
		struct box_row *b = j2 > j ? r->br + j : NULL;
		if (i2 > i)
			rc = emit_one(rows, r, r->lr + i, i2 - i, b, j2 - j, err);
		else
			rc = reject_boxes(rows, r, b, j2 - j, err);
		i = i2;
		j = j2;
	}
	return rc;
}

/* ---- Kaggle's train.csv: the labels come from the box rows ---- */

/* The label row a box row stands for: its class positive, "No finding" as
 * released, every other class train.csv has 0 (a reader who boxed nothing
 * of a class saw none); the vocabulary's labels that train.csv does not
 * carry (the global diagnoses) stay absent. */
static void label_of_box(const struct cx_vindr_spec *s, const struct box_row *b,
			 struct label_row *l)
{
	for (size_t c = 0; c < s->ncolumns; c++) {
		int local = c == 0;
		for (size_t k = 0; k + 1 < s->nkaggle && !local; k++)
			local = !strcmp(s->kaggle_classes[k], s->columns[c].label);
		if (!local)
			l->v[c] = -2;
		else if (c == 0)
			l->v[c] = !b->cls;
		else
			l->v[c] = b->cls && !strcmp(b->cls, s->columns[c].label);
	}
}

/* Rejects the rows b[0..n) with the reason why. */
static int reject_with(struct cx_rows *rows, struct vindr *r, const struct box_row *b,
		       size_t n, const char *why, struct cx_error *err)
{
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		struct cx_outcome o = {CX_ROW_REJECTED, why};
		rc = cx_rows_settle(rows, r->boxes_file, b[i].line, o, err);
	}
	return rc;
}

/* One image of train.csv (its rows b[0..n)): the image and the labels its
 * rows give, written with its first settled row, then its boxes. */
static int kaggle_one(struct cx_rows *rows, struct vindr *r, struct box_row *b, size_t n,
		      struct cx_error *err)
{
	struct label_row *l = cx_calloc(n, sizeof *l);
	for (size_t i = 0; i < n; i++)
		label_of_box(r->spec, &b[i], &l[i]);
	struct cx_label labels[MAX_COLUMNS];
	size_t k = combine(r, l, n, labels);
	free(l);
	struct cx_error ferr = {0};
	if (emit_image(r, b[0].id, labels, k, &ferr))
		return reject_with(rows, r, b, n, ferr.msg, err);
	return emit_boxes(rows, r, b, n, err);
}

static int read_kaggle(struct cx_rows *rows, struct cx_release *rel, struct vindr *r,
		       struct cx_error *err)
{
	r->split_dir = "train";
	r->split = CX_SPLIT_TRAIN;
	r->labels_file = r->boxes_file = KAGGLE_CSV;
	int rc = read_boxes(rows, rel, r, err);
	if (!rc && r->nbr)
		qsort(r->br, r->nbr, sizeof *r->br, cmp_box);
	for (size_t i = 0; !rc && i < r->nbr;) {
		size_t j = i + 1;
		while (j < r->nbr && !strcmp(r->br[j].id, r->br[i].id))
			j++;
		rc = kaggle_one(rows, r, r->br + i, j - i, err);
		i = j;
	}
	held_free(r);
	return rc;
}

/* ---- the release ---- */

/* The folder of the release's CSVs: "annotations/" (VinDr-CXR) or the root
 * (VinDr-PCXR), whichever holds an image labels or annotations file. */
static const char *csv_dir(struct cx_release *rel)
{
	static const char *const files[] = {"image_labels_train.csv", "image_labels_test.csv",
					    "annotations_train.csv", "annotations_test.csv"};
	char name[64];
	for (size_t i = 0; i < CX_ARRAY_LEN(files); i++) {
		snprintf(name, sizeof name, "annotations/%s", files[i]);
		if (cx_release_exists(rel, name))
			return "annotations/";
	}
	return "";
}

static int read_split(struct cx_rows *rows, struct cx_release *rel, struct vindr *r,
		      const char *split, struct cx_error *err)
{
	struct cx_buf lname = CX_BUF_INIT, bname = CX_BUF_INIT;
	const char *dir = csv_dir(rel);
	int rc = 0;
	cx_buf_addf(&lname, "%simage_labels_%s.csv", dir, split);
	cx_buf_addf(&bname, "%sannotations_%s.csv", dir, split);
	int have_labels = cx_release_exists(rel, lname.data);
	int have_boxes = cx_release_exists(rel, bname.data);
	if (have_labels && have_boxes) {
		r->split_dir = split;
		r->split = strcmp(split, "test") ? CX_SPLIT_TRAIN : CX_SPLIT_TEST;
		r->labels_file = lname.data;
		r->boxes_file = bname.data;
		rc = read_labels(rows, rel, r, err);
		if (!rc)
			rc = read_boxes(rows, rel, r, err);
		if (!rc)
			rc = emit_split(rows, r, err);
	} else if (have_labels || have_boxes) {
		rc = cx_error_set(err, CX_ENOTFOUND, "%s: missing file '%s'", cx_release_path(rel),
				  have_labels ? bname.data : lname.data);
	}
	held_free(r);
	cx_buf_release(&lname);
	cx_buf_release(&bname);
	return rc;
}

/* The first line of file holds column col. */
static int header_has(struct cx_release *rel, const char *file, const char *col)
{
	struct cx_stream *st;
	struct cx_error err = {0};
	char head[4096];
	if (cx_release_open_file(rel, file, &st, &err))
		return 0;
	long n = cx_stream_read(st, head, sizeof head - 1, &err);
	cx_stream_close(st);
	if (n <= 0)
		return 0;
	head[n] = '\0';
	head[strcspn(head, "\r\n")] = '\0';
	size_t k = strlen(col);
	for (char *p = head; (p = strstr(p, col)); p += k)
		if ((p == head || p[-1] == ',' || p[-1] == '"') &&
		    (p[k] == '\0' || p[k] == ',' || p[k] == '"'))
			return 1;
	return 0;
}

int cx_vindr_probe(struct cx_release *rel, const struct cx_vindr_spec *spec)
{
	static const char *const labels[] = {"annotations/image_labels_train.csv",
					     "image_labels_train.csv"};
	for (size_t i = 0; i < CX_ARRAY_LEN(labels); i++)
		if (cx_release_locate(rel, labels[i]))
			return header_has(rel, labels[i], spec->probe_column);
	if (!spec->kaggle_classes || !cx_release_locate(rel, KAGGLE_CSV))
		return 0;
	return header_has(rel, KAGGLE_CSV, "class_id") && header_has(rel, KAGGLE_CSV, "rad_id") &&
	       header_has(rel, KAGGLE_CSV, "class_name");
}

int cx_vindr_read(struct cx_release *rel, const struct cx_sink *sink,
		  const struct cx_vindr_spec *spec, struct cx_error *err)
{
	struct vindr r = {.spec = spec, .sink = sink};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	struct cx_buf name = CX_BUF_INIT;
	int rc;
	if (spec->ncolumns > MAX_COLUMNS)
		return cx_error_set(err, CX_EINVAL, "vindr: more than %d label columns",
				    MAX_COLUMNS);
	const char *dir = csv_dir(rel);
	cx_buf_addf(&name, "%simage_labels_train.csv", dir);
	int physionet = cx_release_exists(rel, name.data);
	cx_buf_reset(&name);
	cx_buf_addf(&name, "%simage_labels_test.csv", dir);
	physionet |= cx_release_exists(rel, name.data);
	if (physionet) {
		rc = read_split(&rows, rel, &r, "train", err);
		if (!rc)
			rc = read_split(&rows, rel, &r, "test", err);
	} else if (spec->kaggle_classes && cx_release_exists(rel, KAGGLE_CSV)) {
		rc = read_kaggle(&rows, rel, &r, err);
	} else {
		rc = cx_error_set(err, CX_ENOTFOUND, "%s: missing file"
				  " 'annotations/image_labels_train.csv'", cx_release_path(rel));
	}
	cx_buf_release(&name);
	cx_buf_release(&r.path);
	return rc;
}

/*
 * nih-chestxray14.c - the NIH ChestX-ray14 adapter (Data_Entry_2017.csv or its
 * v2020 revision, the official split lists, BBox_List_2017.csv).
 *
 * The split lists come first: they are the only split the release has, and
 * every image of Data_Entry must be in one of them. Their 112k short names are
 * held in one sorted array (about 5 MB) searched with bsearch; the same array
 * remembers which images Data_Entry kept, so that a box of an unknown or
 * rejected image is refused here and not only by the catalogue. Data_Entry
 * rows become image facts with image-level labels (positive findings only:
 * the release has no negative or uncertain values); BBox_List rows become
 * boxes. See sources/nih-chestxray14.md for layout and rules.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/rows.h"
#include "io/release.h"

#define ENTRY_V2020 "Data_Entry_2017_v2020.csv"
#define ENTRY_2017 "Data_Entry_2017.csv"
#define TRAIN_LIST "train_val_list.txt"
#define TEST_LIST "test_list.txt"
#define BBOX_CSV "BBox_List_2017.csv"
/* BBox_List's coordinates are pixels of the released 1024 x 1024 PNGs, the
 * frame of every box whatever the size of the file on disk (224 and 512 px
 * copies circulate): the renderer normalises by it (issue 11). */
#define NIH_FRAME 1024

/* The 14 findings of Finding Labels; "No Finding" stands alone. */
static const char *const findings[] = {
	"Atelectasis", "Cardiomegaly", "Consolidation", "Edema",
	"Effusion",    "Emphysema",    "Fibrosis",      "Hernia",
	"Infiltration", "Mass",        "Nodule",        "Pleural_Thickening",
	"Pneumonia",   "Pneumothorax",
};
#define NO_FINDING "No Finding"

/* The 8 box classes of BBox_List, spelled as released ("Infiltrate"). */
static const char *const box_labels[] = {
	"Atelectasis", "Cardiomegaly", "Effusion", "Infiltrate",
	"Mass",        "Nodule",       "Pneumonia", "Pneumothorax",
};

static int in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

/* An image name of the split lists; split NONE marks a name listed in both. */
struct image_entry {
	char *name;
	unsigned char split;
	unsigned char kept; /* Data_Entry kept the image: boxes may refer to it */
};

struct lookup {
	struct image_entry *e;
	size_t n, cap;
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct image_entry *)a)->name,
		      ((const struct image_entry *)b)->name);
}

static void lookup_add(struct lookup *l, const char *name, enum cx_split split)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->e = cx_realloc(l->e, l->cap * sizeof(*l->e));
	}
	l->e[l->n++] = (struct image_entry){cx_strdup(name), (unsigned char)split, 0};
}

/* Sorts and merges repeated names; a name in both lists gets split NONE. */
static void lookup_finish(struct lookup *l)
{
	if (!l->n)
		return;
	qsort(l->e, l->n, sizeof(*l->e), cmp_entry);
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (k && !strcmp(l->e[k - 1].name, l->e[i].name)) {
			if (l->e[k - 1].split != l->e[i].split)
				l->e[k - 1].split = CX_SPLIT_NONE;
			free(l->e[i].name);
		} else {
			l->e[k++] = l->e[i];
		}
	}
	l->n = k;
}

static struct image_entry *lookup_find(const struct lookup *l, const char *name)
{
	if (!l->n)
		return NULL;
	struct image_entry key = {(char *)name, 0, 0};
	return bsearch(&key, l->e, l->n, sizeof(*l->e), cmp_entry);
}

static void lookup_free(struct lookup *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].name);
	free(l->e);
}

/* The split list being read into the lookup. */
struct list_ctx {
	struct lookup *l;
	enum cx_split split;
};

/* A line of a split list: each word is an image name (one per line in the
 * release; blank lines are skipped by the helper). */
static struct cx_outcome list_line(void *ctx, struct cx_row *row)
{
	struct list_ctx *lc = ctx;
	for (size_t i = 0; i < row->n; i++)
		lookup_add(lc->l, row->v[i], lc->split);
	return cx_rows_keep();
}

/* One split list. Its lines are an index, not rows: they are not counted
 * (the images are, once, as Data_Entry rows); only a line over the line cap
 * is a row, rejected (rows.h), hence the sink. */
static int read_list(struct cx_release *rel, const struct cx_sink *sink, const char *file,
		     enum cx_split split, struct lookup *l, struct cx_error *err)
{
	if (!cx_release_exists(rel, file))
		return cx_error_set(err, CX_ENOTFOUND,
				    "%s: missing file '%s' (the official split list, one image "
				    "name per line)", cx_release_path(rel), file);
	struct list_ctx lc = {l, split};
	struct cx_rows rows = {.sink = sink, .ctx = &lc};
	struct cx_list_spec spec = {.file = file, .index = 1, .fn = list_line};
	return cx_rows_list(&rows, rel, &spec, err);
}

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	struct lookup images;
	const char *entry_file;
	struct cx_buf path;
	int hint; /* the images_NNN/ folder that held the last image, 0 for none */
	int misses; /* images found nowhere in a row, while no Kaggle folder was seen */
};

/* After this many images found in no place at all, and never one in a Kaggle
 * folder, the twelve images_NNN/ guesses stop: the release has no images
 * here (a benchmark, or images kept elsewhere), and each guess is a stat. */
#define NESTING_GIVE_UP 64

/*
 * Where an image lives: images/<name> (a folder or the members of the
 * images_NNN.tar.gz layers), else Kaggle's images_NNN/images/<name>; the
 * default is images/<name>, which the catalogue refuses if it is missing.
 * The folder of the last hit is tried first: Data_Entry is in name order and
 * each Kaggle folder holds a run of names.
 */
static int try_path(struct reader *r, int folder, const char *name, struct cx_buf *out)
{
	cx_buf_reset(out);
	if (folder)
		cx_buf_addf(out, "images_%03d/images/%s", folder, name);
	else
		cx_buf_addf(out, "images/%s", name);
	return cx_release_exists(r->rel, out->data);
}

static void image_path(struct reader *r, const char *name, struct cx_buf *out)
{
	if (try_path(r, 0, name, out) || (r->hint && try_path(r, r->hint, name, out)))
		return;
	for (int folder = 1; folder <= 12 && (r->hint || r->misses < NESTING_GIVE_UP); folder++)
		if (folder != r->hint && try_path(r, folder, name, out)) {
			r->hint = folder;
			return;
		}
	r->misses++;
	try_path(r, 0, name, out);
}

/*
 * Finding Labels: '|'-separated findings, or exactly "No Finding". Fills
 * labels (names point into the vocabulary) and returns their number, or -1
 * with a reason in why.
 */
static int parse_findings(const char *value, struct cx_label *labels, char *why, size_t whysz)
{
	if (!strcmp(value, NO_FINDING)) {
		labels[0] = (struct cx_label){NO_FINDING, CX_LABEL_POS};
		return 1;
	}
	int n = 0;
	const char *p = value;
	for (;;) {
		size_t len = strcspn(p, "|");
		const char *hit = NULL;
		for (size_t i = 0; i < CX_ARRAY_LEN(findings) && !hit; i++)
			if (strlen(findings[i]) == len && !strncmp(findings[i], p, len))
				hit = findings[i];
		if (!hit) {
			snprintf(why, whysz, "unknown finding '%.*s' in column 'Finding Labels'",
				 (int)len, p);
			return -1;
		}
		for (int i = 0; i < n; i++)
			if (labels[i].name == hit) {
				snprintf(why, whysz,
					 "finding '%s' repeated in column 'Finding Labels'", hit);
				return -1;
			}
		labels[n++] = (struct cx_label){hit, CX_LABEL_POS};
		if (!p[len])
			return n;
		p += len + 1;
	}
}

/* Age in years as released; "058Y" (said to occur in older copies) is read
 * too. Ages over 120 (the 2017 file is said to hold 4xx typos) become unknown. */
static int parse_age(const char *v, int *out)
{
	char buf[16];
	size_t n = strlen(v);
	if (n == 0 || n >= sizeof(buf) || strspn(v, "0123456789") < n - (v[n - 1] == 'Y'))
		return -1;
	memcpy(buf, v, n + 1);
	if (buf[n - 1] == 'Y')
		buf[n - 1] = '\0';
	long a;
	if (cx_parse_long(buf, &a))
		return -1;
	*out = a > 120 ? -1 : (int)a;
	return 0;
}

static int all_digits(const char *s)
{
	return s[0] && strspn(s, "0123456789") == strlen(s);
}

/* Columns of Data_Entry, bound by name. */
enum { E_IMAGE, E_LABELS, E_PATIENT, E_AGE, E_SEX, E_VIEW, E_NCOLS };
static const char *const entry_names[E_NCOLS] = {
	"Image Index", "Finding Labels", "Patient ID", "Patient Age", "Patient Gender",
	"View Position",
};

/* Checks the metadata of one Data_Entry row into f; 0, or -1 with the reason
 * in why. */
static int entry_meta(const char *const *col, struct cx_image_fact *f, char *why, size_t whysz)
{
	const char *v = col[E_PATIENT];
	const char *bad = NULL;
	if (!all_digits(v)) {
		bad = "Patient ID";
	} else {
		f->patient = v;
		v = col[E_AGE];
		if (parse_age(v, &f->age))
			bad = "Patient Age";
	}
	if (!bad) {
		v = col[E_SEX];
		if (strcmp(v, "M") && strcmp(v, "F"))
			bad = "Patient Gender";
		f->sex = v;
	}
	if (!bad) {
		v = col[E_VIEW];
		if (strcmp(v, "PA") && strcmp(v, "AP"))
			bad = "View Position";
		f->view = v;
	}
	if (bad)
		snprintf(why, whysz, "invalid value '%s' in column '%s'", v, bad);
	return bad ? -1 : 0;
}

/*
 * One Data_Entry row. Its field count (the header's bracketed names split
 * in two, and rows may end in an empty field, a trailing comma) and UTF-8
 * are checked by the helper (CX_FIELDS_NAMED).
 */
static struct cx_outcome entry_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *name = row->v[E_IMAGE];
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "Image Index", name, CX_NAME_FILE, &o))
		return o;
	struct image_entry *e = lookup_find(&r->images, name);
	if (!e)
		return cx_rows_reject(row, "image '%s' is in neither %s nor %s", name, TRAIN_LIST,
				      TEST_LIST);
	if (e->split == CX_SPLIT_NONE)
		return cx_rows_reject(row, "image '%s' is in both %s and %s", name, TRAIN_LIST,
				      TEST_LIST);
	char why[300];
	struct cx_label labels[CX_ARRAY_LEN(findings)];
	int nl = parse_findings(row->v[E_LABELS], labels, why, sizeof(why));
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	if (nl < 0 || entry_meta(row->v, &f, why, sizeof(why)))
		return cx_rows_reject(row, "%s", why);
	image_path(r, name, &r->path);
	f.key = name;
	f.path = r->path.data;
	f.split = (enum cx_split)e->split;
	struct cx_labels_fact lf = {name, 0, labels, (size_t)nl};
	struct cx_error err = {0};
	if (cx_emit_image(r->sink, &f, &err) || cx_emit_labels(r->sink, &lf, &err))
		return cx_rows_reject(row, "%s", err.msg);
	e->kept = 1;
	return cx_rows_keep();
}

static int read_entries(struct cx_rows *rows, struct cx_error *err)
{
	struct reader *r = rows->ctx;
	r->entry_file = cx_release_exists(r->rel, ENTRY_V2020) ? ENTRY_V2020 : ENTRY_2017;
	struct cx_csv_spec spec = {
		.file = r->entry_file,
		.cols = entry_names,
		.ncols = E_NCOLS,
		.fields = CX_FIELDS_NAMED,
		.fn = entry_row,
	};
	return cx_rows_csv(rows, r->rel, &spec, err);
}

/*
 * One BBox_List row: image, label, then x, y, w, h under the header's
 * "Bbox [x,y,w,h]" (split into four columns, followed by ",,,": unnamed
 * columns whose fields may be absent or empty, CX_FIELDS_NAMED).
 */
static struct cx_outcome box_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *name = row->v[0], *label = row->v[1];
	if (!in_list(box_labels, CX_ARRAY_LEN(box_labels), label))
		return cx_rows_reject(row, "unknown box label '%s'", label);
	static const char *const coord[] = {"x", "y", "w", "h"};
	double v[4];
	for (int i = 0; i < 4; i++) {
		const char *cell = row->v[2 + i];
		if (cx_parse_double(cell, &v[i]))
			return cx_rows_reject(row, "non-numeric box %s '%s'", coord[i], cell);
		if (v[i] < 0 || (i >= 2 && v[i] == 0))
			return cx_rows_reject(row, "%s box %s '%s'",
					      v[i] < 0 ? "negative" : "empty", coord[i], cell);
	}
	struct image_entry *e = lookup_find(&r->images, name);
	if (!e || !e->kept)
		return cx_rows_reject(row, "box of image '%s' not kept from %s", name,
				      r->entry_file);
	struct cx_box_fact b = {name, label, v[0], v[1], v[2], v[3], NIH_FRAME, NIH_FRAME};
	struct cx_error err = {0};
	if (cx_emit_box(r->sink, &b, &err))
		return cx_rows_reject(row, "%s", err.msg);
	return cx_rows_keep();
}

static int read_boxes(struct cx_rows *rows, struct cx_error *err)
{
	struct reader *r = rows->ctx;
	if (!cx_release_exists(r->rel, BBOX_CSV))
		return 0;
	static const char *const names[] = {"Image Index", "Finding Label", "Bbox [x", "y", "w",
					    "h]"};
	struct cx_csv_spec spec = {
		.file = BBOX_CSV,
		.cols = names,
		.ncols = CX_ARRAY_LEN(names),
		.fields = CX_FIELDS_NAMED,
		.fn = box_row,
	};
	return cx_rows_csv(rows, r->rel, &spec, err);
}

static int nih_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	struct reader r = {.rel = rel, .sink = sink};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = read_list(rel, sink, TRAIN_LIST, CX_SPLIT_TRAIN, &r.images, err);
	if (rc == 0)
		rc = read_list(rel, sink, TEST_LIST, CX_SPLIT_TEST, &r.images, err);
	if (rc == 0) {
		lookup_finish(&r.images);
		rc = read_entries(&rows, err);
	}
	if (rc == 0)
		rc = read_boxes(&rows, err);
	lookup_free(&r.images);
	cx_buf_release(&r.path);
	return rc;
}

static int nih_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, ENTRY_V2020) || cx_release_locate(rel, ENTRY_2017);
}

static const struct cx_entry_def entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_image},
	{.task = "abnormality-grounding", .rule = &cx_rule_boxes},
};

const struct cx_adapter cx_adapter_nih_chestxray14 = {
	.id = "nih-chestxray14",
	.dataset = "ChestX-ray14",
	.versions = "2017, v2020 labels",
	.license = "CC0 1.0 (Kaggle mirror); NIH Clinical Center: unrestricted use, "
		   "citation requested",
	.access = "public",
	.labels = &cx_vocab_chestxray14,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = nih_probe,
	.read = nih_read,
};

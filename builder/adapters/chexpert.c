/*
 * chexpert.c - the CheXpert adapter (v1.0 and v1.0-small, plus the test-set
 * labels of rajpurkarlab/cheXpert-test-set-labels).
 *
 * train.csv and valid.csv hold one row per image: the image path with the
 * archive's top folder in front, sex, age, view and the 14 CheXpert labels.
 * Each row becomes an image fact, its study and its image-level labels.
 * The test set has no per-image CSV: groundtruth.csv gives labels per study,
 * and the images are found by walking the .jpg files under test/, so each
 * image of a labelled study gets its study's labels. See sources/chexpert.md
 * for the layout and the reject and filter rules.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/chexpert-labels.h"
#include "adapters/rows.h"
#include "io/csv.h"
#include "io/release.h"

#define TRAIN_CSV "train.csv"
#define VALID_CSV "valid.csv"
#define TEST_CSV "groundtruth.csv"
#define TEST_IMAGES "test/patient*/study*/*.jpg"

/* Path and Study values carry the archive's top folder; either is stripped. */
static const char *const prefixes[] = {"CheXpert-v1.0-small/", "CheXpert-v1.0/"};

static const char *strip_prefix(const char *path)
{
	for (size_t i = 0; i < CX_ARRAY_LEN(prefixes); i++)
		if (cx_str_starts(path, prefixes[i]))
			return path + strlen(prefixes[i]);
	return NULL;
}

/* The '/'-separated parts of a path (at most four). */
struct parts {
	char buf[512];
	const char *comp[4];
	size_t n;
};

/* 0 when path has one to four non-empty parts and fits the buffer. */
static int split_path(const char *path, struct parts *p)
{
	if (strlen(path) >= sizeof(p->buf))
		return -1;
	strcpy(p->buf, path);
	p->n = 0;
	for (char *s = p->buf, *slash; s; s = slash ? slash + 1 : NULL) {
		slash = strchr(s, '/');
		if (slash)
			*slash = '\0';
		if (!*s || p->n == CX_ARRAY_LEN(p->comp))
			return -1;
		p->comp[p->n++] = s;
	}
	return 0;
}

/* "patient" or "study" followed by digits only. */
static int numbered(const char *s, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(s, word, n) || !s[n])
		return 0;
	return strspn(s + n, "0123456789") == strlen(s + n);
}

/*
 * Image key, study key and patient of one Path value. The key is the path
 * without the archive's top folder; it must lie under `folder`.
 */
struct names {
	const char *key;
	char study[512];
	char patient[64];
};

static const char *parse_image_path(const char *value, const char *folder, struct names *nm)
{
	nm->key = strip_prefix(value);
	if (!nm->key)
		return "does not start with CheXpert-v1.0-small/ or CheXpert-v1.0/";
	struct parts p;
	if (split_path(nm->key, &p) || p.n != 4 || !numbered(p.comp[1], "patient") ||
	    !numbered(p.comp[2], "study") || !cx_str_ends(p.comp[3], ".jpg") ||
	    strlen(p.comp[1]) >= sizeof(nm->patient))
		return "is not <folder>/patientN/studyN/<view>.jpg";
	if (strcmp(p.comp[0], folder))
		return strcmp(folder, "train") ? "is not under valid/" : "is not under train/";
	snprintf(nm->study, sizeof(nm->study), "%s/%s/%s", p.comp[0], p.comp[1], p.comp[2]);
	strcpy(nm->patient, p.comp[1]);
	return NULL;
}

/* Columns of train.csv and valid.csv, bound by name. */
enum { C_PATH, C_SEX, C_AGE, C_FL, C_APPA, C_LABEL0, C_NCOLS = C_LABEL0 + CX_CHEXPERT_NLABELS };

static const char *const meta_names[C_LABEL0] = {
	"Path", "Sex", "Age", "Frontal/Lateral", "AP/PA",
};

static void index_columns(const char **names)
{
	for (int i = 0; i < C_LABEL0; i++)
		names[i] = meta_names[i];
	for (int i = 0; i < CX_CHEXPERT_NLABELS; i++)
		names[C_LABEL0 + i] = cx_chexpert_labels[i];
}

/* Sex: Female/Male, Unknown or blank -> NULL. Returns 0 when valid. */
static int parse_sex(const char *v, const char **out)
{
	if (!strcmp(v, "Female"))
		*out = "F";
	else if (!strcmp(v, "Male"))
		*out = "M";
	else if (!strcmp(v, "Unknown") || !v[0])
		*out = NULL;
	else
		return -1;
	return 0;
}

/* Age in whole years; 0 and blank mean unknown (-1). */
static int parse_age(const char *v, int *out)
{
	long a;
	*out = -1;
	if (!v[0])
		return 0;
	if (cx_parse_long(v, &a) || a < 0 || a > 200)
		return -1;
	if (a > 0)
		*out = (int)a;
	return 0;
}

/*
 * The view: a frontal row takes its AP/PA value when it is AP or PA, a
 * lateral row is "LATERAL" whatever its file name says. A frontal row whose
 * AP/PA is LL or RL gets no view (NULL), as does a blank AP/PA: the real
 * train list has 16 such rows, files named *_frontal.jpg and marked Frontal,
 * so both say the image is frontal, while "LL" in the catalogue's views is a
 * left lateral projection (MIMIC-CXR's ViewPosition); storing it would teach
 * a frontal image as lateral (issue 11, sources/chexpert.md). Returns -1
 * when valid, else the column at fault (C_FL or C_APPA).
 */
static int parse_view(const char *fl, const char *appa, const char **out)
{
	static const char *const frontal[] = {"AP", "PA", "LL", "RL"};
	static const char *const shown[] = {"AP", "PA", NULL, NULL};
	*out = NULL;
	if (!strcmp(fl, "Lateral")) {
		*out = "LATERAL";
		return -1;
	}
	if (strcmp(fl, "Frontal"))
		return C_FL;
	if (!appa[0])
		return -1;
	for (size_t i = 0; i < CX_ARRAY_LEN(frontal); i++)
		if (!strcmp(appa, frontal[i])) {
			*out = shown[i];
			return -1;
		}
	return C_APPA;
}

struct test_images;

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	const char *folder;       /* train or valid: the folder of the CSV being read */
	enum cx_split split;      /* and its split */
	struct test_images *test; /* the test images, while groundtruth.csv is read */
	char last_study[512];     /* the study of the previous row */
};

/*
 * Emits the study fact when the study differs from the previous row's: the
 * rows of a study are adjacent in the release, and should they not be, the
 * catalogue upserts a repeated study fact (and an image fact names its study
 * anyway), so nothing is lost and nothing has to be remembered.
 */
static int new_study(struct reader *r, const char *key, const char *patient, enum cx_split split,
		     struct cx_error *err)
{
	if (!strcmp(r->last_study, key))
		return 0;
	struct cx_study_fact st = {key, patient, split};
	int rc = cx_emit_study(r->sink, &st, err);
	if (rc == 0)
		snprintf(r->last_study, sizeof(r->last_study), "%s", key);
	return rc;
}

/* One row of train.csv or valid.csv (field count and UTF-8 checked by the
 * helper). */
static struct cx_outcome index_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *const *col = row->v;
	const char *path = col[C_PATH];
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "Path", path, CX_NAME_PATH, &o))
		return o;
	struct names nm;
	const char *bad = parse_image_path(path, r->folder, &nm);
	if (bad)
		return cx_rows_reject(row, "Path '%s' %s", path, bad);
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	const char *v = col[C_SEX];
	if (parse_sex(v, &f.sex))
		return cx_rows_reject(row, "unknown value '%s' in column 'Sex'", v);
	v = col[C_AGE];
	if (parse_age(v, &f.age))
		return cx_rows_reject(row, "invalid age '%s' in column 'Age'", v);
	const char *fl = col[C_FL], *appa = col[C_APPA];
	int badcol = parse_view(fl, appa, &f.view);
	if (badcol >= 0)
		return cx_rows_reject(row, "unknown value '%s' in column '%s'",
				      badcol == C_APPA ? appa : fl, meta_names[badcol]);
	struct cx_label labels[CX_CHEXPERT_NLABELS];
	int cell, got = cx_chexpert_row(&col[C_LABEL0], labels, &cell);
	if (got < 0)
		return cx_rows_reject(row, "unknown label value '%s' in column '%s'",
				      col[C_LABEL0 + cell], cx_chexpert_labels[cell]);
	size_t nl = (size_t)got;
	f.key = nm.key;
	f.path = nm.key;
	f.patient = nm.patient;
	f.study = nm.study;
	f.split = r->split;
	struct cx_labels_fact lf = {nm.key, 0, labels, nl};
	struct cx_error err = {0};
	if (new_study(r, nm.study, nm.patient, r->split, &err) ||
	    cx_emit_image(r->sink, &f, &err) || (nl && cx_emit_labels(r->sink, &lf, &err)))
		return cx_rows_reject(row, "%s", err.msg);
	return cx_rows_keep();
}

static int read_index(struct cx_rows *rows, const char *file, const char *folder,
		      enum cx_split split, struct cx_error *err)
{
	struct reader *r = rows->ctx;
	const char *names[C_NCOLS];
	index_columns(names);
	struct cx_csv_spec spec = {.file = file, .cols = names, .ncols = C_NCOLS, .fn = index_row};
	r->folder = folder;
	r->split = split;
	return cx_rows_csv(rows, r->rel, &spec, err);
}

/* The test images found in the release, sorted by name, each used at most once. */
struct test_images {
	char **name;
	unsigned char *used;
	size_t n, cap;
};

static int collect_image(void *ctx, const char *name, struct cx_stream *s)
{
	(void)s;
	struct test_images *t = ctx;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->name = cx_realloc(t->name, t->cap * sizeof(*t->name));
	}
	t->name[t->n++] = cx_strdup(name);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks the test images; the same name in two layers counts once. */
static int find_test_images(struct cx_release *rel, struct test_images *t, struct cx_error *err)
{
	int rc = cx_release_walk(rel, TEST_IMAGES, collect_image, t, err);
	if (rc)
		return rc;
	if (t->n)
		qsort(t->name, t->n, sizeof(*t->name), cmp_name);
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (k && !strcmp(t->name[k - 1], t->name[i]))
			free(t->name[i]);
		else
			t->name[k++] = t->name[i];
	}
	t->n = k;
	t->used = cx_calloc(t->n ? t->n : 1, 1);
	return 0;
}

static void test_images_free(struct test_images *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->name[i]);
	free(t->name);
	free(t->used);
}

/* Index of the first image whose name is >= prefix. */
static size_t lower_bound(const struct test_images *t, const char *prefix)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(t->name[mid], prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Study value of groundtruth.csv: "CheXpert-v1.0/test/patientN/studyN". */
static const char *parse_study(const char *value, char *key, size_t keysz, char *patient,
			       size_t patsz)
{
	const char *rest = strip_prefix(value);
	if (!rest)
		return "does not start with CheXpert-v1.0/ or CheXpert-v1.0-small/";
	struct parts p;
	if (split_path(rest, &p) || p.n != 3 || strcmp(p.comp[0], "test") ||
	    !numbered(p.comp[1], "patient") || !numbered(p.comp[2], "study") ||
	    strlen(rest) >= keysz || strlen(p.comp[1]) >= patsz)
		return "is not test/patientN/studyN";
	strcpy(key, rest);
	strcpy(patient, p.comp[1]);
	return NULL;
}

/* Gives each image of the study its labels. Returns 0, or < 0 with err set. */
static int emit_test_study(struct reader *r, struct test_images *t, size_t first, size_t last,
			   const char *study, const char *patient, const struct cx_label *labels,
			   size_t nl, struct cx_error *err)
{
	int rc = new_study(r, study, patient, CX_SPLIT_TEST, err);
	for (size_t i = first; rc == 0 && i < last; i++) {
		struct cx_image_fact f;
		cx_image_fact_init(&f);
		f.key = t->name[i];
		f.path = t->name[i];
		f.patient = patient;
		f.study = study;
		f.split = CX_SPLIT_TEST;
		struct cx_labels_fact lf = {t->name[i], 0, labels, nl};
		rc = cx_emit_image(r->sink, &f, err);
		if (rc == 0)
			rc = cx_emit_labels(r->sink, &lf, err);
		t->used[i] = 1;
	}
	return rc;
}

/* One row of groundtruth.csv; the labels are 0 or 1, never blank. */
static struct cx_outcome test_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	struct test_images *t = r->test;
	const char *value = row->v[0];
	char study[512], patient[64];
	const char *bad = parse_study(value, study, sizeof(study), patient, sizeof(patient));
	if (bad)
		return cx_rows_reject(row, "Study '%s' %s", value, bad);
	struct cx_label labels[CX_CHEXPERT_NLABELS];
	for (int i = 0; i < CX_CHEXPERT_NLABELS; i++) {
		const char *v = row->v[1 + i];
		if (strcmp(v, "0") && strcmp(v, "1"))
			return cx_rows_reject(row, "unknown label value '%s' in column '%s'", v,
					      cx_chexpert_labels[i]);
		labels[i] = (struct cx_label){cx_chexpert_labels[i], v[0] - '0'};
	}
	char prefix[520];
	snprintf(prefix, sizeof(prefix), "%s/", study);
	size_t first = lower_bound(t, prefix), last = first;
	while (last < t->n && cx_str_starts(t->name[last], prefix))
		last++;
	if (first == last)
		return cx_rows_reject(row, "no images for study '%s'", study);
	if (t->used[first])
		return cx_rows_reject(row, "study '%s' listed twice", study);
	struct cx_error err = {0};
	if (emit_test_study(r, t, first, last, study, patient, labels, CX_CHEXPERT_NLABELS,
			    &err))
		return cx_rows_reject(row, "%s", err.msg);
	return cx_rows_keep();
}

static int read_test_labels(struct cx_rows *rows, struct test_images *t, struct cx_error *err)
{
	struct reader *r = rows->ctx;
	const char *names[1 + CX_CHEXPERT_NLABELS] = {"Study"};
	for (int i = 0; i < CX_CHEXPERT_NLABELS; i++)
		names[1 + i] = cx_chexpert_labels[i];
	struct cx_csv_spec spec = {
		.file = TEST_CSV, .cols = names, .ncols = CX_ARRAY_LEN(names), .fn = test_row,
	};
	r->test = t;
	int rc = cx_rows_csv(rows, r->rel, &spec, err);
	r->test = NULL;
	return rc;
}

/*
 * The test set is optional: without groundtruth.csv the test folder is not
 * read at all. With it, a test image of no labelled study is counted as
 * filtered ("test-image-without-labels"), its name standing for the row.
 */
static int read_test(struct cx_rows *rows, struct cx_error *err)
{
	struct reader *r = rows->ctx;
	if (!cx_release_exists(r->rel, TEST_CSV))
		return 0;
	struct test_images t = {0};
	int rc = find_test_images(r->rel, &t, err);
	if (rc == 0)
		rc = read_test_labels(rows, &t, err);
	for (size_t i = 0; rc == 0 && i < t.n; i++)
		if (!t.used[i])
			rc = cx_rows_account(rows, t.name[i], 0,
					     cx_rows_filter("test-image-without-labels"), err);
	test_images_free(&t);
	return rc;
}

static int chexpert_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	struct reader r = {.rel = rel, .sink = sink};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = read_index(&rows, TRAIN_CSV, "train", CX_SPLIT_TRAIN, err);
	if (rc == 0)
		rc = read_index(&rows, VALID_CSV, "valid", CX_SPLIT_VAL, err);
	if (rc == 0)
		rc = read_test(&rows, err);
	return rc;
}

/* train.csv and valid.csv side by side (here or one folder down), train.csv
 * starting with the Path column. */
static int chexpert_probe(struct cx_release *rel)
{
	if (!cx_release_locate(rel, TRAIN_CSV) || !cx_release_exists(rel, VALID_CSV))
		return 0;
	struct cx_error err = {0};
	struct cx_stream *s;
	if (cx_release_open_file(rel, TRAIN_CSV, &s, &err))
		return 0;
	struct cx_csv *c = cx_csv_new(s, ',');
	const char *names[] = {"Path"};
	int col;
	int ok = cx_csv_header(c, names, NULL, 1, &col, &err) == 0 && col == 0;
	cx_csv_free(c);
	cx_stream_close(s);
	return ok;
}

static const struct cx_entry_def entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_image},
	{.task = "view-classification", .rule = &cx_rule_view},
};

const struct cx_adapter cx_adapter_chexpert = {
	.id = "chexpert",
	.dataset = "CheXpert",
	.versions = "v1.0, v1.0-small",
	.license = "Stanford University CheXpert Dataset Research Use Agreement "
		   "(non-commercial research, no redistribution)",
	.access = "credentialed",
	.labels = &cx_vocab_chexpert,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = chexpert_probe,
	.read = chexpert_read,
};

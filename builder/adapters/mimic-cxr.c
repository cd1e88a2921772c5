/*
 * mimic-cxr.c - the MIMIC-CXR source: MIMIC-CXR-JPG 2.0.0 (images, split,
 * DICOM metadata, CheXpert labels) plus the free-text reports of MIMIC-CXR
 * 2.0.0 (mimic-cxr-reports.zip), read as PhysioNet distributes them.
 *
 * Files, in reading order (sources/mimic-cxr.md has the layout and rules):
 *  1. mimic-cxr-2.0.0-metadata.csv.gz (required): view and size per image,
 *     held in memory (about 40 bytes an image) until the split file names
 *     the image.
 *  2. mimic-cxr-2.0.0-chexpert.csv.gz (optional): study labels, held the
 *     same way (in the study table) until the split file names the study.
 *  3. mimic-cxr-2.0.0-split.csv.gz (required): one image per row, and one
 *     study fact the first time a study is seen, each written once and
 *     complete: the image with its view and size, the study with its
 *     labels. Ids are checked against the release's formats because they
 *     also build the image path. The metadata and label rows are then
 *     settled (cx_rows_settle): kept when the split file named their image
 *     or study, rejected when not.
 *  4. files/pXX/pSUBJECT/sSTUDY.txt (optional): reports, usually inside
 *     mimic-cxr-reports.zip next to the CSVs, which the release layers read
 *     without unpacking. Sectioned by adapters/report-sections.c.
 * The labels and reports are optional because a user may hold only part of
 * the two releases; the tasks fed by them then simply get no instances.
 *
 * Why the metadata and labels are read first: written after the split file,
 * each would be a second statement on a row written before (an UPDATE found
 * by key), which at full scale cost more than the inserts themselves (about
 * 5 s of CPU for the 377k metadata rows: bench/README.md).
 *
 * The adapter keeps a table of the studies (id, subject, split, labels) so
 * that a study seen twice with different subjects or splits, and labels or
 * reports of studies the split file does not know, are rejected here with a
 * clear reason.
 */
#include "cx.h"

#include <limits.h>

#include "adapters/adapter.h"
#include "adapters/chexpert-labels.h"
#include "adapters/report-sections.h"
#include "adapters/rows.h"
#include "io/release.h"

#define SPLIT_CSV "mimic-cxr-2.0.0-split.csv.gz"
#define META_CSV "mimic-cxr-2.0.0-metadata.csv.gz"
#define CHEXPERT_CSV "mimic-cxr-2.0.0-chexpert.csv.gz"
#define REPORT_GLOB "files/p*/p*/s*.txt"
#define REPORT_MAX (1u << 20) /* the longest real report is a few KiB */

/* ---- the study table: open addressing on the numeric study id ---- */

struct study {
	uint32_t id; /* 0 = free slot (real ids have 8 digits) */
	uint32_t subject;
	uint32_t labels; /* 1 + index of its label row in struct label_rows, or 0 */
	unsigned char split;
	unsigned char in_split, has_report;
};

struct studies {
	struct study *v;
	size_t cap, n;
};

static size_t slot_of(const struct studies *t, uint32_t id)
{
	size_t i = (size_t)(id * 2654435761u) & (t->cap - 1);
	while (t->v[i].id && t->v[i].id != id)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static struct study *study_find(const struct studies *t, uint32_t id)
{
	if (!t->cap)
		return NULL;
	struct study *s = &t->v[slot_of(t, id)];
	return s->id ? s : NULL;
}

static struct study *study_add(struct studies *t, uint32_t id)
{
	if ((t->n + 1) * 2 > t->cap) {
		struct studies bigger = {cx_calloc(t->cap ? t->cap * 2 : 1024, sizeof(struct study)),
					 t->cap ? t->cap * 2 : 1024, t->n};
		for (size_t i = 0; i < t->cap; i++)
			if (t->v[i].id)
				bigger.v[slot_of(&bigger, t->v[i].id)] = t->v[i];
		free(t->v);
		*t = bigger;
	}
	struct study *s = &t->v[slot_of(t, id)];
	s->id = id;
	t->n++;
	return s;
}

/* ---- the label rows, held until the split file names their study ---- */

#define LABEL_BLANK INT8_MIN /* a blank cell: the label is not listed */

struct label_row {
	uint32_t line, study, subject;
	int8_t v[CX_CHEXPERT_NLABELS];
	unsigned char used; /* 0 not yet named, 1 named, 2 named under another subject */
};

struct label_rows {
	struct label_row *v;
	size_t n, cap;
};

static uint32_t label_row_add(struct label_rows *t, const struct label_row *r)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->v = cx_realloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = *r;
	return (uint32_t)t->n;
}

/* ---- the metadata rows, held until the split file names their image ---- */

/* A dicom_id as 20 bytes (its 40 hex digits), the view as an index into the
 * distinct ViewPosition values (a dozen in the release). */
struct meta {
	unsigned char dicom[20];
	int32_t rows, cols;
	uint32_t line;
	uint16_t view; /* 1 + index into views, 0 = blank */
	unsigned char used;
};

struct metas {
	struct meta *v;
	size_t n, cap;
	uint32_t *slot; /* 1 + index into v, 0 = free; nslot a power of two */
	size_t nslot;
	char **views;
	size_t nviews;
};

static void dicom_bytes(const char *s, unsigned char out[20])
{
	size_t k = 0;
	for (size_t i = 0; i < 44; i += 2) {
		if (s[i] == '-')
			i++;
		int hi = s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10;
		int lo = s[i + 1] <= '9' ? s[i + 1] - '0' : s[i + 1] - 'a' + 10;
		out[k++] = (unsigned char)(hi << 4 | lo);
	}
}

static size_t meta_slot(const struct metas *t, const unsigned char dicom[20])
{
	uint64_t h;
	memcpy(&h, dicom, sizeof h); /* the hex digits are random */
	size_t i = (size_t)(h * 0x9E3779B97F4A7C15u >> 16) & (t->nslot - 1);
	while (t->slot[i] && memcmp(t->v[t->slot[i] - 1].dicom, dicom, 20))
		i = (i + 1) & (t->nslot - 1);
	return i;
}

static struct meta *meta_find(const struct metas *t, const unsigned char dicom[20])
{
	if (!t->nslot)
		return NULL;
	uint32_t k = t->slot[meta_slot(t, dicom)];
	return k ? &t->v[k - 1] : NULL;
}

static void meta_grow(struct metas *t)
{
	free(t->slot);
	t->nslot = t->nslot ? t->nslot * 2 : 4096;
	t->slot = cx_calloc(t->nslot, sizeof(*t->slot));
	for (size_t k = 0; k < t->n; k++)
		t->slot[meta_slot(t, t->v[k].dicom)] = (uint32_t)(k + 1);
}

/* Adds m (its dicom not in t yet). */
static void meta_add(struct metas *t, const struct meta *m)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4096;
		t->v = cx_realloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = *m;
	if (t->n * 3 > t->nslot * 2)
		meta_grow(t);
	else
		t->slot[meta_slot(t, m->dicom)] = (uint32_t)t->n;
}

/* 1 + the index of view among the distinct values, added when new; 0 for
 * blank; -1 when 65535 distinct values are held already (a dozen in the
 * release). */
static int view_code(struct metas *t, const char *view)
{
	if (!view[0])
		return 0;
	for (size_t i = 0; i < t->nviews; i++)
		if (!strcmp(t->views[i], view))
			return (int)i + 1;
	if (t->nviews == UINT16_MAX)
		return -1;
	t->views = cx_realloc(t->views, (t->nviews + 1) * sizeof(*t->views));
	t->views[t->nviews++] = cx_strdup(view);
	return (int)t->nviews;
}

static void metas_free(struct metas *t)
{
	for (size_t i = 0; i < t->nviews; i++)
		free(t->views[i]);
	free(t->views);
	free(t->v);
	free(t->slot);
}

/* ---- id formats (formats-text.md §0) ---- */

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* subject_id and study_id: exactly 8 digits, so they fit a uint32_t. */
static int id8(const char *s, uint32_t *out)
{
	if (strlen(s) != 8 || !all_digits(s, 8))
		return 0;
	*out = (uint32_t)strtoul(s, NULL, 10);
	return *out != 0;
}

/* dicom_id: five groups of 8 lower-case hex digits joined by '-'. */
static int dicom_ok(const char *s)
{
	if (strlen(s) != 44)
		return 0;
	for (size_t i = 0; i < 44; i++) {
		int hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
		if (i % 9 == 8 ? s[i] != '-' : !hex)
			return 0;
	}
	return 1;
}

/* The split as the release spells it, for messages. */
static const char *split_word(enum cx_split s)
{
	return s == CX_SPLIT_VAL ? "validate" : cx_split_name(s);
}

static int parse_split(const char *s, enum cx_split *out)
{
	if (!strcmp(s, "train"))
		*out = CX_SPLIT_TRAIN;
	else if (!strcmp(s, "validate"))
		*out = CX_SPLIT_VAL;
	else if (!strcmp(s, "test"))
		*out = CX_SPLIT_TEST;
	else
		return 0;
	return 1;
}

struct mimic {
	struct cx_release *rel;
	const struct cx_sink *sink;
	struct studies studies;
	struct metas metas;
	struct label_rows labels;
	struct cx_buf buf;
	struct cx_error rowerr; /* a refused fact's message, for the reject */
};

/* ---- 1. the metadata file ---- */

/* Rows and Columns: a positive integer, or blank (unknown, -1). */
static int pixels(const char *s, int32_t *out)
{
	long v;
	if (!s[0]) {
		*out = -1;
		return 1;
	}
	if (cx_parse_long(s, &v) || v <= 0 || v > INT32_MAX)
		return 0;
	*out = (int32_t)v;
	return 1;
}

static struct cx_outcome meta_row(void *ctx, struct cx_row *row)
{
	struct mimic *m = ctx;
	const char *dicom = row->v[0], *view = row->v[1];
	const char *rows = row->v[2], *cols = row->v[3];
	struct meta e = {.line = (uint32_t)row->line};
	if (!dicom_ok(dicom))
		return cx_rows_reject(row,
				      "dicom_id '%s' is not five groups of 8 lower-case hex digits",
				      dicom);
	if (!pixels(rows, &e.rows))
		return cx_rows_reject(row, "Rows '%s' is not a positive integer", rows);
	if (!pixels(cols, &e.cols))
		return cx_rows_reject(row, "Columns '%s' is not a positive integer", cols);
	dicom_bytes(dicom, e.dicom);
	if (meta_find(&m->metas, e.dicom))
		return cx_rows_reject(row, "second metadata row for dicom_id %s", dicom);
	int v = view_code(&m->metas, view);
	if (v < 0)
		return cx_rows_reject(row, "ViewPosition '%s': more than 65535 distinct values",
				      view);
	e.view = (uint16_t)v;
	meta_add(&m->metas, &e);
	return cx_rows_defer();
}

/* ---- 2. the CheXpert labels ---- */

static struct cx_outcome chexpert_row(void *ctx, struct cx_row *row)
{
	struct mimic *m = ctx;
	const char *subject = row->v[0], *study = row->v[1];
	struct label_row r = {.line = (uint32_t)row->line};
	if (!id8(study, &r.study))
		return cx_rows_reject(row, "study_id '%s' is not 8 digits", study);
	if (!id8(subject, &r.subject))
		return cx_rows_reject(row, "subject_id '%s' is not 8 digits", subject);
	for (size_t i = 0; i < CX_CHEXPERT_NLABELS; i++) {
		const char *cell = row->v[2 + i];
		int v, rc = cx_chexpert_cell(cell, &v);
		if (rc < 0)
			return cx_rows_reject(row, "unknown label value '%s' in column '%s'", cell,
					      cx_chexpert_labels[i]);
		r.v[i] = rc == 1 ? (int8_t)v : LABEL_BLANK;
	}
	struct study *s = study_find(&m->studies, r.study);
	if (s && s->labels)
		return cx_rows_reject(row, "second label row for study %s", study);
	if (!s)
		s = study_add(&m->studies, r.study);
	s->labels = label_row_add(&m->labels, &r);
	return cx_rows_defer();
}

/* ---- 3. the split file ---- */

/* The labels fact of a study named by the split file, when a label row of
 * the same subject names it. 0, or -1 with m->rowerr set. */
static int emit_labels(struct mimic *m, struct study *s, const char *study)
{
	if (!s->labels)
		return 0;
	struct label_row *r = &m->labels.v[s->labels - 1];
	if (r->subject != s->subject) {
		r->used = 2;
		return 0;
	}
	r->used = 1;
	struct cx_label labels[CX_CHEXPERT_NLABELS];
	size_t n = 0;
	for (size_t i = 0; i < CX_CHEXPERT_NLABELS; i++)
		if (r->v[i] != LABEL_BLANK)
			labels[n++] = (struct cx_label){cx_chexpert_labels[i], r->v[i]};
	struct cx_labels_fact f = {study, 1, labels, n};
	return cx_emit_labels(m->sink, &f, &m->rowerr) < 0 ? -1 : 0;
}

/* The study of a split row: emitted with its labels on first sight,
 * compared after. 0, or 1 with *o the reject. */
static int split_study(struct mimic *m, struct cx_row *row, const char *study, uint32_t sid,
		       uint32_t subj, const char *subject, enum cx_split split,
		       struct cx_outcome *o)
{
	struct study *s = study_find(&m->studies, sid);
	if (s && s->in_split) {
		if (s->subject == subj && s->split == split)
			return 0;
		*o = cx_rows_reject(row,
				    "study %s is under subject %s in split '%s' here but under "
				    "subject %08u in split '%s' earlier",
				    study, subject, split_word(split), (unsigned)s->subject,
				    split_word((enum cx_split)s->split));
		return 1;
	}
	if (!s)
		s = study_add(&m->studies, sid);
	s->subject = subj;
	s->split = (unsigned char)split;
	struct cx_study_fact f = {study, subject, split};
	if (cx_emit_study(m->sink, &f, &m->rowerr) < 0 || emit_labels(m, s, study) < 0) {
		*o = cx_rows_reject(row, "%s", m->rowerr.msg);
		return 1;
	}
	s->in_split = 1;
	return 0;
}

/* The image's view and size from its metadata row, if any. */
static void image_meta(struct mimic *m, const char *dicom, struct cx_image_fact *f)
{
	unsigned char key[20];
	dicom_bytes(dicom, key);
	struct meta *e = meta_find(&m->metas, key);
	if (!e)
		return;
	e->used = 1;
	f->view = e->view ? m->metas.views[e->view - 1] : NULL;
	f->height = e->rows;
	f->width = e->cols;
}

static struct cx_outcome split_row(void *ctx, struct cx_row *row)
{
	struct mimic *m = ctx;
	const char *dicom = row->v[0], *study = row->v[1];
	const char *subject = row->v[2], *split_s = row->v[3];
	uint32_t sid, subj;
	enum cx_split split;
	struct cx_outcome o;
	if (!dicom_ok(dicom))
		return cx_rows_reject(row,
				      "dicom_id '%s' is not five groups of 8 lower-case hex digits",
				      dicom);
	if (!id8(study, &sid))
		return cx_rows_reject(row, "study_id '%s' is not 8 digits", study);
	if (!id8(subject, &subj))
		return cx_rows_reject(row, "subject_id '%s' is not 8 digits", subject);
	if (!parse_split(split_s, &split))
		return cx_rows_reject(row, "unknown split value '%s'", split_s);
	if (split_study(m, row, study, sid, subj, subject, split, &o))
		return o;
	/* files/p10/p10000032/s50414267/<dicom>.jpg, joined by hand: formatting
	 * it took vsnprintf about 1,600 instructions an image */
	cx_buf_reset(&m->buf);
	cx_buf_adds(&m->buf, "files/p");
	cx_buf_add(&m->buf, subject, 2);
	cx_buf_adds(&m->buf, "/p");
	cx_buf_adds(&m->buf, subject);
	cx_buf_adds(&m->buf, "/s");
	cx_buf_adds(&m->buf, study);
	cx_buf_addc(&m->buf, '/');
	cx_buf_adds(&m->buf, dicom);
	cx_buf_adds(&m->buf, ".jpg");
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = dicom;
	f.path = m->buf.data;
	f.patient = subject;
	f.study = study;
	f.split = split;
	image_meta(m, dicom, &f);
	if (cx_emit_image(m->sink, &f, &m->rowerr) < 0)
		return cx_rows_reject(row, "%s", m->rowerr.msg);
	return cx_rows_keep();
}

/* ---- settling the metadata and label rows ---- */

static void hex_of(const unsigned char dicom[20], char out[45])
{
	static const char digit[] = "0123456789abcdef";
	size_t k = 0;
	for (size_t i = 0; i < 20; i++) {
		if (i && i % 4 == 0)
			out[k++] = '-';
		out[k++] = digit[dicom[i] >> 4];
		out[k++] = digit[dicom[i] & 15];
	}
	out[k] = '\0';
}

/* Each held row, in the order read: kept when the split file named its
 * image or study (its facts were written then), rejected when not. */
static int settle(struct cx_rows *rows, struct mimic *m, struct cx_error *err)
{
	char text[160], hex[45];
	int rc = 0;
	for (size_t i = 0; i < m->metas.n && !rc; i++) {
		const struct meta *e = &m->metas.v[i];
		struct cx_outcome o = {CX_ROW_KEPT, NULL};
		if (!e->used) { /* the reason is written for rejects only: 377k kept rows */
			hex_of(e->dicom, hex);
			snprintf(text, sizeof text, "dicom_id %s is not in %s", hex, SPLIT_CSV);
			o = (struct cx_outcome){CX_ROW_REJECTED, text};
		}
		rc = cx_rows_settle(rows, META_CSV, e->line, o, err);
	}
	for (size_t i = 0; i < m->labels.n && !rc; i++) {
		const struct label_row *r = &m->labels.v[i];
		const struct study *s = study_find(&m->studies, r->study);
		struct cx_outcome o = {CX_ROW_KEPT, NULL};
		if (!s || !s->in_split) {
			snprintf(text, sizeof text, "study %08u is not in %s", (unsigned)r->study,
				 SPLIT_CSV);
			o = (struct cx_outcome){CX_ROW_REJECTED, text};
		} else if (r->used != 1) {
			snprintf(text, sizeof text, "study %08u belongs to subject %08u in %s, not to "
				 "%08u", (unsigned)r->study, (unsigned)s->subject, SPLIT_CSV,
				 (unsigned)r->subject);
			o = (struct cx_outcome){CX_ROW_REJECTED, text};
		}
		rc = cx_rows_settle(rows, CHEXPERT_CSV, r->line, o, err);
	}
	return rc;
}

/* The study of a report: named by the split file, same subject. NULL with
 * *o the reject when not. */
static struct study *known_study(struct mimic *m, struct cx_row *row, const char *study,
				 const char *subject, struct cx_outcome *o)
{
	uint32_t sid, subj;
	if (!id8(study, &sid) || !id8(subject, &subj)) {
		*o = cx_rows_reject(row, "study or subject id is not 8 digits");
		return NULL;
	}
	struct study *s = study_find(&m->studies, sid);
	if (!s || !s->in_split) {
		*o = cx_rows_reject(row, "study %s is not in %s", study, SPLIT_CSV);
		return NULL;
	}
	if (s->subject != subj) {
		*o = cx_rows_reject(row, "study %s belongs to subject %08u in %s, not to %s", study,
				    (unsigned)s->subject, SPLIT_CSV, subject);
		return NULL;
	}
	return s;
}

/* ---- 4. the reports ---- */

/* files/pXX/pSUBJECT/sSTUDY.txt, XX the subject's first two digits. */
static int report_name(const char *name, char subject[9], char study[9])
{
	if (strlen(name) != 33 || strncmp(name, "files/p", 7) || name[9] != '/' ||
	    name[10] != 'p' || name[19] != '/' || name[20] != 's' || strcmp(name + 29, ".txt"))
		return 0;
	if (!all_digits(name + 7, 2) || !all_digits(name + 11, 8) || !all_digits(name + 21, 8) ||
	    memcmp(name + 7, name + 11, 2))
		return 0;
	memcpy(subject, name + 11, 8);
	subject[8] = '\0';
	memcpy(study, name + 21, 8);
	study[8] = '\0';
	return 1;
}

/* The sections of a report; a report with no text any task can use is
 * filtered (the official splitter also finds none: its conclusion is empty). */
static struct cx_outcome emit_report(struct mimic *m, struct cx_row *row, const char *study,
				     const struct cx_sections *sec)
{
	if (!sec->findings && !sec->impression && !sec->last_paragraph)
		return cx_rows_filter("no-report-text");
	struct cx_report_fact f = {study, sec->indication, sec->comparison, sec->findings,
				   sec->impression, sec->last_paragraph};
	if (cx_emit_report(m->sink, &f, &m->rowerr) < 0)
		return cx_rows_reject(row, "%s", m->rowerr.msg);
	return cx_rows_keep();
}

/* A report file is one row; every copy of it counts (a second copy in
 * another layer is a second report for the study). */
static struct cx_outcome report_file(void *ctx, struct cx_row *row)
{
	struct mimic *m = ctx;
	char subject[9], study[9];
	if (!report_name(row->file, subject, study))
		return cx_rows_reject(row, "report file name is not files/pXX/pSUBJECT/sSTUDY.txt");
	struct cx_outcome o;
	struct study *s = known_study(m, row, study, subject, &o);
	if (!s)
		return o;
	if (s->has_report)
		return cx_rows_reject(row, "second report for study %s", study);
	struct cx_sections sec;
	if (cx_stream_slurp(row->stream, &m->buf, REPORT_MAX, &m->rowerr) ||
	    cx_report_sections(m->buf.data, m->buf.len, &sec, &m->rowerr))
		return cx_rows_reject(row, "%s", m->rowerr.msg);
	s->has_report = 1;
	o = emit_report(m, row, study, &sec);
	cx_sections_release(&sec);
	return o;
}

/* ---- the adapter ---- */

static int read_table(struct cx_rows *rows, const char *name, const char *const *cols, size_t n,
		      cx_row_fn fn, struct cx_error *err)
{
	struct mimic *m = rows->ctx;
	struct cx_csv_spec spec = {.file = name, .cols = cols, .ncols = n, .fn = fn};
	return cx_rows_csv(rows, m->rel, &spec, err);
}

static int mimic_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	static const char *const split_cols[] = {"dicom_id", "study_id", "subject_id", "split"};
	static const char *const meta_cols[] = {"dicom_id", "ViewPosition", "Rows", "Columns"};
	const char *chexpert_cols[2 + CX_CHEXPERT_NLABELS] = {"subject_id", "study_id"};
	for (size_t i = 0; i < CX_CHEXPERT_NLABELS; i++)
		chexpert_cols[2 + i] = cx_chexpert_labels[i];

	static const char *const required[] = {SPLIT_CSV, META_CSV};
	for (size_t i = 0; i < CX_ARRAY_LEN(required); i++)
		if (!cx_release_exists(rel, required[i]))
			return cx_error_set(err, CX_ENOTFOUND,
					    "%s: missing required file '%s' (MIMIC-CXR-JPG 2.0.0)",
					    cx_release_path(rel), required[i]);

	struct mimic m = {.rel = rel, .sink = sink, .buf = CX_BUF_INIT};
	struct cx_rows rows = {.sink = sink, .ctx = &m};
	static const struct cx_files_spec reports = {.pattern = REPORT_GLOB, .fn = report_file};
	int rc = read_table(&rows, META_CSV, meta_cols, CX_ARRAY_LEN(meta_cols), meta_row, err);
	if (rc == 0 && cx_release_exists(rel, CHEXPERT_CSV))
		rc = read_table(&rows, CHEXPERT_CSV, chexpert_cols, CX_ARRAY_LEN(chexpert_cols),
				chexpert_row, err);
	if (rc == 0)
		rc = read_table(&rows, SPLIT_CSV, split_cols, CX_ARRAY_LEN(split_cols), split_row,
				err);
	if (rc == 0)
		rc = settle(&rows, &m, err);
	metas_free(&m.metas);
	free(m.labels.v);
	if (rc == 0)
		rc = cx_rows_files(&rows, rel, &reports, err);
	free(m.studies.v);
	cx_buf_release(&m.buf);
	return rc;
}

static int mimic_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, SPLIT_CSV);
}

static const struct cx_entry_def mimic_entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_study},
	{.task = "view-classification", .rule = &cx_rule_view},
	{.task = "view-matching", .rule = &cx_rule_view_pairs},
	{.task = "findings-generation", .rule = &cx_rule_findings},
	{.task = "impression-generation", .rule = &cx_rule_impression},
	{.task = "findings-summarization", .rule = &cx_rule_summary,
	 .params = {.impression_excludes = (const char *const[]){"___", "a.m.", "p.m.", NULL}}},
	{.task = "image-text-matching", .rule = &cx_rule_text_match},
	{.task = "image-text-selection", .rule = &cx_rule_text_select},
};

const struct cx_adapter cx_adapter_mimic_cxr = {
	.id = "mimic-cxr",
	.dataset = "MIMIC-CXR",
	.versions = "2.0.0",
	.license = "PhysioNet Credentialed Health Data License 1.5.0",
	.access = "credentialed",
	.labels = &cx_vocab_chexpert,
	.entries = mimic_entries,
	.nentries = CX_ARRAY_LEN(mimic_entries),
	.probe = mimic_probe,
	.read = mimic_read,
};

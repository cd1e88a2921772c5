/*
 * ms-cxr-t.c - MS-CXR-T 1.0.0 (PhysioNet), the temporal benchmark on
 * MIMIC-CXR-JPG: two CSV files.
 *
 * MS_CXR_T_temporal_image_classification_v1.0.0.csv pairs a MIMIC-CXR image
 * (dicom_id) with an earlier image of the same patient (previous_dicom_id)
 * and labels the change of five findings between them, improving, stable or
 * worsening, in the columns <finding>_progression (blank: not labelled). Its
 * dicom ids are written as MIMIC-CXR-JPG paths without the extension
 * ("p10/p10000032/s50414267/02aa804e-..."); a bare id is taken as well, and
 * a path must name the row's subject and study. The images, studies and
 * splits are MIMIC-CXR's: the source borrows them (id_space and requires
 * "mimic-cxr"; CONTRIBUTING.md, "Adding a source"), so each row emits its two
 * images without a path (the catalogue copies MIMIC-CXR's, refusing an id
 * it lacks) and one image pair fact per labelled finding. The instance's
 * split is the strictest of the two images' MIMIC-CXR splits (the rule
 * image-pairs).
 *
 * MS_CXR_T_temporal_sentence_similarity_v1.0.0.csv holds sentence pairs
 * (sentence_1, sentence_2) that are a paraphrase or a contradiction
 * (category), text only; the official build uses them for testing only,
 * and so do we (split test, entry held out). Each pair's key is its 0-based
 * row number, as the official build numbers them.
 */
#include "cx.h"

#include <ctype.h>

#include "adapters/adapter.h"
#include "adapters/rows.h"
#include "io/release.h"

#define PAIRS_CSV "MS_CXR_T_temporal_image_classification_v1.0.0.csv"
#define SENTENCES_CSV "MS_CXR_T_temporal_sentence_similarity_v1.0.0.csv"

enum { P_DICOM, P_PREV, P_STUDY, P_PREV_STUDY, P_SUBJECT, P_FINDING0 };
#define NFINDINGS 5
#define P_NCOLS (P_FINDING0 + NFINDINGS)
static const char *const pair_cols[P_NCOLS] = {
	[P_DICOM] = "dicom_id", [P_PREV] = "previous_dicom_id", [P_STUDY] = "study_id",
	[P_PREV_STUDY] = "previous_study_id", [P_SUBJECT] = "subject_id",
	[P_FINDING0] = "consolidation_progression", "edema_progression",
	"pleural_effusion_progression", "pneumonia_progression", "pneumothorax_progression",
};
static const int pair_optional[P_NCOLS] = {[P_PREV_STUDY] = 1};

enum { S_SENTENCE1, S_SENTENCE2, S_CATEGORY, S_NCOLS };
static const char *const sentence_cols[S_NCOLS] = {
	[S_SENTENCE1] = "sentence_1", [S_SENTENCE2] = "sentence_2", [S_CATEGORY] = "category",
};

struct reader {
	const struct cx_sink *sink;
	long sentences;         /* sentence rows read so far: the next pair's key */
	struct cx_buf key;
};

/* 1 when s holds nothing but whitespace. */
static int blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/*
 * The dicom id of column c: the value itself, or the last component of a
 * path "pNN/p<subject>/s<study>/<dicom_id>", whose subject and study must be
 * the row's (study: the column named study_col, when the file has it).
 * NULL after setting *o to a reject.
 */
static const char *dicom_of(struct cx_row *row, int c, const char *study, struct cx_outcome *o)
{
	const char *v = row->v[c], *slash = strrchr(v, '/');
	if (!v[0]) {
		*o = cx_rows_reject(row, "empty %s", pair_cols[c]);
		return NULL;
	}
	if (!slash)
		return v;
	char part[16], subj[32], stud[32];
	int end = 0;
	if (sscanf(v, "%15[^/]/p%31[0-9]/s%31[0-9]/%n", part, subj, stud, &end) != 3 ||
	    v + end != slash + 1 || !slash[1] || strcmp(subj, row->v[P_SUBJECT]) ||
	    (study && strcmp(stud, study))) {
		*o = cx_rows_reject(row, "%s '%s' is not the path of an image of subject %s%s%s",
				    pair_cols[c], v, row->v[P_SUBJECT], study ? ", study " : "",
				    study ? study : "");
		return NULL;
	}
	return slash + 1;
}

static int emit_image(struct reader *r, const char *dicom, const char *subject,
		      const char *study, struct cx_error *err)
{
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = dicom;
	f.patient = subject;
	f.study = study;
	return cx_emit_image(r->sink, &f, err);
}

/* The progression values of the row: each blank or a known word. */
static struct cx_outcome check_findings(struct cx_row *row, int *labelled)
{
	*labelled = 0;
	for (int i = P_FINDING0; i < P_NCOLS; i++) {
		const char *v = row->v[i];
		if (!v[0])
			continue;
		if (strcmp(v, "improving") && strcmp(v, "stable") && strcmp(v, "worsening"))
			return cx_rows_reject(row, "value '%s' in column '%s' is not improving,"
					      " stable or worsening", v, pair_cols[i]);
		(*labelled)++;
	}
	return cx_rows_keep();
}

static struct cx_outcome pair_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *subject = row->v[P_SUBJECT], *study = row->v[P_STUDY];
	const char *prev_study = row->v[P_PREV_STUDY];
	if (prev_study && !prev_study[0])
		prev_study = NULL;
	if (!all_digits(subject))
		return cx_rows_reject(row, "subject_id '%s' is not a number", subject);
	if (!all_digits(study))
		return cx_rows_reject(row, "study_id '%s' is not a number", study);
	if (prev_study && !all_digits(prev_study))
		return cx_rows_reject(row, "previous_study_id '%s' is not a number", prev_study);
	struct cx_outcome o;
	const char *dicom = dicom_of(row, P_DICOM, study, &o);
	const char *prev = dicom ? dicom_of(row, P_PREV, prev_study, &o) : NULL;
	if (!prev)
		return o;
	if (!strcmp(dicom, prev))
		return cx_rows_reject(row, "dicom_id and previous_dicom_id are both '%s'", dicom);
	int labelled;
	o = check_findings(row, &labelled);
	if (o.kind != CX_ROW_KEPT)
		return o;
	if (!labelled)
		return cx_rows_filter("no-progression-label");
	struct cx_error err = {0};
	if (emit_image(r, dicom, subject, study, &err) ||
	    emit_image(r, prev, subject, prev_study, &err))
		return cx_rows_reject(row, "%s", err.msg);
	for (int i = P_FINDING0; i < P_NCOLS; i++) {
		if (!row->v[i][0])
			continue;
		struct cx_image_pair_fact p = {dicom, prev, pair_cols[i], row->v[i], CX_SPLIT_NONE};
		if (cx_emit_image_pair(r->sink, &p, &err))
			return cx_rows_reject(row, "%s", err.msg);
	}
	return cx_rows_keep();
}

static struct cx_outcome sentence_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	cx_buf_reset(&r->key);
	cx_buf_addf(&r->key, "%ld", r->sentences++);
	const char *category = row->v[S_CATEGORY];
	if (blank(row->v[S_SENTENCE1]) || blank(row->v[S_SENTENCE2]))
		return cx_rows_reject(row, "empty %s", blank(row->v[S_SENTENCE1]) ? "sentence_1"
										 : "sentence_2");
	if (strcmp(category, "paraphrase") && strcmp(category, "contradiction"))
		return cx_rows_reject(row, "value '%s' in column 'category' is not paraphrase or"
				      " contradiction", category);
	struct cx_text_pair_fact f = {cx_buf_str(&r->key), row->v[S_SENTENCE1],
				      row->v[S_SENTENCE2], category, CX_SPLIT_TEST};
	struct cx_error err = {0};
	if (cx_emit_text_pair(r->sink, &f, &err))
		return cx_rows_reject(row, "%s", err.msg);
	return cx_rows_keep();
}

static int ms_cxr_t_read(struct cx_release *rel, const struct cx_sink *sink,
			 struct cx_error *err)
{
	static const struct cx_csv_spec pairs = {
		.file = PAIRS_CSV, .cols = pair_cols, .optional = pair_optional,
		.ncols = P_NCOLS, .fn = pair_row,
	};
	static const struct cx_csv_spec sentences = {
		.file = SENTENCES_CSV, .cols = sentence_cols, .ncols = S_NCOLS,
		.fn = sentence_row,
	};
	struct reader r = {.sink = sink, .key = CX_BUF_INIT};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = cx_rows_csv(&rows, rel, &pairs, err);
	if (!rc && cx_release_exists(rel, SENTENCES_CSV))
		rc = cx_rows_csv(&rows, rel, &sentences, err);
	cx_buf_release(&r.key);
	return rc;
}

static int ms_cxr_t_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, PAIRS_CSV);
}

static const struct cx_entry_def entries[] = {
	{.task = "temporal-image-classification", .rule = &cx_rule_image_pairs},
	{.task = "temporal-sentence-similarity", .rule = &cx_rule_text_pairs, .held_out = 1},
};

const struct cx_adapter cx_adapter_ms_cxr_t = {
	.id = "ms-cxr-t",
	.dataset = "MS-CXR-T",
	.versions = "1.0.0",
	.license = "PhysioNet Credentialed Health Data License 1.5.0",
	.access = "credentialed",
	.id_space = "mimic-cxr",
	.requires = (const char *const[]){"mimic-cxr", NULL},
	.labels = NULL,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = ms_cxr_t_probe,
	.read = ms_cxr_t_read,
};

/*
 * vqa-rad.c - VQA-RAD (OSF 2018 release): clinicians' questions and answers
 * about MedPix images, of which the chest ones feed the open- and close-ended
 * VQA tasks.
 *
 * The release is `VQA_RAD Dataset Public.json`, one JSON list of 2,248
 * records. It is 1.4 MB, so it is read whole with cJSON (capped at 64 MiB);
 * a record's number is its 1-based position in the list. Images are
 * `VQA_RAD Image Folder/<image_name>`, emitted once each, with no split of
 * their own: the official test questions ask about train images too.
 *
 * Quirks of the real file, all handled here (sources/vqa-rad.md): the first
 * qid is the string "0" and the others are ints; five answers are JSON ints
 * (kept as decimal text); missing values are the string "NULL"; two
 * answer_types read "CLOSED " with a trailing space; two records lack the
 * question_rephrase key (not read); answers mix "Yes" and "yes" (kept as
 * released). Split: phrase_type test_freeform / test_para is test, the rest
 * train. Only image_organ CHEST is kept; HEAD and ABD are filtered.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/json-file.h"
#include "adapters/strset.h"
#include "io/release.h"

#define JSON_NAME "VQA_RAD Dataset Public.json"
#define IMAGE_DIR "VQA_RAD Image Folder/"
#define JSON_MAX ((size_t)64 << 20)

/* The fields read from one record; which are required and how typed. */
enum { F_QID, F_PHRASE, F_IMAGE, F_ORGAN, F_QUESTION, F_ANSWER, F_ATYPE, F_QTYPE, F_N };

static const struct {
	const char *key;
	int kinds;
	int required;
} fields[F_N] = {
	[F_QID] = {"qid", CX_JSON_STRING | CX_JSON_INT, 1},
	[F_PHRASE] = {"phrase_type", CX_JSON_STRING, 1},
	[F_IMAGE] = {"image_name", CX_JSON_STRING, 1},
	[F_ORGAN] = {"image_organ", CX_JSON_STRING, 1},
	[F_QUESTION] = {"question", CX_JSON_STRING, 1},
	[F_ANSWER] = {"answer", CX_JSON_STRING | CX_JSON_INT, 1},
	[F_ATYPE] = {"answer_type", CX_JSON_STRING, 1},
	[F_QTYPE] = {"question_type", CX_JSON_STRING, 0},
};

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	struct cx_strset images; /* image names emitted */
	struct cx_buf val[F_N];
	int has[F_N];            /* present and not "NULL" */
	struct cx_buf why;
	struct cx_buf path;
};

/* Reads the fields of a record; 0, or -1 with the reason in r->why. */
static int read_fields(struct reader *r, const cJSON *rec)
{
	if (!cJSON_IsObject(rec)) {
		cx_buf_reset(&r->why);
		cx_buf_addf(&r->why, "record is %s, expected an object", cx_json_kind(rec));
		return -1;
	}
	for (int i = 0; i < F_N; i++) {
		int rc = cx_json_field(rec, fields[i].key, fields[i].kinds, &r->val[i], &r->why);
		if (rc < 0)
			return -1;
		/* The release writes a missing value as the string "NULL". */
		r->has[i] = rc == 1 && strcmp(r->val[i].data, "NULL") != 0;
		if (fields[i].required && !r->has[i]) {
			cx_buf_addf(&r->why, "missing '%s'%s", fields[i].key,
				    rc == 1 ? " (\"NULL\")" : "");
			return -1;
		}
	}
	return 0;
}

/* Checks values the adapter relies on; 0, or -1 with the reason. */
static int check_values(struct reader *r, int *closed)
{
	const char *image = r->val[F_IMAGE].data;
	cx_buf_reset(&r->why);
	if (strchr(image, '/') || !strcmp(image, "..") || !strcmp(image, ".")) {
		cx_buf_addf(&r->why, "image_name '%s' is not a file name", image);
		return -1;
	}
	const char *empty = !r->val[F_QID].len ? "qid" : !r->val[F_QUESTION].len ? "question"
			  : !r->val[F_ANSWER].len ? "answer" : !image[0] ? "image_name" : NULL;
	if (empty) {
		cx_buf_addf(&r->why, "empty '%s'", empty);
		return -1;
	}
	/* "CLOSED " (trailing space) occurs twice in the release. */
	return cx_json_answer_type(cx_trim(r->val[F_ATYPE].data), closed, &r->why);
}

/* Emits the image fact the first time an image is named. */
static int emit_image(struct reader *r, const char *name, struct cx_error *err)
{
	if (cx_strset_has(&r->images, name))
		return 0;
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	cx_buf_reset(&r->path);
	cx_buf_addf(&r->path, "%s%s", IMAGE_DIR, name);
	f.key = name;
	f.path = r->path.data;
	int rc = cx_emit_image(r->sink, &f, err);
	if (rc == 0)
		cx_strset_add(&r->images, name);
	return rc;
}

static void read_record(struct reader *r, const cJSON *rec, long n)
{
	const struct cx_sink *sink = r->sink;
	int closed;
	if (read_fields(r, rec) < 0 || check_values(r, &closed) < 0) {
		cx_row_reject(sink, JSON_NAME, n, "%s", r->why.data);
		return;
	}
	if (strcmp(r->val[F_ORGAN].data, "CHEST") != 0) {
		cx_row_filter(sink, JSON_NAME, n, "not-chest");
		return;
	}
	const char *image = r->val[F_IMAGE].data;
	struct cx_error err = {0};
	struct cx_qa_fact qa = {
		.key = r->val[F_QID].data,
		.image = image,
		.question = r->val[F_QUESTION].data,
		.answer = r->val[F_ANSWER].data,
		.closed = closed,
		.qtype = r->has[F_QTYPE] ? r->val[F_QTYPE].data : NULL,
		.split = cx_str_starts(r->val[F_PHRASE].data, "test_") ? CX_SPLIT_TEST
								     : CX_SPLIT_TRAIN,
	};
	if (emit_image(r, image, &err) < 0 || cx_emit_qa(sink, &qa, &err) < 0) {
		cx_row_reject(sink, JSON_NAME, n, "%s", err.msg);
		return;
	}
	cx_row_kept(sink, JSON_NAME, n);
}

static int vqa_rad_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	cJSON *root;
	int rc = cx_json_load(rel, JSON_NAME, JSON_MAX, &root, err);
	if (rc)
		return rc;
	if (!cJSON_IsArray(root)) {
		rc = cx_error_set(err, CX_EFORMAT, "%s: expected a JSON list of records, found %s",
				  JSON_NAME, cx_json_kind(root));
		cJSON_Delete(root);
		return rc;
	}
	struct reader r = {.rel = rel, .sink = sink};
	long n = 0;
	const cJSON *rec;
	cJSON_ArrayForEach(rec, root)
		read_record(&r, rec, ++n);
	for (int i = 0; i < F_N; i++)
		cx_buf_release(&r.val[i]);
	cx_buf_release(&r.why);
	cx_buf_release(&r.path);
	cx_strset_release(&r.images);
	cJSON_Delete(root);
	return 0;
}

/* The JSON file at the root or one folder down (an OSF download folder). */
static int vqa_rad_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, JSON_NAME);
}

static const struct cx_entry_def vqa_rad_entries[] = {
	{"open-ended-vqa", CX_DERIVE_QA_OPEN, 0},
	{"close-ended-vqa", CX_DERIVE_QA_CLOSED, 0},
};

const struct cx_adapter cx_adapter_vqa_rad = {
	.id = "vqa-rad",
	.dataset = "VQA-RAD",
	.versions = "OSF 2018 public JSON",
	.license = "CC0 1.0",
	.access = "public",
	.labels = NULL,
	.entries = vqa_rad_entries,
	.nentries = CX_ARRAY_LEN(vqa_rad_entries),
	.probe = vqa_rad_probe,
	.read = vqa_rad_read,
};

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
#include "adapters/rows.h"
#include "adapters/strset.h"
#include "io/release.h"

#define JSON_NAME "VQA_RAD Dataset Public.json"
#define IMAGE_DIR "VQA_RAD Image Folder/"
#define JSON_MAX ((size_t)64 << 20)

/* The keys read from one record; which are required and how typed. */
enum { F_QID, F_PHRASE, F_IMAGE, F_ORGAN, F_QUESTION, F_ANSWER, F_ATYPE, F_QTYPE, F_N };

static const struct cx_json_key keys[F_N] = {
	[F_QID] = {.name = "qid", .kinds = CX_JSON_STRING | CX_JSON_INT, .required = 1},
	[F_PHRASE] = {.name = "phrase_type", .kinds = CX_JSON_STRING, .required = 1},
	[F_IMAGE] = {.name = "image_name", .kinds = CX_JSON_STRING, .required = 1},
	[F_ORGAN] = {.name = "image_organ", .kinds = CX_JSON_STRING, .required = 1},
	[F_QUESTION] = {.name = "question", .kinds = CX_JSON_STRING, .required = 1},
	[F_ANSWER] = {.name = "answer", .kinds = CX_JSON_STRING | CX_JSON_INT, .required = 1},
	[F_ATYPE] = {.name = "answer_type", .kinds = CX_JSON_STRING, .required = 1},
	[F_QTYPE] = {.name = "question_type", .kinds = CX_JSON_STRING, .required = 0},
};

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	struct cx_strset images; /* image names emitted */
	struct cx_buf atype;
	struct cx_buf why;
	struct cx_buf path;
};

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

/* One record; the helper has checked its keys (the release writes a missing
 * value as the string "NULL", which the spec treats as absent). */
static struct cx_outcome read_record(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *const *v = row->v;
	const char *image = v[F_IMAGE];
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "image_name", image, CX_NAME_FILE, &o))
		return o;
	const char *empty = !v[F_QID][0] ? "qid" : !v[F_QUESTION][0] ? "question"
			  : !v[F_ANSWER][0] ? "answer" : NULL;
	if (empty)
		return cx_rows_reject(row, "empty '%s'", empty);
	/* "CLOSED " (trailing space) occurs twice in the release. */
	cx_buf_reset(&r->atype);
	cx_buf_adds(&r->atype, v[F_ATYPE]);
	int closed;
	cx_buf_reset(&r->why);
	if (cx_json_answer_type(cx_trim(r->atype.data), &closed, &r->why) < 0)
		return cx_rows_reject(row, "%s", r->why.data);
	if (strcmp(v[F_ORGAN], "CHEST") != 0)
		return cx_rows_filter("not-chest");
	struct cx_error err = {0};
	struct cx_qa_fact qa = {
		.key = v[F_QID],
		.image = image,
		.question = v[F_QUESTION],
		.answer = v[F_ANSWER],
		.closed = closed,
		.qtype = v[F_QTYPE],
		.split = cx_str_starts(v[F_PHRASE], "test_") ? CX_SPLIT_TEST : CX_SPLIT_TRAIN,
	};
	if (emit_image(r, image, &err) < 0 || cx_emit_qa(r->sink, &qa, &err) < 0)
		return cx_rows_reject(row, "%s", err.msg);
	return cx_rows_keep();
}

static int vqa_rad_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	static const struct cx_json_spec spec = {
		.file = JSON_NAME,
		.max = JSON_MAX,
		.keys = keys,
		.nkeys = F_N,
		.absent = "NULL",
		.fn = read_record,
	};
	struct reader r = {.rel = rel, .sink = sink};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = cx_rows_json(&rows, rel, &spec, err);
	cx_buf_release(&r.atype);
	cx_buf_release(&r.why);
	cx_buf_release(&r.path);
	cx_strset_release(&r.images);
	return rc;
}

/* The JSON file at the root or one folder down (an OSF download folder). */
static int vqa_rad_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, JSON_NAME);
}

static const struct cx_entry_def vqa_rad_entries[] = {
	{.task = "open-ended-vqa", .rule = &cx_rule_qa_open},
	{.task = "close-ended-vqa", .rule = &cx_rule_qa_closed},
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

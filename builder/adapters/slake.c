/*
 * slake.c - SLAKE 1.0: bilingual medical VQA over CT, MRI and X-ray images,
 * of which the English questions about chest X-rays feed the open- and
 * close-ended VQA tasks.
 *
 * The release has one JSON list per split: train.json, validate.json (named
 * validation.json on the Hugging Face copy) and test.json, 3 MB at most, so
 * each is read whole with cJSON (capped at 64 MiB). A record's number is its
 * 1-based position in its file. Images are `imgs/<img_name>`, from the
 * extracted folder or from `imgs.zip`, whose members are expected to carry
 * the `imgs/` folder too (sources/slake.md); an image named by questions of
 * several splits (they share images) is emitted once, with no split.
 *
 * Filters, in this order and before any field the task keeps is validated
 * (sources/slake.md): q_lang other than "en" is "non-english"; an image that
 * is not a chest X-ray is "not-chest-xray". Only records in scope can be
 * rejected (an empty answer, an unknown answer_type, an unsafe img_name).
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/json-file.h"
#include "adapters/rows.h"
#include "adapters/strset.h"
#include "io/release.h"

#define JSON_MAX ((size_t)64 << 20)

/* The keys read from one record, all required. */
enum { F_QID, F_IMAGE, F_QUESTION, F_ANSWER, F_LANG, F_LOCATION, F_MODALITY, F_ATYPE,
       F_CTYPE, F_N };

static const struct cx_json_key keys[F_N] = {
	[F_QID] = {.name = "qid", .kinds = CX_JSON_INT, .required = 1},
	[F_IMAGE] = {.name = "img_name", .kinds = CX_JSON_STRING, .required = 1},
	[F_QUESTION] = {.name = "question", .kinds = CX_JSON_STRING, .required = 1},
	[F_ANSWER] = {.name = "answer", .kinds = CX_JSON_STRING | CX_JSON_INT, .required = 1},
	[F_LANG] = {.name = "q_lang", .kinds = CX_JSON_STRING, .required = 1},
	[F_LOCATION] = {.name = "location", .kinds = CX_JSON_STRING, .required = 1},
	[F_MODALITY] = {.name = "modality", .kinds = CX_JSON_STRING, .required = 1},
	[F_ATYPE] = {.name = "answer_type", .kinds = CX_JSON_STRING, .required = 1},
	[F_CTYPE] = {.name = "content_type", .kinds = CX_JSON_STRING, .required = 1},
};

/*
 * A chest X-ray is modality "X-Ray" at one of the chest locations. In the
 * real 1.0 files every X-Ray record is at "Lung" (the Chest_* locations only
 * occur with CT), so the list also covers a future relabelling.
 */
static const char *const chest_locations[] = {"Lung", "Chest_heart", "Chest_lung",
					      "Chest_mediastinal"};

static int is_chest_xray(const char *modality, const char *location)
{
	if (strcmp(modality, "X-Ray") != 0)
		return 0;
	for (size_t i = 0; i < CX_ARRAY_LEN(chest_locations); i++)
		if (!strcmp(location, chest_locations[i]))
			return 1;
	return 0;
}

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	enum cx_split split;       /* of the JSON file being read */
	struct cx_strset images;   /* image names emitted */
	struct cx_buf why;
	struct cx_buf path;
};

/*
 * Emits the image fact the first time an image is named. The path is
 * imgs/<img_name>, or <img_name> itself when only that exists (an imgs.zip
 * packed without its top folder).
 */
static int emit_image(struct reader *r, const char *name, struct cx_error *err)
{
	if (cx_strset_has(&r->images, name))
		return 0;
	cx_buf_reset(&r->path);
	cx_buf_addf(&r->path, "imgs/%s", name);
	if (!cx_release_exists(r->rel, r->path.data) && cx_release_exists(r->rel, name)) {
		cx_buf_reset(&r->path);
		cx_buf_adds(&r->path, name);
	}
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = name;
	f.path = r->path.data;
	int rc = cx_emit_image(r->sink, &f, err);
	if (rc == 0)
		cx_strset_add(&r->images, name);
	return rc;
}

/* One record; the helper has checked that every key is there and typed. */
static struct cx_outcome read_record(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *const *v = row->v;
	const char *image = v[F_IMAGE];
	/* Scope first: a record outside it (a CT question with an empty answer)
	 * is never used, so it is filtered, not rejected, whatever its fields. */
	if (strcmp(v[F_LANG], "en") != 0)
		return cx_rows_filter("non-english");
	if (!is_chest_xray(v[F_MODALITY], v[F_LOCATION]))
		return cx_rows_filter("not-chest-xray");
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "img_name", image, CX_NAME_PATH, &o))
		return o;
	if (!v[F_QUESTION][0] || !v[F_ANSWER][0])
		return cx_rows_reject(row, "empty '%s'", v[F_QUESTION][0] ? "answer" : "question");
	int closed;
	cx_buf_reset(&r->why);
	if (cx_json_answer_type(v[F_ATYPE], &closed, &r->why) < 0)
		return cx_rows_reject(row, "%s", r->why.data);
	struct cx_error err = {0};
	struct cx_qa_fact qa = {
		.key = v[F_QID],
		.image = image,
		.question = v[F_QUESTION],
		.answer = v[F_ANSWER],
		.closed = closed,
		.qtype = v[F_CTYPE],
		.split = r->split,
	};
	if (emit_image(r, image, &err) < 0 || cx_emit_qa(r->sink, &qa, &err) < 0)
		return cx_rows_reject(row, "%s", err.msg);
	return cx_rows_keep();
}

static int read_file(struct cx_rows *rows, struct cx_release *rel, const char *name,
		     enum cx_split split, struct cx_error *err)
{
	struct cx_json_spec spec = {
		.file = name,
		.max = JSON_MAX,
		.keys = keys,
		.nkeys = F_N,
		.fn = read_record,
	};
	((struct reader *)rows->ctx)->split = split;
	return cx_rows_json(rows, rel, &spec, err);
}

/* validate.json as released, validation.json on the Hugging Face copy. */
static const char *val_name(struct cx_release *rel)
{
	if (cx_release_exists(rel, "validate.json"))
		return "validate.json";
	if (cx_release_exists(rel, "validation.json"))
		return "validation.json";
	return NULL;
}

static int slake_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	/* All three files must be there before any fact is handed on. */
	const char *val = val_name(rel);
	if (!val)
		return cx_error_set(err, CX_ENOTFOUND,
				    "%s: missing file 'validate.json' (or 'validation.json')",
				    cx_release_path(rel));
	const char *need[] = {"train.json", "test.json"};
	for (size_t i = 0; i < CX_ARRAY_LEN(need); i++)
		if (!cx_release_exists(rel, need[i]))
			return cx_error_set(err, CX_ENOTFOUND, "%s: missing file '%s'",
					    cx_release_path(rel), need[i]);
	struct reader r = {.rel = rel, .sink = sink};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = read_file(&rows, rel, "train.json", CX_SPLIT_TRAIN, err);
	if (rc == 0)
		rc = read_file(&rows, rel, val, CX_SPLIT_VAL, err);
	if (rc == 0)
		rc = read_file(&rows, rel, "test.json", CX_SPLIT_TEST, err);
	cx_buf_release(&r.why);
	cx_buf_release(&r.path);
	cx_strset_release(&r.images);
	return rc;
}

/*
 * train.json and test.json are common names (ChestX-Det10 has both), so the
 * probe wants the validation file and a SLAKE key ("q_lang") in the first
 * 4 KiB of train.json.
 */
static int slake_probe(struct cx_release *rel)
{
	if (!cx_release_locate(rel, "validate.json") && !cx_release_locate(rel, "validation.json"))
		return 0;
	struct cx_error err = {0};
	struct cx_stream *s;
	if (cx_release_open_file(rel, "train.json", &s, &err))
		return 0;
	char head[4097];
	size_t len = 0;
	long n;
	while (len < sizeof(head) - 1 &&
	       (n = cx_stream_read(s, head + len, sizeof(head) - 1 - len, &err)) > 0)
		len += (size_t)n;
	cx_stream_close(s);
	head[len] = '\0';
	return strstr(head, "\"q_lang\"") != NULL;
}

static const struct cx_entry_def slake_entries[] = {
	{.task = "open-ended-vqa", .rule = &cx_rule_qa_open},
	{.task = "close-ended-vqa", .rule = &cx_rule_qa_closed},
};

const struct cx_adapter cx_adapter_slake = {
	.id = "slake",
	.dataset = "SLAKE",
	.versions = "1.0",
	.license = "CC BY 4.0",
	.access = "public",
	.labels = NULL,
	.entries = slake_entries,
	.nentries = CX_ARRAY_LEN(slake_entries),
	.probe = slake_probe,
	.read = slake_read,
};

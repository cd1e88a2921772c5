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
 * Filters, in this order (sources/slake.md): q_lang other than "en" is
 * "non-english"; an image that is not a chest X-ray is "not-chest-xray".
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/json-file.h"
#include "adapters/strset.h"
#include "io/release.h"

#define JSON_MAX ((size_t)64 << 20)

/* The fields read from one record, all required. */
enum { F_QID, F_IMAGE, F_QUESTION, F_ANSWER, F_LANG, F_LOCATION, F_MODALITY, F_ATYPE,
       F_CTYPE, F_N };

static const struct {
	const char *key;
	int kinds;
} fields[F_N] = {
	[F_QID] = {"qid", CX_JSON_INT},
	[F_IMAGE] = {"img_name", CX_JSON_STRING},
	[F_QUESTION] = {"question", CX_JSON_STRING},
	[F_ANSWER] = {"answer", CX_JSON_STRING | CX_JSON_INT},
	[F_LANG] = {"q_lang", CX_JSON_STRING},
	[F_LOCATION] = {"location", CX_JSON_STRING},
	[F_MODALITY] = {"modality", CX_JSON_STRING},
	[F_ATYPE] = {"answer_type", CX_JSON_STRING},
	[F_CTYPE] = {"content_type", CX_JSON_STRING},
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
	const char *file;          /* the JSON file being read */
	enum cx_split split;
	struct cx_strset images;   /* image names emitted */
	struct cx_buf val[F_N];
	struct cx_buf why;
	struct cx_buf path;
};

/* Reads and checks the fields of a record; 0, or -1 with the reason. */
static int read_fields(struct reader *r, const cJSON *rec, int *closed)
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
		if (rc == 0) {
			cx_buf_addf(&r->why, "missing '%s'", fields[i].key);
			return -1;
		}
	}
	const char *image = r->val[F_IMAGE].data;
	if (!image[0] || image[0] == '/' || strstr(image, "..")) {
		cx_buf_addf(&r->why, "img_name '%s' is not a path inside imgs/", image);
		return -1;
	}
	if (!r->val[F_QUESTION].len || !r->val[F_ANSWER].len) {
		cx_buf_addf(&r->why, "empty '%s'", r->val[F_QUESTION].len ? "answer" : "question");
		return -1;
	}
	return cx_json_answer_type(r->val[F_ATYPE].data, closed, &r->why);
}

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

static void read_record(struct reader *r, const cJSON *rec, long n)
{
	const struct cx_sink *sink = r->sink;
	int closed;
	if (read_fields(r, rec, &closed) < 0) {
		cx_row_reject(sink, r->file, n, "%s", r->why.data);
		return;
	}
	if (strcmp(r->val[F_LANG].data, "en") != 0) {
		cx_row_filter(sink, r->file, n, "non-english");
		return;
	}
	if (!is_chest_xray(r->val[F_MODALITY].data, r->val[F_LOCATION].data)) {
		cx_row_filter(sink, r->file, n, "not-chest-xray");
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
		.qtype = r->val[F_CTYPE].data,
		.split = r->split,
	};
	if (emit_image(r, image, &err) < 0 || cx_emit_qa(sink, &qa, &err) < 0) {
		cx_row_reject(sink, r->file, n, "%s", err.msg);
		return;
	}
	cx_row_kept(sink, r->file, n);
}

static int read_file(struct reader *r, const char *name, enum cx_split split,
		     struct cx_error *err)
{
	cJSON *root;
	int rc = cx_json_load(r->rel, name, JSON_MAX, &root, err);
	if (rc)
		return rc;
	if (!cJSON_IsArray(root)) {
		rc = cx_error_set(err, CX_EFORMAT, "%s: expected a JSON list of records, found %s",
				  name, cx_json_kind(root));
		cJSON_Delete(root);
		return rc;
	}
	r->file = name;
	r->split = split;
	long n = 0;
	const cJSON *rec;
	cJSON_ArrayForEach(rec, root)
		read_record(r, rec, ++n);
	cJSON_Delete(root);
	return 0;
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
	int rc = read_file(&r, "train.json", CX_SPLIT_TRAIN, err);
	if (rc == 0)
		rc = read_file(&r, val, CX_SPLIT_VAL, err);
	if (rc == 0)
		rc = read_file(&r, "test.json", CX_SPLIT_TEST, err);
	for (int i = 0; i < F_N; i++)
		cx_buf_release(&r.val[i]);
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
	{"open-ended-vqa", CX_DERIVE_QA_OPEN, 0},
	{"close-ended-vqa", CX_DERIVE_QA_CLOSED, 0},
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

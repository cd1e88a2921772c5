/*
 * chestx-det.c - the ChestX-Det adapter (Deepwise AILab, 3,578 NIH
 * ChestX-ray14 images with instance boxes and masks of 13 findings), and the
 * reader it shares with ChestX-Det10 (chestx-det10.c), its 3,543-image,
 * 10-finding predecessor.
 *
 * Each release is two JSON lists, one per split (train and test; no val),
 * of records {"file_name": "36204.png", "syms": [...], "boxes": [[x1, y1,
 * x2, y2], ...]} (ChestX-Det adds "polygons": one point list per box, the
 * finding's outline). syms[i] is the finding of boxes[i]; a record with empty
 * lists is an image without findings. Boxes are pixels of the NIH images'
 * released 1024 x 1024 frame, stated so, as for NIH's own boxes. The file
 * names are new numeric ids: the JSON says nothing of the NIH name, patient
 * or study, so an image has no patient here, and the same picture is found
 * again in NIH's release only by its pixels (`dedup`, the sharder's pixel
 * hash). Each image's labels are the findings it boxes, or "No Finding"
 * when it boxes none (vocab/chestx-det.c). ChestX-Det's boxes are its
 * released boxes, not the polygons' enclosing boxes: 202 of its 9,639 boxes
 * are wider than their outline (small findings were given boxes of at least
 * 20 px), and the box is what the release calls the finding's box. The
 * polygons are checked (one per box, each a list of [x, y] number pairs)
 * and not stored. Layout, rules and counts: sources/chestx-det.md,
 * sources/chestx-det10.md.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/chestx-det.h"
#include "adapters/rows.h"
#include "adapters/strset.h"
#include "io/release.h"

/* The NIH images' released size: the frame of every box. */
#define NIH_FRAME 1024
/* ChestX_Det_train.json is 2.2 MB: a file past this is not the release's. */
#define JSON_MAX ((size_t)64 << 20)

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	const struct cx_deepwise_spec *spec;
	enum cx_split split;
	const char *const *dirs; /* where this split's images may be */
	struct cx_strset names;  /* file names kept so far, both files */
	struct cx_buf path;
};

static const char *const train_dirs[] = {"train_data/", "train/", NULL};
static const char *const test_dirs[] = {"test_data/", "test/", NULL};

static int known_class(const struct cx_deepwise_spec *spec, const char *s)
{
	for (const char *const *c = spec->classes; *c; c++)
		if (!strcmp(*c, s))
			return 1;
	return 0;
}

/* The list under key, or a reason in why: NULL when absent or not a list. */
static const cJSON *list_of(const cJSON *obj, const char *key, struct cx_buf *why)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		cx_buf_addf(why, "missing '%s'", key);
	else if (!cJSON_IsArray(v))
		cx_buf_addf(why, "'%s' is %s, expected a list", key, cx_json_kind(v));
	else
		return v;
	return NULL;
}

/* Box i as [x1, y1, x2, y2], top-left and bottom-right corners, into b. */
static int parse_box(const cJSON *v, int i, struct cx_box_fact *b, struct cx_buf *why)
{
	double c[4];
	int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
	for (int k = 0; n == 4 && k < 4; k++) {
		const cJSON *e = cJSON_GetArrayItem(v, k);
		if (!cJSON_IsNumber(e))
			n = -1;
		else
			c[k] = e->valuedouble;
	}
	if (n != 4) {
		cx_buf_addf(why, "invalid box %d: expected a list of 4 numbers [x1, y1, x2, y2]",
			    i + 1);
		return -1;
	}
	if (c[2] <= c[0] || c[3] <= c[1]) {
		cx_buf_addf(why, "invalid box %d [%g, %g, %g, %g]: its second corner is not"
			    " below and right of its first", i + 1, c[0], c[1], c[2], c[3]);
		return -1;
	}
	b->x = c[0];
	b->y = c[1];
	b->w = c[2] - c[0];
	b->h = c[3] - c[1];
	b->frame_width = b->frame_height = NIH_FRAME;
	return 0;
}

/* Polygon i: a list of [x, y] number pairs (checked, not stored). */
static int check_polygon(const cJSON *p, int i, struct cx_buf *why)
{
	int ok = cJSON_IsArray(p) && cJSON_GetArraySize(p) > 0;
	for (const cJSON *pt = ok ? p->child : NULL; pt; pt = pt->next)
		if (!cJSON_IsArray(pt) || cJSON_GetArraySize(pt) != 2 ||
		    !cJSON_IsNumber(cJSON_GetArrayItem(pt, 0)) ||
		    !cJSON_IsNumber(cJSON_GetArrayItem(pt, 1)))
			ok = 0;
	if (!ok)
		cx_buf_addf(why, "invalid polygon %d: expected a list of [x, y] points", i + 1);
	return ok ? 0 : -1;
}

/* The lists of a record agree: as many syms as boxes (and polygons), each a
 * known class, each box a box. Returns the number of boxes, or -1. */
static int check_lists(const struct reader *r, const char *name, const cJSON *obj,
		       struct cx_buf *why)
{
	const cJSON *syms = list_of(obj, "syms", why);
	const cJSON *boxes = syms ? list_of(obj, "boxes", why) : NULL;
	const cJSON *polys = boxes && r->spec->polygons ? list_of(obj, "polygons", why) : NULL;
	if (!boxes || (r->spec->polygons && !polys))
		return -1;
	int n = cJSON_GetArraySize(syms);
	if (cJSON_GetArraySize(boxes) != n || (polys && cJSON_GetArraySize(polys) != n)) {
		cx_buf_addf(why, "invalid record: %d syms, %d boxes", n, cJSON_GetArraySize(boxes));
		if (polys)
			cx_buf_addf(why, ", %d polygons", cJSON_GetArraySize(polys));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const cJSON *s = cJSON_GetArrayItem(syms, i);
		struct cx_box_fact b = {.image = name};
		if (!cJSON_IsString(s)) {
			cx_buf_addf(why, "syms %d is %s, expected a string", i + 1,
				    cx_json_kind(s));
			return -1;
		}
		if (!known_class(r->spec, s->valuestring)) {
			cx_buf_addf(why, "unknown value '%s' in 'syms'", s->valuestring);
			return -1;
		}
		if (parse_box(cJSON_GetArrayItem(boxes, i), i, &b, why) ||
		    (polys && check_polygon(cJSON_GetArrayItem(polys, i), i, why)))
			return -1;
		/* The box's own check (its frame, its area on the 0-100 grid) now,
		 * so that a record with a refused box emits nothing at all. */
		struct cx_error err = {0};
		b.label = s->valuestring;
		if (cx_fact_check(CX_FACT(BOX), &b, &err)) {
			cx_buf_addf(why, "%s", err.msg);
			return -1;
		}
	}
	return n;
}

/* The image's path: in the first of the split's folders that holds it, or
 * the first folder (the catalogue then rejects the row as a missing image). */
static const char *image_path(struct reader *r, const char *name)
{
	for (int pass = 0; pass < 2; pass++)
		for (const char *const *d = r->dirs; *d; d++) {
			cx_buf_reset(&r->path);
			cx_buf_addf(&r->path, "%s%s", *d, name);
			if (pass || cx_release_exists(r->rel, r->path.data))
				return r->path.data;
		}
	return NULL;
}

/* The image's labels: each finding it boxes once, in the order of syms, or
 * "No Finding" for a record that boxes nothing. */
static int emit_labels(struct reader *r, const char *name, const cJSON *syms, int n,
		       struct cx_error *err)
{
	struct cx_label *l = cx_calloc(n ? (size_t)n : 1, sizeof(*l));
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		const char *s = cJSON_GetArrayItem(syms, i)->valuestring;
		size_t j = 0;
		while (j < k && strcmp(l[j].name, s))
			j++;
		if (j == k)
			l[k++] = (struct cx_label){s, CX_LABEL_POS};
	}
	if (!n)
		l[k++] = (struct cx_label){"No Finding", CX_LABEL_POS};
	struct cx_labels_fact f = {name, 0, l, k};
	int rc = cx_emit_labels(r->sink, &f, err);
	free(l);
	return rc;
}

static int emit_record(struct reader *r, const char *name, const cJSON *obj, int n,
		       struct cx_error *err)
{
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = name;
	f.path = image_path(r, name);
	f.split = r->split;
	const cJSON *syms = cJSON_GetObjectItemCaseSensitive(obj, "syms");
	if (cx_emit_image(r->sink, &f, err) || emit_labels(r, name, syms, n, err))
		return err->code;
	const cJSON *boxes = cJSON_GetObjectItemCaseSensitive(obj, "boxes");
	struct cx_buf why = CX_BUF_INIT;
	for (int i = 0; i < n; i++) {
		struct cx_box_fact b = {.image = name};
		parse_box(cJSON_GetArrayItem(boxes, i), i, &b, &why); /* checked before */
		b.label = cJSON_GetArrayItem(syms, i)->valuestring;
		if (cx_emit_box(r->sink, &b, err))
			break;
	}
	cx_buf_release(&why);
	return err->code;
}

/* One record: an image and one box per finding. */
static struct cx_outcome record(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *name = row->v[0];
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "file_name", name, CX_NAME_FILE, &o))
		return o;
	struct cx_buf why = CX_BUF_INIT;
	int n = check_lists(r, name, row->obj, &why);
	if (n < 0) {
		o = cx_rows_reject(row, "%s", why.data);
		cx_buf_release(&why);
		return o;
	}
	cx_buf_release(&why);
	if (cx_strset_has(&r->names, name))
		return cx_rows_reject(row, "second record for file_name '%s'", name);
	struct cx_error err = {0};
	if (emit_record(r, name, row->obj, n, &err))
		return cx_rows_reject(row, "%s", err.msg);
	cx_strset_add(&r->names, name);
	return cx_rows_keep();
}

static int read_split(struct reader *r, struct cx_rows *rows, const char *file,
		      enum cx_split split, struct cx_error *err)
{
	static const struct cx_json_key keys[] = {
		{"file_name", CX_JSON_STRING, 1},
	};
	struct cx_json_spec spec = {
		.file = file, .max = JSON_MAX, .keys = keys, .nkeys = CX_ARRAY_LEN(keys),
		.fn = record,
	};
	r->split = split;
	r->dirs = split == CX_SPLIT_TRAIN ? train_dirs : test_dirs;
	return cx_rows_json(rows, r->rel, &spec, err);
}

int cx_deepwise_read(struct cx_release *rel, const struct cx_sink *sink,
		     const struct cx_deepwise_spec *spec, struct cx_error *err)
{
	const char *need[] = {spec->train_json, spec->test_json};
	for (size_t i = 0; i < CX_ARRAY_LEN(need); i++)
		if (!cx_release_exists(rel, need[i]))
			return cx_error_set(err, CX_ENOTFOUND, "%s: missing file '%s'",
					    cx_release_path(rel), need[i]);
	struct reader r = {.rel = rel, .sink = sink, .spec = spec};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = read_split(&r, &rows, spec->train_json, CX_SPLIT_TRAIN, err);
	if (rc == 0)
		rc = read_split(&r, &rows, spec->test_json, CX_SPLIT_TEST, err);
	cx_strset_release(&r.names);
	cx_buf_release(&r.path);
	return rc;
}

int cx_deepwise_probe(struct cx_release *rel, const char *train_json)
{
	if (!cx_release_locate(rel, train_json))
		return 0;
	struct cx_error err = {0};
	struct cx_stream *s;
	if (cx_release_open_file(rel, train_json, &s, &err))
		return 0;
	char head[4097];
	size_t len = 0;
	long n;
	while (len < sizeof(head) - 1 &&
	       (n = cx_stream_read(s, head + len, sizeof(head) - 1 - len, &err)) > 0)
		len += (size_t)n;
	cx_stream_close(s);
	head[len] = '\0';
	return strstr(head, "\"syms\"") != NULL && strstr(head, "\"file_name\"") != NULL;
}

/* ---- ChestX-Det itself ---- */

static const char *const det_classes[] = {
	"Atelectasis", "Calcification", "Cardiomegaly", "Consolidation", "Diffuse Nodule",
	"Effusion",    "Emphysema",     "Fibrosis",     "Fracture",      "Mass",
	"Nodule",      "Pleural Thickening", "Pneumothorax", NULL,
};

static const struct cx_deepwise_spec det_spec = {
	.train_json = "ChestX_Det_train.json",
	.test_json = "ChestX_Det_test.json",
	.classes = det_classes,
	.polygons = 1,
};

static int det_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	return cx_deepwise_read(rel, sink, &det_spec, err);
}

static int det_probe(struct cx_release *rel)
{
	return cx_deepwise_probe(rel, det_spec.train_json);
}

static const struct cx_entry_def entries[] = {
	{.task = "abnormality-grounding", .rule = &cx_rule_boxes},
	{.task = "abnormality-detection", .rule = &cx_rule_detection},
};

const struct cx_adapter cx_adapter_chestx_det = {
	.id = "chestx-det",
	.dataset = "ChestX-Det",
	.versions = "GitHub Deepwise-AILab/ChestX-Det-Dataset (2021)",
	.license = "annotations: Apache 2.0 (Deepwise-AILab/ChestX-Det-Dataset); images: NIH "
		   "ChestX-ray14 terms",
	.access = "public",
	.labels = &cx_vocab_chestx_det,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = det_probe,
	.read = det_read,
};

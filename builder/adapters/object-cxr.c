/*
 * object-cxr.c - the Object-CXR adapter (MIDL 2020 challenge, JF Healthcare:
 * 8,000 train and 1,000 dev chest X-rays from township hospitals in China,
 * half with foreign objects outlined).
 *
 * The release is train.csv and dev.csv, one row per image, and the JPEGs in
 * train/ and dev/ (or train.zip and dev.zip holding those folders). The
 * README's header is "image_path,annotation" with paths such as
 * "/path/#####.jpg"; the files as released say "image_name" with a bare file
 * name: both are read, the last component of a path being the file name. The
 * annotation (object-cxr.h) lists rectangles, ellipses and polygons; each
 * becomes its enclosing box, labelled "foreign object". An empty annotation
 * is an image without foreign objects: its image fact alone, the negative
 * that foreign-object detection answers "none". train.csv is the train split,
 * dev.csv val (the test set was never released).
 *
 * Boxes are pixels of the image file itself, and the images differ in size,
 * so each box states the frame 0 x 0: the renderer normalises it by the
 * image's own width and height, which the build reads from the JPEG's
 * header, and refuses a box that does not fit it. The official build does
 * the same with PIL's image size. Layout and rules: sources/object-cxr.md.
 */
#include "cx.h"

#include <ctype.h>

#include "adapters/adapter.h"
#include "adapters/object-cxr.h"
#include "adapters/rows.h"
#include "adapters/strset.h"
#include "io/csv.h"
#include "io/release.h"

#define BOX_LABEL "foreign object"
/* The longest coordinate token read (digits, a sign, a point). */
#define TOKEN_MAX 32

/* ---- the annotation string ---- */

/* A decimal number: an optional '-', digits, optionally '.' and digits. */
static int parse_number(const char *p, size_t len, double *out)
{
	char tok[TOKEN_MAX + 1];
	size_t i = 0, digits = 0;
	if (len == 0 || len > TOKEN_MAX)
		return -1;
	if (p[0] == '-')
		i++;
	for (; i < len && isdigit((unsigned char)p[i]); i++)
		digits++;
	if (i < len && p[i] == '.')
		for (i++; i < len && isdigit((unsigned char)p[i]); i++)
			digits++;
	if (i != len || !digits)
		return -1;
	memcpy(tok, p, len);
	tok[len] = '\0';
	*out = strtod(tok, NULL);
	return 0;
}

/* Appends a token of the annotation to a reason: at most TOKEN_MAX bytes of
 * it, every byte that is not printable ASCII written \xNN, so that a reason
 * is one line of ASCII whatever the release holds. */
static void quote(struct cx_buf *why, const char *p, size_t len)
{
	for (size_t i = 0; i < len && i < TOKEN_MAX; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c >= 0x7f)
			cx_buf_addf(why, "\\x%02X", c);
		else
			cx_buf_addc(why, (char)c);
	}
}

static int separator(char c)
{
	return isspace((unsigned char)c);
}

/* The enclosing box being built from a shape's points. */
struct shape {
	int type;
	size_t ncoords;
	double c[4];            /* rectangle, ellipse: the four given */
	double x1, y1, x2, y2;  /* polygon: min and max so far */
};

static void shape_coord(struct shape *s, double v)
{
	size_t k = s->ncoords++;
	if (k < 4)
		s->c[k] = v;
	if (s->type != 2)
		return;
	double *lo = k % 2 ? &s->y1 : &s->x1, *hi = k % 2 ? &s->y2 : &s->x2;
	if (k < 2 || v < *lo)
		*lo = v;
	if (k < 2 || v > *hi)
		*hi = v;
}

/* The shape's box, or -1 with the reason. */
static int shape_box(const struct shape *s, size_t idx, struct cx_object_cxr_box *b,
		     struct cx_buf *why)
{
	static const char *const names[] = {"rectangle", "ellipse", "polygon"};
	b->type = s->type;
	if (s->type < 2) {
		if (s->ncoords != 4) {
			cx_buf_addf(why, "shape %zu (%s) has %zu coordinates, expected 4"
				    " (x1 y1 x2 y2)", idx, names[s->type], s->ncoords);
			return -1;
		}
		if (s->c[2] <= s->c[0] || s->c[3] <= s->c[1]) {
			cx_buf_addf(why, "shape %zu (%s) has corners out of order: %g %g %g %g",
				    idx, names[s->type], s->c[0], s->c[1], s->c[2], s->c[3]);
			return -1;
		}
		b->x1 = s->c[0], b->y1 = s->c[1], b->x2 = s->c[2], b->y2 = s->c[3];
	} else {
		if (s->ncoords < 4 || s->ncoords % 2) {
			cx_buf_addf(why, "shape %zu (polygon) has %zu coordinates, expected x y"
				    " pairs of at least 2 points", idx, s->ncoords);
			return -1;
		}
		b->x1 = s->x1, b->y1 = s->y1, b->x2 = s->x2, b->y2 = s->y2;
	}
	b->x1 = b->x1 < 0 ? 0 : b->x1;
	b->y1 = b->y1 < 0 ? 0 : b->y1;
	if (b->x2 <= b->x1 || b->y2 <= b->y1) {
		cx_buf_addf(why, "shape %zu (%s) encloses no area", idx, names[s->type]);
		return -1;
	}
	return 0;
}

/* One shape, p[0..len): its type then its coordinates, separated by blanks. */
static int parse_shape(const char *p, size_t len, size_t idx, struct cx_object_cxr_box *b,
		       struct cx_buf *why)
{
	struct shape s = {.type = -1};
	size_t i = 0;
	while (i < len) {
		while (i < len && separator(p[i]))
			i++;
		size_t start = i;
		while (i < len && !separator(p[i]))
			i++;
		if (i == start)
			break;
		if (s.type < 0) {
			if (i - start != 1 || p[start] < '0' || p[start] > '2') {
				cx_buf_addf(why, "shape %zu has unknown type '", idx);
				quote(why, p + start, i - start);
				cx_buf_adds(why, "' (0 rectangle, 1 ellipse, 2 polygon)");
				return -1;
			}
			s.type = p[start] - '0';
			continue;
		}
		double v;
		if (parse_number(p + start, i - start, &v)) {
			cx_buf_addf(why, "shape %zu has coordinate '", idx);
			quote(why, p + start, i - start);
			cx_buf_adds(why, "', not a decimal number");
			return -1;
		}
		shape_coord(&s, v);
	}
	return shape_box(&s, idx, b, why);
}

static int blank(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)p[i]))
			return 0;
	return 1;
}

int cx_object_cxr_parse(const char *s, struct cx_object_cxr_box *out, size_t *n,
			struct cx_buf *why)
{
	*n = 0;
	size_t idx = 0;
	while (*s) {
		const char *end = strchr(s, ';');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		if (!blank(s, len)) {
			if (*n == CX_OBJECT_CXR_MAX_SHAPES) {
				cx_buf_addf(why, "more than %d shapes", CX_OBJECT_CXR_MAX_SHAPES);
				return -1;
			}
			if (parse_shape(s, len, ++idx, &out[*n], why))
				return -1;
			(*n)++;
		}
		s += len + (end != NULL);
	}
	return 0;
}

/* ---- the release ---- */

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	const char *dir; /* "train/" or "dev/" */
	enum cx_split split;
	struct cx_strset names; /* image keys kept so far */
	struct cx_buf key;
	struct cx_object_cxr_box *boxes;
};

/* The file name of an image_name value, or of an image_path value (its last
 * component: the README's "/path/#####.jpg"). */
static const char *file_name(const struct cx_row *row)
{
	if (row->v[0])
		return row->v[0];
	const char *slash = strrchr(row->v[1], '/');
	return slash ? slash + 1 : row->v[1];
}

static int emit(struct reader *r, const char *key, size_t n, struct cx_error *err)
{
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = key;
	f.path = key;
	f.split = r->split;
	if (cx_emit_image(r->sink, &f, err))
		return err->code;
	for (size_t i = 0; i < n; i++) {
		const struct cx_object_cxr_box *q = &r->boxes[i];
		struct cx_box_fact b = {key, BOX_LABEL, q->x1, q->y1, q->x2 - q->x1, q->y2 - q->y1,
					0, 0};
		if (cx_emit_box(r->sink, &b, err))
			return err->code;
	}
	return 0;
}

static struct cx_outcome csv_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *name = file_name(row);
	struct cx_outcome o;
	if (cx_rows_safe_name(row, row->v[0] ? "image_name" : "image_path", name, CX_NAME_FILE,
			      &o))
		return o;
	size_t n;
	struct cx_buf why = CX_BUF_INIT;
	if (cx_object_cxr_parse(row->v[2], r->boxes, &n, &why)) {
		o = cx_rows_reject(row, "invalid annotation: %s", why.data);
		cx_buf_release(&why);
		return o;
	}
	cx_buf_release(&why);
	cx_buf_reset(&r->key);
	cx_buf_addf(&r->key, "%s%s", r->dir, name);
	if (cx_strset_has(&r->names, r->key.data))
		return cx_rows_reject(row, "second row for image '%s'", name);
	struct cx_error err = {0};
	if (emit(r, r->key.data, n, &err))
		return cx_rows_reject(row, "%s", err.msg);
	cx_strset_add(&r->names, r->key.data);
	return cx_rows_keep();
}

/* The header names image_name or image_path: read before any row, so that a
 * file with neither is an error naming it and no row is read. */
static int check_header(struct cx_release *rel, const char *file, struct cx_error *err)
{
	static const char *const names[] = {"image_name", "image_path"};
	static const int optional[] = {1, 1};
	struct cx_stream *s;
	int idx[2], rc = cx_release_open_file(rel, file, &s, err);
	if (rc)
		return rc;
	struct cx_csv *c = cx_csv_new(s, ',');
	rc = cx_csv_header(c, names, optional, 2, idx, err);
	cx_csv_free(c);
	cx_stream_close(s);
	if (rc == 0 && idx[0] < 0 && idx[1] < 0)
		rc = cx_error_set(err, CX_EFORMAT, "%s: line 1: no column 'image_name' or"
				  " 'image_path' in the header", file);
	return rc;
}

static int read_csv(struct reader *r, struct cx_rows *rows, const char *file, const char *dir,
		    enum cx_split split, struct cx_error *err)
{
	int rc = check_header(r->rel, file, err);
	if (rc)
		return rc;
	static const char *const cols[] = {"image_name", "image_path", "annotation"};
	static const int optional[] = {1, 1, 0};
	struct cx_csv_spec spec = {
		.file = file, .cols = cols, .optional = optional, .ncols = 3, .fn = csv_row,
	};
	r->dir = dir;
	r->split = split;
	return cx_rows_csv(rows, r->rel, &spec, err);
}

static int need(struct cx_release *rel, const char *file, struct cx_error *err)
{
	if (cx_release_exists(rel, file))
		return 0;
	return cx_error_set(err, CX_ENOTFOUND, "%s: missing file '%s'", cx_release_path(rel),
			    file);
}

static int objcxr_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	struct reader r = {.rel = rel, .sink = sink};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = need(rel, "train.csv", err);
	if (rc == 0)
		rc = need(rel, "dev.csv", err);
	r.boxes = cx_calloc(CX_OBJECT_CXR_MAX_SHAPES, sizeof(*r.boxes));
	if (rc == 0)
		rc = read_csv(&r, &rows, "train.csv", "train/", CX_SPLIT_TRAIN, err);
	if (rc == 0)
		rc = read_csv(&r, &rows, "dev.csv", "dev/", CX_SPLIT_VAL, err);
	free(r.boxes);
	cx_strset_release(&r.names);
	cx_buf_release(&r.key);
	return rc;
}

/* dev.csv names few releases, train.csv many: the probe wants dev.csv whose
 * header (its first 4 KiB) names the "annotation" column. */
static int objcxr_probe(struct cx_release *rel)
{
	if (!cx_release_locate(rel, "dev.csv"))
		return 0;
	struct cx_error err = {0};
	struct cx_stream *s;
	if (cx_release_open_file(rel, "dev.csv", &s, &err))
		return 0;
	char head[4097];
	long n = cx_stream_read(s, head, sizeof(head) - 1, &err);
	cx_stream_close(s);
	if (n <= 0)
		return 0;
	head[n] = '\0';
	head[strcspn(head, "\r\n")] = '\0';
	return strstr(head, "annotation") != NULL;
}

static const struct cx_entry_def entries[] = {
	{.task = "foreign-object-detection", .rule = &cx_rule_objects},
};

const struct cx_adapter cx_adapter_object_cxr = {
	.id = "object-cxr",
	.dataset = "Object-CXR",
	.versions = "MIDL 2020 challenge (train, dev)",
	.license = "research use (JF Healthcare object-CXR challenge; no licence file stated)",
	.access = "public",
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = objcxr_probe,
	.read = objcxr_read,
};

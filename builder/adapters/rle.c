/*
 * rle.c - masks released as run-length encodings (SIIM-ACR train-rle.csv)
 * turned into the bounding boxes of their regions, so they become box facts.
 *
 * SIIM's encoding (checked against its rle2mask and by decoding real rows):
 * pairs "start length"; the first start is a 0-based pixel offset, every
 * later start the gap after the end of the previous run; pixels are counted
 * down the columns (decode flat, reshape to width x height, transpose), so
 * pixel p is at x = p / height, y = p % height. "-1" is an empty mask.
 *
 * A run can cross from the bottom of one column to the top of the next, so
 * runs are cut into column segments; segments in the same or neighbouring
 * columns that touch (8-connectivity) are joined with union-find, and each
 * region's box is the extent of its segments. Nothing is decoded into a
 * pixel buffer: a 1024 x 1024 mask costs the number of its runs.
 *
 * cx_rle_extent() gives the one box enclosing a whole mask instead, in one
 * streaming pass (SIIM-ACR and CANDID-PTX state one box per released mask:
 * sources/siim-acr.md says why).
 *
 * The other variant, absolute RLE (every start a pixel offset, as Kaggle's
 * standard encoder and, reportedly, SIIM's stage-2 files write it), reads
 * the same tokens: cx_rle_is_absolute() tells a stream that can only be that
 * one (its starts keep growing past each run's end, and read as gaps they
 * run past the mask), so an adapter can name it instead of failing on it.
 */
#include "cx.h"

#include <errno.h>
#include <limits.h>

#include "adapters/adapter.h"

struct seg {
	long x, y0, y1; /* column, first and last row */
	size_t parent;
};

struct segs {
	struct seg *v;
	size_t n, cap;
};

static void seg_add(struct segs *s, long x, long y0, long y1)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = cx_realloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n] = (struct seg){x, y0, y1, s->n};
	s->n++;
}

/* Cuts the run [p, p + len) into the column segments it covers. */
static void add_run(struct segs *s, long long p, long long len, long height)
{
	while (len > 0) {
		long x = (long)(p / height), y = (long)(p % height);
		long long here = height - y < len ? height - y : len;
		seg_add(s, x, y, y + (long)here - 1);
		p += here;
		len -= here;
	}
}

/* Reads one non-negative number; 0, or CX_EFORMAT naming the token. */
static int read_num(const char **sp, long long *out, struct cx_error *err)
{
	const char *s = *sp;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || errno || (*end && !strchr(" \t\r\n", *end))) {
		/* the token up to the next white space, so the reason stays one line */
		size_t k = strcspn(s, " \t\r\n");
		return cx_error_set(err, CX_EFORMAT, "RLE value '%.*s' is not a number",
				    (int)(k < 40 ? k : 40), s);
	}
	if (v < 0)
		return cx_error_set(err, CX_EFORMAT, "RLE value %lld is negative", v);
	*out = v;
	*sp = end;
	return 0;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return s;
}

/* Hands each run, in pixel order, to on_run(ctx, first pixel, length). */
typedef void (*run_fn)(void *ctx, long long p, long long len, long height);

static void seg_run(void *ctx, long long p, long long len, long height)
{
	add_run(ctx, p, len, height);
}

static int decode(const char *rle, long width, long height, run_fn on_run, void *ctx,
		  struct cx_error *err)
{
	long long total = (long long)width * height, pos = 0;
	const char *p = skip_space(rle);
	size_t run = 0;
	if (!*p)
		return cx_error_set(err, CX_EFORMAT, "empty RLE");
	while (*p) {
		long long start, len;
		run++;
		if (read_num(&p, &start, err))
			return err->code;
		p = skip_space(p);
		if (!*p)
			return cx_error_set(err, CX_EFORMAT,
					    "RLE has an odd number of values (run %zu has no length)",
					    run);
		if (read_num(&p, &len, err))
			return err->code;
		p = skip_space(p);
		if (len == 0)
			return cx_error_set(err, CX_EFORMAT, "RLE run %zu has length 0", run);
		if (start > total - pos || len > total - pos - start)
			return cx_error_set(err, CX_EFORMAT,
					    "RLE run %zu ends past the %ldx%ld mask", run, width,
					    height);
		pos += start;
		on_run(ctx, pos, len, height);
		pos += len;
	}
	return 0;
}

static size_t find(struct seg *v, size_t i)
{
	while (v[i].parent != i) {
		v[i].parent = v[v[i].parent].parent;
		i = v[i].parent;
	}
	return i;
}

static void join(struct seg *v, size_t a, size_t b)
{
	a = find(v, a);
	b = find(v, b);
	if (a != b)
		v[a > b ? a : b].parent = a < b ? a : b;
}

/*
 * Joins touching segments. Segments are in pixel order: by column, then row.
 * Within a column, a segment touches the one just above it when they are
 * adjacent; across columns, when their row ranges overlap or meet diagonally.
 * prev walks the previous column's segments alongside.
 */
static void connect(struct segs *s)
{
	size_t col = 0, prev = 0, prev_end = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct seg *g = &s->v[i];
		if (i && s->v[i - 1].x == g->x && s->v[i - 1].y1 + 1 >= g->y0)
			join(s->v, i - 1, i);
		if (i == 0 || s->v[i - 1].x != g->x) {
			/* a new column: the previous one is [col, i) when adjacent */
			prev = col;
			prev_end = i;
			if (i && s->v[i - 1].x != g->x - 1)
				prev = prev_end;
			col = i;
		}
		while (prev < prev_end && s->v[prev].y1 + 1 < g->y0)
			prev++;
		for (size_t j = prev; j < prev_end && s->v[j].y0 <= g->y1 + 1; j++)
			join(s->v, j, i);
	}
}

static int box_order(const void *a, const void *b)
{
	const struct cx_box_fact *p = a, *q = b;
	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	if (p->y != q->y)
		return p->y < q->y ? -1 : 1;
	if (p->w != q->w)
		return p->w < q->w ? -1 : 1;
	return p->h < q->h ? -1 : p->h > q->h;
}

/* One box per region: the extent of the segments sharing a root. */
static void regions(struct segs *s, struct cx_box_fact **boxes, size_t *n)
{
	long *x0 = cx_malloc(s->n * sizeof(long) * 4);
	long *y0 = x0 + s->n, *x1 = y0 + s->n, *y1 = x1 + s->n;
	size_t *slot = cx_malloc(s->n * sizeof(size_t));
	*n = 0;
	for (size_t i = 0; i < s->n; i++) {
		size_t r = find(s->v, i);
		const struct seg *g = &s->v[i];
		if (r == i) {
			slot[i] = (*n)++;
			x0[slot[i]] = x1[slot[i]] = g->x;
			y0[slot[i]] = g->y0;
			y1[slot[i]] = g->y1;
			continue;
		}
		size_t k = slot[r];
		if (g->x > x1[k])
			x1[k] = g->x;
		if (g->y0 < y0[k])
			y0[k] = g->y0;
		if (g->y1 > y1[k])
			y1[k] = g->y1;
	}
	*boxes = *n ? cx_malloc(*n * sizeof(**boxes)) : NULL;
	for (size_t k = 0; k < *n; k++)
		(*boxes)[k] = (struct cx_box_fact){.x = (double)x0[k], .y = (double)y0[k],
						   .w = (double)(x1[k] - x0[k] + 1),
						   .h = (double)(y1[k] - y0[k] + 1)};
	if (*n > 1)
		qsort(*boxes, *n, sizeof(**boxes), box_order);
	free(slot);
	free(x0);
}

int cx_rle_boxes(const char *rle, int width, int height, struct cx_box_fact **boxes, size_t *n,
		 struct cx_error *err)
{
	*boxes = NULL;
	*n = 0;
	if (width <= 0 || height <= 0)
		return cx_error_set(err, CX_EINVAL, "mask size %dx%d", width, height);
	const char *p = skip_space(rle);
	if (!strncmp(p, "-1", 2) && !*skip_space(p + 2))
		return 0;
	struct segs s = {0};
	int rc = decode(rle, width, height, seg_run, &s, err);
	if (rc == 0) {
		connect(&s);
		regions(&s, boxes, n);
	}
	free(s.v);
	return rc;
}

/* The extent of a mask so far; x0 > x1 while it is empty. */
struct extent {
	long long x0, y0, x1, y1;
};

static void extent_run(void *ctx, long long p, long long len, long height)
{
	struct extent *e = ctx;
	long long xa = p / height, ya = p % height;
	long long xb = (p + len - 1) / height, yb = (p + len - 1) % height;
	if (xa != xb) { /* down to the bottom of xa, from the top of xb */
		ya = 0;
		yb = height - 1;
	}
	if (e->x0 > e->x1) {
		*e = (struct extent){xa, ya < yb ? ya : yb, xb, ya > yb ? ya : yb};
		return;
	}
	if (xb > e->x1)
		e->x1 = xb;
	if (ya < e->y0)
		e->y0 = ya;
	if (yb > e->y1)
		e->y1 = yb;
}

int cx_rle_extent(const char *rle, int width, int height, struct cx_box_fact *box,
		  struct cx_error *err)
{
	*box = (struct cx_box_fact){0};
	if (width <= 0 || height <= 0)
		return cx_error_set(err, CX_EINVAL, "mask size %dx%d", width, height);
	const char *p = skip_space(rle);
	if (!strncmp(p, "-1", 2) && !*skip_space(p + 2))
		return 0;
	struct extent e = {1, 0, 0, 0};
	int rc = decode(rle, width, height, extent_run, &e, err);
	if (rc)
		return rc;
	*box = (struct cx_box_fact){.x = (double)e.x0, .y = (double)e.y0,
				    .w = (double)(e.x1 - e.x0 + 1),
				    .h = (double)(e.y1 - e.y0 + 1)};
	return 1;
}

/* Reads the next "start length" pair; 0 at the end, 1 for a pair, -1 when
 * the stream is not pairs of non-negative numbers. */
static int next_pair(const char **p, long long *start, long long *len)
{
	struct cx_error ignored = {0};
	*p = skip_space(*p);
	if (!**p)
		return 0;
	if (read_num(p, start, &ignored))
		return -1;
	*p = skip_space(*p);
	if (!**p || read_num(p, len, &ignored))
		return -1;
	return 1;
}

int cx_rle_is_absolute(const char *rle, int width, int height)
{
	long long total = (long long)width * height, end = -1, gaps = 0;
	const char *p = rle;
	long long start, len;
	int runs = 0, rc;
	if (width <= 0 || height <= 0)
		return 0;
	while ((rc = next_pair(&p, &start, &len)) == 1) {
		/* absolute: each run starts after the last one ends (1-based starts
		 * allowed: the last run may end at total + 1) */
		if (len <= 0 || start < end || start > total || len > total + 1 - start)
			return 0;
		end = start + len;
		if (gaps <= total)
			gaps += start + len;
		runs++;
	}
	return rc == 0 && runs >= 2 && gaps > total;
}

int cx_emit_rle_boxes(const struct cx_sink *s, const char *image, const char *label,
		      const char *rle, int width, int height, struct cx_error *err)
{
	struct cx_box_fact *boxes;
	size_t n;
	int rc = cx_rle_boxes(rle, width, height, &boxes, &n, err);
	for (size_t i = 0; i < n && rc == 0; i++) {
		boxes[i].image = image;
		boxes[i].label = label;
		boxes[i].frame_width = width; /* the mask's grid */
		boxes[i].frame_height = height;
		rc = cx_emit_box(s, &boxes[i], err);
	}
	free(boxes);
	return rc;
}

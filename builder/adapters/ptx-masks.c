/*
 * ptx-masks.c - images found by walking, and mask cells read into boxes, for
 * the SIIM-ACR and CANDID-PTX adapters (ptx-masks.h says what and why).
 */
#include "cx.h"

#include "adapters/ptx-masks.h"
#include "io/release.h"

static int ends_with(const char *s, const char *ext)
{
	size_t n = strlen(s), k = strlen(ext);
	return n > k && !strcasecmp(s + n - k, ext);
}

static int add_file(void *ctx, const char *name, struct cx_stream *s)
{
	struct cx_mask_images *ix = ctx;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (!s) /* a link leading out of the release: not an image of it */
		return 0;
	for (const char *const *e = ix->exts; *e; e++) {
		if (!ends_with(base, *e))
			continue;
		if (ix->n == ix->cap) {
			ix->cap = ix->cap ? 2 * ix->cap : 256;
			ix->v = cx_realloc(ix->v, ix->cap * sizeof(*ix->v));
		}
		size_t stem = strlen(base) - strlen(*e);
		ix->v[ix->n++] = (struct cx_mask_image){
			.stem = cx_strndup(base, stem), .path = cx_strdup(name)};
		return 0;
	}
	return 0;
}

int cx_mask_images_walk(struct cx_mask_images *ix, struct cx_release *rel, const char *pattern,
			struct cx_error *err)
{
	return cx_release_walk(rel, pattern, add_file, ix, err);
}

static int by_stem(const void *a, const void *b)
{
	const struct cx_mask_image *x = a, *y = b;
	int c = strcmp(x->stem, y->stem);
	return c ? c : strcmp(x->path, y->path);
}

void cx_mask_images_sort(struct cx_mask_images *ix)
{
	if (!ix->n)
		return;
	qsort(ix->v, ix->n, sizeof(*ix->v), by_stem);
	size_t k = 1;
	for (size_t i = 1; i < ix->n; i++) {
		if (!strcmp(ix->v[i].stem, ix->v[k - 1].stem)) {
			free(ix->v[i].stem);
			free(ix->v[i].path);
			continue;
		}
		ix->v[k++] = ix->v[i];
	}
	ix->n = k;
}

struct cx_mask_image *cx_mask_images_find(const struct cx_mask_images *ix, const char *stem)
{
	if (!ix->n)
		return NULL;
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ix->v[mid].stem, stem);
		if (!c)
			return &ix->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void cx_mask_images_release(struct cx_mask_images *ix)
{
	for (size_t i = 0; i < ix->n; i++) {
		free(ix->v[i].stem);
		free(ix->v[i].path);
	}
	free(ix->v);
	ix->v = NULL;
	ix->n = ix->cap = 0;
}

int cx_mask_cell(struct cx_row *row, const char *col, const char *cell, const char *image,
		 const char *label, struct cx_box_fact *box, int *has, struct cx_outcome *o)
{
	struct cx_error err = {0};
	*has = 0;
	if (!cell[strspn(cell, " \t\r\n")]) {
		*o = cx_rows_reject(row, "empty '%s'", col);
		return 1;
	}
	int rc = cx_rle_extent(cell, CX_MASK_GRID, CX_MASK_GRID, box, &err);
	if (rc < 0) {
		if (cx_rle_is_absolute(cell, CX_MASK_GRID, CX_MASK_GRID))
			*o = cx_rows_reject(row, "'%s' is absolute RLE (each start a pixel offset);"
					    " this release's masks are relative RLE (each start"
					    " the gap after the previous run)", col);
		else
			*o = cx_rows_reject(row, "'%s': %s", col, err.msg);
		return 1;
	}
	*has = rc;
	box->image = image;
	box->label = label;
	box->frame_width = box->frame_height = CX_MASK_GRID;
	if (*has && cx_fact_check(CX_FACT(BOX), box, &err)) {
		*o = cx_rows_reject(row, "'%s': %s", col, err.msg);
		return 1;
	}
	return 0;
}

int cx_mask_emit(const struct cx_sink *sink, struct cx_row *row, const struct cx_box_fact *box,
		 struct cx_outcome *o)
{
	struct cx_error err = {0};
	if (cx_emit_box(sink, box, &err)) {
		*o = cx_rows_reject(row, "%s", err.msg);
		return 1;
	}
	return 0;
}

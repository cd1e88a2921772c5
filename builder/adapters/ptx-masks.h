/*
 * ptx-masks.h - what the two mask releases, SIIM-ACR and CANDID-PTX, share:
 * images found by walking the release (their CSVs name an image by its SOP
 * UID alone, not by its path), and mask cells (SIIM's relative
 * run-length encoding on a 1024 x 1024 grid, or -1 for no mask) read into
 * one box each, enclosing the whole mask (adapters/rle.c, cx_rle_extent):
 * a row is one annotated instance in both releases (sources/siim-acr.md).
 */
#ifndef CX_PTX_MASKS_H
#define CX_PTX_MASKS_H

#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/rows.h"

/* The grid of every mask of both releases. */
#define CX_MASK_GRID 1024

/* What the rows read so far said about an image. */
enum { CX_MASK_UNSEEN, CX_MASK_EMPTY, CX_MASK_BOXES };

struct cx_mask_image {
	char *stem; /* the file name without its extension: the SOP UID */
	char *path; /* its name in the release */
	unsigned char state;
};

struct cx_mask_images {
	struct cx_mask_image *v;
	size_t n, cap;
	const char *const *exts; /* extensions taken (".dcm", ...), NULL-ended */
};

/* Adds every file matching pattern (fnmatch, '*' not crossing '/') whose
 * name ends in one of ix->exts; cx_mask_images_sort() before finding. */
int cx_mask_images_walk(struct cx_mask_images *ix, struct cx_release *rel, const char *pattern,
			struct cx_error *err);
/* Sorts by stem; of two files of one stem the first in byte order of path
 * stays (the other is never named). */
void cx_mask_images_sort(struct cx_mask_images *ix);
struct cx_mask_image *cx_mask_images_find(const struct cx_mask_images *ix, const char *stem);
void cx_mask_images_release(struct cx_mask_images *ix);

/*
 * A mask cell of column col: "-1" gives *has = 0; otherwise *has = 1 and
 * *box the box enclosing the mask (image, label and the 1024 frame set,
 * checked as a box fact). Returns 0, or 1 with *o the reject: an empty
 * cell, malformed RLE, the absolute variant (named as such), or a mask
 * whose box has no area on the 0-100 grid.
 */
int cx_mask_cell(struct cx_row *row, const char *col, const char *cell, const char *image,
		 const char *label, struct cx_box_fact *box, int *has, struct cx_outcome *o);

/* Emits the box; 0, or 1 with *o the reject. */
int cx_mask_emit(const struct cx_sink *sink, struct cx_row *row, const struct cx_box_fact *box,
		 struct cx_outcome *o);

#endif

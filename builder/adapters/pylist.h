/*
 * pylist.h - Python-literal lists of strings, as pandas writes list cells to
 * CSV (PadChest's Labels, Localizations, LabelsLocalizationsBySentence,
 * labelCUIS, LocalizationsCUIS; BIMCV's TSVs use the same).
 *
 * A cell is `['a', 'b']` (repr of a list: single quotes, or double quotes
 * around a string holding a single quote, backslash escapes), a list of lists
 * `[['normal'], ['pleural effusion', 'loc left']]` (one inner list per
 * sentence), a numpy array's repr `['C0034063' 'C0018800']` (elements
 * separated by blanks, possibly across lines: PadChest's CUI columns were
 * made with numpy), `[]`, or a missing value: `None`, `nan` or an empty cell.
 * Anything else is refused with a reason naming the byte offset.
 *
 * The parsed strings are kept exactly (no trimming: a label with a leading
 * space is the caller's to read); one buffer holds them all, reused from row
 * to row, so parsing a 160k-row file allocates only while cells grow.
 */
#ifndef CX_PYLIST_H
#define CX_PYLIST_H

#include "cx.h"

/* Inner lists deeper than this are refused (PadChest nests one level). */
#define CX_PYLIST_DEPTH 2

struct cx_pylist {
	int missing;        /* the cell was None, nan or empty: no list at all */
	size_t n;           /* strings found, in order */
	size_t ngroups;     /* inner lists found (0 for a flat list) */
	/* Private: string i is text.data + off[i]; group[i] is the 0-based inner
	 * list holding it, or -1 for a string of the outer list. */
	struct cx_buf text;
	size_t *off;
	int *group;
	size_t cap;
};

/* Parses one cell into l (emptied first). Returns 0, or CX_EFORMAT with
 * err's message saying what is wrong and at which byte. */
int cx_pylist_parse(struct cx_pylist *l, const char *cell, struct cx_error *err);
/* String i (0 <= i < n) and the inner list it belongs to (-1: outer). */
const char *cx_pylist_item(const struct cx_pylist *l, size_t i);
int cx_pylist_group(const struct cx_pylist *l, size_t i);
void cx_pylist_release(struct cx_pylist *l);

#endif

/*
 * chexpert-labels.h - the 14 CheXpert observations and their cell encoding,
 * shared by every source labelled with the CheXpert labeler or its rules
 * (MIMIC-CXR-JPG, CheXpert, BRAX). Their vocabulary, with display
 * forms and the uncertain-label rule, is vocab/chexpert.c.
 */
#ifndef CX_CHEXPERT_LABELS_H
#define CX_CHEXPERT_LABELS_H

#define CX_CHEXPERT_NLABELS 14

/* In CheXpert's train.csv order (No Finding first). */
extern const char *const cx_chexpert_labels[CX_CHEXPERT_NLABELS];

/*
 * Reads one label cell. "1.0"/"1" -> 1, "0.0"/"0" -> 0, "-1.0"/"-1" -> -1
 * (uncertain). Returns 1 with *value set, 0 for a blank cell (not mentioned),
 * -1 for anything else (the caller rejects the row naming the column).
 */
int cx_chexpert_cell(const char *cell, int *value);

struct cx_label;

/*
 * Reads the 14 label cells cells[0..13] (in cx_chexpert_labels order) into
 * out (room for 14): one label per mentioned cell. Returns how many, or -1
 * with *bad the index of a cell that is not a label value (the caller
 * rejects the row naming the cell and cx_chexpert_labels[*bad]).
 */
int cx_chexpert_row(const char *const *cells, struct cx_label *out, int *bad);

#endif

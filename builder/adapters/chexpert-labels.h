/*
 * chexpert-labels.h - the 14 CheXpert observations and their cell encoding,
 * shared by every source labelled with the CheXpert labeler or its rules
 * (MIMIC-CXR-JPG, CheXpert; later BRAX). Their vocabulary, with display
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

#endif

/*
 * vindr.h - the reader shared by the two VinDr releases (VinDr-CXR and
 * VinDr-PCXR, vindr.c): the same PhysioNet layout (annotations and image
 * labels per split, DICOMs under train/ and test/), several readers per
 * image, reader boxes merged per class. Each adapter describes its release
 * with a struct cx_vindr_spec and calls cx_vindr_read().
 */
#ifndef CX_VINDR_H
#define CX_VINDR_H

#include "cx.h"

#include "adapters/adapter.h"
#include "io/release.h"

/* One label column of image_labels_*.csv: the names it is released under
 * (the first found is read: VinDr-CXR's train file says "Other diseases",
 * its test file "Other disease"; VinDr-PCXR's names carry typos, and a
 * corrected spelling is accepted too), and the vocabulary label it feeds. */
struct cx_vindr_column {
	const char *names[3]; /* NULL-ended, at most two */
	const char *label;    /* the vocabulary's name */
};

struct cx_vindr_spec {
	const struct cx_vocab *vocab;
	/* a column of image_labels_train.csv only this release has: the probe
	 * tells VinDr-CXR from VinDr-PCXR by it */
	const char *probe_column;
	const struct cx_vindr_column *columns; /* the first is the "none" label */
	size_t ncolumns;
	/* Box classes of annotations_*.csv besides "No finding" (NULL-ended), or
	 * NULL to take any non-empty class (VinDr-PCXR: its list is not checked
	 * against the real files). */
	const char *const *box_classes;
	/* Kaggle's train.csv (class_id with class_name) is read when the
	 * PhysioNet files are absent; its class ids, index = class_id, the last
	 * being "No finding" (NULL: the release has no Kaggle copy). */
	const char *const *kaggle_classes;
	size_t nkaggle;
};

/* 1 when rel holds a VinDr release of this layout (annotations/ or the root
 * holding annotations_train.csv and image_labels_train.csv, or with
 * kaggle_classes, train.csv with a train/ folder), its root located. */
int cx_vindr_probe(struct cx_release *rel, const struct cx_vindr_spec *spec);

int cx_vindr_read(struct cx_release *rel, const struct cx_sink *sink,
		  const struct cx_vindr_spec *spec, struct cx_error *err);

/* Reader boxes of one class on one image, merged: boxes join a group when
 * their IoU with a member is above 0.1 (transitively), and each group
 * becomes its enclosing box. b[i] = {x1, y1, x2, y2}; group[i] gets the
 * index of the group's first box. Returns the number of groups. Exported
 * for the tests. */
size_t cx_vindr_merge(const double (*b)[4], size_t n, size_t *group);

#endif

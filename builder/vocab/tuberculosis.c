/*
 * tuberculosis.c - NLM-TB's one finding (the Montgomery County and Shenzhen
 * sets): tuberculosis, and "Normal", the role-none label the release states
 * for every image whose file name ends in _0 (its clinical reading says
 * "normal"). Both are written for every image, 1 or 0, so nothing is left
 * out and there is no uncertain value. "Normal" shows as "No Finding", the
 * words the image-classification templates use for a normal image.
 */
#include "cx.h"

#include "vocab/vocab.h"

static const struct cx_vocab_label labels[] = {
	{"Tuberculosis", "Tuberculosis", "tuberculosis", "tuberculosis", "", CX_ROLE_FINDING, -1},
	{"Normal", "No Finding", "no finding", "no findings", "", CX_ROLE_NONE, -1},
};

const struct cx_vocab cx_vocab_tuberculosis = {
	.id = "tuberculosis",
	.name = "Tuberculosis",
	.absent = CX_ABSENT_NEGATIVE,
	.labels = labels,
	.n = CX_ARRAY_LEN(labels),
};

/*
 * nodule.c - JSRT's one finding: a lung nodule, and "non-nodule", the
 * role-none label its clinical list CNNDAT_EN.TXT states for each of the 93
 * images without one (the word it releases in its last field). Both are
 * written for every image, 1 or 0; there is no uncertain value. "non-nodule"
 * shows as "No Finding", the words the image-classification templates use
 * for an image without findings.
 */
#include "cx.h"

#include "vocab/vocab.h"

static const struct cx_vocab_label labels[] = {
	{"Nodule", "Nodule", "nodule", "nodules", "a", CX_ROLE_FINDING, -1},
	{"non-nodule", "No Finding", "no finding", "no findings", "", CX_ROLE_NONE, -1},
};

const struct cx_vocab cx_vocab_nodule = {
	.id = "nodule",
	.name = "Lung nodule",
	.absent = CX_ABSENT_NEGATIVE,
	.labels = labels,
	.n = CX_ARRAY_LEN(labels),
};

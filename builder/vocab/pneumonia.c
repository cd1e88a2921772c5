/*
 * pneumonia.c - RSNA Pneumonia Detection's binary vocabulary: "Pneumonia"
 * (Target 1 of stage_2_train_labels.csv: lung opacities suggestive of
 * pneumonia, boxed) and the release's own "Normal" (the class of
 * stage_2_detailed_class_info.csv), the role-none label. Target is given for
 * every image, so a label an image leaves out is negative; the release has no
 * uncertain value. An image of the third class, "No Lung Opacity / Not
 * Normal", has both labels 0: asked about, it is a pneumonia "No".
 */
#include "cx.h"

#include "vocab/vocab.h"

static const struct cx_vocab_label labels[] = {
	{"Pneumonia", "Pneumonia", "pneumonia", "pneumonias", "", CX_ROLE_FINDING, -1},
	{"Normal", "Normal", "normal chest", "normal chests", "a", CX_ROLE_NONE, -1},
};

const struct cx_vocab cx_vocab_pneumonia = {
	.id = "rsna-pneumonia",
	.name = "RSNA Pneumonia",
	.absent = CX_ABSENT_NEGATIVE,
	.labels = labels,
	.n = CX_ARRAY_LEN(labels),
};

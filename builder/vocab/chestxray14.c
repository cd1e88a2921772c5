/*
 * chestxray14.c - NIH ChestX-ray14's 14 findings in the order of the
 * dataset's README, then Data_Entry_2017's "No Finding". Finding Labels
 * lists every finding an image has, so a label it does not list is negative;
 * the release has no uncertain value.
 */
#include "cx.h"

#include "vocab/vocab.h"

#define F CX_ROLE_FINDING

static const struct cx_vocab_label labels[] = {
	{"Atelectasis", "Atelectasis", "atelectasis", "atelectases", "", F, -1},
	{"Cardiomegaly", "Cardiomegaly", "cardiomegaly", "cardiomegaly", "", F, -1},
	{"Effusion", "Effusion", "effusion", "effusions", "an", F, -1},
	{"Infiltration", "Infiltration", "infiltration", "infiltrations", "", F, -1},
	{"Mass", "Mass", "mass", "masses", "a", F, -1},
	{"Nodule", "Nodule", "nodule", "nodules", "a", F, -1},
	{"Pneumonia", "Pneumonia", "pneumonia", "pneumonias", "", F, -1},
	{"Pneumothorax", "Pneumothorax", "pneumothorax", "pneumothoraces", "a", F, -1},
	{"Consolidation", "Consolidation", "consolidation", "consolidations", "", F, -1},
	{"Edema", "Edema", "edema", "edema", "", F, -1},
	{"Emphysema", "Emphysema", "emphysema", "emphysema", "", F, -1},
	{"Fibrosis", "Fibrosis", "fibrosis", "fibroses", "", F, -1},
	{"Pleural_Thickening", "Pleural Thickening", "pleural thickening", "pleural thickenings",
	 "", F, -1},
	{"Hernia", "Hernia", "hernia", "hernias", "a", F, -1},
	{"No Finding", "No Finding", "no finding", "no findings", "", CX_ROLE_NONE, -1},
};

const struct cx_vocab cx_vocab_chestxray14 = {
	.id = "chestxray14",
	.name = "ChestX-ray14",
	.absent = CX_ABSENT_NEGATIVE,
	.labels = labels,
	.n = CX_ARRAY_LEN(labels),
};

/*
 * chexpert.c - the CheXpert labeler's 14 observations (CheXpert, MIMIC-CXR-JPG;
 * later BRAX), in train.csv's column order, with CheXinstruct's reading of
 * them: a blank ("not mentioned") counts as negative, and an uncertain -1 is
 * read as positive for Atelectasis, Edema and Pleural Effusion, as negative
 * for Cardiomegaly and Consolidation, and stays uncertain (not positive) for
 * the rest. The names must match adapters/chexpert-labels.c's column names
 * (tests/unit/t-vocab.c checks it).
 */
#include "cx.h"

#include "vocab/vocab.h"

#define F CX_ROLE_FINDING

static const struct cx_vocab_label labels[] = {
	{"No Finding", "No Finding", "no finding", "no findings", "", CX_ROLE_NONE, -1},
	{"Enlarged Cardiomediastinum", "Enlarged Cardiomediastinum", "enlarged cardiomediastinum",
	 "enlarged cardiomediastinum", "an", F, -1},
	{"Cardiomegaly", "Cardiomegaly", "cardiomegaly", "cardiomegaly", "", F, 0},
	{"Lung Opacity", "Lung Opacity", "lung opacity", "lung opacities", "a", F, -1},
	{"Lung Lesion", "Lung Lesion", "lung lesion", "lung lesions", "a", F, -1},
	{"Edema", "Edema", "edema", "edema", "", F, 1},
	{"Consolidation", "Consolidation", "consolidation", "consolidations", "", F, 0},
	{"Pneumonia", "Pneumonia", "pneumonia", "pneumonias", "", F, -1},
	{"Atelectasis", "Atelectasis", "atelectasis", "atelectases", "", F, 1},
	{"Pneumothorax", "Pneumothorax", "pneumothorax", "pneumothoraces", "a", F, -1},
	{"Pleural Effusion", "Pleural Effusion", "pleural effusion", "pleural effusions", "a", F, 1},
	/* "Can a pleural abnormality other than effusion be seen?", not "Can
	 * pleural other be seen?" (issue 11): the CheXpert labeler's catch-all
	 * for the pleura besides Pleural Effusion. */
	{"Pleural Other", "Pleural Other", "pleural abnormality other than effusion",
	 "pleural abnormalities other than effusion", "a", CX_ROLE_OTHER, -1},
	{"Fracture", "Fracture", "fracture", "fractures", "a", F, -1},
	{"Support Devices", "Support Devices", "support device", "support devices", "a", F, -1},
};

const struct cx_vocab cx_vocab_chexpert = {
	.id = "chexpert",
	.name = "CheXpert",
	.absent = CX_ABSENT_NEGATIVE,
	.labels = labels,
	.n = CX_ARRAY_LEN(labels),
};

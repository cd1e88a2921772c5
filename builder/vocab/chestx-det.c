/*
 * chestx-det.c - the findings of Deepwise's ChestX-Det (13) and ChestX-Det10
 * (the first 10 of these but Cardiomegaly, Diffuse Nodule and Pleural
 * Thickening), spelled as their JSON's "syms" spell them, and "No Finding",
 * which the adapter gives an image whose record boxes nothing (the readers
 * looked and found none of the classes: a detection negative). The label set
 * of an image is the findings it boxes; a finding it does not box is absent
 * from the image. The forms are what grounding writes ("a nodule", "diffuse
 * nodules", "pleural thickening").
 */
#include "cx.h"

#include "vocab/vocab.h"

#define F CX_ROLE_FINDING

static const struct cx_vocab_label labels[] = {
	{"Atelectasis", "Atelectasis", "atelectasis", "atelectases", "", F, -1},
	{"Calcification", "Calcification", "calcification", "calcifications", "a", F, -1},
	{"Cardiomegaly", "Cardiomegaly", "cardiomegaly", "cardiomegaly", "", F, -1},
	{"Consolidation", "Consolidation", "consolidation", "consolidations", "", F, -1},
	{"Diffuse Nodule", "Diffuse Nodule", "diffuse nodules", "diffuse nodules", "", F, -1},
	{"Effusion", "Effusion", "effusion", "effusions", "an", F, -1},
	{"Emphysema", "Emphysema", "emphysema", "emphysema", "", F, -1},
	{"Fibrosis", "Fibrosis", "fibrosis", "fibroses", "", F, -1},
	{"Fracture", "Fracture", "fracture", "fractures", "a", F, -1},
	{"Mass", "Mass", "mass", "masses", "a", F, -1},
	{"Nodule", "Nodule", "nodule", "nodules", "a", F, -1},
	{"Pleural Thickening", "Pleural Thickening", "pleural thickening", "pleural thickenings",
	 "", F, -1},
	{"Pneumothorax", "Pneumothorax", "pneumothorax", "pneumothoraces", "a", F, -1},
	{"No Finding", "No Finding", "no finding", "no findings", "", CX_ROLE_NONE, -1},
};

const struct cx_vocab cx_vocab_chestx_det = {
	.id = "chestx-det",
	.name = "ChestX-Det",
	.absent = CX_ABSENT_NEGATIVE,
	.labels = labels,
	.n = CX_ARRAY_LEN(labels),
};

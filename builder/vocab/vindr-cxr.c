/*
 * vindr-cxr.c - VinDr-CXR's 28 image labels in the order of
 * image_labels_train.csv: 22 local findings (those with boxes), then 6
 * global ones (diagnoses, no boxes), the last "No finding". "Other lesion"
 * and "Other diseases" are catch-alls (the test file calls the latter
 * "Other disease"; the adapter reads both into this name). A label the
 * release leaves out is unknown: Kaggle's copy (VinBigData) carries only the
 * 14 local findings it boxes, so its global labels are not known; the
 * release has no uncertain value.
 */
#include "cx.h"

#include "vocab/vocab.h"

#define F CX_ROLE_FINDING
#define O CX_ROLE_OTHER

static const struct cx_vocab_label labels[] = {
	{"Aortic enlargement", "Aortic enlargement", "aortic enlargement",
	 "aortic enlargements", "an", F, -1},
	{"Atelectasis", "Atelectasis", "atelectasis", "atelectases", "", F, -1},
	{"Calcification", "Calcification", "calcification", "calcifications", "a", F, -1},
	{"Cardiomegaly", "Cardiomegaly", "cardiomegaly", "cardiomegaly", "", F, -1},
	{"Clavicle fracture", "Clavicle fracture", "clavicle fracture", "clavicle fractures", "a",
	 F, -1},
	{"Consolidation", "Consolidation", "consolidation", "consolidations", "", F, -1},
	{"Edema", "Edema", "edema", "edema", "", F, -1},
	{"Emphysema", "Emphysema", "emphysema", "emphysema", "", F, -1},
	{"Enlarged PA", "Enlarged PA", "enlarged pulmonary artery", "enlarged pulmonary arteries",
	 "an", F, -1},
	{"ILD", "ILD", "interstitial lung disease", "interstitial lung diseases", "", F, -1},
	{"Infiltration", "Infiltration", "infiltration", "infiltrations", "", F, -1},
	{"Lung Opacity", "Lung Opacity", "lung opacity", "lung opacities", "a", F, -1},
	{"Lung cavity", "Lung cavity", "lung cavity", "lung cavities", "a", F, -1},
	{"Lung cyst", "Lung cyst", "lung cyst", "lung cysts", "a", F, -1},
	{"Mediastinal shift", "Mediastinal shift", "mediastinal shift", "mediastinal shifts", "a",
	 F, -1},
	{"Nodule/Mass", "Nodule/Mass", "nodule or mass", "nodules or masses", "a", F, -1},
	{"Pleural effusion", "Pleural effusion", "pleural effusion", "pleural effusions", "a", F,
	 -1},
	{"Pleural thickening", "Pleural thickening", "pleural thickening", "pleural thickenings",
	 "", F, -1},
	{"Pneumothorax", "Pneumothorax", "pneumothorax", "pneumothoraces", "a", F, -1},
	{"Pulmonary fibrosis", "Pulmonary fibrosis", "pulmonary fibrosis", "pulmonary fibroses",
	 "", F, -1},
	{"Rib fracture", "Rib fracture", "rib fracture", "rib fractures", "a", F, -1},
	{"Other lesion", "Other lesion", "lesion of another kind", "lesions of other kinds", "a",
	 O, -1},
	{"COPD", "COPD", "chronic obstructive pulmonary disease",
	 "chronic obstructive pulmonary diseases", "", F, -1},
	{"Lung tumor", "Lung tumor", "lung tumor", "lung tumors", "a", F, -1},
	{"Pneumonia", "Pneumonia", "pneumonia", "pneumonias", "", F, -1},
	{"Tuberculosis", "Tuberculosis", "tuberculosis", "tuberculosis", "", F, -1},
	{"Other diseases", "Other diseases", "disease of another kind", "diseases of other kinds",
	 "a", O, -1},
	{"No finding", "No finding", "no finding", "no findings", "", CX_ROLE_NONE, -1},
};

const struct cx_vocab cx_vocab_vindr_cxr = {
	.id = "vindr-cxr",
	.name = "VinDr-CXR",
	.absent = CX_ABSENT_UNKNOWN,
	.labels = labels,
	.n = CX_ARRAY_LEN(labels),
};

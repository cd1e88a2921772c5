/*
 * cxr-lt.c - CXR-LT's labels on MIMIC-CXR-JPG images: the 40 findings of the
 * 2024 challenge with labels (task 1), in the order of its label list. The
 * 2023 challenge's 26 are among them, but for one rename: 2023's "No Finding"
 * is 2024's "Normal" (the adapter reads the 2023 column into it). The five
 * zero-shot findings of 2024 (Bulla, Cardiomyopathy, Hilum, Osteopenia,
 * Scoliosis) are released for its test task only and are not read.
 *
 * A 2023 row labels 26 of the 40; the other 14 were never asked of it, so a
 * label a row does not list is unknown, not negative (the renderer then asks
 * yes/no only about labels released as 0 or 1, and offers the list and choice
 * forms only for rows with all 40). The labels are 0 or 1: no uncertain value.
 */
#include "cx.h"

#include "vocab/vocab.h"

#define F CX_ROLE_FINDING

static const struct cx_vocab_label labels[] = {
	{"Adenopathy", "Adenopathy", "adenopathy", "adenopathies", "", F, -1},
	{"Atelectasis", "Atelectasis", "atelectasis", "atelectases", "", F, -1},
	{"Azygos Lobe", "Azygos Lobe", "azygos lobe", "azygos lobes", "an", F, -1},
	{"Calcification of the Aorta", "Calcification of the Aorta",
	 "calcification of the aorta", "calcifications of the aorta", "", F, -1},
	{"Cardiomegaly", "Cardiomegaly", "cardiomegaly", "cardiomegaly", "", F, -1},
	{"Clavicle Fracture", "Clavicle Fracture", "clavicle fracture", "clavicle fractures", "a",
	 F, -1},
	{"Consolidation", "Consolidation", "consolidation", "consolidations", "", F, -1},
	{"Edema", "Edema", "edema", "edema", "", F, -1},
	{"Emphysema", "Emphysema", "emphysema", "emphysema", "", F, -1},
	{"Enlarged Cardiomediastinum", "Enlarged Cardiomediastinum", "enlarged cardiomediastinum",
	 "enlarged cardiomediastinum", "an", F, -1},
	{"Fibrosis", "Fibrosis", "fibrosis", "fibroses", "", F, -1},
	{"Fissure", "Fissure", "fissural abnormality", "fissural abnormalities", "a", F, -1},
	{"Fracture", "Fracture", "fracture", "fractures", "a", F, -1},
	{"Granuloma", "Granuloma", "granuloma", "granulomas", "a", F, -1},
	{"Hernia", "Hernia", "hernia", "hernias", "a", F, -1},
	{"Hydropneumothorax", "Hydropneumothorax", "hydropneumothorax", "hydropneumothoraces", "a",
	 F, -1},
	{"Infarction", "Infarction", "infarction", "infarctions", "an", F, -1},
	{"Infiltration", "Infiltration", "infiltration", "infiltrations", "", F, -1},
	{"Kyphosis", "Kyphosis", "kyphosis", "kyphoses", "", F, -1},
	{"Lobar Atelectasis", "Lobar Atelectasis", "lobar atelectasis", "lobar atelectases", "",
	 F, -1},
	{"Lung Lesion", "Lung Lesion", "lung lesion", "lung lesions", "a", F, -1},
	{"Lung Opacity", "Lung Opacity", "lung opacity", "lung opacities", "a", F, -1},
	{"Mass", "Mass", "mass", "masses", "a", F, -1},
	{"Nodule", "Nodule", "nodule", "nodules", "a", F, -1},
	/* 2023's "No Finding"; the answer when nothing else is positive */
	{"Normal", "No Finding", "no finding", "no findings", "", CX_ROLE_NONE, -1},
	{"Pleural Effusion", "Pleural Effusion", "pleural effusion", "pleural effusions", "a", F,
	 -1},
	/* as CheXpert's: the catch-all of the pleura besides effusion */
	{"Pleural Other", "Pleural Other", "pleural abnormality other than effusion",
	 "pleural abnormalities other than effusion", "a", CX_ROLE_OTHER, -1},
	{"Pleural Thickening", "Pleural Thickening", "pleural thickening", "pleural thickenings",
	 "", F, -1},
	{"Pneumomediastinum", "Pneumomediastinum", "pneumomediastinum", "pneumomediastinum", "",
	 F, -1},
	{"Pneumonia", "Pneumonia", "pneumonia", "pneumonias", "", F, -1},
	{"Pneumoperitoneum", "Pneumoperitoneum", "pneumoperitoneum", "pneumoperitoneum", "", F,
	 -1},
	{"Pneumothorax", "Pneumothorax", "pneumothorax", "pneumothoraces", "a", F, -1},
	{"Pulmonary Embolism", "Pulmonary Embolism", "pulmonary embolism", "pulmonary emboli", "a",
	 F, -1},
	{"Pulmonary Hypertension", "Pulmonary Hypertension", "pulmonary hypertension",
	 "pulmonary hypertension", "", F, -1},
	{"Rib Fracture", "Rib Fracture", "rib fracture", "rib fractures", "a", F, -1},
	{"Round(ed) Atelectasis", "Rounded Atelectasis", "rounded atelectasis",
	 "rounded atelectases", "", F, -1},
	{"Subcutaneous Emphysema", "Subcutaneous Emphysema", "subcutaneous emphysema",
	 "subcutaneous emphysema", "", F, -1},
	{"Support Devices", "Support Devices", "support device", "support devices", "a", F, -1},
	{"Tortuous Aorta", "Tortuous Aorta", "tortuous aorta", "tortuous aortas", "a", F, -1},
	{"Tuberculosis", "Tuberculosis", "tuberculosis", "tuberculosis", "", F, -1},
};

const struct cx_vocab cx_vocab_cxr_lt = {
	.id = "cxr-lt",
	.name = "CXR-LT",
	.absent = CX_ABSENT_UNKNOWN,
	.labels = labels,
	.n = CX_ARRAY_LEN(labels),
};

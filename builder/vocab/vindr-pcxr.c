/*
 * vindr-pcxr.c - VinDr-PCXR's 15 diagnoses in the order of
 * image_labels_train.csv, under the names the release gives them, typos
 * kept ("Brocho-pneumonia", "Diagphramatic hernia": the released column
 * names are the keys of the label sets; the display forms are spelled
 * right). The first is "No finding"; "Other disease" is a catch-all. Cells
 * may be empty, so a label left out is unknown.
 */
#include "cx.h"

#include "vocab/vocab.h"

#define F CX_ROLE_FINDING

static const struct cx_vocab_label labels[] = {
	{"No finding", "No finding", "no finding", "no findings", "", CX_ROLE_NONE, -1},
	{"Bronchitis", "Bronchitis", "bronchitis", "bronchitis", "", F, -1},
	{"Brocho-pneumonia", "Bronchopneumonia", "bronchopneumonia", "bronchopneumonias", "", F,
	 -1},
	{"Bronchiolitis", "Bronchiolitis", "bronchiolitis", "bronchiolitis", "", F, -1},
	{"Situs inversus", "Situs inversus", "situs inversus", "situs inversus", "", F, -1},
	{"Pneumonia", "Pneumonia", "pneumonia", "pneumonias", "", F, -1},
	{"Pleuro-pneumonia", "Pleuropneumonia", "pleuropneumonia", "pleuropneumonias", "", F, -1},
	{"Diagphramatic hernia", "Diaphragmatic hernia", "diaphragmatic hernia",
	 "diaphragmatic hernias", "a", F, -1},
	{"Tuberculosis", "Tuberculosis", "tuberculosis", "tuberculosis", "", F, -1},
	{"Congenital emphysema", "Congenital emphysema", "congenital emphysema",
	 "congenital emphysema", "", F, -1},
	{"CPAM", "CPAM", "congenital pulmonary airway malformation",
	 "congenital pulmonary airway malformations", "a", F, -1},
	{"Hyaline membrane disease", "Hyaline membrane disease", "hyaline membrane disease",
	 "hyaline membrane diseases", "", F, -1},
	{"Mediastinal tumor", "Mediastinal tumor", "mediastinal tumor", "mediastinal tumors", "a",
	 F, -1},
	{"Lung tumor", "Lung tumor", "lung tumor", "lung tumors", "a", F, -1},
	{"Other disease", "Other disease", "disease of another kind", "diseases of other kinds",
	 "a", CX_ROLE_OTHER, -1},
};

const struct cx_vocab cx_vocab_vindr_pcxr = {
	.id = "vindr-pcxr",
	.name = "VinDr-PCXR",
	.absent = CX_ABSENT_UNKNOWN,
	.labels = labels,
	.n = CX_ARRAY_LEN(labels),
};

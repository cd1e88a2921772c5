/*
 * vindr-cxr.c - the VinDr-CXR adapter (PhysioNet 1.0.0, and the Kaggle
 * VinBigData copy of its train set): 18,000 posteroanterior chest X-rays
 * from two Vietnamese hospitals, each train image read by three of 17
 * radiologists, each test image by a consensus of five. The reading is
 * vindr.c's (shared with VinDr-PCXR); this file says what VinDr-CXR's files
 * hold: the 28 image label columns (sources/vindr-cxr.md), the 22 box
 * classes, and the Kaggle class ids.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/vindr.h"
#include "vocab/vocab.h"

/* The image label columns, "No finding" first (vindr.h); the rest in the
 * release's order. The test file calls "Other diseases" "Other disease". */
static const struct cx_vindr_column columns[] = {
	{{"No finding"}, "No finding"},
	{{"Aortic enlargement"}, "Aortic enlargement"},
	{{"Atelectasis"}, "Atelectasis"},
	{{"Calcification"}, "Calcification"},
	{{"Cardiomegaly"}, "Cardiomegaly"},
	{{"Clavicle fracture"}, "Clavicle fracture"},
	{{"Consolidation"}, "Consolidation"},
	{{"Edema"}, "Edema"},
	{{"Emphysema"}, "Emphysema"},
	{{"Enlarged PA"}, "Enlarged PA"},
	{{"ILD"}, "ILD"},
	{{"Infiltration"}, "Infiltration"},
	{{"Lung Opacity"}, "Lung Opacity"},
	{{"Lung cavity"}, "Lung cavity"},
	{{"Lung cyst"}, "Lung cyst"},
	{{"Mediastinal shift"}, "Mediastinal shift"},
	{{"Nodule/Mass"}, "Nodule/Mass"},
	{{"Pleural effusion"}, "Pleural effusion"},
	{{"Pleural thickening"}, "Pleural thickening"},
	{{"Pneumothorax"}, "Pneumothorax"},
	{{"Pulmonary fibrosis"}, "Pulmonary fibrosis"},
	{{"Rib fracture"}, "Rib fracture"},
	{{"Other lesion"}, "Other lesion"},
	{{"COPD"}, "COPD"},
	{{"Lung tumor"}, "Lung tumor"},
	{{"Pneumonia"}, "Pneumonia"},
	{{"Tuberculosis"}, "Tuberculosis"},
	{{"Other diseases", "Other disease"}, "Other diseases"},
};

/* The local findings, the classes annotations_*.csv boxes. */
static const char *const box_classes[] = {
	"Aortic enlargement", "Atelectasis", "Calcification", "Cardiomegaly",
	"Clavicle fracture", "Consolidation", "Edema", "Emphysema", "Enlarged PA", "ILD",
	"Infiltration", "Lung Opacity", "Lung cavity", "Lung cyst", "Mediastinal shift",
	"Nodule/Mass", "Pleural effusion", "Pleural thickening", "Pneumothorax",
	"Pulmonary fibrosis", "Rib fracture", "Other lesion", NULL,
};

/* Kaggle's class_id 0-14 (train.csv): its 14 boxed classes, then "No finding". */
static const char *const kaggle_classes[] = {
	"Aortic enlargement", "Atelectasis", "Calcification", "Cardiomegaly", "Consolidation",
	"ILD", "Infiltration", "Lung Opacity", "Nodule/Mass", "Other lesion", "Pleural effusion",
	"Pleural thickening", "Pneumothorax", "Pulmonary fibrosis", "No finding",
};

static const struct cx_vindr_spec spec = {
	.vocab = &cx_vocab_vindr_cxr,
	.probe_column = "Aortic enlargement",
	.columns = columns,
	.ncolumns = CX_ARRAY_LEN(columns),
	.box_classes = box_classes,
	.kaggle_classes = kaggle_classes,
	.nkaggle = CX_ARRAY_LEN(kaggle_classes),
};

static int vindr_cxr_probe(struct cx_release *rel) { return cx_vindr_probe(rel, &spec); }

static int vindr_cxr_read(struct cx_release *rel, const struct cx_sink *sink,
			  struct cx_error *err)
{
	return cx_vindr_read(rel, sink, &spec, err);
}

static const struct cx_entry_def entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_image},
	{.task = "abnormality-grounding", .rule = &cx_rule_boxes_few_paired},
	{.task = "abnormality-detection", .rule = &cx_rule_detection},
	{.task = "grounded-diagnosis", .rule = &cx_rule_grounded},
};

const struct cx_adapter cx_adapter_vindr_cxr = {
	.id = "vindr-cxr",
	.dataset = "VinDr-CXR",
	.versions = "PhysioNet 1.0.0; Kaggle VinBigData (train.csv)",
	.license = "PhysioNet Restricted Health Data License 1.5.0 (Kaggle copy: competition"
		   " rules)",
	.access = "credentialed",
	.labels = &cx_vocab_vindr_cxr,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = vindr_cxr_probe,
	.read = vindr_cxr_read,
};

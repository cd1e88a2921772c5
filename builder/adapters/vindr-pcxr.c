/*
 * vindr-pcxr.c - the VinDr-PCXR adapter (PhysioNet 1.0.0): 9,125 paediatric
 * chest X-rays from a Vietnamese children's hospital, laid out as VinDr-CXR
 * (vindr.c reads both): boxes of local lesions per reader in
 * annotations_{train,test}.csv, and 15 diagnoses per image in
 * image_labels_{train,test}.csv under the column names the release gives
 * them, typos kept ("Brocho-pneumonia", "Diagphramatic hernia"; a corrected
 * spelling is read too). The release's lesion classes were not checked
 * against the real files, so any non-empty class_name is a box class
 * (sources/vindr-pcxr.md).
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/vindr.h"
#include "vocab/vocab.h"

static const struct cx_vindr_column columns[] = {
	{{"No finding"}, "No finding"},
	{{"Bronchitis"}, "Bronchitis"},
	{{"Brocho-pneumonia", "Broncho-pneumonia"}, "Brocho-pneumonia"},
	{{"Bronchiolitis"}, "Bronchiolitis"},
	{{"Situs inversus"}, "Situs inversus"},
	{{"Pneumonia"}, "Pneumonia"},
	{{"Pleuro-pneumonia"}, "Pleuro-pneumonia"},
	{{"Diagphramatic hernia", "Diaphragmatic hernia"}, "Diagphramatic hernia"},
	{{"Tuberculosis"}, "Tuberculosis"},
	{{"Congenital emphysema"}, "Congenital emphysema"},
	{{"CPAM"}, "CPAM"},
	{{"Hyaline membrane disease"}, "Hyaline membrane disease"},
	{{"Mediastinal tumor"}, "Mediastinal tumor"},
	{{"Lung tumor"}, "Lung tumor"},
	{{"Other disease"}, "Other disease"},
};

static const struct cx_vindr_spec spec = {
	.vocab = &cx_vocab_vindr_pcxr,
	.probe_column = "Bronchiolitis",
	.columns = columns,
	.ncolumns = CX_ARRAY_LEN(columns),
};

static int vindr_pcxr_probe(struct cx_release *rel) { return cx_vindr_probe(rel, &spec); }

static int vindr_pcxr_read(struct cx_release *rel, const struct cx_sink *sink,
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

const struct cx_adapter cx_adapter_vindr_pcxr = {
	.id = "vindr-pcxr",
	.dataset = "VinDr-PCXR",
	.versions = "PhysioNet 1.0.0",
	.license = "PhysioNet Restricted Health Data License 1.5.0",
	.access = "credentialed",
	.labels = &cx_vocab_vindr_pcxr,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = vindr_pcxr_probe,
	.read = vindr_pcxr_read,
};

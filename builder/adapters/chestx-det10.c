/*
 * chestx-det10.c - the ChestX-Det10 adapter (Deepwise AILab, 2020: 3,543 NIH
 * ChestX-ray14 images with instance boxes of 10 findings): train.json and
 * test.json, lists of {file_name, syms, boxes}, read by the reader it shares
 * with ChestX-Det (chestx-det.c says how, and why the images have no
 * patient). ChestX-Det is its later, 13-finding version with masks; both
 * are kept as sources, as a user may have either. Layout and rules:
 * sources/chestx-det10.md.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/chestx-det.h"
#include "io/release.h"

static const char *const classes[] = {
	"Atelectasis", "Calcification", "Consolidation", "Effusion", "Emphysema",
	"Fibrosis",    "Fracture",      "Mass",          "Nodule",   "Pneumothorax", NULL,
};

static const struct cx_deepwise_spec spec = {
	.train_json = "train.json",
	.test_json = "test.json",
	.classes = classes,
	.polygons = 0,
};

static int det10_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	return cx_deepwise_read(rel, sink, &spec, err);
}

static int det10_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, spec.test_json) && cx_deepwise_probe(rel, spec.train_json);
}

static const struct cx_entry_def entries[] = {
	{.task = "abnormality-grounding", .rule = &cx_rule_boxes},
	{.task = "abnormality-detection", .rule = &cx_rule_detection},
};

const struct cx_adapter cx_adapter_chestx_det10 = {
	.id = "chestx-det10",
	.dataset = "ChestX-Det10",
	.versions = "GitHub Deepwise-AILab/ChestX-Det10-Dataset (2020)",
	.license = "annotations: no licence stated (Deepwise-AILab/ChestX-Det10-Dataset); "
		   "images: NIH ChestX-ray14 terms",
	.access = "public",
	.labels = &cx_vocab_chestx_det,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = det10_probe,
	.read = det10_read,
};

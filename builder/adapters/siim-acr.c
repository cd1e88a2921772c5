/*
 * siim-acr.c - the SIIM-ACR Pneumothorax Segmentation adapter (Kaggle,
 * 2019): train-rle.csv and the DICOMs dicom-images-train/<study>/<series>/
 * <SOP>.dcm, as a folder or as the competition's zip.
 *
 * train-rle.csv has the header "ImageId, EncodedPixels" (a space before the
 * second name, trimmed by io/csv.c), one row per mask of an image: "-1" for
 * an image without a pneumothorax, else a mask in relative, column-major RLE
 * on the 1024 x 1024 grid (adapters/rle.c), several rows for an image with
 * several. The CSV names an image by its SOP UID only, so the DICOMs are
 * found by walking dicom-images-train/ first (12,047 names, about 1.5 MB).
 * Each mask (row) becomes the one box enclosing it, label "Pneumothorax",
 * frame 1024 x 1024; an image with no box is one the release read as
 * without a pneumothorax. The split is a seeded hash of the ImageId, as
 * RSNA's (split_of()). Layout, rules and the choices: sources/siim-acr.md.
 */
#include "cx.h"

#include <xxhash.h>

#include "adapters/adapter.h"
#include "adapters/ptx-masks.h"
#include "adapters/rows.h"
#include "io/release.h"

#define RLE_CSV "train-rle.csv"
#define IMAGE_GLOB "dicom-images-train/*/*/*.dcm"
#define BOX_LABEL "Pneumothorax"

/*
 * The split: the official build splits the CSV's rows 70/15/15 with
 * train_test_split(random_state=0) (so an image of several rows can fall in
 * two splits), which cannot be reproduced outside its Python. Here it is a
 * pure function of the ImageId: XXH3-64 under the fixed seed "SIIM", modulo
 * 1000, below 700 train, below 850 val, else test; all rows of an image go
 * together, and adding rows never moves one.
 */
#define SPLIT_SEED 0x5349494Du

static enum cx_split split_of(const char *id)
{
	uint64_t h = XXH3_64bits_withSeed(id, strlen(id), SPLIT_SEED) % 1000;
	return h < 700 ? CX_SPLIT_TRAIN : h < 850 ? CX_SPLIT_VAL : CX_SPLIT_TEST;
}

static const char *const image_exts[] = {".dcm", NULL};

struct reader {
	const struct cx_sink *sink;
	struct cx_mask_images images;
};

static int emit_image(struct reader *r, const struct cx_mask_image *im, struct cx_error *err)
{
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = im->stem;
	f.path = im->path;
	/* each image is its own patient: the CSV names none, and the DICOM's
	 * PatientID is a new UUID per image (sources/siim-acr.md) */
	f.patient = im->stem;
	f.split = split_of(im->stem);
	return cx_emit_image(r->sink, &f, err);
}

/* One row: an image's "-1", or one of its masks. */
static struct cx_outcome rle_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *id = row->v[0], *cell = row->v[1];
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "ImageId", id, CX_NAME_FILE, &o))
		return o;
	struct cx_mask_image *im = cx_mask_images_find(&r->images, id);
	if (!im)
		return cx_rows_reject(row, "missing image file 'dicom-images-train/*/*/%s.dcm'",
				      id);
	struct cx_box_fact box;
	int has;
	if (cx_mask_cell(row, "EncodedPixels", cell, im->stem, BOX_LABEL, &box, &has, &o))
		return o;
	int empty = !has;
	if (im->state == CX_MASK_EMPTY || (im->state == CX_MASK_BOXES && empty)) {
		return cx_rows_reject(row, "second %s for ImageId '%s' (it has a %s row already)",
				      empty ? "'-1' row" : "mask", id,
				      im->state == CX_MASK_EMPTY ? "'-1'" : "mask");
	}
	struct cx_error err = {0};
	if (im->state == CX_MASK_UNSEEN && emit_image(r, im, &err)) {
		return cx_rows_reject(row, "%s", err.msg);
	}
	if (has && cx_mask_emit(r->sink, row, &box, &o))
		return o;
	im->state = empty ? CX_MASK_EMPTY : CX_MASK_BOXES;
	return cx_rows_keep();
}

static int siim_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	struct reader r = {.sink = sink, .images = {.exts = image_exts}};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	static const char *const cols[] = {"ImageId", "EncodedPixels"};
	struct cx_csv_spec spec = {.file = RLE_CSV, .cols = cols, .ncols = 2, .fn = rle_row};
	int rc = 0;
	if (!cx_release_exists(rel, RLE_CSV))
		rc = cx_error_set(err, CX_ENOTFOUND, "%s: missing file '%s'", cx_release_path(rel),
				  RLE_CSV);
	if (rc == 0)
		rc = cx_mask_images_walk(&r.images, rel, IMAGE_GLOB, err);
	if (rc == 0) {
		cx_mask_images_sort(&r.images);
		rc = cx_rows_csv(&rows, rel, &spec, err);
	}
	cx_mask_images_release(&r.images);
	return rc;
}

static int siim_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, RLE_CSV);
}

static const struct cx_entry_def entries[] = {
	{.task = "pneumothorax-localisation", .rule = &cx_rule_localise_pneumothorax},
};

const struct cx_adapter cx_adapter_siim_acr = {
	.id = "siim-acr",
	.dataset = "SIIM-ACR Pneumothorax",
	.versions = "Kaggle 2019, stage 1 (train-rle.csv)",
	.license = "Kaggle competition rules (non-commercial research; images from NIH "
		   "ChestX-ray14)",
	.access = "public",
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = siim_probe,
	.read = siim_read,
};

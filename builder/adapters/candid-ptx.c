/*
 * candid-ptx.c - the CANDID-PTX adapter (Dunedin Hospital, New Zealand;
 * University of Otago, by data-use agreement): Pneumothorax_reports.csv,
 * chest_tube.csv, acute_rib_fracture.csv and the images, named by their
 * SOP UID.
 *
 * Pneumothorax_reports.csv has a row per pneumothorax mask of an image
 * (SOPInstanceUID, EncodedPixels: SIIM's relative RLE on 1024 x 1024, or -1
 * for none), the image's free-text report on each, and its
 * StudyInstanceUID where the copy has that column. It is read first: every
 * image it keeps is an image of the release (with its study, and the
 * study's report once), its masks boxes labelled "Pneumothorax". The other
 * two (anon_SOPUID, annotation_ref, mask_rle) list masks of the images
 * with a chest tube or an acute rib fracture: boxes labelled "Chest Tube"
 * and "Rib Fracture", of images the reports file kept. Images are found by
 * walking the release (the root and one folder down; .dcm, .jpg, .jpeg,
 * .png): the research notes disagree on folder and format. There is no
 * split; a seeded hash of the study does it (split_of()). Layout, rules and
 * the choices: sources/candid-ptx.md.
 */
#include "cx.h"

#include <xxhash.h>

#include "adapters/adapter.h"
#include "adapters/ptx-masks.h"
#include "adapters/rows.h"
#include "adapters/strset.h"
#include "io/release.h"

#define REPORTS_CSV "Pneumothorax_reports.csv"
#define TUBE_CSV "chest_tube.csv"
#define RIB_CSV "acute_rib_fracture.csv"
#define RIB_CSV_OLD "Rib_fracture_mask_rle.csv" /* the name the official build reads */

/*
 * The split: the release has none, and the official build puts everything
 * in train. Here it is a pure function of the study key (the
 * StudyInstanceUID, or the image's SOP UID without one): XXH3-64 under the
 * fixed seed "CAND", modulo 1000, below 700 train, below 850 val, else
 * test, so a study's images stay together. CANDID gives no patient id.
 */
#define SPLIT_SEED 0x43414E44u

static enum cx_split split_of(const char *study)
{
	uint64_t h = XXH3_64bits_withSeed(study, strlen(study), SPLIT_SEED) % 1000;
	return h < 700 ? CX_SPLIT_TRAIN : h < 850 ? CX_SPLIT_VAL : CX_SPLIT_TEST;
}

static const char *const image_exts[] = {".dcm", ".jpg", ".jpeg", ".png", NULL};

struct reader {
	const struct cx_sink *sink;
	struct cx_mask_images images;
	struct cx_strset studies; /* studies whose report was emitted */
	const char *label;        /* of the mask file being read */
	const char *file;
};

enum { R_SOP, R_RLE, R_REPORT, R_STUDY, R_NCOLS };

/* The image, its study and (once per study) the study's report. */
static int emit_image(struct reader *r, const struct cx_mask_image *im, const char *study,
		      const char *report, struct cx_error *err)
{
	struct cx_study_fact s = {.key = study, .split = split_of(study)};
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = im->stem;
	f.path = im->path;
	f.study = study;
	f.split = s.split;
	if (cx_emit_study(r->sink, &s, err) || cx_emit_image(r->sink, &f, err))
		return err->code;
	if (!report[strspn(report, " \t\r\n")] || cx_strset_has(&r->studies, study))
		return 0;
	struct cx_report_fact rep = {.study = study, .impression = report};
	return cx_emit_report(r->sink, &rep, err);
}

static struct cx_outcome report_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *id = row->v[R_SOP];
	const char *study = row->v[R_STUDY] && row->v[R_STUDY][0] ? row->v[R_STUDY] : id;
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "SOPInstanceUID", id, CX_NAME_FILE, &o))
		return o;
	struct cx_mask_image *im = cx_mask_images_find(&r->images, id);
	if (!im)
		return cx_rows_reject(row, "missing image file '%s.dcm' (or .jpg, .png)", id);
	struct cx_box_fact box;
	int has;
	if (cx_mask_cell(row, "EncodedPixels", row->v[R_RLE], im->stem, "Pneumothorax", &box,
			 &has, &o))
		return o;
	int empty = !has;
	if (im->state == CX_MASK_EMPTY || (im->state == CX_MASK_BOXES && empty)) {
		return cx_rows_reject(row, "second %s for SOPInstanceUID '%s' (it has a %s row"
				      " already)", empty ? "'-1' row" : "mask", id,
				      im->state == CX_MASK_EMPTY ? "'-1'" : "mask");
	}
	struct cx_error err = {0};
	if (im->state == CX_MASK_UNSEEN && emit_image(r, im, study, row->v[R_REPORT], &err)) {
		return cx_rows_reject(row, "%s", err.msg);
	}
	if (has && cx_mask_emit(r->sink, row, &box, &o))
		return o;
	if (im->state == CX_MASK_UNSEEN)
		cx_strset_add(&r->studies, study);
	im->state = empty ? CX_MASK_EMPTY : CX_MASK_BOXES;
	return cx_rows_keep();
}

/* A row of the chest tube or rib fracture file: a mask of a kept image
 * ("-1", which some copies of the chest tube file hold, adds nothing). */
static struct cx_outcome mask_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *id = row->v[0];
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "anon_SOPUID", id, CX_NAME_FILE, &o))
		return o;
	struct cx_mask_image *im = cx_mask_images_find(&r->images, id);
	if (!im || im->state == CX_MASK_UNSEEN)
		return cx_rows_reject(row, "anon_SOPUID '%s' is not in " REPORTS_CSV, id);
	struct cx_box_fact box;
	int has;
	if (cx_mask_cell(row, "mask_rle", row->v[1], im->stem, r->label, &box, &has, &o))
		return o;
	if (has && cx_mask_emit(r->sink, row, &box, &o))
		return o;
	return cx_rows_keep();
}

static int read_masks(struct cx_rows *rows, struct cx_release *rel, const char *file,
		      const char *label, struct cx_error *err)
{
	struct reader *r = rows->ctx;
	static const char *const cols[] = {"anon_SOPUID", "mask_rle"};
	struct cx_csv_spec spec = {.file = file, .cols = cols, .ncols = 2, .fn = mask_row};
	r->label = label;
	return cx_rows_csv(rows, rel, &spec, err);
}

static int candid_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	struct reader r = {.sink = sink, .images = {.exts = image_exts}};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	static const char *const cols[R_NCOLS] = {"SOPInstanceUID", "EncodedPixels", "Report",
						  "StudyInstanceUID"};
	static const int optional[R_NCOLS] = {[R_STUDY] = 1};
	struct cx_csv_spec spec = {.file = REPORTS_CSV, .cols = cols, .optional = optional,
				   .ncols = R_NCOLS, .fn = report_row};
	int rc = 0;
	if (!cx_release_exists(rel, REPORTS_CSV))
		rc = cx_error_set(err, CX_ENOTFOUND, "%s: missing file '%s'", cx_release_path(rel),
				  REPORTS_CSV);
	if (rc == 0)
		rc = cx_mask_images_walk(&r.images, rel, "*", err);
	if (rc == 0)
		rc = cx_mask_images_walk(&r.images, rel, "*/*", err);
	if (rc == 0) {
		cx_mask_images_sort(&r.images);
		rc = cx_rows_csv(&rows, rel, &spec, err);
	}
	if (rc == 0 && cx_release_exists(rel, TUBE_CSV))
		rc = read_masks(&rows, rel, TUBE_CSV, "Chest Tube", err);
	const char *rib = cx_release_exists(rel, RIB_CSV) ? RIB_CSV : RIB_CSV_OLD;
	if (rc == 0 && cx_release_exists(rel, rib))
		rc = read_masks(&rows, rel, rib, "Rib Fracture", err);
	cx_mask_images_release(&r.images);
	cx_strset_release(&r.studies);
	return rc;
}

static int candid_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, REPORTS_CSV);
}

static const struct cx_entry_def entries[] = {
	{.task = "impression-generation", .rule = &cx_rule_impression},
	{.task = "pneumothorax-localisation", .rule = &cx_rule_localise_pneumothorax_capped},
	{.task = "rib-fracture-localisation", .rule = &cx_rule_localise_rib_fracture},
	{.task = "chest-tube-localisation", .rule = &cx_rule_localise_chest_tube},
};

const struct cx_adapter cx_adapter_candid_ptx = {
	.id = "candid-ptx",
	.dataset = "CANDID-PTX",
	.versions = "1.0 (Pneumothorax_reports.csv, chest_tube.csv, acute_rib_fracture.csv)",
	.license = "CANDID-PTX data-use agreement (University of Otago; research only, no"
		   " redistribution)",
	.access = "credentialed",
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = candid_probe,
	.read = candid_read,
};

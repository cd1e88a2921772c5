/*
 * t-ms-cxr.c - the MS-CXR adapter on its demo release (sources/ms-cxr/, golden
 * fact log) and on copies in tests/fixtures/ms-cxr/: every kind of bad row
 * (empty ids and phrases, unknown categories and splits, paths of another
 * image, numbers that are not, boxes outside their frame or of no area, a box
 * given twice, a short row); the older release's v1.0.0 file without a split
 * column; both files together (v1.1.0 is read); the release as PhysioNet's
 * project zip (one top folder). Borrowing the images from
 * MIMIC-CXR, the split rule and the tasks need a catalogue:
 * tests/cli/t-ms-cxr.sh.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_ms_cxr;
static const struct cx_adapter *const A = &cx_adapter_ms_cxr;

#define FX "tests/fixtures/ms-cxr/"
#define NEW "MS_CXR_Local_Alignment_v1.1.0.csv"
#define OLD "MS_CXR_Local_Alignment_v1.0.0.csv"
#define D6 "6b93d0f2-a1c74e58-2f06b9d3-c8e51a47-9d3b06e8"
#define P6 "files/p10/p10018750/s51937405/" D6 ".jpg"

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, "sources/ms-cxr", &log, &n, &err), 0, "demo release reads");
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/ms-cxr.facts"),
	      "demo fact log matches tests/golden/ms-cxr.facts");
	CHECK_INT(n.read, 9, "9 box rows read");
	CHECK_INT(n.kept, 9, "all kept");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.images, 9, "each row names its borrowed image");
	CHECK_INT(n.kinds[CX_FACT_PHRASE_BOX], 9, "one phrase box per row");
	CHECK_INT(n.boxes, 9, "and one box of its category (no two rows give one box)");
	CHECK(strstr(log.data, "image-update key=\"47f0c2b9-8e1d5a63-d9b4f08e-3c72a16d-b5e86f14\""
			       " patient=\"10041377\" study=\"57011549\" split=\"test\"\n") != NULL,
	      "the image borrowed with the row's split, subject and study from its path");
	CHECK(strstr(log.data, "box image=\"" D6 "\" label=\"Pleural Effusion\""
			       " xywh=37.000,50.000,20.000,12.000 frame=64x80\n"),
	      "the box as a box fact of its category, in its frame");
	CHECK(strstr(log.data, "phrase_box image=\"" D6 "\" label=\"Pleural Effusion\""
			       " phrase=\"small bilateral pleural effusions\" x=37.000 y=50.000"
			       " w=20.000 h=12.000 frame_width=64 frame_height=80 split=\"val\"\n"),
	      "the second box of a phrase: category, phrase, box, frame and split as released");
	/* PhysioNet's "download the ZIP file": the release in one top folder */
	facts_same_log(A, FX "zip/ms-cxr-1.1.0.zip", cx_buf_str(&log), "the project zip");
	cx_buf_release(&log);
}

/* Rows 3 to 16 of the bad-rows fixture, each rejected once with its reason;
 * rows 2, 17 and 18 are kept; row 18 gives row 17's box to another phrase of
 * the same category, a phrase box but no second box fact. */
static const char bad_log[] =
	"reject " NEW ":3 empty dicom_id\n"
	"reject " NEW ":4 empty label_text\n"
	"reject " NEW ":5 unknown value 'Nodule' in column 'category_name'\n"
	"reject " NEW ":6 path 'files/p10/p10018750/s51937405/aaaa.jpg' is not"
	" <files/pNN/p<subject>/s<study>/<dicom_id>.jpg> of dicom_id '" D6 "'\n"
	"reject " NEW ":7 path 'files/p11/p10018750/s51937405/" D6 ".jpg' is not"
	" <files/pNN/p<subject>/s<study>/<dicom_id>.jpg> of dicom_id '" D6 "'\n"
	"reject " NEW ":8 x 'abc' is not a number of pixels\n"
	"reject " NEW ":9 image_width '0' is not a positive integer\n"
	"reject " NEW ":10 unknown value 'validate' in column 'split'\n"
	"reject " NEW ":11 box 60,10,10,10 outside its 64x80 frame\n"
	"reject " NEW ":12 second box 6,14,52,48 for phrase 'Mild edema' of image '" D6 "'\n"
	"reject " NEW ":13 bad box 6,14,0,48\n"
	"reject " NEW ":14 empty split\n"
	"reject " NEW ":15 y '-1' is not a number of pixels\n"
	"reject " NEW ":16 row has 10 fields, expected 11\n"
	"image-update key=\"" D6 "\" patient=\"10018750\" study=\"51937405\" split=\"val\"\n"
	"phrase_box image=\"" D6 "\" label=\"Edema\" phrase=\"Mild edema\" x=7.000 y=15.000"
	" w=40.000 h=40.000 frame_width=64 frame_height=80 split=\"val\"\n"
	"box image=\"" D6 "\" label=\"Edema\" xywh=7.000,15.000,40.000,40.000 frame=64x80\n"
	"kept " NEW ":17\n"
	"image-update key=\"" D6 "\" patient=\"10018750\" study=\"51937405\" split=\"test\"\n"
	"phrase_box image=\"" D6 "\" label=\"Edema\" phrase=\"Pulmonary edema\" x=7.000"
	" y=15.000 w=40.000 h=40.000 frame_width=64 frame_height=80 split=\"test\"\n"
	"kept " NEW ":18\n";

static void test_bad_rows(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "bad-rows", &log, &n, &err), 0, "bad rows do not stop the read");
	const char *rest = strstr(cx_buf_str(&log), "reject " NEW ":3 ");
	CHECK(rest && !strcmp(rest, bad_log), "each bad row rejected once with its reason");
	if (rest && strcmp(rest, bad_log))
		printf("# got:\n%s", rest);
	CHECK(strstr(log.data, "kept " NEW ":2\n") != NULL, "the good row before them is kept");
	CHECK_INT(n.read, 17, "17 rows read");
	CHECK_INT(n.rejected, 14, "14 rejected");
	CHECK_INT(n.kept, 3, "3 kept");
	CHECK_INT(n.filtered, 0, "none filtered");
	cx_buf_release(&log);
}

static void test_versions(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "v1.0.0", &log, &n, &err), 0, "the v1.0.0 file alone reads");
	CHECK_STR(cx_buf_str(&log),
		  "image-update key=\"" D6 "\" patient=\"10018750\" study=\"51937405\"\n"
		  "phrase_box image=\"" D6 "\" label=\"Pleural Effusion\""
		  " phrase=\"small bilateral pleural effusions\" x=7.000 y=50.000 w=20.000"
		  " h=12.000 frame_width=64 frame_height=80\n"
		  "box image=\"" D6 "\" label=\"Pleural Effusion\""
		  " xywh=7.000,50.000,20.000,12.000 frame=64x80\n"
		  "kept " OLD ":2\n"
		  "image-update key=\"" D6 "\" patient=\"10018750\" study=\"51937405\"\n"
		  "phrase_box image=\"" D6 "\" label=\"Pleural Effusion\""
		  " phrase=\"small bilateral pleural effusions\" x=37.000 y=50.000 w=20.000"
		  " h=12.000 frame_width=64 frame_height=80\n"
		  "box image=\"" D6 "\" label=\"Pleural Effusion\""
		  " xywh=37.000,50.000,20.000,12.000 frame=64x80\n"
		  "kept " OLD ":3\n",
		  "no split column: images and phrase boxes without a split (MIMIC-CXR's decides)");
	cx_buf_reset(&log);
	memset(&n, 0, sizeof n);
	CHECK_INT(facts_run(A, FX "both", &log, &n, &err), 0, "both files read");
	CHECK_INT(n.read, 1, "only the v1.1.0 file is read");
	CHECK(strstr(log.data, "kept " NEW ":2\n") && !strstr(log.data, OLD),
	      "v1.1.0 wins over v1.0.0");
	struct cx_release *rel;
	CHECK(cx_release_open(&rel, "sources/ms-cxr-t", &err) == 0, "open the MS-CXR-T demo");
	CHECK(!A->probe(rel), "probe: MS-CXR-T is not MS-CXR");
	cx_release_free(rel);
	cx_buf_release(&log);
}

static void test_declaration(void)
{
	CHECK_STR(A->id_space, "mimic-cxr", "ids are MIMIC-CXR's");
	CHECK(A->requires && !strcmp(A->requires[0], "mimic-cxr") && !A->requires[1],
	      "requires mimic-cxr");
	CHECK_INT(A->nentries, 4, "four entries");
	CHECK(A->entries[0].rule == &cx_rule_phrase_boxes &&
	      A->entries[1].rule == &cx_rule_phrase_boxes &&
	      A->entries[3].rule == &cx_rule_phrase_text,
	      "grounding and captioning over phrase boxes, extraction over the report text too");
	CHECK(!strcmp(A->entries[2].task, "grounded-diagnosis") &&
	      A->entries[2].rule == &cx_rule_grounded,
	      "grounded diagnosis over the box facts, by the generic rule");
	int held = 0;
	for (size_t i = 0; i < A->nentries; i++)
		held |= A->entries[i].held_out;
	CHECK(!held, "no entry held out: the splits decide");
}

int main(void)
{
	test_demo();
	test_bad_rows();
	test_versions();
	test_declaration();
	return t_done();
}

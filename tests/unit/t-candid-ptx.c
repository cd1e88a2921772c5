/*
 * t-candid-ptx.c - the CANDID-PTX adapter on its demo release (the three
 * CSVs and the images in dataset/, DICOM and one JPEG) and on bad rows:
 * pneumothorax rows checked against each other, chest tube and rib fracture
 * rows against the images the reports file kept, the old name of the rib
 * fracture file, a reports file without StudyInstanceUID.
 */
#include "cx.h"

#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_candid_ptx;

static const struct cx_adapter *const A = &cx_adapter_candid_ptx;

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/candid-ptx", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/candid-ptx.facts"),
	      "demo fact log matches tests/golden/candid-ptx.facts");
	CHECK_INT(n.read, 13 + 2 + 2, "rows read: 13 reports, 2 chest tube, 2 rib fracture");
	CHECK_INT(n.kept, 17, "every row kept");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.images, 12, "12 images");
	CHECK_INT(n.reports, 11, "11 reports: images 4 and 7 are one study");
	CHECK_INT(n.boxes, 3 + 1 + 2, "boxes: 3 pneumothorax, 1 chest tube, 2 rib fractures");
	const char *s = cx_buf_str(&log);
	CHECK(strstr(s, "label=\"Chest Tube\"") != NULL, "a chest tube box");
	CHECK(strstr(s, "label=\"Rib Fracture\"") != NULL, "rib fracture boxes");
	CHECK(strstr(s, "path=\"dataset/1.2.826.0.1.3680043.8.498.25838.jpg\"") != NULL,
	      "a JPEG image is found by its SOP UID too");
	cx_buf_release(&log);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	facts_broken(A, "tests/fixtures/candid-ptx/broken", &log, &n);
	const char *s = cx_buf_str(&log);
	const char *e = "reject Pneumothorax_reports.csv:";
#define EXPECT(...) CHECK_LINEF(s, __VA_ARGS__)
	EXPECT("%s", "kept Pneumothorax_reports.csv:2");
	EXPECT("%s", "kept Pneumothorax_reports.csv:3");
	EXPECT("%s", "kept Pneumothorax_reports.csv:4");
	EXPECT("%s5 second '-1' row for SOPInstanceUID '9.9.2' (it has a mask row already)",
	       e);
	EXPECT("%s6 empty 'EncodedPixels'", e);
	EXPECT("%s7 'EncodedPixels' is absolute RLE (each start a pixel offset); this"
	       " release's masks are relative RLE (each start the gap after the previous run)",
	       e);
	EXPECT("%s8 missing image file '9.9.8.dcm' (or .jpg, .png)", e);
	EXPECT("%s", "kept Pneumothorax_reports.csv:9");
	EXPECT("%s", "kept Pneumothorax_reports.csv:10");
	e = "reject chest_tube.csv:";
	EXPECT("%s", "kept chest_tube.csv:2");
	EXPECT("%s", "kept chest_tube.csv:3");
	EXPECT("%s4 anon_SOPUID '9.9.7' is not in Pneumothorax_reports.csv", e);
	EXPECT("%s5 anon_SOPUID '9.9.3' is not in Pneumothorax_reports.csv", e);
	EXPECT("%s6 'mask_rle': RLE has an odd number of values (run 2 has no length)", e);
	EXPECT("%s", "kept Rib_fracture_mask_rle.csv:2");
	EXPECT("reject Rib_fracture_mask_rle.csv:3 empty '%s'", "mask_rle");
#undef EXPECT
	CHECK_INT(n.read, 9 + 5 + 2, "broken: rows read in the three files");
	CHECK_INT(n.kept, 5 + 2 + 1, "broken: kept");
	CHECK_INT(n.rejected, 4 + 3 + 1, "broken: rejected");
	CHECK_INT(n.images, 4, "broken: the images of kept report rows");
	CHECK_INT(n.reports, 3, "broken: a report per kept image with report text");
	CHECK_INT(n.boxes, 2 + 1 + 1, "broken: 2 pneumothorax, 1 tube, 1 rib fracture box");
	const char *img = strstr(s, "image key=\"9.9.1\"");
	CHECK(img && strstr(img, "study=\"9.9.1\""),
	      "without StudyInstanceUID an image is its own study");
	cx_buf_release(&log);
}

int main(void)
{
	test_demo();
	test_broken();
	return t_done();
}

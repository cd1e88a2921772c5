/*
 * t-siim-acr.c - the SIIM-ACR adapter on its demo release (train-rle.csv and
 * the DICOM tree), on the same release as a zip (same fact log), and on bad
 * rows: each rejected with its reason, the absolute RLE variant named as
 * such, and the rows of one image checked against each other.
 */
#include "cx.h"

#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_siim_acr;

static const struct cx_adapter *const A = &cx_adapter_siim_acr;

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/siim-acr", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/siim-acr.facts"),
	      "demo fact log matches tests/golden/siim-acr.facts");
	CHECK_INT(n.read, 9, "9 rows read: 8 images, one of them with two masks");
	CHECK_INT(n.kept, 9, "every row kept");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.images, 8, "8 images (the test folder's image has no row: not read)");
	CHECK_INT(n.boxes, 5, "5 boxes: 4 one-region masks, and one mask of two regions");
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "image key=\"1.2.276.0.7230010.3.1.4.8323329.3774.1517875102.711526\" "
		      "path=\"dicom-images-train/"
		      "1.2.276.0.7230010.3.1.2.8323329.3774.1517875102.300102/"
		      "1.2.276.0.7230010.3.1.3.8323329.3774.1517875102.500102/"
		      "1.2.276.0.7230010.3.1.4.8323329.3774.1517875102.711526.dcm\" "
		      "patient=\"1.2.276.0.7230010.3.1.4.8323329.3774.1517875102.711526\" "
		      "split=\"train\"");
	CHECK(strstr(s, "label=\"Pneumothorax\"") != NULL, "boxes are labelled Pneumothorax");
	CHECK(strstr(s, "frame=1024x1024") != NULL, "boxes are in the 1024 x 1024 mask grid");
	facts_same_log(A, "tests/fixtures/siim-acr/siim-acr-pneumothorax-segmentation.zip",
		       cx_buf_str(&log), "the release as a zip");
	cx_buf_release(&log);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	facts_broken(A, "tests/fixtures/siim-acr/broken", &log, &n);
	const char *s = cx_buf_str(&log);
	const char *e = "reject train-rle.csv:";
#define EXPECT(...) CHECK_LINEF(s, __VA_ARGS__)
	EXPECT("%s", "kept train-rle.csv:2");
	EXPECT("%s", "kept train-rle.csv:3");
	EXPECT("%s", "kept train-rle.csv:4");
	EXPECT("%s5 second '-1' row for ImageId '1.2.3.2' (it has a mask row already)", e);
	EXPECT("%s6 second mask for ImageId '1.2.3.1' (it has a '-1' row already)", e);
	EXPECT("%s7 second '-1' row for ImageId '1.2.3.1' (it has a '-1' row already)", e);
	EXPECT("%s8 empty 'EncodedPixels'", e);
	EXPECT("%s9 'EncodedPixels': RLE value 'x' is not a number", e);
	EXPECT("%s10 'EncodedPixels': RLE has an odd number of values (run 2 has no length)",
	       e);
	EXPECT("%s11 'EncodedPixels': RLE run 1 ends past the 1024x1024 mask", e);
	EXPECT("%s12 'EncodedPixels' is absolute RLE (each start a pixel offset); this"
	       " release's masks are relative RLE (each start the gap after the previous run)",
	       e);
	EXPECT("%s13 missing image file 'dicom-images-train/*/*/1.2.3.99.dcm'", e);
	EXPECT("%s14 ImageId '../x' is not a safe name: a '..' component", e);
	EXPECT("%s15 row has 3 fields, expected 2", e);
	EXPECT("%s16 'EncodedPixels': box 0,0,1,1 has zero area on the 0-100 grid of its"
	       " 1024x1024 frame", e);
	EXPECT("%s17 'EncodedPixels': RLE run 1 has length 0", e);
	EXPECT("%s", "kept train-rle.csv:18");
#undef EXPECT
	CHECK_INT(n.kept, 4, "broken: kept 4 rows");
	CHECK_INT(n.rejected, 13, "broken: rejected 13 rows");
	CHECK_INT(n.read, 17, "broken: 17 rows read, accounted once each");
	CHECK_INT(n.images, 3, "broken: the images of kept rows");
	CHECK_INT(n.boxes, 3, "broken: the boxes of the kept masks");
	cx_buf_release(&log);
}

int main(void)
{
	test_demo();
	test_broken();
	return t_done();
}

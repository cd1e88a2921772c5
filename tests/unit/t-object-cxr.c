/*
 * t-object-cxr.c - the Object-CXR adapter on its demo release (train.zip and
 * dev.zip beside the CSVs), on the same release extracted and with the
 * README's image_path header (same fact log), on bad annotations, on a CSV
 * without a name column and a release without train.csv; and the annotation
 * parser itself (rectangles, ellipses, polygons to enclosing boxes).
 */
#include "cx.h"

#include "adapters/object-cxr.h"
#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_object_cxr;

static const struct cx_adapter *const A = &cx_adapter_object_cxr;

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/object-cxr", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/object-cxr.facts"),
	      "demo fact log matches tests/golden/object-cxr.facts");
	CHECK_INT(n.kept, 8, "kept: 6 train rows + 2 dev rows");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.read, 8, "rows read = kept");
	CHECK_INT(n.images, 8, "8 images, one per row");
	CHECK_INT(n.boxes, 6, "6 boxes: 2 rectangles, 2 ellipses, 2 polygons");
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "image key=\"train/00001.jpg\" path=\"train/00001.jpg\" split=\"train\"");
	CHECK_LINE(s, "box image=\"train/00001.jpg\" label=\"foreign object\" "
		      "xywh=12.000,20.000,24.000,14.000");
	CHECK_LINE(s, "box image=\"train/00003.jpg\" label=\"foreign object\" "
		      "xywh=20.000,62.000,20.000,30.000");
	CHECK_LINE(s, "image key=\"dev/08002.jpg\" path=\"dev/08002.jpg\" split=\"val\"");
	facts_same_log(A, "tests/fixtures/object-cxr/extracted", s, "the extracted release");
	facts_same_log(A, "tests/fixtures/object-cxr/image-path", s,
		       "the README's image_path header");
	cx_buf_release(&log);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	facts_broken(A, "tests/fixtures/object-cxr/broken", &log, &n);
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "kept train.csv:2");
	CHECK_LINE(s, "kept train.csv:3");
	CHECK_LINE(s, "reject train.csv:4 invalid annotation: shape 1 has unknown type '3' (0 "
		      "rectangle, 1 ellipse, 2 polygon)");
	CHECK_LINE(s, "reject train.csv:5 invalid annotation: shape 1 (rectangle) has 3 "
		      "coordinates, expected 4 (x1 y1 x2 y2)");
	CHECK_LINE(s, "reject train.csv:6 invalid annotation: shape 1 (rectangle) has corners out "
		      "of order: 10 20 5 30");
	CHECK_LINE(s, "reject train.csv:7 invalid annotation: shape 1 (polygon) has 3 coordinates,"
		      " expected x y pairs of at least 2 points");
	CHECK_LINE(s, "reject train.csv:8 invalid annotation: shape 1 has coordinate 'x', not a "
		      "decimal number");
	CHECK_LINE(s, "reject train.csv:9 invalid annotation: shape 1 (polygon) encloses no area");
	CHECK_LINE(s, "reject train.csv:10 second row for image '00001.jpg'");
	CHECK_LINE(s, "reject train.csv:11 image_name '../x.jpg' is not a safe name: a '..' "
		      "component");
	CHECK_LINE(s, "kept train.csv:12");
	CHECK_LINE(s, "box image=\"train/00009.jpg\" label=\"foreign object\" "
		      "xywh=0.000,10.000,20.000,20.000");
	CHECK_LINE(s, "box image=\"train/00009.jpg\" label=\"foreign object\" "
		      "xywh=5.000,5.000,4.000,4.000");
	CHECK_LINE(s, "kept train.csv:13");
	CHECK_LINE(s, "box image=\"train/00010.jpg\" label=\"foreign object\" "
		      "xywh=1.500,2.500,8.750,17.500");
	CHECK_LINE(s, "reject train.csv:14 invalid annotation: shape 1 has coordinate '1e3', not "
		      "a decimal number");
	CHECK_LINE(s, "reject train.csv:15 row has 3 fields, expected 2");
	CHECK_LINE(s, "reject train.csv:16 invalid annotation: shape 2 (ellipse) has 3 "
		      "coordinates, expected 4 (x1 y1 x2 y2)");
	CHECK_LINE(s, "kept dev.csv:2");
	CHECK_INT(n.kept, 5, "broken: kept 4 train rows and 1 dev row");
	CHECK_INT(n.rejected, 11, "broken: 11 train rows rejected");
	CHECK_INT(n.read, 16, "broken: 15 + 1 rows read, accounted once each");
	CHECK_INT(n.images, 5, "broken: images of kept rows only");
	CHECK_INT(n.boxes, 5, "broken: boxes of kept rows only");
	cx_buf_release(&log);
}

static void test_missing(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "tests/fixtures/object-cxr/no-name-column", &log, &n, &err);
	CHECK(rc < 0, "a CSV with neither image_name nor image_path is an error");
	CHECK_STR(err.msg,
		  "train.csv: line 1: no column 'image_name' or 'image_path' in the header",
		  "the error names the file and both columns");
	CHECK_INT(n.read, 0, "no row was read: the header is checked before the rows");
	memset(&n, 0, sizeof n);
	cx_buf_reset(&log);
	err = (struct cx_error){0};
	rc = facts_run(A, "tests/fixtures/object-cxr/no-train", &log, &n, &err);
	CHECK(rc < 0, "a release without train.csv is an error");
	CHECK(strstr(err.msg, "missing file 'train.csv'") != NULL, "the error names train.csv");
	CHECK_INT(n.read, 0, "no row was read");
	cx_buf_release(&log);
}

/* The parser alone: enclosing boxes, negatives raised to 0, empty pieces. */
static void test_parse(void)
{
	struct cx_object_cxr_box b[CX_OBJECT_CXR_MAX_SHAPES];
	struct cx_buf why = CX_BUF_INIT;
	size_t n = 99;
	CHECK(cx_object_cxr_parse("", b, &n, &why) == 0 && n == 0, "empty: no object");
	CHECK(cx_object_cxr_parse(" ; ", b, &n, &why) == 0 && n == 0, "blank pieces: no object");
	CHECK(cx_object_cxr_parse("2 10 40 30 20 20 60 5 45", b, &n, &why) == 0 && n == 1,
	      "one polygon of 4 points");
	CHECK(b[0].type == 2 && b[0].x1 == 5 && b[0].y1 == 20 && b[0].x2 == 30 && b[0].y2 == 60,
	      "the polygon's enclosing box is (5,20)-(30,60)");
	CHECK(cx_object_cxr_parse("1 -3 4 9 12", b, &n, &why) == 0 && n == 1 && b[0].x1 == 0 &&
		      b[0].y1 == 4 && b[0].x2 == 9,
	      "an ellipse reaching left of the image starts at 0");
	CHECK(cx_object_cxr_parse("0\t1 2\t3 4", b, &n, &why) == 0 && n == 1,
	      "tabs separate coordinates too");
	cx_buf_reset(&why);
	CHECK(cx_object_cxr_parse("0 1 2 3 4;00 1 2 3 4", b, &n, &why) < 0, "type '00' is refused");
	CHECK_STR(why.data, "shape 2 has unknown type '00' (0 rectangle, 1 ellipse, 2 polygon)",
		  "the reason names the second shape");
	cx_buf_reset(&why);
	CHECK(cx_object_cxr_parse("0 1 2 3.5 4.", b, &n, &why) == 0 && b[0].x2 == 3.5 &&
		      b[0].y2 == 4,
	      "'3.5' and '4.' read as decimal numbers");
	CHECK(cx_object_cxr_parse("0 1 2 3 4 -", b, &n, &why) < 0 &&
		      cx_object_cxr_parse("0 1 2 3 +4", b, &n, &why) < 0 &&
		      cx_object_cxr_parse("0 1 2 3 0x4", b, &n, &why) < 0,
	      "'-' alone, '+4' and '0x4' are not decimal numbers");
	struct cx_buf many = CX_BUF_INIT;
	for (int i = 0; i <= CX_OBJECT_CXR_MAX_SHAPES; i++)
		cx_buf_adds(&many, "0 1 1 2 2;");
	cx_buf_reset(&why);
	CHECK(cx_object_cxr_parse(many.data, b, &n, &why) < 0, "257 shapes are refused");
	CHECK_STR(why.data, "more than 256 shapes", "the reason says how many are allowed");
	cx_buf_release(&many);
	cx_buf_release(&why);
}

static void test_probe(void)
{
	struct cx_release *rel;
	struct cx_error err = {0};
	if (!CHECK(cx_release_open(&rel, "sources/slake", &err) == 0, "SLAKE demo opens"))
		return;
	CHECK(!A->probe(rel), "SLAKE's release is not Object-CXR's");
	cx_release_free(rel);
}

int main(void)
{
	test_demo();
	test_broken();
	test_missing();
	test_parse();
	test_probe();
	return t_done();
}

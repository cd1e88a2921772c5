/*
 * t-chestx-det.c - the ChestX-Det adapter on its demo release (the JSON files
 * and the image folders extracted from the download's zips), on bad records
 * (the polygons it adds to ChestX-Det10's layout, its 13 classes), and its
 * probe against ChestX-Det10's release.
 */
#include "cx.h"

#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_chestx_det;

static const struct cx_adapter *const A = &cx_adapter_chestx_det;

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/chestx-det", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/chestx-det.facts"),
	      "demo fact log matches tests/golden/chestx-det.facts");
	CHECK_INT(n.kept, 5, "kept: 3 train records + 2 test records");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.images, 5, "5 images, one per record");
	CHECK_INT(n.boxes, 8, "8 boxes, one per sym");
	const char *s = cx_buf_str(&log);
	/* The released box, not the polygon's smaller enclosing box. */
	CHECK_LINE(s, "box image=\"39100.png\" label=\"Calcification\" "
		      "xywh=192.000,352.000,48.000,48.000 frame=1024x1024");
	CHECK_LINE(s, "labels image target=\"36207.png\" Cardiomegaly=1,Diffuse Nodule=1");
	CHECK_LINE(s, "image key=\"39066.png\" path=\"test_data/39066.png\" split=\"test\"");
	cx_buf_release(&log);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	facts_broken(A, "tests/fixtures/chestx-det/broken", &log, &n);
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "kept ChestX_Det_train.json:1");
	CHECK_LINE(s, "reject ChestX_Det_train.json:2 missing 'polygons'");
	CHECK_LINE(s, "reject ChestX_Det_train.json:3 invalid record: 1 syms, 1 boxes, 0 polygons");
	CHECK_LINE(s, "reject ChestX_Det_train.json:4 invalid polygon 1: expected a list of [x, y]"
		      " points");
	CHECK_LINE(s, "reject ChestX_Det_train.json:5 invalid polygon 1: expected a list of [x, y]"
		      " points");
	CHECK_LINE(s, "kept ChestX_Det_train.json:6");
	CHECK_LINE(s, "box image=\"6.png\" label=\"Pleural Thickening\" "
		      "xywh=600.000,100.000,100.000,500.000 frame=1024x1024");
	CHECK_LINE(s, "reject ChestX_Det_train.json:7 'polygons' is an object, expected a list");
	CHECK_LINE(s, "reject ChestX_Det_train.json:8 unknown value 'Infiltration' in 'syms'");
	CHECK_LINE(s, "kept ChestX_Det_test.json:1");
	CHECK_INT(n.kept, 3, "broken: kept 2 train records and the test record");
	CHECK_INT(n.rejected, 6, "broken: 6 train records rejected");
	CHECK_INT(n.read, 9, "broken: 8 + 1 records read");
	cx_buf_release(&log);
}

static void test_probe(void)
{
	struct cx_release *rel;
	struct cx_error err = {0};
	if (!CHECK(cx_release_open(&rel, "sources/chestx-det10", &err) == 0,
		   "the ChestX-Det10 demo opens"))
		return;
	CHECK(!cx_release_try(rel, A->probe), "ChestX-Det10's release is not ChestX-Det's");
	cx_release_free(rel);
}

int main(void)
{
	test_demo();
	test_broken();
	test_probe();
	return t_done();
}

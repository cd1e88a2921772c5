/*
 * t-chestx-det10.c - the ChestX-Det10 adapter on its demo release (train.json,
 * test.json and the two image zips as downloaded), on the same release with
 * the zips extracted (same fact log), on bad records, and its probe against
 * SLAKE's train.json/test.json and ChestX-Det's release.
 */
#include "cx.h"

#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_chestx_det10;

static const struct cx_adapter *const A = &cx_adapter_chestx_det10;

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/chestx-det10", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/chestx-det10.facts"),
	      "demo fact log matches tests/golden/chestx-det10.facts");
	CHECK_INT(n.kept, 8, "kept: 5 train records + 3 test records");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.read, 8, "rows read = kept");
	CHECK_INT(n.images, 8, "8 images, one per record (2 without findings)");
	CHECK_INT(n.boxes, 11, "11 boxes, one per sym");
	CHECK_INT(n.labels, 8, "8 label sets: the boxed findings, or No Finding");
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "image key=\"36204.png\" path=\"train_data/36204.png\" split=\"train\"");
	CHECK_LINE(s, "box image=\"36204.png\" label=\"Mass\" xywh=612.000,204.000,104.000,99.000 "
		      "frame=1024x1024");
	CHECK_LINE(s, "labels image target=\"36204.png\" Mass=1");
	CHECK_LINE(s, "labels image target=\"36200.png\" No Finding=1");
	CHECK_LINE(s, "labels image target=\"39099.png\" Effusion=1,Consolidation=1");
	CHECK_LINE(s, "image key=\"39140.png\" path=\"test_data/39140.png\" split=\"test\"");
	facts_same_log(A, "tests/fixtures/chestx-det10/extracted", s, "the extracted release");
	cx_buf_release(&log);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	facts_broken(A, "tests/fixtures/chestx-det10/broken", &log, &n);
	const char *s = cx_buf_str(&log);
	const char *e = "reject train.json:";
#define EXPECT(...) CHECK_LINEF(s, __VA_ARGS__)
	EXPECT("%s", "kept train.json:1");
	EXPECT("%s", "kept train.json:2");
	EXPECT("%s3 unknown value 'Cardiomegaly' in 'syms'", e);
	EXPECT("%s4 invalid record: 1 syms, 0 boxes", e);
	EXPECT("%s5 invalid box 1: expected a list of 4 numbers [x1, y1, x2, y2]", e);
	EXPECT("%s6 invalid box 1 [50, 10, 10, 50]: its second corner is not below and right of"
	       " its first", e);
	EXPECT("%s7 box 10,10,1990,40 outside its 1024x1024 frame", e);
	EXPECT("%s8 'syms' is a string, expected a list", e);
	EXPECT("%s9 missing 'syms'", e);
	EXPECT("%s10 second record for file_name '2.png'", e);
	EXPECT("%s11 file_name '../a.png' is not a safe name: a '..' component", e);
	EXPECT("%s12 missing 'file_name'", e);
	EXPECT("%s13 record is a list, expected an object", e);
	EXPECT("%s14 syms 1 is a number, expected a string", e);
	EXPECT("%s15 invalid box 1: expected a list of 4 numbers [x1, y1, x2, y2]", e);
	EXPECT("%s16 box 0,0,1,1 has zero area on the 0-100 grid of its 1024x1024 frame", e);
	EXPECT("%s", "kept train.json:17");
	EXPECT("%s", "box image=\"17.png\" label=\"Mass\" xywh=300.000,300.000,100.000,120.000 "
		     "frame=1024x1024");
	EXPECT("%s", "box image=\"17.png\" label=\"Nodule\" xywh=100.500,200.000,39.500,60.000 "
		     "frame=1024x1024");
#undef EXPECT
	CHECK_INT(n.kept, 3, "broken: kept 3 records");
	CHECK_INT(n.rejected, 14, "broken: 14 records rejected");
	CHECK_INT(n.read, 17, "broken: 17 records read (test.json is an empty list)");
	CHECK_INT(n.images, 3, "broken: images of kept records only");
	CHECK_INT(n.boxes, 3, "broken: boxes of kept records only");
	cx_buf_release(&log);
}

static void test_probe(void)
{
	const char *others[] = {"sources/slake", "sources/chestx-det"};
	for (size_t i = 0; i < CX_ARRAY_LEN(others); i++) {
		struct cx_release *rel;
		struct cx_error err = {0};
		if (!CHECK(cx_release_open(&rel, others[i], &err) == 0, "the other demo opens"))
			continue;
		char what[100];
		snprintf(what, sizeof what, "%s is not ChestX-Det10's release", others[i]);
		CHECK(!cx_release_try(rel, A->probe), what);
		cx_release_free(rel);
	}
}

int main(void)
{
	test_demo();
	test_broken();
	test_probe();
	return t_done();
}

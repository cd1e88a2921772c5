/*
 * t-covidx.c - the COVIDx adapter on its demo release (the CXR-4 layout:
 * train.txt, val.txt, test.txt) and on the same release as Kaggle's zip, on
 * the CXR-3 layout (no val.txt; CRLF line ends, a file name with spaces and
 * doubled separators), on bad lines, on a release without test.txt, and its
 * probe.
 */
#include "cx.h"

#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_covidx;

static const struct cx_adapter *const A = &cx_adapter_covidx;

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/covidx", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/covidx.facts"),
	      "demo fact log matches tests/golden/covidx.facts");
	CHECK_INT(n.kept, 11, "kept: 5 train + 2 val + 4 test lines");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.images, 11, "11 images");
	CHECK_INT(n.labels, 11, "11 label sets");
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "image key=\"train/COVID (1337).png\" path=\"train/COVID (1337).png\" "
		      "patient=\"COVID-01337\" split=\"train\"");
	CHECK_LINE(s, "labels image target=\"train/COVID (1337).png\" COVID-19=1");
	CHECK_LINE(s, "image key=\"test/5bc8fbbc-bde5-4099-8164-d8399f767c45.png\" "
		      "path=\"test/5bc8fbbc-bde5-4099-8164-d8399f767c45.png\" "
		      "patient=\"5bc8fbbc-bde5-4099-8164-d8399f767c45\" split=\"test\"");
	CHECK_LINE(s, "labels image target=\"val/cd613e30-d8f1-4adf-91b7-584a2265b1f5.jpg\" "
		      "COVID-19=0");
	CHECK_LINE(s, "image key=\"test/COVID-00031.PNG\" path=\"test/COVID-00031.PNG\" "
		      "patient=\"fig1-0031\" split=\"test\"");

	facts_same_log(A, "tests/fixtures/covidx/covidx-cxr2.zip", cx_buf_str(&log), "Kaggle's zip");
	cx_buf_release(&log);
}

static void test_cxr3(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "tests/fixtures/covidx/cxr3", &log, &n, &err);
	if (!CHECK(rc == 0, "CXR-3 layout reads"))
		printf("#   %s\n", err.msg);
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "image key=\"train/COVID (77).png\" path=\"train/COVID (77).png\" "
		      "patient=\"COVID-00077\" split=\"train\"");
	CHECK_LINE(s, "image key=\"test/P0091.PNG\" path=\"test/P0091.PNG\" patient=\"P0091\" "
		      "split=\"test\"");
	CHECK_LINE(s, "labels image target=\"test/covid-19-caso-9.jpeg\" COVID-19=1");
	CHECK_INT(n.kept, 5, "CXR-3: 3 train + 2 test lines, no val.txt");
	CHECK_INT(n.rejected + n.filtered, 0, "CXR-3: nothing rejected");
	cx_buf_release(&log);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	facts_broken(A, "tests/fixtures/covidx/broken", &log, &n);
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "kept train.txt:1");
	CHECK_LINE(s, "reject train.txt:2 unknown class 'maybe' (expected positive or negative)");
	CHECK_LINE(s, "reject train.txt:4 line has 3 fields, expected at least 4");
	CHECK_LINE(s, "reject train.txt:5 file name '../d.png' is not a safe name: a '..' "
		      "component");
	CHECK_LINE(s, "reject train.txt:6 file name 'sub/e.png' is not a safe name: a '/' in a "
		      "file name");
	CHECK_LINE(s, "image key=\"train/f g  h.png\" path=\"train/f g  h.png\" patient=\"6\" "
		      "split=\"train\"");
	CHECK_LINE(s, "reject train.txt:8 file name 'a.png' listed again in train.txt");
	CHECK_LINE(s, "kept test.txt:1");
	CHECK_LINE(s, "reject test.txt:2 invalid UTF-8 in the line");
	CHECK_LINE(s, "reject test.txt:3 invalid UTF-8 in the line");
	CHECK_INT(n.kept, 3, "broken: 3 lines kept");
	CHECK_INT(n.rejected, 7, "broken: 7 lines rejected (the blank line is no row)");
	CHECK_INT(n.read, 10, "broken: 10 rows read");
	cx_buf_release(&log);
}

static void test_missing(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "tests/fixtures/covidx/no-test", &log, &n, &err);
	CHECK(rc < 0, "a release without test.txt is not COVIDx (the probe reads it)");
	CHECK_INT(n.read, 0, "no row was read");
	cx_buf_release(&log);
}

/* train.txt and test.txt are common names: the probe wants a COVIDx class
 * at the end of test.txt's first line. */
static void test_probe(void)
{
	static const char *const others[] = {"sources/nih-chestxray14", "sources/rsna-pneumonia",
					     "tests/fixtures/covidx/no-test"};
	for (size_t i = 0; i < CX_ARRAY_LEN(others); i++) {
		struct cx_release *rel;
		struct cx_error err = {0};
		if (!CHECK(cx_release_open(&rel, others[i], &err) == 0, others[i]))
			continue;
		CHECK(!A->probe(rel), "not a COVIDx release");
		cx_release_free(rel);
	}
}

int main(void)
{
	test_demo();
	test_cxr3();
	test_broken();
	test_missing();
	test_probe();
	return t_done();
}

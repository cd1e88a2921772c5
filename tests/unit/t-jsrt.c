/*
 * t-jsrt.c - the JSRT adapter on its demo release (the clinical lists as
 * extracted, CR line ends, two records not separated by a line end; the
 * images in All247images.zip as distributed), on Clinical_Information.zip
 * (same fact log), on records of every kind that is wrong (and the odd
 * forms that are right: unknown age and sex, a decimal size, a nodule at
 * the edge whose box is clipped, LF line ends, the list's other spelling),
 * and on a release without its non-nodule list.
 */
#include "cx.h"

#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_jsrt;

static const struct cx_adapter *const A = &cx_adapter_jsrt;

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/jsrt", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/jsrt.facts"),
	      "demo fact log matches tests/golden/jsrt.facts");
	CHECK_INT(n.kept, 3, "kept: 2 nodule records, 1 non-nodule record");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.images, 3, "3 images");
	CHECK_INT(n.labels, 3, "3 label sets");
	CHECK_INT(n.boxes, 2, "a box per nodule");
	const char *s = cx_buf_str(&log);
	/* 17 mm is 97.14 px: a square of that side centred on (1480, 805) */
	CHECK_LINE(s, "box image=\"JPCLN001.IMG\" label=\"Nodule\" "
		      "xywh=1431.429,756.429,97.143,97.143 frame=2048x2048");
	/* the second record follows the first's diagnosis with no line end */
	CHECK_LINE(s, "image key=\"JPCLN002.IMG\" path=\"All247images/JPCLN002.IMG\" "
		      "patient=\"JPCLN002\" split=\"train\" sex=\"F\"");
	facts_same_log(A, "tests/fixtures/jsrt/zips", cx_buf_str(&log), "Clinical_Information.zip");
	cx_buf_release(&log);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	int rc = facts_run(A, "tests/fixtures/jsrt/broken", &log, &n, &err);
	if (!CHECK(rc == 0, "broken release still reads"))
		printf("#   %s\n", err.msg);
	const char *s = cx_buf_str(&log);
	char line[400];
#define L "reject Clinical_Information/CLNDAT_EN.txt:"
#define N "reject Clinical_Information/CNNDAT_EN.txt:"
#define EXPECT(text) CHECK_LINE(s, text)
	EXPECT(L "1 text before the first image name");
	EXPECT("kept Clinical_Information/CLNDAT_EN.txt:2");
	EXPECT(L "3 invalid subtlety '7'");
	EXPECT(L "4 invalid size 'abc'");
	EXPECT(L "5 invalid age 'x'");
	EXPECT(L "6 invalid sex 'M'");
	EXPECT(L "7 invalid x '2048'");
	EXPECT(L "8 invalid malignancy 'unknown'");
	EXPECT(L "9 nodule record has 4 fields, expected at least 8 (name, subtlety, size, age, "
	       "sex, x, y, malignancy)");
	EXPECT(L "10 image 'JPCNN001.IMG' is a non-nodule image (JPCNN) in the nodule list");
	EXPECT(L "11 invalid image name (text follows it without a separator) 'JPCLN009.IMGx'");
	/* unknown age and sex; the box clipped at the bottom edge: 30 mm is 171.43 px */
	EXPECT("image key=\"JPCLN010.IMG\" path=\"All247images/JPCLN010.IMG\" "
	       "patient=\"JPCLN010\" split=\"train\"");
	EXPECT("box image=\"JPCLN010.IMG\" label=\"Nodule\" "
	       "xywh=0.000,1954.286,95.714,93.714 frame=2048x2048");
	EXPECT("box image=\"JPCLN011.IMG\" label=\"Nodule\" "
	       "xywh=1011.143,1011.143,25.714,25.714 frame=2048x2048");
	EXPECT("kept Clinical_Information/CNNDAT_EN.txt:1");
	EXPECT("labels image target=\"JPCNN002.IMG\" Nodule=0,non-nodule=1");
	EXPECT(N "2 non-nodule record has 5 fields, expected 4 (name, age, sex, non-nodule)");
	EXPECT(N "3 invalid last field (not 'non-nodule') 'nodule'");
	EXPECT(N "4 image 'JPCLN012.IMG' is a nodule image (JPCLN) in the non-nodule list");
	EXPECT(N "5 invalid UTF-8 in the record");
	EXPECT("image key=\"JPCNN006.IMG\" path=\"All247images/JPCNN006.IMG\" "
	       "patient=\"JPCNN006\" split=\"train\"");
#undef EXPECT
	(void)line;
	CHECK_INT(n.kept, 5, "broken: 3 nodule and 2 non-nodule records kept");
	CHECK_INT(n.rejected, 14, "broken: 10 nodule list rows and 4 records rejected");
	CHECK_INT(n.filtered, 0, "broken: nothing filtered");
	CHECK_INT(n.boxes, 3, "broken: boxes of kept nodules only");
	cx_buf_release(&log);
}

/* The non-nodule list is required: read() fails naming it. */
static void test_missing_list(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	struct cx_release *rel;
	void *ctx;
	if (!CHECK(cx_release_open(&rel, "tests/fixtures/jsrt/no-plain-list", &err) == 0,
		   "a release without CNNDAT opens"))
		return;
	struct cx_sink sink = facts_sink_for(&log, &n, &ctx);
	CHECK(A->read(rel, &sink, &err) == CX_ENOTFOUND, "no CNNDAT_EN.TXT: an error");
	CHECK(strstr(err.msg, "missing file 'Clinical_Information/CNNDAT_EN.TXT' (the non-nodule "
		     "list)") != NULL, "it names the file");
	cx_release_free(rel);
	free(ctx);
	cx_buf_release(&log);
}

static void test_probe(void)
{
	struct cx_release *rel;
	struct cx_error err = {0};
	if (!CHECK(cx_release_open(&rel, "sources/nih-chestxray14", &err) == 0, "NIH demo opens"))
		return;
	CHECK(!A->probe(rel), "the NIH release is not JSRT");
	cx_release_free(rel);
	CHECK(cx_vocab_check(A->labels, &err) == 0, "the nodule vocabulary checks out");
	CHECK_INT(cx_vocab_find_role(A->labels, CX_ROLE_NONE), 1, "non-nodule is its none label");
}

int main(void)
{
	test_demo();
	test_broken();
	test_missing_list();
	test_probe();
	return t_done();
}

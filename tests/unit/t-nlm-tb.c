/*
 * t-nlm-tb.c - the NLM-TB adapter on its demo release (both sets as
 * extracted folders), on the two zips as distributed (same fact log), on
 * readings and file names of every kind that is wrong (and the odd forms
 * that are right), and on a release with no image at all.
 */
#include "cx.h"

#include "facts.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_nlm_tb;

static const struct cx_adapter *const A = &cx_adapter_nlm_tb;

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT, zlog = CX_BUF_INIT;
	struct facts_count n = {0}, zn = {0};
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/nlm-tb", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/nlm-tb.facts"),
	      "demo fact log matches tests/golden/nlm-tb.facts");
	CHECK_INT(n.kept, 5, "kept: 2 Montgomery and 3 Shenzhen images");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.images, 5, "5 images");
	CHECK_INT(n.labels, 5, "5 label sets");
	CHECK_INT(n.studies + n.boxes + n.reports, 0, "no studies, boxes or reports");
	rc = facts_run(A, "tests/fixtures/nlm-tb/zips", &zlog, &zn, &err);
	if (!CHECK(rc == 0, "the two zips read"))
		printf("#   %s\n", err.msg);
	CHECK_STR(cx_buf_str(&zlog), cx_buf_str(&log), "the zips give the same fact log");
	cx_buf_release(&log);
	cx_buf_release(&zlog);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	int rc = facts_run(A, "tests/fixtures/nlm-tb/broken", &log, &n, &err);
	if (!CHECK(rc == 0, "broken release still reads"))
		printf("#   %s\n", err.msg);
	const char *s = cx_buf_str(&log);
	char line[400];
#define M "MontgomerySet/CXR_png/"
#define C "ChinaSet_AllFiles/CXR_png/"
#define MR "clinical reading MontgomerySet/ClinicalReadings/"
#define CR "clinical reading ChinaSet_AllFiles/ClinicalReadings/"
#define EXPECT(fmt, ...)                                       \
	do {                                                   \
		snprintf(line, sizeof line, fmt, __VA_ARGS__); \
		CHECK_LINE(s, line);                           \
	} while (0)
	/* CRLF; a Shenzhen-form reading in the Montgomery set; no reading at all;
	 * an age in months; sex O; a typographic apostrophe */
	EXPECT("%s", "image key=\"MCUCXR_0001_0.png\" path=\"" M "MCUCXR_0001_0.png\" "
		     "patient=\"MCUCXR_0001\" split=\"train\" sex=\"F\" age=40");
	EXPECT("%s", "labels image target=\"MCUCXR_0001_0.png\" Tuberculosis=0,Normal=1");
	EXPECT("%s", "image key=\"MCUCXR_0004_1.png\" path=\"" M "MCUCXR_0004_1.png\" "
		     "patient=\"MCUCXR_0004\" split=\"train\" sex=\"F\" age=61");
	EXPECT("%s", "labels image target=\"MCUCXR_0004_1.png\" Tuberculosis=1,Normal=0");
	EXPECT("%s", "image key=\"MCUCXR_0005_0.png\" path=\"" M "MCUCXR_0005_0.png\" "
		     "patient=\"MCUCXR_0005\" split=\"train\"");
	EXPECT("%s", "image key=\"MCUCXR_0009_1.png\" path=\"" M "MCUCXR_0009_1.png\" "
		     "patient=\"MCUCXR_0009\" split=\"train\" age=0");
	EXPECT("%s", "image key=\"MCUCXR_0011_0.png\" path=\"" M "MCUCXR_0011_0.png\" "
		     "patient=\"MCUCXR_0011\" split=\"train\" sex=\"F\" age=33");
	EXPECT("reject " M "MCUCXR_0002_0.png:1 " MR "MCUCXR_0002_0.txt line 2: invalid age in "
	       "'Patient's Age: 0X0Y'%s", "");
	EXPECT("reject " M "MCUCXR_0003_1.png:1 " MR "MCUCXR_0003_1.txt line 2: a second sex "
	       "line: 'Patient's Sex: F'%s", "");
	EXPECT("reject " M "MCUCXR_0006_2.png:1 file name 'MCUCXR_0006_2.png' is not "
	       "MCUCXR_NNNN_0.png or MCUCXR_NNNN_1.png%s", "");
	EXPECT("reject " M "MCUCXR_0007_0.png:1 " MR "MCUCXR_0007_0.txt is empty: no sex and "
	       "age%s", "");
	EXPECT("reject " M "MCUCXR_0008_0.png:1 " MR "MCUCXR_0008_0.txt is not UTF-8 text%s", "");
	EXPECT("reject " M "MCUCXR_0010_0.png:1 " MR "MCUCXR_0010_0.txt has no \"Patient's Sex:\" "
	       "or \"Patient's Age:\" line%s", "");
	EXPECT("reject " M "mcucxr_0012_0.png:1 file name 'mcucxr_0012_0.png' is not "
	       "MCUCXR_NNNN_0.png or MCUCXR_NNNN_1.png%s", "");
	EXPECT("%s", "filter MontgomerySet/ClinicalReadings/MCUCXR_0099_1.txt:1 "
		     "reading-without-image");
	/* "female,35 yrs", "Male 2 months" (0 years), "male 45" (years) */
	EXPECT("%s", "image key=\"CHNCXR_0001_0.png\" path=\"" C "CHNCXR_0001_0.png\" "
		     "patient=\"CHNCXR_0001\" split=\"train\" sex=\"F\" age=35");
	EXPECT("%s", "image key=\"CHNCXR_0002_0.png\" path=\"" C "CHNCXR_0002_0.png\" "
		     "patient=\"CHNCXR_0002\" split=\"train\" sex=\"M\" age=0");
	EXPECT("%s", "image key=\"CHNCXR_0003_1.png\" path=\"" C "CHNCXR_0003_1.png\" "
		     "patient=\"CHNCXR_0003\" split=\"train\" sex=\"M\" age=45");
	EXPECT("reject " C "CHNCXR_0004_0.png:1 " CR "CHNCXR_0004_0.txt line 1: neither "
	       "\"Patient's Sex: ...\" nor \"<male|female> <age>\": 'normal'%s", "");
	EXPECT("reject " C "CHNCXR_0005_1.png:1 " CR "CHNCXR_0005_1.txt line 1: invalid age in "
	       "'male 45 decades'%s", "");
	EXPECT("reject " C "CHNCXR_0006_1.png:1 " CR "CHNCXR_0006_1.txt line 1: invalid age in "
	       "'male 245yrs'%s", "");
	/* forms met in the real readings: a trailing space, another image's
	 * patient, "femal", no space before the age, " , " after the sex, months
	 * and days */
	EXPECT("%s", "image key=\"MCUCXR_0013_1.png\" path=\"" M "MCUCXR_0013_1.png\" "
		     "patient=\"MCUCXR_0004\" split=\"train\" sex=\"M\" age=49");
	EXPECT("%s", "image key=\"CHNCXR_0007_0.png\" path=\"" C "CHNCXR_0007_0.png\" "
		     "patient=\"CHNCXR_0007\" split=\"train\" sex=\"F\" age=32");
	EXPECT("%s", "image key=\"CHNCXR_0008_0.png\" path=\"" C "CHNCXR_0008_0.png\" "
		     "patient=\"CHNCXR_0008\" split=\"train\" sex=\"F\" age=24");
	EXPECT("%s", "image key=\"CHNCXR_0009_1.png\" path=\"" C "CHNCXR_0009_1.png\" "
		     "patient=\"CHNCXR_0009\" split=\"train\" sex=\"M\" age=29");
	EXPECT("%s", "image key=\"CHNCXR_0010_0.png\" path=\"" C "CHNCXR_0010_0.png\" "
		     "patient=\"CHNCXR_0010\" split=\"train\" sex=\"M\" age=1");
	EXPECT("%s", "image key=\"CHNCXR_0011_0.png\" path=\"" C "CHNCXR_0011_0.png\" "
		     "patient=\"CHNCXR_0011\" split=\"train\" sex=\"F\" age=0");
#undef EXPECT
	CHECK_INT(n.kept, 14, "broken: 14 images kept");
	CHECK_INT(n.rejected, 10, "broken: 10 rows rejected");
	CHECK_INT(n.filtered, 1, "broken: the orphan reading filtered");
	CHECK_INT(n.images, 14, "broken: images of kept rows only");
	cx_buf_release(&log);
}

/* A release with the set's folders but no image: an error, not an empty source. */
static void test_no_images(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	struct cx_release *rel;
	struct cx_sink sink;
	void *ctx;
	if (!CHECK(cx_release_open(&rel, "tests/fixtures/nlm-tb/broken/MontgomerySet/"
				   "ClinicalReadings", &err) == 0, "a folder opens"))
		return;
	sink = facts_sink_for(&log, &n, &ctx);
	CHECK(A->read(rel, &sink, &err) == CX_ENOTFOUND, "no image: an error");
	CHECK(strstr(err.msg, "no image in MontgomerySet/CXR_png/ or ChinaSet_AllFiles/CXR_png/")
	      != NULL, "it says where images were looked for");
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
	CHECK(!A->probe(rel), "the NIH release is not NLM-TB");
	cx_release_free(rel);
	CHECK(cx_vocab_check(A->labels, &err) == 0, "the tuberculosis vocabulary checks out");
	CHECK_INT(cx_vocab_find_role(A->labels, CX_ROLE_NONE), 1, "Normal is its none label");
}

int main(void)
{
	test_demo();
	test_broken();
	test_no_images();
	test_probe();
	return t_done();
}

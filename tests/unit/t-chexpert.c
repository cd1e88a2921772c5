/*
 * t-chexpert.c - the CheXpert adapter on its demo release (folder form and
 * the same release as CheXpert-v1.0-small.zip, which must give the same fact
 * log), on a release with a bad row of every kind, and on one without
 * valid.csv.
 */
#include "cx.h"

#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_chexpert;

static const struct cx_adapter *const A = &cx_adapter_chexpert;

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/chexpert", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/chexpert.facts"),
	      "demo fact log matches tests/golden/chexpert.facts");
	/* 9 train rows, 3 valid rows, 2 labelled test studies; 1 unlabelled image */
	CHECK_INT(n.kept, 14, "kept: 9 train + 3 valid + 2 test studies");
	CHECK_INT(n.rejected, 0, "nothing rejected");
	CHECK_INT(n.filtered, 1, "one test image without labels filtered");
	CHECK_INT(n.kept + n.rejected + n.filtered, 15, "rows read = kept + rejected + filtered");
	CHECK_INT(n.images, 15, "images: 12 listed + 3 of labelled test studies");
	CHECK_INT(n.studies, 10, "studies: 6 train, 2 valid, 2 test");
	CHECK_INT(n.labels, 14, "label sets: all images but the one with blank labels");
	CHECK_INT(n.boxes + n.reports + n.qas, 0, "no boxes, reports or questions");
	/* Issue 11, defect 8: a *_frontal.jpg file marked Frontal with AP/PA LL
	 * (or RL) is a frontal image, not a left lateral: it gets no view. */
	CHECK_LINE(log.data, "image key=\"train/patient00013/study1/view2_frontal.jpg\" "
			     "path=\"train/patient00013/study1/view2_frontal.jpg\" "
			     "patient=\"patient00013\" study=\"train/patient00013/study1\" "
			     "split=\"train\"");
	CHECK(!strstr(log.data, "view=\"LL\"") && !strstr(log.data, "view=\"RL\""),
	      "no CheXpert image has the view LL or RL");

	facts_same_log(A, "tests/fixtures/chexpert/CheXpert-v1.0-small.zip",
		       cx_buf_str(&log), "the zip form");
	cx_buf_release(&log);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	facts_broken(A, "tests/fixtures/chexpert/broken", &log, &n);
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "reject train.csv:2 unknown label value '2.0' in column 'Edema'");
	CHECK_LINE(s, "reject train.csv:3 row has 16 fields, expected 19");
	CHECK_LINE(s, "kept train.csv:4");
	CHECK_LINE(s, "reject train.csv:5 invalid UTF-8 in column 'Sex'");
	CHECK_LINE(s, "reject train.csv:6 unknown value 'Other' in column 'Sex'");
	CHECK_LINE(s, "reject train.csv:7 invalid age 'fifty' in column 'Age'");
	CHECK_LINE(s, "reject train.csv:8 unknown value 'Oblique' in column 'Frontal/Lateral'");
	CHECK_LINE(s, "reject train.csv:9 unknown value 'XX' in column 'AP/PA'");
	CHECK_LINE(s, "reject train.csv:10 Path 'train/patient00024/study1/view1_frontal.jpg' "
		       "does not start with CheXpert-v1.0-small/ or CheXpert-v1.0/");
	CHECK_LINE(s, "reject train.csv:11 Path 'CheXpert-v1.0-small/valid/patient00024/study1/"
		       "view1_frontal.jpg' is not under train/");
	CHECK_LINE(s, "reject train.csv:12 Path 'CheXpert-v1.0-small/train/patient00024/"
		       "view1_frontal.jpg' is not <folder>/patientN/studyN/<view>.jpg");
	/* a frontal row with a blank AP/PA is kept with no view */
	CHECK_LINE(s, "image key=\"train/patient00024/study1/view1_frontal.jpg\" "
		       "path=\"train/patient00024/study1/view1_frontal.jpg\" patient=\"patient00024\" "
		       "study=\"train/patient00024/study1\" split=\"train\" sex=\"M\" age=50");
	CHECK_LINE(s, "kept train.csv:13");
	CHECK_LINE(s, "reject valid.csv:2 unknown label value 'yes' in column 'Support Devices'");
	CHECK_LINE(s, "kept groundtruth.csv:2");
	CHECK_LINE(s, "reject groundtruth.csv:3 no images for study 'test/patient64802/study1'");
	CHECK_LINE(s, "reject groundtruth.csv:4 study 'test/patient64801/study1' listed twice");
	CHECK_LINE(s, "reject groundtruth.csv:5 unknown label value '1.0' in column "
		       "'Enlarged Cardiomediastinum'");
	CHECK_LINE(s, "reject groundtruth.csv:6 Study 'CheXpert-v1.0/test/patient64803' "
		       "is not test/patientN/studyN");
	CHECK_LINE(s, "filter test/patient64804/study1/view1_frontal.jpg:0 "
		       "test-image-without-labels");
	CHECK_INT(n.kept, 3, "broken: kept: 2 train rows, 1 test study");
	CHECK_INT(n.rejected, 15, "broken: rejected: 10 train, 1 valid, 4 test rows");
	CHECK_INT(n.filtered, 1, "broken: filtered");
	CHECK_INT(n.images, 3, "broken: images of kept rows only");
	cx_buf_release(&log);
}

/* valid.csv is required: read() fails with a message naming it. */
static void test_missing_file(void)
{
	struct cx_release *rel;
	struct cx_error err = {0};
	struct cx_buf log = CX_BUF_INIT;
	if (!CHECK(cx_release_open(&rel, "tests/fixtures/chexpert/no-valid", &err) == 0,
		   "no-valid release opens"))
		return;
	CHECK(!A->probe(rel), "a release without valid.csv is not recognised");
	struct facts_count n;
	int rc = facts_run(A, "tests/fixtures/chexpert/no-valid", &log, &n, &err);
	CHECK(rc < 0, "facts_run refuses it");
	struct cx_sink sink = {0};
	cx_error_clear(&err);
	rc = A->read(rel, &sink, &err);
	CHECK(rc < 0, "read() without valid.csv is an error");
	CHECK(strstr(err.msg, "'valid.csv'") != NULL, "the error names valid.csv");
	cx_release_free(rel);
	cx_buf_release(&log);
}

static void test_probe(void)
{
	struct cx_release *rel;
	struct cx_error err = {0};
	if (!CHECK(cx_release_open(&rel, "sources/nih-chestxray14", &err) == 0,
		   "NIH demo opens"))
		return;
	CHECK(!A->probe(rel), "the NIH release is not CheXpert");
	cx_release_free(rel);
}

int main(void)
{
	test_demo();
	test_broken();
	test_missing_file();
	test_probe();
	return t_done();
}

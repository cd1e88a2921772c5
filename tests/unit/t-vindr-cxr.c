/*
 * t-vindr-cxr.c - the VinDr-CXR adapter (vindr.c) on its demo release
 * (PhysioNet layout: three readers per train image, consensus test rows,
 * "No finding" rows, MONOCHROME1 DICOMs, the test file's "Other disease"),
 * on the Kaggle train.csv layout of the same train images, on broken rows,
 * on a release missing a file, and the merge of reader boxes.
 */
#include "cx.h"

#include "adapters/vindr.h"
#include "facts-check.h"
#include "io/release.h"
#include "t.h"
#include "vocab/vocab.h"

extern const struct cx_adapter cx_adapter_vindr_cxr;
extern const struct cx_adapter cx_adapter_vindr_pcxr;

static const struct cx_adapter *const A = &cx_adapter_vindr_cxr;

/* The demo's image ids (md5 of names of our own, not VinDr's). */
#define IMG_A "26f7f5d1fe50ae06509076a8ccd980b6" /* three classes, MONOCHROME1 */
#define IMG_B "13bc937e17c1d8890446f96a623cebe3" /* No finding */
#define IMG_C "f086ebac1b4bf9536ad98ab02c6f7b28" /* two nodules, fibrosis, TB */
#define IMG_D "5a9096d5cbbcf12b654139b6e2a5d3af" /* six nodules */
#define IMG_E "f7db027b35116c4ad71558ccf13e67a3" /* pneumonia only, no box */
#define IMG_G "9e59b02217e805c7f95a37e3eb0ecb43" /* test: two effusions, opacity */

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/vindr-cxr", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/vindr-cxr.facts"),
	      "demo fact log matches tests/golden/vindr-cxr.facts");
	CHECK_INT(n.read, 53, "rows read: 18 + 3 label rows, 26 + 6 box rows");
	CHECK_INT(n.kept, 53, "every row kept");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.images, 9, "9 images: 6 train, 3 test");
	CHECK_INT(n.labels, 9, "a label set per image, its readers combined");
	CHECK_INT(n.boxes, 18, "18 boxes: 25 reader boxes merged into 15 in train, 4 + 1 in test"
		  " less the test file's none");
	const char *s = cx_buf_str(&log);
	/* three readers' cardiomegaly boxes, merged into their enclosing box */
	CHECK_LINE(s, "box image=\"" IMG_A "\" label=\"Cardiomegaly\" xywh=33.000,68.000,55.000,44.000");
	CHECK_LINE(s, "kept annotations/annotations_train.csv:2");
	/* two nodules of one reader far apart stay two; the second reader's
	 * overlapping one joins the first */
	CHECK_LINE(s, "box image=\"" IMG_C "\" label=\"Nodule/Mass\" xywh=20.000,40.000,13.000,13.000");
	CHECK_LINE(s, "box image=\"" IMG_C "\" label=\"Nodule/Mass\" xywh=75.000,30.000,12.000,12.000");
	CHECK_LINE(s, "image key=\"" IMG_G "\" path=\"test/" IMG_G ".dicom\" patient=\"" IMG_G
		   "\" split=\"test\"");
	/* the test file's "Other disease" read as the vocabulary's "Other diseases" */
	CHECK(strstr(s, "target=\"" IMG_G "\" Aortic enlargement=0") &&
	      strstr(strstr(s, "target=\"" IMG_G "\""), "Other diseases=1,No finding=0"),
	      "test: 'Other disease' is 'Other diseases'");
	/* any reader's finding is the image's; "No finding" needs every reader */
	CHECK(strstr(strstr(s, "target=\"" IMG_D "\""), "Nodule/Mass=1,Pleural effusion=0,"
		     "Pleural thickening=1") != NULL, "D: each reader's finding");
	CHECK(strstr(strstr(s, "target=\"" IMG_D "\""), "No finding=0") != NULL,
	      "D: one reader's 'No finding' is not the image's");
	CHECK(strstr(strstr(s, "target=\"" IMG_B "\""), "No finding=1") != NULL,
	      "B: every reader's 'No finding' is the image's");
	CHECK(strstr(strstr(s, "target=\"" IMG_E "\""), "Pneumonia=1") != NULL,
	      "E: a global finding without a box");
	cx_buf_release(&log);
}

/* Kaggle's train.csv of the same train images: the same boxes, the labels
 * the box rows give (the global ones absent), each row settled once. */
static void test_kaggle(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "tests/fixtures/vindr-cxr/kaggle", &log, &n, &err);
	if (!CHECK(rc == 0, "Kaggle layout reads"))
		printf("#   %s\n", err.msg);
	CHECK_INT(n.read, 26, "Kaggle: one row per box and reader");
	CHECK_INT(n.kept, 26, "Kaggle: every row kept");
	CHECK_INT(n.images, 6, "Kaggle: the 6 train images");
	CHECK_INT(n.boxes, 13, "Kaggle: the 13 merged train boxes of the demo");
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "box image=\"" IMG_A "\" label=\"Cardiomegaly\" xywh=33.000,68.000,55.000,44.000");
	CHECK_LINE(s, "labels image target=\"" IMG_B "\" Aortic enlargement=0,Atelectasis=0,"
		      "Calcification=0,Cardiomegaly=0,Consolidation=0,ILD=0,Infiltration=0,"
		      "Lung Opacity=0,Nodule/Mass=0,Pleural effusion=0,Pleural thickening=0,"
		      "Pneumothorax=0,Pulmonary fibrosis=0,Other lesion=0,No finding=1");
	/* E: Kaggle keeps no row of the reader who saw pneumonia (a global
	 * label): all its rows say "No finding" */
	CHECK(strstr(strstr(s, "target=\"" IMG_E "\""), "No finding=1") != NULL,
	      "Kaggle: E is 'No finding' by its rows");
	cx_buf_release(&log);

	rc = facts_run(A, "tests/fixtures/vindr-cxr/kaggle-broken", &log, &n, &err);
	CHECK(rc == 0, "broken Kaggle file reads");
	s = cx_buf_str(&log);
	CHECK_LINE(s, "reject train.csv:3 class_id '5' is not the id of class 'Cardiomegaly'");
	CHECK_LINE(s, "reject train.csv:4 class_id 'x' is not the id of class 'ILD'");
	CHECK_LINE(s, "reject train.csv:6 class_id '4' is not the id of class 'Clavicle fracture'");
	CHECK_INT(n.kept, 2, "broken Kaggle: two good rows");
	CHECK_INT(n.rejected, 3, "broken Kaggle: three rejected");
	cx_buf_release(&log);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	facts_broken(A, "tests/fixtures/vindr-cxr/broken", &log, &n);
	const char *s = cx_buf_str(&log);
	const char *l = "reject annotations/image_labels_train.csv:";
	const char *b = "reject annotations/annotations_train.csv:";
	char line[300];
#define EXPECT(pre, text)                                          \
	do {                                                       \
		snprintf(line, sizeof line, "%s%s", pre, text);   \
		CHECK_LINE(s, line);                               \
	} while (0)
	EXPECT(l, "3 invalid value '2' in column 'Cardiomegaly'");
	EXPECT(l, "4 image_id '../x' is not a safe name: a '..' component");
	EXPECT(l, "6 row has 4 fields, expected 30");
	EXPECT(b, "4 unknown value 'Pneumonia' in column 'class_name'");
	EXPECT(b, "5 invalid box value '1.0' in column 'x_min' of a 'No finding' row");
	EXPECT(b, "6 non-numeric box value 'abc' in column 'x_min'");
	EXPECT(b, "7 invalid box 30.0,30.0,20.0,40.0: zero area");
	EXPECT(b, "8 image_id 'aaaa0009' is not in annotations/image_labels_train.csv");
	EXPECT(b, "9 negative box value '-1.0' in column 'x_min'");
	EXPECT(b, "10 empty box value '' in column 'x_min'");
#undef EXPECT
	/* the good rows: two readers' cardiomegaly merged, a third box apart */
	CHECK_LINE(s, "box image=\"aaaa0001\" label=\"Cardiomegaly\" xywh=10.000,10.000,42.000,42.000");
	CHECK_LINE(s, "box image=\"aaaa0001\" label=\"Cardiomegaly\" xywh=60.000,60.000,10.000,10.000");
	CHECK_INT(n.kept, 3 + 3, "broken: kept: 3 label rows, 3 box rows");
	CHECK_INT(n.rejected, 3 + 7, "broken: rejected: 3 label rows, 7 box rows");
	CHECK_INT(n.read, 6 + 10, "broken: every row read is accounted for");
	CHECK_INT(n.images, 3, "broken: the three images of good label rows");
	CHECK_INT(n.boxes, 2, "broken: two boxes");
	cx_buf_release(&log);
}

/* Reader boxes of one class: joined above IoU 0.1, transitively. */
static void test_merge(void)
{
	const double b[][4] = {
		{0, 0, 10, 10},   /* 0 */
		{5, 0, 15, 10},   /* 1: IoU 1/3 with 0 */
		{14, 0, 24, 10},  /* 2: IoU 1/19 with 1 only: not joined */
		{12, 0, 22, 10},  /* 3: IoU 3/17 with 1, 8/12 with 2: joins 1, and 2 through it */
		{50, 50, 60, 60}, /* 4: alone */
		{0, 0, 10, 10},   /* 5: the same as 0 */
	};
	size_t g[6];
	CHECK_INT(cx_vindr_merge(b, 6, g), 2, "two groups");
	CHECK(g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[5] == 0 && g[4] == 4,
	      "0, 1, 2, 3 and 5 chain into group 0; 4 alone");
	const double touch[][4] = {{0, 0, 10, 10}, {10, 0, 20, 10}, {9, 0, 19, 10}};
	CHECK_INT(cx_vindr_merge(touch, 2, g), 2, "boxes that only touch are not merged");
	CHECK_INT(cx_vindr_merge(touch + 1, 2, g), 1, "IoU 9/11 merges");
	const double low[][4] = {{0, 0, 10, 10}, {9, 0, 19, 10}};
	CHECK_INT(cx_vindr_merge(low, 2, g), 2, "IoU 1/19 (under 0.1) does not");
}

static void test_missing(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "tests/fixtures/vindr-cxr/no-boxes", &log, &n, &err);
	CHECK(rc < 0, "labels without their annotations file are an error");
	CHECK(strstr(err.msg, "missing file 'annotations/annotations_train.csv'") != NULL,
	      "the error names annotations/annotations_train.csv");
	CHECK_INT(n.read, 0, "no row was read");
	/* an annotations file with no row (the fuzzer's first finding: the
	 * walk took an offset of the empty box array) */
	rc = facts_run(A, "tests/fixtures/vindr-cxr/no-box-rows", &log, &n, &err);
	CHECK(rc == 0, "an annotations file of no rows reads");
	CHECK(n.images == 1 && n.boxes == 0 && n.kept == 1, "its one image, no box");
	cx_buf_release(&log);
}

static void test_vocab(void)
{
	struct cx_error err = {0};
	CHECK(cx_vocab_check(&cx_vocab_vindr_cxr, &err) == 0, "VinDr-CXR's vocabulary checks out");
	CHECK_INT(cx_vocab_vindr_cxr.n, 28, "28 labels");
	CHECK_INT(cx_vocab_find_role(&cx_vocab_vindr_cxr, CX_ROLE_NONE), 27, "No finding last");
	CHECK(cx_vocab_check(&cx_vocab_vindr_pcxr, &err) == 0, "VinDr-PCXR's checks out");
}

static void test_probe(void)
{
	struct cx_release *rel;
	struct cx_error err = {0};
	if (CHECK(cx_release_open(&rel, "sources/vindr-pcxr", &err) == 0, "PCXR demo opens")) {
		CHECK(!A->probe(rel), "VinDr-PCXR's release is not VinDr-CXR's");
		cx_release_free(rel);
	}
	if (CHECK(cx_release_open(&rel, "tests/fixtures/vindr-cxr/kaggle", &err) == 0,
		  "Kaggle fixture opens")) {
		CHECK(A->probe(rel), "Kaggle's train.csv is VinDr-CXR's");
		CHECK(!cx_adapter_vindr_pcxr.probe(rel), "and not VinDr-PCXR's");
		cx_release_free(rel);
	}
}

int main(void)
{
	test_demo();
	test_kaggle();
	test_broken();
	test_merge();
	test_missing();
	test_vocab();
	test_probe();
	return t_done();
}

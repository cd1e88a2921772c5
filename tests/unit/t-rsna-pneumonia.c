/*
 * t-rsna-pneumonia.c - the RSNA Pneumonia adapter on its demo release (a
 * folder as extracted from Kaggle's zip), on the zip itself (same fact log),
 * on bad rows of both CSVs (each class row follows what became of its
 * image), on a release without the class file, and the seeded split.
 */
#include "cx.h"

#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_rsna_pneumonia;

static const struct cx_adapter *const A = &cx_adapter_rsna_pneumonia;

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/rsna-pneumonia", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/rsna-pneumonia.facts"),
	      "demo fact log matches tests/golden/rsna-pneumonia.facts");
	CHECK_INT(n.kept, 26, "kept: 13 label rows + 13 class rows");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.read, 26, "rows read = kept");
	CHECK_INT(n.images, 10, "10 images: one per patientId");
	CHECK_INT(n.labels, 10, "10 label sets");
	CHECK_INT(n.boxes, 8, "8 boxes: one per Target 1 row");
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "image key=\"4462ebfc-5f91-4ef0-9cfb-ac6e7687a66e\" "
		      "path=\"stage_2_train_images/4462ebfc-5f91-4ef0-9cfb-ac6e7687a66e.dcm\" "
		      "patient=\"4462ebfc-5f91-4ef0-9cfb-ac6e7687a66e\" split=\"test\"");
	CHECK_LINE(s, "labels image target=\"4462ebfc-5f91-4ef0-9cfb-ac6e7687a66e\" "
		      "Pneumonia=1,Normal=0");
	CHECK_LINE(s, "box image=\"4462ebfc-5f91-4ef0-9cfb-ac6e7687a66e\" label=\"Lung Opacity\" "
		      "xywh=612.000,170.000,226.000,402.000 frame=1024x1024");
	CHECK_LINE(s, "labels image target=\"6513270e-269e-4d37-b2a7-4de452e6b438\" "
		      "Pneumonia=0,Normal=0");
	CHECK_LINE(s, "labels image target=\"85750621-02fb-4d4f-b57f-bc5af71a1bfc\" "
		      "Pneumonia=0,Normal=1");

	facts_same_log(A, "tests/fixtures/rsna-pneumonia/rsna-pneumonia-detection-challenge.zip",
		       cx_buf_str(&log), "Kaggle's zip");
	cx_buf_release(&log);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	facts_broken(A, "tests/fixtures/rsna-pneumonia/broken", &log, &n);
	const char *s = cx_buf_str(&log);
	const char *e = "reject stage_2_train_labels.csv:";
#define EXPECT(...) CHECK_LINEF(s, __VA_ARGS__)
	EXPECT("%s", "kept stage_2_train_labels.csv:2");
	EXPECT("%s", "kept stage_2_train_labels.csv:3");
	EXPECT("%s4 Target 0 but class 'Lung Opacity' in stage_2_detailed_class_info.csv", e);
	EXPECT("%s5 invalid value '2' in column 'Target'", e);
	EXPECT("%s6 box value '5.0' in column 'x' with Target 0", e);
	EXPECT("%s7 non-numeric box value 'ten' in column 'x' (Target 1)", e);
	EXPECT("%s8 empty box value '' in column 'x' (Target 1)", e);
	EXPECT("%s9 negative box value '-2.0' in column 'y'", e);
	EXPECT("%s10 zero box value '0.0' in column 'width'", e);
	EXPECT("%s11 Target 0 but class 'Lung Opacity' in stage_2_detailed_class_info.csv", e);
	EXPECT("%s12 patientId 'aaaa0009' is not in stage_2_detailed_class_info.csv", e);
	EXPECT("%s13 patientId 'aaaa0010' has rows of two classes in "
	       "stage_2_detailed_class_info.csv", e);
	EXPECT("%s14 box 1000,20,30,40 outside its 1024x1024 frame", e);
	EXPECT("%s15 patientId '../x' is not a safe name: a '..' component", e);
	EXPECT("%s16 row has 7 fields, expected 6", e);
	EXPECT("%s17 patientId 'aaaa0001' has a row with Target 0 already", e);
	EXPECT("%s18 box 0,0,1,1 has zero area on the 0-100 grid of its 1024x1024 frame", e);
	e = "reject stage_2_detailed_class_info.csv:";
	EXPECT("%s", "kept stage_2_detailed_class_info.csv:2");
	EXPECT("%s", "kept stage_2_detailed_class_info.csv:3");
	EXPECT("%s", "kept stage_2_detailed_class_info.csv:4");
	EXPECT("%s5 no kept row of patientId 'aaaa0003' in stage_2_train_labels.csv", e);
	EXPECT("%s15 unknown class 'Pneumonia' in column 'class'", e);
	EXPECT("%s16 no kept row of patientId 'aaaa0014' in stage_2_train_labels.csv", e);
	EXPECT("%s", "kept stage_2_detailed_class_info.csv:17");
	EXPECT("%s18 no kept row of patientId 'aaaa0015' in stage_2_train_labels.csv", e);
#undef EXPECT
	CHECK_INT(n.kept, 2 + 4, "broken: kept: 2 label rows, 4 class rows");
	CHECK_INT(n.rejected, 15 + 13, "broken: rejected: 15 label rows, 13 class rows");
	CHECK_INT(n.filtered, 0, "broken: nothing filtered");
	CHECK_INT(n.read, 34, "broken: 17 + 17 rows read, accounted once each");
	CHECK_INT(n.images, 2, "broken: images of kept rows only");
	CHECK_INT(n.boxes, 1, "broken: the one good box");
	cx_buf_release(&log);
}

static void test_missing(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "tests/fixtures/rsna-pneumonia/no-class", &log, &n, &err);
	CHECK(rc < 0, "a release without the class file is an error");
	CHECK(strstr(err.msg, "missing file 'stage_2_detailed_class_info.csv'") != NULL,
	      "the error names stage_2_detailed_class_info.csv");
	CHECK_INT(n.read, 0, "no row was read");
	cx_buf_release(&log);
}

/* The split is a pure function of the patientId (golden log above); the
 * demo's ids were picked so that it holds all three splits. */
static void test_split(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	facts_run(A, "sources/rsna-pneumonia", &log, &n, &err);
	const char *s = cx_buf_str(&log);
	CHECK(strstr(s, "split=\"train\"") && strstr(s, "split=\"val\"") &&
		      strstr(s, "split=\"test\""),
	      "the demo's images fall in train, val and test");
	cx_buf_release(&log);
}

static void test_probe(void)
{
	struct cx_release *rel;
	struct cx_error err = {0};
	if (!CHECK(cx_release_open(&rel, "sources/nih-chestxray14", &err) == 0, "NIH demo opens"))
		return;
	CHECK(!A->probe(rel), "the NIH release is not RSNA's");
	cx_release_free(rel);
}

int main(void)
{
	test_demo();
	test_broken();
	test_missing();
	test_split();
	test_probe();
	return t_done();
}

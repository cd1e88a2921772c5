/*
 * t-nih-chestxray14.c - the ChestX-ray14 adapter on its demo release (images
 * in images_001.tar.gz, a layer of the folder) and on the same release as one
 * tar.gz with images/ extracted (same fact log), on a Kaggle-style copy
 * (images_NNN/images/, Data_Entry_2017.csv with a trailing empty column), on
 * bad rows of every kind and on a release without test_list.txt.
 */
#include "cx.h"

#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_nih_chestxray14;

static const struct cx_adapter *const A = &cx_adapter_nih_chestxray14;

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/nih-chestxray14", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/nih-chestxray14.facts"),
	      "demo fact log matches tests/golden/nih-chestxray14.facts");
	CHECK_INT(n.kept, 16, "kept: 10 Data_Entry rows + 6 boxes");
	CHECK_INT(n.rejected, 0, "nothing rejected");
	CHECK_INT(n.filtered, 0, "nothing filtered");
	CHECK_INT(n.kept + n.rejected + n.filtered, 16, "rows read = kept + rejected + filtered");
	CHECK_INT(n.images, 10, "10 images");
	CHECK_INT(n.labels, 10, "10 label sets");
	CHECK_INT(n.boxes, 6, "6 boxes");
	CHECK_INT(n.studies + n.reports + n.qas, 0, "no studies, reports or questions");

	facts_same_log(A, "tests/fixtures/nih-chestxray14/release.tar.gz",
		       cx_buf_str(&log), "the archive form");
	cx_buf_release(&log);
}

static void test_kaggle(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "tests/fixtures/nih-chestxray14/kaggle", &log, &n, &err);
	if (!CHECK(rc == 0, "kaggle copy reads"))
		printf("#   %s\n", err.msg);
	const char *s = cx_buf_str(&log);
	/* age 412 (a 2017 typo) becomes unknown */
	CHECK_LINE(s, "image key=\"00000201_000.png\" path=\"images_001/images/00000201_000.png\" "
		       "patient=\"201\" view=\"PA\" split=\"train\" sex=\"M\"");
	CHECK_LINE(s, "labels image target=\"00000201_000.png\" Emphysema=1");
	CHECK_LINE(s, "image key=\"00000201_001.png\" path=\"images_001/images/00000201_001.png\" "
		       "patient=\"201\" view=\"PA\" split=\"train\" sex=\"M\" age=57");
	CHECK_LINE(s, "labels image target=\"00000201_001.png\" No Finding=1");
	CHECK_LINE(s, "image key=\"00000202_000.png\" path=\"images_002/images/00000202_000.png\" "
		       "patient=\"202\" view=\"AP\" split=\"train\" sex=\"F\" age=19");
	/* not found anywhere: the default path, which the catalogue will refuse */
	CHECK_LINE(s, "image key=\"00000203_000.png\" path=\"images/00000203_000.png\" "
		       "patient=\"203\" view=\"PA\" split=\"test\" sex=\"F\" age=66");
	CHECK_INT(n.kept, 4, "kaggle: 4 rows kept");
	CHECK_INT(n.rejected + n.filtered, 0, "kaggle: nothing rejected or filtered");
	cx_buf_release(&log);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	facts_broken(A, "tests/fixtures/nih-chestxray14/broken", &log, &n);
	const char *s = cx_buf_str(&log);
	const char *e = "reject Data_Entry_2017_v2020.csv:";
	char line[300];
#define EXPECT(fmt, ...)                                          \
	do {                                                      \
		snprintf(line, sizeof line, fmt, __VA_ARGS__);    \
		CHECK_LINE(s, line);                             \
	} while (0)
	EXPECT("%s2 unknown finding 'Infiltrate' in column 'Finding Labels'", e);
	EXPECT("%s3 unknown finding 'No Finding' in column 'Finding Labels'", e);
	EXPECT("%s4 finding 'Mass' repeated in column 'Finding Labels'", e);
	EXPECT("%s5 row has 10 fields, expected 11", e);
	EXPECT("%s7 invalid UTF-8 in column 'Finding Labels'", e);
	EXPECT("%s8 image '00000303_000.png' is in neither train_val_list.txt nor test_list.txt", e);
	EXPECT("%s9 image '00000304_000.png' is in both train_val_list.txt and test_list.txt", e);
	EXPECT("%s10 invalid value 'X' in column 'Patient Gender'", e);
	EXPECT("%s11 invalid value 'LL' in column 'View Position'", e);
	EXPECT("%s14 invalid value '0306x' in column 'Patient ID'", e);
	EXPECT("%s15 unknown finding '' in column 'Finding Labels'", e);
	EXPECT("%s16 invalid value '-4' in column 'Patient Age'", e);
	/* a trailing empty 12th field is accepted; 412 is an unknown age, 058Y is 58 */
	EXPECT("%s", "kept Data_Entry_2017_v2020.csv:6");
	EXPECT("%s", "image key=\"00000305_002.png\" path=\"images/00000305_002.png\" "
		     "patient=\"305\" view=\"PA\" split=\"train\" sex=\"F\"");
	EXPECT("%s", "image key=\"00000305_003.png\" path=\"images/00000305_003.png\" "
		     "patient=\"305\" view=\"PA\" split=\"train\" sex=\"F\" age=58");
	EXPECT("%s", "box image=\"00000302_001.png\" label=\"Effusion\" "
		     "xywh=10.500,20.250,30.000,40.000 frame=1024x1024");
	EXPECT("%s", "kept BBox_List_2017.csv:2");
	e = "reject BBox_List_2017.csv:";
	EXPECT("%s3 non-numeric box x 'ten'", e);
	EXPECT("%s4 negative box y '-2'", e);
	EXPECT("%s5 empty box w '0'", e);
	EXPECT("%s6 unknown box label 'Infiltration'", e);
	EXPECT("%s7 box of image '00000399_000.png' not kept from Data_Entry_2017_v2020.csv", e);
	EXPECT("%s8 box of image '00000301_000.png' not kept from Data_Entry_2017_v2020.csv", e);
	EXPECT("%s9 row has 5 fields, expected 6", e);
	/* Issue 11, defect 9: boxes are in the released 1024 x 1024 frame; one
	 * of zero area on the 0-100 grid, or outside the frame, is rejected. */
	EXPECT("%s10 box 1,2,3,4 has zero area on the 0-100 grid of its 1024x1024 frame", e);
	EXPECT("%s11 row has 7 fields, expected 6", e);
	EXPECT("%s12 box 1000,20,30,40 outside its 1024x1024 frame", e);
#undef EXPECT
	CHECK_INT(n.kept, 3 + 1, "broken: kept: 3 Data_Entry rows, 1 box");
	CHECK_INT(n.rejected, 12 + 10, "broken: rejected: 12 Data_Entry rows, 10 boxes");
	CHECK_INT(n.filtered, 0, "broken: nothing filtered");
	CHECK_INT(n.images, 3, "broken: images of kept rows only");
	CHECK_INT(n.boxes, 1, "broken: boxes of kept rows only");
	cx_buf_release(&log);
}

/* Both split lists are required: read() fails naming the missing one. */
static void test_missing_list(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "tests/fixtures/nih-chestxray14/no-test-list", &log, &n, &err);
	CHECK(rc < 0, "a release without test_list.txt is an error");
	CHECK(strstr(err.msg, "'test_list.txt'") != NULL, "the error names test_list.txt");
	CHECK_INT(n.kept + n.rejected + n.filtered, 0, "no row was read");
	cx_buf_release(&log);
}

static void test_probe(void)
{
	struct cx_release *rel;
	struct cx_error err = {0};
	if (!CHECK(cx_release_open(&rel, "sources/chexpert", &err) == 0, "CheXpert demo opens"))
		return;
	CHECK(!A->probe(rel), "the CheXpert release is not ChestX-ray14");
	cx_release_free(rel);
}

int main(void)
{
	test_demo();
	test_kaggle();
	test_broken();
	test_missing_list();
	test_probe();
	return t_done();
}

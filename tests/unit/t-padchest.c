/*
 * t-padchest.c - the PadChest adapter on its demo release (images in the
 * folder 0/ and in 1.zip, the CSV plain), on the same release with the CSV
 * gzipped (same fact log), and on bad rows of every kind.
 */
#include "cx.h"

#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_padchest;

static const struct cx_adapter *const A = &cx_adapter_padchest;

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT, glog = CX_BUF_INIT;
	struct facts_count n, gn;
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/padchest", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/padchest.facts"),
	      "demo fact log matches tests/golden/padchest.facts");
	CHECK_INT(n.kept, 6, "kept: 6 rows");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.images, 6, "6 images");
	CHECK_INT(n.studies, 6, "a study fact per row (5 studies, one of two images)");
	CHECK_INT(n.labels, 4, "4 label sets: not the 'exclude'-only row nor the empty list");
	CHECK_INT(n.reports, 5, "5 reports: the row with Report 'nan' has none");
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "labels image target=\"183605174417340561197221042917303520815_a8rk2q.png\" "
		      "pneumonia=1,cardiomegaly=1");
	CHECK_LINE(s, "labels image target=\"44180739102655748103917264550384712039_t5yy0p.png\" "
		      "pleural effusion=1,COPD signs=1,pneumoperitoneo=1");
	CHECK_LINE(s, "labels image target=\"70926358110448371602451873920055012387_m3c1vd.png\" "
		      "normal=1");

	rc = facts_run(A, "tests/fixtures/padchest/gzipped", &glog, &gn, &err);
	if (!CHECK(rc == 0, "the release with its CSV gzipped reads"))
		printf("#   %s\n", err.msg);
	char *want = facts_replace_all(cx_buf_str(&log), "160K_01.02.19.csv:",
				       "160K_01.02.19.csv.gz:");
	CHECK_STR(cx_buf_str(&glog), want, "the gzipped CSV gives the same fact log");
	free(want);
	cx_buf_release(&log);
	cx_buf_release(&glog);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	facts_broken(A, "tests/fixtures/padchest/broken", &log, &n);
	const char *s = cx_buf_str(&log);
	char line[400];
#define EXPECT(fmt, ...)                                                                  \
	do {                                                                              \
		snprintf(line, sizeof line, "reject PADCHEST_chest_x_ray_images_labels_160K_" \
			 "01.02.19.csv:" fmt, __VA_ARGS__);                               \
		CHECK_LINE(s, line);                                                      \
	} while (0)
	EXPECT("%d unknown label 'pleural efusion' in column 'Labels'", 2);
	EXPECT("%d column 'Labels': an unclosed list at byte 29", 3);
	EXPECT("%d column 'Localizations': expected ',' or ']' at byte 24", 4);
	EXPECT("%d column 'Labels' holds lists, not labels", 5);
	EXPECT("%d invalid value 'x1' in column 'ImageDir'", 6);
	EXPECT("%d invalid value 'X' in column 'PatientSex_DICOM'", 7);
	EXPECT("%d invalid value 'nan' in column 'PatientID'", 8);
	EXPECT("%d invalid value '2015-06-22' in column 'StudyDate_DICOM'", 9);
	EXPECT("%d invalid value 'born 1948' in column 'PatientBirth'", 10);
	EXPECT("%d ImageID '../0/x.png' is not a safe name: a '..' component", 11);
	EXPECT("%d row has 35 fields, expected 36", 12);
	EXPECT("%d column 'labelCUIS': an unclosed string at byte 11", 13);
	EXPECT("%d column 'LabelsLocalizationsBySentence': lists nested too deep at byte 3", 14);
	CHECK_INT(n.rejected, 13, "13 rows rejected, each with its reason");
	CHECK_INT(n.kept, 2, "2 rows kept: a label set of empty strings, a repeated label");
	CHECK_LINE(s, "labels image target=\"b_kept.png\" pneumonia=1");
	CHECK_LINE(s, "image key=\"b_kept.png\" path=\"0/b_kept.png\" patient=\"P9\" "
		      "study=\"S9\" view=\"PA\" split=\"train\" sex=\"M\" age=67");
	CHECK(!strstr(s, "target=\"b_empty.png\""), "labels of empty strings: no label set");
	CHECK(strstr(s, "key=\"b_empty.png\"") != NULL, "but the image is kept");
	CHECK(facts_accounted(&n), "rows read = kept + rejected + filtered");
	cx_buf_release(&log);
}

static void test_missing(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK(facts_run(A, "sources/padchest/0", &log, &n, &err) != 0, "no CSV: an error");
	cx_buf_release(&log);
}

int main(void)
{
	test_demo();
	test_broken();
	test_missing();
	return t_done();
}

/*
 * t-brax.c - the BRAX adapter on its demo release (PNGs under images/, the
 * DICOM tree beside them, one DICOM file without the ".dcm" its DicomPath
 * names), on the same release as one zip with a top folder (same fact log),
 * on a copy without images/ (the DICOM files are read, the one without
 * ".dcm" found under its real name), on bad rows of every kind, and checks
 * the official "No Finding" cap in mixes/official-selection.json.
 */
#include "cx.h"

#include <cjson/cJSON.h>

#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_brax;

static const struct cx_adapter *const A = &cx_adapter_brax;

#define DCM "Anonymized_DICOMs/id_7351/Study_1.2.826.0.1.3680043.8.498.7351.1/" \
	"Series_1.2.826.0.1.3680043.8.498.7351.1.1/image-1.2.826.0.1.3680043.8.498.7351.1.1.1"

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/brax", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/brax.facts"),
	      "demo fact log matches tests/golden/brax.facts");
	CHECK_INT(n.kept, 4, "kept: the 4 spreadsheet rows");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.images, 4, "4 images");
	CHECK_INT(n.studies, 3, "3 studies (accession numbers)");
	CHECK_INT(n.labels, 4, "4 label sets");
	/* the PNG is read where the release has it, the DICOM being its twin */
	CHECK(strstr(cx_buf_str(&log), "path=\"images/id_7351/") != NULL,
	      "the image without .dcm on disk is read from its PNG");
	facts_same_log(A, "tests/fixtures/brax/zip/brax-1.1.0.zip", cx_buf_str(&log), "the zip form");
	cx_buf_release(&log);
}

/* Without images/, each image is its DICOM file; the one the release lacks
 * ".dcm" for is found without it, its key staying the DicomPath value. */
static void test_dicom_only(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	int rc = facts_run(A, "tests/fixtures/brax/dicom-only", &log, &n, &err);
	if (!CHECK(rc == 0, "DICOM-only copy reads"))
		printf("#   %s\n", err.msg);
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "image key=\"" DCM ".dcm\" path=\"" DCM "\" patient=\"7351\" "
		      "study=\"90447\" view=\"AP\" split=\"train\" sex=\"M\" age=71");
	CHECK(strstr(s, "path=\"images/") == NULL, "no PNG path when images/ is absent");
	CHECK_INT(n.kept, 4, "DICOM-only: 4 rows kept");
	cx_buf_release(&log);
}

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	int rc = facts_run(A, "tests/fixtures/brax/broken", &log, &n, &err);
	if (!CHECK(rc == 0, "broken release still reads"))
		printf("#   %s\n", err.msg);
	const char *s = cx_buf_str(&log);
	const char *e = "reject master_spreadsheet_update.csv:";
#define EXPECT(...) CHECK_LINEF(s, __VA_ARGS__)
	/* another column order, no PngPath column: bound by name */
	EXPECT("%s", "image key=\"Anonymized_DICOMs/id_11/Study_1.2.3.501/Series_1.2.3.501.1/"
		     "image-1.2.3.501.1.1.dcm\" path=\"Anonymized_DICOMs/id_11/Study_1.2.3.501/"
		     "Series_1.2.3.501.1/image-1.2.3.501.1.1.dcm\" patient=\"11\" study=\"501\" "
		     "view=\"PA\" split=\"train\" sex=\"F\" age=45");
	EXPECT("%s", "labels image target=\"Anonymized_DICOMs/id_11/Study_1.2.3.501/"
		     "Series_1.2.3.501.1/image-1.2.3.501.1.2.dcm\" Edema=-1,Fracture=0");
	/* no view, "45.0" is 45; sex O and a blank age store nothing; 006M is 0 */
	EXPECT("%s", "image key=\"Anonymized_DICOMs/id_11/Study_1.2.3.501/Series_1.2.3.501.1/"
		     "image-1.2.3.501.1.2.dcm\" path=\"Anonymized_DICOMs/id_11/Study_1.2.3.501/"
		     "Series_1.2.3.501.1/image-1.2.3.501.1.2.dcm\" patient=\"11\" study=\"501\" "
		     "split=\"train\" sex=\"F\" age=45");
	EXPECT("%s", "image key=\"Anonymized_DICOMs/id_12/Study_1.2.3.502/Series_1.2.3.502.1/"
		     "image-1.2.3.502.1.1.dcm\" path=\"Anonymized_DICOMs/id_12/Study_1.2.3.502/"
		     "Series_1.2.3.502.1/image-1.2.3.502.1.1.dcm\" patient=\"12\" study=\"502\" "
		     "view=\"LL\" split=\"train\"");
	EXPECT("%s", "image key=\"Anonymized_DICOMs/id_13/Study_1.2.3.503/Series_1.2.3.503.1/"
		     "image-1.2.3.503.1.1.dcm\" path=\"Anonymized_DICOMs/id_13/Study_1.2.3.503/"
		     "Series_1.2.3.503.1/image-1.2.3.503.1.1.dcm\" patient=\"13\" study=\"503\" "
		     "view=\"AP\" split=\"train\" sex=\"M\" age=0");
	EXPECT("%s6 invalid value 'X' in column 'PatientSex'", e);
	EXPECT("%s7 invalid value '4 5' in column 'PatientAge'", e);
	EXPECT("%s8 invalid value '131Y' in column 'PatientAge'", e);
	EXPECT("%s9 unknown label value '2' in column 'Edema'", e);
	EXPECT("%s10 empty value in column 'PatientID'", e);
	EXPECT("%s11 empty value in column 'AccessionNumber'", e);
	EXPECT("%s12 DicomPath '../outside/image-1.dcm' is not a safe name: a '..' component", e);
	EXPECT("%s13 row has 20 fields, expected 21", e);
	EXPECT("%s14 unknown label value 'yes' in column 'No Finding'", e);
#undef EXPECT
	CHECK_INT(n.kept, 4, "broken: 4 rows kept");
	CHECK_INT(n.rejected, 9, "broken: 9 rows rejected");
	CHECK_INT(n.filtered, 0, "broken: nothing filtered");
	CHECK_INT(n.images, 4, "broken: images of kept rows only");
	cx_buf_release(&log);
}

static void test_probe(void)
{
	struct cx_release *rel;
	struct cx_error err = {0};
	if (!CHECK(cx_release_open(&rel, "sources/chexpert", &err) == 0, "CheXpert demo opens"))
		return;
	CHECK(!A->probe(rel), "the CheXpert release is not BRAX");
	cx_release_free(rel);
	CHECK(cx_vocab_check(A->labels, &err) == 0, "BRAX's vocabulary (CheXpert's) checks out");
}

/* The official build keeps about 8,000 "No Finding" images: a cap of the
 * entry's "No Finding" group in the official selection, named as the
 * catalogue names the entry. */
static void test_official_cap(void)
{
	struct cx_buf text = CX_BUF_INIT;
	struct cx_error err = {0};
	if (!CHECK(cx_read_file("mixes/official-selection.json", 1 << 20, &text, &err) == 0,
		   "official selection reads"))
		return;
	cJSON *root = cJSON_Parse(cx_buf_str(&text));
	char name[64];
	snprintf(name, sizeof name, "[Image Classification] [%s]", A->dataset);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(root, "entry"), name);
	const cJSON *cap = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "labels"),
						 "No Finding"), "cap");
	CHECK(cJSON_IsNumber(cap) && cap->valuedouble == 8000,
	      "official selection: BRAX keeps at most 8000 \"No Finding\" images");
	cJSON_Delete(root);
	cx_buf_release(&text);
}

int main(void)
{
	test_demo();
	test_dicom_only();
	test_broken();
	test_probe();
	test_official_cap();
	return t_done();
}

/*
 * t-openi.c - the OpenI adapter on its demo release (sources/openi/: the two
 * .tgz files as distributed, golden fact log), on the same reports extracted
 * (tests/fixtures/openi/extracted), on the reports archive alone as the
 * release, with the PNGs extracted into NLMCXR_png/, with extracted and
 * archived copies side by side, and on broken XML files.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "facts.h"
#include "image-paths.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_openi;
static const struct cx_adapter *const A = &cx_adapter_openi;

#define FX "tests/fixtures/openi/"

static void test_demo(struct cx_buf *log)
{
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, "sources/openi", log, &n, &err), 0, "demo release (.tgz) reads");
	CHECK(facts_match_golden(cx_buf_str(log), "tests/golden/openi.facts"),
	      "demo fact log matches tests/golden/openi.facts");
	CHECK_INT(n.kept, 5, "5 report files kept, the image-less one included");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.studies, 5, "one study per report");
	CHECK_INT(n.reports, 5, "one report fact per report");
	CHECK_INT(n.images, 7, "2 + 0 + 2 + 1 + 2 parentImage ids");
	CHECK(strstr(log->data, "report study=\"12\" indication=\"XXXX-year-old with chest pain.\" "
				"comparison=\"None.\" impression=") != NULL,
	      "an empty FINDINGS element gives no findings");
	CHECK(strstr(log->data, "indication=\"Shortness of breath & fever.\"") &&
		      strstr(log->data, "opacity in the left base, <3 cm."),
	      "XML entities decoded");
	CHECK(strstr(log->data, "report study=\"3999\" comparison=\"None.\" findings=") != NULL,
	      "an absent INDICATION gives no indication");
	CHECK(strstr(log->data, "image key=\"CXR1_1_IM-0001-3001\" path=\"CXR1_1_IM-0001-3001.png\""
				" patient=\"1\" study=\"1\" split=\"test\"\n") != NULL,
	      "the CXR<n>_<n>_IM variant keeps its id; PNG flat in NLMCXR_png.tgz");
	long images;
	CHECK_INT(image_paths_missing(A, "sources/openi", &images), 0,
		  "every image path exists in NLMCXR_png.tgz");
	CHECK_INT(images, 7, "7 image paths looked up");
}

static void test_same_facts(const struct cx_buf *demo, const char *path, const char *what)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	char msg[256];
	snprintf(msg, sizeof msg, "%s: reads", what);
	CHECK_INT(facts_run(A, path, &log, &n, &err), 0, msg);
	snprintf(msg, sizeof msg, "%s: the same fact log as the demo release", what);
	CHECK_STR(log.data, cx_buf_str(demo), msg);
	cx_buf_release(&log);
}

static void test_png_folder(const struct cx_buf *demo)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "png-folder", &log, &n, &err), 0, "PNGs in NLMCXR_png/ read");
	char *want = facts_replace_all(cx_buf_str(demo), " path=\"", " path=\"NLMCXR_png/");
	CHECK_STR(log.data, want, "image paths point into NLMCXR_png/, nothing else changes");
	free(want);
	long images;
	CHECK_INT(image_paths_missing(A, FX "png-folder", &images), 0,
		  "every image path exists in NLMCXR_png/");
	cx_buf_release(&log);
}

static void test_both_copies(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "both", &log, &n, &err), 0, "folder and .tgz together read");
	CHECK_INT(n.kept, 5, "each report kept once");
	CHECK_INT(n.filtered, 1, "the archived copy of the extracted 1.xml is filtered");
	CHECK(strstr(log.data, "kept ecgen-radiology/1.xml:1\n"
			       "filter ecgen-radiology/1.xml:1 duplicate-copy\n"
			       "study key=\"12\"") != NULL,
	      "the folder copy is read, the archive copy is filtered as duplicate-copy");
	cx_buf_release(&log);
}

static const char broken_log[] =
	"study key=\"20\" patient=\"20\" split=\"test\"\n"
	"image key=\"CXR20_IM-0600-1001\" path=\"CXR20_IM-0600-1001.png\" patient=\"20\" "
	"study=\"20\" split=\"test\"\n"
	"report study=\"20\" findings=\"Clear lungs.\" impression=\"Normal.\"\n"
	"kept ecgen-radiology/20.xml:1\n"
	"reject ecgen-radiology/21.xml:45 malformed XML on line 45: mismatched tag\n"
	"reject ecgen-radiology/22.xml:45 malformed XML on line 45: not well-formed "
	"(invalid token)\n"
	"reject ecgen-radiology/23.xml:1 no <uId> element\n"
	"reject ecgen-radiology/24.xml:1 uId 'IU24' is not CXR<n>\n"
	"reject ecgen-radiology/25.xml:47 AbstractText Label=\"FINDINGS\" appears twice\n"
	"reject ecgen-radiology/26.xml:2 root element is <Citation>, expected <eCitation>\n"
	"reject ecgen-radiology/27.xml:1 malformed XML on line 1: no element found\n";

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "broken", &log, &n, &err), 0, "broken files do not stop the read");
	CHECK_STR(log.data, broken_log, "each broken file rejected with its line and reason");
	CHECK_INT(n.kept, 1, "1 kept");
	CHECK_INT(n.rejected, 7, "7 rejected");
	cx_buf_release(&log);
}

static void test_probe(void)
{
	const char *yes[] = {"sources/openi", FX "extracted", "sources/openi/NLMCXR_reports.tgz"};
	const char *no[] = {"sources/vqa-rad", "sources/slake", "tests/fixtures/io/rel.zip",
			    "sources/openi/NLMCXR_png.tgz"};
	struct cx_error err = {0};
	char what[128];
	for (size_t i = 0; i < CX_ARRAY_LEN(yes) + CX_ARRAY_LEN(no); i++) {
		int want = i < CX_ARRAY_LEN(yes);
		const char *path = want ? yes[i] : no[i - CX_ARRAY_LEN(yes)];
		struct cx_release *rel;
		snprintf(what, sizeof what, "probe: %s is %sOpenI", path, want ? "" : "not ");
		if (cx_release_open(&rel, path, &err) == 0) {
			CHECK(!!A->probe(rel) == want, what);
			cx_release_free(rel);
		} else {
			CHECK(0, what);
		}
	}
	/* No report at all: read() says what it looked for. */
	struct cx_release *rel;
	struct cx_sink none = {0};
	CHECK(cx_release_open(&rel, "sources/vqa-rad", &err) == 0, "open a release without reports");
	CHECK_INT(A->read(rel, &none, &err), CX_ENOTFOUND, "read() without reports fails");
	CHECK_STR(err.msg, "sources/vqa-rad: no report files 'ecgen-radiology/*.xml' (the extracted "
			   "folder or NLMCXR_reports.tgz)", "the error names the expected files");
	cx_release_free(rel);
}

int main(void)
{
	struct cx_buf demo = CX_BUF_INIT;
	test_demo(&demo);
	test_same_facts(&demo, FX "extracted", "extracted ecgen-radiology/ folder");
	test_same_facts(&demo, "sources/openi/NLMCXR_reports.tgz", "the reports .tgz as release");
	test_png_folder(&demo);
	test_both_copies();
	test_broken();
	test_probe();
	cx_buf_release(&demo);
	return t_done();
}

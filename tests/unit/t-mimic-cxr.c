/*
 * t-mimic-cxr.c - the MIMIC-CXR adapter on its demo release (golden fact
 * log, exact counts), on the same release packed as one .tar.gz, and on
 * broken copies in tests/fixtures/mimic-cxr/: bad ids, splits and label
 * cells, reports that are not UTF-8 or belong to no known study, a refused
 * image update, a truncated .csv.gz and missing required files.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "facts.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_mimic_cxr;
static const struct cx_adapter *A = &cx_adapter_mimic_cxr;

#define FIX "tests/fixtures/mimic-cxr/"

static void test_descriptor(void)
{
	CHECK_STR(A->id, "mimic-cxr", "id");
	CHECK_STR(A->dataset, "MIMIC-CXR", "dataset");
	CHECK_STR(A->access, "credentialed", "access");
	CHECK_STR(A->license, "PhysioNet Credentialed Health Data License 1.5.0", "license");
	CHECK_INT(A->nentries, 8, "eight task entries");
	CHECK_STR(A->entries[0].task, "image-classification", "first entry");
	CHECK(A->entries[0].rule == &cx_rule_labels_study, "classification by study");
	CHECK_STR(A->entries[7].task, "image-text-selection", "last entry");
	CHECK(A->entries[7].rule == &cx_rule_text_select, "selection rule");
	/* The official MIMIC-CXR summarization drops impressions with PHI marks
	 * or clock times: a parameter of this entry, not of the summary rule. */
	const char *const *ex = A->entries[5].params.impression_excludes;
	CHECK(A->entries[5].rule == &cx_rule_summary && ex, "summary entry has excludes");
	CHECK_STR(ex ? ex[0] : "", "___", "first exclude: the PHI mark");
	CHECK_STR(ex ? ex[1] : "", "a.m.", "second exclude");
	CHECK_STR(ex ? ex[2] : "", "p.m.", "third exclude");
	CHECK(ex && !ex[3], "three excludes");
}

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT, packed = CX_BUF_INIT;
	struct facts_count n, m;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, "sources/mimic-cxr", &log, &n, &err), 0, "demo release reads");
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/mimic-cxr.facts"),
	      "demo fact log matches tests/golden/mimic-cxr.facts");
	/* 10 split rows + 10 metadata rows + 5 label rows + 6 reports. */
	CHECK_INT(n.kept, 31, "31 rows kept");
	CHECK_INT(n.rejected, 0, "nothing rejected");
	CHECK_INT(n.filtered, 0, "nothing filtered");
	CHECK_INT(n.kept + n.rejected + n.filtered, 10 + 10 + 5 + 6, "rows read = sum");
	CHECK_INT(n.images, 10, "10 images, each written once with its view and size");
	CHECK_INT(n.studies, 6, "6 studies");
	CHECK_INT(n.labels, 5, "5 label sets (one study has none)");
	CHECK_INT(n.reports, 6, "6 reports");

	CHECK_INT(facts_run(A, FIX "demo.tar.gz", &packed, &m, &err), 0,
		  "demo packed as one .tar.gz (one top folder) reads");
	CHECK(strcmp(cx_buf_str(&log), cx_buf_str(&packed)) == 0,
	      "the .tar.gz gives the identical fact log");
	cx_buf_release(&log);
	cx_buf_release(&packed);
}

/* A sink that counts image facts whose path is not a file of the release. */
struct paths {
	struct cx_release *rel;
	long images, missing;
};

static int paths_image(void *ctx, const struct cx_fact_kind *k, const void *fact,
		       struct cx_error *err)
{
	(void)err;
	struct paths *p = ctx;
	const struct cx_image_fact *f = fact;
	if (k == CX_FACT(IMAGE) && f->path) {
		p->images++;
		p->missing += !cx_release_exists(p->rel, f->path);
	}
	return 0;
}

static void test_image_paths(const char *path)
{
	struct paths p = {0};
	struct cx_sink sink = {.ctx = &p, .fact = paths_image};
	struct cx_error err = {0};
	char msg[160];
	snprintf(msg, sizeof msg, "%s: every image path is a file of the release", path);
	if (cx_release_open(&p.rel, path, &err) == 0 && A->probe(p.rel) &&
	    A->read(p.rel, &sink, &err) == 0)
		CHECK(p.images == 10 && p.missing == 0, msg);
	else
		CHECK(0, msg);
	cx_release_free(p.rel);
}

/* The reject and filter lines of a fact log, in order. */
static void outcomes(const char *log, struct cx_buf *out)
{
	cx_buf_reset(out);
	for (const char *p = log; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) + 1 : strlen(p);
		if (cx_str_starts(p, "reject ") || cx_str_starts(p, "filter "))
			cx_buf_add(out, p, len);
		p += len;
	}
	cx_buf_add(out, "", 0);
}

#define SPLIT "reject mimic-cxr-2.0.0-split.csv.gz:"
#define META "reject mimic-cxr-2.0.0-metadata.csv.gz:"
#define CHX "reject mimic-cxr-2.0.0-chexpert.csv.gz:"

/* Metadata and label rows are read first and held; those the split file
 * never names are settled (rejected) after it, before the reports. */
static const char broken_outcomes[] =
	META "3 Rows 'eighty' is not a positive integer\n"
	META "4 Columns '0' is not a positive integer\n"
	META "5 dicom_id 'not-a-dicom' is not five groups of 8 lower-case hex digits\n"
	CHX "3 unknown label value '2.0' in column 'Edema'\n"
	CHX "7 second label row for study 50128830\n"
	CHX "8 unknown label value 'yes' in column 'No Finding'\n"
	SPLIT "3 dicom_id '3F1C2A9E-7B04D6F1-A2E85C30-91D7B4E6-0C5F8A21' is not five groups "
	      "of 8 lower-case hex digits\n"
	SPLIT "4 subject_id '1000341' is not 8 digits\n"
	SPLIT "5 unknown split value 'val'\n"
	SPLIT "7 study 51937405 is under subject 10018750 in split 'test' here but under "
	      "subject 10018750 in split 'validate' earlier\n"
	SPLIT "8 study_id '5193740a' is not 8 digits\n"
	SPLIT "9 invalid UTF-8 in column 'split'\n"
	SPLIT "11 row has 2 fields, expected 4\n"
	META "7 dicom_id 0a0b0c0d-1e1f2021-22232425-26272829-2a2b2c2d is not in "
	     "mimic-cxr-2.0.0-split.csv.gz\n"
	CHX "4 study 59999999 is not in mimic-cxr-2.0.0-split.csv.gz\n"
	CHX "5 study 51937405 belongs to subject 10018750 in mimic-cxr-2.0.0-split.csv.gz, "
	    "not to 10003412\n"
	"reject files/p10/p10003412/s59999999.txt:1 study 59999999 is not in "
	"mimic-cxr-2.0.0-split.csv.gz\n"
	"reject files/p10/p10018750/s50128830.txt:1 study 50128830 belongs to subject 10003412 "
	"in mimic-cxr-2.0.0-split.csv.gz, not to 10018750\n"
	"reject files/p10/p10018750/s51937405.txt:1 report is not valid UTF-8\n"
	"filter files/p10/p10026194/s55208661.txt:1 no-report-text\n"
	"reject files/p11/p10026194/s55208661.txt:1 report file name is not "
	"files/pXX/pSUBJECT/sSTUDY.txt\n"
	"reject files/p10/p10003412/s50128830.txt:1 second report for study 50128830\n";

static void test_broken(void)
{
	struct cx_buf log = CX_BUF_INIT, got = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FIX "broken", &log, &n, &err), 0, "broken copy reads to the end");
	outcomes(cx_buf_str(&log), &got);
	CHECK_STR(cx_buf_str(&got), broken_outcomes, "exact reject reasons and line numbers");
	/* split 10 rows, metadata 6, labels 7, report files 7 (one in the zip). */
	CHECK_INT(n.kept, 8, "8 rows kept");
	CHECK_INT(n.rejected, 21, "21 rows rejected");
	CHECK_INT(n.filtered, 1, "1 report filtered");
	CHECK_INT(n.kept + n.rejected + n.filtered, 10 + 6 + 7 + 7, "rows read = sum");
	CHECK(strstr(cx_buf_str(&log),
		     "report study=\"50128830\" indication=\"Cough.\" findings=\"Lungs are clear.\" "
		     "impression=\"No acute process.\"\n"),
	      "CRLF report sectioned like LF");
	CHECK(strstr(cx_buf_str(&log), "labels study target=\"55208661\"\n"),
	      "an all-blank label row is a study with no labels listed");
	CHECK(strstr(cx_buf_str(&log),
		     "image key=\"2e5a9c17-d8b30f64-71c4e2a9-b06f5d83-4a19e7c2\" "
		     "path=\"files/p10/p10026194/s55208661/"
		     "2e5a9c17-d8b30f64-71c4e2a9-b06f5d83-4a19e7c2.jpg\" patient=\"10026194\" "
		     "study=\"55208661\" split=\"test\" size=64x-1\n"),
	      "blank ViewPosition is no view, blank Rows unknown");
	cx_buf_release(&log);
	cx_buf_release(&got);
}

static void test_errors(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};

	int rc = facts_run(A, FIX "trunc", &log, &n, &err);
	CHECK(rc < 0, "truncated split .csv.gz is a read() error");
	CHECK(strstr(err.msg, "trunc/mimic-cxr-2.0.0-split.csv.gz: ") != NULL,
	      "the error names the truncated file");
	/* The gzip layer streams: the rows before the cut are read, then the
	 * read fails (and the build rolls the source back). */
	CHECK_INT(n.kept + n.rejected + n.filtered, 9, "the rows before the cut, then the error");

	rc = facts_run(A, FIX "nometa", &log, &n, &err);
	CHECK_INT(rc, CX_ENOTFOUND, "missing metadata file is a read() error");
	CHECK_STR(err.msg,
		  FIX "nometa: missing required file 'mimic-cxr-2.0.0-metadata.csv.gz' "
		      "(MIMIC-CXR-JPG 2.0.0)",
		  "the error names the metadata file");
	CHECK_INT(n.images + n.kept, 0, "nothing emitted before the check");

	struct cx_release *rel;
	struct cx_sink none = {0};
	if (CHECK(cx_release_open(&rel, FIX "nosplit", &err) == 0, "open nosplit")) {
		CHECK(!A->probe(rel), "no split file: not MIMIC-CXR");
		CHECK_INT(A->read(rel, &none, &err), CX_ENOTFOUND,
			  "read() without the split file fails");
		CHECK_STR(err.msg,
			  FIX "nosplit: missing required file 'mimic-cxr-2.0.0-split.csv.gz' "
			      "(MIMIC-CXR-JPG 2.0.0)",
			  "the error names the split file");
		cx_release_free(rel);
	}
	cx_buf_release(&log);
}

int main(void)
{
	test_descriptor();
	test_demo();
	test_image_paths("sources/mimic-cxr");
	test_image_paths(FIX "demo.tar.gz");
	test_broken();
	test_errors();
	return t_done();
}

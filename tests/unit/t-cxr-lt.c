/*
 * t-cxr-lt.c - the CXR-LT adapter on its demo release (sources/cxr-lt/,
 * golden fact log: the 2023 files, then 2024's labels.csv) and on broken
 * copies in tests/fixtures/cxr-lt/: bad ids and values, a row with nothing
 * labelled, a missing label column, no label file at all. Borrowing the
 * images from MIMIC-CXR (an unknown dicom id rejected, MIMIC-CXR's split
 * kept) needs a catalogue: tests/cli/t-borrow.sh.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "facts.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_cxr_lt;
static const struct cx_adapter *const A = &cx_adapter_cxr_lt;

#define FX "tests/fixtures/cxr-lt/"

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, "sources/cxr-lt", &log, &n, &err), 0, "demo release reads");
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/cxr-lt.facts"),
	      "demo fact log matches tests/golden/cxr-lt.facts");
	/* 2023: train 3 rows, development 1, test 1; 2024: 4 rows */
	CHECK_INT(n.read, 9, "9 rows read");
	CHECK_INT(n.kept, 9, "all kept");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.images, 9, "one borrowed image fact per row");
	CHECK_INT(n.labels, 9, "one label set per row");
	/* An image fact without a path is an "image-update" in the log: for a
	 * borrowing source, the catalogue borrows the lender's image. */
	CHECK(strstr(log.data, "image-update key=\"2e5a9c17-d8b30f64-71c4e2a9-b06f5d83-4a19e7c2\""
			       " patient=\"10026194\" study=\"55208661\"\n") != NULL,
	      "an image fact without a path (borrowed) names MIMIC's subject and study");
	CHECK(strstr(log.data, "Nodule=0,Normal=1,") != NULL &&
	      strstr(log.data, "No Finding") == NULL,
	      "2023's No Finding is read as Normal");
	CHECK(strstr(log.data, "patient=\"10026194\" study=\"58874102\"") != NULL,
	      "2024's p and s prefixes are dropped");
	/* a 2024 row lists every label of the vocabulary; a 2023 row 26 */
	const char *row24 = strstr(log.data, "labels image target=\"1a7e5c93");
	const char *row23 = strstr(log.data, "labels image target=\"47f0c2b9");
	size_t n24 = 0, n23 = 0;
	/* count "Name=value" after the target's closing quote */
	row24 = row24 ? strstr(row24, "\" ") : NULL;
	row23 = row23 ? strstr(row23, "\" ") : NULL;
	for (const char *p = row24; p && *p && *p != '\n'; p++)
		n24 += *p == '=';
	for (const char *p = row23; p && *p && *p != '\n'; p++)
		n23 += *p == '=';
	CHECK_INT((long)n24, (long)cx_vocab_cxr_lt.n, "a 2024 row: all 40 labels");
	CHECK_INT((long)n23, 26, "a 2023 row: its 26 labels");
	cx_buf_release(&log);
}

static const char bad_log[] =
	"reject cxr-lt-2023/train.csv:2 study_id 'x50000001' is not a MIMIC-CXR study id\n"
	"reject cxr-lt-2023/train.csv:3 subject_id '1000000a' is not a MIMIC-CXR subject id\n"
	"reject cxr-lt-2023/train.csv:4 value '2' in column 'Edema' is not 0 or 1\n"
	"reject cxr-lt-2023/train.csv:5 empty dicom_id\n"
	"filter cxr-lt-2023/train.csv:6 no-labels\n";

static void test_bad_rows(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "bad-rows", &log, &n, &err), 0, "bad rows do not stop the read");
	CHECK(!strncmp(cx_buf_str(&log), bad_log, sizeof bad_log - 1),
	      "each bad row rejected once with its line and reason; a blank row filtered");
	CHECK(strstr(log.data, "Nodule=0,Normal=1,") != NULL, "No Finding given as 1.0 reads as 1");
	CHECK_INT(n.rejected, 4, "4 rejected");
	CHECK_INT(n.filtered, 1, "1 filtered (no-labels)");
	CHECK_INT(n.kept, 1, "1 kept");
	cx_buf_release(&log);
}

static void test_file_errors(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "no-column", &log, &n, &err), CX_EFORMAT,
		  "a 2023 file without a label column fails the read");
	CHECK_STR(err.msg, FX "no-column/cxr-lt-2023/train.csv:1: header has no column 'Edema'",
		  "the error names the file, the header line and the column");

	struct cx_release *rel;
	CHECK(cx_release_open(&rel, FX "empty", &err) == 0, "open a folder without label files");
	CHECK(!A->probe(rel), "probe: no label file, not CXR-LT");
	struct cx_sink none = {0};
	CHECK_INT(A->read(rel, &none, &err), CX_ENOTFOUND, "read() fails");
	CHECK_STR(err.msg, FX "empty: neither cxr-lt-2023/train.csv nor cxr-lt-2024/labels.csv"
			   " found", "the error names both signature files");
	cx_release_free(rel);
	cx_buf_release(&log);
}

static void test_declaration(void)
{
	CHECK_STR(A->id_space, "mimic-cxr", "ids are MIMIC-CXR's");
	CHECK(A->requires && !strcmp(A->requires[0], "mimic-cxr") && !A->requires[1],
	      "requires mimic-cxr, and only it");
	CHECK(cx_adapter_borrows(A), "borrows MIMIC-CXR's images");
	CHECK(!cx_adapter_borrows(cx_adapter_find("mimic-cxr")), "MIMIC-CXR borrows nothing");
	struct cx_error err = {0};
	CHECK(cx_vocab_check(&cx_vocab_cxr_lt, &err) == 0, "the CXR-LT vocabulary checks out");
	CHECK_INT((long)cx_vocab_cxr_lt.n, 40, "40 labels");
	CHECK_INT(cx_vocab_find_role(&cx_vocab_cxr_lt, CX_ROLE_NONE),
		  cx_vocab_find(&cx_vocab_cxr_lt, "Normal"), "Normal is the none label");
	CHECK_INT(cx_vocab_cxr_lt.absent, CX_ABSENT_UNKNOWN, "a label a row lacks is unknown");
}

int main(void)
{
	test_demo();
	test_bad_rows();
	test_file_errors();
	test_declaration();
	return t_done();
}

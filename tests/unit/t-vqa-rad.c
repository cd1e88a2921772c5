/*
 * t-vqa-rad.c - the VQA-RAD adapter on its demo release (sources/vqa-rad/,
 * golden fact log) and on broken copies in tests/fixtures/vqa-rad/: bad
 * records, a JSON syntax error, a top-level object, the JSON file missing.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "facts.h"
#include "image-paths.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_vqa_rad;
static const struct cx_adapter *const A = &cx_adapter_vqa_rad;

#define FX "tests/fixtures/vqa-rad/"

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, "sources/vqa-rad", &log, &n, &err), 0, "demo release reads");
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/vqa-rad.facts"),
	      "demo fact log matches tests/golden/vqa-rad.facts");
	/* 14 records: HEAD qid "0" and 10, ABD qid 4 filtered; the rest kept. */
	CHECK_INT(n.kept, 11, "11 chest records kept");
	CHECK_INT(n.filtered, 3, "2 HEAD and 1 ABD records filtered");
	CHECK_INT(n.rejected, 0, "nothing rejected");
	CHECK_INT(n.kept + n.filtered + n.rejected, 14, "read = kept + filtered + rejected");
	CHECK_INT(n.qas, 11, "one question per kept record");
	CHECK_INT(n.images, 3, "each of the 3 chest images emitted once");
	CHECK_INT(n.studies + n.reports + n.labels + n.boxes, 0, "no other facts");
	CHECK(strstr(log.data, "qa key=\"0\"") == NULL, "string qid \"0\" is the filtered HEAD one");
	CHECK(strstr(log.data, "qa key=\"5\" image=\"synpic30224.jpg\" closed=0 qtype=\"COUNT\" "
			       "split=\"train\" q=\"How many chest tubes are present?\" a=\"2\"\n"),
	      "int answer 2 becomes \"2\"");
	CHECK(strstr(log.data, "qa key=\"6\" image=\"synpic30224.jpg\" closed=1 "),
	      "answer_type \"CLOSED \" (trailing space) is closed");
	CHECK(strstr(log.data, "qa key=\"7\" image=\"synpic30224.jpg\" closed=1 qtype=\"PRES\" "
			       "split=\"test\""),
	      "record without question_rephrase kept, test_freeform is test");
	CHECK(strstr(log.data, "qa key=\"9\" image=\"synpic30011.jpg\" closed=1 qtype=\"SIZE\" "
			       "split=\"train\""),
	      "para is train");
	CHECK(strstr(log.data, "filter VQA_RAD Dataset Public.json:5 not-chest\n"),
	      "ABD record 5 filtered as not-chest");
	long images;
	CHECK_INT(image_paths_missing(A, "sources/vqa-rad", &images), 0,
		  "every image path exists in the demo release");
	CHECK_INT(images, 3, "3 image paths looked up");
	cx_buf_release(&log);
}

static const char bad_log[] =
	"reject VQA_RAD Dataset Public.json:1 record is a string, expected an object\n"
	"reject VQA_RAD Dataset Public.json:2 missing 'question'\n"
	"reject VQA_RAD Dataset Public.json:3 'answer' is a list, expected a string or a "
	"whole number\n"
	"reject VQA_RAD Dataset Public.json:4 missing 'image_name' (\"NULL\")\n"
	"reject VQA_RAD Dataset Public.json:5 unknown answer_type 'MAYBE'\n"
	"reject VQA_RAD Dataset Public.json:6 'qid' is 41.5, not a whole number\n"
	"reject VQA_RAD Dataset Public.json:7 image_name '../synpic30011.jpg' is not a safe "
	"name: a '..' component\n"
	"reject VQA_RAD Dataset Public.json:8 invalid UTF-8 in key 'question'\n"
	"reject VQA_RAD Dataset Public.json:9 'question' is a number, expected a string\n"
	"image key=\"synpic30011.jpg\" path=\"VQA_RAD Image Folder/synpic30011.jpg\"\n"
	"qa key=\"40\" image=\"synpic30011.jpg\" closed=1 qtype=\"PLANE\" split=\"train\" "
	"q=\"Is this a PA film?\" a=\"Yes\"\n"
	"kept VQA_RAD Dataset Public.json:10\n";

static void test_bad_records(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "bad-records", &log, &n, &err), 0,
		  "bad records do not stop the read");
	CHECK_STR(log.data, bad_log, "each bad record rejected once, with its number and reason");
	CHECK_INT(n.rejected, 9, "9 rejected");
	CHECK_INT(n.kept, 1, "1 kept");
	CHECK_INT(n.filtered, 0, "a HEAD record with a bad field is rejected, not filtered");
	cx_buf_release(&log);
}

static void test_file_errors(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "malformed", &log, &n, &err), CX_EFORMAT,
		  "a JSON syntax error fails the read");
	CHECK_STR(err.msg, "VQA_RAD Dataset Public.json: not valid JSON (syntax error on line 6)",
		  "the error names the file and the line");
	CHECK_INT(log.len, 0, "no facts from a file that does not parse");

	cx_error_clear(&err);
	CHECK_INT(facts_run(A, FX "not-a-list", &log, &n, &err), CX_EFORMAT,
		  "a top-level object fails the read");
	CHECK_STR(err.msg, "VQA_RAD Dataset Public.json: expected a JSON list of records, "
			   "found an object", "the error says what was expected");

	/* Only the XML export: probe says no, and read() names the JSON file. */
	struct cx_release *rel;
	CHECK(cx_release_open(&rel, FX "missing", &err) == 0, "open the folder without JSON");
	CHECK(!A->probe(rel), "probe: no VQA_RAD Dataset Public.json, not VQA-RAD");
	struct cx_sink none = {0};
	CHECK_INT(A->read(rel, &none, &err), CX_ENOTFOUND, "read() fails");
	CHECK_STR(err.msg, FX "missing: missing file 'VQA_RAD Dataset Public.json'",
		  "the error names the missing file");
	cx_release_free(rel);
	cx_buf_release(&log);
}

static void test_probe(void)
{
	const char *not_vqa_rad[] = {"sources/slake", "sources/openi", "tests/fixtures/io/rel.zip"};
	for (size_t i = 0; i < CX_ARRAY_LEN(not_vqa_rad); i++) {
		struct cx_release *rel;
		struct cx_error err = {0};
		char what[128];
		snprintf(what, sizeof what, "probe: %s is not VQA-RAD", not_vqa_rad[i]);
		if (cx_release_open(&rel, not_vqa_rad[i], &err) == 0) {
			CHECK(!A->probe(rel), what);
			cx_release_free(rel);
		} else {
			CHECK(0, what);
		}
	}
}

int main(void)
{
	test_demo();
	test_bad_records();
	test_file_errors();
	test_probe();
	return t_done();
}

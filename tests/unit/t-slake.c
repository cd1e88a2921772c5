/*
 * t-slake.c - the SLAKE adapter on its demo release (sources/slake/, golden
 * fact log) and on variants in tests/fixtures/slake/: the Hugging Face
 * naming with images in imgs.zip, test.json missing, bad records, and a
 * lone surrogate escape.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "facts.h"
#include "image-paths.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_slake;
static const struct cx_adapter *const A = &cx_adapter_slake;

#define FX "tests/fixtures/slake/"

static void test_demo(struct cx_buf *log)
{
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, "sources/slake", log, &n, &err), 0, "demo release reads");
	CHECK(facts_match_golden(cx_buf_str(log), "tests/golden/slake.facts"),
	      "demo fact log matches tests/golden/slake.facts");
	/* train 9 = 5 kept + 2 not-chest-xray + 2 non-english; validate 6 = 3 + 1 + 2;
	 * test 7 = 4 + 1 + 2. */
	CHECK_INT(n.kept, 12, "12 English chest X-ray questions kept");
	CHECK_INT(n.filtered, 10, "10 filtered");
	CHECK_INT(n.rejected, 0, "nothing rejected");
	CHECK_INT(n.kept + n.filtered + n.rejected, 22, "read = kept + filtered + rejected");
	CHECK_INT(n.qas, 12, "one question per kept record");
	CHECK_INT(n.images, 3, "xmlab201 (train and test), 202, 203 emitted once each");
	CHECK(strstr(log->data, "filter train.json:8 non-english\n") != NULL,
	      "a Chinese X-ray question is non-english");
	CHECK(strstr(log->data, "filter train.json:7 not-chest-xray\n") != NULL,
	      "an English CT at Chest_heart is not-chest-xray");
	CHECK(strstr(log->data, "filter train.json:9 non-english\n") != NULL,
	      "a Chinese CT is non-english (the first rule wins)");
	CHECK(strstr(log->data, "qa key=\"9836\" image=\"xmlab202/source.jpg\" closed=0 "
				"qtype=\"Quantity\" split=\"val\"") != NULL,
	      "content_type after qid is read by name; validate.json is val");
	long images;
	CHECK_INT(image_paths_missing(A, "sources/slake", &images), 0,
		  "every image path exists in the demo release");
	CHECK_INT(images, 3, "3 image paths looked up");
}

static void test_hf_copy(const struct cx_buf *demo)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "hf", &log, &n, &err), 0, "validation.json + imgs.zip reads");
	char *want = facts_replace_all(cx_buf_str(demo), "validate.json", "validation.json");
	CHECK_STR(log.data, want, "same facts as the demo, from validation.json");
	free(want);
	long images;
	CHECK_INT(image_paths_missing(A, FX "hf", &images), 0,
		  "imgs/<img_name> found inside imgs.zip");
	CHECK_INT(images, 3, "3 image paths looked up in the zip");
	cx_buf_release(&log);
}

static void test_missing_test(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "no-test", &log, &n, &err), CX_ENOTFOUND,
		  "test.json missing fails the read");
	CHECK_STR(err.msg, FX "no-test: missing file 'test.json'",
		  "the error names test.json");
	CHECK_INT(log.len, 0, "no facts handed on before the check");
	cx_buf_release(&log);
}

static const char bad_log[] =
	"reject train.json:1 record is a list, expected an object\n"
	"reject train.json:2 'qid' is a string, expected a whole number\n"
	"reject train.json:3 'answer' is a list, expected a string or a whole number\n"
	"reject train.json:4 missing 'q_lang'\n"
	"reject train.json:5 invalid UTF-8 in key 'answer'\n"
	"reject train.json:6 unknown answer_type 'closed'\n"
	"reject train.json:7 img_name '../xmlab201/source.jpg' is not a safe name: a '..' "
	"component\n"
	"reject train.json:8 empty 'question'\n"
	"image key=\"xmlab201/source.jpg\" path=\"imgs/xmlab201/source.jpg\"\n"
	"qa key=\"101\" image=\"xmlab201/source.jpg\" closed=1 qtype=\"Abnormality\" "
	"split=\"train\" q=\"Is the lung healthy?\" a=\"1\"\n"
	"kept train.json:9\n"
	"qa key=\"100\" image=\"xmlab201/source.jpg\" closed=1 qtype=\"Abnormality\" "
	"split=\"train\" q=\"Is the lung healthy?\" a=\"No\"\n"
	"kept train.json:10\n";

static void test_bad_records(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "bad", &log, &n, &err), 0, "bad records do not stop the read");
	CHECK_STR(log.data, bad_log, "each bad record rejected once, with its number and reason");
	CHECK_INT(n.rejected, 8, "8 rejected");
	CHECK_INT(n.kept, 2, "2 kept (an int answer is kept as text)");
	cx_buf_release(&log);
}

/* Issue 11, defect 13: records outside the scope (a CT question with an
 * empty answer, a Chinese X-ray question with an empty answer and a bad
 * answer_type, an MRI record with an unsafe img_name) are filtered, not
 * rejected; an English chest X-ray record with an empty answer still is. */
static const char scope_log[] =
	"filter train.json:1 not-chest-xray\n"
	"filter train.json:2 non-english\n"
	"filter train.json:3 not-chest-xray\n"
	"filter train.json:4 non-english\n"
	"reject train.json:5 empty 'answer'\n"
	"image key=\"xmlab201/source.jpg\" path=\"imgs/xmlab201/source.jpg\"\n"
	"qa key=\"205\" image=\"xmlab201/source.jpg\" closed=1 qtype=\"Abnormality\" "
	"split=\"train\" q=\"Is the lung healthy?\" a=\"No\"\n"
	"kept train.json:6\n";

static void test_scope_first(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "scope", &log, &n, &err), 0, "scope fixture reads");
	CHECK_STR(log.data, scope_log, "out-of-scope records filtered before their fields are checked");
	CHECK_INT(n.filtered, 4, "4 filtered");
	CHECK_INT(n.rejected, 1, "1 rejected: in scope, empty answer");
	CHECK_INT(n.kept, 1, "1 kept");
	cx_buf_release(&log);
}

/*
 * cJSON turns "\ud800" (a high surrogate with no low one) into a parse
 * error, so such text never reaches the adapter: the read fails on the file.
 */
static void test_surrogate(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "surrogate", &log, &n, &err), CX_EFORMAT,
		  "a lone surrogate escape fails the read");
	CHECK_STR(err.msg, "train.json: not valid JSON (syntax error on line 1)",
		  "the error names the file");
	cx_buf_release(&log);
}

static void test_probe(void)
{
	const char *yes[] = {"sources/slake", FX "hf", FX "no-test"};
	const char *no[] = {"sources/vqa-rad", "sources/openi", "tests/fixtures/io/rel.zip"};
	struct cx_error err = {0};
	char what[128];
	for (size_t i = 0; i < CX_ARRAY_LEN(yes) + CX_ARRAY_LEN(no); i++) {
		int want = i < CX_ARRAY_LEN(yes);
		const char *path = want ? yes[i] : no[i - CX_ARRAY_LEN(yes)];
		struct cx_release *rel;
		snprintf(what, sizeof what, "probe: %s is %sSLAKE", path, want ? "" : "not ");
		if (cx_release_open(&rel, path, &err) == 0) {
			CHECK(!!A->probe(rel) == want, what);
			cx_release_free(rel);
		} else {
			CHECK(0, what);
		}
	}
}

int main(void)
{
	struct cx_buf demo = CX_BUF_INIT;
	test_demo(&demo);
	test_hf_copy(&demo);
	test_missing_test();
	test_bad_records();
	test_scope_first();
	test_surrogate();
	test_probe();
	cx_buf_release(&demo);
	return t_done();
}

/*
 * t-ms-cxr-t.c - the MS-CXR-T adapter on its demo release (sources/ms-cxr-t/,
 * golden fact log) and on broken copies in tests/fixtures/ms-cxr-t/: dicom
 * paths of another subject or study, unknown progressions, a pair of one
 * image with itself, a row with nothing labelled, bad sentence rows; a
 * release without previous_study_id and without the sentence file. Borrowing
 * the images from MIMIC-CXR needs a catalogue: tests/cli/t-borrow.sh.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "facts.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_ms_cxr_t;
static const struct cx_adapter *const A = &cx_adapter_ms_cxr_t;

#define FX "tests/fixtures/ms-cxr-t/"
#define PAIRS "MS_CXR_T_temporal_image_classification_v1.0.0.csv"
#define SENTENCES "MS_CXR_T_temporal_sentence_similarity_v1.0.0.csv"

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, "sources/ms-cxr-t", &log, &n, &err), 0, "demo release reads");
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/ms-cxr-t.facts"),
	      "demo fact log matches tests/golden/ms-cxr-t.facts");
	CHECK_INT(n.read, 8, "2 image pair rows and 6 sentence rows read");
	CHECK_INT(n.kept, 8, "all kept");
	CHECK_INT(n.rejected + n.filtered, 0, "nothing rejected or filtered");
	CHECK_INT(n.images, 4, "two borrowed images per pair row");
	CHECK_INT(n.kinds[CX_FACT_IMAGE_PAIR], 5, "one image pair per labelled finding (2 + 3)");
	CHECK_INT(n.kinds[CX_FACT_TEXT_PAIR], 6, "one text pair per sentence row");
	CHECK(strstr(log.data, "image_pair image=\"9c6d2f08-e3a7b154-0f82d6c9-a47e3b51-d6c09a3e\""
			       " other=\"2e5a9c17-d8b30f64-71c4e2a9-b06f5d83-4a19e7c2\""
			       " label=\"edema_progression\" value=\"worsening\"\n") != NULL,
	      "a pair: the current image, its prior, the column and the value as released");
	CHECK(strstr(log.data, "image-update key=\"2e5a9c17-d8b30f64-71c4e2a9-b06f5d83-4a19e7c2\""
			       " patient=\"10026194\" study=\"55208661\"\n") != NULL,
	      "the prior is borrowed with previous_study_id, its path component the dicom id");
	CHECK(strstr(log.data, "text_pair key=\"5\" ") != NULL &&
	      strstr(log.data, "text_pair key=\"6\"") == NULL,
	      "sentence pairs keyed by their 0-based row number");
	CHECK(strstr(log.data, "relation=\"contradiction\" split=\"test\"\n") != NULL,
	      "sentence pairs are test only");
	cx_buf_release(&log);
}

static const char bad_log[] =
	"reject " PAIRS ":3 dicom_id 'p10/p10000009/s50000002/bbbb0002' is not the path of an"
	" image of subject 10000001, study 50000002\n"
	"reject " PAIRS ":4 previous_dicom_id 'p10/p10000001/s59999999/bbbb0001' is not the path"
	" of an image of subject 10000001, study 50000001\n"
	"reject " PAIRS ":5 value 'better' in column 'edema_progression' is not improving, stable"
	" or worsening\n"
	"reject " PAIRS ":6 dicom_id and previous_dicom_id are both 'bbbb0007'\n"
	"filter " PAIRS ":7 no-progression-label\n"
	"reject " PAIRS ":8 study_id 's50000010' is not a number\n"
	"reject " PAIRS ":9 empty dicom_id\n"
	"text_pair key=\"0\" text1=\"The effusion is larger.\" text2=\"The effusion has"
	" increased.\" relation=\"paraphrase\" split=\"test\"\n"
	"kept " SENTENCES ":2\n"
	"reject " SENTENCES ":3 empty sentence_2\n"
	"reject " SENTENCES ":4 value 'entailment' in column 'category' is not paraphrase or"
	" contradiction\n"
	"text_pair key=\"3\" text1=\"Edema is unchanged.\" text2=\"No change in the edema.\""
	" relation=\"paraphrase\" split=\"test\"\n"
	"kept " SENTENCES ":5\n";

static void test_bad_rows(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "bad-rows", &log, &n, &err), 0, "bad rows do not stop the read");
	const char *rest = strstr(cx_buf_str(&log), "reject " PAIRS ":3");
	CHECK(rest && !strcmp(rest, bad_log), "each bad row rejected once with its reason");
	CHECK(strstr(log.data, "image_pair image=\"bbbb0002\" other=\"bbbb0001\""
			       " label=\"consolidation_progression\" value=\"improving\"\n"),
	      "the good row before them is kept");
	CHECK_INT(n.rejected, 8, "8 rejected");
	CHECK_INT(n.filtered, 1, "1 filtered (no-progression-label)");
	CHECK_INT(n.kept, 3, "3 kept");
	cx_buf_release(&log);
}

static void test_optional(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	struct cx_error err = {0};
	CHECK_INT(facts_run(A, FX "no-sentences", &log, &n, &err), 0,
		  "no previous_study_id column, no sentence file: reads");
	CHECK_STR(cx_buf_str(&log),
		  "image-update key=\"bbbb0002\" patient=\"10000001\" study=\"50000002\"\n"
		  "image-update key=\"bbbb0001\" patient=\"10000001\"\n"
		  "image_pair image=\"bbbb0002\" other=\"bbbb0001\""
		  " label=\"pleural_effusion_progression\""
		  " value=\"worsening\"\n"
		  "kept " PAIRS ":2\n",
		  "the prior borrowed without a study; one pair");
	struct cx_release *rel;
	CHECK(cx_release_open(&rel, "sources/cxr-lt", &err) == 0, "open the CXR-LT demo");
	CHECK(!A->probe(rel), "probe: CXR-LT is not MS-CXR-T");
	cx_release_free(rel);
	cx_buf_release(&log);
}

static void test_declaration(void)
{
	CHECK_STR(A->id_space, "mimic-cxr", "ids are MIMIC-CXR's");
	CHECK(A->requires && !strcmp(A->requires[0], "mimic-cxr") && !A->requires[1],
	      "requires mimic-cxr");
	CHECK(A->labels == NULL, "no label vocabulary: pairs carry their values");
	CHECK_INT(A->nentries, 2, "two entries");
	CHECK(A->entries[1].held_out && A->entries[1].rule == &cx_rule_text_pairs,
	      "sentence similarity is held out");
	CHECK(A->entries[0].rule == &cx_rule_image_pairs && !A->entries[0].held_out,
	      "image pairs follow MIMIC-CXR's split");
}

int main(void)
{
	test_demo();
	test_bad_rows();
	test_optional();
	test_declaration();
	return t_done();
}

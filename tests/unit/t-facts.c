/*
 * t-facts.c - the fact kinds of adapters/facts.c: each new kind through the
 * recording sink (its exact line) and through a real catalogue (its row read
 * back with SQL), the checks that refuse impossible facts, the SIIM RLE
 * decoder on small masks, and the write path's promises: a rejected row
 * writes nothing, labels go into their image's insert, a fact refused while
 * writing turns its kept row into a reject and takes the row's image back,
 * and rebuilding a source replaces its rows in every fact table.
 */
#include "cx.h"

#include <sqlite3.h>
#include <unistd.h>

#include "catalogue/catalogue.h"
#include "adapters/rows.h"
#include "facts.h"
#include "io/release.h"
#include "t.h"

/* --- The facts every test emits (synthetic; shaped like the releases) ---- */

static const char *const choices[] = {"A:Pneumothorax", "B:Effusion", "C:Edema", "D:Normal"};
static const char *const yes[] = {"yes"};
static const char *const yes_no[] = {"yes", "no"};
static const char *const prior_answers[] = {"no"};
static const struct cx_qa_turn history[] = {{"Are there any signs in the lungs?", yes, 1},
					     {"Is there an opacity?", prior_answers, 1}};
static const struct cx_relation relations[] = {{"located_at", "2"}};
static const struct cx_error_count errors[] = {{0, 1, 1, 2}, {1, 4, 0, 1}};
static const char *const diagnoses[] = {"Pleural Effusion", "Edema"};
static const struct cx_section sections[] = {{"FINDINGS", "No effusion."},
					     {"IMPRESSION", "Normal chest."}};

static const struct cx_image_pair_fact image_pair = {"img-b", "img-a", "pleural_effusion_progression",
						     "worsening", CX_SPLIT_TEST};
static const struct cx_text_pair_fact text_pair = {"p1", "No effusion.", "Small effusion.",
						   "contradiction", CX_SPLIT_TEST};
static const struct cx_phrase_box_fact phrase_box = {"img-a", "Pneumonia", "Bibasilar opacities",
						     196, 1136, 532, 315, 2544, 3056, CX_SPLIT_VAL};
static const struct cx_choice_fact choice = {"q7", "img-a", "What is shown?", choices, 4, 1,
					     CX_SPLIT_TRAIN};
static const struct cx_history_qa_fact history_qa = {
	"s1", "Is it in the left lung?", yes_no, 1, history, 2, yes_no, 2, "single_choice",
	"lung_signs", CX_SPLIT_VAL};
static const struct cx_span_qa_fact span_qa = {"rq1", "Small left effusión. No pneumothorax.",
					       "Is there a pneumothorax?", "No pneumothorax", 21,
					       CX_SPLIT_TEST};
static const struct cx_note_fact note = {"p10/p10003412/s59172281.txt",
					 "FINDINGS : No effusion . IMPRESSION : Normal chest .",
					 sections, 2, CX_SPLIT_TRAIN};
static const struct cx_entity_fact entity = {"p10/p10003412/s59172281.txt", "1", "effusion", 3,
					     3, "OBS-DA", relations, 1};
static const struct cx_candidate_fact candidate = {"s1", "bertscore", "Small effusion.", errors,
						   2};
static const struct cx_explanation_fact explanation = {
	"s1#6", "s1", NULL, diagnoses, 2, "blunting of the costophrenic angle", CX_SPLIT_TRAIN};
static const struct cx_caption_fact caption = {"img-a", "Chest X-ray showing a small effusion."};

/* The lines the recorder writes for them, in the same order. */
static const char *const lines[] = {
	"image_pair image=\"img-b\" other=\"img-a\" label=\"pleural_effusion_progression\" "
	"value=\"worsening\" split=\"test\"",
	"text_pair key=\"p1\" text1=\"No effusion.\" text2=\"Small effusion.\" "
	"relation=\"contradiction\" split=\"test\"",
	"phrase_box image=\"img-a\" label=\"Pneumonia\" phrase=\"Bibasilar opacities\" "
	"x=196.000 y=1136.000 w=532.000 h=315.000 frame_width=2544 frame_height=3056 split=\"val\"",
	"choice key=\"q7\" image=\"img-a\" question=\"What is shown?\" "
	"options=[\"A:Pneumothorax\",\"B:Effusion\",\"C:Edema\",\"D:Normal\"] answer=1 split=\"train\"",
	"history_qa study=\"s1\" question=\"Is it in the left lung?\" answers=[\"yes\"] "
	"history=[[\"Are there any signs in the lungs?\",[\"yes\"]],[\"Is there an opacity?\",[\"no\"]]] "
	"options=[\"yes\",\"no\"] answer_type=\"single_choice\" path=\"lung_signs\" split=\"val\"",
	"span_qa key=\"rq1\" context=\"Small left effusión. No pneumothorax.\" "
	"question=\"Is there a pneumothorax?\" answer=\"No pneumothorax\" start=21 split=\"test\"",
	"note key=\"p10/p10003412/s59172281.txt\" "
	"text=\"FINDINGS : No effusion . IMPRESSION : Normal chest .\" "
	"sections=[[\"FINDINGS\",\"No effusion.\"],[\"IMPRESSION\",\"Normal chest.\"]] split=\"train\"",
	"entity note=\"p10/p10003412/s59172281.txt\" key=\"1\" tokens=\"effusion\" start=3 end=3 "
	"label=\"OBS-DA\" relations=[[\"located_at\",\"2\"]]",
	"candidate study=\"s1\" method=\"bertscore\" text=\"Small effusion.\" "
	"errors=[[0,1,1,2],[1,4,0,1]]",
	"explanation key=\"s1#6\" study=\"s1\" labels=[\"Pleural Effusion\",\"Edema\"] "
	"text=\"blunting of the costophrenic angle\" split=\"train\"",
	"caption image=\"img-a\" caption=\"Chest X-ray showing a small effusion.\"",
};

/* Emits one fact of every new kind; 0 or the first refusal. */
static int emit_new_kinds(const struct cx_sink *s, struct cx_error *err)
{
	int rc = cx_emit_image_pair(s, &image_pair, err);
	rc = rc ? rc : cx_emit_text_pair(s, &text_pair, err);
	rc = rc ? rc : cx_emit_phrase_box(s, &phrase_box, err);
	rc = rc ? rc : cx_emit_choice(s, &choice, err);
	rc = rc ? rc : cx_emit_history_qa(s, &history_qa, err);
	rc = rc ? rc : cx_emit_span_qa(s, &span_qa, err);
	rc = rc ? rc : cx_emit_note(s, &note, err);
	rc = rc ? rc : cx_emit_entity(s, &entity, err);
	rc = rc ? rc : cx_emit_candidate(s, &candidate, err);
	rc = rc ? rc : cx_emit_explanation(s, &explanation, err);
	return rc ? rc : cx_emit_caption(s, &caption, err);
}

/* --- Through the recording sink ----------------------------------------- */

static void test_recorder(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	void *ctx;
	struct cx_sink s = facts_sink_for(&log, &n, &ctx);
	struct cx_error err = {0};
	CHECK_INT(emit_new_kinds(&s, &err), 0, "every new kind is accepted by the recorder");
	for (size_t i = 0; i < CX_ARRAY_LEN(lines); i++)
		CHECK_LINE(cx_buf_str(&log), lines[i]);
	CHECK_INT(n.kinds[CX_FACT_CHOICE] + n.kinds[CX_FACT_NOTE], 2, "counted by kind");
	for (int k = 0; k < CX_FACT_COUNT; k++)
		if (!CHECK_INT(cx_fact_kinds[k].id, k, "the table is indexed by its ids"))
			break;
	free(ctx);
	cx_buf_release(&log);
}

/* One refusal: the fact is refused with exactly this message. */
static void refused(int rc, struct cx_error *err, const char *want, const char *what)
{
	CHECK(rc == CX_EFORMAT && !strcmp(err->msg, want), what);
	if (strcmp(err->msg, want))
		printf("#   got:  %s\n#   want: %s\n", err->msg, want);
	cx_error_clear(err);
}

static void test_checks(void)
{
	struct cx_sink none = {0};
	struct cx_error err = {0};
	struct cx_choice_fact c = choice;
	c.answer = 4;
	refused(cx_emit_choice(&none, &c, &err), &err, "answer 4 is not one of 4 options",
		"a choice answer past the options is refused");
	c.answer = 0;
	c.noptions = 1;
	refused(cx_emit_choice(&none, &c, &err), &err, "question with 1 options",
		"a choice question needs two options");
	struct cx_span_qa_fact q = span_qa;
	q.start = 20;
	refused(cx_emit_span_qa(&none, &q, &err), &err,
		"answer 'No pneumothorax' is not at character 20",
		"a span is checked at its character offset (not byte: 'ó' is two bytes)");
	q.start = 400;
	refused(cx_emit_span_qa(&none, &q, &err), &err,
		"answer 'No pneumothorax' is not at character 400", "a span past the text");
	q.answer = NULL;
	q.start = -1;
	CHECK_INT(cx_emit_span_qa(&none, &q, &err), 0, "an unanswerable question has no span");
	struct cx_entity_fact e = entity;
	e.end = 2;
	refused(cx_emit_entity(&none, &e, &err), &err, "entity 1: bad token span 3-2",
		"an entity ending before it starts");
	struct cx_explanation_fact x = explanation;
	x.study = NULL;
	refused(cx_emit_explanation(&none, &x, &err), &err,
		"explanation names no study and no image", "an explanation of nothing");
	struct cx_phrase_box_fact p = phrase_box;
	p.w = 0;
	refused(cx_emit_phrase_box(&none, &p, &err), &err, "bad box 196,1136,0,315",
		"a phrase box of width 0");
	/* Issue 11, defect 9: boxes are checked against the frame they state. */
	p = phrase_box;
	p.x = 2100;
	refused(cx_emit_phrase_box(&none, &p, &err), &err,
		"box 2100,1136,532,315 outside its 2544x3056 frame", "a phrase box past its frame");
	p = phrase_box;
	p.w = 1;
	refused(cx_emit_phrase_box(&none, &p, &err), &err,
		"box 196,1136,1,315 has zero area on the 0-100 grid of its 2544x3056 frame",
		"a phrase box one pixel wide: zero area on the grid");
	struct cx_box_fact bx = {"img-a", "Mass", 10, 20, 30, 40, 1024, 0};
	refused(cx_emit_box(&none, &bx, &err), &err, "box frame 1024x0", "a frame of one side");
	struct cx_candidate_fact k = candidate;
	struct cx_error_count bad[] = {{0, 0, 1, 2}};
	k.errors = bad;
	k.nerrors = 1;
	refused(cx_emit_candidate(&none, &k, &err), &err,
		"bad error count (category 0, significant 1, 2)", "error category 0");
	struct cx_note_fact nt = note;
	nt.sections = NULL;
	CHECK_INT(cx_emit_note(&none, &nt, &err), CX_EINVAL,
		  "a list counted but not given is refused before any sink reads it");
	CHECK_STR(err.msg, "note: sections counted but not given", "... saying which list");
	cx_error_clear(&err);
	struct cx_caption_fact cap = caption;
	cap.caption = NULL;
	refused(cx_emit_caption(&none, &cap, &err), &err, "caption without caption",
		"a required member left NULL");
}

/* --- The RLE decoder --------------------------------------------------------- */

/* The boxes of an RLE mask as "x,y,w,h;..." (or the error message). */
static void rle_text(const char *rle, int w, int h, char *out, size_t cap)
{
	struct cx_box_fact *b;
	size_t n;
	struct cx_error err = {0};
	size_t len = 0;
	out[0] = 0;
	if (cx_rle_boxes(rle, w, h, &b, &n, &err)) {
		snprintf(out, cap, "error: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%g,%g,%g,%g", i ? ";" : "", b[i].x,
					b[i].y, b[i].w, b[i].h);
	free(b);
}

static void rle_is(const char *rle, int w, int h, const char *want, const char *what)
{
	char got[1024];
	rle_text(rle, w, h, got, sizeof got);
	CHECK_STR(got, want, what);
}

static void test_rle(void)
{
	rle_is("-1", 4, 4, "", "-1 is an empty mask");
	rle_is(" -1", 4, 4, "", "' -1' as some SIIM copies write it");
	/* pixel p is at x = p / height, y = p % height */
	rle_is("5 2", 4, 4, "1,1,1,2", "one run down column 1, rows 1-2");
	rle_is("2 3", 3, 3, "0,0,2,3", "a run crossing into the next column is one region");
	rle_is("0 2 13 2", 5, 5, "0,0,1,2;3,0,1,2",
	       "starts are gaps after the previous run: columns 0 and 3, two regions");
	rle_is("0 1 0 1", 2, 2, "0,0,1,2", "a gap of 0 continues the run");
	rle_is("0 1 1 1 0 3", 3, 3, "0,0,2,3",
	       "two pieces of column 0 joined through column 1 (union-find)");
	rle_is("0 1 2 1", 2, 2, "0,0,2,2", "diagonal neighbours touch (8-connectivity)");
	rle_is("0 1 4 1", 3, 3, "0,0,1,1;1,2,1,1", "a knight's move apart: two regions");
	rle_is("3 1 3 1 0 2", 4, 3, "1,0,3,3",
	       "a chain of diagonal steps is one region (w 4, h 3)");
	rle_is("0 1 7 1", 3, 3, "0,0,1,1;2,2,1,1", "opposite corners: two regions, by x");
	rle_is("1 2 3", 4, 4, "error: RLE has an odd number of values (run 2 has no length)",
	       "odd count of values");
	rle_is("0 x1", 4, 4, "error: RLE value 'x1' is not a number", "a value that is not a number");
	rle_is("0 0", 4, 4, "error: RLE run 1 has length 0", "a run of length 0");
	rle_is("2 3", 2, 2, "error: RLE run 1 ends past the 2x2 mask", "a run past the mask");
	rle_is("0 2 3 1", 2, 2, "error: RLE run 2 ends past the 2x2 mask",
	       "a gap past the mask");
	rle_is("4 -1", 4, 4, "error: RLE value -1 is negative", "a negative length");
	rle_is("  ", 4, 4, "error: empty RLE", "an empty value is not -1");
	rle_is("99999999999999999999 1", 4, 4,
	       "error: RLE value '99999999999999999999' is not a number", "an overflowing start");
	/* found by tests/fuzz/fuzz-rle.c: the token quoted ran on past a newline */
	rle_is("/\n1 2", 4, 4, "error: RLE value '/' is not a number",
	       "a bad value is quoted up to the next white space: one line");
	rle_is("0 1\n4 1", 4, 4, "0,0,2,2",
	       "a newline separates values like a space (pixels 0 and 5: one diagonal region)");

	/* the one box enclosing a whole mask (SIIM-ACR, CANDID-PTX) */
	struct cx_box_fact e;
	struct cx_error eerr = {0};
	CHECK_INT(cx_rle_extent("0 2 13 2", 5, 5, &e, &eerr), 1, "extent: a mask");
	CHECK(e.x == 0 && e.y == 0 && e.w == 4 && e.h == 2,
	      "extent: two regions (columns 0 and 3) in one box");
	CHECK_INT(cx_rle_extent("2 3", 3, 3, &e, &eerr), 1, "extent: a run crossing columns");
	CHECK(e.x == 0 && e.y == 0 && e.w == 2 && e.h == 3,
	      "extent: a run crossing into the next column spans every row");
	CHECK_INT(cx_rle_extent("5 1 0 1", 4, 4, &e, &eerr), 1, "extent: one column");
	CHECK(e.x == 1 && e.y == 1 && e.w == 1 && e.h == 2, "extent: rows 1-2 of column 1");
	CHECK_INT(cx_rle_extent(" -1", 4, 4, &e, &eerr), 0, "extent: -1 is no mask");
	CHECK_INT(cx_rle_extent("2 3", 2, 2, &e, &eerr), CX_EFORMAT, "extent: past the mask");
	CHECK_STR(eerr.msg, "RLE run 1 ends past the 2x2 mask", "extent: cx_rle_boxes' message");

	/* the absolute variant: starts that are offsets, not gaps */
	CHECK_INT(cx_rle_is_absolute("557374 2 558398 8", 1024, 1024), 1,
		  "growing starts that run past the mask as gaps: absolute");
	CHECK_INT(cx_rle_is_absolute("557374 2 1015 8", 1024, 1024), 0,
		  "SIIM's relative stream (a gap smaller than the first start): not absolute");
	CHECK_INT(cx_rle_is_absolute("5 2", 4, 4), 0, "one run: not decided");
	CHECK_INT(cx_rle_is_absolute("0 2 13 2", 5, 5), 0,
		  "growing starts that also fit as gaps: read as the relative variant");
	CHECK_INT(cx_rle_is_absolute("-1", 4, 4), 0, "an empty mask");
	CHECK_INT(cx_rle_is_absolute("3 2 1 x", 4, 4), 0, "not numbers");
	CHECK_INT(cx_rle_is_absolute("3 2 9 2", 4, 4), 0, "past the mask either way");

	/* a 100 x 50 rectangle at (200, 300) of a 1024 x 1024 SIIM mask: one run
	 * per column, each after a gap of 1024 - 50 */
	struct cx_buf big = CX_BUF_INIT;
	cx_buf_addf(&big, "%d 50", 200 * 1024 + 300);
	for (int x = 1; x < 100; x++)
		cx_buf_adds(&big, " 974 50");
	rle_is(big.data, 1024, 1024, "200,300,100,50", "a rectangle on a 1024x1024 mask");
	cx_buf_release(&big);

	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n = {0};
	void *ctx;
	struct cx_sink s = facts_sink_for(&log, &n, &ctx);
	struct cx_error err = {0};
	CHECK_INT(cx_emit_rle_boxes(&s, "1.2.276.0.7230010.3.1.4.1", "Pneumothorax", "0 2 13 2", 5,
				    5, &err),
		  0, "cx_emit_rle_boxes emits the boxes");
	CHECK_STR(cx_buf_str(&log),
		  "box image=\"1.2.276.0.7230010.3.1.4.1\" label=\"Pneumothorax\" "
		  "xywh=0.000,0.000,1.000,2.000 frame=5x5\n"
		  "box image=\"1.2.276.0.7230010.3.1.4.1\" label=\"Pneumothorax\" "
		  "xywh=3.000,0.000,1.000,2.000 frame=5x5\n",
		  "one box fact per region");
	CHECK_INT(cx_emit_rle_boxes(&s, "x", "Pneumothorax", "0 2 13", 5, 5, &err), CX_EFORMAT,
		  "malformed RLE is refused, for the adapter to reject the row");
	CHECK_INT(n.boxes, 2, "nothing emitted from malformed RLE");
	free(ctx);
	cx_buf_release(&log);
}

/* --- Through a real catalogue --------------------------------------------- */

static int images_ok = 1;

/* The synthetic source reads no file: it accounts for its rows through
 * cx_rows_account(), as an adapter does for a row no read loop hands it. */
static struct cx_rows rows;

static void outcome(const char *file, long line, enum cx_row_kind kind, const char *why)
{
	struct cx_error e = {0};
	cx_rows_account(&rows, file, line, (struct cx_outcome){kind, why}, &e);
}

/* Rows of a synthetic source: each a few facts and one outcome. */
static int test_read(struct cx_release *rel, const struct cx_sink *s, struct cx_error *err)
{
	(void)rel;
	(void)err;
	rows = (struct cx_rows){.sink = s};
	struct cx_error e = {0};
	struct cx_image_fact im;
	struct cx_label labels[] = {{"Edema", 1}, {"Pleural Effusion", -1}};
	struct cx_labels_fact lf = {"img-a", 0, labels, 2};
	const char *const keys[] = {"img-a", "img-b"};
	for (int i = 0; i < 2; i++) {
		cx_image_fact_init(&im);
		im.key = keys[i];
		im.path = keys[i];
		im.study = "s1";
		im.patient = "p1";
		im.split = CX_SPLIT_TEST;
		int rc = cx_emit_image(s, &im, &e);
		if (i == 0 && !rc)
			rc = cx_emit_labels(s, &lf, &e);
		if (rc)
			images_ok = 0;
		outcome("images.csv", 2 + i, CX_ROW_KEPT, NULL);
	}
	/* every new kind in one row */
	if (emit_new_kinds(s, &e))
		outcome("facts.csv", 2, CX_ROW_REJECTED, e.msg);
	else
		outcome("facts.csv", 2, CX_ROW_KEPT, NULL);
	/* a rejected row: its facts are never written */
	struct cx_caption_fact c2 = {"img-b", "dropped with its row"};
	cx_emit_caption(s, &c2, &e);
	outcome("facts.csv", 3, CX_ROW_REJECTED, "rejected by the adapter");
	/* kept, but refused while writing: its image is taken back */
	cx_image_fact_init(&im);
	im.key = "img-c";
	im.path = "img-c";
	struct cx_caption_fact c3 = {"img-zzz", "of an image nobody emitted"};
	cx_emit_image(s, &im, &e);
	cx_emit_caption(s, &c3, &e);
	outcome("facts.csv", 4, CX_ROW_KEPT, NULL);
	/* a note key emitted twice */
	cx_emit_note(s, &note, &e);
	outcome("facts.csv", 5, CX_ROW_KEPT, NULL);
	/* a filtered row */
	cx_emit_caption(s, &c2, &e);
	outcome("facts.csv", 6, CX_ROW_FILTERED, "not-chest");
	/* a row larger than the catalogue's row arena (64 KiB) */
	static char long_text[100001];
	memset(long_text, 'x', sizeof long_text - 1);
	struct cx_note_fact big = {"long", long_text, sections, 2, CX_SPLIT_NONE};
	for (int i = 0; i < 3; i++) {
		char key[16];
		snprintf(key, sizeof key, "long-%d", i);
		big.key = key;
		cx_emit_note(s, &big, &e);
	}
	outcome("facts.csv", 7, CX_ROW_KEPT, NULL);
	/* a reference that is empty */
	struct cx_caption_fact c4 = {"", "of no image"};
	cx_emit_caption(s, &c4, &e);
	outcome("facts.csv", 8, CX_ROW_KEPT, NULL);
	/* a study seen again after another: the upsert keeps the stricter split,
	 * the patient it had, and the provenance of its first row */
	const struct cx_study_fact studies[] = {
		{"s2", "p2", CX_SPLIT_TRAIN}, {"s3", "p3", CX_SPLIT_TRAIN}, {"s2", NULL, CX_SPLIT_TEST}};
	for (int i = 0; i < 3; i++) {
		cx_emit_study(s, &studies[i], &e);
		outcome("studies.csv", 2 + i, CX_ROW_KEPT, NULL);
	}
	return 0;
}

static int test_probe(struct cx_release *rel)
{
	(void)rel;
	return 1;
}

static const struct cx_adapter test_adapter = {
	.id = "test-facts",
	.dataset = "Test facts",
	.versions = "1",
	.license = "none",
	.access = "public",
	.probe = test_probe,
	.read = test_read,
};

/* The first column of the first row of sql, as text ("" when no row). */
static void query(sqlite3 *db, const char *sql, char *out, size_t cap)
{
	sqlite3_stmt *st;
	out[0] = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(out, cap, "SQL error: %s", sqlite3_errmsg(db));
		return;
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void row_is(sqlite3 *db, const char *sql, const char *want, const char *what)
{
	char got[1024];
	query(db, sql, got, sizeof got);
	CHECK_STR(got, want, what);
}

static int build(const char *dbpath, const char *dir, struct cx_source_counts *n)
{
	struct cx_cat *cat;
	struct cx_release *rel;
	struct cx_error err = {0};
	struct cx_build_opts opts = {.seed = 1, .check_images = 0};
	if (cx_cat_open(&cat, dbpath, 1, &err) || cx_release_open(&rel, dir, &err)) {
		printf("# %s\n", err.msg);
		return -1;
	}
	int rc = cx_cat_begin_source(cat, &test_adapter, rel, &opts, NULL, NULL, &err);
	if (!rc)
		rc = test_adapter.read(rel, cx_cat_sink(cat), &err);
	if (!rc)
		rc = cx_cat_end_source(cat, n, &err);
	if (rc)
		printf("# %s\n", err.msg);
	cx_release_free(rel);
	cx_cat_close(cat);
	return rc;
}

#define COUNT_ALL                                                                             \
	"SELECT (SELECT count(*) FROM image) || ' ' || (SELECT count(*) FROM image_pair) || ' ' " \
	"|| (SELECT count(*) FROM text_pair) || ' ' || (SELECT count(*) FROM phrase_box) || ' ' "  \
	"|| (SELECT count(*) FROM choice) || ' ' || (SELECT count(*) FROM history_qa) || ' ' "    \
	"|| (SELECT count(*) FROM span_qa) || ' ' || (SELECT count(*) FROM note) || ' ' "         \
	"|| (SELECT count(*) FROM entity) || ' ' || (SELECT count(*) FROM candidate) || ' ' "     \
	"|| (SELECT count(*) FROM explanation) || ' ' || (SELECT count(*) FROM caption)"

static void check_rows(sqlite3 *db)
{
	row_is(db,
	       "SELECT i.key || '|' || o.key || '|' || p.label || '|' || p.value || '|' || p.split"
	       " || '|' || p.src_file || ':' || p.src_line FROM image_pair p"
	       " JOIN image i ON p.image_id = i.id JOIN image o ON p.other_id = o.id",
	       "img-b|img-a|pleural_effusion_progression|worsening|test|facts.csv:2",
	       "image_pair: both image keys resolved, provenance in the insert");
	row_is(db, "SELECT key || '|' || text1 || '|' || text2 || '|' || relation FROM text_pair",
	       "p1|No effusion.|Small effusion.|contradiction", "text_pair row");
	row_is(db,
	       "SELECT i.key || '|' || b.label || '|' || b.phrase || '|' || b.x || ',' || b.y || ','"
	       " || b.w || ',' || b.h || '|' || b.split FROM phrase_box b"
	       " JOIN image i ON b.image_id = i.id",
	       "img-a|Pneumonia|Bibasilar opacities|196.0,1136.0,532.0,315.0|val",
	       "phrase_box row, with the release's split");
	row_is(db,
	       "SELECT c.key || '|' || i.key || '|' || c.options || '|' || c.answer || '|' || c.split"
	       " FROM choice c JOIN image i ON c.image_id = i.id",
	       "q7|img-a|[\"A:Pneumothorax\",\"B:Effusion\",\"C:Edema\",\"D:Normal\"]|1|train",
	       "choice row: options as JSON, answer index");
	row_is(db,
	       "SELECT s.key || '|' || h.answers || '|' || h.history || '|' || h.path FROM history_qa h"
	       " JOIN study s ON h.study_id = s.id",
	       "s1|[\"yes\"]|[[\"Are there any signs in the lungs?\",[\"yes\"]],"
	       "[\"Is there an opacity?\",[\"no\"]]]|lung_signs",
	       "history_qa row: the prior path as JSON");
	row_is(db, "SELECT answer || '|' || start || '|' || substr(context, start + 1, 15) FROM span_qa",
	       "No pneumothorax|21|No pneumothorax", "span_qa row: start counts characters");
	row_is(db,
	       "SELECT n.key || '|' || e.key || '|' || e.start || '-' || e.end || '|' || e.label ||"
	       " '|' || e.relations FROM entity e JOIN note n ON e.note_id = n.id",
	       "p10/p10003412/s59172281.txt|1|3-3|OBS-DA|[[\"located_at\",\"2\"]]",
	       "entity row: its note found by key");
	row_is(db, "SELECT group_concat(key || ':' || length(text) || ':' || substr(sections, 4, 8))"
		   " FROM note WHERE key LIKE 'long-%'",
	       "long-0:100000:FINDINGS,long-1:100000:FINDINGS,long-2:100000:FINDINGS",
	       "a row that outgrows the arena is copied whole");
	row_is(db, "SELECT sections FROM note WHERE key NOT LIKE 'long-%'",
	       "[[\"FINDINGS\",\"No effusion.\"],[\"IMPRESSION\",\"Normal chest.\"]]", "note sections");
	row_is(db,
	       "SELECT s.key || '|' || c.method || '|' || c.errors FROM candidate c"
	       " JOIN study s ON c.study_id = s.id",
	       "s1|bertscore|[[0,1,1,2],[1,4,0,1]]", "candidate row: error counts");
	row_is(db,
	       "SELECT s.key || '|' || coalesce(x.image_id, 'none') || '|' || x.labels || '|' || x.text"
	       " FROM explanation x JOIN study s ON x.study_id = s.id",
	       "s1|none|[\"Pleural Effusion\",\"Edema\"]|blunting of the costophrenic angle",
	       "explanation row: a study, no image");
	row_is(db, "SELECT group_concat(caption, '/') FROM caption",
	       "Chest X-ray showing a small effusion.",
	       "caption: only the kept row's (rejected, filtered and failed rows wrote none)");
	row_is(db, "SELECT labels || '|' || src_file || ':' || src_line FROM image WHERE key = 'img-a'",
	       "{\"Edema\":1,\"Pleural Effusion\":-1}|images.csv:2",
	       "a row's labels go into its image's insert");
	row_is(db,
	       "SELECT split || '|' || patient || '|' || src_file || ':' || src_line FROM study"
	       " WHERE key = 's2'",
	       "test|p2|studies.csv:2", "a study seen again: stricter split, first provenance");
	row_is(db, "SELECT count(*) FROM image WHERE key = 'img-c'", "0",
	       "the image of a row refused while writing is taken back");
	row_is(db, "SELECT group_concat(line || ' ' || reason, '/') FROM"
		   " (SELECT line, reason FROM reject ORDER BY line)",
	       "3 rejected by the adapter/4 caption names an unknown image 'img-zzz'/"
	       "5 duplicate note key 'p10/p10003412/s59172281.txt'/"
	       "8 caption names an unknown image ''",
	       "rejects: the adapter's, and those found while writing, with reasons");
}

static void test_catalogue(void)
{
	char dir[] = "/tmp/t-facts-XXXXXX";
	if (!CHECK(mkdtemp(dir) != NULL, "temporary folder"))
		return;
	char dbpath[64];
	snprintf(dbpath, sizeof dbpath, "%s/cat.db", dir);
	struct cx_source_counts n = {0};
	CHECK_INT(build(dbpath, dir, &n), 0, "the synthetic source builds");
	CHECK(images_ok, "image facts accepted");
	CHECK_INT(n.read, 12, "12 rows read");
	CHECK_INT(n.kept, 7, "7 kept: two images, the row of every kind, the long notes, 3 studies");
	CHECK_INT(n.rejected, 4, "1 rejected by the adapter, 3 while writing");
	CHECK_INT(n.filtered, 1, "1 filtered");
	sqlite3 *db;
	if (CHECK(sqlite3_open(dbpath, &db) == SQLITE_OK, "open the catalogue")) {
		check_rows(db);
		row_is(db, COUNT_ALL, "2 1 1 1 1 1 1 4 1 1 1 1", "one row per kind (and the 3 long notes)");
		sqlite3_close(db);
	}
	CHECK_INT(build(dbpath, dir, &n), 0, "the source builds again");
	if (CHECK(sqlite3_open(dbpath, &db) == SQLITE_OK, "open it again")) {
		row_is(db, COUNT_ALL, "2 1 1 1 1 1 1 4 1 1 1 1",
		       "rebuilding replaces the source's rows in every fact table");
		sqlite3_close(db);
	}
	unlink(dbpath);
	rmdir(dir);
}

int main(void)
{
	test_recorder();
	test_checks();
	test_rle();
	test_catalogue();
	return t_done();
}

/*
 * t-audit.c - the checks of render/audit.c on rendered instances made by
 * hand, one fixture per defect the audit is there to find, with the exact
 * failures, counts and report lines; and a clean entry that passes them all.
 */
#include "cx.h"

#include "render/audit.h"
#include "t.h"

/* A rendered instance with these texts (options may be NULL). */
static void make(struct cx_rendered *r, const char *instruction, const char *answer,
		 const char *const *options, int correct)
{
	cx_rendered_init(r);
	cx_buf_adds(&r->instruction, instruction);
	cx_buf_adds(&r->answer, answer);
	for (size_t i = 0; options && options[i]; i++)
		r->options[r->noptions++] = cx_strdup(options[i]);
	r->correct = correct;
}

static void add(struct cx_audit *a, const char *entry, const char *key, const char *instruction,
		const char *answer, const char *const *options, int correct)
{
	struct cx_rendered r;
	make(&r, instruction, answer, options, correct);
	cx_audit_add(a, entry, key, &r, NULL);
	cx_rendered_release(&r);
}

#define CLS "[Image Classification] [Fixture]"

/* Defect 1's shape: "No Finding" right in 20 of 20 choice questions and never
 * a distractor; the right option always first (position); and one answer
 * that is no option, one duplicate pair. */
static void test_choice(void)
{
	struct cx_audit *a = cx_audit_new();
	static const char *const wrong[][3] = {
		{"Edema", "Mass", "Nodule"}, {"Mass", "Edema", "Hernia"}, {"Nodule", "Hernia", "Edema"},
	};
	char key[16];
	for (int i = 0; i < 20; i++) {
		const char *o[] = {"No Finding", wrong[i % 3][0], wrong[i % 3][1], wrong[i % 3][2],
				   NULL};
		snprintf(key, sizeof key, "i%02d", i);
		add(a, CLS, key, "Which set?\nOptions:\n(A) x", "(A) No Finding", o, 0);
	}
	const char *o[] = {"Edema", "edema ", "Mass", "Nodule", NULL};
	add(a, CLS, "dup", "Which set?", "(B) Edema", o, 0);
	const char *p[] = {"Edema", "Mass", "Nodule", "Hernia", NULL};
	add(a, CLS, "off", "Which set?", "(A) Hernia", p, 0);
	CHECK_INT(cx_audit_failed(a, CLS, CX_AUDIT_ANSWER), 2, "answer: the marker of another option"
							     " and a text that is not the option");
	CHECK_INT(cx_audit_failed(a, CLS, CX_AUDIT_DUPLICATE), 1, "duplicate: Edema and 'edema '");
	CHECK_INT(cx_audit_failed(a, CLS, CX_AUDIT_LEAK), 3,
		  "leak: the text 'no finding' and its words 'no', 'finding'");
	CHECK_INT(cx_audit_failed(a, CLS, CX_AUDIT_POSITION), 1, "position: always the first");
	CHECK_INT(cx_audit_failed(a, CLS, CX_AUDIT_WHITESPACE), 1, "whitespace: 'edema '");
	CHECK_INT(cx_audit_failures(a), 5, "five checks fail");
	struct cx_buf out = CX_BUF_INIT;
	cx_audit_report(a, 0, &out);
	CHECK_LINE(out.data, "leak " CLS ": text 'no finding' right 20, wrong 0 (p 9.1e-13)");
	CHECK_LINE(out.data, "leak " CLS ": word 'finding' right 20, wrong 0 (p 9.1e-13)");
	CHECK_LINE(out.data, "leak " CLS ": word 'no' right 20, wrong 0 (p 9.1e-13)");
	CHECK_LINE(out.data, "answer " CLS ": 2 of 22, first dup: the answer is not the right option");
	CHECK_LINE(out.data, "duplicate " CLS ": 1 of 22, first dup: two options with the same text");
	CHECK_LINE(out.data, "whitespace " CLS ": 1 of 22, first dup: option 2: a space at an end");
	CHECK_LINE(out.data, "position " CLS ": p 2.7e-12");
	CHECK_LINE(out.data, CLS "                22      0      2         1    3     0          1"
			     "   -        -        1");
	CHECK_LINE(out.data, CLS "         22/5.5 0/5.5 0/5.5 0/5.5  p 2.7e-12");
	CHECK_LINE(out.data, "audit: 5 checks failed (1 entries, 22 instances)");
	cx_buf_reset(&out);
	cx_audit_report(a, 1, &out);
	CHECK(strstr(out.data, "{\"kind\": \"text\", \"unit\": \"no finding\", \"right\": 20, "
			       "\"wrong\": 0, \"p\": 9.1e-13}") != NULL,
	      "json: the leak with its counts");
	CHECK(strstr(out.data, "\"failures\": 5}") != NULL, "json: failures");
	cx_buf_release(&out);
	cx_audit_free(a);
}

/* The same questions with "No Finding" also a distractor, and the right
 * option moving: nothing leaks, positions spread. */
static void test_fair_choice(void)
{
	struct cx_audit *a = cx_audit_new();
	static const char *const sets[] = {"No Finding", "Edema", "Mass", "Nodule"};
	char key[16], ans[32];
	for (int i = 0; i < 24; i++) {
		const char *o[5];
		for (int j = 0; j < 4; j++)
			o[j] = sets[(i + j) % 4];
		o[4] = NULL;
		int right = (i / 4) % 4;
		snprintf(key, sizeof key, "f%02d", i);
		snprintf(ans, sizeof ans, "(%c) %s", 'A' + right, o[right]);
		add(a, CLS, key, "Which set?", ans, o, right);
	}
	CHECK_INT(cx_audit_failures(a), 0, "a fair entry passes every check");
	CHECK_INT(cx_audit_failed(a, CLS, CX_AUDIT_LEAK), 0, "no leak");
	CHECK_INT(cx_audit_failed(a, CLS, CX_AUDIT_POSITION), 0, "positions as expected");
	CHECK_INT(cx_audit_failed(a, "[Nothing] [Here]", CX_AUDIT_LEAK), -1, "unknown entry");
	cx_audit_free(a);
}

#define GEN "[Findings Summarization] [Fixture]"
#define BOX "[Abnormality Grounding] [Fixture]"
#define VQA "[Close-Ended VQA] [Fixture]"

/* Free answers: empty fields, whitespace, readable answers, boxes, render
 * failures. */
static void test_free_answers(void)
{
	struct cx_audit *a = cx_audit_new();
	add(a, GEN, "copy", "Summarize: Small effusion. Heart normal.", "Small effusion.", NULL, -1);
	add(a, GEN, "fine", "Summarize: Heart normal.", "Normal study.", NULL, -1);
	add(a, GEN, "nl", "Summarize: Heart\nnormal.", "Normal  study.", NULL, -1);
	add(a, GEN, "empty", "Summarize: Heart normal.", " ", NULL, -1);
	cx_audit_add(a, GEN, "broken", NULL, "no findings to summarize");
	add(a, VQA, "or", "Is the lesion on the left or the right?", "left", NULL, -1);
	add(a, VQA, "or2", "Is it right or left?", "left", NULL, -1);
	add(a, VQA, "yes", "Answer yes or no: is it there?", "Yes", NULL, -1);
	add(a, BOX, "ok", "Locate edema.", "<box>(0,0),(100,100)</box><box>(7,50),(22,78)</box>",
	    NULL, -1);
	add(a, BOX, "flat", "Locate edema.", "<box>(10,20),(10,40)</box>", NULL, -1);
	add(a, BOX, "out", "Locate edema.", "<box>(0,0),(101,50)</box>", NULL, -1);
	add(a, BOX, "bad", "Locate edema.", "<box>(1,2),(3)</box>", NULL, -1);
	CHECK_INT(cx_audit_failed(a, GEN, CX_AUDIT_READABLE), 1, "readable: the copied impression");
	CHECK_INT(cx_audit_failed(a, GEN, CX_AUDIT_WHITESPACE), 2,
		  "whitespace: a line break in the instruction, a double space in the answer");
	CHECK_INT(cx_audit_failed(a, GEN, CX_AUDIT_EMPTY), 1, "empty: a blank answer");
	CHECK_INT(cx_audit_failed(a, GEN, CX_AUDIT_RENDER), 1, "render: one failure");
	CHECK_INT(cx_audit_failed(a, VQA, CX_AUDIT_READABLE), 0,
		  "readable: an answer offered as 'X or Y', and yes/no, are not read off");
	CHECK_INT(cx_audit_failed(a, BOX, CX_AUDIT_BOX), 3, "box: zero area, outside, bad syntax");
	CHECK_INT(cx_audit_failures(a), 5, "five checks fail");
	struct cx_buf out = CX_BUF_INIT;
	cx_audit_report(a, 0, &out);
	CHECK_LINE(out.data, "readable " GEN ": 1 of 5, first copy: the instruction spells out the"
			     " answer");
	CHECK_LINE(out.data, "whitespace " GEN ": 2 of 5, first nl: answer: a double space");
	CHECK_LINE(out.data, "render " GEN ": 1 of 5, first broken: no findings to summarize");
	CHECK_LINE(out.data, "box " BOX ": 3 of 4, first flat: a box of zero area");
	CHECK_LINE(out.data, VQA "                      3      0      -         -    -     0          0"
			     "   -        0        -");
	cx_buf_release(&out);
	cx_audit_free(a);
}

/* Several right options (the candidates form): an answer names each right
 * option once, by marker, text or both, and nothing else. */
static void test_several_right(void)
{
	struct cx_audit *a = cx_audit_new();
	static const char *const o[] = {"Edema", "Hernia", "Mass", "Nodule", NULL};
	static const struct {
		const char *answer;
		int right;
	} cases[] = {
		{"(A) Edema, (C) Mass", 1}, {"Edema, Mass", 1},         {"(a), (c)", 1},
		{"(A) Edema", 0},           {"(A) Edema, (A) Edema", 0}, {"(A) Edema, (B) Hernia", 0},
		{"(A) Edema, (C) Hernia", 0},
	};
	int want = 0;
	for (size_t i = 0; i < CX_ARRAY_LEN(cases); i++) {
		struct cx_rendered r;
		make(&r, "Which are present?", cases[i].answer, o, 0);
		r.right = 1u << 0 | 1u << 2;
		char key[8];
		snprintf(key, sizeof key, "m%zu", i);
		cx_audit_add(a, CLS, key, &r, NULL);
		cx_rendered_release(&r);
		want += !cases[i].right;
	}
	CHECK_INT(cx_audit_failed(a, CLS, CX_AUDIT_ANSWER), want,
		  "several right: a missing, repeated, wrong or mislabelled option fails");
	cx_audit_free(a);
}

int main(void)
{
	test_choice();
	test_fair_choice();
	test_free_answers();
	test_several_right();
	return t_done();
}

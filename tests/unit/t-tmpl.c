/*
 * t-tmpl.c - the template engine and the task renderers: loading and
 * validating templates/, deterministic picks, option styles, the
 * uncertain-label rule, box quantisation, single-pass filling, and one exact
 * rendering per task for a fixed seed.
 */
#include "cx.h"

#include "render/render.h"
#include "t.h"
#include "tasks/tasks.h"

#define SEED 42

static const char *root(void)
{
	const char *r = getenv("CX_SOURCE_ROOT");
	return r && *r ? r : ".";
}

static char *path(const char *rel)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "%s/%s", root(), rel);
	return cx_buf_detach(&b);
}

static struct cx_templates *load_real(void)
{
	struct cx_error err = {0};
	struct cx_templates *t;
	char *dir = path("templates");
	int rc = cx_templates_load(&t, dir, &err);
	free(dir);
	if (!CHECK(rc == 0, "the real templates/ load"))
		printf("#   %s\n", err.msg);
	return rc ? NULL : t;
}

static void test_real_templates(struct cx_templates *t)
{
	CHECK_INT(cx_task_count(), 23, "twenty-three tasks in the table");
	size_t forms = 0, total = 0;
	for (size_t i = 0; i < cx_task_count(); i++) {
		const struct cx_task *task = cx_task_at(i);
		char what[128];
		snprintf(what, sizeof what, "templates/%s.txt loaded", task->id);
		CHECK(cx_templates_has_task(t, task->id), what);
		CHECK(cx_capability_find(task->capability) != NULL, "task has a known capability");
		for (size_t f = 0; f < task->nforms; f++) {
			size_t n = cx_templates_count(t, task->id, task->forms[f].name);
			forms++;
			total += n;
			snprintf(what, sizeof what, "%s/%s has at least ten templates", task->id,
				 task->forms[f].name);
			CHECK(n >= 10, what);
		}
	}
	CHECK_INT(forms, 33, "thirty-three forms");
	CHECK_INT(total, 339, "339 templates in all");
	CHECK_INT(cx_templates_count(t, "temporal-image-classification", "choice"), 11,
		  "temporal-image-classification/choice has 11 templates");
	CHECK_INT(cx_templates_count(t, "temporal-sentence-similarity", "yesno"), 10,
		  "temporal-sentence-similarity/yesno has 10 templates");
	CHECK_INT(cx_templates_count(t, "image-classification", "list"), 11,
		  "image-classification/list has 11 templates");
	CHECK_INT(cx_templates_count(t, "view-matching", "plain"), 10, "view-matching has 10");
	CHECK_STR(cx_templates_text(t, "image-classification", "yesno", 0),
		  "Does this chest X-ray show {disease}?", "first yesno template");
	CHECK(!cx_templates_has_task(t, "report-evaluation"), "no file, no task");
	CHECK_INT(cx_capability_count(), 5, "five capabilities");
	CHECK_STR(cx_task_find("findings-summarization")->capability, "text-generation",
		  "summarization is text generation");

	struct cx_error err = {0};
	struct cx_templates *again;
	char *dir = path("templates");
	CHECK(cx_templates_load(&again, dir, &err) == 0, "load twice");
	free(dir);
	CHECK(cx_templates_fingerprint(t) == cx_templates_fingerprint(again) &&
		      cx_templates_fingerprint(t) != 0,
	      "fingerprint is stable and not zero");
	cx_templates_free(again);
}

static void expect_error(const char *name, int line, const char *reason)
{
	struct cx_buf rel = CX_BUF_INIT, want = CX_BUF_INIT;
	cx_buf_addf(&rel, "tests/fixtures/templates/%s", name);
	char *dir = path(rel.data);
	cx_buf_addf(&want, "%s/view-matching.txt:%d: %s", dir, line, reason);
	struct cx_error err = {0};
	struct cx_templates *t = (struct cx_templates *)&err; /* must come back NULL */
	int rc = cx_templates_load(&t, dir, &err);
	char what[128];
	snprintf(what, sizeof what, "%s: load fails", name);
	CHECK(rc == CX_EFORMAT && t == NULL, what);
	snprintf(what, sizeof what, "%s: message", name);
	CHECK_STR(err.msg, want.data, what);
	free(dir);
	cx_buf_release(&rel);
	cx_buf_release(&want);
}

static void test_validation(void)
{
	expect_error("unknown-placeholder", 9, "unknown placeholder {disease} in form 'plain'");
	expect_error("nine", 4, "form 'plain' has 9 templates, needs at least 10");
	expect_error("duplicate", 12, "duplicate template (same as line 7)");
	expect_error("unbalanced", 10, "unbalanced '{' at column 29");
	expect_error("unknown-form", 4, "unknown form 'choice' for task 'view-matching'");
	expect_error("unknown-task", 2, "unknown task 'view-guessing'");

	struct cx_error err = {0};
	struct cx_templates *t;
	char *dir = path("tests/fixtures/templates/valid");
	CHECK(cx_templates_load(&t, dir, &err) == 0, "valid: one file loads, README.md ignored");
	free(dir);
	if (t) {
		CHECK(cx_templates_has_task(t, "view-matching"), "valid: has view-matching");
		CHECK(!cx_templates_has_task(t, "view-classification"), "valid: only that task");
		cx_templates_free(t);
	}
	dir = path("tests/fixtures/templates/missing");
	CHECK(cx_templates_load(&t, dir, &err) == CX_ENOTFOUND, "missing folder: not found");
	free(dir);
}

/* ------------------------------------------------------------------ */

static void view_init(struct cx_instance_view *v, const char *task, const char *dataset,
		      const char *source, const char *key)
{
	memset(v, 0, sizeof *v);
	v->task = task;
	v->dataset = dataset;
	v->source = source;
	v->key = key;
	v->split = "train";
}

static int render(const struct cx_templates *t, const struct cx_instance_view *v, uint64_t seed,
		  struct cx_rendered *r)
{
	struct cx_error err = {0};
	int rc = cx_render(t, v, seed, r, &err);
	if (rc)
		printf("#   render %s/%s: %s\n", v->task, v->key, err.msg);
	return rc;
}

static void test_determinism(const struct cx_templates *t)
{
	struct cx_instance_view v;
	view_init(&v, "open-ended-vqa", "VQA-RAD", "vqa-rad", "q17");
	v.qa = &(struct cx_view_qa){"Where is the lesion?", "left lower lobe", 0};
	struct cx_rendered a, b;
	cx_rendered_init(&a);
	cx_rendered_init(&b);
	CHECK(render(t, &v, SEED, &a) == 0 && render(t, &v, SEED, &b) == 0, "render twice");
	CHECK_STR(cx_buf_str(&a.instruction), cx_buf_str(&b.instruction),
		  "same key+seed, same text");
	CHECK_INT(a.template_index, b.template_index, "same template");
	int seen[10] = {0}, distinct = 0;
	for (uint64_t seed = 0; seed < 200; seed++) {
		render(t, &v, seed, &a);
		if (a.template_index >= 0 && a.template_index < 10 && !seen[a.template_index]++)
			distinct++;
	}
	CHECK_INT(distinct, 10, "200 seeds reach all ten templates");
	/* One identity, task|source|key, as the sharder's pick hashes it; the
	 * display name plays no part. */
	struct cx_draw d;
	cx_draw_init(&d, &v, SEED);
	const char *id = "open-ended-vqa|vqa-rad|q17";
	CHECK(d.base == cx_hash64(id, strlen(id), SEED), "draws hash task|source|key");
	v.dataset = "VQA-RAD (renamed)";
	render(t, &v, SEED, &b);
	render(t, &v, SEED, &a);
	v.dataset = "VQA-RAD";
	render(t, &v, SEED, &b);
	CHECK_STR(cx_buf_str(&a.instruction), cx_buf_str(&b.instruction),
		  "renaming the dataset changes no text");
	/* Other keys under one seed spread too. */
	int forms_seen[3] = {0};
	struct cx_instance_view c;
	view_init(&c, "image-classification", "MIMIC-CXR", "mimic-cxr", NULL);
	c.labels = &(struct cx_view_labels){"{\"Edema\": 1}", &cx_vocab_chexpert};
	for (int k = 0; k < 60; k++) {
		char key[16];
		snprintf(key, sizeof key, "s%d", k);
		c.key = key;
		render(t, &c, SEED, &a);
		forms_seen[!strcmp(a.form, "list") ? 0 : !strcmp(a.form, "choice") ? 1 : 2] = 1;
	}
	CHECK(forms_seen[0] && forms_seen[1] && forms_seen[2], "keys reach all three forms");
	cx_rendered_release(&a);
	cx_rendered_release(&b);
}

static void test_option_styles(const struct cx_templates *t)
{
	char m[8];
	cx_option_marker(CX_STYLE_UPPER, 0, m);
	CHECK_STR(m, "(A)", "upper first");
	cx_option_marker(CX_STYLE_LOWER, 3, m);
	CHECK_STR(m, "(d)", "lower fourth");
	cx_option_marker(CX_STYLE_NUMBER, 1, m);
	CHECK_STR(m, "(2)", "number second");
	char *opts[] = {"AP", "PA", "LATERAL"};
	struct cx_buf b = CX_BUF_INIT;
	cx_options_format(&b, CX_STYLE_LOWER, opts, 3, 0);
	CHECK_STR(b.data, "(a) AP\n(b) PA\n(c) LATERAL", "list form");
	cx_buf_reset(&b);
	cx_options_format(&b, CX_STYLE_NUMBER, opts, 3, 1);
	CHECK_STR(b.data, "(1) AP, (2) PA, (3) LATERAL", "inline form");
	cx_buf_release(&b);

	/* Across seeds a rendered question shows every style, and the answer
	 * of image-text selection is the marker of the right text. */
	struct cx_instance_view v;
	view_init(&v, "image-text-selection", "MIMIC-CXR", "mimic-cxr", "s50414267");
	v.pair = &(struct cx_view_pair){-1, "No acute process.", "Right lower lobe pneumonia."};
	struct cx_rendered r;
	cx_rendered_init(&r);
	int styles = 0, orders = 0, consistent = 1;
	for (uint64_t seed = 0; seed < 60; seed++) {
		if (render(t, &v, seed, &r))
			break;
		const char *a = cx_buf_str(&r.answer);
		styles |= !strcmp(a, "(A)") || !strcmp(a, "(B)") ? 1
			  : !strcmp(a, "(a)") || !strcmp(a, "(b)") ? 2
			  : !strcmp(a, "(1)") || !strcmp(a, "(2)") ? 4 : 8;
		orders |= r.correct == 0 ? 1 : 2;
		consistent &= r.noptions == 2 && !strcmp(r.options[r.correct], v.pair->text);
		char line[64];
		snprintf(line, sizeof line, "\n%s %s", a, v.pair->text);
		consistent &= strstr(cx_buf_str(&r.instruction), line) != NULL;
	}
	CHECK_INT(styles, 7, "seeds give (A), (a) and (1), nothing else");
	CHECK_INT(orders, 3, "the right text is shown first and second");
	CHECK(consistent, "answer marker, options and correct index agree");
	cx_rendered_release(&r);
}

static void test_labels(void)
{
	struct cx_error err = {0};
	struct cx_label_set s;
	struct cx_buf b = CX_BUF_INIT;
	/* -1 -> 1 for Atelectasis, Edema, Pleural Effusion; -1 -> 0 for
	 * Cardiomegaly, Consolidation; Pneumonia -1 stays uncertain. */
	const char *json = "{\"Atelectasis\": -1, \"Cardiomegaly\": -1, \"Consolidation\": -1, "
			   "\"Edema\": -1.0, \"Pleural Effusion\": -1, \"Pneumonia\": -1, "
			   "\"Support Devices\": 1, \"Fracture\": 0}";
	CHECK(cx_labels_read(&cx_vocab_chexpert, json, &s, &err) == 0, "MIMIC labels read");
	cx_labels_positive_text(&s, &b);
	CHECK_STR(b.data, "Edema, Atelectasis, Pleural Effusion, Support Devices",
		  "uncertain rule, CheXpert order");
	CHECK_INT(s.value[2], 0, "Cardiomegaly -1 became 0");
	CHECK_INT(s.value[7], -1, "Pneumonia -1 stays -1");
	CHECK_INT(s.value[3], CX_LABEL_ABSENT, "Lung Opacity, not listed, is absent");
	cx_label_set_release(&s);
	cx_buf_reset(&b);
	const char *nf = "{\"Cardiomegaly\": -1, \"No Finding\": 1}";
	CHECK(cx_labels_read(&cx_vocab_chexpert, nf, &s, &err) == 0, "CheXpert labels read");
	cx_labels_positive_text(&s, &b);
	CHECK_STR(b.data, "No Finding", "no positive: No Finding");
	cx_label_set_release(&s);
	cx_buf_reset(&b);
	CHECK(cx_labels_read(&cx_vocab_chestxray14, "{\"Pleural_Thickening\": 1, \"Effusion\": 1}", &s,
			     &err) == 0,
	      "NIH labels read");
	cx_labels_positive_text(&s, &b);
	CHECK_STR(b.data, "Effusion, Pleural Thickening", "NIH order and display names");
	cx_label_set_release(&s);
	CHECK(cx_labels_read(&cx_vocab_chexpert, "{\"Edema\": 2}", &s, &err) == CX_EINVAL,
	      "value 2");
	cx_label_set_release(&s);
	CHECK_STR(err.msg, "label 'Edema' has value 2, not 1, 0 or -1", "value 2 message");
	CHECK(cx_labels_read(&cx_vocab_chexpert, "{\"Hernia\": 1}", &s, &err) == CX_EINVAL,
	      "NIH key");
	cx_label_set_release(&s);
	CHECK_STR(err.msg, "unknown label 'Hernia' for CheXpert", "unknown label message");
	CHECK(cx_labels_read(&cx_vocab_chexpert, "[1]", &s, &err) == CX_EFORMAT, "not an object");
	cx_label_set_release(&s);
	CHECK(cx_labels_read(NULL, "{\"Edema\": 1}", &s, &err) == CX_EINVAL, "no vocabulary");
	CHECK_STR(err.msg, "no label vocabulary to read labels with", "no vocabulary message");
	cx_buf_release(&b);
}

static void test_boxes(void)
{
	struct cx_error err = {0};
	struct cx_qbox q;
	struct cx_view_box b = {"Nodule/Mass", 120, 320, 180, 176, 0, 0};
	CHECK(cx_box_quantise(&b, 1000, 800, &q, &err) == 0, "quantise");
	CHECK(q.x1 == 12 && q.y1 == 40 && q.x2 == 30 && q.y2 == 62, "(12,40),(30,62)");
	/* Issue 11, defect 9: the official rounding. 9.99 of 1024 is bin 9 ->
	 * 0.9 -> 1 (floor gave 0); 1023.9 is bin 999 -> 99.9 -> 100 (floor: 99). */
	struct cx_view_box official = {"x", 9.99, 0.5, 10.0, 1023.4, 0, 0};
	CHECK(cx_box_quantise(&official, 1024, 1024, &q, &err) == 0, "quantise the official way");
	CHECK(q.x1 == 1 && q.y1 == 0 && q.x2 == 2 && q.y2 == 100,
	      "(1,0),(2,100): truncated to a bin of 1000, then /10 rounded");
	CHECK_INT(cx_box_coord(25, 1000), 2, "bin 25 -> 2.5 -> 2: half to even");
	CHECK_INT(cx_box_coord(35, 1000), 4, "bin 35 -> 3.5 -> 4: half to even");
	CHECK_INT(cx_box_coord(1000, 1000), 100, "the far edge: bin 1000 clamped to 999 -> 100");
	CHECK_INT(cx_box_coord(-5, 1000), 0, "below 0 -> 0");
	/* The frame, not the file: a 512 px copy of an NIH image gives the
	 * answer of the 1024 px original; a file of another aspect is refused. */
	struct cx_view_box framed = {"Mass", 700, 500, 200, 300, 1024, 1024};
	CHECK(cx_box_quantise(&framed, 512, 512, &q, &err) == 0, "a 512 px copy of a 1024 frame");
	CHECK(q.x1 == 68 && q.y1 == 49 && q.x2 == 88 && q.y2 == 78, "(68,49),(88,78) of the frame");
	CHECK(cx_box_quantise(&framed, 64, 64, &q, &err) == 0 && q.x1 == 68,
	      "and of a 64 px copy the same");
	CHECK_INT(cx_box_quantise(&framed, 1024, 800, &q, &err), CX_EINVAL,
		  "a file whose aspect ratio is not the frame's is refused");
	CHECK_STR(err.msg, "image 1024x800 does not have the aspect ratio of its boxes' 1024x1024"
		  " frame", "refusal message");
	CHECK(cx_box_frame_fits(2544, 3056, 426, 512) && !cx_box_frame_fits(2544, 3056, 430, 512),
	      "a resized copy fits its frame to a pixel of rounding, not more");
	struct cx_view_box out = {"x", -20, 900, 2000, 500, 0, 0};
	CHECK(cx_box_quantise(&out, 1000, 1000, &q, &err) == 0, "quantise outside");
	CHECK(q.x1 == 0 && q.y1 == 90 && q.x2 == 100 && q.y2 == 100, "clamped to 0..100");
	CHECK(cx_box_quantise(&b, 0, 800, &q, &err) == CX_EINVAL, "no width");
	struct cx_view_box two[] = {{"b", 500, 100, 50, 50, 0, 0}, {"a", 100, 600, 50, 50, 0, 0},
				    {"c", 100, 200, 50, 50, 0, 0}};
	struct cx_buf s = CX_BUF_INIT;
	CHECK(cx_boxes_format(&s, two, 3, 1000, 1000, 0, &err) == 0, "format");
	CHECK_STR(s.data,
		  "<box>(10,20),(15,25)</box><box>(10,60),(15,65)</box><box>(50,10),(55,15)</box>",
		  "sorted by (x1,y1)");
	cx_buf_reset(&s);
	CHECK(cx_boxes_format(&s, two, 1, 1000, 1000, 1, &err) == 0, "format with label");
	CHECK_STR(s.data, "<ref>b</ref><box>(50,10),(55,15)</box>", "label before box");
	CHECK(cx_boxes_format(&s, two, 0, 1000, 1000, 0, &err) == CX_EINVAL, "no boxes");
	cx_buf_release(&s);
}

static void test_braces(const struct cx_templates *t)
{
	struct cx_instance_view v;
	view_init(&v, "findings-summarization", "OpenI", "openi", "CXR12");
	v.report = &(struct cx_view_report){NULL, "Odd {impression} and {{x}} and } here.",
					     "Keep {findings} as is."};
	struct cx_rendered r;
	cx_rendered_init(&r);
	int ok = 1;
	for (uint64_t seed = 0; seed < 20 && ok; seed++) {
		ok &= render(t, &v, seed, &r) == 0;
		ok &= strstr(cx_buf_str(&r.instruction), v.report->findings) != NULL;
		ok &= !strcmp(cx_buf_str(&r.answer), v.report->impression);
	}
	CHECK(ok, "braces in reports are inserted verbatim, never expanded");
	view_init(&v, "close-ended-vqa", "SLAKE", "slake", "q9");
	v.qa = &(struct cx_view_qa){"Is {question} a placeholder?", "yes", 1};
	CHECK(render(t, &v, SEED, &r) == 0, "braces in a question");
	CHECK(strstr(cx_buf_str(&r.instruction), "Is {question} a placeholder?") != NULL,
	      "question with braces kept");
	cx_rendered_release(&r);
}

/* ------------------------------------------------------------------ */

struct expect {
	const char *form;
	const char *instruction;
	const char *answer;
	int correct;
};

static void check_render(const struct cx_templates *t, const struct cx_instance_view *v,
			 const struct expect *e)
{
	struct cx_rendered r;
	cx_rendered_init(&r);
	char what[128];
	snprintf(what, sizeof what, "%s renders", v->task);
	if (CHECK(render(t, v, SEED, &r) == 0, what)) {
		snprintf(what, sizeof what, "%s form", v->task);
		CHECK_STR(r.form, e->form, what);
		snprintf(what, sizeof what, "%s instruction", v->task);
		CHECK_STR(cx_buf_str(&r.instruction), e->instruction, what);
		snprintf(what, sizeof what, "%s answer", v->task);
		CHECK_STR(cx_buf_str(&r.answer), e->answer, what);
		snprintf(what, sizeof what, "%s correct option", v->task);
		CHECK_INT(r.correct, e->correct, what);
	}
	cx_rendered_release(&r);
}

static void test_every_task(const struct cx_templates *t)
{
	struct cx_instance_view v;

	view_init(&v, "image-classification", "MIMIC-CXR", "mimic-cxr", "k39");
	struct cx_view_labels labels = {"{\"Edema\": -1, \"Cardiomegaly\": 1, \"Pneumonia\": -1}",
					&cx_vocab_chexpert};
	v.labels = &labels;
	check_render(t, &v, /* a countable finding takes its article */
		     &(struct expect){"yesno", "Is there a lung lesion on this chest radiograph?",
				      "No", -1});
	v.key = "k5"; /* Edema -1 counts as positive */
	check_render(t, &v,
		     &(struct expect){"yesno", "Is this chest X-ray positive for edema?", "Yes", -1});
	v.key = "k0";
	check_render(t, &v,
		     &(struct expect){"list", "Name the conditions visible on this chest X-ray.",
				      "Cardiomegaly, Edema", -1});
	v.key = "k6";
	check_render(t, &v,
		     &(struct expect){"choice",
				      "Choose the option that lists exactly the findings seen on this "
				      "chest radiograph.\n"
				      "Options:\n"
				      "(a) Cardiomegaly, Atelectasis\n"
				      "(b) Cardiomegaly, Edema\n"
				      "(c) Fracture, Support Devices\n"
				      "(d) Enlarged Cardiomediastinum, Pneumonia",
				      "(b) Cardiomegaly, Edema", 1});
	v.dataset = "ChestX-ray14";
	v.source = "nih-chestxray14";
	labels.vocab = &cx_vocab_chestxray14;
	v.key = "n5"; /* released "No Finding": listed, never a choice (see test_fair_labels) */
	labels.json = "{\"No Finding\": 1}";
	check_render(t, &v,
		     &(struct expect){"list",
				      "Identify all findings visible in the given chest radiograph.",
				      "No Finding", -1});

	view_init(&v, "view-classification", "CheXpert", "chexpert",
		  "patient00001/study1/view1_frontal.jpg");
	v.image = &(struct cx_view_image){"LL", 0, 0};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Determine the acquisition view of this radiograph from these choices: "
				      "(A) AP, (B) PA, (C) LATERAL.",
				      "LATERAL", 2});
	v.key = "v4"; /* {options} inline */
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Which view is this chest X-ray? Choose one of "
				      "(a) AP, (b) LATERAL, (c) PA.",
				      "LATERAL", 1});
	v.key = "v6"; /* four options, LL kept */
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Identify the view position of this image.\n"
				      "Options:\n"
				      "(A) LATERAL\n"
				      "(B) AP\n"
				      "(C) LL\n"
				      "(D) PA",
				      "LL", 2});

	view_init(&v, "view-matching", "MIMIC-CXR", "mimic-cxr", "s50414267+s53189527");
	v.pair = &(struct cx_view_pair){0, NULL, NULL};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Check the two radiographs: same study or not?\n"
				      "Options:\n"
				      "(A) Yes\n"
				      "(B) No",
				      "No", 1});

	struct cx_view_box boxes[] = {{"Effusion", 700, 500, 200, 300, 1024, 1024},
				      {"Effusion", 80, 520, 150, 280, 1024, 1024}};
	view_init(&v, "abnormality-grounding", "ChestX-ray14", "nih-chestxray14",
		  "00013118_008.png/Effusion");
	v.boxes = &(struct cx_view_boxes){.label = "Effusion", .vocab = &cx_vocab_chestxray14,
					    .box = boxes, .n = 2};
	v.image = &(struct cx_view_image){NULL, 1024, 1024};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Locate an effusion in this chest X-ray, if present.",
				      "<box>(8,51),(22,78)</box><box>(68,49),(88,78)</box>", -1});

	/* localisation: a mask's box in the 1024 grid of SIIM-ACR, and a negative */
	struct cx_view_box ptx[] = {{"Pneumothorax", 110, 100, 349, 462, 1024, 1024},
				    {"Pneumothorax", 565, 180, 329, 397, 1024, 1024}};
	view_init(&v, "pneumothorax-localisation", "SIIM-ACR Pneumothorax", "siim-acr", "1.2.3");
	v.boxes = &(struct cx_view_boxes){.label = "Pneumothorax", .box = ptx, .n = 2};
	v.image = &(struct cx_view_image){NULL, 96, 96};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Find the collapsed-lung regions of this chest X-ray, as"
				      " bounding boxes, or say there are none.",
				      "<box>(11,10),(45,55)</box><box>(55,18),(87,56)</box>", -1});
	view_init(&v, "rib-fracture-localisation", "CANDID-PTX", "candid-ptx", "1.2.4");
	v.boxes = &(struct cx_view_boxes){.label = "Rib Fracture", .box = NULL, .n = 0};
	v.image = &(struct cx_view_image){NULL, 96, 96};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Check the ribs of this chest X-ray for fractures and outline"
				      " what you find with boxes.",
				      "No rib fracture detected.", -1});
	/* the task names its finding: boxes of another label are refused */
	v.boxes = &(struct cx_view_boxes){.label = "Chest Tube", .box = NULL, .n = 0};
	struct cx_draw ld;
	struct cx_task_out lo;
	struct cx_error lerr = {0};
	cx_draw_init(&ld, &v, 0);
	cx_task_out_init(&lo);
	CHECK(cx_task_find("rib-fracture-localisation")->render(&v, &ld, &lo, &lerr) == CX_EINVAL,
	      "rib fracture localisation of chest tube boxes: refused");
	CHECK_STR(lerr.msg, "rib-fracture-localisation: the instance is about 'Chest Tube', not"
		  " 'Rib Fracture'", "the refusal names both findings");
	cx_task_out_release(&lo);

	view_init(&v, "findings-generation", "MIMIC-CXR", "mimic-cxr", "s50414267");
	v.report = &(struct cx_view_report){"Cough and fever.", "Lungs are clear. No effusion.",
					     NULL};
	check_render(t, &v,
		     &(struct expect){"indication",
				      "Write the findings of this chest X-ray. "
				      "Reason for examination: Cough and fever.",
				      "Lungs are clear. No effusion.", -1});

	view_init(&v, "impression-generation", "OpenI", "openi", "CXR1");
	v.report = &(struct cx_view_report){NULL, NULL, "No acute cardiopulmonary disease."};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Give the diagnostic impression for the given chest X-ray study.",
				      "No acute cardiopulmonary disease.", -1});

	view_init(&v, "findings-summarization", "OpenI", "openi", "CXR2");
	v.report = &(struct cx_view_report){NULL, "Heart size normal. Small left effusion.",
					     "Small left pleural effusion."};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Summarize, as an impression, the findings a radiologist recorded: "
				      "Heart size normal. Small left effusion.",
				      "Small left pleural effusion.", -1});

	view_init(&v, "open-ended-vqa", "VQA-RAD", "vqa-rad", "q17");
	v.qa = &(struct cx_view_qa){"Where is the lesion?", "left lower lobe", 0};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Where is the lesion? Answer based on the chest radiograph.",
				      "left lower lobe", -1});

	view_init(&v, "close-ended-vqa", "SLAKE", "slake", "q8");
	v.qa = &(struct cx_view_qa){"Is the heart enlarged?", "NO", 1};
	check_render(t, &v,
		     &(struct expect){"yesno",
				      "Is the heart enlarged? Answer based on the chest radiograph.\n"
				      "Options:\n"
				      "(A) Yes\n"
				      "(B) No",
				      "No", 1});

	view_init(&v, "close-ended-vqa", "VQA-RAD", "vqa-rad", "q31");
	v.qa = &(struct cx_view_qa){"Is the lesion on the left or the right?", "left", 1};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Is the lesion on the left or the right? Give a short answer.",
				      "left", -1});

	view_init(&v, "image-text-matching", "MIMIC-CXR", "mimic-cxr", "s50414267/no");
	v.pair = &(struct cx_view_pair){0, "No acute process.", "Right lower lobe pneumonia."};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Answer yes or no: does this text go with the chest X-ray? "
				      "Right lower lobe pneumonia.",
				      "No", -1});

	view_init(&v, "image-text-selection", "MIMIC-CXR", "mimic-cxr", "s50414267");
	v.pair = &(struct cx_view_pair){1, "No acute process.", "Right lower lobe pneumonia."};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Only one of these reports goes with the image. Which one? "
				      "Answer with its marker.\n"
				      "Options:\n"
				      "(A) Right lower lobe pneumonia.\n"
				      "(B) No acute process.",
				      "(B)", 1});
}

/* The temporal tasks (MS-CXR-T): the finding of a pair label in running
 * text, the three progressions as options or a free answer; the relation of
 * two sentences as options or Yes/No (Yes: a paraphrase). */
static void test_temporal(const struct cx_templates *t)
{
	struct cx_instance_view v;
	view_init(&v, "temporal-image-classification", "MS-CXR-T", "ms-cxr-t", "a|b|edema");
	v.image_pair = &(struct cx_view_image_pair){"pleural_effusion_progression", "worsening"};
	check_render(t, &v,
		     &(struct expect){"open",
				      "Compare the prior radiograph with the current one and describe in"
				      " one word what happened to pleural effusion.",
				      "worsening", -1});
	v.key = "a|b|x";
	check_render(t, &v,
		     &(struct expect){"choice",
				      "Two radiographs of one patient are given, oldest first. Select the"
				      " option that fits the interval change in pleural effusion.\n"
				      "Options:\n"
				      "(1) stable\n"
				      "(2) worsening\n"
				      "(3) improving",
				      "worsening", 1});

	view_init(&v, "temporal-sentence-similarity", "MS-CXR-T", "ms-cxr-t", "3");
	v.text_pair = &(struct cx_view_text_pair){"Edema is unchanged.", "No change in the edema.",
						  "paraphrase"};
	check_render(t, &v,
		     &(struct expect){"yesno",
				      "Do both sentences convey the same interval change? Compare \"Edema"
				      " is unchanged.\" with \"No change in the edema.\"\n"
				      "Options:\n"
				      "(A) Yes\n"
				      "(B) No",
				      "Yes", 0});
	v.key = "6";
	v.text_pair = &(struct cx_view_text_pair){"The effusion is larger.",
						  "The effusion is smaller.", "contradiction"};
	check_render(t, &v,
		     &(struct expect){"choice",
				      "Which label fits this pair of report sentences? 1) \"The effusion"
				      " is larger.\" 2) \"The effusion is smaller.\"\n"
				      "Options:\n"
				      "(A) paraphrase\n"
				      "(B) contradiction",
				      "contradiction", 1});

	struct cx_rendered r;
	struct cx_error err = {0};
	cx_rendered_init(&r);
	view_init(&v, "temporal-image-classification", "MS-CXR-T", "ms-cxr-t", "x");
	v.image_pair = &(struct cx_view_image_pair){"edema_progression", "better"};
	CHECK(cx_render(t, &v, SEED, &r, &err) == CX_EINVAL, "progression 'better' refused");
	CHECK_STR(err.msg, "progression 'better' is not improving, stable or worsening",
		  "the refusal names the value");
	v.image_pair = &(struct cx_view_image_pair){"_progression", "stable"};
	CHECK(cx_render(t, &v, SEED, &r, &err) == CX_EINVAL, "a label without a finding refused");
	view_init(&v, "temporal-sentence-similarity", "MS-CXR-T", "ms-cxr-t", "x");
	v.text_pair = &(struct cx_view_text_pair){"A.", "B.", "entailment"};
	CHECK(cx_render(t, &v, SEED, &r, &err) == CX_EINVAL, "relation 'entailment' refused");
	CHECK_STR(err.msg, "relation 'entailment' is not paraphrase or contradiction",
		  "the refusal names the relation");
	cx_rendered_release(&r);
}

/* Phrases grounded by boxes (MS-CXR): the phrase to its boxes, each after
 * the phrase as its reference; the boxes to the phrase; the boxes and the
 * report section to the phrase, a span of the section (marked extractive:
 * audit's readable check does not apply). Boxes are normalised by their
 * 64 x 80 frame on a 32 x 40 copy of the image. */
static void test_phrase(const struct cx_templates *t)
{
	struct cx_view_box boxes[] = {{"Pleural Effusion", 37, 50, 20, 12, 64, 80},
				      {"Pleural Effusion", 7, 50, 20, 12, 64, 80}};
	struct cx_view_phrase phrase = {"small bilateral pleural effusions", boxes, 2,
					"Mild edema with small bilateral\n pleural effusions."};
	struct cx_view_image image = {"PA", 32, 40};
#define PHRASE "small bilateral pleural effusions"
#define KEY "d1|" PHRASE
#define BOXES "<box>(11,62),(42,78)</box><box>(58,62),(89,78)</box>"
	struct cx_instance_view v;
	view_init(&v, "phrase-grounding", "MS-CXR", "ms-cxr", KEY);
	v.phrase = &phrase;
	v.image = &image;
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Show with boxes where the image shows what the phrase \"" PHRASE
				      "\" describes.",
				      "<ref>" PHRASE "</ref><box>(11,62),(42,78)</box>"
				      "<ref>" PHRASE "</ref><box>(58,62),(89,78)</box>", -1});
	view_init(&v, "grounded-captioning", "MS-CXR", "ms-cxr", KEY);
	v.phrase = &phrase;
	v.image = &image;
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Name what this part of the image shows, in the words of a"
				      " report: " BOXES, PHRASE, -1});
	view_init(&v, "grounded-phrase-extraction", "MS-CXR", "ms-cxr", KEY);
	v.phrase = &phrase;
	v.image = &image;
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Read the report excerpt and extract the phrase about the marked"
				      " region(s) " BOXES ": Mild edema with " PHRASE ".",
				      PHRASE, -1});
#undef PHRASE
#undef KEY
#undef BOXES
	struct cx_rendered r;
	struct cx_error err = {0};
	cx_rendered_init(&r);
	CHECK(render(t, &v, SEED, &r) == 0 && r.extractive, "extraction is marked extractive");
	phrase.text = "Mild edema. No effusion.";
	CHECK(cx_render(t, &v, SEED, &r, &err) == CX_EINVAL, "a text without the phrase: refused");
	CHECK_STR(err.msg, "no section of the report holds the phrase", "the refusal says why");
	phrase.text = NULL;
	CHECK(cx_render(t, &v, SEED, &r, &err) == CX_EINVAL, "no text: refused");
	v.task = "grounded-captioning";
	CHECK(render(t, &v, SEED, &r) == 0 && !r.extractive, "captioning is not extractive");
	phrase.n = 0;
	CHECK(cx_render(t, &v, SEED, &r, &err) == CX_EINVAL, "a phrase without boxes: refused");
	CHECK_STR(err.msg, "no boxes for the phrase", "the refusal names the boxes");
	image.width = 40;
	phrase.n = 2;
	CHECK(cx_render(t, &v, SEED, &r, &err) == CX_EINVAL, "an image of another aspect: refused");
	cx_rendered_release(&r);
}

/* Defect 7: report line breaks, double spaces and a question's tab and
 * surrounding spaces never reach what is shown; the view keeps them. */
static void test_whitespace(const struct cx_templates *t)
{
	char squashed[] = "\t A  b\r\n\nc \v\f";
	CHECK_INT((long)cx_squash(squashed), 5, "cx_squash: new length");
	CHECK_STR(squashed, "A b c", "cx_squash: runs to one space, ends trimmed");
	char nbsp[] = "left\xc2\xa0 lung\xc2\xa0";
	CHECK_INT((long)cx_squash(nbsp), 9, "cx_squash: a no-break space is whitespace too");
	CHECK_STR(nbsp, "left lung", "cx_squash: no-break spaces squashed");
	char blank[] = " \n\t ";
	CHECK_INT((long)cx_squash(blank), 0, "cx_squash: only whitespace leaves nothing");
	struct cx_instance_view v;
	view_init(&v, "image-text-matching", "MIMIC-CXR", "mimic-cxr", "s50414267/no");
	const char *report = "FINDINGS:\n\n  Right lower lobe\n pneumonia.  ";
	v.pair = &(struct cx_view_pair){0, "No acute process.", report};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Answer yes or no: does this text go with the chest X-ray? "
				      "FINDINGS: Right lower lobe pneumonia.",
				      "No", -1});
	CHECK_STR(v.pair->other_text, "FINDINGS:\n\n  Right lower lobe\n pneumonia.  ",
		  "the view's text is left as released");
	view_init(&v, "image-text-selection", "MIMIC-CXR", "mimic-cxr", "s50414267");
	v.pair = &(struct cx_view_pair){1, "No acute\nprocess.", " Right  lower lobe\tpneumonia."};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Only one of these reports goes with the image. Which one? "
				      "Answer with its marker.\n"
				      "Options:\n"
				      "(A) Right lower lobe pneumonia.\n"
				      "(B) No acute process.",
				      "(B)", 1});
	view_init(&v, "open-ended-vqa", "VQA-RAD", "vqa-rad", "q17");
	v.qa = &(struct cx_view_qa){" Where is\tthe lesion? ", " left lower  lobe\n", 0};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Where is the lesion? Answer based on the chest radiograph.",
				      "left lower lobe", -1});
}

/* Defect 10: labels in sentences take their vocabulary's forms; a template
 * names no view its options may lack. */
static void test_grammar(const struct cx_templates *t)
{
	struct cx_rendered r;
	cx_rendered_init(&r);
	struct cx_view_box box[] = {{"Cardiomegaly", 300, 500, 400, 300, 1024, 1024}};
	struct cx_instance_view v;
	view_init(&v, "abnormality-grounding", "ChestX-ray14", "nih-chestxray14", "g1");
	v.image = &(struct cx_view_image){NULL, 1024, 1024};
	v.boxes = &(struct cx_view_boxes){.label = "Cardiomegaly", .vocab = &cx_vocab_chestxray14,
					  .box = box, .n = 1};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Draw bounding boxes around cardiomegaly on this chest radiograph,"
				      " or say that there is none.",
				      "<box>(29,49),(68,78)</box>", -1});
	v.key = "g2";
	v.boxes = &(struct cx_view_boxes){.label = "Mass", .vocab = &cx_vocab_chestxray14,
					  .box = box, .n = 1};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Ground a mass in this chest radiograph with bounding boxes, if it"
				      " is there.",
				      "<box>(29,49),(68,78)</box>", -1});
	/* a paired negative (rule boxes-few-paired): no box of the finding; the
	 * answer names it without its article */
	v.boxes = &(struct cx_view_boxes){.label = "Mass", .vocab = &cx_vocab_chestxray14,
					  .box = NULL, .n = 0};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Ground a mass in this chest radiograph with bounding boxes, if it"
				      " is there.",
				      "No mass detected.", -1});
	v.key = "g1";
	v.boxes = &(struct cx_view_boxes){.label = "Infiltrate", .vocab = &cx_vocab_chestxray14,
					  .box = box, .n = 1};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Draw bounding boxes around infiltrate on this chest radiograph, or"
				      " say that there is none.",
				      "<box>(29,49),(68,78)</box>", -1});
	view_init(&v, "image-classification", "CheXpert", "chexpert", "p25");
	v.labels = &(struct cx_view_labels){"{\"Pleural Other\": 1}", &cx_vocab_chexpert};
	check_render(t, &v,
		     &(struct expect){"yesno",
				      "Does this chest X-ray show a pleural abnormality other than"
				      " effusion?",
				      "Yes", -1});
	size_t n = cx_templates_count(t, "view-classification", "plain"), named = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = cx_templates_text(t, "view-classification", "plain", i);
		named += strstr(s, "AP") || strstr(s, "PA") || strstr(s, "ateral") ||
			 strstr(s, "LL") || strstr(s, "rontal");
	}
	CHECK_INT(named, 0, "no view-classification template names a view in words");
	cx_rendered_release(&r);
}

static void test_refusals(const struct cx_templates *t)
{
	struct cx_instance_view v;
	struct cx_rendered r;
	struct cx_error err = {0};
	cx_rendered_init(&r);
	view_init(&v, "view-classification", "CheXpert", "chexpert", "x");
	v.image = &(struct cx_view_image){"RL", 0, 0};
	CHECK(cx_render(t, &v, SEED, &r, &err) == CX_EINVAL, "view RL refused");
	CHECK_STR(err.msg, "view 'RL' is not PA, AP, LATERAL or LL", "view RL message");
	view_init(&v, "findings-generation", "OpenI", "openi", "x");
	v.report = &(struct cx_view_report){NULL, "  ", NULL};
	CHECK(cx_render(t, &v, SEED, &r, &err) == CX_EINVAL, "blank findings refused");
	CHECK_STR(err.msg, "no findings", "blank findings message");
	view_init(&v, "caption-generation", "ROCO", "roco", "x");
	CHECK(cx_render(t, &v, SEED, &r, &err) == CX_EINVAL, "unknown task refused");
	CHECK(r.form == NULL && r.instruction.len == 0, "nothing left behind after a refusal");
	cx_rendered_release(&r);
}

/* Foreign-object detection: boxes in the image's own pixels (frame 0 x 0),
 * normalised by the image's size, each labelled; a negative's sentence; a
 * box past its image refused, not clamped. */
static void test_foreign(const struct cx_templates *t)
{
	struct cx_instance_view v;
	struct cx_view_box b[] = {{"foreign object", 60, 40, 20, 20, 0, 0},
				  {"foreign object", 12, 20, 24, 14, 0, 0}};
	view_init(&v, "foreign-object-detection", "Object-CXR", "object-cxr", "train/00001.jpg");
	v.image = &(struct cx_view_image){NULL, 120, 100};
	v.boxes = &(struct cx_view_boxes){.label = "foreign object", .box = b, .n = 2};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Detect the foreign bodies visible in this image and locate"
				      " them with boxes.",
				      "<ref>foreign object</ref><box>(10,20),(30,34)</box>"
				      "<ref>foreign object</ref><box>(50,40),(67,60)</box>", -1});
	v.key = "train/00002.jpg";
	v.boxes = &(struct cx_view_boxes){.label = "foreign object", .n = 0};
	check_render(t, &v,
		     &(struct expect){"plain",
				      "Check this radiograph for foreign objects and draw a box"
				      " around each.",
				      "No foreign objects detected.", -1});
	struct cx_rendered r;
	struct cx_error err = {0};
	cx_rendered_init(&r);
	b[0].w = 61; /* to x = 121 of a 120-pixel-wide image */
	v.boxes = &(struct cx_view_boxes){.label = "foreign object", .box = b, .n = 2};
	CHECK(cx_render(t, &v, SEED, &r, &err) == CX_EINVAL, "a box past its image is refused");
	CHECK_STR(err.msg, "box 60,40,61,20 reaches past its 120x100 image",
		  "the refusal names the box and the image size");
	cx_rendered_release(&r);
}

/* What 200 keys of one label set rendered as. */
struct fair {
	int list, choice, yesno, candidates, failed;
	int mentions;   /* instructions naming `word` */
	int leaky;      /* choice options naming "No Finding" or "Pleural Other" */
	char answer[128]; /* the list answer (the last one seen) */
};

static void fair_run(const struct cx_templates *t, const struct cx_vocab *voc, const char *json,
		     const char *word, struct fair *f)
{
	struct cx_instance_view v;
	struct cx_view_labels labels = {json, voc};
	char key[16];
	memset(f, 0, sizeof *f);
	view_init(&v, "image-classification", "D", "d", key);
	v.labels = &labels;
	for (int k = 0; k < 200; k++) {
		snprintf(key, sizeof key, "f%d", k);
		struct cx_rendered r;
		cx_rendered_init(&r);
		struct cx_error err = {0};
		if (cx_render(t, &v, SEED, &r, &err)) {
			f->failed++;
			cx_rendered_release(&r);
			continue;
		}
		f->list += !strcmp(r.form, "list");
		f->yesno += !strcmp(r.form, "yesno");
		f->candidates += !strcmp(r.form, "candidates");
		if (!strcmp(r.form, "choice")) {
			f->choice++;
			for (size_t i = 0; i < r.noptions; i++)
				f->leaky += strstr(r.options[i], "No Finding") ||
					    strstr(r.options[i], "Pleural Other");
		}
		if (!strcmp(r.form, "list"))
			snprintf(f->answer, sizeof f->answer, "%s", cx_buf_str(&r.answer));
		f->mentions += word && strstr(cx_buf_str(&r.instruction), word) != NULL;
		cx_rendered_release(&r);
	}
}

/* What 200 keys of a binary vocabulary's label set rendered as. */
struct binary_run {
	int list, yesno, binary, failed, right, shuffled;
	int options_ok; /* binary questions whose two options are exactly the pair */
	char yes_answer[16];
	char list_answer[32];
};

static void binary_run(const struct cx_templates *t, const struct cx_vocab *voc,
		       const char *json, const char *yes, const char *no, int positive,
		       struct binary_run *b)
{
	struct cx_instance_view v;
	struct cx_view_labels labels = {json, voc};
	char key[16];
	memset(b, 0, sizeof *b);
	view_init(&v, "image-classification", "D", "d", key);
	v.labels = &labels;
	for (int k = 0; k < 200; k++) {
		snprintf(key, sizeof key, "b%d", k);
		struct cx_rendered r;
		cx_rendered_init(&r);
		struct cx_error err = {0};
		if (cx_render(t, &v, SEED, &r, &err)) {
			b->failed++;
			cx_rendered_release(&r);
			continue;
		}
		if (!strcmp(r.form, "list")) {
			b->list++;
			snprintf(b->list_answer, sizeof b->list_answer, "%s", cx_buf_str(&r.answer));
		}
		if (!strcmp(r.form, "yesno")) {
			b->yesno++;
			snprintf(b->yes_answer, sizeof b->yes_answer, "%s", cx_buf_str(&r.answer));
		}
		if (!strcmp(r.form, "binary") && r.noptions == 2) {
			b->binary++;
			int y = !strcmp(r.options[0], yes) ? 0 : !strcmp(r.options[1], yes) ? 1 : -1;
			b->options_ok += y >= 0 && !strcmp(r.options[1 - y], no);
			b->right += y >= 0 && r.correct == (positive ? y : 1 - y);
			b->shuffled += y == 1;
		}
		cx_rendered_release(&r);
	}
}

/* Binary vocabularies (RSNA, COVIDx): yes/no and the two-option form, both
 * for a stated 0 as for a 1; a list only when its answer is released (the
 * finding, or the release's own "none" label); never choice. */
static void test_binary_labels(const struct cx_templates *t)
{
	struct binary_run b;
	binary_run(t, &cx_vocab_pneumonia, "{\"Pneumonia\": 0, \"Normal\": 0}", "Pneumonia",
		   "No pneumonia", 0, &b);
	CHECK_INT(b.failed, 0, "RSNA Not Normal: renders (a stated 0 is an answer)");
	CHECK_INT(b.yesno + b.binary, 200, "RSNA Not Normal: yes/no or binary only (no list)");
	CHECK(b.yesno > 50 && b.binary > 50, "RSNA: both forms drawn");
	CHECK_INT(b.options_ok, b.binary, "RSNA: options are Pneumonia and No pneumonia");
	CHECK_INT(b.right, b.binary, "RSNA negative: No pneumonia is right");
	CHECK(b.shuffled > 0 && b.shuffled < b.binary, "RSNA: the two options are shuffled");
	CHECK_STR(b.yes_answer, "No", "RSNA negative: yes/no answers No");
	binary_run(t, &cx_vocab_pneumonia, "{\"Pneumonia\": 0, \"Normal\": 1}", "Pneumonia",
		   "No pneumonia", 0, &b);
	CHECK_INT(b.failed + b.right - b.binary, 0, "RSNA Normal: asked about pneumonia, No");
	CHECK(b.list > 0 && !strcmp(b.list_answer, "Normal"),
	      "RSNA Normal: also listed, as the release's own Normal");
	CHECK_INT(b.list + b.yesno + b.binary, 200, "RSNA Normal: list, yes/no or binary");
	binary_run(t, &cx_vocab_covid19, "{\"COVID-19\": 1}", "COVID-19", "No COVID-19", 1, &b);
	CHECK_INT(b.failed, 0, "COVIDx positive: renders");
	CHECK_INT(b.options_ok, b.binary, "COVIDx: options are COVID-19 and No COVID-19");
	CHECK_INT(b.right, b.binary, "COVIDx positive: COVID-19 is right");
	CHECK_STR(b.yes_answer, "Yes", "COVIDx positive: yes/no answers Yes");
	CHECK(b.list > 0 && !strcmp(b.list_answer, "COVID-19"), "COVIDx positive: listed");
	binary_run(t, &cx_vocab_covid19, "{\"COVID-19\": 0}", "COVID-19", "No COVID-19", 0, &b);
	CHECK_INT(b.list, 0, "COVIDx negative: never a list (it would be empty)");
	CHECK_INT(b.failed + b.yesno + b.binary, 200, "COVIDx negative: yes/no or binary");
	struct cx_label_set s;
	struct cx_error err = {0};
	CHECK(cx_labels_read(&cx_vocab_covid19, "{\"COVID-19\": 0}", &s, &err) == 0 &&
		      cx_labels_say(&s),
	      "a binary vocabulary's stated 0 says something (the rule keeps it)");
	cx_label_set_release(&s);
	CHECK(cx_labels_read(&cx_vocab_chestxray14, "{\"Edema\": 0}", &s, &err) == 0 &&
		      !cx_labels_say(&s),
	      "a 0 of a many-finding vocabulary does not");
	cx_label_set_release(&s);
}

/*
 * Issue 11, defects 1-3, over 200 keys each. (1) A choice question's right
 * option is made of findings only, the population its wrong options come
 * from: a released "No Finding" or a positive "Pleural Other" makes no
 * choice question, and no option names either. (2) "No Finding" answers only
 * when released: a set with no positive and no "No Finding" has no list or
 * choice form. (3) An uncertain label the rule leaves uncertain is never
 * asked; a released 0 is.
 */
static void test_fair_labels(const struct cx_templates *t)
{
	struct fair f;
	fair_run(t, &cx_vocab_chestxray14, "{\"No Finding\": 1}", NULL, &f);
	CHECK_INT(f.failed, 0, "NIH No Finding: renders");
	CHECK_INT(f.choice, 0, "NIH No Finding: no choice question");
	CHECK_INT(f.list + f.yesno, 200, "NIH No Finding: list or yes/no");
	CHECK_STR(f.answer, "No Finding", "NIH No Finding: listed as released");

	fair_run(t, &cx_vocab_chexpert, "{\"Pleural Other\": 1, \"Edema\": 1}", NULL, &f);
	CHECK_INT(f.choice, 0, "positive Pleural Other: no choice question");
	CHECK_STR(f.answer, "Edema, Pleural Other", "positive Pleural Other: listed");

	fair_run(t, &cx_vocab_chexpert, "{\"Cardiomegaly\": 1, \"Pleural Other\": 0}",
		 "pleural abnormality other than effusion", &f);
	CHECK(f.choice > 0, "Cardiomegaly: choice questions");
	CHECK_INT(f.leaky, 0, "no option of any choice names No Finding or Pleural Other");
	CHECK(f.mentions > 0, "a stated-negative Pleural Other is asked (answer No)");

	/* CheXpert study whose only label is an uncertain Lung Lesion: no list,
	 * no choice ("No Finding" would be inferred), and Lung Lesion never
	 * asked; the blanks are negatives by the vocabulary's rule. */
	fair_run(t, &cx_vocab_chexpert, "{\"Lung Lesion\": -1}", "lung lesion", &f);
	CHECK_INT(f.failed, 0, "uncertain Lung Lesion only: renders");
	CHECK_INT(f.list + f.choice, 0, "uncertain Lung Lesion only: no list or choice");
	CHECK_INT(f.yesno, 200, "uncertain Lung Lesion only: yes/no on a blank (No)");
	CHECK_INT(f.mentions, 0, "the uncertain Lung Lesion is never asked");

	fair_run(t, &cx_vocab_chexpert, "{\"Pneumonia\": -1, \"Edema\": 1}", "pneumonia", &f);
	CHECK_INT(f.mentions, 0, "Pneumonia -1 (stays uncertain) is never asked");
	CHECK_STR(f.answer, "Edema", "Pneumonia -1 is not listed either");
	fair_run(t, &cx_vocab_chexpert, "{\"Cardiomegaly\": -1, \"Edema\": 1}", "cardiomegaly",
		 &f);
	CHECK(f.mentions > 0, "Cardiomegaly -1 (read as 0 by the official rule) is asked");

	/* CXR-LT: a label a row leaves out is unknown. A 2023 row (26 of the 40)
	 * gets yes/no questions on its own labels only; a 2024 row, all forms. */
	struct cx_buf json = CX_BUF_INIT;
	cx_buf_adds(&json, "{");
	for (size_t i = 0; i < cx_vocab_cxr_lt.n; i++)
		cx_buf_addf(&json, "%s\"%s\": %d", i ? ", " : "", cx_vocab_cxr_lt.labels[i].name,
			    !strcmp(cx_vocab_cxr_lt.labels[i].name, "Tortuous Aorta"));
	cx_buf_adds(&json, "}");
	fair_run(t, &cx_vocab_cxr_lt, cx_buf_str(&json), NULL, &f);
	CHECK_INT(f.failed, 0, "CXR-LT, all 40 labels: renders");
	/* 38 findings: more than one question can show, so the candidates form
	 * (positives plus ten negatives, tasks/coarse.c) replaces the choice form */
	CHECK(f.list > 0 && f.candidates > 0 && f.yesno > 0,
	      "CXR-LT, all 40 labels: list, candidates and yes/no");
	CHECK_INT(f.choice, 0, "CXR-LT, all 40 labels: no four-set choice");
	CHECK_STR(f.answer, "Tortuous Aorta", "CXR-LT: listed in its display form");
	fair_run(t, &cx_vocab_cxr_lt, "{\"Tortuous Aorta\": 1, \"Mass\": 0}", "azygos", &f);
	CHECK_INT(f.list + f.choice + f.candidates, 0,
		  "CXR-LT, a partial row: no list, choice or candidates");
	CHECK_INT(f.yesno, 200, "CXR-LT, a partial row: yes/no");
	CHECK_INT(f.mentions, 0, "a label the row does not give (Azygos Lobe) is never asked");
	cx_buf_release(&json);
}

int main(void)
{
	struct cx_templates *t = load_real();
	if (!t)
		return t_done();
	test_real_templates(t);
	test_validation();
	test_determinism(t);
	test_option_styles(t);
	test_labels();
	test_boxes();
	test_braces(t);
	test_every_task(t);
	test_temporal(t);
	test_phrase(t);
	test_fair_labels(t);
	test_binary_labels(t);
	test_whitespace(t);
	test_grammar(t);
	test_refusals(t);
	test_foreign(t);
	cx_templates_free(t);
	return t_done();
}

/*
 * t-views.c - the typed parts of an instance view (tasks/tasks.h): every
 * renderer refuses a view without a part it needs, naming the task and the
 * part, and never reads a part that is not there; a part of another role does
 * not stand in for it; the parts of the fact kinds still to come (choice,
 * caption, text pair) filled by hand; and every adapter entry's rule declares
 * exactly the parts its task takes (catalogue/cat-view.c fills those).
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "t.h"
#include "tasks/tasks.h"

/* The parts the catalogue can fill, zero-filled, and their names. */
struct parts {
	struct cx_view_labels labels;
	struct cx_view_image image;
	struct cx_view_boxes boxes;
	struct cx_view_report report;
	struct cx_view_pair pair;
	struct cx_view_qa qa;
	struct cx_view_image_pair image_pair;
	struct cx_view_text_pair text_pair;
	struct cx_view_phrase phrase;
};

static const struct {
	unsigned bit;
	const char *name;
} part_names[] = {
	{CX_PART_LABELS, "labels"}, {CX_PART_IMAGE, "image"}, {CX_PART_BOXES, "boxes"},
	{CX_PART_REPORT, "report"}, {CX_PART_PAIR, "pair"},   {CX_PART_QA, "qa"},
	{CX_PART_IMAGE_PAIR, "image_pair"}, {CX_PART_TEXT_PAIR, "text_pair"},
	{CX_PART_PHRASE, "phrase"},
};

/* A view of task with the parts in bits pointing into p, the others NULL. */
static void view_with(struct cx_instance_view *v, struct parts *p, const char *task,
		      unsigned bits)
{
	memset(v, 0, sizeof *v);
	memset(p, 0, sizeof *p);
	v->task = task;
	v->dataset = "Demo";
	v->source = "demo";
	v->key = "k1";
	v->split = "train";
	v->labels = bits & CX_PART_LABELS ? &p->labels : NULL;
	v->image = bits & CX_PART_IMAGE ? &p->image : NULL;
	v->boxes = bits & CX_PART_BOXES ? &p->boxes : NULL;
	v->report = bits & CX_PART_REPORT ? &p->report : NULL;
	v->pair = bits & CX_PART_PAIR ? &p->pair : NULL;
	v->qa = bits & CX_PART_QA ? &p->qa : NULL;
	v->image_pair = bits & CX_PART_IMAGE_PAIR ? &p->image_pair : NULL;
	v->text_pair = bits & CX_PART_TEXT_PAIR ? &p->text_pair : NULL;
	v->phrase = bits & CX_PART_PHRASE ? &p->phrase : NULL;
}

/* Runs the task's renderer on v; its return code, err set on failure. */
static int run(const struct cx_instance_view *v, struct cx_error *err)
{
	const struct cx_task *t = cx_task_find(v->task);
	if (!t)
		return cx_error_set(err, CX_EINVAL, "no task '%s'", v->task);
	struct cx_draw d;
	struct cx_task_out o;
	cx_draw_init(&d, v, 42);
	cx_task_out_init(&o);
	memset(err, 0, sizeof *err);
	int rc = t->render(v, &d, &o, err);
	cx_task_out_release(&o);
	return rc;
}

/* 1 when err says a part is missing. */
static int names_a_part(const struct cx_error *err)
{
	return strstr(err->msg, ": the instance has no ") != NULL;
}

static void test_missing(void)
{
	static const struct {
		const char *task, *part;
	} need[] = {
		{"image-classification", "labels"},
		{"view-classification", "image"},
		{"view-matching", "pair"},
		{"abnormality-grounding", "boxes"},
		{"abnormality-detection", "boxes"},
		{"grounded-diagnosis", "boxes"},
		{"pneumothorax-localisation", "boxes"},
		{"rib-fracture-localisation", "boxes"},
		{"chest-tube-localisation", "boxes"},
		{"foreign-object-detection", "boxes"},
		{"findings-generation", "report"},
		{"impression-generation", "report"},
		{"spanish-report-generation", "report"},
		{"findings-summarization", "report"},
		{"open-ended-vqa", "qa"},
		{"close-ended-vqa", "qa"},
		{"image-text-matching", "pair"},
		{"image-text-selection", "pair"},
		{"temporal-image-classification", "image_pair"},
		{"temporal-sentence-similarity", "text_pair"},
		{"phrase-grounding", "phrase"},
		{"grounded-captioning", "phrase"},
		{"grounded-phrase-extraction", "phrase"},
	};
	CHECK_INT(CX_ARRAY_LEN(need), cx_task_count(), "every task is listed");
	struct cx_instance_view v;
	struct parts p;
	struct cx_error err;
	char want[160], what[160];
	for (size_t i = 0; i < CX_ARRAY_LEN(need); i++) {
		view_with(&v, &p, need[i].task, 0);
		snprintf(want, sizeof want, "%s: the instance has no %s part (its rule does not"
			 " declare it)", need[i].task, need[i].part);
		snprintf(what, sizeof what, "%s without parts: refused naming its %s part",
			 need[i].task, need[i].part);
		CHECK(run(&v, &err) == CX_EINVAL, what);
		CHECK_STR(err.msg, want, what);
	}
	/* Grounding needs the image part too: the boxes are sized by it. */
	view_with(&v, &p, "abnormality-grounding", CX_PART_BOXES);
	CHECK(run(&v, &err) == CX_EINVAL, "grounding with boxes but no image: refused");
	CHECK_STR(err.msg, "abnormality-grounding: the instance has no image part (its rule does"
		  " not declare it)", "grounding names the image part");
	/* So do the phrase tasks: a phrase's boxes are sized by it too. */
	view_with(&v, &p, "grounded-captioning", CX_PART_PHRASE);
	CHECK(run(&v, &err) == CX_EINVAL, "captioning with a phrase but no image: refused");
	CHECK_STR(err.msg, "grounded-captioning: the instance has no image part (its rule does"
		  " not declare it)", "captioning names the image part");
}

/* Parts of the fact kinds still to come, as a task wave will fill them. */
static void test_new_parts(void)
{
	static const char *const options[] = {"A:Left lung", "B:Right lung", "C:Heart",
					      "D:Trachea"};
	struct cx_view_choice choice = {"Where is the opacity?", options, 4, 1};
	struct cx_view_caption caption = {"Chest X-ray showing a right pleural effusion."};
	struct cx_view_text_pair pair = {"No effusion.", "There is no pleural effusion.",
					 "entailment"};
	struct cx_instance_view v = {.task = "multiple-choice-vqa", .dataset = "PMC-VQA",
				     .source = "pmc-vqa", .key = "q1", .split = "test",
				     .choice = &choice, .caption = &caption, .text_pair = &pair};
	struct cx_error err = {0};
	CHECK(cx_view_need(&v, v.choice, "choice", &err) == 0, "a choice part is taken");
	CHECK_STR(v.choice->options[v.choice->answer], "B:Right lung",
		  "the answer indexes the released options");
	CHECK(cx_view_need(&v, v.caption, "caption", &err) == 0, "a caption part is taken");
	CHECK(cx_view_need(&v, v.text_pair, "text_pair", &err) == 0, "a text pair part is taken");
	CHECK_STR(v.text_pair->relation, "entailment", "the relation as released");
	v.choice = NULL;
	CHECK(cx_view_need(&v, v.choice, "choice", &err) == CX_EINVAL, "no choice part: refused");
	CHECK_STR(err.msg, "multiple-choice-vqa: the instance has no choice part (its rule does"
		  " not declare it)", "the refusal names the task and the choice part");
	v.task = "caption-generation";
	v.caption = NULL;
	CHECK(cx_view_need(&v, v.caption, "caption", &err) == CX_EINVAL, "no caption: refused");
	CHECK_STR(err.msg, "caption-generation: the instance has no caption part (its rule does"
		  " not declare it)", "the refusal names the caption part");
	v.task = NULL;
	v.text_pair = NULL;
	CHECK(cx_view_need(&v, v.text_pair, "text_pair", &err) == CX_EINVAL,
	      "no text pair, no task: refused");
	CHECK_STR(err.msg, ": the instance has no text_pair part (its rule does not declare it)",
		  "a view without a task id still names the part");

	/* A part of another role never stands in for the one a renderer needs. */
	v = (struct cx_instance_view){.task = "close-ended-vqa", .key = "q1", .choice = &choice};
	CHECK(run(&v, &err) == CX_EINVAL, "close-ended VQA given a choice part: refused");
	CHECK_STR(err.msg, "close-ended-vqa: the instance has no qa part (its rule does not"
		  " declare it)", "it names the qa part");
	v = (struct cx_instance_view){.task = "image-text-matching", .key = "p1",
				      .text_pair = &pair};
	CHECK(run(&v, &err) == CX_EINVAL, "image-text matching given a text pair: refused");
	CHECK_STR(err.msg, "image-text-matching: the instance has no pair part (its rule does not"
		  " declare it)", "it names the pair part");
}

/* Every entry's rule declares each part its task needs (with all of them the
 * renderer names none missing) and no part its task does not take (without
 * any one of them the renderer names that one). */
static void test_entries(void)
{
	int entries = 0, complete = 1, needed = 1;
	for (size_t a = 0; a < cx_nadapters; a++)
		for (size_t e = 0; e < cx_adapters[a]->nentries; e++) {
			const struct cx_entry_def *d = &cx_adapters[a]->entries[e];
			unsigned parts = d->rule->parts;
			struct cx_instance_view v;
			struct parts p;
			struct cx_error err;
			entries++;
			view_with(&v, &p, d->task, parts);
			if (run(&v, &err) && names_a_part(&err)) {
				complete = 0;
				printf("#   %s/%s: %s\n", cx_adapters[a]->id, d->task, err.msg);
			}
			for (size_t i = 0; i < CX_ARRAY_LEN(part_names); i++) {
				if (!(parts & part_names[i].bit))
					continue;
				view_with(&v, &p, d->task, parts & ~part_names[i].bit);
				if (run(&v, &err) == 0 || !strstr(err.msg, part_names[i].name)) {
					needed = 0;
					printf("#   %s/%s does not take the %s part its rule %s"
					       " declares\n", cx_adapters[a]->id, d->task,
					       part_names[i].name, d->rule->name);
				}
			}
		}
	CHECK(entries > 0, "adapters have entries");
	CHECK(complete, "every entry's rule declares every part its task needs");
	CHECK(needed, "every part a rule declares is taken by its entries' tasks");
}

int main(void)
{
	test_missing();
	test_new_parts();
	test_entries();
	return t_done();
}

/*
 * t-detect.c - the renderers of abnormality detection and grounded
 * diagnosis (tasks/detect.c) through the real templates: one exact
 * rendering per form for a fixed seed, the negative's answer, the wrong
 * options of grounded diagnosis (never a finding the image has), the open
 * form where no choice can be fair, and the refusals. The views are built by
 * hand over ChestX-ray14's vocabulary (any dataset with boxes and a
 * vocabulary renders the same way).
 */
#include "cx.h"

#include "render/render.h"
#include "t.h"
#include "tasks/tasks.h"

#define SEED 42

static struct cx_templates *load_real(void)
{
	const char *r = getenv("CX_SOURCE_ROOT");
	struct cx_buf dir = CX_BUF_INIT;
	cx_buf_addf(&dir, "%s/templates", r && *r ? r : ".");
	struct cx_error err = {0};
	struct cx_templates *t;
	int rc = cx_templates_load(&t, dir.data, &err);
	cx_buf_release(&dir);
	if (!CHECK(rc == 0, "the real templates/ load"))
		printf("#   %s\n", err.msg);
	return rc ? NULL : t;
}

static void view_init(struct cx_instance_view *v, const char *task, const char *key)
{
	memset(v, 0, sizeof *v);
	v->task = task;
	v->dataset = "ChestX-ray14";
	v->source = "nih-chestxray14";
	v->key = key;
	v->split = "train";
}

struct expect {
	const char *form, *instruction, *answer;
	int correct;
};

static void check_render(const struct cx_templates *t, const struct cx_instance_view *v,
			 const struct expect *e)
{
	struct cx_rendered r;
	struct cx_error err = {0};
	char what[160];
	cx_rendered_init(&r);
	snprintf(what, sizeof what, "%s %s renders", v->task, v->key);
	if (CHECK(cx_render(t, v, SEED, &r, &err) == 0, what)) {
		snprintf(what, sizeof what, "%s %s: form", v->task, v->key);
		CHECK_STR(r.form, e->form, what);
		snprintf(what, sizeof what, "%s %s: instruction", v->task, v->key);
		CHECK_STR(cx_buf_str(&r.instruction), e->instruction, what);
		snprintf(what, sizeof what, "%s %s: answer", v->task, v->key);
		CHECK_STR(cx_buf_str(&r.answer), e->answer, what);
		snprintf(what, sizeof what, "%s %s: right option", v->task, v->key);
		CHECK_INT(r.correct, e->correct, what);
	} else {
		printf("#   %s\n", err.msg);
	}
	cx_rendered_release(&r);
}

/* A 1000 x 800 image with three boxes of two findings, one of them named by
 * a label the vocabulary does not know (shown as released). */
static const struct cx_view_box three[] = {
	{"Nodule", 600, 160, 100, 80, 0, 0},
	{"Effusion", 120, 320, 180, 176, 0, 0},
	{"Infiltrate", 100, 400, 50, 40, 0, 0},
};
static const struct cx_view_image image = {"PA", 1000, 800};

static void test_detection(const struct cx_templates *t)
{
	struct cx_instance_view v;
	view_init(&v, "abnormality-detection", "00000001_000.png");
	v.image = &image;
	v.boxes = &(struct cx_view_boxes){NULL, &cx_vocab_chestxray14, three, 3};
	check_render(t, &v,
		     &(struct expect){"plain", "Look over this chest X-ray and report every abnormal region, with its"
				      " name and coordinates.", "<ref>Infiltrate</ref><box>(10,50),(15,55)</box>"
				      "<ref>Effusion</ref><box>(12,40),(30,62)</box>"
				      "<ref>Nodule</ref><box>(60,20),(70,30)</box>", -1});
	/* a negative: an image released as "no finding", no box */
	view_init(&v, "abnormality-detection", "00000002_000.png");
	v.image = &image;
	v.boxes = &(struct cx_view_boxes){NULL, &cx_vocab_chestxray14, NULL, 0};
	check_render(t, &v, &(struct expect){"plain", "Mark every abnormality you can see on this radiograph and say what"
				      " each one is.", "No abnormality detected.", -1});
}

static void test_grounded(const struct cx_templates *t)
{
	struct cx_instance_view v;
	struct cx_view_labels labels = {"{\"Effusion\": 1, \"Nodule\": 1, \"Mass\": 0,"
					" \"Atelectasis\": 0, \"Edema\": 0, \"Hernia\": 0}",
					&cx_vocab_chestxray14};
	view_init(&v, "grounded-diagnosis", "00000001_000.png|Effusion");
	v.image = &image;
	v.labels = &labels;
	v.boxes = &(struct cx_view_boxes){"Effusion", &cx_vocab_chestxray14, three + 1, 1};
	/* wrong options: findings the labels give as 0 or leave out (absent
	 * is negative in ChestX-ray14), never the positive Nodule */
	check_render(t, &v,
		     &(struct expect){"choice",
				      "Classify the abnormality located at <box>(12,40),(30,62)</box>"
				      " in this X-ray.\n"
				      "Options:\n"
				      "(A) Effusion\n"
				      "(B) Atelectasis\n"
				      "(C) Pleural Thickening\n"
				      "(D) Mass",
				      "(A) Effusion", 0});
	v.key = "00000003_000.png|Effusion";
	check_render(t, &v,
		     &(struct expect){"open",
				      "What abnormality is seen in the region"
				      " <box>(12,40),(30,62)</box> of this chest X-ray?",
				      "Effusion", -1});
	/* without the image's labels no wrong option can be checked: open */
	v.key = "00000001_000.png|Effusion";
	labels.json = NULL;
	check_render(t, &v, &(struct expect){"open", "Identify the abnormality within the bounding boxes"
					     " <box>(12,40),(30,62)</box> on this X-ray.", "Effusion", -1});
	/* a box label the vocabulary does not name: open, named as released */
	labels.json = "{\"Infiltration\": 1}";
	v.boxes = &(struct cx_view_boxes){"Infiltrate", &cx_vocab_chestxray14, three + 2, 1};
	v.key = "00000001_000.png|Infiltrate";
	check_render(t, &v, &(struct expect){"open", "Tell me what the boxed region"
					     " <box>(10,50),(15,55)</box> of this image shows.", "Infiltrate", -1});
}

/* Over many instances, no wrong option is a finding the image has, and the
 * right one is always offered. */
static void test_fair_options(const struct cx_templates *t)
{
	struct cx_instance_view v;
	struct cx_view_labels labels = {"{\"Effusion\": 1, \"Nodule\": 1, \"Mass\": 1,"
					" \"Atelectasis\": 1, \"Edema\": 1}", &cx_vocab_chestxray14};
	char key[32];
	int choices = 0, fair = 1;
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof key, "img%d|Effusion", i);
		view_init(&v, "grounded-diagnosis", key);
		v.image = &image;
		v.labels = &labels;
		v.boxes = &(struct cx_view_boxes){"Effusion", &cx_vocab_chestxray14, three + 1, 1};
		struct cx_rendered r;
		struct cx_error err = {0};
		cx_rendered_init(&r);
		if (cx_render(t, &v, SEED, &r, &err) == 0 && r.noptions) {
			choices++;
			for (size_t k = 0; k < r.noptions; k++)
				if ((int)k != r.correct &&
				    (!strcmp(r.options[k], "Nodule") || !strcmp(r.options[k], "Mass") ||
				     !strcmp(r.options[k], "Atelectasis") ||
				     !strcmp(r.options[k], "Edema") || !strcmp(r.options[k], "Effusion")))
					fair = 0;
			fair &= r.noptions == 4 && !strcmp(r.options[r.correct], "Effusion");
		}
		cx_rendered_release(&r);
	}
	CHECK(choices > 60 && choices < 140, "about half the instances are asked with options");
	CHECK(fair, "four options, the right one Effusion, no wrong one a positive finding");
}

static void test_refusals(const struct cx_templates *t)
{
	struct cx_instance_view v;
	struct cx_rendered r;
	struct cx_error err = {0};
	cx_rendered_init(&r);
	view_init(&v, "grounded-diagnosis", "x|Effusion");
	v.image = &image;
	v.boxes = &(struct cx_view_boxes){"Effusion", &cx_vocab_chestxray14, three + 1, 1};
	CHECK_INT(cx_render(t, &v, SEED, &r, &err), CX_EINVAL, "grounded diagnosis without labels");
	CHECK_STR(err.msg, "grounded-diagnosis: the instance has no labels part (its rule does not"
		  " declare it)", "the refusal names the part");
	v.labels = &(struct cx_view_labels){"{}", &cx_vocab_chestxray14};
	v.boxes = &(struct cx_view_boxes){"Effusion", &cx_vocab_chestxray14, NULL, 0};
	CHECK_INT(cx_render(t, &v, SEED, &r, &err), CX_EINVAL, "a region of no box is refused");
	CHECK_STR(err.msg, "no boxes", "the refusal says so");
	v.boxes = &(struct cx_view_boxes){" ", &cx_vocab_chestxray14, three + 1, 1};
	CHECK_INT(cx_render(t, &v, SEED, &r, &err), CX_EINVAL, "a region of no finding");
	CHECK_STR(err.msg, "no finding to name", "the refusal says so");
	view_init(&v, "abnormality-detection", "x");
	v.image = &image;
	struct cx_view_box blank[] = {{"", 1, 1, 5, 5, 0, 0}};
	v.boxes = &(struct cx_view_boxes){NULL, NULL, blank, 1};
	CHECK_INT(cx_render(t, &v, SEED, &r, &err), CX_EINVAL, "a box without a label");
	CHECK_STR(err.msg, "a box without a finding", "the refusal says so");
	v.image = &(struct cx_view_image){"PA", 0, 0};
	v.boxes = &(struct cx_view_boxes){NULL, NULL, three, 1};
	CHECK_INT(cx_render(t, &v, SEED, &r, &err), CX_EINVAL, "boxes of an image of no size");
	CHECK_STR(err.msg, "no image size for the boxes (0x0)", "the refusal says so");
	cx_rendered_release(&r);
}

int main(void)
{
	struct cx_templates *t = load_real();
	if (!t)
		return t_done();
	test_detection(t);
	test_grounded(t);
	test_fair_options(t);
	test_refusals(t);
	cx_templates_free(t);
	return t_done();
}

/*
 * tasks.h - the task table and what the per-task renderers share.
 *
 * A task (image-classification, findings-generation, ...) has an id (= its
 * templates/<id>.txt), a title, a capability and one or more question forms.
 * A form says which placeholders its templates must use and which they may
 * use; the template loader (render/tmpl.c) checks every template against it.
 *
 * A task's render function turns a struct cx_instance_view into a struct
 * cx_task_out: the form it chose, the placeholder values, and either the
 * answer or a list of options with the right one. render/tmpl.c then picks a
 * template of that form, shows the options in a style and fills everything in.
 * Every choice comes from a struct cx_draw, a hash of the instance's identity
 * (task|source|key) under the seed, so the same instance and seed always
 * render the same text.
 *
 * This layer includes nothing of render/ (render/ builds on it): the view it
 * reads, the draws, the option list and the box syntax are all defined here.
 */
#ifndef CX_TASKS_H
#define CX_TASKS_H

#include "cx.h"

#include "vocab/vocab.h"

/* ------------------------------------------------------------------ */
/* What a task renders from                                           */

/* A box (top-left corner, width, height) in pixels of its frame: the frame
 * the release gives boxes in (adapters/adapter.h, struct cx_box_fact), or the
 * image's header size when the frame is 0 x 0. */
struct cx_view_box {
	const char *label;
	double x, y, w, h;
	int frame_width, frame_height;
};

/*
 * The facts of one instance, as the catalogue hands them to the renderer: the
 * identity every instance has, then typed parts by role. A part is there (its
 * pointer non-NULL) only when the instance's derivation rule declares it
 * (struct cx_rule's .parts, adapters/adapter.h); a renderer takes the parts
 * it needs with cx_view_need(), which refuses a missing one by name. All
 * strings are borrowed; a string of a part may be NULL when the catalogue
 * holds none.
 */

/* Labels as released (an object of 1, 0 or -1) and the dataset's vocabulary
 * (NULL when the dataset declares none). */
struct cx_view_labels {
	const char *json;
	const struct cx_vocab *vocab;
};

/* The instance's image: its view, and its size (0 when unknown). */
struct cx_view_image {
	const char *view;
	int width, height;
};

/* Boxes of one finding on the instance's image (sized by the image part). */
struct cx_view_boxes {
	const char *label; /* the finding the boxes are of, as released */
	const struct cx_vocab *vocab; /* the dataset's vocabulary, for its forms; or NULL */
	const struct cx_view_box *box;
	size_t n;
};

/* The sections of the study's report. */
struct cx_view_report {
	const char *indication;
	const char *findings;
	const char *impression;
};

/* A pair: flag 1 when the two go together (same study, matching text), 0 when
 * not, -1 when the instance has no flag. With texts (image-text matching and
 * selection), text is this study's report text and other_text another's; an
 * image pair shows both images and has no texts. */
struct cx_view_pair {
	int flag;
	const char *text;
	const char *other_text;
};

/* A question and its answer as released; closed 1 for a close-ended one. */
struct cx_view_qa {
	const char *question;
	const char *answer;
	int closed;
};

/* Parts of the fact kinds still to come (adapters/adapter.h): no rule fills
 * them yet. A task wave adds its rule, which declares the part, and the
 * part's filler in catalogue/cat-view.c. */

/* A multiple-choice question with the options the release gives (PMC-VQA). */
struct cx_view_choice {
	const char *question;
	const char *const *options;
	size_t noptions;
	int answer; /* 0-based index into options */
};

/* The caption of the instance's image (ROCO). */
struct cx_view_caption {
	const char *caption;
};

/* Two images compared under a finding (MS-CXR-T: the prior, shown first, and
 * the current image): the finding and the value as released ("improving",
 * "stable", "worsening"). */
struct cx_view_image_pair {
	const char *label;
	const char *value;
};

/* Two texts and their relation as released (RadNLI, MS-CXR-T sentences). */
struct cx_view_text_pair {
	const char *text1;
	const char *text2;
	const char *relation;
};

/* A phrase and its boxes on the instance's image (MS-CXR; wave 3, helper D):
 * the phrase as released, the boxes (each labelled with the category the
 * release gives the phrase, e.g. "Pneumonia"), and the section of the
 * image's study report that holds the phrase verbatim (NULL when none does,
 * or when the catalogue holds no report for the study). */
struct cx_view_phrase {
	const char *phrase;
	const struct cx_view_box *box;
	size_t n;
	const char *text;
};

struct cx_instance_view {
	const char *task;    /* task id, e.g. "image-classification" */
	const char *dataset; /* dataset display name, e.g. "MIMIC-CXR" */
	const char *source;  /* its source (adapter) id, e.g. "mimic-cxr" */
	const char *key;     /* instance key, unique within its entry */
	const char *split;   /* "train", "val" or "test" */
	const struct cx_view_labels *labels;
	const struct cx_view_image *image;
	const struct cx_view_boxes *boxes;
	const struct cx_view_report *report;
	const struct cx_view_pair *pair;
	const struct cx_view_qa *qa;
	const struct cx_view_choice *choice;
	const struct cx_view_caption *caption;
	const struct cx_view_text_pair *text_pair;
	const struct cx_view_image_pair *image_pair;
	const struct cx_view_phrase *phrase;
};

/* 0 when part (one of v's part pointers) is there; otherwise sets err to
 * "<task>: the instance has no <name> part" and returns CX_EINVAL. */
int cx_view_need(const struct cx_instance_view *v, const void *part, const char *name,
		 struct cx_error *err);

/* Options of one question, at most: the 26 markers of a style, (A) to (Z)
 * (image classification over a big vocabulary shows up to 26 labels). */
#define CX_MAX_OPTIONS 26

/* ------------------------------------------------------------------ */
/* Capabilities and tasks                                             */

struct cx_capability {
	const char *id;    /* e.g. "coarse-image-understanding" */
	const char *title; /* e.g. "Coarse-grained image understanding" */
};

size_t cx_capability_count(void);
const struct cx_capability *cx_capability_at(size_t i);
const struct cx_capability *cx_capability_find(const char *id);

struct cx_task_form {
	const char *name;
	const char *const *need; /* placeholders every template uses (NULL-ended) */
	const char *const *may;  /* placeholders a template may use (NULL-ended) */
};

struct cx_draw;
struct cx_task_out;

struct cx_task {
	const char *id;
	const char *title;
	const char *capability; /* a cx_capability id */
	const struct cx_task_form *forms;
	size_t nforms;
	int (*render)(const struct cx_instance_view *v, const struct cx_draw *d,
		      struct cx_task_out *o, struct cx_error *err);
};

/* The tasks in table order (by capability, then as in CheXinstruct). */
size_t cx_task_count(void);
const struct cx_task *cx_task_at(size_t i);
const struct cx_task *cx_task_find(const char *id);
const struct cx_task_form *cx_task_form_find(const struct cx_task *t, const char *name);
/* 1 when the form lets templates use {name} (needed or allowed). */
int cx_task_form_allows(const struct cx_task_form *f, const char *name);
/* 1 when the task's answer is by definition a span of a text its question
 * shows (grounded phrase extraction): audit's readable check, which looks
 * for answers the instruction spells out, does not apply to it. */
int cx_task_extractive(const struct cx_task *t);

/* ------------------------------------------------------------------ */
/* Deterministic draws                                                */

/* The hash of one instance under one seed; every choice is derived from it. */
struct cx_draw {
	uint64_t base;
};

/*
 * An instance's identity, "task|source|key" (task id, source id, instance
 * key): the one string every seeded choice about an instance hashes, here
 * (form, template, options) and in the catalogue, which registers it as the
 * SQL function cx_instance_id() for sample's order and the sharder's pick.
 * Task and source ids have no '|', so it is unambiguous. NULL counts as "".
 */
void cx_instance_identity(struct cx_buf *b, const char *task, const char *source,
			  const char *key);
/* base = xxHash(cx_instance_identity(task, source, key), seed). */
void cx_draw_init(struct cx_draw *d, const struct cx_instance_view *v, uint64_t seed);
/* A 64-bit value for the choice named what (e.g. "form", "template"). */
uint64_t cx_draw_u64(const struct cx_draw *d, const char *what);
/* A value in [0, n) for the choice named what; n > 0. */
size_t cx_draw_below(const struct cx_draw *d, const char *what, size_t n);
/* The i-th value of a sequence of draws named what (shuffles, retries). */
uint64_t cx_draw_nth(const struct cx_draw *d, const char *what, uint64_t i);

/* ------------------------------------------------------------------ */
/* What a task renderer hands to the template engine                 */

#define CX_MAX_SLOTS 8

/* With options, what the answer is: the option text ("PA"), the marker
 * ("(b)"), or both ("(B) Edema, Pleural Effusion"). */
enum cx_answer_mode { CX_ANSWER_TEXT, CX_ANSWER_MARKER, CX_ANSWER_BOTH };

struct cx_task_out {
	const char *form;                  /* a form name of the task's table */
	const char *names[CX_MAX_SLOTS];   /* placeholder names (static strings) */
	char *values[CX_MAX_SLOTS];        /* their values, owned */
	size_t nslots;
	struct cx_buf answer;              /* the answer when there are no options */
	char *options[CX_MAX_OPTIONS];     /* owned, in canonical order */
	size_t noptions;
	int correct;                       /* canonical index of the right option */
	unsigned right;                    /* a question with several right options: bit i
					      for canonical option i (correct is then the
					      first of them); 0 for one right option */
	int shuffle;                       /* 1: show the options in a drawn order */
	enum cx_answer_mode mode;
};

void cx_task_out_init(struct cx_task_out *o);
void cx_task_out_release(struct cx_task_out *o);
/* Sets placeholder name (a static string) to a copy of value. */
void cx_task_out_set(struct cx_task_out *o, const char *name, const char *value);
/* Adds an option (copied); returns its canonical index. */
size_t cx_task_out_option(struct cx_task_out *o, const char *text);

/* Picks one of n available form names with the "form" draw. */
const char *cx_pick_form(const struct cx_draw *d, const char *const *forms, size_t n);

/* 1 when s is NULL or only whitespace. */
int cx_blank(const char *s);

/* ------------------------------------------------------------------ */
/* Boxes (tasks/boxes.c)                                              */

/* A box as integer corners in 0..100 of the image's width and height. */
struct cx_qbox {
	int x1, y1, x2, y2;
};

/* 1 when an image of width x height (0: unknown) may show boxes of the frame
 * fw x fh (0: the image's own): the same aspect ratio, to a pixel of rounding. */
int cx_box_frame_fits(int fw, int fh, int width, int height);
/* Each corner v (x, x + w, y, y + h) becomes cx_box_coord(v, size) (0..100,
 * the official rounding), size being the box's frame, or width x height (the
 * image header's) when its frame is 0 x 0. Fails on a missing size, a
 * non-finite coordinate, or an image whose aspect ratio is not the frame's. */
int cx_box_quantise(const struct cx_view_box *b, int width, int height, struct cx_qbox *out,
		    struct cx_error *err);
/* Appends the boxes as "<box>(x1,y1),(x2,y2)</box>..." sorted by (x1, y1, x2,
 * y2); with_label puts "<ref>label</ref>" before each box. */
int cx_boxes_format(struct cx_buf *b, const struct cx_view_box *boxes, size_t n, int width,
		    int height, int with_label, struct cx_error *err);

/* ------------------------------------------------------------------ */
/* Labels (tasks/coarse.c)                                            */

/* A label's value in a cx_label_set when the record does not list it. */
#define CX_LABEL_ABSENT 2

/* The labels of one instance, read against its vocabulary. */
struct cx_label_set {
	const struct cx_vocab *vocab;
	signed char *value; /* vocab->n values, owned: 1, 0, -1 or CX_LABEL_ABSENT */
};

/* Reads labels_json (an object of 1 / 0 / -1) against vocabulary v: checks
 * every key and value, and reads each -1 as its label's `uncertain` says
 * (CheXpert: Atelectasis, Edema, Pleural Effusion positive; Cardiomegaly,
 * Consolidation negative; other -1 stay uncertain, not positive). Release the
 * set with cx_label_set_release(), also after a failure. */
int cx_labels_read(const struct cx_vocab *v, const char *labels_json, struct cx_label_set *out,
		   struct cx_error *err);
void cx_label_set_release(struct cx_label_set *s);
/* The positive findings' display forms, comma-joined in vocabulary order, or
 * the display form of the vocabulary's "none" label when there are none and
 * the release gives that label as 1 ("No Finding" is never inferred).
 * Returns 0, or -1 (nothing written) when nothing is positive and the
 * release does not say "none". */
int cx_labels_positive_text(const struct cx_label_set *s, struct cx_buf *b);
/* 1 when the set says what the image shows: a positive label (after the
 * uncertain rule) or the release's own "none" label as 1. A set that says
 * neither would be answered "No Finding" by inference: the labels rules
 * leave it out (through the catalogue's SQL function cx_labels_say). */
int cx_labels_say(const struct cx_label_set *s);

/* ------------------------------------------------------------------ */
/* The renderers (one file per capability group)                      */

int cx_render_image_classification(const struct cx_instance_view *v, const struct cx_draw *d,
				   struct cx_task_out *o, struct cx_error *err);
int cx_render_view_classification(const struct cx_instance_view *v, const struct cx_draw *d,
				  struct cx_task_out *o, struct cx_error *err);
int cx_render_view_matching(const struct cx_instance_view *v, const struct cx_draw *d,
			    struct cx_task_out *o, struct cx_error *err);
int cx_render_abnormality_grounding(const struct cx_instance_view *v, const struct cx_draw *d,
				    struct cx_task_out *o, struct cx_error *err);
/* Localisation (tasks/localise.c): the boxes of the task's finding, or a
 * sentence saying it is not seen. */
int cx_render_pneumothorax_localisation(const struct cx_instance_view *v,
					const struct cx_draw *d, struct cx_task_out *o,
					struct cx_error *err);
int cx_render_rib_fracture_localisation(const struct cx_instance_view *v,
					const struct cx_draw *d, struct cx_task_out *o,
					struct cx_error *err);
int cx_render_chest_tube_localisation(const struct cx_instance_view *v, const struct cx_draw *d,
				      struct cx_task_out *o, struct cx_error *err);
int cx_render_findings_generation(const struct cx_instance_view *v, const struct cx_draw *d,
				  struct cx_task_out *o, struct cx_error *err);
int cx_render_impression_generation(const struct cx_instance_view *v, const struct cx_draw *d,
				    struct cx_task_out *o, struct cx_error *err);
/* The report as released, in the language of its release (PadChest: Spanish,
 * pre-processed); the templates say which language the answer is in. */
int cx_render_spanish_report_generation(const struct cx_instance_view *v, const struct cx_draw *d,
					struct cx_task_out *o, struct cx_error *err);
int cx_render_findings_summarization(const struct cx_instance_view *v, const struct cx_draw *d,
				     struct cx_task_out *o, struct cx_error *err);
int cx_render_open_vqa(const struct cx_instance_view *v, const struct cx_draw *d,
		       struct cx_task_out *o, struct cx_error *err);
int cx_render_close_vqa(const struct cx_instance_view *v, const struct cx_draw *d,
			struct cx_task_out *o, struct cx_error *err);
int cx_render_image_text_matching(const struct cx_instance_view *v, const struct cx_draw *d,
				  struct cx_task_out *o, struct cx_error *err);
int cx_render_image_text_selection(const struct cx_instance_view *v, const struct cx_draw *d,
				   struct cx_task_out *o, struct cx_error *err);
int cx_render_temporal_image_classification(const struct cx_instance_view *v,
					    const struct cx_draw *d, struct cx_task_out *o,
					    struct cx_error *err);
int cx_render_temporal_sentence_similarity(const struct cx_instance_view *v,
					   const struct cx_draw *d, struct cx_task_out *o,
					   struct cx_error *err);

/* Wave 3, fine-grained image understanding over boxes (tasks/detect.c). */
/* Every finding of the image with its labelled boxes, or "No abnormality
 * detected." for an image released as "no finding" without boxes. */
int cx_render_abnormality_detection(const struct cx_instance_view *v, const struct cx_draw *d,
				    struct cx_task_out *o, struct cx_error *err);
/* The region of one finding given as boxes; the answer names the finding,
 * freely or as one of four options. */
int cx_render_grounded_diagnosis(const struct cx_instance_view *v, const struct cx_draw *d,
				 struct cx_task_out *o, struct cx_error *err);
/* Phrases grounded by boxes (tasks/phrase.c; wave 3, helper D). */
int cx_render_phrase_grounding(const struct cx_instance_view *v, const struct cx_draw *d,
			       struct cx_task_out *o, struct cx_error *err);
int cx_render_grounded_captioning(const struct cx_instance_view *v, const struct cx_draw *d,
				  struct cx_task_out *o, struct cx_error *err);
int cx_render_grounded_phrase_extraction(const struct cx_instance_view *v,
					 const struct cx_draw *d, struct cx_task_out *o,
					 struct cx_error *err);

/* Wave 3, foreign-object detection (tasks/foreign.c, helper C). */
int cx_render_foreign_object_detection(const struct cx_instance_view *v,
				       const struct cx_draw *d, struct cx_task_out *o,
				       struct cx_error *err);

#endif

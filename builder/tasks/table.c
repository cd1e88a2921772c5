/*
 * table.c - the capability and task tables, the deterministic draws and the
 * struct cx_task_out helpers every renderer uses.
 *
 * The table is the single place that says which forms a task has and which
 * placeholders each form's templates may use; render/tmpl.c validates the
 * template files against it, so a template can never ask for a value its
 * renderer does not provide.
 */
#include "cx.h"

#include <ctype.h>

#include "tasks/tasks.h"

static const struct cx_capability capabilities[] = {
	{"coarse-image-understanding", "Coarse-grained image understanding"},
	{"fine-image-understanding", "Fine-grained image understanding"},
	{"text-generation", "Text generation"},
	{"question-answering", "Question answering"},
	{"miscellaneous", "Miscellaneous"},
};

size_t cx_capability_count(void) { return CX_ARRAY_LEN(capabilities); }

const struct cx_capability *cx_capability_at(size_t i)
{
	return i < CX_ARRAY_LEN(capabilities) ? &capabilities[i] : NULL;
}

const struct cx_capability *cx_capability_find(const char *id)
{
	for (size_t i = 0; i < CX_ARRAY_LEN(capabilities); i++)
		if (!strcmp(capabilities[i].id, id))
			return &capabilities[i];
	return NULL;
}

/* Placeholder lists, NULL-ended. */
static const char *const none[] = {NULL};
static const char *const options[] = {"options", NULL};
static const char *const disease[] = {"disease", NULL};
static const char *const indication[] = {"indication", NULL};
static const char *const findings[] = {"findings", NULL};
static const char *const text[] = {"text", NULL};
static const char *const question[] = {"question", NULL};
static const char *const sentences[] = {"first", "second", NULL};
static const char *const boxes[] = {"boxes", NULL};

static const struct cx_task_form classification_forms[] = {
	{"list", none, none},
	{"choice", none, options},
	{"yesno", disease, none},
	{"candidates", none, options},
	{"binary", disease, options}, /* one-finding vocabularies (coarse.c) */
};
static const struct cx_task_form options_form[] = {{"plain", none, options}};
static const struct cx_task_form disease_form[] = {{"plain", disease, none}};
static const struct cx_task_form generation_forms[] = {
	{"plain", none, none},
	{"indication", indication, none},
};
static const struct cx_task_form plain_form[] = {{"plain", none, none}};
static const struct cx_task_form findings_form[] = {{"plain", findings, none}};
static const struct cx_task_form text_form[] = {{"plain", text, none}};
static const struct cx_task_form question_form[] = {{"plain", question, none}};
static const struct cx_task_form close_forms[] = {
	{"yesno", question, options},
	{"plain", question, none},
};

static const struct cx_task_form temporal_image_forms[] = {
	{"choice", disease, options},
	{"open", disease, none},
};
static const char *const phrase[] = {"phrase", NULL};
static const char *const boxes_text[] = {"boxes", "text", NULL};
static const struct cx_task_form phrase_form[] = {{"plain", phrase, none}};
static const struct cx_task_form boxes_form[] = {{"plain", boxes, none}};
static const struct cx_task_form boxes_text_form[] = {{"plain", boxes_text, none}};
static const struct cx_task_form temporal_text_forms[] = {
	{"choice", sentences, options},
	{"yesno", sentences, options},
};

/* Grounded diagnosis: the region's boxes; the finding named freely or
 * chosen (tasks/detect.c). */
static const struct cx_task_form grounded_forms[] = {
	{"choice", boxes, options},
	{"open", boxes, none},
};

#define FORMS(f) f, CX_ARRAY_LEN(f)

static const struct cx_task tasks[] = {
	{"image-classification", "Image Classification", "coarse-image-understanding",
	 FORMS(classification_forms), cx_render_image_classification},
	{"temporal-image-classification", "Temporal Image Classification",
	 "coarse-image-understanding", FORMS(temporal_image_forms),
	 cx_render_temporal_image_classification},
	{"view-classification", "View Classification", "coarse-image-understanding",
	 FORMS(options_form), cx_render_view_classification},
	{"view-matching", "View Matching", "coarse-image-understanding", FORMS(options_form),
	 cx_render_view_matching},
	{"abnormality-grounding", "Abnormality Grounding", "fine-image-understanding",
	 FORMS(disease_form), cx_render_abnormality_grounding},
	{"abnormality-detection", "Abnormality Detection", "fine-image-understanding",
	 FORMS(plain_form), cx_render_abnormality_detection},
	{"grounded-diagnosis", "Grounded Diagnosis", "fine-image-understanding",
	 FORMS(grounded_forms), cx_render_grounded_diagnosis},
	{"pneumothorax-localisation", "Pneumothorax Localisation", "fine-image-understanding",
	 FORMS(plain_form), cx_render_pneumothorax_localisation},
	{"rib-fracture-localisation", "Rib Fracture Localisation", "fine-image-understanding",
	 FORMS(plain_form), cx_render_rib_fracture_localisation},
	{"chest-tube-localisation", "Chest Tube Localisation", "fine-image-understanding",
	 FORMS(plain_form), cx_render_chest_tube_localisation},
	{"foreign-object-detection", "Foreign Object Detection", "fine-image-understanding",
	 FORMS(plain_form), cx_render_foreign_object_detection},
	{"phrase-grounding", "Phrase Grounding", "fine-image-understanding", FORMS(phrase_form),
	 cx_render_phrase_grounding},
	{"grounded-captioning", "Grounded Captioning", "fine-image-understanding",
	 FORMS(boxes_form), cx_render_grounded_captioning},
	{"grounded-phrase-extraction", "Grounded Phrase Extraction", "fine-image-understanding",
	 FORMS(boxes_text_form), cx_render_grounded_phrase_extraction},
	{"findings-generation", "Findings Generation", "text-generation",
	 FORMS(generation_forms), cx_render_findings_generation},
	{"impression-generation", "Impression Generation", "text-generation",
	 FORMS(generation_forms), cx_render_impression_generation},
	{"spanish-report-generation", "Report Generation (Spanish)", "text-generation",
	 FORMS(plain_form), cx_render_spanish_report_generation},
	{"findings-summarization", "Findings Summarization", "text-generation",
	 FORMS(findings_form), cx_render_findings_summarization},
	{"open-ended-vqa", "Open-Ended VQA", "question-answering", FORMS(question_form),
	 cx_render_open_vqa},
	{"close-ended-vqa", "Close-Ended VQA", "question-answering", FORMS(close_forms),
	 cx_render_close_vqa},
	{"image-text-matching", "Image-Text Matching", "miscellaneous", FORMS(text_form),
	 cx_render_image_text_matching},
	{"image-text-selection", "Image-Text Selection", "miscellaneous", FORMS(options_form),
	 cx_render_image_text_selection},
	{"temporal-sentence-similarity", "Temporal Sentence Similarity", "miscellaneous",
	 FORMS(temporal_text_forms), cx_render_temporal_sentence_similarity},
};

size_t cx_task_count(void) { return CX_ARRAY_LEN(tasks); }

const struct cx_task *cx_task_at(size_t i) { return i < CX_ARRAY_LEN(tasks) ? &tasks[i] : NULL; }

/* Tasks whose answer is a span of the text they show (tasks.h). */
static const char *const extractive[] = {"grounded-phrase-extraction"};

int cx_task_extractive(const struct cx_task *t)
{
	for (size_t i = 0; t && i < CX_ARRAY_LEN(extractive); i++)
		if (!strcmp(t->id, extractive[i]))
			return 1;
	return 0;
}

const struct cx_task *cx_task_find(const char *id)
{
	for (size_t i = 0; id && i < CX_ARRAY_LEN(tasks); i++)
		if (!strcmp(tasks[i].id, id))
			return &tasks[i];
	return NULL;
}

const struct cx_task_form *cx_task_form_find(const struct cx_task *t, const char *name)
{
	for (size_t i = 0; i < t->nforms; i++)
		if (!strcmp(t->forms[i].name, name))
			return &t->forms[i];
	return NULL;
}

static int listed(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (!strcmp(*list, name))
			return 1;
	return 0;
}

int cx_task_form_allows(const struct cx_task_form *f, const char *name)
{
	return listed(f->need, name) || listed(f->may, name);
}

void cx_instance_identity(struct cx_buf *b, const char *task, const char *source,
			  const char *key)
{
	cx_buf_addf(b, "%s|%s|%s", task ? task : "", source ? source : "", key ? key : "");
}

/* Draws hash the identity the sharder selects by, not the display name:
 * renaming a dataset must not change its instances' text. */
void cx_draw_init(struct cx_draw *d, const struct cx_instance_view *v, uint64_t seed)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_instance_identity(&b, v->task, v->source, v->key);
	d->base = cx_hash64(b.data, b.len, seed);
	cx_buf_release(&b);
}

uint64_t cx_draw_u64(const struct cx_draw *d, const char *what)
{
	return cx_hash_str(what, d->base);
}

size_t cx_draw_below(const struct cx_draw *d, const char *what, size_t n)
{
	return (size_t)(cx_draw_u64(d, what) % n);
}

uint64_t cx_draw_nth(const struct cx_draw *d, const char *what, uint64_t i)
{
	return cx_hash64(&i, sizeof i, cx_draw_u64(d, what));
}

void cx_task_out_init(struct cx_task_out *o)
{
	memset(o, 0, sizeof *o);
	o->correct = -1;
	o->mode = CX_ANSWER_TEXT;
}

void cx_task_out_release(struct cx_task_out *o)
{
	for (size_t i = 0; i < o->nslots; i++)
		free(o->values[i]);
	for (size_t i = 0; i < o->noptions; i++)
		free(o->options[i]);
	cx_buf_release(&o->answer);
	cx_task_out_init(o);
}

void cx_task_out_set(struct cx_task_out *o, const char *name, const char *value)
{
	for (size_t i = 0; i < o->nslots; i++)
		if (!strcmp(o->names[i], name)) {
			free(o->values[i]);
			o->values[i] = cx_strdup(value);
			return;
		}
	if (o->nslots == CX_MAX_SLOTS)
		abort(); /* a renderer bug: no task has this many placeholders */
	o->names[o->nslots] = name;
	o->values[o->nslots++] = cx_strdup(value);
}

size_t cx_task_out_option(struct cx_task_out *o, const char *text)
{
	if (o->noptions == CX_MAX_OPTIONS)
		abort(); /* a renderer bug: no task has this many options */
	o->options[o->noptions] = cx_strdup(text);
	return o->noptions++;
}

const char *cx_pick_form(const struct cx_draw *d, const char *const *forms, size_t n)
{
	return forms[cx_draw_below(d, "form", n)];
}

int cx_blank(const char *s)
{
	if (!s)
		return 1;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* A part is missing when the instance's rule does not declare it: a task fed
 * by a rule that fills other parts, which the message names for whoever
 * wires an entry to the wrong rule. */
int cx_view_need(const struct cx_instance_view *v, const void *part, const char *name,
		 struct cx_error *err)
{
	if (part)
		return 0;
	return cx_error_set(err, CX_EINVAL, "%s: the instance has no %s part (its rule does not"
			    " declare it)", v->task ? v->task : "", name);
}

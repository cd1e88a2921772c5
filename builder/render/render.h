/*
 * render.h - turning catalogue facts into (instruction, answer) text.
 *
 * The catalogue (builder/catalogue/) fills a struct cx_instance_view with the
 * facts of one instance; cx_render() picks a question form and a template for
 * it deterministically from (instance key, seed) with xxHash, fills the
 * template's named placeholders and writes the answer. Nothing here touches
 * SQLite; everything here is pure and deterministic.
 *
 * Templates live in templates/<task>.txt (format: templates/README.md).
 */
#ifndef CX_RENDER_H
#define CX_RENDER_H

#include "cx.h"

/* A box in pixels of its image (top-left corner, width, height). */
struct cx_view_box {
	const char *label;
	double x, y, w, h;
};

/* The facts of one instance, as the catalogue hands them to the renderer.
 * Fields a task does not use are NULL / 0. All strings are borrowed. */
struct cx_instance_view {
	const char *task;        /* task id, e.g. "image-classification" */
	const char *dataset;     /* dataset display name, e.g. "MIMIC-CXR" */
	const char *key;         /* instance key, unique within its entry */
	const char *split;       /* "train", "val" or "test" */
	const char *labels_json; /* JSON object of labels as released: 1, 0 or -1 */
	const char *view;        /* view of the image (view classification) */
	int flag;                /* pairs: 1 = same study / matching text, 0 = not */
	const char *label;       /* grounding: the finding the boxes are of */
	const struct cx_view_box *boxes;
	size_t nboxes;
	int image_width, image_height; /* of the image the boxes are on */
	const char *indication;
	const char *findings;
	const char *impression;
	const char *text;        /* matching/selection: this study's report text */
	const char *other_text;  /* matching/selection: another study's text */
	const char *question;
	const char *answer;
	int closed;
};

#define CX_MAX_OPTIONS 8

struct cx_rendered {
	struct cx_buf instruction;
	struct cx_buf answer;
	char *form;                      /* question form used, e.g. "choice" */
	int template_index;              /* 0-based index within the form */
	char *options[CX_MAX_OPTIONS];   /* option texts as shown, without markers */
	size_t noptions;
	int correct;                     /* index of the right option, or -1 */
};

struct cx_templates;

/* Loads and validates every templates/<task>.txt in dir. An error names the
 * file and line (unknown placeholder, fewer than ten templates in a form,
 * a duplicate, an unknown form). */
int cx_templates_load(struct cx_templates **out, const char *dir, struct cx_error *err);
void cx_templates_free(struct cx_templates *t);
/* xxHash of all template files' bytes (names and contents, in name order). */
uint64_t cx_templates_fingerprint(const struct cx_templates *t);
/* 1 when the task has a template file. */
int cx_templates_has_task(const struct cx_templates *t, const char *task);

void cx_rendered_init(struct cx_rendered *r);
void cx_rendered_release(struct cx_rendered *r);
/* Renders one instance. Returns 0, or a negative code with err set (for
 * example an instance whose facts give no answer). */
int cx_render(const struct cx_templates *t, const struct cx_instance_view *v, uint64_t seed,
	      struct cx_rendered *out, struct cx_error *err);

#endif

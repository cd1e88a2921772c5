/*
 * render.h - turning catalogue facts into (instruction, answer) text.
 *
 * The catalogue (builder/catalogue/) fills a struct cx_instance_view
 * (tasks/tasks.h) with the facts of one instance; cx_render() has the task's
 * renderer (builder/tasks/) choose a question form and its answer, then picks
 * a template for it deterministically from (instance key, seed) with xxHash,
 * fills the template's named placeholders and shows the options. Nothing
 * here touches SQLite; everything here is pure and deterministic.
 *
 * render/ uses tasks/ (the task table, draws, what a task renders); tasks/
 * never includes anything of render/, so the dependency runs one way.
 *
 * Templates live in templates/<task>.txt (format: templates/README.md).
 */
#ifndef CX_RENDER_H
#define CX_RENDER_H

#include "cx.h"

#include "tasks/tasks.h"

struct cx_rendered {
	struct cx_buf instruction;
	struct cx_buf answer;
	char *form;                      /* question form used, e.g. "choice" */
	int template_index;              /* 0-based index within the form */
	char *options[CX_MAX_OPTIONS];   /* option texts as shown, without markers */
	size_t noptions;
	int correct;                     /* index of the (first) right option, or -1 */
	unsigned right;                  /* bit k: the option shown at k is right (one bit,
					    unless the form has several right options) */
	int extractive;                  /* the task's answer is a span of the text it
					    shows (cx_task_extractive) */
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

/* ------------------------------------------------------------------ */
/* Loaded templates (render/tmpl.c), for tests and listings           */

/* Number of templates of a task's form (0 when absent), and the i-th. */
size_t cx_templates_count(const struct cx_templates *t, const char *task, const char *form);
const char *cx_templates_text(const struct cx_templates *t, const char *task, const char *form,
			      size_t i);

/* ------------------------------------------------------------------ */
/* Options (render/options.c)                                         */

enum cx_option_style { CX_STYLE_UPPER, CX_STYLE_LOWER, CX_STYLE_NUMBER };
#define CX_NSTYLES 3

/* The style drawn for an instance ("style" draw). */
enum cx_option_style cx_option_style_draw(const struct cx_draw *d);
/* "(A)", "(a)" or "(1)" for position i (0-based, i < 26). */
void cx_option_marker(enum cx_option_style s, size_t i, char out[8]);
/* perm[k] = canonical index of the option shown at position k: an xxHash-
 * seeded Fisher-Yates shuffle of 0..n-1 (identity when shuffle is 0). */
void cx_option_order(const struct cx_draw *d, int shuffle, size_t *perm, size_t n);
/* "(A) one\n(B) two" (list) or "(A) one, (B) two" (inline). */
void cx_options_format(struct cx_buf *b, enum cx_option_style s, char *const *texts, size_t n,
		       int inline_form);

#endif

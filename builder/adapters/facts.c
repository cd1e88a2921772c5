/*
 * facts.c - the table of fact kinds (adapter.h): for every kind its struct's
 * columns, the keys it refers to, how the catalogue writes it, what makes a
 * fact of it wrong whatever the catalogue holds, and its one-line text form.
 *
 * Why a table: the catalogue (copying a row's facts until the row is
 * accounted for, inserting, deleting a source), the test recorder and the
 * checks all walk the same description, so a new kind is one entry here plus
 * its struct, its catalogue table and its typed wrapper.
 */
#include "cx.h"

#include <math.h>
#include <stddef.h>

#include "adapters/adapter.h"

#define NONE CX_FACT_COUNT
#define COL(S, M, T, REF, FL) {#M, T, offsetof(S, M), 0, REF, FL}
#define LIST(S, M, N, T) {#M, T, offsetof(S, M), offsetof(S, N), NONE, 0}
#define TEXT(S, M) COL(S, M, CX_COL_TEXT, NONE, 0)
#define NEED(S, M) COL(S, M, CX_COL_TEXT, NONE, CX_COL_REQUIRED)
#define KEY(S, M) COL(S, M, CX_COL_TEXT, NONE, CX_COL_REQUIRED | CX_COL_KEY)
#define REF(S, M, K) COL(S, M, CX_COL_TEXT, CX_FACT_##K, CX_COL_REQUIRED)
#define REF_OPT(S, M, K) COL(S, M, CX_COL_TEXT, CX_FACT_##K, 0)
#define INT(S, M) COL(S, M, CX_COL_INT, NONE, 0)
#define REAL(S, M) COL(S, M, CX_COL_REAL, NONE, 0)
#define SPLIT(S) COL(S, split, CX_COL_SPLIT, NONE, 0)

/* --- Columns of each kind ------------------------------------------------ */

static const struct cx_fact_col image_cols[] = {
	KEY(struct cx_image_fact, key), TEXT(struct cx_image_fact, path),
	TEXT(struct cx_image_fact, patient), TEXT(struct cx_image_fact, study),
	TEXT(struct cx_image_fact, view), SPLIT(struct cx_image_fact),
	TEXT(struct cx_image_fact, sex), INT(struct cx_image_fact, age),
	TEXT(struct cx_image_fact, race), INT(struct cx_image_fact, width),
	INT(struct cx_image_fact, height),
};
static const struct cx_fact_col study_cols[] = {
	KEY(struct cx_study_fact, key), TEXT(struct cx_study_fact, patient),
	SPLIT(struct cx_study_fact),
};
static const struct cx_fact_col labels_cols[] = {
	NEED(struct cx_labels_fact, target),
	COL(struct cx_labels_fact, on_study, CX_COL_BOOL, NONE, 0),
	LIST(struct cx_labels_fact, labels, n, CX_COL_LABELS),
};
static const struct cx_fact_col box_cols[] = {
	REF(struct cx_box_fact, image, IMAGE), NEED(struct cx_box_fact, label),
	REAL(struct cx_box_fact, x), REAL(struct cx_box_fact, y),
	REAL(struct cx_box_fact, w), REAL(struct cx_box_fact, h),
	INT(struct cx_box_fact, frame_width), INT(struct cx_box_fact, frame_height),
};
static const struct cx_fact_col report_cols[] = {
	REF(struct cx_report_fact, study, STUDY), TEXT(struct cx_report_fact, indication),
	TEXT(struct cx_report_fact, comparison), TEXT(struct cx_report_fact, findings),
	TEXT(struct cx_report_fact, impression), TEXT(struct cx_report_fact, last_paragraph),
};
static const struct cx_fact_col qa_cols[] = {
	KEY(struct cx_qa_fact, key), REF(struct cx_qa_fact, image, IMAGE),
	NEED(struct cx_qa_fact, question), NEED(struct cx_qa_fact, answer),
	COL(struct cx_qa_fact, closed, CX_COL_BOOL, NONE, 0), TEXT(struct cx_qa_fact, qtype),
	SPLIT(struct cx_qa_fact),
};
static const struct cx_fact_col image_pair_cols[] = {
	REF(struct cx_image_pair_fact, image, IMAGE), REF(struct cx_image_pair_fact, other, IMAGE),
	NEED(struct cx_image_pair_fact, label), NEED(struct cx_image_pair_fact, value),
	SPLIT(struct cx_image_pair_fact),
};
static const struct cx_fact_col text_pair_cols[] = {
	TEXT(struct cx_text_pair_fact, key), NEED(struct cx_text_pair_fact, text1),
	NEED(struct cx_text_pair_fact, text2), NEED(struct cx_text_pair_fact, relation),
	SPLIT(struct cx_text_pair_fact),
};
static const struct cx_fact_col phrase_box_cols[] = {
	REF(struct cx_phrase_box_fact, image, IMAGE), NEED(struct cx_phrase_box_fact, label),
	NEED(struct cx_phrase_box_fact, phrase), REAL(struct cx_phrase_box_fact, x),
	REAL(struct cx_phrase_box_fact, y), REAL(struct cx_phrase_box_fact, w),
	REAL(struct cx_phrase_box_fact, h), INT(struct cx_phrase_box_fact, frame_width),
	INT(struct cx_phrase_box_fact, frame_height), SPLIT(struct cx_phrase_box_fact),
};
static const struct cx_fact_col choice_cols[] = {
	TEXT(struct cx_choice_fact, key), REF(struct cx_choice_fact, image, IMAGE),
	NEED(struct cx_choice_fact, question),
	LIST(struct cx_choice_fact, options, noptions, CX_COL_TEXTS),
	INT(struct cx_choice_fact, answer), SPLIT(struct cx_choice_fact),
};
static const struct cx_fact_col history_qa_cols[] = {
	REF(struct cx_history_qa_fact, study, STUDY), NEED(struct cx_history_qa_fact, question),
	LIST(struct cx_history_qa_fact, answers, nanswers, CX_COL_TEXTS),
	LIST(struct cx_history_qa_fact, history, nhistory, CX_COL_TURNS),
	LIST(struct cx_history_qa_fact, options, noptions, CX_COL_TEXTS),
	TEXT(struct cx_history_qa_fact, answer_type), TEXT(struct cx_history_qa_fact, path),
	SPLIT(struct cx_history_qa_fact),
};
static const struct cx_fact_col span_qa_cols[] = {
	TEXT(struct cx_span_qa_fact, key), NEED(struct cx_span_qa_fact, context),
	NEED(struct cx_span_qa_fact, question), TEXT(struct cx_span_qa_fact, answer),
	COL(struct cx_span_qa_fact, start, CX_COL_LONG, NONE, 0), SPLIT(struct cx_span_qa_fact),
};
static const struct cx_fact_col entity_cols[] = {
	REF(struct cx_entity_fact, note, NOTE), NEED(struct cx_entity_fact, key),
	NEED(struct cx_entity_fact, tokens), INT(struct cx_entity_fact, start),
	INT(struct cx_entity_fact, end), NEED(struct cx_entity_fact, label),
	LIST(struct cx_entity_fact, relations, nrelations, CX_COL_RELATIONS),
};
static const struct cx_fact_col candidate_cols[] = {
	REF(struct cx_candidate_fact, study, STUDY), NEED(struct cx_candidate_fact, method),
	NEED(struct cx_candidate_fact, text),
	LIST(struct cx_candidate_fact, errors, nerrors, CX_COL_COUNTS),
};
static const struct cx_fact_col explanation_cols[] = {
	TEXT(struct cx_explanation_fact, key), REF_OPT(struct cx_explanation_fact, study, STUDY),
	REF_OPT(struct cx_explanation_fact, image, IMAGE),
	LIST(struct cx_explanation_fact, labels, nlabels, CX_COL_TEXTS),
	NEED(struct cx_explanation_fact, text), SPLIT(struct cx_explanation_fact),
};
static const struct cx_fact_col caption_cols[] = {
	REF(struct cx_caption_fact, image, IMAGE), NEED(struct cx_caption_fact, caption),
};
static const struct cx_fact_col note_cols[] = {
	KEY(struct cx_note_fact, key), NEED(struct cx_note_fact, text),
	LIST(struct cx_note_fact, sections, nsections, CX_COL_SECTIONS),
	SPLIT(struct cx_note_fact),
};

/* --- Checks: what is wrong whatever the catalogue holds ------------------ */

static int check_xywh(double x, double y, double w, double h, struct cx_error *err)
{
	if (!isfinite(x) || !isfinite(y) || !isfinite(w) || !isfinite(h) || x < 0 || y < 0 ||
	    w <= 0 || h <= 0)
		return cx_error_set(err, CX_EFORMAT, "bad box %g,%g,%g,%g", x, y, w, h);
	return 0;
}

/* In its frame, and of some area once quantised as the renderer will (the
 * frame is known here unless it is the image header's, 0 x 0). */
static int check_framed(double x, double y, double w, double h, int fw, int fh,
			struct cx_error *err)
{
	if (check_xywh(x, y, w, h, err))
		return err->code;
	if (fw < 0 || fh < 0 || (fw == 0) != (fh == 0))
		return cx_error_set(err, CX_EFORMAT, "box frame %dx%d", fw, fh);
	if (!fw)
		return 0;
	if (x + w > fw || y + h > fh)
		return cx_error_set(err, CX_EFORMAT, "box %g,%g,%g,%g outside its %dx%d frame", x, y,
				    w, h, fw, fh);
	if (cx_box_coord(x, fw) == cx_box_coord(x + w, fw) ||
	    cx_box_coord(y, fh) == cx_box_coord(y + h, fh))
		return cx_error_set(err, CX_EFORMAT, "box %g,%g,%g,%g has zero area on the 0-100"
				    " grid of its %dx%d frame", x, y, w, h, fw, fh);
	return 0;
}

static int check_box(const void *fact, struct cx_error *err)
{
	const struct cx_box_fact *f = fact;
	return check_framed(f->x, f->y, f->w, f->h, f->frame_width, f->frame_height, err);
}

static int check_phrase_box(const void *fact, struct cx_error *err)
{
	const struct cx_phrase_box_fact *f = fact;
	return check_framed(f->x, f->y, f->w, f->h, f->frame_width, f->frame_height, err);
}

static int check_choice(const void *fact, struct cx_error *err)
{
	const struct cx_choice_fact *f = fact;
	if (f->noptions < 2)
		return cx_error_set(err, CX_EFORMAT, "question with %zu options", f->noptions);
	for (size_t i = 0; i < f->noptions; i++)
		if (!f->options[i] || !f->options[i][0])
			return cx_error_set(err, CX_EFORMAT, "option %zu is empty", i + 1);
	if (f->answer < 0 || (size_t)f->answer >= f->noptions)
		return cx_error_set(err, CX_EFORMAT, "answer %d is not one of %zu options",
				    f->answer, f->noptions);
	return 0;
}

static int check_history_qa(const void *fact, struct cx_error *err)
{
	const struct cx_history_qa_fact *f = fact;
	if (!f->nanswers)
		return cx_error_set(err, CX_EFORMAT, "question without an answer");
	for (size_t i = 0; i < f->nhistory; i++)
		if (!f->history[i].question || (f->history[i].nanswers && !f->history[i].answers))
			return cx_error_set(err, CX_EFORMAT, "history turn %zu is incomplete", i + 1);
	return 0;
}

/* Byte offset of code point n of s, or -1 when s is shorter. SQuAD offsets
 * count characters (Python str indices), not bytes. */
static long byte_offset(const char *s, long n)
{
	long b = 0;
	for (; n > 0; n--) {
		if (!s[b])
			return -1;
		b++;
		while ((s[b] & 0xC0) == 0x80)
			b++;
	}
	return b;
}

static int check_span_qa(const void *fact, struct cx_error *err)
{
	const struct cx_span_qa_fact *f = fact;
	if (!f->answer)
		return f->start == -1 ? 0
				      : cx_error_set(err, CX_EFORMAT,
						     "start %ld without an answer", f->start);
	long b = f->start >= 0 ? byte_offset(f->context, f->start) : -1;
	if (b < 0 || strncmp(f->context + b, f->answer, strlen(f->answer)))
		return cx_error_set(err, CX_EFORMAT, "answer '%s' is not at character %ld",
				    f->answer, f->start);
	return 0;
}

static int check_entity(const void *fact, struct cx_error *err)
{
	const struct cx_entity_fact *f = fact;
	if (f->start < 0 || f->end < f->start)
		return cx_error_set(err, CX_EFORMAT, "entity %s: bad token span %d-%d", f->key,
				    f->start, f->end);
	for (size_t i = 0; i < f->nrelations; i++)
		if (!f->relations[i].type || !f->relations[i].target)
			return cx_error_set(err, CX_EFORMAT, "entity %s: relation %zu incomplete",
					    f->key, i + 1);
	return 0;
}

static int check_candidate(const void *fact, struct cx_error *err)
{
	const struct cx_candidate_fact *f = fact;
	for (size_t i = 0; i < f->nerrors; i++) {
		const struct cx_error_count *e = &f->errors[i];
		if (e->category < 1 || e->count < 0 || (e->significant != 0 && e->significant != 1))
			return cx_error_set(err, CX_EFORMAT,
					    "bad error count (category %d, significant %d, %d)",
					    e->category, e->significant, e->count);
	}
	return 0;
}

static int check_explanation(const void *fact, struct cx_error *err)
{
	const struct cx_explanation_fact *f = fact;
	if ((!f->study || !f->study[0]) && (!f->image || !f->image[0]))
		return cx_error_set(err, CX_EFORMAT, "explanation names no study and no image");
	return 0;
}

static int check_note(const void *fact, struct cx_error *err)
{
	const struct cx_note_fact *f = fact;
	for (size_t i = 0; i < f->nsections; i++)
		if (!f->sections[i].name || !f->sections[i].text)
			return cx_error_set(err, CX_EFORMAT, "note %s: section %zu incomplete",
					    f->key, i + 1);
	return 0;
}

/* --- Text forms of the first six kinds (the adapters' golden fact logs) --- */

static void kv(struct cx_buf *b, const char *k, const char *v)
{
	if (!v)
		return;
	cx_buf_addf(b, " %s=", k);
	cx_buf_add_json_str(b, v);
}

static void format_image(const void *fact, struct cx_buf *out)
{
	const struct cx_image_fact *f = fact;
	cx_buf_adds(out, f->path ? "image" : "image-update");
	kv(out, "key", f->key);
	kv(out, "path", f->path);
	kv(out, "patient", f->patient);
	kv(out, "study", f->study);
	kv(out, "view", f->view);
	if (f->split)
		kv(out, "split", cx_split_name(f->split));
	kv(out, "sex", f->sex);
	if (f->age >= 0)
		cx_buf_addf(out, " age=%d", f->age);
	kv(out, "race", f->race);
	if (f->width >= 0 || f->height >= 0)
		cx_buf_addf(out, " size=%dx%d", f->width, f->height);
}

static void format_labels(const void *fact, struct cx_buf *out)
{
	const struct cx_labels_fact *f = fact;
	cx_buf_addf(out, "labels %s", f->on_study ? "study" : "image");
	kv(out, "target", f->target);
	for (size_t i = 0; i < f->n; i++)
		cx_buf_addf(out, "%s%s=%d", i ? "," : " ", f->labels[i].name, f->labels[i].value);
}

static void format_box(const void *fact, struct cx_buf *out)
{
	const struct cx_box_fact *f = fact;
	cx_buf_adds(out, "box");
	kv(out, "image", f->image);
	kv(out, "label", f->label);
	cx_buf_addf(out, " xywh=%.3f,%.3f,%.3f,%.3f", f->x, f->y, f->w, f->h);
	if (f->frame_width)
		cx_buf_addf(out, " frame=%dx%d", f->frame_width, f->frame_height);
}

static void format_qa(const void *fact, struct cx_buf *out)
{
	const struct cx_qa_fact *f = fact;
	cx_buf_adds(out, "qa");
	kv(out, "key", f->key);
	kv(out, "image", f->image);
	cx_buf_addf(out, " closed=%d", f->closed);
	kv(out, "qtype", f->qtype);
	kv(out, "split", cx_split_name(f->split));
	kv(out, "q", f->question);
	kv(out, "a", f->answer);
}

/* --- The table ------------------------------------------------------------ */

#define KIND(ID, NAME, NOUN, S, COLS, W, CHECK, FORMAT, DEL)                                   \
	[CX_FACT_##ID] = {CX_FACT_##ID, NAME, NOUN, sizeof(S), COLS, CX_ARRAY_LEN(COLS), W,     \
			  CHECK, FORMAT, DEL}

const struct cx_fact_kind cx_fact_kinds[CX_FACT_COUNT] = {
	KIND(IMAGE, "image", "image", struct cx_image_fact, image_cols, CX_WRITE_IMAGE, NULL,
	     format_image, NULL),
	KIND(STUDY, "study", "study", struct cx_study_fact, study_cols, CX_WRITE_STUDY, NULL,
	     NULL, NULL),
	KIND(LABELS, "labels", "labels", struct cx_labels_fact, labels_cols, CX_WRITE_LABELS,
	     NULL, format_labels, ""),
	KIND(BOX, "box", "box", struct cx_box_fact, box_cols, CX_WRITE_ROW, check_box,
	     format_box, NULL),
	KIND(REPORT, "report", "report", struct cx_report_fact, report_cols, CX_WRITE_REPLACE,
	     NULL, NULL, NULL),
	KIND(QA, "qa", "question", struct cx_qa_fact, qa_cols, CX_WRITE_ROW, NULL, format_qa,
	     NULL),
	KIND(IMAGE_PAIR, "image_pair", "image pair", struct cx_image_pair_fact, image_pair_cols,
	     CX_WRITE_ROW, NULL, NULL, NULL),
	KIND(TEXT_PAIR, "text_pair", "text pair", struct cx_text_pair_fact, text_pair_cols,
	     CX_WRITE_ROW, NULL, NULL, NULL),
	KIND(PHRASE_BOX, "phrase_box", "phrase box", struct cx_phrase_box_fact, phrase_box_cols,
	     CX_WRITE_ROW, check_phrase_box, NULL, NULL),
	KIND(CHOICE, "choice", "question", struct cx_choice_fact, choice_cols, CX_WRITE_ROW,
	     check_choice, NULL, NULL),
	KIND(HISTORY_QA, "history_qa", "question", struct cx_history_qa_fact, history_qa_cols,
	     CX_WRITE_ROW, check_history_qa, NULL, NULL),
	KIND(SPAN_QA, "span_qa", "question", struct cx_span_qa_fact, span_qa_cols, CX_WRITE_ROW,
	     check_span_qa, NULL, NULL),
	KIND(ENTITY, "entity", "entity", struct cx_entity_fact, entity_cols, CX_WRITE_ROW,
	     check_entity, NULL, NULL),
	KIND(CANDIDATE, "candidate", "candidate report", struct cx_candidate_fact,
	     candidate_cols, CX_WRITE_ROW, check_candidate, NULL, NULL),
	KIND(EXPLANATION, "explanation", "explanation", struct cx_explanation_fact,
	     explanation_cols, CX_WRITE_ROW, check_explanation, NULL, NULL),
	KIND(CAPTION, "caption", "caption", struct cx_caption_fact, caption_cols, CX_WRITE_ROW,
	     NULL, NULL, NULL),
	KIND(NOTE, "note", "note", struct cx_note_fact, note_cols, CX_WRITE_ROW, check_note,
	     NULL, NULL),
};

/* --- Generic parts: checking, JSON of lists, the generic text form -------- */

int cx_fact_check(const struct cx_fact_kind *k, const void *fact, struct cx_error *err)
{
	for (size_t i = 0; i < k->ncols; i++) {
		const struct cx_fact_col *c = &k->cols[i];
		const void *m = (const char *)fact + c->off;
		if ((c->flags & CX_COL_REQUIRED) && !*(const char *const *)m)
			return cx_error_set(err, CX_EFORMAT, "%s without %s", k->noun, c->name);
		if (c->type >= CX_COL_TEXTS && !*(const void *const *)m &&
		    *(const size_t *)((const char *)fact + c->count_off))
			return cx_error_set(err, CX_EINVAL, "%s: %s counted but not given", k->noun,
					    c->name);
	}
	return k->check ? k->check(fact, err) : 0;
}

static size_t list_len(const struct cx_fact_col *c, const void *fact)
{
	return *(const size_t *)((const char *)fact + c->count_off);
}

static const void *member(const struct cx_fact_col *c, const void *fact)
{
	return (const char *)fact + c->off;
}

static void json_texts(struct cx_buf *out, const char *const *v, size_t n)
{
	cx_buf_addc(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			cx_buf_addc(out, ',');
		cx_buf_add_json_str(out, v[i] ? v[i] : "");
	}
	cx_buf_addc(out, ']');
}

static void json_pair(struct cx_buf *out, size_t i, const char *a, const char *b)
{
	cx_buf_adds(out, i ? ",[" : "[");
	cx_buf_add_json_str(out, a ? a : "");
	cx_buf_addc(out, ',');
	cx_buf_add_json_str(out, b ? b : "");
	cx_buf_addc(out, ']');
}

void cx_fact_col_json(const struct cx_fact_col *c, const void *fact, struct cx_buf *out)
{
	size_t n = list_len(c, fact);
	const void *v = *(const void *const *)member(c, fact);
	cx_buf_addc(out, c->type == CX_COL_LABELS ? '{' : '[');
	for (size_t i = 0; i < n; i++) {
		switch (c->type) {
		case CX_COL_TEXTS: {
			const char *t = ((const char *const *)v)[i];
			cx_buf_adds(out, i ? "," : "");
			cx_buf_add_json_str(out, t ? t : "");
			break;
		}
		case CX_COL_LABELS: {
			const struct cx_label *l = &((const struct cx_label *)v)[i];
			cx_buf_adds(out, i ? "," : "");
			cx_buf_add_json_str(out, l->name);
			cx_buf_addf(out, ":%d", l->value);
			break;
		}
		case CX_COL_SECTIONS: {
			const struct cx_section *s = &((const struct cx_section *)v)[i];
			json_pair(out, i, s->name, s->text);
			break;
		}
		case CX_COL_RELATIONS: {
			const struct cx_relation *r = &((const struct cx_relation *)v)[i];
			json_pair(out, i, r->type, r->target);
			break;
		}
		case CX_COL_TURNS: {
			const struct cx_qa_turn *t = &((const struct cx_qa_turn *)v)[i];
			cx_buf_adds(out, i ? ",[" : "[");
			cx_buf_add_json_str(out, t->question);
			cx_buf_addc(out, ',');
			json_texts(out, t->answers, t->nanswers);
			cx_buf_addc(out, ']');
			break;
		}
		case CX_COL_COUNTS: {
			const struct cx_error_count *e = &((const struct cx_error_count *)v)[i];
			cx_buf_addf(out, "%s[%d,%d,%d,%d]", i ? "," : "", e->rater, e->category,
				    e->significant, e->count);
			break;
		}
		default:
			break;
		}
	}
	cx_buf_addc(out, c->type == CX_COL_LABELS ? '}' : ']');
}

void cx_fact_format_generic(const struct cx_fact_kind *k, const void *fact, struct cx_buf *out)
{
	cx_buf_adds(out, k->name);
	for (size_t i = 0; i < k->ncols; i++) {
		const struct cx_fact_col *c = &k->cols[i];
		const void *m = member(c, fact);
		switch (c->type) {
		case CX_COL_TEXT:
			kv(out, c->name, *(const char *const *)m);
			break;
		case CX_COL_INT:
			cx_buf_addf(out, " %s=%d", c->name, *(const int *)m);
			break;
		case CX_COL_LONG:
			cx_buf_addf(out, " %s=%ld", c->name, *(const long *)m);
			break;
		case CX_COL_REAL:
			cx_buf_addf(out, " %s=%.3f", c->name, *(const double *)m);
			break;
		case CX_COL_BOOL:
			cx_buf_addf(out, " %s=%d", c->name, *(const int *)m ? 1 : 0);
			break;
		case CX_COL_SPLIT:
			if (*(const enum cx_split *)m)
				kv(out, c->name, cx_split_name(*(const enum cx_split *)m));
			break;
		default:
			cx_buf_addf(out, " %s=", c->name);
			cx_fact_col_json(c, fact, out);
			break;
		}
	}
}

void cx_fact_format(const struct cx_fact_kind *k, const void *fact, struct cx_buf *out)
{
	if (k->format)
		k->format(fact, out);
	else
		cx_fact_format_generic(k, fact, out);
}

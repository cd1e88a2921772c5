/*
 * emit.c - the sink wrappers of adapter.h: every fact is checked against its
 * kind (adapters/facts.c) before any sink sees it, so the catalogue and the
 * test recorder refuse the same facts; test sinks may leave members NULL.
 */
#include "cx.h"

#include "adapters/adapter.h"

const char *cx_split_name(enum cx_split s)
{
	switch (s) {
	case CX_SPLIT_TRAIN: return "train";
	case CX_SPLIT_VAL: return "val";
	case CX_SPLIT_TEST: return "test";
	default: return "";
	}
}

void cx_image_fact_init(struct cx_image_fact *f)
{
	memset(f, 0, sizeof(*f));
	f->age = -1;
	f->width = -1;
	f->height = -1;
}

int cx_emit_fact(const struct cx_sink *s, const struct cx_fact_kind *k, const void *fact,
		 struct cx_error *err)
{
	int rc = cx_fact_check(k, fact, err);
	if (rc)
		return rc;
	return s->fact ? s->fact(s->ctx, k, fact, err) : 0;
}

#define EMIT(name, ID, type)                                                                \
	int cx_emit_##name(const struct cx_sink *s, const type *f, struct cx_error *err)    \
	{                                                                                  \
		return cx_emit_fact(s, CX_FACT(ID), f, err);                               \
	}

EMIT(image, IMAGE, struct cx_image_fact)
EMIT(study, STUDY, struct cx_study_fact)
EMIT(labels, LABELS, struct cx_labels_fact)
EMIT(box, BOX, struct cx_box_fact)
EMIT(report, REPORT, struct cx_report_fact)
EMIT(qa, QA, struct cx_qa_fact)
EMIT(image_pair, IMAGE_PAIR, struct cx_image_pair_fact)
EMIT(text_pair, TEXT_PAIR, struct cx_text_pair_fact)
EMIT(phrase_box, PHRASE_BOX, struct cx_phrase_box_fact)
EMIT(choice, CHOICE, struct cx_choice_fact)
EMIT(history_qa, HISTORY_QA, struct cx_history_qa_fact)
EMIT(span_qa, SPAN_QA, struct cx_span_qa_fact)
EMIT(entity, ENTITY, struct cx_entity_fact)
EMIT(candidate, CANDIDATE, struct cx_candidate_fact)
EMIT(explanation, EXPLANATION, struct cx_explanation_fact)
EMIT(caption, CAPTION, struct cx_caption_fact)
EMIT(note, NOTE, struct cx_note_fact)

void cx_row_kept(const struct cx_sink *s, const char *file, long line)
{
	struct cx_where w = {file, line};
	if (s->kept)
		s->kept(s->ctx, &w);
}

void cx_row_reject(const struct cx_sink *s, const char *file, long line, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	struct cx_where w = {file, line};
	if (s->reject)
		s->reject(s->ctx, &w, reason);
}

void cx_row_filter(const struct cx_sink *s, const char *file, long line, const char *rule)
{
	struct cx_where w = {file, line};
	if (s->filter)
		s->filter(s->ctx, &w, rule);
}

void cx_row_read(const struct cx_sink *s, const char *file, long line)
{
	struct cx_where w = {file, line};
	if (s->read)
		s->read(s->ctx, &w);
}

/*
 * emit.c - the sink wrappers of adapter.h, so that test sinks may leave
 * members they do not care about NULL.
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

#define EMIT(name, type)                                                                   \
	int cx_emit_##name(const struct cx_sink *s, const type *f, struct cx_error *err)    \
	{                                                                                  \
		return s->name ? s->name(s->ctx, f, err) : 0;                              \
	}

EMIT(image, struct cx_image_fact)
EMIT(study, struct cx_study_fact)
EMIT(labels, struct cx_labels_fact)
EMIT(box, struct cx_box_fact)
EMIT(report, struct cx_report_fact)
EMIT(qa, struct cx_qa_fact)

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

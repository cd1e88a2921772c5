/*
 * text.c - text generation: findings and impression generation (with or
 * without the indication), report generation in Spanish (PadChest) and
 * findings summarization. Report sections are
 * used as the catalogue holds them; an instance without the section it is
 * about has no answer and is refused.
 */
#include "cx.h"

#include "tasks/tasks.h"

/* The indication form is drawn only when the study has an indication. The
 * target is a section of r, the report part the caller has checked. */
static int generation(const struct cx_view_report *r, const struct cx_draw *d,
		      const char *target, const char *what, struct cx_task_out *o,
		      struct cx_error *err)
{
	if (cx_blank(target))
		return cx_error_set(err, CX_EINVAL, "no %s", what);
	static const char *const both[] = {"plain", "indication"};
	o->form = cx_pick_form(d, both, cx_blank(r->indication) ? 1 : 2);
	if (!strcmp(o->form, "indication"))
		cx_task_out_set(o, "indication", r->indication);
	cx_buf_adds(&o->answer, target);
	return 0;
}

int cx_render_findings_generation(const struct cx_instance_view *v, const struct cx_draw *d,
				  struct cx_task_out *o, struct cx_error *err)
{
	if (cx_view_need(v, v->report, "report", err))
		return err->code;
	return generation(v->report, d, v->report->findings, "findings", o, err);
}

int cx_render_impression_generation(const struct cx_instance_view *v, const struct cx_draw *d,
				    struct cx_task_out *o, struct cx_error *err)
{
	if (cx_view_need(v, v->report, "report", err))
		return err->code;
	return generation(v->report, d, v->report->impression, "impression", o, err);
}

/* PadChest's whole report is held as the study's impression (its release has
 * one text per study, not sections): the answer is that text, in Spanish. */
int cx_render_spanish_report_generation(const struct cx_instance_view *v, const struct cx_draw *d,
					struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	if (cx_view_need(v, v->report, "report", err))
		return err->code;
	if (cx_blank(v->report->impression))
		return cx_error_set(err, CX_EINVAL, "no report");
	o->form = "plain";
	cx_buf_adds(&o->answer, v->report->impression);
	return 0;
}

int cx_render_findings_summarization(const struct cx_instance_view *v, const struct cx_draw *d,
				     struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	if (cx_view_need(v, v->report, "report", err))
		return err->code;
	const struct cx_view_report *r = v->report;
	if (cx_blank(r->findings))
		return cx_error_set(err, CX_EINVAL, "no findings to summarize");
	if (cx_blank(r->impression))
		return cx_error_set(err, CX_EINVAL, "no impression");
	o->form = "plain";
	cx_task_out_set(o, "findings", r->findings);
	cx_buf_adds(&o->answer, r->impression);
	return 0;
}

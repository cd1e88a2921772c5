/*
 * fine.c - fine-grained image understanding: abnormality grounding. The
 * question names the finding; the answer is its boxes in the box syntax of
 * tasks/boxes.c (templates/README.md), or "No <finding> detected." for an
 * image without it that its rule gives as a negative (boxes-few-paired).
 *
 * {disease} is the finding in a sentence, as image classification's yes/no
 * questions write it: the vocabulary's article and singular noun ("a mass",
 * "cardiomegaly", "an effusion"), so templates say "Locate {disease}" and
 * never "the Cardiomegaly" (issue 11). A box label the vocabulary does not
 * name (ChestX-ray14's box list says "Infiltrate" where its labels say
 * "Infiltration") is written in lower case, without an article.
 */
#include "cx.h"

#include <ctype.h>

#include "tasks/tasks.h"

/* The finding in a sentence; with_article 0 leaves the article out ("No
 * mass detected."). */
static void phrase(const struct cx_view_boxes *b, int with_article, struct cx_buf *out)
{
	int i = b->vocab ? cx_vocab_find(b->vocab, b->label) : -1;
	if (i >= 0) {
		const struct cx_vocab_label *l = &b->vocab->labels[i];
		if (with_article && l->article[0])
			cx_buf_addf(out, "%s ", l->article);
		cx_buf_adds(out, l->noun);
		return;
	}
	for (const char *s = b->label; *s; s++)
		cx_buf_addc(out, *s == '_' ? ' ' : (char)tolower((unsigned char)*s));
}

int cx_render_abnormality_grounding(const struct cx_instance_view *v, const struct cx_draw *d,
				    struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	if (cx_view_need(v, v->boxes, "boxes", err) || cx_view_need(v, v->image, "image", err))
		return err->code;
	const struct cx_view_boxes *b = v->boxes;
	if (cx_blank(b->label))
		return cx_error_set(err, CX_EINVAL, "no finding to ground");
	/* An image read for the finding and found without it (a paired
	 * negative, rule boxes-few-paired) has no box of it. */
	if (!b->n) {
		cx_buf_adds(&o->answer, "No ");
		phrase(b, 0, &o->answer);
		cx_buf_adds(&o->answer, " detected.");
	} else if (cx_boxes_format(&o->answer, b->box, b->n, v->image->width,
				   v->image->height, 0, err)) {
		return err->code;
	}
	o->form = "plain";
	struct cx_buf name = CX_BUF_INIT;
	phrase(b, 1, &name);
	cx_task_out_set(o, "disease", name.data);
	cx_buf_release(&name);
	return 0;
}

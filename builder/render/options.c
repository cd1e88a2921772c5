/*
 * options.c - multiple-choice options: the marker style, the shown order and
 * the text of the option list.
 *
 * CheXinstruct draws one of three marker styles per question, (A) (a) (1),
 * and shuffles the options; here both come from the instance's draw, so a
 * rebuild with the same seed shows the same markers in the same order.
 */
#include "cx.h"

#include "render/render.h"

enum cx_option_style cx_option_style_draw(const struct cx_draw *d)
{
	return (enum cx_option_style)cx_draw_below(d, "style", CX_NSTYLES);
}

void cx_option_marker(enum cx_option_style s, size_t i, char out[8])
{
	switch (s) {
	case CX_STYLE_UPPER:
		snprintf(out, 8, "(%c)", (char)('A' + i % 26));
		break;
	case CX_STYLE_LOWER:
		snprintf(out, 8, "(%c)", (char)('a' + i % 26));
		break;
	default:
		snprintf(out, 8, "(%u)", (unsigned)(i % 26 + 1));
		break;
	}
}

/* Fisher-Yates from the last position down; draw k decides position k. */
void cx_option_order(const struct cx_draw *d, int shuffle, size_t *perm, size_t n)
{
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	if (!shuffle)
		return;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(cx_draw_nth(d, "shuffle", i - 1) % i);
		size_t tmp = perm[i - 1];
		perm[i - 1] = perm[j];
		perm[j] = tmp;
	}
}

void cx_options_format(struct cx_buf *b, enum cx_option_style s, char *const *texts, size_t n,
		       int inline_form)
{
	char marker[8];
	for (size_t i = 0; i < n; i++) {
		if (i)
			cx_buf_adds(b, inline_form ? ", " : "\n");
		cx_option_marker(s, i, marker);
		cx_buf_addf(b, "%s %s", marker, texts[i]);
	}
}

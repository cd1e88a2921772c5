/*
 * audit.h - checks over rendered instances, per task-dataset entry: what
 * `chexinstruct audit` runs on a catalogue, and what any later task gets for
 * free. Pure: the caller renders each instance (render.h) and hands over the
 * result; nothing here touches SQLite or files.
 *
 * The checks, per entry (README.md, "audit"):
 *   render      the instance could not be rendered
 *   answer      with options: the answer is not the right option (its text,
 *               marker, or both), or no option is marked right
 *   duplicate   two options with the same text (case and spacing ignored)
 *   leak        an option text, a label of a comma-joined option, or a word
 *               that appears only in right options or only in wrong ones,
 *               more often than chance allows (below)
 *   empty       an empty instruction, answer or option
 *   whitespace  a tab, line break, double space or space at either end in
 *               the answer, an option or a line of the instruction
 *   box         a <box>(x1,y1),(x2,y2)</box> outside 0..100, of zero area,
 *               or not in that syntax
 *   readable    an answer without options that the instruction already
 *               spells out (not offered as one of "X or Y"; yes/no aside;
 *               not for an extractive task, whose answer is a span of the
 *               text it shows: grounded phrase extraction)
 *   position    the right option's position is not spread as the shown
 *               option counts predict (options not always Yes, No)
 *
 * Chance, for leak: in an instance with k options of which m hold a unit, the
 * unit lands in the right option only with probability 1/k (m = 1), and in
 * wrong options only with probability (k - m) / k. A unit seen on one side
 * only is a leak when the product of those over its instances is below
 * 0.01 divided by the number of units the entry has (Bonferroni): "No
 * Finding" right in 10 of 10 four-option questions (p = 1e-6) is one; a
 * report text shown once, as the right one of two, is not. For position, a
 * chi-square test of the counts against the expected ones (Wilson-Hilferty)
 * fails below p = 0.001.
 */
#ifndef CX_AUDIT_H
#define CX_AUDIT_H

#include "cx.h"

#include "render/render.h"

enum cx_audit_check {
	CX_AUDIT_RENDER,
	CX_AUDIT_ANSWER,
	CX_AUDIT_DUPLICATE,
	CX_AUDIT_LEAK,
	CX_AUDIT_EMPTY,
	CX_AUDIT_WHITESPACE,
	CX_AUDIT_BOX,
	CX_AUDIT_READABLE,
	CX_AUDIT_POSITION,
	CX_AUDIT_NCHECKS
};

/* The check's name as the report prints it ("leak"). */
const char *cx_audit_check_name(enum cx_audit_check c);

struct cx_audit;

struct cx_audit *cx_audit_new(void);
void cx_audit_free(struct cx_audit *a);

/* Adds one instance of the entry named entry ("[task] [dataset]"), keyed key:
 * r its rendering, or NULL with why when rendering failed. Entries are
 * reported in the order first seen. */
void cx_audit_add(struct cx_audit *a, const char *entry, const char *key,
		  const struct cx_rendered *r, const char *why);

/* Failures of one check in one entry: for leak and position, the units and
 * the entry that fail; for the others, the instances. -1 for an unknown
 * entry. */
long cx_audit_failed(const struct cx_audit *a, const char *entry, enum cx_audit_check c);
/* The number of (entry, check) pairs that failed. */
long cx_audit_failures(const struct cx_audit *a);

/* Writes the report: one table (an entry a row, a column per check: the
 * failures, "-" where the check does not apply), the right option's
 * positions, then one line per finding; or (json) one JSON object. */
void cx_audit_report(const struct cx_audit *a, int json, struct cx_buf *out);

#endif

/*
 * report-sections.h - splits a MIMIC-CXR free-text report into sections by
 * the rules of the official MIT-LCP splitter (mimic-cxr txt/section_parser.py
 * and txt/create_section_files.py), reimplemented in C so that the sections
 * we read are the ones of the official mimic_cxr_sectioned.csv.
 *
 * Only the general rules are implemented. The official code also carries two
 * per-study override tables (23 studies with a hand-picked section name and
 * 31 cut at fixed character offsets); they only feed its one-text-per-study
 * "conclusion" files, and those studies get no row at all in the sectioned
 * CSV. We leave both tables out and section those studies by the general
 * rules like every other report (see sources/mimic-cxr.md).
 */
#ifndef CX_REPORT_SECTIONS_H
#define CX_REPORT_SECTIONS_H

#include "cx.h"

/*
 * The sections a report fact carries. Each is the text of the *last* section
 * of that (normalised) name, stripped of surrounding whitespace as Python's
 * str.strip() does; the line breaks inside are kept as released. NULL when
 * the report has no such section or it is empty after stripping.
 *
 * last_paragraph exists only when the report has neither findings nor
 * impression: it is everything after the first blank line (`\n \n`) of the
 * report's final section, which keeps the text before that blank line.
 */
struct cx_sections {
	char *indication;
	char *comparison;
	char *findings;
	char *impression;
	char *last_paragraph;
};

/*
 * Sections text[0..len). CRLF and lone CR are read as LF first (Python's
 * universal newlines, as the official script opens the files). Fails with
 * CX_EFORMAT on text that is not UTF-8 or holds a NUL byte; out is then
 * empty. Call cx_sections_release() after success.
 */
int cx_report_sections(const char *text, size_t len, struct cx_sections *out,
		       struct cx_error *err);
void cx_sections_release(struct cx_sections *s);

/*
 * The normalised name of a section header as the official splitter maps it
 * (lower-cased and stripped, then the dictionary, then the substring and
 * pattern fallbacks), e.g. "FINDINGS AND IMPRESSION" -> "impression",
 * "CHEST, PA AND LATERAL" -> "findings", "NDICATION" -> "impression".
 * Writes into out (reset first) and returns its text.
 */
const char *cx_section_name(const char *header, size_t n, struct cx_buf *out);

#endif

/*
 * fuzz-sections.c - the MIMIC-CXR report splitter (adapters/report-sections.c)
 * on arbitrary bytes: it accepts UTF-8 without NUL or refuses with one line;
 * every section it returns is UTF-8 without NUL, no longer than the report,
 * and stripped. The first line, when it is UTF-8, also goes through the
 * section-name mapping.
 */
#include "cx.h"

#include "adapters/report-sections.h"

static void check_text(const char *s, size_t max)
{
	if (!s)
		return;
	size_t n = strlen(s);
	if (!n || n > max || !cx_utf8_valid(s, n))
		abort();
	if (s[0] == ' ' || s[0] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\n')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a private copy of exactly size bytes, so any read past it is caught */
	char *text = cx_malloc(size ? size : 1);
	memcpy(text, data, size);
	struct cx_sections s;
	struct cx_error err = {0};
	if (cx_report_sections(text, size, &s, &err) == 0) {
		if (!cx_utf8_valid(text, size) || memchr(text, '\0', size))
			abort();
		check_text(s.indication, size);
		check_text(s.comparison, size);
		check_text(s.findings, size);
		check_text(s.impression, size);
		check_text(s.last_paragraph, size);
		if (s.last_paragraph && (s.findings || s.impression))
			abort();
		cx_sections_release(&s);
	} else if (!err.msg[0] || strchr(err.msg, '\n')) {
		abort();
	}
	/* section names are only ever taken from text that passed the UTF-8
	 * check above (report-sections.h) */
	const char *nl = memchr(text, '\n', size);
	size_t first = nl ? (size_t)(nl - text) : size;
	if (cx_utf8_valid(text, first)) {
		struct cx_buf name = CX_BUF_INIT;
		cx_section_name(text, first, &name);
		cx_buf_release(&name);
	}
	free(text);
	return 0;
}

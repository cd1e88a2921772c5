/*
 * report-sections.c - the MIMIC-CXR report section splitter (see
 * report-sections.h). The rules follow MIT-LCP's section_parser.py and
 * create_section_files.py step by step, because the point is to get the
 * same sections as the official mimic_cxr_sectioned.csv:
 *
 *  1. A header is `\n ([A-Z ()/,-]+):` followed by one whitespace character.
 *     Text before the first header is the "preamble"; a report without any
 *     header is one section, "full report".
 *  2. After a header, the next header is searched from the first newline
 *     after the header's end (the official "skip past the first newline"),
 *     so a header-like line right after a header is section text.
 *  3. Names are normalised (dictionary, then substring, then pattern).
 *  4. Empty findings and impression sections are dropped.
 *  5. Without findings and impression, the last section is cut at its first
 *     `\n \n`: the rest becomes "last_paragraph".
 *  6. Each field is the last section of that name, stripped.
 *
 * Whitespace is Python's: the `\s` of the header pattern and str.strip()
 * use str.isspace(), which is wider than ASCII, so both are spelled out here
 * rather than left to PCRE2's or the C library's idea of a space.
 */
#include "cx.h"

#include <pthread.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "adapters/report-sections.h"

/* One header followed by one Python whitespace character (str.isspace()). */
static const char header_pattern[] =
	"\\n ([A-Z ()/,-]+):[\\t\\n\\x{0b}\\f\\r \\x{1c}-\\x{1f}\\x{85}\\x{a0}\\x{1680}"
	"\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]";

static int py_space_cp(unsigned cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 ||
	       cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* Decodes the (valid) UTF-8 character at s[0..] into *cp; returns its length. */
static size_t utf8_decode(const unsigned char *s, unsigned *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t len = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : 4;
	unsigned v = s[0] & (0x7F >> len);
	for (size_t k = 1; k < len; k++)
		v = (v << 6) | (s[k] & 0x3F);
	*cp = v;
	return len;
}

/* Narrows [*a, *b) of t past leading and trailing whitespace (str.strip()). */
static void py_strip(const char *t, size_t *a, size_t *b)
{
	const unsigned char *s = (const unsigned char *)t;
	unsigned cp;
	while (*a < *b) {
		size_t n = utf8_decode(s + *a, &cp);
		if (!py_space_cp(cp))
			break;
		*a += n;
	}
	while (*b > *a) {
		size_t start = *b - 1;
		while (start > *a && (s[start] & 0xC0) == 0x80)
			start--;
		utf8_decode(s + start, &cp);
		if (!py_space_cp(cp))
			break;
		*b = start;
	}
}

/* The official dictionary of header spellings, grouped by what they become
 * (no spelling twice: looked up by bsearch in a sorted copy). */
struct name_to {
	const char *name;
	const char *to;
};

static const struct name_to name_map[] = {
	{"preamble", "preamble"},
	{"impression", "impression"}, {"conclusion", "impression"},
	{"findings and impression", "impression"}, {"findings/impression", "impression"},
	{"findings/ impression", "impression"},
	{"impresson", "impression"}, {"imprression", "impression"}, {"imoression", "impression"},
	{"impressoin", "impression"}, {"imprssion", "impression"}, {"impresion", "impression"},
	{"imperssion", "impression"}, {"mpression", "impression"}, {"impession", "impression"},
	/* Sic: the official table sends this one misspelling to impression. */
	{"ndication", "impression"},
	{"findings", "findings"}, {"finding", "findings"}, {"findins", "findings"},
	{"findindgs", "findings"}, {"findgings", "findings"}, {"findngs", "findings"},
	{"findnings", "findings"}, {"finidngs", "findings"}, {"chest, two views", "findings"},
	{"reference findings", "findings"},
	{"comparison", "comparison"}, {"comparisons", "comparison"},
	{"reference exam", "comparison"}, {"comparison exam", "comparison"},
	{"comparison film", "comparison"}, {"comparision", "comparison"},
	{"comparsion", "comparison"}, {"comparrison", "comparison"},
	{"comparisions", "comparison"},
	{"indication", "indication"}, {"reason for examination", "indication"},
	{"reason for exam", "indication"}, {"clinical indication", "indication"},
	{"idication", "indication"},
	{"history", "history"}, {"clinical history", "history"},
	{"clinical information", "history"}, {"patient history", "history"}, {"pfi", "history"},
	{"examination", "examination"}, {"exam", "examination"},
	{"type of examination", "examination"},
	{"technique", "technique"}, {"notification", "notification"},
	{"recommendation(s)", "recommendations"}, {"recommendations", "recommendations"},
	{"recommendation", "recommendations"},
	{"addendum", "addendum"}, {"date", "date"}, {"comment", "comment"},
	{"wet read", "wet read"}, {"wetread", "wet read"},
};

/* A name holding one of these words becomes that word (first match wins). */
static const char *const main_words[] = {
	"impression", "findings", "history", "comparison", "addendum",
};

/* A name holding one of these describes the whole study: findings. */
static const char *const findings_words[] = {
	"chest", "portable", "pa and lateral", "lateral and pa", "ap and lateral",
	"lateral and ap", "frontal and", "two views", "frontal view", "pa view", "ap view",
	"one view", "lateral view", "bone window", "frontal upright", "frontal semi-upright",
	"ribs", "pa and lat",
};

/* name_map sorted by name, once: every section of every report is looked up,
 * and a walk of the 58 spellings was 2.3 % of reading MIMIC-CXR. */
static const struct name_to *sorted_map[CX_ARRAY_LEN(name_map)];
static pthread_once_t map_once = PTHREAD_ONCE_INIT;

static int cmp_name_to(const void *a, const void *b)
{
	return strcmp((*(const struct name_to *const *)a)->name,
		      (*(const struct name_to *const *)b)->name);
}

static void sort_map(void)
{
	for (size_t i = 0; i < CX_ARRAY_LEN(name_map); i++)
		sorted_map[i] = &name_map[i];
	qsort(sorted_map, CX_ARRAY_LEN(name_map), sizeof(sorted_map[0]), cmp_name_to);
}

static const char *map_name(const char *name)
{
	pthread_once(&map_once, sort_map);
	struct name_to key = {name, NULL};
	const struct name_to *k = &key;
	const struct name_to *const *hit = bsearch(&k, sorted_map, CX_ARRAY_LEN(name_map),
						   sizeof(sorted_map[0]), cmp_name_to);
	return hit ? (*hit)->to : NULL;
}

const char *cx_section_name(const char *header, size_t n, struct cx_buf *out)
{
	cx_buf_reset(out);
	cx_buf_grow(out, n + 1);
	for (size_t i = 0; i < n; i++) {
		char c = header[i];
		out->data[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	out->len = n;
	out->data[n] = '\0';
	size_t a = 0, b = out->len;
	py_strip(out->data, &a, &b);
	memmove(out->data, out->data + a, b - a);
	out->len = b - a;
	out->data[out->len] = '\0';

	const char *to = map_name(out->data);
	for (size_t i = 0; i < CX_ARRAY_LEN(main_words) && !to; i++)
		if (strstr(out->data, main_words[i]))
			to = main_words[i];
	for (size_t i = 0; i < CX_ARRAY_LEN(findings_words) && !to; i++)
		if (strstr(out->data, findings_words[i]))
			to = "findings";
	if (to) {
		cx_buf_reset(out);
		cx_buf_adds(out, to);
	}
	return out->data;
}

struct section {
	char *name;
	size_t start, end; /* byte range in the newline-normalised text */
};

struct section_list {
	struct section *v;
	size_t n, cap;
};

static void add_section(struct section_list *l, const char *name, size_t start, size_t end)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = cx_realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct section){cx_strdup(name), start, end};
}

static void remove_section(struct section_list *l, size_t i)
{
	free(l->v[i].name);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
	l->n--;
}

static int has_name(const struct section_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return 1;
	return 0;
}

/* CRLF and lone CR become LF, as Python's text mode reads the file. The
 * runs between CRs are copied whole (most reports have no CR at all). */
static void universal_newlines(const char *text, size_t len, struct cx_buf *out)
{
	cx_buf_grow(out, len + 1);
	size_t i = 0;
	while (i < len) {
		const char *cr = memchr(text + i, '\r', len - i);
		size_t run = cr ? (size_t)(cr - text) - i : len - i;
		cx_buf_add(out, text + i, run);
		i += run;
		if (i < len) {
			cx_buf_addc(out, '\n');
			i += i + 1 < len && text[i + 1] == '\n' ? 2 : 1;
		}
	}
	cx_buf_add(out, "", 0);
}

/* The header pattern, compiled (and JIT-compiled where PCRE2 can) once per
 * process: compiling it took as long as splitting a report. It is only read
 * afterwards, so threads may share it; each call has its own match data. */
static pcre2_code *header_re;
static pthread_once_t header_once = PTHREAD_ONCE_INIT;

static void compile_header(void)
{
	int errcode;
	PCRE2_SIZE erroff;
	header_re = pcre2_compile((PCRE2_SPTR)header_pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
				  &errcode, &erroff, NULL);
	/* Without JIT support pcre2_match() interprets the pattern: same matches. */
	if (header_re)
		pcre2_jit_compile(header_re, PCRE2_JIT_COMPLETE);
}

/* Steps 1 and 2: the raw sections, names as written (lower-cased later). */
static int split_headers(const char *t, size_t len, struct section_list *l, struct cx_error *err)
{
	pthread_once(&header_once, compile_header);
	pcre2_code *re = header_re;
	if (!re)
		return cx_error_set(err, CX_ERROR, "section header pattern does not compile");
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	struct cx_buf name = CX_BUF_INIT;
	int rc = pcre2_match(re, (PCRE2_SPTR)t, len, 0, PCRE2_NO_UTF_CHECK, md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH) {
		add_section(l, "full report", 0, len);
	} else {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		add_section(l, "preamble", 0, ov[2]);
		while (rc >= 0) {
			cx_buf_reset(&name);
			cx_buf_add(&name, t + ov[2], ov[3] - ov[2]);
			size_t start = ov[1];
			const char *nl = memchr(t + start, '\n', len - start);
			size_t from = nl ? (size_t)(nl - t) : start;
			rc = pcre2_match(re, (PCRE2_SPTR)t, len, from, PCRE2_NO_UTF_CHECK, md, NULL);
			size_t end = rc >= 0 ? ov[0] : len;
			add_section(l, cx_buf_str(&name), start, end);
		}
	}
	cx_buf_release(&name);
	pcre2_match_data_free(md);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
		return cx_error_set(err, CX_ELIMIT, "report sections: pattern match failed (%d)", rc);
	return 0;
}

/* Steps 3 to 5. */
static void shape_sections(const char *t, struct section_list *l)
{
	struct cx_buf name = CX_BUF_INIT;
	for (size_t i = 0; i < l->n; i++) {
		cx_section_name(l->v[i].name, strlen(l->v[i].name), &name);
		free(l->v[i].name);
		l->v[i].name = cx_strdup(cx_buf_str(&name));
	}
	cx_buf_release(&name);

	for (size_t i = l->n; i-- > 0;) {
		if (strcmp(l->v[i].name, "impression") && strcmp(l->v[i].name, "findings"))
			continue;
		size_t a = l->v[i].start, b = l->v[i].end;
		py_strip(t, &a, &b);
		if (a == b)
			remove_section(l, i);
	}

	if (has_name(l, "impression") || has_name(l, "findings") || l->n == 0)
		return;
	struct section *last = &l->v[l->n - 1];
	for (size_t p = last->start; p + 3 <= last->end; p++) {
		if (memcmp(t + p, "\n \n", 3) != 0)
			continue;
		size_t end = last->end;
		last->end = p;
		add_section(l, "last_paragraph", p + 3, end);
		break;
	}
}

/* Step 6: the last section called name, stripped, or NULL. */
static char *pick(const char *t, const struct section_list *l, const char *name)
{
	for (size_t i = l->n; i-- > 0;) {
		if (strcmp(l->v[i].name, name))
			continue;
		size_t a = l->v[i].start, b = l->v[i].end;
		py_strip(t, &a, &b);
		return a < b ? cx_strndup(t + a, b - a) : NULL;
	}
	return NULL;
}

int cx_report_sections(const char *text, size_t len, struct cx_sections *out,
		       struct cx_error *err)
{
	memset(out, 0, sizeof(*out));
	if (memchr(text, '\0', len))
		return cx_error_set(err, CX_EFORMAT, "report holds a NUL byte");
	if (!cx_utf8_valid(text, len))
		return cx_error_set(err, CX_EFORMAT, "report is not valid UTF-8");

	struct cx_buf t = CX_BUF_INIT;
	universal_newlines(text, len, &t);
	struct section_list l = {0};
	int rc = split_headers(t.data, t.len, &l, err);
	if (rc == 0) {
		shape_sections(t.data, &l);
		out->indication = pick(t.data, &l, "indication");
		out->comparison = pick(t.data, &l, "comparison");
		out->findings = pick(t.data, &l, "findings");
		out->impression = pick(t.data, &l, "impression");
		out->last_paragraph = pick(t.data, &l, "last_paragraph");
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].name);
	free(l.v);
	cx_buf_release(&t);
	return rc;
}

void cx_sections_release(struct cx_sections *s)
{
	free(s->indication);
	free(s->comparison);
	free(s->findings);
	free(s->impression);
	free(s->last_paragraph);
	memset(s, 0, sizeof(*s));
}

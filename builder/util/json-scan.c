/*
 * json-scan.c - a validating scan of one JSON object, without allocating,
 * that finds a few top-level members. `verify` checks every record's
 * metadata for four strings; parsing each with cJSON built and freed a tree
 * of about 40 nodes a record, most of a small-record verify's time.
 *
 * The scan is a fast path, never the judge: it says yes only for text that
 * is exactly one object under RFC 8259's grammar (whitespace around it),
 * nested at most CX_JSCAN_DEPTH deep, with no \u escape anywhere. For
 * such text cJSON gives the same members (the first of each name), so the
 * caller may trust what it finds; for anything else (invalid, trailing
 * bytes, \u escapes, deep nesting) it says no and the caller parses with
 * cJSON as before, which decides.
 */
#include "cx.h"

#include "util/json-scan.h"

struct scan {
	const char *p, *end;
	int depth;
};

static void skip_space(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* A string at s->p (at its quote); its content's span, and whether it holds
 * an escape. 0 when it is not a string this scan takes. */
static int scan_string(struct scan *s, const char **start, size_t *len, int *escaped)
{
	if (s->p >= s->end || *s->p != '"')
		return 0;
	const char *q = ++s->p;
	*escaped = 0;
	while (q < s->end && *q != '"') {
		unsigned char c = (unsigned char)*q;
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			if (q + 1 >= s->end || !strchr("\"\\/bfnrt", q[1]) || !q[1])
				return 0; /* \u (or anything else): left to cJSON */
			*escaped = 1;
			q += 2;
			continue;
		}
		q++;
	}
	if (q >= s->end)
		return 0;
	*start = s->p;
	*len = (size_t)(q - s->p);
	s->p = q + 1;
	return 1;
}

static int digits(struct scan *s)
{
	const char *from = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > from;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(struct scan *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (!digits(s))
		return 0;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!digits(s))
			return 0;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digits(s))
			return 0;
	}
	return 1;
}

static int scan_word(struct scan *s, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n))
		return 0;
	s->p += n;
	return 1;
}

static int scan_value(struct scan *s, int *kind, const char **str, size_t *len, int *escaped);

/* The members of an object (s->p after its '{'); those named in m[] are
 * filled when m is given (the top level only). */
static int scan_members(struct scan *s, struct cx_json_member *m, size_t nm)
{
	skip_space(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 1;
	}
	for (;;) {
		const char *key, *val = NULL;
		size_t klen, vlen = 0;
		int kesc, vesc = 0, kind;
		skip_space(s);
		if (!scan_string(s, &key, &klen, &kesc))
			return 0;
		skip_space(s);
		if (s->p >= s->end || *s->p++ != ':')
			return 0;
		skip_space(s);
		if (!scan_value(s, &kind, &val, &vlen, &vesc))
			return 0;
		for (size_t i = 0; i < nm && !kesc; i++)
			if (m[i].kind == CX_JSCAN_ABSENT && m[i].keylen == klen &&
			    !memcmp(m[i].key, key, klen)) {
				m[i].kind = kind;
				m[i].value = val;
				m[i].len = vlen;
				m[i].escaped = vesc;
			}
		skip_space(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return s->p < s->end && *s->p++ == '}';
	}
}

static int scan_elements(struct scan *s)
{
	skip_space(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return 1;
	}
	for (;;) {
		const char *val;
		size_t vlen;
		int kind, vesc;
		skip_space(s);
		if (!scan_value(s, &kind, &val, &vlen, &vesc))
			return 0;
		skip_space(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return s->p < s->end && *s->p++ == ']';
	}
}

static int scan_nested(struct scan *s, char open)
{
	if (++s->depth > CX_JSCAN_DEPTH)
		return 0;
	s->p++;
	int ok = open == '{' ? scan_members(s, NULL, 0) : scan_elements(s);
	s->depth--;
	return ok;
}

static int scan_value(struct scan *s, int *kind, const char **str, size_t *len, int *escaped)
{
	if (s->p >= s->end)
		return 0;
	switch (*s->p) {
	case '"':
		*kind = CX_JSCAN_STRING;
		return scan_string(s, str, len, escaped);
	case '{':
	case '[':
		*kind = CX_JSCAN_OTHER;
		return scan_nested(s, *s->p);
	case 't':
		*kind = CX_JSCAN_OTHER;
		return scan_word(s, "true");
	case 'f':
		*kind = CX_JSCAN_OTHER;
		return scan_word(s, "false");
	case 'n':
		*kind = CX_JSCAN_OTHER;
		return scan_word(s, "null");
	default:
		*kind = CX_JSCAN_OTHER;
		return scan_number(s);
	}
}

int cx_json_scan_object(const char *text, size_t n, struct cx_json_member *m, size_t nm)
{
	for (size_t i = 0; i < nm; i++) {
		m[i].kind = CX_JSCAN_ABSENT;
		m[i].keylen = strlen(m[i].key);
	}
	if (!text)
		return 0;
	struct scan s = {.p = text, .end = text + n};
	skip_space(&s);
	if (s.p >= s.end || *s.p != '{')
		return 0;
	s.p++;
	s.depth = 1;
	if (!scan_members(&s, m, nm))
		return 0;
	skip_space(&s);
	return s.p == s.end;
}

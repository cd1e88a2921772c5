/*
 * audit.c - the checks of `chexinstruct audit` over rendered instances (what
 * each check means, and the chance rule of leak and position: audit.h).
 *
 * Instances are added one at a time and folded into per-entry counters, so
 * memory grows with the entries and the distinct option units, never with
 * the instances: an audit of a full catalogue streams. Leak and position are
 * decided when the report is written, from the counters.
 */
#include "cx.h"

#include <ctype.h>
#include <math.h>

#include "render/audit.h"

#define LEAK_ALPHA 0.01
#define POSITION_ALPHA 0.001
#define MIN_EXPECTED 5.0 /* chi-square needs about five expected per position */

static const char *const check_names[CX_AUDIT_NCHECKS] = {
	[CX_AUDIT_RENDER] = "render",
	[CX_AUDIT_ANSWER] = "answer",
	[CX_AUDIT_DUPLICATE] = "duplicate",
	[CX_AUDIT_LEAK] = "leak",
	[CX_AUDIT_EMPTY] = "empty",
	[CX_AUDIT_WHITESPACE] = "whitespace",
	[CX_AUDIT_BOX] = "box",
	[CX_AUDIT_READABLE] = "readable",
	[CX_AUDIT_POSITION] = "position",
};

const char *cx_audit_check_name(enum cx_audit_check c)
{
	return (unsigned)c < CX_AUDIT_NCHECKS ? check_names[c] : "";
}

/* ------------------------------------------------------------------ */
/* A small hash table of option units (kind, text)                    */

enum unit_kind { UNIT_TEXT, UNIT_LABEL, UNIT_WORD };
static const char *const kind_names[] = {"text", "label", "word"};

struct unit {
	int kind;
	char *text;
	uint64_t hash;
	unsigned mask;           /* per instance: the options holding it */
	long right, wrong;       /* per entry: instances with it right / wrong */
	double log_right, log_wrong; /* log of the chance of each one-sidedness */
};

struct table {
	struct unit *u;
	size_t n, cap;
	size_t *slot; /* index + 1, 0 when free */
	size_t nslot;
};

static void table_clear(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->u[i].text);
	t->n = 0;
	if (t->slot)
		memset(t->slot, 0, t->nslot * sizeof *t->slot);
}

static void table_free(struct table *t)
{
	table_clear(t);
	free(t->u);
	free(t->slot);
}

static void table_rehash(struct table *t)
{
	t->nslot = t->nslot ? t->nslot * 2 : 64;
	free(t->slot);
	t->slot = cx_calloc(t->nslot, sizeof *t->slot);
	for (size_t i = 0; i < t->n; i++) {
		size_t s = t->u[i].hash & (t->nslot - 1);
		while (t->slot[s])
			s = (s + 1) & (t->nslot - 1);
		t->slot[s] = i + 1;
	}
}

static struct unit *table_get(struct table *t, int kind, const char *s, size_t len)
{
	if (2 * (t->n + 1) > t->nslot)
		table_rehash(t);
	uint64_t h = cx_hash64(s, len, (uint64_t)kind + 1);
	size_t i = h & (t->nslot - 1);
	for (; t->slot[i]; i = (i + 1) & (t->nslot - 1)) {
		struct unit *u = &t->u[t->slot[i] - 1];
		if (u->hash == h && u->kind == kind && strlen(u->text) == len &&
		    !memcmp(u->text, s, len))
			return u;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->u = cx_realloc(t->u, t->cap * sizeof *t->u);
	}
	struct unit *u = &t->u[t->n];
	*u = (struct unit){.kind = kind, .text = cx_strndup(s, len), .hash = h};
	t->slot[i] = ++t->n;
	return u;
}

/* ------------------------------------------------------------------ */
/* Entries                                                            */

struct entry {
	char *name;
	long n;
	long failed[CX_AUDIT_NCHECKS];
	int applies[CX_AUDIT_NCHECKS];
	char *example[CX_AUDIT_NCHECKS]; /* the first failure: "key: reason" */
	long pos[CX_MAX_OPTIONS];
	double expect[CX_MAX_OPTIONS];
	long with_options;
	int other_options; /* some instance shows options other than Yes, No */
	struct table units;
};

struct cx_audit {
	struct entry *e;
	size_t n, cap;
	struct table scratch; /* one instance's units */
};

struct cx_audit *cx_audit_new(void) { return cx_calloc(1, sizeof(struct cx_audit)); }

void cx_audit_free(struct cx_audit *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->e[i].name);
		for (int c = 0; c < CX_AUDIT_NCHECKS; c++)
			free(a->e[i].example[c]);
		table_free(&a->e[i].units);
	}
	free(a->e);
	table_free(&a->scratch);
	free(a);
}

static struct entry *entry_get(struct cx_audit *a, const char *name)
{
	for (size_t i = a->n; i > 0; i--)
		if (!strcmp(a->e[i - 1].name, name))
			return &a->e[i - 1];
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->e = cx_realloc(a->e, a->cap * sizeof *a->e);
	}
	struct entry *e = &a->e[a->n++];
	memset(e, 0, sizeof *e);
	e->name = cx_strdup(name);
	e->applies[CX_AUDIT_RENDER] = e->applies[CX_AUDIT_EMPTY] = 1;
	e->applies[CX_AUDIT_WHITESPACE] = 1;
	return e;
}

static const struct entry *entry_find(const struct cx_audit *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->e[i].name, name))
			return &a->e[i];
	return NULL;
}

static void fail(struct entry *e, enum cx_audit_check c, const char *key, const char *why)
{
	e->failed[c]++;
	if (e->example[c])
		return;
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "%s: %s", key ? key : "", why);
	e->example[c] = cx_buf_detach(&b);
}

/* ------------------------------------------------------------------ */
/* Per-instance checks                                                */

static int blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* Why a one-line text is badly spaced, or NULL. */
static const char *bad_space(const char *s, size_t n)
{
	if (!n)
		return NULL;
	if (s[0] == ' ' || s[n - 1] == ' ')
		return "a space at an end";
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			return "a line break";
		if (s[i] == '\t' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f')
			return "a tab or control space";
		if (s[i] == ' ' && i + 1 < n && s[i + 1] == ' ')
			return "a double space";
	}
	return NULL;
}

static void check_space(struct entry *e, const char *key, const struct cx_rendered *r)
{
	struct cx_buf why = CX_BUF_INIT;
	const char *ins = cx_buf_str(&r->instruction), *w;
	for (const char *line = ins; line && !why.len;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (!len && nl)
			cx_buf_adds(&why, "instruction: an empty line");
		else if ((w = bad_space(line, len)))
			cx_buf_addf(&why, "instruction: %s", w);
		line = nl ? nl + 1 : NULL;
	}
	const char *ans = cx_buf_str(&r->answer);
	if (!why.len && (w = bad_space(ans, strlen(ans))))
		cx_buf_addf(&why, "answer: %s", w);
	for (size_t i = 0; i < r->noptions && !why.len; i++)
		if ((w = bad_space(r->options[i], strlen(r->options[i]))))
			cx_buf_addf(&why, "option %zu: %s", i + 1, w);
	if (why.len)
		fail(e, CX_AUDIT_WHITESPACE, key, why.data);
	cx_buf_release(&why);
}

static void check_empty(struct entry *e, const char *key, const struct cx_rendered *r)
{
	const char *why = NULL;
	if (blank(cx_buf_str(&r->instruction)))
		why = "empty instruction";
	else if (blank(cx_buf_str(&r->answer)))
		why = "empty answer";
	for (size_t i = 0; i < r->noptions && !why; i++)
		if (blank(r->options[i]))
			why = "empty option";
	if (why)
		fail(e, CX_AUDIT_EMPTY, key, why);
}

/* The option index a marker "(B)", "(b)" or "(2)" names, or -1. */
static int marker_index(const char *s, size_t *len)
{
	if (s[0] != '(')
		return -1;
	size_t i = 1;
	int idx = -1;
	if (isupper((unsigned char)s[1]) || islower((unsigned char)s[1])) {
		idx = toupper((unsigned char)s[1]) - 'A';
		i = 2;
	} else {
		for (idx = 0; isdigit((unsigned char)s[i]) && idx < 1000; i++)
			idx = idx * 10 + (s[i] - '0');
		idx = i > 1 ? idx - 1 : -1;
	}
	if (s[i] != ')')
		return -1;
	*len = i + 1;
	return idx;
}

/* The right options as bits of shown positions: r->right, or the one
 * correct option when the renderer set no bits (a single-answer form). */
static unsigned right_bits(const struct cx_rendered *r)
{
	return r->right ? r->right : 1u << r->correct;
}

static int bits(unsigned m);

/* The option one item of an answer names (its text, its marker, or both),
 * or -1. */
static int answer_item(const struct cx_rendered *r, const char *item, size_t n)
{
	size_t len = 0;
	int idx = marker_index(item, &len);
	if (idx >= 0 && (size_t)idx < r->noptions) {
		const char *text = r->options[idx];
		if (len == n || (item[len] == ' ' && n - len - 1 == strlen(text) &&
				 !strncmp(item + len + 1, text, n - len - 1)))
			return idx;
	}
	for (size_t i = 0; i < r->noptions; i++)
		if (strlen(r->options[i]) == n && !strncmp(r->options[i], item, n))
			return (int)i;
	return -1;
}

/* Several right options: the answer names each of them once, joined with
 * ", ", and no other (option texts of such forms hold no ", "). */
static int answers_all_right(const struct cx_rendered *r)
{
	unsigned seen = 0;
	for (const char *p = cx_buf_str(&r->answer);;) {
		const char *end = strstr(p, ", ");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		int idx = answer_item(r, p, n);
		if (idx < 0 || (seen >> idx & 1))
			return 0;
		seen |= 1u << idx;
		if (!end)
			return seen == r->right;
		p = end + 2;
	}
}

/* 1 when the answer is the right option: its text, its marker, or both. */
static int answer_is_right(const struct cx_rendered *r)
{
	if (r->correct < 0 || (size_t)r->correct >= r->noptions)
		return 0;
	if (bits(r->right) > 1)
		return answers_all_right(r);
	const char *ans = cx_buf_str(&r->answer), *text = r->options[r->correct];
	if (!strcmp(ans, text))
		return 1;
	size_t len = 0;
	int idx = marker_index(ans, &len);
	if (idx != r->correct)
		return 0;
	return !ans[len] || (ans[len] == ' ' && !strcmp(ans + len + 1, text));
}

/* Lower case, runs of spaces as one, for comparing texts. */
static char *folded(const char *s)
{
	char *f = cx_strdup(s);
	for (char *p = f; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	cx_squash(f);
	return f;
}

static void check_options(struct entry *e, const char *key, const struct cx_rendered *r)
{
	e->applies[CX_AUDIT_ANSWER] = e->applies[CX_AUDIT_DUPLICATE] = 1;
	e->applies[CX_AUDIT_LEAK] = 1;
	if (!answer_is_right(r))
		fail(e, CX_AUDIT_ANSWER, key, r->correct < 0 ? "no option is marked right"
							      : "the answer is not the right option");
	int dup = 0;
	for (size_t i = 0; i < r->noptions && !dup; i++) {
		char *a = folded(r->options[i]);
		for (size_t j = i + 1; j < r->noptions && !dup; j++) {
			char *b = folded(r->options[j]);
			dup = !strcmp(a, b);
			free(b);
		}
		free(a);
	}
	if (dup)
		fail(e, CX_AUDIT_DUPLICATE, key, "two options with the same text");
	int yesno = r->noptions == 2 && !strcmp(r->options[0], "Yes") &&
		    !strcmp(r->options[1], "No");
	e->other_options |= !yesno;
	e->with_options++;
	for (size_t j = 0; r->correct >= 0 && j < r->noptions && j < CX_MAX_OPTIONS; j++)
		e->pos[j] += right_bits(r) >> j & 1;
	double nright = r->correct >= 0 ? (double)bits(right_bits(r)) : 1.0;
	for (size_t j = 0; j < r->noptions && j < CX_MAX_OPTIONS; j++)
		e->expect[j] += nright / (double)r->noptions;
}

/* Parses every <box>(x1,y1),(x2,y2)</box> of s; sets why on the first bad
 * one. Returns the number of boxes seen. */
static int scan_boxes(const char *s, const char **why)
{
	int n = 0;
	for (const char *p = strstr(s, "<box>"); p && !*why; p = strstr(p + 1, "<box>")) {
		int c[4], used = 0;
		n++;
		if (sscanf(p, "<box>(%d,%d),(%d,%d)</box>%n", &c[0], &c[1], &c[2], &c[3], &used) !=
			    4 ||
		    !used)
			*why = "a box not in the syntax <box>(x1,y1),(x2,y2)</box>";
		else if (c[0] < 0 || c[1] < 0 || c[2] > 100 || c[3] > 100 || c[0] > 100 ||
			 c[1] > 100 || c[2] < 0 || c[3] < 0)
			*why = "a box outside 0..100";
		else if (c[2] <= c[0] || c[3] <= c[1])
			*why = "a box of zero area";
	}
	return n;
}

static void check_boxes(struct entry *e, const char *key, const struct cx_rendered *r)
{
	const char *why = NULL;
	int n = scan_boxes(cx_buf_str(&r->answer), &why);
	if (!why)
		n += scan_boxes(cx_buf_str(&r->instruction), &why);
	if (n)
		e->applies[CX_AUDIT_BOX] = 1;
	if (why)
		fail(e, CX_AUDIT_BOX, key, why);
}

static int word_char(char c) { return isalnum((unsigned char)c) || (unsigned char)c >= 0x80; }

/* 1 when the occurrence at p (length n) of text t offers itself as one of
 * "X or Y" (a choice the question states, not the answer given away). */
static int offered(const char *t, const char *p, size_t n)
{
	if (!strncmp(p + n, " or ", 4))
		return 1;
	size_t before = (size_t)(p - t);
	return (before >= 4 && !strncmp(p - 4, " or ", 4)) ||
	       (before >= 8 && !strncmp(p - 8, " or the ", 8));
}

static void check_readable(struct entry *e, const char *key, const struct cx_rendered *r)
{
	char *ans = folded(cx_buf_str(&r->answer));
	size_t n = strlen(ans);
	while (n && ans[n - 1] == '.')
		ans[--n] = '\0';
	if (!n || !strcmp(ans, "yes") || !strcmp(ans, "no")) {
		free(ans);
		return;
	}
	e->applies[CX_AUDIT_READABLE] = 1;
	char *ins = folded(cx_buf_str(&r->instruction));
	int found = 0;
	for (const char *p = strstr(ins, ans); p && !found; p = strstr(p + 1, ans)) {
		int whole = (p == ins || !word_char(p[-1])) && !word_char(p[n]);
		found = whole && !offered(ins, p, n);
	}
	if (found)
		fail(e, CX_AUDIT_READABLE, key, "the instruction spells out the answer");
	free(ins);
	free(ans);
}

/* ------------------------------------------------------------------ */
/* Option units, for leaks                                            */

static void unit_mark(struct table *t, int kind, const char *s, size_t len, size_t option)
{
	while (len && *s == ' ') {
		s++;
		len--;
	}
	while (len && s[len - 1] == ' ')
		len--;
	if (len)
		table_get(t, kind, s, len)->mask |= 1u << option;
}

/* The units of one option (folded): its text, its labels when it joins
 * several with commas, its words. */
static void option_units(struct table *t, const char *f, size_t option)
{
	unit_mark(t, UNIT_TEXT, f, strlen(f), option);
	if (strchr(f, ','))
		for (const char *p = f; *p;) {
			size_t len = strcspn(p, ",");
			unit_mark(t, UNIT_LABEL, p, len, option);
			p += len + (p[len] == ',');
		}
	for (const char *p = f; *p;) {
		if (!word_char(*p)) {
			p++;
			continue;
		}
		const char *q = p;
		while (word_char(*q))
			q++;
		unit_mark(t, UNIT_WORD, p, (size_t)(q - p), option);
		p = q;
	}
}

static int bits(unsigned m)
{
	int n = 0;
	for (; m; m &= m - 1)
		n++;
	return n;
}

static void add_units(struct cx_audit *a, struct entry *e, const struct cx_rendered *r)
{
	if (r->correct < 0 || (size_t)r->correct >= r->noptions)
		return;
	table_clear(&a->scratch);
	for (size_t i = 0; i < r->noptions && i < CX_MAX_OPTIONS; i++) {
		char *f = folded(r->options[i]);
		option_units(&a->scratch, f, i);
		free(f);
	}
	unsigned right = right_bits(r);
	double k = (double)r->noptions;
	for (size_t i = 0; i < a->scratch.n; i++) {
		const struct unit *s = &a->scratch.u[i];
		struct unit *u = table_get(&e->units, s->kind, s->text, strlen(s->text));
		unsigned wrong = s->mask & ~right;
		if (s->mask & right)
			u->right++;
		if (wrong)
			u->wrong++;
		if (s->mask == right)
			u->log_right += log(1.0 / k);
		else if (!(s->mask & right))
			u->log_wrong += log((k - bits(wrong)) / k);
	}
}

void cx_audit_add(struct cx_audit *a, const char *entry, const char *key,
		  const struct cx_rendered *r, const char *why)
{
	struct entry *e = entry_get(a, entry);
	e->n++;
	if (!r) {
		fail(e, CX_AUDIT_RENDER, key, why ? why : "cannot render");
		return;
	}
	check_empty(e, key, r);
	check_space(e, key, r);
	check_boxes(e, key, r);
	if (r->noptions) {
		check_options(e, key, r);
		add_units(a, e, r);
	} else if (!r->extractive) {
		/* an extractive task's answer is a span of its text by definition */
		check_readable(e, key, r);
	}
}

/* ------------------------------------------------------------------ */
/* Decisions over an entry                                            */

/* 1 when unit u of an entry with nunits units is a leak. */
static int is_leak(const struct unit *u, size_t nunits)
{
	double limit = log(LEAK_ALPHA / (double)(nunits ? nunits : 1));
	if (u->right && !u->wrong)
		return u->log_right < limit;
	if (u->wrong && !u->right)
		return u->log_wrong < limit;
	return 0;
}

static long leaks(const struct entry *e)
{
	long n = 0;
	for (size_t i = 0; i < e->units.n; i++)
		n += is_leak(&e->units.u[i], e->units.n);
	return n;
}

/* The positions compared (expected counts > 0), or 0 when the test does not
 * apply: Yes/No only (the position is the answer), or too few instances. */
static size_t positions_tested(const struct entry *e)
{
	size_t k = 0;
	for (size_t j = 0; j < CX_MAX_OPTIONS; j++)
		if (e->expect[j] > 0) {
			if (e->expect[j] < MIN_EXPECTED)
				return 0;
			k++;
		}
	return e->other_options && k >= 2 ? k : 0;
}

/* The chi-square p-value of the positions (Wilson-Hilferty), or 1. */
static double position_p(const struct entry *e)
{
	size_t k = positions_tested(e);
	if (!k)
		return 1;
	double x = 0;
	for (size_t j = 0; j < k; j++)
		x += (e->pos[j] - e->expect[j]) * (e->pos[j] - e->expect[j]) / e->expect[j];
	double df = (double)(k - 1), v = 2.0 / (9.0 * df);
	double z = (cbrt(x / df) - (1 - v)) / sqrt(v);
	return 0.5 * erfc(z / sqrt(2.0));
}

static long entry_failed(const struct entry *e, enum cx_audit_check c)
{
	if (c == CX_AUDIT_LEAK)
		return leaks(e);
	if (c == CX_AUDIT_POSITION)
		return position_p(e) < POSITION_ALPHA;
	return e->failed[c];
}

static int entry_applies(const struct entry *e, enum cx_audit_check c)
{
	if (c == CX_AUDIT_POSITION)
		return positions_tested(e) > 0;
	return e->applies[c];
}

long cx_audit_failed(const struct cx_audit *a, const char *entry, enum cx_audit_check c)
{
	const struct entry *e = entry_find(a, entry);
	return e ? entry_failed(e, c) : -1;
}

long cx_audit_failures(const struct cx_audit *a)
{
	long n = 0;
	for (size_t i = 0; i < a->n; i++)
		for (int c = 0; c < CX_AUDIT_NCHECKS; c++)
			n += entry_failed(&a->e[i], (enum cx_audit_check)c) > 0;
	return n;
}

/* ------------------------------------------------------------------ */
/* The report                                                         */

static int by_unit(const void *pa, const void *pb)
{
	const struct unit *a = *(const struct unit *const *)pa, *b = *(const struct unit *const *)pb;
	if (a->kind != b->kind)
		return a->kind - b->kind;
	return strcmp(a->text, b->text);
}

/* The entry's leaking units, sorted by kind and text (owned array). */
static const struct unit **leak_list(const struct entry *e, size_t *n)
{
	const struct unit **l = cx_calloc(e->units.n ? e->units.n : 1, sizeof *l);
	*n = 0;
	for (size_t i = 0; i < e->units.n; i++)
		if (is_leak(&e->units.u[i], e->units.n))
			l[(*n)++] = &e->units.u[i];
	if (*n)
		qsort(l, *n, sizeof *l, by_unit);
	return l;
}

static double unit_p(const struct unit *u)
{
	return exp(u->right ? u->log_right : u->log_wrong);
}

static void text_table(const struct cx_audit *a, struct cx_buf *out)
{
	cx_buf_addf(out, "%-40s %9s", "entry", "instances");
	for (int c = 0; c < CX_AUDIT_NCHECKS; c++)
		cx_buf_addf(out, " %s", check_names[c]);
	cx_buf_adds(out, "\n");
	for (size_t i = 0; i < a->n; i++) {
		const struct entry *e = &a->e[i];
		cx_buf_addf(out, "%-40s %9ld", e->name, e->n);
		for (int c = 0; c < CX_AUDIT_NCHECKS; c++) {
			int w = (int)strlen(check_names[c]);
			if (entry_applies(e, (enum cx_audit_check)c))
				cx_buf_addf(out, " %*ld", w, entry_failed(e, (enum cx_audit_check)c));
			else
				cx_buf_addf(out, " %*s", w, "-");
		}
		cx_buf_adds(out, "\n");
	}
}

static void text_positions(const struct cx_audit *a, struct cx_buf *out)
{
	int any = 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct entry *e = &a->e[i];
		if (!e->with_options)
			continue;
		if (!any++)
			cx_buf_adds(out, "\nright option's position (1st, 2nd, ...: count/expected)\n");
		cx_buf_addf(out, "%-40s", e->name);
		for (size_t j = 0; j < CX_MAX_OPTIONS && e->expect[j] > 0; j++)
			cx_buf_addf(out, " %ld/%.1f", e->pos[j], e->expect[j]);
		if (!e->other_options)
			cx_buf_adds(out, "  not tested: Yes, No in that order\n");
		else if (!positions_tested(e))
			cx_buf_adds(out, "  not tested: fewer than 5 expected at a position\n");
		else
			cx_buf_addf(out, "  p %.2g\n", position_p(e));
	}
}

static void text_findings(const struct cx_audit *a, struct cx_buf *out)
{
	int any = 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct entry *e = &a->e[i];
		for (int c = 0; c < CX_AUDIT_NCHECKS; c++) {
			long n = entry_failed(e, (enum cx_audit_check)c);
			if (!n)
				continue;
			if (!any++)
				cx_buf_adds(out, "\nfindings\n");
			if (c == CX_AUDIT_POSITION) {
				cx_buf_addf(out, "position %s: p %.2g\n", e->name, position_p(e));
			} else if (c == CX_AUDIT_LEAK) {
				size_t nl;
				const struct unit **l = leak_list(e, &nl);
				for (size_t k = 0; k < nl; k++)
					cx_buf_addf(out, "leak %s: %s '%s' right %ld, wrong %ld (p %.2g)\n",
						    e->name, kind_names[l[k]->kind], l[k]->text,
						    l[k]->right, l[k]->wrong, unit_p(l[k]));
				free(l);
			} else {
				cx_buf_addf(out, "%s %s: %ld of %ld, first %s\n", check_names[c], e->name,
					    n, e->n, e->example[c]);
			}
		}
	}
}

static void json_entry(const struct entry *e, struct cx_buf *out)
{
	cx_buf_adds(out, "{\"entry\": ");
	cx_buf_add_json_str(out, e->name);
	cx_buf_addf(out, ", \"instances\": %ld, \"checks\": {", e->n);
	for (int c = 0; c < CX_AUDIT_NCHECKS; c++) {
		cx_buf_addf(out, "%s\"%s\": ", c ? ", " : "", check_names[c]);
		if (!entry_applies(e, (enum cx_audit_check)c)) {
			cx_buf_adds(out, "null");
			continue;
		}
		cx_buf_addf(out, "{\"failed\": %ld, \"first\": ", entry_failed(e, c));
		if (e->example[c])
			cx_buf_add_json_str(out, e->example[c]);
		else
			cx_buf_adds(out, "null");
		cx_buf_adds(out, "}");
	}
	cx_buf_adds(out, "}, \"positions\": [");
	for (size_t j = 0; j < CX_MAX_OPTIONS && e->expect[j] > 0; j++)
		cx_buf_addf(out, "%s{\"right\": %ld, \"expected\": %.1f}", j ? ", " : "", e->pos[j],
			    e->expect[j]);
	cx_buf_adds(out, "], \"leaks\": [");
	size_t nl;
	const struct unit **l = leak_list(e, &nl);
	for (size_t k = 0; k < nl; k++) {
		cx_buf_addf(out, "%s{\"kind\": \"%s\", \"unit\": ", k ? ", " : "",
			    kind_names[l[k]->kind]);
		cx_buf_add_json_str(out, l[k]->text);
		cx_buf_addf(out, ", \"right\": %ld, \"wrong\": %ld, \"p\": %.2g}", l[k]->right,
			    l[k]->wrong, unit_p(l[k]));
	}
	free(l);
	cx_buf_adds(out, "]}");
}

void cx_audit_report(const struct cx_audit *a, int json, struct cx_buf *out)
{
	long failures = cx_audit_failures(a);
	if (json) {
		cx_buf_adds(out, "{\"entries\": [");
		for (size_t i = 0; i < a->n; i++) {
			cx_buf_adds(out, i ? ",\n " : "\n ");
			json_entry(&a->e[i], out);
		}
		cx_buf_addf(out, "],\n \"failures\": %ld}\n", failures);
		return;
	}
	text_table(a, out);
	text_positions(a, out);
	text_findings(a, out);
	long instances = 0;
	for (size_t i = 0; i < a->n; i++)
		instances += a->e[i].n;
	if (failures)
		cx_buf_addf(out, "\naudit: %ld checks failed (%zu entries, %ld instances)\n",
			    failures, a->n, instances);
	else
		cx_buf_addf(out, "\naudit: every check passed (%zu entries, %ld instances)\n", a->n,
			    instances);
}

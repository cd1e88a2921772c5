/*
 * nlm-tb.c - the NLM tuberculosis chest X-ray sets: Montgomery County
 * (NLM-MontgomeryCXRSet.zip: MontgomerySet/) and Shenzhen
 * (ChinaSet_AllFiles.zip: ChinaSet_AllFiles/), one source with either set
 * or both, as the official build reads them together.
 *
 * Each set is CXR_png/<SET>_<NNNN>_<L>.png, the label L (0 normal, 1
 * tuberculosis) being the last digit of the file name, and
 * ClinicalReadings/<same stem>.txt: sex, age and the radiologist's reading.
 * The two sets write the readings differently:
 *
 *     Montgomery                       Shenzhen
 *     Patient's Sex: F                 male 45yrs
 *     Patient's Age: 040Y              PTB in the left upper field
 *     normal
 *
 * so the reading parser takes the form the file's first line has, whatever
 * the set. Every image file is one row: an image fact with the sex and age of
 * its reading, and labels in the tuberculosis vocabulary (vocab/tuberculosis.c).
 * The reading's text (a finding description, "normal" for the normal images)
 * is parsed and checked but stored nowhere: the label already says what it
 * says, and no task of the official build reads it (sources/nlm-tb.md). The
 * readings are read first, in one pass, and held (a few hundred bytes each),
 * so that a zipped set is read twice in all, not once per image. A reading
 * whose image is missing is a row too, filtered. No split: every image is
 * train, as officially.
 */
#include "cx.h"

#include <ctype.h>
#include <strings.h>

#include "adapters/adapter.h"
#include "adapters/rows.h"
#include "io/release.h"

/* A reading is a few hundred bytes; one past this is not a reading. */
#define READING_MAX ((size_t)64 << 10)

struct set {
	const char *folder; /* the set's top folder */
	const char *prefix; /* of its file names */
};

static const struct set sets[] = {
	{"MontgomerySet", "MCUCXR_"},
	{"ChinaSet_AllFiles", "CHNCXR_"},
};

/* What a reading says. */
struct reading {
	const char *sex; /* "M", "F" or NULL */
	int age;         /* years, -1 when unknown */
	int lines;       /* lines of reading text after sex and age */
	char same[32];   /* "same pt as <image stem>": that image's patient, or "" */
};

/* A line of a reading: [s, s + n), without its line end. */
struct line {
	const char *s;
	size_t n;
	long no;
};

/* The next line of text from *pos (CR, LF or CRLF end it); 0 at the end. */
static int next_line(const char *text, size_t len, size_t *pos, struct line *l)
{
	if (*pos >= len)
		return 0;
	size_t i = *pos;
	while (i < len && text[i] != '\r' && text[i] != '\n')
		i++;
	l->s = text + *pos;
	l->n = i - *pos;
	l->no++;
	if (i < len && text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
		i++;
	*pos = i + 1;
	return 1;
}

/* Trims spaces and tabs from both ends. */
static void trim(struct line *l)
{
	while (l->n && (l->s[0] == ' ' || l->s[0] == '\t'))
		l->s++, l->n--;
	while (l->n && (l->s[l->n - 1] == ' ' || l->s[l->n - 1] == '\t'))
		l->n--;
}

/* 1 when the line starts with word, ignoring case; *rest is what follows. */
static int starts_ci(const struct line *l, const char *word, struct line *rest)
{
	size_t n = strlen(word);
	if (l->n < n || strncasecmp(l->s, word, n))
		return 0;
	*rest = (struct line){l->s + n, l->n - n, l->no};
	trim(rest);
	return 1;
}

/* Digits at s (at most 4, the value in *v); returns how many. */
static size_t digits(const char *s, size_t n, long *v)
{
	size_t k = 0;
	*v = 0;
	while (k < n && k < 4 && isdigit((unsigned char)s[k]))
		*v = *v * 10 + (s[k++] - '0');
	return k < n && isdigit((unsigned char)s[k]) ? 0 : k;
}

/* An age unit and what it takes to make years of it. */
static const struct {
	const char *word;
	int per_year;
} units[] = {
	{"years", 1}, {"year", 1}, {"yrs", 1}, {"yr", 1}, {"y", 1},
	{"months", 12}, {"month", 12}, {"mon", 12}, {"m", 12},
	{"weeks", 52}, {"week", 52}, {"w", 52},
	{"days", 365}, {"day", 365}, {"d", 365},
};

/*
 * An age: digits, optional spaces, then a unit or nothing (years): "040Y"
 * (Montgomery, DICOM's age string), "45yrs", "45 yrs", "3 months". Returns 0
 * with *age in whole years, or -1.
 */
static int parse_age(const char *s, size_t n, int *age)
{
	long v;
	size_t k = digits(s, n, &v);
	if (k == 0)
		return -1;
	while (k < n && (s[k] == ' ' || s[k] == '\t'))
		k++;
	int per = k == n ? 1 : 0;
	for (size_t i = 0; !per && i < CX_ARRAY_LEN(units); i++)
		if (n - k == strlen(units[i].word) && !strncasecmp(s + k, units[i].word, n - k))
			per = units[i].per_year;
	if (!per || v / per > 130)
		return -1;
	*age = (int)(v / per);
	return 0;
}

/* Montgomery's sex: M, F, or O (other: no sex stored). */
static int parse_sex_letter(const struct line *v, const char **sex)
{
	if (v->n != 1)
		return -1;
	switch (toupper((unsigned char)v->s[0])) {
	case 'M': *sex = "M"; return 0;
	case 'F': *sex = "F"; return 0;
	case 'O': *sex = NULL; return 0;
	default: return -1;
	}
}

/* The parser's verdict: 0, or -1 with why (naming the line) set. */
static int fail(char *why, size_t whysz, const struct line *l, const char *what)
{
	snprintf(why, whysz, "line %ld: %s '%.*s'", l->no, what, (int)(l->n > 80 ? 80 : l->n),
		 l->s);
	return -1;
}

/* Shenzhen's first line: "male 45yrs", "female,35 yrs", "Male 2 months". */
static int shenzhen(const struct line *t, struct reading *out, char *why, size_t whysz)
{
	static const struct {
		const char *word, *sex;
	} sexes[] = {{"female", "F"}, {"femal", "F"}, {"male", "M"}}; /* "femal": a real typo */
	struct line rest;
	for (size_t i = 0; i < CX_ARRAY_LEN(sexes); i++) {
		if (!starts_ci(t, sexes[i].word, &rest))
			continue;
		while (rest.n && (rest.s[0] == ',' || rest.s[0] == ' ' || rest.s[0] == '\t'))
			rest.s++, rest.n--;
		if (parse_age(rest.s, rest.n, &out->age))
			return fail(why, whysz, t, "invalid age in");
		out->sex = sexes[i].sex;
		return 0;
	}
	return fail(why, whysz, t, "neither \"Patient's Sex: ...\" nor \"<male|female> <age>\":");
}

/* "Patient's <key>" (or with a typographic apostrophe) and what follows. */
static int patient_key(const struct line *t, const char *key, struct line *v)
{
	struct line rest;
	if (!starts_ci(t, "Patient's", &rest) && !starts_ci(t, "Patient\u2019s", &rest))
		return 0;
	return starts_ci(&rest, key, v);
}

/* A Montgomery header line (sex or age, each once): 1 taken, 0 not one, -1 bad. */
static int montgomery_line(const struct line *t, struct reading *out, int *seen, char *why,
			   size_t whysz)
{
	struct line v;
	if (patient_key(t, "Sex:", &v)) {
		if (seen[0]++)
			return fail(why, whysz, t, "a second sex line:");
		return parse_sex_letter(&v, &out->sex) ? fail(why, whysz, t, "invalid sex in") : 1;
	}
	if (patient_key(t, "Age:", &v)) {
		if (seen[1]++)
			return fail(why, whysz, t, "a second age line:");
		return parse_age(v.s, v.n, &out->age) ? fail(why, whysz, t, "invalid age in") : 1;
	}
	return 0;
}

/*
 * Some Montgomery readings say the image is of a patient seen in another one
 * ("NO REPORT (same pt as MCUCXR_0162_1)"): the word after "same pt as" is
 * kept, and becomes the patient when it is an image name of the set.
 */
static void same_patient(const struct line *t, struct reading *out)
{
	static const char key[] = "same pt as ";
	size_t k = sizeof key - 1;
	for (size_t i = 0; i + k <= t->n; i++) {
		if (strncasecmp(t->s + i, key, k))
			continue;
		size_t j = i + k, n = 0;
		while (j + n < t->n && n + 1 < sizeof out->same &&
		       (isalnum((unsigned char)t->s[j + n]) || t->s[j + n] == '_'))
			n++;
		memcpy(out->same, t->s + j, n);
		out->same[n] = '\0';
		return;
	}
}

/*
 * Parses one reading (text need not be NUL-terminated). The first non-blank
 * line says the form: "Patient's ..." is Montgomery's (sex and age lines, in
 * either order, then the reading), anything else must be Shenzhen's sex and
 * age. Every other non-blank line is reading text. Returns 0 with *out
 * filled, or -1 with why set ("line N: ...").
 */
static int parse_reading(const char *text, size_t len, struct reading *out, char *why,
			 size_t whysz)
{
	*out = (struct reading){NULL, -1, 0, ""};
	if (!cx_utf8_valid(text, len) || memchr(text, '\0', len)) {
		snprintf(why, whysz, "is not UTF-8 text");
		return -1;
	}
	size_t pos = 0;
	struct line l = {.no = 0}, t, v;
	int form = 0, seen[2] = {0, 0};
	while (next_line(text, len, &pos, &l)) {
		t = l;
		trim(&t);
		if (!t.n)
			continue;
		if (!form) {
			form = starts_ci(&t, "Patient", &v) ? 1 : 2;
			if (form == 2) {
				if (shenzhen(&t, out, why, whysz))
					return -1;
				continue;
			}
		}
		int got = form == 1 ? montgomery_line(&t, out, seen, why, whysz) : 0;
		if (got < 0)
			return -1;
		out->lines += !got;
		if (!got)
			same_patient(&t, out);
	}
	if (!form) {
		snprintf(why, whysz, "is empty: no sex and age");
		return -1;
	}
	if (form == 1 && !seen[0] && !seen[1]) {
		snprintf(why, whysz, "has no \"Patient's Sex:\" or \"Patient's Age:\" line");
		return -1;
	}
	return 0;
}

/* A reading as read in the first pass: parsed, or the reason it is bad. */
struct held {
	char *stem;      /* the file's stem, e.g. "MCUCXR_0001_0" */
	char *name;      /* the reading's name in the release */
	char *why;       /* NULL, or why it is bad (one line) */
	struct reading rd;
	size_t order;    /* when the walk met it: of two copies, the first stays */
	int used;        /* an image row took it */
};

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	const struct set *set;
	struct held *held; /* the set's readings, sorted by stem */
	size_t nheld, capheld;
	struct cx_buf text;
};

/* "<prefix><digits>_<0|1>.png": the stem's length and the label, or -1. */
static int parse_name(const struct set *s, const char *base, size_t *stem)
{
	size_t p = strlen(s->prefix), n = strlen(base);
	if (strncmp(base, s->prefix, p) || n < p + 7 || strcmp(base + n - 4, ".png"))
		return -1;
	size_t d = strspn(base + p, "0123456789");
	if (d == 0 || p + d + 6 != n || base[p + d] != '_' ||
	    (base[p + d + 1] != '0' && base[p + d + 1] != '1'))
		return -1;
	*stem = n - 4;
	return base[p + d + 1] - '0';
}

/* First pass: every reading of the set, read and parsed as the walk meets
 * it. Opening each one when its image comes would scan an archive from its
 * start per image (Shenzhen's zip holds 3.7 GB of PNGs); a reading is a few
 * hundred bytes, and 800 of them are held at once. A name met again (in
 * another layer) keeps its first copy. */
static int hold_reading(void *ctx, const char *name, struct cx_stream *s)
{
	struct reader *r = ctx;
	const char *base = strrchr(name, '/') + 1;
	if (r->nheld == r->capheld) {
		r->capheld = r->capheld ? 2 * r->capheld : 256;
		r->held = cx_realloc(r->held, r->capheld * sizeof(*r->held));
	}
	struct held *h = &r->held[r->nheld];
	*h = (struct held){.stem = cx_strndup(base, strlen(base) - 4), .name = cx_strdup(name),
			   .order = r->nheld};
	struct cx_error err = {0};
	char sub[300];
	cx_buf_reset(&r->text);
	struct cx_buf why = CX_BUF_INIT;
	if (!s)
		cx_buf_addf(&why, "clinical reading %s: a symbolic link on its path leads out of "
			    "the release", name);
	else if (cx_stream_slurp(s, &r->text, READING_MAX, &err))
		cx_buf_addf(&why, "clinical reading %s", err.msg);
	else if (parse_reading(r->text.len ? r->text.data : "", r->text.len, &h->rd, sub,
			       sizeof sub))
		cx_buf_addf(&why, "clinical reading %s %s", name, sub);
	h->why = why.len ? cx_buf_detach(&why) : NULL;
	cx_buf_release(&why);
	r->nheld++;
	return 0;
}

static int cmp_held(const void *a, const void *b)
{
	return strcmp(((const struct held *)a)->stem, ((const struct held *)b)->stem);
}

/* By stem, then by the order met: qsort is not stable. */
static int cmp_held_order(const void *a, const void *b)
{
	const struct held *x = a, *y = b;
	int c = strcmp(x->stem, y->stem);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static void held_free(struct reader *r)
{
	for (size_t i = 0; i < r->nheld; i++) {
		free(r->held[i].stem);
		free(r->held[i].name);
		free(r->held[i].why);
	}
	free(r->held);
	r->held = NULL;
	r->nheld = r->capheld = 0;
}

/* Sorts the readings; of a stem met twice, the first stays. */
static void held_finish(struct reader *r)
{
	if (!r->nheld)
		return;
	qsort(r->held, r->nheld, sizeof(*r->held), cmp_held_order);
	size_t k = 0;
	for (size_t i = 0; i < r->nheld; i++) {
		struct held *h = &r->held[i];
		if (k && !strcmp(r->held[k - 1].stem, h->stem)) {
			free(h->stem);
			free(h->name);
			free(h->why);
			continue;
		}
		r->held[k++] = *h;
	}
	r->nheld = k;
}

static struct held *find_held(struct reader *r, const char *stem)
{
	if (!r->nheld)
		return NULL;
	struct held key = {.stem = (char *)stem};
	return bsearch(&key, r->held, r->nheld, sizeof(*r->held), cmp_held);
}

/* One image file of CXR_png/. */
static struct cx_outcome image_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *base = strrchr(row->file, '/') + 1;
	/* its reading is this row's, whatever becomes of the row */
	char *own = cx_strndup(base, strlen(base) - 4);
	struct held *h = find_held(r, own);
	free(own);
	if (h)
		h->used = 1;
	size_t stem;
	int label = parse_name(r->set, base, &stem);
	if (label < 0)
		return cx_rows_reject(row, "file name '%s' is not %sNNNN_0.png or %sNNNN_1.png",
				      base, r->set->prefix, r->set->prefix);
	if (h && h->why)
		return cx_rows_reject(row, "%s", h->why);
	struct reading rd = h ? h->rd : (struct reading){NULL, -1, 0, ""};
	char patient[64], other[40];
	snprintf(patient, sizeof patient, "%.*s", (int)(stem - 2), base);
	size_t ostem;
	snprintf(other, sizeof other, "%s.png", rd.same);
	if (rd.same[0] && parse_name(r->set, other, &ostem) >= 0)
		snprintf(patient, sizeof patient, "%.*s", (int)(ostem - 2), other);
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = base;
	f.path = row->file;
	f.patient = patient;
	f.split = CX_SPLIT_TRAIN;
	f.sex = rd.sex;
	f.age = rd.age;
	struct cx_label labels[] = {{"Tuberculosis", label}, {"Normal", !label}};
	struct cx_labels_fact lf = {base, 0, labels, 2};
	struct cx_error err = {0};
	if (cx_emit_image(r->sink, &f, &err) || cx_emit_labels(r->sink, &lf, &err))
		return cx_rows_reject(row, "%s", err.msg);
	return cx_rows_keep();
}

static int read_set(struct reader *r, struct cx_rows *rows, struct cx_error *err)
{
	struct cx_buf pat = CX_BUF_INIT;
	cx_buf_addf(&pat, "%s/ClinicalReadings/*.txt", r->set->folder);
	int rc = cx_release_walk(r->rel, pat.data, hold_reading, r, err);
	held_finish(r);
	cx_buf_reset(&pat);
	cx_buf_addf(&pat, "%s/CXR_png/*.png", r->set->folder);
	struct cx_files_spec spec = {.pattern = pat.data, .copy_rule = "copy-in-another-layer",
				     .fn = image_row};
	if (rc == 0)
		rc = cx_rows_files(rows, r->rel, &spec, err);
	/* a reading no image took is a row of its own, filtered */
	for (size_t i = 0; rc == 0 && i < r->nheld; i++)
		if (!r->held[i].used)
			rc = cx_rows_account(rows, r->held[i].name, 1,
					     cx_rows_filter("reading-without-image"), err);
	held_free(r);
	cx_buf_release(&pat);
	return rc;
}

static int tb_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	struct reader r = {.rel = rel, .sink = sink, .text = CX_BUF_INIT};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < CX_ARRAY_LEN(sets); i++) {
		r.set = &sets[i];
		rc = read_set(&r, &rows, err);
	}
	if (rc == 0 && rows.read == 0)
		rc = cx_error_set(err, CX_ENOTFOUND, "%s: no image in MontgomerySet/CXR_png/ or "
				  "ChinaSet_AllFiles/CXR_png/", cx_release_path(rel));
	cx_buf_release(&r.text);
	return rc;
}

/* The first image or the read-me of either set, here or one folder down. */
static int tb_probe(struct cx_release *rel)
{
	static const char *const signs[] = {
		"MontgomerySet/CXR_png/MCUCXR_0001_0.png",
		"MontgomerySet/NLM-MontgomeryCXRSet-ReadMe.pdf",
		"ChinaSet_AllFiles/CXR_png/CHNCXR_0001_0.png",
		"ChinaSet_AllFiles/NLM-ChinaCXRSet-ReadMe.docx",
	};
	for (size_t i = 0; i < CX_ARRAY_LEN(signs); i++)
		if (cx_release_locate(rel, signs[i]))
			return 1;
	return 0;
}

static const struct cx_entry_def entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_image},
};

const struct cx_adapter cx_adapter_nlm_tb = {
	.id = "nlm-tb",
	.dataset = "NLM-TB",
	.versions = "Montgomery County CXR Set, Shenzhen Hospital CXR Set",
	.license = "public (U.S. National Library of Medicine); citation of the sets' papers "
		   "requested",
	.access = "public",
	.labels = &cx_vocab_tuberculosis,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = tb_probe,
	.read = tb_read,
};

/*
 * openi.c - OpenI / IU X-Ray (NLMCXR, 2013): Indiana University chest X-ray
 * reports and their PNG images, held out for evaluation (every study and
 * image is split test, as in CheXinstruct).
 *
 * Reports are `ecgen-radiology/<n>.xml`, one report per file, read from the
 * extracted folder or from NLMCXR_reports.tgz inside the release folder (the
 * io layer makes both look the same). Each file is streamed through expat,
 * which also checks that the text is well-formed UTF-8. From it we take the
 * uId (CXR<n>: the study and patient key is n), the four AbstractText
 * sections by Label, and the parentImage ids, which name the PNGs: `<id>.png`
 * at the root of NLMCXR_png.tgz (flat) or in an extracted NLMCXR_png/ folder.
 *
 * One file is one row. A report without images is kept: its text still feeds
 * findings summarization, while the generation tasks need an image and skip
 * it. Facts are emitted only after the whole file parsed cleanly.
 */
#include "cx.h"

#include <expat.h>
#include <sys/stat.h>

#include "adapters/adapter.h"
#include "adapters/rows.h"
#include "adapters/strset.h"
#include "io/release.h"

#define REPORT_GLOB "ecgen-radiology/*.xml"

enum { S_COMPARISON, S_INDICATION, S_FINDINGS, S_IMPRESSION, S_N };
static const char *const labels[S_N] = {"COMPARISON", "INDICATION", "FINDINGS", "IMPRESSION"};

/* What one XML file says, filled in by the expat callbacks. */
struct report {
	XML_Parser parser;
	int depth;
	int has_uid;
	struct cx_buf uid;
	struct cx_buf text[S_N];
	int seen[S_N];
	int in_text;          /* the section whose characters are collected, or -1 */
	int text_depth;       /* depth of its AbstractText element */
	struct cx_strset image_set;
	char **images;        /* parentImage ids in document order, no repeats */
	size_t nimages;
	struct cx_buf bad;    /* the first problem that is not an XML syntax error */
};

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	struct cx_buf path;
};

static const char *attr(const XML_Char **atts, const char *name)
{
	for (size_t i = 0; atts[i]; i += 2)
		if (!strcmp(atts[i], name))
			return atts[i + 1];
	return NULL;
}

/* Records a problem and stops the parser; the file is rejected with it. */
static void fail(struct report *r, const char *fmt, const char *arg)
{
	if (!r->bad.len)
		cx_buf_addf(&r->bad, fmt, arg);
	XML_StopParser(r->parser, XML_FALSE);
}

static void add_image(struct report *r, const char *id)
{
	/* A repeated reference to the same image is the same image. */
	if (!cx_strset_add(&r->image_set, id))
		return;
	r->images = cx_realloc(r->images, (r->nimages + 1) * sizeof(*r->images));
	r->images[r->nimages++] = cx_strdup(id);
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct report *r = ud;
	r->depth++;
	if (r->depth == 1 && strcmp(name, "eCitation") != 0) {
		fail(r, "root element is <%s>, expected <eCitation>", name);
	} else if (!strcmp(name, "uId")) {
		const char *id = attr(atts, "id");
		if (!id || r->has_uid)
			fail(r, "%s", id ? "more than one <uId>" : "<uId> without an id");
		else
			cx_buf_adds(&r->uid, id);
		r->has_uid = 1;
	} else if (!strcmp(name, "AbstractText")) {
		const char *label = attr(atts, "Label");
		for (int i = 0; label && i < S_N; i++) {
			if (strcmp(label, labels[i]) != 0)
				continue;
			if (r->seen[i])
				fail(r, "AbstractText Label=\"%s\" appears twice", label);
			r->seen[i] = 1;
			r->in_text = i;
			r->text_depth = r->depth;
		}
	} else if (!strcmp(name, "parentImage")) {
		/* The id names a file: <id>.png. */
		const char *id = attr(atts, "id");
		const char *problem = cx_rows_name_problem(id ? id : "", CX_NAME_FILE);
		if (problem && !r->bad.len)
			cx_rows_name_reason(&r->bad, "parentImage id", id ? id : "", problem);
		if (problem)
			XML_StopParser(r->parser, XML_FALSE);
		else
			add_image(r, id);
	}
}

static void on_end(void *ud, const XML_Char *name)
{
	(void)name;
	struct report *r = ud;
	if (r->in_text >= 0 && r->depth == r->text_depth)
		r->in_text = -1;
	r->depth--;
}

static void on_text(void *ud, const XML_Char *s, int len)
{
	struct report *r = ud;
	if (r->in_text >= 0)
		cx_buf_add(&r->text[r->in_text], s, (size_t)len);
}

static void report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->in_text = -1;
}

static void report_release(struct report *r)
{
	cx_buf_release(&r->uid);
	for (int i = 0; i < S_N; i++)
		cx_buf_release(&r->text[i]);
	for (size_t i = 0; i < r->nimages; i++)
		free(r->images[i]);
	free(r->images);
	cx_strset_release(&r->image_set);
	cx_buf_release(&r->bad);
}

/*
 * Parses one file. Returns 0 when it parsed (r->bad may still hold a
 * problem), 1 with *line and r->bad set for malformed XML, or a negative code
 * when the stream itself could not be read.
 */
static int parse(struct report *r, struct cx_stream *s, long *line, struct cx_error *err)
{
	XML_Parser p = XML_ParserCreate(NULL);
	if (!p)
		return cx_error_set(err, CX_ERROR, "%s: cannot create an XML parser",
				    cx_stream_name(s));
	r->parser = p;
	XML_SetUserData(p, r);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	char buf[16384];
	long n;
	int rc = 0;
	do {
		n = cx_stream_read(s, buf, sizeof(buf), err);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		if (XML_Parse(p, buf, (int)n, n == 0) == XML_STATUS_ERROR) {
			*line = (long)XML_GetCurrentLineNumber(p);
			if (XML_GetErrorCode(p) != XML_ERROR_ABORTED) {
				cx_buf_reset(&r->bad);
				cx_buf_addf(&r->bad, "malformed XML on line %ld: %s", *line,
					    XML_ErrorString(XML_GetErrorCode(p)));
			}
			rc = 1;
			break;
		}
	} while (n > 0);
	XML_ParserFree(p);
	r->parser = NULL;
	return rc;
}

/* "CXR123" -> "123"; NULL when the id is not CXR followed by digits. */
static const char *report_number(const char *uid)
{
	if (!cx_str_starts(uid, "CXR") || !uid[3])
		return NULL;
	for (const char *p = uid + 3; *p; p++)
		if (*p < '0' || *p > '9')
			return NULL;
	return uid + 3;
}

/*
 * The PNG of an image: `<id>.png` at the root (NLMCXR_png.tgz is flat, or
 * extracted into the release folder), else in an extracted NLMCXR_png/
 * folder; `<id>.png` when neither exists (the catalogue then says so).
 */
static const char *image_path(struct reader *rd, const char *id)
{
	cx_buf_reset(&rd->path);
	cx_buf_addf(&rd->path, "NLMCXR_png/%s.png", id);
	const char *flat = rd->path.data + strlen("NLMCXR_png/");
	if (cx_release_exists(rd->rel, flat) || !cx_release_exists(rd->rel, rd->path.data))
		return flat;
	return rd->path.data;
}

/* A section's text, trimmed; NULL when absent or empty. */
static const char *section(struct report *r, int i)
{
	if (!r->text[i].data)
		return NULL;
	char *t = cx_trim(r->text[i].data);
	return t[0] ? t : NULL;
}

static int emit(struct reader *rd, struct report *r, const char *n, struct cx_error *err)
{
	const struct cx_sink *sink = rd->sink;
	struct cx_study_fact study = {n, n, CX_SPLIT_TEST};
	int rc = cx_emit_study(sink, &study, err);
	for (size_t i = 0; rc == 0 && i < r->nimages; i++) {
		struct cx_image_fact f;
		cx_image_fact_init(&f);
		f.key = r->images[i];
		f.path = image_path(rd, r->images[i]);
		f.patient = n;
		f.study = n;
		f.split = CX_SPLIT_TEST;
		rc = cx_emit_image(sink, &f, err);
	}
	if (rc == 0) {
		struct cx_report_fact rep = {
			.study = n,
			.indication = section(r, S_INDICATION),
			.comparison = section(r, S_COMPARISON),
			.findings = section(r, S_FINDINGS),
			.impression = section(r, S_IMPRESSION),
		};
		rc = cx_emit_report(sink, &rep, err);
	}
	return rc;
}

/*
 * One report file, one row (the helper filters a copy of a file already read
 * from another layer as "duplicate-copy"). A problem found while parsing is
 * rejected with the line where expat stopped.
 */
static struct cx_outcome read_one(void *ctx, struct cx_row *row)
{
	struct reader *rd = ctx;
	struct report r;
	report_init(&r);
	long line = 1;
	int rc = parse(&r, row->stream, &line, row->err);
	if (rc < 0) {
		report_release(&r);
		return cx_rows_fail();
	}
	const char *n = NULL;
	if (!r.bad.len && !r.has_uid)
		cx_buf_adds(&r.bad, "no <uId> element");
	if (!r.bad.len && !(n = report_number(r.uid.data)))
		cx_buf_addf(&r.bad, "uId '%s' is not CXR<n>", r.uid.data);
	struct cx_error err = {0};
	struct cx_outcome o;
	if (r.bad.len) {
		row->line = line;
		o = cx_rows_reject(row, "%s", r.bad.data);
	} else if (emit(rd, &r, n, &err) < 0) {
		o = cx_rows_reject(row, "%s", err.msg);
	} else {
		o = cx_rows_keep();
	}
	report_release(&r);
	return o;
}

static int openi_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	static const struct cx_files_spec spec = {
		.pattern = REPORT_GLOB,
		.copy_rule = "duplicate-copy",
		.fn = read_one,
	};
	struct reader rd = {.rel = rel, .sink = sink};
	struct cx_rows rows = {.sink = sink, .ctx = &rd};
	int rc = cx_rows_files(&rows, rel, &spec, err);
	if (rc == 0 && rows.read == 0)
		rc = cx_error_set(err, CX_ENOTFOUND, "%s: no report files '%s' (%s)",
				  cx_release_path(rel), REPORT_GLOB,
				  "the extracted folder or NLMCXR_reports.tgz");
	cx_buf_release(&rd.path);
	return rc;
}

static int stop_at_first(void *ctx, const char *name, struct cx_stream *s)
{
	(void)ctx;
	(void)name;
	(void)s;
	return 1;
}

/*
 * Cheap on purpose: probes run on every release. A folder release is OpenI
 * when it holds NLMCXR_reports.tgz or an ecgen-radiology/ folder, checked
 * with stat(2) on the folder itself, because asking the io layer for a name
 * it does not find indexes every archive of the folder (NLMCXR_png.tgz is
 * 1.4 GB). A release that is one archive is OpenI when a first member
 * matches REPORT_GLOB; in NLMCXR_reports.tgz that is the first member.
 */
static int openi_probe(struct cx_release *rel)
{
	if (cx_release_is_archive(rel)) {
		struct cx_error err = {0};
		return cx_release_walk(rel, REPORT_GLOB, stop_at_first, NULL, &err) == 1;
	}
	struct cx_buf p = CX_BUF_INIT;
	struct stat st;
	cx_buf_addf(&p, "%s/NLMCXR_reports.tgz", cx_release_path(rel));
	int found = stat(p.data, &st) == 0 && S_ISREG(st.st_mode);
	cx_buf_reset(&p);
	cx_buf_addf(&p, "%s/ecgen-radiology", cx_release_path(rel));
	found = found || (stat(p.data, &st) == 0 && S_ISDIR(st.st_mode));
	cx_buf_release(&p);
	return found;
}

static const struct cx_entry_def openi_entries[] = {
	{.task = "findings-generation", .rule = &cx_rule_findings, .held_out = 1},
	{.task = "impression-generation", .rule = &cx_rule_impression, .held_out = 1},
	{.task = "findings-summarization", .rule = &cx_rule_summary, .held_out = 1},
};

const struct cx_adapter cx_adapter_openi = {
	.id = "openi",
	.dataset = "OpenI",
	.versions = "NLMCXR 2013 (ecgen-radiology)",
	.license = "CC BY-NC-ND 4.0",
	.access = "public",
	.labels = NULL,
	.entries = openi_entries,
	.nentries = CX_ARRAY_LEN(openi_entries),
	.probe = openi_probe,
	.read = openi_read,
};

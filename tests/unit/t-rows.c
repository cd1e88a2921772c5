/*
 * t-rows.c - the adapters' read loops (adapters/rows.h) on small fixtures in
 * tests/fixtures/rows/: exact rows read, kept, rejected and filtered, every
 * reject wording the helpers own, required and optional columns and keys,
 * the safe-name check, and the check of rows read against the outcomes in
 * the test recorder (facts.c) and in the catalogue.
 */
#include "cx.h"

#include <unistd.h>

#include "adapters/rows.h"
#include "catalogue/catalogue.h"
#include "facts.h"
#include "io/release.h"
#include "io/csv.h"
#include "t.h"

#define FX "tests/fixtures/rows"

/* ---- a sink that logs outcomes and counts rows read ---- */

struct rec {
	struct cx_buf log; /* outcomes, and what the row functions saw */
	long read;
};

static void on_read(void *ctx, const struct cx_where *w)
{
	(void)w;
	((struct rec *)ctx)->read++;
}

static void on_kept(void *ctx, const struct cx_where *w)
{
	cx_buf_addf(&((struct rec *)ctx)->log, "kept %s:%ld\n", w->file, w->line);
}

static void on_reject(void *ctx, const struct cx_where *w, const char *why)
{
	cx_buf_addf(&((struct rec *)ctx)->log, "reject %s:%ld %s\n", w->file, w->line, why);
}

static void on_filter(void *ctx, const struct cx_where *w, const char *rule)
{
	cx_buf_addf(&((struct rec *)ctx)->log, "filter %s:%ld %s\n", w->file, w->line, rule);
}

struct run {
	struct rec rec;
	struct cx_sink sink;
	struct cx_rows rows;
	struct cx_release *rel;
	struct cx_error err;
};

static void run_init(struct run *r, const char *release)
{
	memset(r, 0, sizeof(*r));
	r->sink = (struct cx_sink){.ctx = &r->rec, .kept = on_kept, .reject = on_reject,
				   .filter = on_filter, .read = on_read};
	r->rows = (struct cx_rows){.sink = &r->sink, .ctx = &r->rec};
	if (cx_release_open(&r->rel, release, &r->err))
		printf("# cannot open %s: %s\n", release, r->err.msg);
}

static void run_free(struct run *r)
{
	cx_release_free(r->rel);
	cx_buf_release(&r->rec.log);
}

/* The four counts of a run, and the sink's own count of rows read. */
static void check_counts(const struct run *r, long read, long kept, long rejected, long filtered,
			 const char *what)
{
	char msg[200];
	long got[] = {r->rows.read, r->rows.kept, r->rows.rejected, r->rows.filtered, r->rec.read};
	long want[] = {read, kept, rejected, filtered, read};
	static const char *const name[] = {"read", "kept", "rejected", "filtered",
					   "read by the sink"};
	for (int i = 0; i < 5; i++) {
		snprintf(msg, sizeof msg, "%s: %ld %s", what, want[i], name[i]);
		CHECK_INT(got[i], want[i], msg);
	}
}

/*
 * The row function of the CSV and JSON tests: v[0] an id, v[1] a file name,
 * v[2] optional. "skip.jpg" is filtered, a name without '.' is rejected
 * quoting it, an unsafe name is rejected by the shared check.
 */
static struct cx_outcome name_row(void *ctx, struct cx_row *row)
{
	struct rec *rec = ctx;
	const char *name = row->v[1];
	struct cx_outcome o;
	if (!strcmp(name, "skip.jpg"))
		return cx_rows_filter("skip-rule");
	if (!strchr(name, '.'))
		return cx_rows_reject(row, "name '%s' has no extension", name);
	if (cx_rows_safe_name(row, "name", name, CX_NAME_FILE, &o))
		return o;
	cx_buf_addf(&rec->log, "row id=%s name=%s", row->v[0], name);
	for (size_t i = 2; i < row->n; i++)
		cx_buf_addf(&rec->log, " v%zu=%s", i, row->v[i] ? row->v[i] : "(absent)");
	cx_buf_addc(&rec->log, '\n');
	return cx_rows_keep();
}

/* ---- CSV and TSV ---- */

static const char csv_log[] =
	"row id=1 name=a.jpg v2=(absent) v3=10\n"
	"kept data.csv:2\n"
	"reject data.csv:3 row has 2 fields, expected 3\n"
	"filter data.csv:4 skip-rule\n"
	"reject data.csv:5 invalid UTF-8 in column 'name'\n"
	"reject data.csv:6 name 'two\\x0alines' has no extension\n"
	"reject data.csv:9 name '../up.jpg' is not a safe name: a '..' component\n"
	"reject data.csv:10 row has 4 fields, expected 3\n";

static void test_csv(void)
{
	static const char *const cols[] = {"id", "name", "opt", "size"};
	static const int optional[] = {0, 0, 1, 0};
	struct cx_csv_spec spec = {.file = "data.csv", .cols = cols, .optional = optional,
				   .ncols = 4, .fn = name_row};
	struct run r;
	run_init(&r, FX);
	CHECK_INT(cx_rows_csv(&r.rows, r.rel, &spec, &r.err), 0, "csv: reads to the end");
	CHECK_STR(cx_buf_str(&r.rec.log), csv_log,
		  "csv: each row once, the helper's rejects in its wording, a newline escaped");
	check_counts(&r, 7, 1, 5, 1, "csv");

	/* A missing required column: an error naming file, line and column. */
	static const char *const want_missing[] = {"id", "missing"};
	struct cx_csv_spec missing = {.file = "data.csv", .cols = want_missing, .ncols = 2,
				      .fn = name_row};
	cx_buf_reset(&r.rec.log);
	r.rows.read = r.rows.kept = r.rows.rejected = r.rows.filtered = r.rec.read = 0;
	CHECK_INT(cx_rows_csv(&r.rows, r.rel, &missing, &r.err), CX_EFORMAT,
		  "csv: a missing required column fails the read");
	CHECK_STR(r.err.msg, FX "/data.csv:1: header has no column 'missing'",
		  "csv: the error names file, line and column");
	check_counts(&r, 0, 0, 0, 0, "csv, missing column");

	/* Found by fuzz-csv: a header name holding a newline (and bytes that are
	 * not UTF-8) quoted in a reject made a reason of two lines. */
	static const char *const id_only[] = {"id"};
	struct cx_csv_spec bad_header = {.file = "bad-header.csv", .cols = id_only, .ncols = 1,
					 .fn = name_row};
	cx_buf_reset(&r.rec.log);
	CHECK_INT(cx_rows_csv(&r.rows, r.rel, &bad_header, &r.err), 0, "bad header: reads");
	CHECK_STR(cx_buf_str(&r.rec.log),
		  "reject bad-header.csv:3 invalid UTF-8 in column 'na\\x0ame\\xfe'\n",
		  "bad header: the reason stays one line of UTF-8, the bytes written \\xNN");

	struct cx_csv_spec absent = {.file = "nope.csv", .cols = cols, .ncols = 1, .fn = name_row};
	CHECK(cx_rows_csv(&r.rows, r.rel, &absent, &r.err) < 0, "csv: a missing file fails");
	run_free(&r);
}

static void test_tsv(void)
{
	static const char *const cols[] = {"id", "name", "note"};
	static const int optional[] = {0, 0, 1};
	struct cx_csv_spec spec = {.file = "data.tsv", .delim = '\t', .cols = cols,
				   .optional = optional, .ncols = 3, .fn = name_row};
	struct run r;
	run_init(&r, FX);
	CHECK_INT(cx_rows_csv(&r.rows, r.rel, &spec, &r.err), 0, "tsv: reads to the end");
	CHECK_STR(cx_buf_str(&r.rec.log),
		  "row id=1 name=a.jpg v2=x\n"
		  "kept data.tsv:2\n"
		  "reject data.tsv:3 row has 3 fields, expected 4\n",
		  "tsv: an optional column present is bound; a short row rejected");
	check_counts(&r, 2, 1, 1, 0, "tsv");
	run_free(&r);
}

static struct cx_outcome keep_row(void *ctx, struct cx_row *row)
{
	struct rec *rec = ctx;
	cx_buf_addf(&rec->log, "row %s %s %s (%zu fields)\n", row->v[0], row->v[1], row->v[2],
		    row->csv ? row->csv->n : 0);
	return cx_rows_keep();
}

static void test_named_fields(void)
{
	static const char *const cols[] = {"Image Index", "Bbox [x", "y"};
	struct cx_csv_spec spec = {.file = "named.csv", .cols = cols, .ncols = 3,
				   .fields = CX_FIELDS_NAMED, .fn = keep_row};
	struct run r;
	run_init(&r, FX);
	CHECK_INT(cx_rows_csv(&r.rows, r.rel, &spec, &r.err), 0, "named: reads to the end");
	CHECK_STR(cx_buf_str(&r.rec.log),
		  "row img1.png 1 2 (3 fields)\n"
		  "kept named.csv:2\n"
		  "row img2.png 1 2 (5 fields)\n"
		  "kept named.csv:3\n"
		  "reject named.csv:4 row has 2 fields, expected 3\n"
		  "reject named.csv:5 row has 5 fields, expected 3\n"
		  "row img5.png 1 2 (8 fields)\n"
		  "kept named.csv:6\n",
		  "named: fields up to the last named column; more only when empty");
	check_counts(&r, 5, 3, 2, 0, "named");

	/* The same file under the exact rule: only rows of 6 fields. */
	spec.fields = CX_FIELDS_HEADER;
	cx_buf_reset(&r.rec.log);
	CHECK_INT(cx_rows_csv(&r.rows, r.rel, &spec, &r.err), 0, "header rule: reads");
	CHECK(strstr(r.rec.log.data, "reject named.csv:2 row has 3 fields, expected 6\n") != NULL,
	      "header rule: a row of 3 fields is short of the header's 6");
	run_free(&r);
}

/* ---- JSON ---- */

static const struct cx_json_key keys[] = {
	{.name = "id", .kinds = CX_JSON_STRING | CX_JSON_INT, .required = 1},
	{.name = "name", .kinds = CX_JSON_STRING, .required = 1},
	{.name = "size", .kinds = CX_JSON_INT, .required = 0},
};

static const char json_log[] =
	"row id=1 name=a.jpg v2=10\n"
	"kept list.json:1\n"
	"reject list.json:2 record is a string, expected an object\n"
	"filter list.json:3 skip-rule\n"
	"reject list.json:4 'name' is a list, expected a string\n"
	"reject list.json:5 missing 'id'\n"
	"reject list.json:6 missing 'name' (\"NULL\")\n"
	"reject list.json:7 invalid UTF-8 in key 'name'\n"
	"reject list.json:8 'id' is 6.5, not a whole number\n"
	"reject list.json:9 name '../e.jpg' is not a safe name: a '..' component\n"
	"reject list.json:10 missing 'id'\n";

static void test_json(void)
{
	struct cx_json_spec spec = {.file = "list.json", .max = 1 << 20, .keys = keys,
				    .nkeys = 3, .absent = "NULL", .fn = name_row};
	struct run r;
	run_init(&r, FX);
	CHECK_INT(cx_rows_json(&r.rows, r.rel, &spec, &r.err), 0, "json: reads to the end");
	CHECK_STR(cx_buf_str(&r.rec.log), json_log,
		  "json: records numbered from 1, a non-object and bad keys rejected");
	check_counts(&r, 10, 1, 8, 1, "json");

	/* Without an "absent" word, "NULL" is a name like any other. */
	spec.absent = NULL;
	cx_buf_reset(&r.rec.log);
	CHECK_INT(cx_rows_json(&r.rows, r.rel, &spec, &r.err), 0, "json, no absent word: reads");
	CHECK(strstr(r.rec.log.data, "reject list.json:6 name 'NULL' has no extension\n") != NULL,
	      "json, no absent word: \"NULL\" reaches the row function as a value");

	static const struct {
		const char *file, *msg;
		int code;
	} bad[] = {
		{"object.json", "object.json: expected a JSON list of records, found an object",
		 CX_EFORMAT},
		{"broken.json", "broken.json: not valid JSON (syntax error on line 3)", CX_EFORMAT},
		{"trailing.json", "trailing.json: not valid JSON (syntax error on line 1)",
		 CX_EFORMAT},
	};
	for (size_t i = 0; i < CX_ARRAY_LEN(bad); i++) {
		struct cx_json_spec s = spec;
		s.file = bad[i].file;
		long before = r.rows.read;
		cx_error_clear(&r.err);
		CHECK_INT(cx_rows_json(&r.rows, r.rel, &s, &r.err), bad[i].code, bad[i].msg);
		CHECK_STR(r.err.msg, bad[i].msg, "json: the file error names the file");
		CHECK_INT(r.rows.read, before, "json: no row read from a file that is not a list");
	}
	run_free(&r);
}

static const char jsonl_log[] =
	"row id=1 name=a.jpg v2=(absent)\n"
	"kept lines.jsonl:1\n"
	"filter lines.jsonl:4 skip-rule\n"
	"reject lines.jsonl:5 line is not valid JSON (syntax error at byte 26)\n"
	"reject lines.jsonl:6 record is a list, expected an object\n"
	"reject lines.jsonl:7 line is not valid JSON (syntax error at byte 11)\n"
	"row id=5 name=c.jpg v2=7\n"
	"kept lines.jsonl:8\n";

static void test_jsonl(void)
{
	struct cx_json_spec spec = {.file = "lines.jsonl", .keys = keys, .nkeys = 3,
				    .fn = name_row};
	struct run r;
	run_init(&r, FX);
	CHECK_INT(cx_rows_jsonl(&r.rows, r.rel, &spec, &r.err), 0, "jsonl: reads to the end");
	CHECK_STR(cx_buf_str(&r.rec.log), jsonl_log,
		  "jsonl: blank lines are not rows, a bad line is a rejected row, CRLF read");
	check_counts(&r, 6, 2, 3, 1, "jsonl");
	run_free(&r);
}

/* ---- list files ---- */

static struct cx_outcome words_row(void *ctx, struct cx_row *row)
{
	struct rec *rec = ctx;
	for (size_t i = 0; i < row->n; i++)
		if (!strcmp(row->v[i], "skip.png"))
			return cx_rows_filter("skip-rule");
	cx_buf_adds(&rec->log, "words");
	for (size_t i = 0; i < row->n; i++)
		cx_buf_addf(&rec->log, " [%s]", row->v[i]);
	cx_buf_addc(&rec->log, '\n');
	return cx_rows_keep();
}

static struct cx_outcome refuse_skip(void *ctx, struct cx_row *row)
{
	(void)ctx;
	if (!strcmp(row->v[0], "skip.png"))
		return cx_rows_reject(row, "'%s' is refused", row->v[0]);
	return cx_rows_keep();
}

static void test_list(void)
{
	struct cx_list_spec spec = {.file = "list.txt", .fn = words_row};
	struct run r;
	run_init(&r, FX);
	CHECK_INT(cx_rows_list(&r.rows, r.rel, &spec, &r.err), 0, "list: reads to the end");
	CHECK_STR(cx_buf_str(&r.rec.log),
		  "words [a.png] [b.png]\n"
		  "kept list.txt:1\n"
		  "words [c.png]\n"
		  "kept list.txt:4\n"
		  "filter list.txt:5 skip-rule\n"
		  "reject list.txt:6 invalid UTF-8 in the line\n"
		  "words [e.png] [f.png]\n"
		  "kept list.txt:7\n",
		  "list: words split on white space, blank lines are not rows");
	check_counts(&r, 5, 3, 1, 1, "list");
	run_free(&r);

	/* An index: nothing accounted, a filter skips, a bad line fails the read. */
	run_init(&r, FX);
	spec.index = 1;
	CHECK_INT(cx_rows_list(&r.rows, r.rel, &spec, &r.err), CX_EFORMAT,
		  "index: a line that is not UTF-8 fails the read");
	CHECK_STR(r.err.msg, "list.txt:6: invalid UTF-8 in the line",
		  "index: the error names file, line and reason");
	spec.fn = refuse_skip;
	CHECK_INT(cx_rows_list(&r.rows, r.rel, &spec, &r.err), CX_EFORMAT,
		  "index: a reject of the row function fails the read");
	CHECK_STR(r.err.msg, "list.txt:5: 'skip.png' is refused",
		  "index: with the row function's reason");
	CHECK(!strstr(cx_buf_str(&r.rec.log), "kept"), "index: no outcome reaches the sink");
	check_counts(&r, 0, 0, 0, 0, "index");
	run_free(&r);
}

/* ---- fields from both ends (COVIDx's label lines) ---- */

static void test_ends(void)
{
	struct cx_ends_spec spec = {.file = "ends.txt", .head = 1, .tail = 2, .fn = words_row};
	struct run r;
	run_init(&r, FX);
	CHECK_INT(cx_rows_ends(&r.rows, r.rel, &spec, &r.err), 0, "ends: reads to the end");
	CHECK_STR(cx_buf_str(&r.rec.log),
		  "words [p1] [a b.png] [positive] [rsna]\n"
		  "kept ends.txt:1\n"
		  "words [p2] [c.png] [negative] [cohen]\n"
		  "kept ends.txt:2\n"
		  "filter ends.txt:5 skip-rule\n"
		  "reject ends.txt:6 line has 3 fields, expected at least 4\n"
		  "reject ends.txt:7 line has 1 fields, expected at least 4\n"
		  "reject ends.txt:8 invalid UTF-8 in the line\n"
		  "words [p6] [two  spaces  .png] [positive] [sirm]\n"
		  "kept ends.txt:9\n",
		  "ends: the middle field keeps its spaces; tabs, runs of spaces and a CR "
		  "separate the others; blank lines are not rows");
	check_counts(&r, 7, 3, 3, 1, "ends");
	run_free(&r);
}

/* ---- files as rows, the error outcome, rows accounted by hand ---- */

static struct cx_outcome file_row(void *ctx, struct cx_row *row)
{
	struct rec *rec = ctx;
	struct cx_buf text = CX_BUF_INIT;
	if (cx_stream_slurp(row->stream, &text, 100, row->err))
		return cx_rows_fail();
	cx_buf_addf(&rec->log, "file %s: %s", row->file, cx_buf_str(&text));
	cx_buf_release(&text);
	return cx_rows_keep();
}

static void test_files(void)
{
	struct cx_files_spec spec = {.pattern = "r/*.txt", .copy_rule = "duplicate-copy",
				     .fn = file_row};
	struct run r;
	run_init(&r, FX "/copies");
	CHECK_INT(cx_rows_files(&r.rows, r.rel, &spec, &r.err), 0, "files: walks every layer");
	CHECK_STR(cx_buf_str(&r.rec.log),
		  "file r/1.txt: one\n"
		  "kept r/1.txt:1\n"
		  "file r/2.txt: two\n"
		  "kept r/2.txt:1\n"
		  "filter r/1.txt:1 duplicate-copy\n"
		  "file r/3.txt: three\n"
		  "kept r/3.txt:1\n",
		  "files: a name met again in the archive is filtered unread");
	check_counts(&r, 4, 3, 0, 1, "files");
	run_free(&r);

	spec.copy_rule = NULL;
	run_init(&r, FX "/copies");
	CHECK_INT(cx_rows_files(&r.rows, r.rel, &spec, &r.err), 0, "files, every copy: walks");
	CHECK(strstr(cx_buf_str(&r.rec.log), "file r/1.txt: one again\nkept r/1.txt:1\n") != NULL,
	      "files, every copy: the archive's copy is a row of its own");
	check_counts(&r, 4, 4, 0, 0, "files, every copy");
	run_free(&r);
}

static struct cx_outcome fail_second(void *ctx, struct cx_row *row)
{
	(void)ctx;
	if (row->line == 4) {
		cx_error_set(row->err, CX_EIO, "%s:%ld: cannot read on", row->file, row->line);
		return cx_rows_fail();
	}
	return cx_rows_keep();
}

static struct cx_outcome long_reason(void *ctx, struct cx_row *row)
{
	(void)ctx;
	char text[700] = "";
	for (int i = 0; i < 300; i++)
		strcat(text, "\xc3\xa9"); /* e-acute, two bytes */
	return cx_rows_reject(row, "%s", text);
}

static void test_fail_and_account(void)
{
	static const char *const cols[] = {"id"};
	struct cx_csv_spec spec = {.file = "data.csv", .cols = cols, .ncols = 1,
				   .fn = fail_second};
	struct run r;
	run_init(&r, FX);
	CHECK_INT(cx_rows_csv(&r.rows, r.rel, &spec, &r.err), CX_EIO,
		  "fail: the row function's error stops the read with its code");
	CHECK_STR(r.err.msg, "data.csv:4: cannot read on", "fail: and its message");
	CHECK_STR(cx_buf_str(&r.rec.log),
		  "kept data.csv:2\nreject data.csv:3 row has 2 fields, expected 3\n",
		  "fail: the failing row gets no outcome, no later row is read");
	CHECK_INT(r.rows.read, 3, "fail: three rows read, so the sum check of the sink fails");

	/* A reason over the sink's 512 bytes is cut on a character boundary. */
	spec.fn = long_reason;
	cx_buf_reset(&r.rec.log);
	CHECK_INT(cx_rows_csv(&r.rows, r.rel, &spec, &r.err), 0, "long reason: reads");
	const char *first = strstr(cx_buf_str(&r.rec.log), "reject data.csv:2 ");
	const char *end = first ? strchr(first, '\n') : NULL;
	size_t len = end ? (size_t)(end - first) - strlen("reject data.csv:2 ") : 0;
	CHECK_INT((long)len, 500, "long reason: 250 two-byte characters kept");
	CHECK(first && cx_utf8_valid(first, (size_t)(end - first)) && !strstr(first, "\\x"),
	      "long reason: valid UTF-8, nothing escaped");

	cx_buf_reset(&r.rec.log);
	r.rows.read = r.rows.kept = r.rows.rejected = r.rows.filtered = r.rec.read = 0;
	CHECK_INT(cx_rows_account(&r.rows, "img.jpg", 0, cx_rows_filter("no-labels"), &r.err), 0,
		  "account: a row read outside the helpers");
	CHECK_STR(cx_buf_str(&r.rec.log), "filter img.jpg:0 no-labels\n", "account: its outcome");
	check_counts(&r, 1, 0, 0, 1, "account");
	run_free(&r);
}

/* ---- deferred rows ---- */

/* Defers every row, remembering its line (at most 16). */
struct held {
	long line[16];
	int n;
};

static struct cx_outcome hold_row(void *ctx, struct cx_row *row)
{
	struct held *h = ctx;
	if (h->n < 16)
		h->line[h->n++] = row->line;
	return cx_rows_defer();
}

static void test_defer(void)
{
	static const char *const cols[] = {"id"};
	struct held h = {{0}, 0};
	struct cx_csv_spec spec = {.file = "data.csv", .cols = cols, .ncols = 1,
				   .fields = CX_FIELDS_NAMED, .fn = hold_row};
	struct run r;
	run_init(&r, FX);
	r.rows.ctx = &h;
	CHECK_INT(cx_rows_csv(&r.rows, r.rel, &spec, &r.err), 0, "defer: reads");
	/* data.csv: 7 rows; the helper's own rejects (lines 3 and 5) come first. */
	CHECK_STR(cx_buf_str(&r.rec.log),
		  "reject data.csv:3 row has 2 fields, expected 3\n"
		  "reject data.csv:5 invalid UTF-8 in column 'name'\n",
		  "defer: only the helper's rejects have an outcome yet");
	CHECK_INT(r.rows.deferred, 5, "defer: the other 5 rows are held");
	CHECK_INT(h.line[0] * 10 + h.line[1], 24, "defer: lines 2 and 4 first");
	CHECK_INT(r.rec.read, 7, "defer: the sink counted all 7 read");
	CHECK_INT(cx_rows_settle(&r.rows, "data.csv", h.line[0], cx_rows_keep(), &r.err), 0,
		  "defer: settle the first as kept");
	struct cx_outcome no = {CX_ROW_REJECTED, "id 3 is not in other.csv"};
	CHECK_INT(cx_rows_settle(&r.rows, "data.csv", h.line[1], no, &r.err), 0,
		  "defer: settle the second as rejected");
	CHECK_STR(cx_buf_str(&r.rec.log),
		  "reject data.csv:3 row has 2 fields, expected 3\n"
		  "reject data.csv:5 invalid UTF-8 in column 'name'\n"
		  "kept data.csv:2\nreject data.csv:4 id 3 is not in other.csv\n",
		  "defer: the outcomes reach the sink with the rows' lines");
	CHECK_INT(r.rows.deferred, 3, "defer: 3 still held");
	CHECK(r.rows.read != r.rows.kept + r.rows.rejected + r.rows.filtered,
	      "defer: unsettled rows leave read above the outcomes, for the sink's check");
	CHECK_INT(cx_rows_settle(&r.rows, "data.csv", 4, cx_rows_defer(), &r.err), CX_EINVAL,
		  "defer: settling with defer again is a bug");
	CHECK_STR(r.err.msg, "data.csv:4: a row cannot be deferred twice", "defer: its message");
	run_free(&r);
}

/* ---- safe names ---- */

static void test_safe_names(void)
{
	char part[300], whole[1100];
	memset(part, 'a', 256);
	strcpy(part + 256, ".jpg");
	for (size_t i = 0; i < 1025; i++)
		whole[i] = i % 10 == 9 ? '/' : 'b';
	whole[1025] = '\0';
	static const struct {
		const char *name;
		int flags;
		const char *problem;
	} cases[] = {
		{"a.jpg", CX_NAME_FILE, NULL},
		{"xmlab1/source.jpg", CX_NAME_PATH, NULL},
		{"xmlab1/source.jpg", CX_NAME_FILE, "a '/' in a file name"},
		{"..a/b..c/.d", CX_NAME_PATH, NULL},
		{"", CX_NAME_PATH, "empty"},
		{"/etc/passwd", CX_NAME_PATH, "an absolute path"},
		{"a/../b", CX_NAME_PATH, "a '..' component"},
		{"..", CX_NAME_FILE, "a '..' component"},
		{"./a", CX_NAME_PATH, "a '.' component"},
		{"a//b", CX_NAME_PATH, "an empty component"},
		{"a/", CX_NAME_PATH, "an empty component"},
		{"a\\b", CX_NAME_PATH, "a backslash"},
		{"a\tb", CX_NAME_PATH, "a control byte"},
		{"a\x7f", CX_NAME_PATH, "a control byte"},
		{"\xff.jpg", CX_NAME_PATH, "not valid UTF-8"},
		{"\xc3\xa9.jpg", CX_NAME_FILE, NULL},
	};
	for (size_t i = 0; i < CX_ARRAY_LEN(cases); i++) {
		char what[80];
		snprintf(what, sizeof what, "safe name case %zu", i);
		CHECK_STR(cx_rows_name_problem(cases[i].name, cases[i].flags), cases[i].problem,
			  what);
	}
	CHECK_STR(cx_rows_name_problem(part, CX_NAME_FILE), "a component longer than 255 bytes",
		  "a component of 260 bytes is too long");
	CHECK_STR(cx_rows_name_problem(whole, CX_NAME_PATH), "longer than 1024 bytes",
		  "a name of 1025 bytes is too long");

	struct cx_buf b = CX_BUF_INIT;
	cx_rows_name_reason(&b, "img_name", "a\nb\xff", "a control byte");
	CHECK_STR(b.data, "img_name 'a\\x0ab\\xff' is not a safe name: a control byte",
		  "the reason escapes control bytes and the bytes of a name that is not UTF-8");
	cx_buf_reset(&b);
	cx_rows_name_reason(&b, "p", whole, "longer than 1024 bytes");
	CHECK_INT((long)b.len, (long)strlen("p '") + 120 + strlen("...' is not a safe name: "
								  "longer than 1024 bytes"),
		  "a long name is quoted by its first 120 bytes");
	cx_buf_release(&b);
}

/* ---- the sum check of the test recorder and of the catalogue ---- */

static int always(struct cx_release *rel)
{
	(void)rel;
	return 1;
}

/* An adapter with a bug: it makes an accounting call of its own. */
static int bad_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	(void)rel;
	struct cx_rows rows = {.sink = sink};
	int rc = cx_rows_account(&rows, "a.csv", 2, cx_rows_keep(), err);
	cx_row_kept(sink, "a.csv", 3);
	return rc;
}

static int good_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	(void)rel;
	struct cx_rows rows = {.sink = sink};
	return cx_rows_account(&rows, "a.csv", 2, cx_rows_filter("rule"), err);
}

static const struct cx_adapter bad_adapter = {
	.id = "t-rows-bad", .dataset = "t-rows", .versions = "1", .license = "none",
	.access = "public", .probe = always, .read = bad_read,
};

static void test_sum_checks(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(&bad_adapter, FX, &log, &n, &err), CX_ERROR,
		  "recorder: a row kept twice fails the run");
	CHECK_STR(err.msg, "rows read 1 != kept 2 + rejected 0 + filtered 0",
		  "recorder: the message gives the counts");
	CHECK(!facts_accounted(&n), "recorder: facts_accounted() says no");
	cx_buf_release(&log);

	char path[64];
	snprintf(path, sizeof path, "/tmp/t-rows-%ld.db", (long)getpid());
	struct cx_cat *cat;
	struct cx_release *rel;
	struct cx_build_opts opts = {.seed = 1};
	if (!CHECK(cx_cat_open(&cat, path, 1, &err) == 0, "catalogue: open a new one") ||
	    !CHECK(cx_release_open(&rel, FX, &err) == 0, "catalogue: open a release"))
		return;
	struct cx_source_counts c = {0};
	int rc = cx_cat_begin_source(cat, &bad_adapter, rel, &opts, NULL, NULL, &err);
	if (rc == 0)
		rc = bad_read(rel, cx_cat_sink(cat), &err);
	if (rc == 0)
		rc = cx_cat_end_source(cat, &c, &err);
	CHECK_INT(rc, CX_ERROR, "catalogue: a source whose sum is off fails");
	CHECK_STR(err.msg, "rows read (1) differ from kept + rejected + filtered (2 + 0 + 0): "
			   "the adapter accounted for a row twice or not at all",
		  "catalogue: the message gives the counts and the cause");

	struct cx_adapter good = bad_adapter;
	good.read = good_read;
	cx_error_clear(&err);
	rc = cx_cat_begin_source(cat, &good, rel, &opts, NULL, NULL, &err);
	if (rc == 0)
		rc = good_read(rel, cx_cat_sink(cat), &err);
	if (rc == 0)
		rc = cx_cat_end_source(cat, &c, &err);
	CHECK_INT(rc, 0, "catalogue: a source whose sum holds commits");
	CHECK_INT(c.read, 1, "catalogue: rows read from the sink's read()");
	CHECK_INT(c.filtered, 1, "catalogue: and its outcome");
	cx_release_free(rel);
	cx_cat_close(cat);
	unlink(path);
}

int main(void)
{
	test_csv();
	test_tsv();
	test_named_fields();
	test_json();
	test_jsonl();
	test_list();
	test_ends();
	test_files();
	test_fail_and_account();
	test_defer();
	test_safe_names();
	test_sum_checks();
	return t_done();
}

/*
 * t-csv.c - the io layer: CSV rows and line numbers, gzip, archives as
 * releases, the one-folder-down root of cx_release_locate(), and the UTF-8
 * check of every field.
 */
#include "cx.h"

#include "io/csv.h"
#include "io/lines.h"
#include "io/release.h"
#include "t.h"

static void test_crlf_quotes(void)
{
	struct cx_error err = {0};
	struct cx_stream *s;
	CHECK(cx_stream_open_path(&s, "tests/fixtures/io/crlf.csv", "crlf.csv", &err) == 0,
	      "open crlf.csv");
	struct cx_csv *c = cx_csv_new(s, ',');
	const char *names[] = {"a", "b", "c"};
	int idx[3];
	CHECK(cx_csv_header(c, names, NULL, 3, idx, &err) == 0, "header binds a, b, c");
	CHECK_INT(idx[1], 1, "column b is the trimmed second field");
	struct cx_csv_row *row;
	CHECK_INT(cx_csv_next(c, &row, &err), 1, "first data row");
	CHECK_INT(row->line, 2, "first data row starts on line 2");
	CHECK_STR(row->field[1], "two\nlines", "quoted newline kept");
	CHECK_INT(cx_csv_next(c, &row, &err), 1, "second data row");
	CHECK_INT(row->line, 5, "blank line and quoted newline counted");
	CHECK_STR(row->field[0], "x\"y", "doubled quote");
	CHECK_STR(row->field[1], "", "empty field");
	CHECK_STR(row->field[2], "z", "unquoted field trimmed, no final newline");
	CHECK_INT(cx_csv_next(c, &row, &err), 0, "end of file");
	cx_csv_free(c);
	cx_stream_close(s);
}

static long count_rows(struct cx_release *rel, const char *name, struct cx_error *err)
{
	struct cx_stream *s;
	if (cx_release_open_file(rel, name, &s, err))
		return -1;
	struct cx_csv *c = cx_csv_new(s, ',');
	struct cx_csv_row *row;
	long n = 0, sum = 0;
	int rc;
	while ((rc = cx_csv_next(c, &row, err)) == 1) {
		n++;
		long v;
		if (n > 1 && cx_parse_long(row->field[0], &v) == 0)
			sum += v;
	}
	cx_csv_free(c);
	cx_stream_close(s);
	return rc < 0 ? rc : n * 1000 + sum;
}

static void test_release(const char *path, const char *what)
{
	struct cx_error err = {0};
	struct cx_release *rel;
	char msg[256];
	snprintf(msg, sizeof msg, "%s: opens", what);
	if (!CHECK(cx_release_open(&rel, path, &err) == 0, msg))
		return;
	snprintf(msg, sizeof msg, "%s: data.csv found one folder down", what);
	CHECK(cx_release_locate(rel, "data.csv"), msg);
	snprintf(msg, sizeof msg, "%s: 3 rows, first column sums to 40", what);
	CHECK_INT(count_rows(rel, "data.csv", &err), 3040, msg);
	snprintf(msg, sizeof msg, "%s: gzip member read through", what);
	CHECK_INT(count_rows(rel, "data2.csv.gz", &err), 3040, msg);
	snprintf(msg, sizeof msg, "%s: missing file is not there", what);
	CHECK(!cx_release_exists(rel, "nope.csv"), msg);
	cx_release_free(rel);
}

static void test_truncated_gzip(void)
{
	struct cx_error err = {0};
	struct cx_stream *s;
	int rc = cx_stream_open_path(&s, "tests/fixtures/io/trunc.csv.gz", "trunc.csv.gz", &err);
	long total = 0, n = 0;
	if (rc == 0) {
		char buf[256];
		while ((n = cx_stream_read(s, buf, sizeof buf, &err)) > 0)
			total += n;
		cx_stream_close(s);
	}
	CHECK(rc < 0 || n < 0, "truncated gzip is an error, not a short file");
	CHECK(strstr(err.msg, "trunc.csv.gz") != NULL, "the error names the file");
}

/* The UTF-8 check every CSV field and report passes: the eight-bytes-at-a-
 * time ASCII run must stop at the first byte that is not ASCII wherever it
 * falls (inside a word, at a word's edge, in the tail under eight bytes). */
static void test_utf8(void)
{
	static const struct {
		const char *s;
		int valid;
		const char *what;
	} cases[] = {
		{"", 1, "empty"},
		{"ascii only, longer than sixteen bytes", 1, "long ASCII"},
		{"0123456\xc3\xa9", 1, "two-byte letter at byte 7 (word edge)"},
		{"01234567\xc3\xa9tail", 1, "two-byte letter at byte 8"},
		{"0123456789abcde\xe2\x80\x94 dash and more text after it", 1, "three-byte dash"},
		{"0123456789abcdef\xf0\x9f\x98\x80", 1, "four-byte at byte 16"},
		{"01234567\x80rest", 0, "stray continuation byte at byte 8"},
		{"0123456789a\xc3", 0, "truncated sequence in the tail"},
		{"0123456789abcdef\xc0\xaf", 0, "overlong slash after a run"},
		{"0123456789abcdef\xed\xa0\x80", 0, "surrogate after a run"},
		{"\xc3\xa9 then ASCII then \xff", 0, "invalid byte after a second run"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK(cx_utf8_valid(cases[i].s, strlen(cases[i].s)) == cases[i].valid,
		      cases[i].what);
	/* cx_text_valid: the same, and a NUL anywhere refuses the text (a NUL
	 * is valid UTF-8, so cx_utf8_valid takes it). */
	static const char nul_at_3[] = "abc\0efghijklmnop", nul_at_12[] = "abcdefghijkl\0nop",
			  nul_last[] = "abcdefghijklmno\0";
	CHECK(cx_utf8_valid(nul_at_3, 16) == 1, "UTF-8: a NUL is valid");
	CHECK(cx_text_valid(nul_at_3, 16) == 0, "text: NUL at byte 3, in the first word");
	CHECK(cx_text_valid(nul_at_12, 16) == 0, "text: NUL at byte 12, in the second word");
	CHECK(cx_text_valid(nul_last, 16) == 0, "text: NUL as the last byte");
	CHECK(cx_text_valid("\xc3\xa9\0", 3) == 0, "text: NUL after a two-byte letter");
	CHECK(cx_text_valid("abcdefghijklmnop\xc3\xa9", 18) == 1, "text: no NUL, valid");
	CHECK(cx_text_valid("abcdefgh\x80", 9) == 0, "text: invalid UTF-8 still refused");
}

int main(void)
{
	test_utf8();
	test_crlf_quotes();
	test_release("tests/fixtures/io/rel", "folder");
	test_release("tests/fixtures/io/rel.tar.gz", "tar.gz");
	test_release("tests/fixtures/io/rel.zip", "zip");
	test_truncated_gzip();
	return t_done();
}

/*
 * t-bounds.c - hostile input at the io layer (issue 10): the CSV row, field
 * and field-count caps and the line cap (over-long rows are skipped, named
 * by line, and the rows after them read as usual), the decompression bound
 * on gzip streams and archive members, names and symbolic links confined to
 * the release, archive links never followed, and damaged archives noted with
 * libarchive's reason. Big inputs are written into a scratch folder at run
 * time (the bombs by tests/fixtures/io/make-bombs.py), never committed.
 */
#include "cx.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "catalogue/catalogue.h"
#include "io/csv.h"
#include "io/lines.h"
#include "io/release.h"
#include "t.h"

static char tmp[] = "/tmp/t-bounds-XXXXXX";

static char *path_of(const char *name)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "%s/%s", tmp, name);
	return cx_buf_detach(&b);
}

/* Writes n bytes of c. */
static void fill(FILE *f, int c, size_t n)
{
	char block[65536];
	memset(block, c, sizeof block);
	for (; n >= sizeof block; n -= sizeof block)
		fwrite(block, 1, sizeof block, f);
	fwrite(block, 1, n, f);
}

/*
 * long.csv: a header, then
 *   line 2  a,b,c                      a good row
 *   line 3  a quoted field of 1 MiB + 1 holding 3 newlines (ends on line 6)
 *   line 7  a good row
 *   line 8  five unquoted fields of 1 MiB - 1 (a row over 4 MiB)
 *   line 9  70000 empty fields
 *   line 10 a good row, no final newline
 */
static char *make_long_csv(void)
{
	char *p = path_of("long.csv");
	FILE *f = fopen(p, "wb");
	fputs("x,y,z\na,b,c\nq,\"", f);
	fill(f, 'x', 1000);
	fputs("\n\n\n", f);
	fill(f, 'y', CX_CSV_FIELD_MAX - 1000);
	fputs("\",z\nd,e,f\n", f);
	for (int i = 0; i < 5; i++) {
		fill(f, 'w', CX_CSV_FIELD_MAX - 1);
		fputc(i < 4 ? ',' : '\n', f);
	}
	fill(f, ',', 69999);
	fputs("\ng,h,i", f);
	fclose(f);
	return p;
}

static void test_csv_caps(void)
{
	char *p = make_long_csv();
	struct cx_error err = {0};
	struct cx_stream *s;
	if (!CHECK(cx_stream_open_path(&s, p, "long.csv", &err) == 0, "open long.csv")) {
		free(p);
		return;
	}
	struct cx_csv *c = cx_csv_new(s, ',');
	struct cx_csv_row *row;
	struct cx_buf why = CX_BUF_INIT;
	const char *names[] = {"x"};
	int idx[1];
	CHECK(cx_csv_header(c, names, NULL, 1, idx, &err) == 0, "header");
	CHECK_INT(cx_csv_next(c, &row, &err), 1, "row 1");
	CHECK_INT(row->too_long, CX_CSV_FITS, "row 1 fits");
	CHECK_STR(row->field[2], "c", "row 1 field c");
	CHECK_INT(cx_csv_next(c, &row, &err), 1, "the long field's row");
	CHECK_INT(row->line, 3, "named by the line it starts on");
	CHECK_INT(row->too_long, CX_CSV_LONG_FIELD, "over the field cap");
	CHECK_INT(row->n, 0, "its fields are not kept");
	cx_csv_long_reason(row, "y", &why);
	CHECK_STR(why.data, "field of column 'y' longer than 1048576 bytes", "reason names the column");
	CHECK_INT(cx_csv_next(c, &row, &err), 1, "the row after it");
	CHECK_INT(row->line, 7, "its quoted newlines were counted");
	CHECK_STR(row->field[0], "d", "and it is read as usual");
	CHECK_INT(cx_csv_next(c, &row, &err), 1, "the long row");
	CHECK_INT(row->line, 8, "line 8");
	CHECK_INT(row->too_long, CX_CSV_LONG_ROW, "over the row cap");
	cx_csv_long_reason(row, NULL, &why);
	CHECK_STR(why.data, "row longer than 4194304 bytes", "row reason");
	CHECK_INT(cx_csv_next(c, &row, &err), 1, "the row of many fields");
	CHECK_INT(row->line, 9, "line 9");
	CHECK_INT(row->too_long, CX_CSV_MANY_FIELDS, "over the field count cap");
	cx_csv_long_reason(row, NULL, &why);
	CHECK_STR(why.data, "row has more than 65536 fields", "field count reason");
	CHECK_INT(cx_csv_next(c, &row, &err), 1, "the last row");
	CHECK_INT(row->line, 10, "line 10");
	CHECK_STR(row->field[1], "h", "read as usual");
	CHECK_INT(cx_csv_next(c, &row, &err), 0, "end");
	cx_buf_release(&why);
	cx_csv_free(c);
	cx_stream_close(s);
	free(p);
}

static void test_long_header(void)
{
	char *p = path_of("longhead.csv");
	FILE *f = fopen(p, "wb");
	fill(f, 'h', CX_CSV_FIELD_MAX + 1);
	fputs("\nx\n", f);
	fclose(f);
	struct cx_error err = {0};
	struct cx_stream *s;
	if (cx_stream_open_path(&s, p, "longhead.csv", &err) == 0) {
		struct cx_csv *c = cx_csv_new(s, ',');
		const char *names[] = {"x"};
		int idx[1];
		CHECK_INT(cx_csv_header(c, names, NULL, 1, idx, &err), CX_ELIMIT,
			  "an over-long header is an error");
		CHECK_STR(err.msg, "longhead.csv:1: header field 1 longer than 1048576 bytes",
			  "naming the file and line");
		cx_csv_free(c);
		cx_stream_close(s);
	}
	free(p);
}

static void test_line_cap(void)
{
	char *p = path_of("long.txt");
	FILE *f = fopen(p, "wb");
	fputs("one\n", f);
	fill(f, 'l', CX_LINE_MAX + 1);
	fputs("\r\nthree\n", f);
	fclose(f);
	struct cx_error err = {0};
	struct cx_stream *s;
	if (!CHECK(cx_stream_open_path(&s, p, "long.txt", &err) == 0, "open long.txt")) {
		free(p);
		return;
	}
	struct cx_lines *l = cx_lines_new(s);
	const char *line;
	size_t len;
	long no;
	CHECK_INT(cx_lines_next(l, &line, &len, &no, &err), 1, "line 1");
	CHECK_INT(cx_lines_next(l, &line, &len, &no, &err), 2, "line 2 is over-long");
	CHECK_INT(no, 2, "and numbered");
	CHECK_INT(len, 0, "and not kept");
	CHECK_INT(cx_lines_next(l, &line, &len, &no, &err), 1, "line 3");
	CHECK_INT(no, 3, "numbered 3");
	CHECK_STR(line, "three", "read as usual");
	CHECK_INT(cx_lines_next(l, &line, &len, &no, &err), 0, "end");
	cx_lines_free(l);
	cx_stream_close(s);
	free(p);
}

/* A .csv.gz whose one row is 300 MiB of 'a' (about 300 KB compressed). */
static void test_gzip_bomb(void)
{
	char *p = path_of("bomb.csv.gz");
	t_sh("mkdir -p '%s/bombrel' && python3 tests/fixtures/io/make-bombs.py '%s/bombrel' && "
	   "mv '%s/bombrel/bomb.csv.gz' '%s'", tmp, tmp, tmp, tmp);
	struct cx_error err = {0};
	struct cx_stream *s;
	if (!CHECK(cx_stream_open_path(&s, p, "bomb.csv.gz", &err) == 0, "open bomb.csv.gz")) {
		free(p);
		return;
	}
	struct cx_csv *c = cx_csv_new(s, ',');
	const char *names[] = {"h"};
	int idx[1];
	struct cx_csv_row *row;
	CHECK(cx_csv_header(c, names, NULL, 1, idx, &err) == 0, "bomb: header");
	CHECK_INT(cx_csv_next(c, &row, &err), CX_ELIMIT, "a gzip bomb is refused");
	CHECK_STR(err.msg, "bomb.csv.gz: refused: decompresses to more than 100 times its "
			   "compressed size (past 256 MiB)", "naming the file and the bound");
	cx_csv_free(c);
	cx_stream_close(s);
	free(p);
}

/* A .tar.gz with a 300 MiB member of zeros before a small CSV (written by
 * test_gzip_bomb): skipping the member is refused (noted as damage), and
 * reading it is too. */
static void test_archive_bomb(void)
{
	char *p = path_of("bombrel");
	struct cx_release *rel;
	struct cx_error err = {0};
	if (!CHECK(cx_release_open(&rel, p, &err) == 0, "bomb release opens")) {
		free(p);
		return;
	}
	CHECK(!cx_release_exists(rel, "data.csv"), "the member after the bomb is not reached");
	CHECK_INT(cx_release_ndamaged(rel), 1, "the archive is noted as damaged");
	const char *file = "", *why = "";
	if (cx_release_ndamaged(rel))
		cx_release_damaged(rel, 0, &file, &why);
	CHECK(cx_str_ends(file, "/bombrel/b.tar.gz"), "naming the archive");
	CHECK_STR(why, "member 'big.bin' decompresses to more than 100 times its compressed size"
		       " (past 256 MiB)", "with the bound as its reason");
	struct cx_stream *s;
	CHECK(cx_release_open_file(rel, "big.bin", &s, &err) == 0, "the bomb member opens");
	char buf[65536];
	long n;
	long long total = 0;
	while ((n = cx_stream_read(s, buf, sizeof buf, &err)) > 0)
		total += n;
	cx_stream_close(s);
	CHECK_INT(n, CX_ELIMIT, "reading it is refused");
	CHECK_INT(total, 256 << 20, "after 256 MiB, the read that went past is refused");
	CHECK(cx_str_ends(err.msg, "b.tar.gz:big.bin: refused: decompresses to more than 100 times"
				   " its compressed size (past 256 MiB)"), "naming the member");
	cx_release_free(rel);
	free(p);
}

/*
 * conf/rel: ok.png, sub/in.png -> ../ok.png (inside), out.png ->
 * ../outside.png, dirout -> ../outdir (a folder outside), gone.png -> nowhere.
 * conf/link -> rel (the release reached through a link of its own).
 */
static void make_confined(void)
{
	t_sh("cd '%s' && mkdir -p conf/rel/sub conf/outdir && cd conf && printf x >outside.png && "
	   "printf x >outdir/x.png && printf x >rel/ok.png && ln -s ../ok.png rel/sub/in.png && "
	   "ln -s ../outside.png rel/out.png && ln -s ../outdir rel/dirout && "
	   "ln -s nowhere rel/gone.png && ln -s rel link", tmp);
}

static void check_find(struct cx_release *rel, const char *name, int want_rc, const char *want)
{
	struct cx_buf a = CX_BUF_INIT, p = CX_BUF_INIT;
	struct cx_error err = {0};
	int rc = cx_release_find(rel, "image file", name, &a, &p, &err);
	char what[300];
	snprintf(what, sizeof what, "find '%s': %d", name, want_rc);
	CHECK_INT(rc, want_rc, what);
	snprintf(what, sizeof what, "find '%s': message", name);
	CHECK_STR(rc ? err.msg : p.data, want, what);
	cx_buf_release(&a);
	cx_buf_release(&p);
}

static int count_walk(void *ctx, const char *name, struct cx_stream *s)
{
	struct cx_buf *seen = ctx;
	cx_buf_addf(seen, "%s%s;", name, s ? "" : "=refused");
	return 0;
}

static void test_confinement(void)
{
	make_confined();
	char *p = path_of("conf/rel");
	struct cx_release *rel;
	struct cx_error err = {0};
	if (!CHECK(cx_release_open(&rel, p, &err) == 0, "confined release opens")) {
		free(p);
		return;
	}
	const char *out = "a symbolic link on its path leads out of the release";
	char msg[200];
	check_find(rel, "ok.png", 0, "ok.png");
	check_find(rel, "sub/in.png", 0, "sub/in.png");
	snprintf(msg, sizeof msg, "image file 'out.png': %s", out);
	check_find(rel, "out.png", CX_ENOTFOUND, msg);
	snprintf(msg, sizeof msg, "image file 'dirout/x.png': %s", out);
	check_find(rel, "dirout/x.png", CX_ENOTFOUND, msg);
	check_find(rel, "gone.png", CX_ENOTFOUND, "missing image file 'gone.png'");
	check_find(rel, "../outside.png", CX_EINVAL,
		   "image file '../outside.png' is not a safe name: a '..' component");
	check_find(rel, "sub/../../outside.png", CX_EINVAL,
		   "image file 'sub/../../outside.png' is not a safe name: a '..' component");
	check_find(rel, "/etc/hostname", CX_EINVAL,
		   "image file '/etc/hostname' is not a safe name: an absolute path");
	/* the message shows the control byte as '?' (cx_error_set keeps it one line) */
	check_find(rel, "ok\x01.png", CX_EINVAL,
		   "image file 'ok?.png' is not a safe name: a control byte");
	struct cx_buf seen = CX_BUF_INIT;
	CHECK(cx_release_walk(rel, "*.png", count_walk, &seen, &err) == 0, "walk");
	CHECK_STR(seen.data, "ok.png;out.png=refused;", "a walk hands a link out as refused");
	cx_buf_release(&seen);
	cx_release_free(rel);
	free(p);
	p = path_of("conf/link");
	if (CHECK(cx_release_open(&rel, p, &err) == 0, "a release reached through a link")) {
		check_find(rel, "sub/in.png", 0, "sub/in.png");
		cx_release_free(rel);
	}
	free(p);
}

/* Archive members: a symbolic link member (to a file outside, and to a
 * member inside) is never a file of the release. */
static void test_archive_links(void)
{
	t_sh("cd '%s' && mkdir -p alinks/in && cd alinks/in && printf x >real.png && "
	   "ln -s /etc/hostname abs.png && ln -s real.png rel.png && "
	   "tar -czf ../a.tar.gz real.png abs.png rel.png && cd .. && rm -r in", tmp);
	char *p = path_of("alinks");
	struct cx_release *rel;
	struct cx_error err = {0};
	if (CHECK(cx_release_open(&rel, p, &err) == 0, "archive release opens")) {
		check_find(rel, "real.png", 0, "real.png");
		check_find(rel, "abs.png", CX_ENOTFOUND, "missing image file 'abs.png'");
		check_find(rel, "rel.png", CX_ENOTFOUND, "missing image file 'rel.png'");
		CHECK_INT(cx_release_ndamaged(rel), 0, "links are no damage");
		cx_release_free(rel);
	}
	free(p);
}

/* A truncated .tar.gz and a zip whose central directory is damaged: noted
 * with libarchive's reason, and named in the missing files' message. */
static void test_damaged(void)
{
	t_sh("cd '%s' && mkdir -p dmg/in && cd dmg/in && head -c 200000 /dev/urandom >a.bin && "
	   "printf x >b.png && tar -czf ../t.tar.gz a.bin b.png && cd .. && rm -r in && "
	   "head -c 100000 t.tar.gz >x && mv x t.tar.gz", tmp);
	char *p = path_of("dmg");
	struct cx_release *rel;
	struct cx_error err = {0};
	if (CHECK(cx_release_open(&rel, p, &err) == 0, "truncated release opens")) {
		char msg[400];
		snprintf(msg, sizeof msg, "missing image file 'b.png' (an archive of the release is "
			 "damaged: %s/t.tar.gz)", p);
		check_find(rel, "b.png", CX_ENOTFOUND, msg);
		const char *file = "", *why = "";
		CHECK_INT(cx_release_ndamaged(rel), 1, "a truncated .tar.gz is noted");
		if (cx_release_ndamaged(rel))
			cx_release_damaged(rel, 0, &file, &why);
		CHECK_STR(why, "truncated gzip input", "with libarchive's reason");
		cx_release_free(rel);
	}
	free(p);
	/* The zip's central directory signature overwritten (make-gzips.py). */
	t_sh("mkdir -p '%s/zdmg' && python3 tests/fixtures/io/make-gzips.py '%s/zdmg' && "
	   "rm '%s/zdmg/'*.csv.gz", tmp, tmp, tmp);
	p = path_of("zdmg");
	if (CHECK(cx_release_open(&rel, p, &err) == 0, "zip release opens")) {
		CHECK(!cx_release_exists(rel, "d.png"), "a zip with a bad central directory has no d.png");
		const char *file = "", *why = "";
		CHECK_INT(cx_release_ndamaged(rel), 1, "and is noted");
		if (cx_release_ndamaged(rel))
			cx_release_damaged(rel, 0, &file, &why);
		CHECK(cx_str_ends(file, "/zdmg/z.zip"), "naming the zip");
		CHECK_STR(why, "Damaged Zip archive", "with libarchive's reason");
		cx_release_free(rel);
	}
	free(p);
	/* A zero-byte .tar.gz: libarchive would call it an empty archive. */
	t_sh("mkdir -p '%s/empty' && : >'%s/empty/e.tar.gz'", tmp, tmp);
	p = path_of("empty");
	if (CHECK(cx_release_open(&rel, p, &err) == 0, "release with an empty archive opens")) {
		CHECK(!cx_release_exists(rel, "x.png"), "nothing in it");
		const char *file = "", *why = "";
		CHECK_INT(cx_release_ndamaged(rel), 1, "an empty archive file is damage");
		if (cx_release_ndamaged(rel))
			cx_release_damaged(rel, 0, &file, &why);
		CHECK_STR(why, "empty file", "named so");
		cx_release_free(rel);
	}
	free(p);
}

/* An adapter that hands on an image name with '..' without checking it:
 * the catalogue's lookup refuses it, with and without --no-image-check. */
static int unsafe_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	(void)rel;
	(void)err;
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = "k";
	f.path = "sub/../../x.png";
	struct cx_error e = {0};
	cx_row_read(sink, "m.csv", 2);
	if (cx_emit_image(sink, &f, &e) < 0)
		cx_row_reject(sink, "m.csv", 2, "%s", e.msg);
	else
		cx_row_kept(sink, "m.csv", 2);
	return 0;
}

static int say_yes(struct cx_release *rel)
{
	(void)rel;
	return 1;
}

static const struct cx_adapter unsafe_adapter = {
	.id = "t-bounds-unsafe", .dataset = "t-bounds", .versions = "1", .license = "none",
	.access = "public", .probe = say_yes, .read = unsafe_read,
};

static void test_unchecked_name(int check_images)
{
	char *db = path_of(check_images ? "checked.db" : "unchecked.db");
	struct cx_cat *cat;
	struct cx_release *rel;
	struct cx_error err = {0};
	struct cx_build_opts opts = {.seed = 1, .check_images = check_images};
	if (!CHECK(cx_cat_open(&cat, db, 1, &err) == 0 &&
			   cx_release_open(&rel, "tests/fixtures/io/rel", &err) == 0,
		   "catalogue and release open")) {
		free(db);
		return;
	}
	struct cx_source_counts n = {0};
	int rc = cx_cat_begin_source(cat, &unsafe_adapter, rel, &opts, NULL, NULL, &err);
	if (!rc)
		rc = unsafe_read(rel, cx_cat_sink(cat), &err);
	if (!rc)
		rc = cx_cat_end_source(cat, &n, &err);
	CHECK_INT(rc, 0, "the source builds");
	CHECK_INT(n.rejected, 1, check_images ? "an unsafe image name is rejected"
					      : "also with --no-image-check");
	cx_release_free(rel);
	cx_cat_close(cat);
	sqlite3 *s3;
	char got[512] = "";
	if (sqlite3_open(db, &s3) == SQLITE_OK) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(s3, "SELECT reason FROM reject", -1, &st, NULL) == SQLITE_OK) {
			if (sqlite3_step(st) == SQLITE_ROW)
				snprintf(got, sizeof got, "%s", sqlite3_column_text(st, 0));
			sqlite3_finalize(st);
		}
		sqlite3_close(s3);
	}
	CHECK_STR(got, "image file 'sub/../../x.png' is not a safe name: a '..' component",
		  "with the reason");
	free(db);
}

/* gzip's own checks: a flipped bit that still inflates, a damaged CRC-32 in
 * the trailer, a second member after the first, garbage after the last. */
static void test_gzip_checks(void)
{
	t_sh("python3 tests/fixtures/io/make-gzips.py '%s'", tmp);
	static const struct {
		const char *file;
		long rc;
		const char *msg;
	} cases[] = {
		{"crc.csv.gz", CX_EFORMAT, "crc.csv.gz: damaged gzip data: incorrect data check"},
		{"flip.csv.gz", CX_EFORMAT, "flip.csv.gz: damaged gzip data: incorrect data check"},
		{"two.csv.gz", 2001 * 2, ""},
		{"tail.csv.gz", CX_EFORMAT, "tail.csv.gz: damaged gzip data: incorrect header check"},
	};
	for (size_t i = 0; i < CX_ARRAY_LEN(cases); i++) {
		char *p = path_of(cases[i].file);
		struct cx_error err = {0};
		struct cx_stream *s;
		long rc = cx_stream_open_path(&s, p, cases[i].file, &err), lines = 0, n;
		if (rc == 0) {
			char buf[4096];
			while ((n = cx_stream_read(s, buf, sizeof buf, &err)) > 0)
				for (long k = 0; k < n; k++)
					lines += buf[k] == '\n';
			rc = n < 0 ? n : lines * 2;
			cx_stream_close(s);
		}
		char what[200];
		snprintf(what, sizeof what, "%s: %s", cases[i].file,
			 cases[i].rc > 0 ? "both members read (twice the lines)" : "refused");
		CHECK_INT(rc, cases[i].rc, what);
		snprintf(what, sizeof what, "%s: message", cases[i].file);
		CHECK_STR(err.msg, cases[i].msg, what);
		free(p);
	}
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 1;
	test_csv_caps();
	test_long_header();
	test_line_cap();
	test_gzip_bomb();
	test_gzip_checks();
	test_archive_bomb();
	test_confinement();
	test_archive_links();
	test_damaged();
	test_unchecked_name(1);
	test_unchecked_name(0);
	t_sh("rm -rf '%s'", tmp);
	return t_done();
}

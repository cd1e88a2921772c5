/*
 * fuzz-archive.c - archives and gzip through the release layer (io/release.c,
 * io/stream.c) on arbitrary bytes. The first byte picks the file's name
 * (.zip, .tar, .tar.gz, .tgz, or a plain file.csv.gz) and whether the
 * release is that archive itself or a folder holding it. Every member is
 * walked and read to its end, looked up by name, placed with
 * cx_release_where() and opened again by name; every message and every
 * damage reason is one line.
 * Reads stop after 8 MiB per input: a gzip bomb is the bounds of
 * io/ (a reject, tested there), not a crash, and would only slow fuzzing.
 */
#include "fuzz.h"

#define READ_CAP (8u << 20)

struct walked {
	struct cx_release *rel;
	size_t read;
	char *names[64];
	size_t n;
};

static void read_all(struct walked *w, struct cx_stream *s)
{
	static char buf[65536];
	struct cx_error err = {0};
	long got;
	while (w->read < READ_CAP && (got = cx_stream_read(s, buf, sizeof buf, &err)) > 0)
		w->read += (size_t)got;
	if (err.code && !fuzz_error_ok(&err))
		abort();
}

static int on_member(void *ctx, const char *name, struct cx_stream *s)
{
	struct walked *w = ctx;
	if (!name || !cx_stream_name(s))
		abort();
	read_all(w, s);
	if (w->n < CX_ARRAY_LEN(w->names))
		w->names[w->n++] = cx_strdup(name);
	return 0;
}

/* Looks a walked name up every way the release offers. */
static void revisit(struct walked *w, const char *name)
{
	cx_release_exists(w->rel, name);
	struct cx_buf archive = CX_BUF_INIT, path = CX_BUF_INIT;
	cx_release_where(w->rel, name, &archive, &path);
	cx_buf_release(&archive);
	cx_buf_release(&path);
	struct cx_error err = {0};
	struct cx_stream *s;
	/* names that climb out of the folder are the confinement checks' matter */
	if (strstr(name, ".."))
		return;
	if (cx_release_open_file(w->rel, name, &s, &err) == 0) {
		read_all(w, s);
		cx_stream_close(s);
	} else if (!fuzz_error_ok(&err)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char *const names[] = {"r.zip", "r.tar", "r.tar.gz", "r.tgz", "t.csv.gz"};
	const char *name = names[(data[0] & 7) % CX_ARRAY_LEN(names)];
	const char *path = fuzz_write(name, data + 1, size - 1);
	int itself = (data[0] & 8) && strcmp(name, "t.csv.gz") != 0;
	struct cx_release *rel;
	struct cx_error err = {0};
	if (cx_release_open(&rel, itself ? path : fuzz_scratch(), &err)) {
		if (!fuzz_error_ok(&err))
			abort();
		unlink(path);
		return 0;
	}
	struct walked w = {.rel = rel};
	static const char *const patterns[] = {"*", "*/*", "*/*/*"};
	for (size_t i = 0; i < CX_ARRAY_LEN(patterns); i++) {
		cx_error_clear(&err);
		int rc = cx_release_walk(rel, patterns[i], on_member, &w, &err);
		if (rc < 0 && !fuzz_error_ok(&err))
			abort();
	}
	cx_error_clear(&err);
	if (cx_release_walk_archive(rel, itself ? "" : name, on_member, &w, &err) < 0 &&
	    !fuzz_error_ok(&err))
		abort();
	for (size_t i = 0; i < w.n; i++) {
		revisit(&w, w.names[i]);
		free(w.names[i]);
	}
	cx_release_locate(rel, "valid.csv");
	for (size_t i = 0; i < cx_release_ndamaged(rel); i++) {
		const char *file, *why;
		cx_release_damaged(rel, i, &file, &why);
		if (!file || !why || strchr(why, '\n'))
			abort();
	}
	cx_release_free(rel);
	unlink(path);
	return 0;
}

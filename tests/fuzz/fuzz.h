/*
 * fuzz.h - what the libFuzzer targets share (tests/fuzz/README.md says how
 * to run them; scripts/fuzz.sh fuzzes them, the test suite replays their
 * corpora through replay.c). Inputs that are files are written into a
 * scratch release folder (in /dev/shm: a disk file per input would make the
 * disk the bottleneck) and read through the code under test with a sink
 * that counts; the row accounting must hold after every input, and every
 * message must be one line, or the target aborts.
 */
#ifndef CX_FUZZ_H
#define CX_FUZZ_H

#include "cx.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "adapters/rows.h"
#include "io/release.h"

struct fuzz_counts {
	long read, kept, rejected, filtered, facts;
};

/* A message (error or reason) is one line of UTF-8 text. */
static inline void fuzz_one_line(const char *msg)
{
	if (!msg || !cx_utf8_valid(msg, strlen(msg)))
		abort();
	for (const char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			abort();
}

/* An error carries a message of one line (it may quote bytes of the input,
 * so it is not held to UTF-8). */
static inline int fuzz_error_ok(const struct cx_error *err)
{
	return err->msg[0] && !strchr(err->msg, '\n');
}

static inline int fz_fact(void *c, const struct cx_fact_kind *k, const void *fact,
			  struct cx_error *err)
{
	(void)k;
	(void)fact;
	(void)err;
	((struct fuzz_counts *)c)->facts++;
	return 0;
}

static inline void fz_read(void *c, const struct cx_where *w)
{
	(void)w;
	((struct fuzz_counts *)c)->read++;
}
static inline void fz_kept(void *c, const struct cx_where *w)
{
	(void)w;
	((struct fuzz_counts *)c)->kept++;
}
static inline void fz_reject(void *c, const struct cx_where *w, const char *why)
{
	(void)w;
	fuzz_one_line(why);
	((struct fuzz_counts *)c)->rejected++;
}
static inline void fz_filter(void *c, const struct cx_where *w, const char *rule)
{
	(void)w;
	if (!rule)
		abort();
	((struct fuzz_counts *)c)->filtered++;
}

static inline struct cx_sink fuzz_sink(struct fuzz_counts *n)
{
	memset(n, 0, sizeof(*n));
	struct cx_sink s = {0};
	s.ctx = n;
	s.fact = fz_fact;
	s.read = fz_read;
	s.kept = fz_kept;
	s.reject = fz_reject;
	s.filter = fz_filter;
	return s;
}

/* The scratch folder: made once per process, removed at exit. scripts/fuzz.sh
 * names a parent folder it removes afterwards, even when a crash skips the
 * clean-up. */
static char fuzz_dir[256];

/* Every file and folder made in it, removed in reverse order at exit. */
static char *fuzz_made[64];
static size_t fuzz_nmade;

static inline void fuzz_cleanup(void)
{
	while (fuzz_nmade)
		remove(fuzz_made[--fuzz_nmade]);
	rmdir(fuzz_dir);
}

static inline void fuzz_note(const char *path)
{
	for (size_t i = 0; i < fuzz_nmade; i++)
		if (!strcmp(fuzz_made[i], path))
			return;
	if (fuzz_nmade == CX_ARRAY_LEN(fuzz_made))
		abort();
	fuzz_made[fuzz_nmade++] = cx_strdup(path);
}

static inline const char *fuzz_scratch(void)
{
	if (!fuzz_dir[0]) {
		const char *base = getenv("CX_FUZZ_DIR") ? getenv("CX_FUZZ_DIR") : "/dev/shm";
		snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/cx-fuzz-%ld", base, (long)getpid());
		/* a folder left by an earlier process of the same id is reused */
		if (mkdir(fuzz_dir, 0700) != 0 && errno != EEXIST)
			abort();
		atexit(fuzz_cleanup);
	}
	return fuzz_dir;
}

/* Writes data to name (folders made as needed) inside the scratch folder;
 * returns the full path, valid until the next call. */
static inline const char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", fuzz_scratch(), name);
	for (char *p = path + strlen(fuzz_dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0700) == 0)
			fuzz_note(path);
		*p = '/';
	}
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	fuzz_note(path);
	return path;
}

/* The scratch folder as a release, opened once: folder layers are read live,
 * so rewriting a file between inputs is seen. */
static struct cx_release *fuzz_rel;

static inline struct cx_release *fuzz_release(const char *name, const uint8_t *data, size_t size)
{
	fuzz_write(name, data, size);
	if (!fuzz_rel) {
		struct cx_error err = {0};
		if (cx_release_open(&fuzz_rel, fuzz_scratch(), &err))
			abort();
	}
	return fuzz_rel;
}

/* The checks every target makes after a read. */
static inline void fuzz_check(const struct cx_rows *r, const struct fuzz_counts *n, int rc,
		       const struct cx_error *err)
{
	if (n->read != n->kept + n->rejected + n->filtered)
		abort();
	if (r->read != n->read || r->kept != n->kept || r->rejected != n->rejected ||
	    r->filtered != n->filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(err)))
		abort();
}

/* A row function that looks at every value and picks an outcome from it, so
 * that every outcome path runs. */
static inline struct cx_outcome fuzz_row(void *ctx, struct cx_row *row)
{
	(void)ctx;
	size_t total = 0;
	for (size_t i = 0; i < row->n; i++)
		if (row->v[i])
			total += strlen(row->v[i]);
	struct cx_outcome o;
	if (row->n && row->v[0] && cx_rows_safe_name(row, "name", row->v[0], CX_NAME_PATH, &o))
		return o;
	switch (total % 3) {
	case 0: return cx_rows_keep();
	case 1: return cx_rows_filter("fuzz-rule");
	default: return cx_rows_reject(row, "value of %zu bytes", total);
	}
}

#endif

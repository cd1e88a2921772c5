/*
 * fuzz.h - what the libFuzzer targets of the adapters' read loops share
 * (scripts/fuzz.sh builds and runs them; they are not part of the test
 * suite). Each input is written to a file of a scratch release folder (in
 * /dev/shm: a disk file per input would make the disk the bottleneck) and
 * read through one helper of adapters/rows.h with a sink that counts; the
 * row accounting must hold after every input, or the target aborts.
 */
#ifndef CX_FUZZ_H
#define CX_FUZZ_H

#include "cx.h"

#include <sys/stat.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "adapters/rows.h"
#include "io/release.h"

struct fuzz_counts {
	long read, kept, rejected, filtered, facts;
};

static void fz_read(void *c, const struct cx_where *w)
{
	(void)w;
	((struct fuzz_counts *)c)->read++;
}
static void fz_kept(void *c, const struct cx_where *w)
{
	(void)w;
	((struct fuzz_counts *)c)->kept++;
}
static void fz_reject(void *c, const struct cx_where *w, const char *why)
{
	(void)w;
	/* A reason is one line of text. */
	if (!why || !cx_utf8_valid(why, strlen(why)))
		abort();
	for (const char *p = why; *p; p++)
		if ((unsigned char)*p < 0x20)
			abort();
	((struct fuzz_counts *)c)->rejected++;
}
static void fz_filter(void *c, const struct cx_where *w, const char *rule)
{
	(void)w;
	if (!rule)
		abort();
	((struct fuzz_counts *)c)->filtered++;
}

static struct cx_sink fuzz_sink(struct fuzz_counts *n)
{
	memset(n, 0, sizeof(*n));
	struct cx_sink s = {0};
	s.ctx = n;
	s.read = fz_read;
	s.kept = fz_kept;
	s.reject = fz_reject;
	s.filter = fz_filter;
	return s;
}

/* The scratch release: a folder made once per process, its one file
 * rewritten for every input. */
static struct cx_release *fuzz_rel;
static char fuzz_dir[256];

static char fuzz_path[320];

static void fuzz_cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

static struct cx_release *fuzz_release(const char *name, const uint8_t *data, size_t size)
{
	if (!fuzz_rel) {
		/* scripts/fuzz.sh names a folder it removes afterwards, even when
		 * a crash skips the clean-up below. */
		const char *base = getenv("CX_FUZZ_DIR") ? getenv("CX_FUZZ_DIR") : "/dev/shm";
		snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/cx-fuzz-%ld", base, (long)getpid());
		mkdir(fuzz_dir, 0700);
		snprintf(fuzz_path, sizeof(fuzz_path), "%s/%s", fuzz_dir, name);
		atexit(fuzz_cleanup);
	}
	const char *path = fuzz_path;
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	if (!fuzz_rel) {
		struct cx_error err = {0};
		if (cx_release_open(&fuzz_rel, fuzz_dir, &err))
			abort();
	}
	return fuzz_rel;
}

/* The checks every target makes after a read. */
static void fuzz_check(const struct cx_rows *r, const struct fuzz_counts *n, int rc,
		       const struct cx_error *err)
{
	if (n->read != n->kept + n->rejected + n->filtered)
		abort();
	if (r->read != n->read || r->kept != n->kept || r->rejected != n->rejected ||
	    r->filtered != n->filtered)
		abort();
	if (rc > 0 || (rc < 0 && (!err->msg[0] || strchr(err->msg, '\n'))))
		abort();
}

/* A row function that looks at every value and picks an outcome from it, so
 * that every outcome path runs. */
static struct cx_outcome fuzz_row(void *ctx, struct cx_row *row)
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

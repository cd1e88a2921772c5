/*
 * shard-sources.c - `shard --sources DIR`: the catalogue's releases have
 * moved (another machine, another mount), and DIR holds a copy of them.
 *
 * The copy is found as build finds releases (build/discover.c: the same
 * probes, so DIR may hold folders or archives) and checked by the
 * catalogue's content fingerprint (cat-fingerprint.c): the sources of the
 * catalogue are built again from DIR, with the catalogue's build seed and
 * image options, into a scratch catalogue, and the two fingerprints must
 * agree. Where releases lie is not in the fingerprint, so the same releases
 * anywhere agree; a different copy (another version, a file changed,
 * missing or added) does not, and is refused. This costs one build of those
 * sources, the price of certainty that the images shard reads from DIR are
 * the ones the catalogue describes. Then every release's recorded path maps
 * to its copy in DIR (struct cx_shard_moved).
 */
#include "cx.h"

#include <dirent.h>
#include <errno.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "build/build.h"
#include "catalogue/catalogue.h"
#include "cli/shard-sources.h"

/* Removes the scratch folder and the catalogue files in it. */
static void remove_scratch(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct cx_buf p = CX_BUF_INIT;
	while (d && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		cx_buf_reset(&p);
		cx_buf_addf(&p, "%s/%s", dir, e->d_name);
		unlink(p.data);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	cx_buf_release(&p);
}

/* Builds the selected sources of b into the catalogue at path; its
 * fingerprint into *fp. */
static int scratch_build(struct cx_build *b, const char *path, const struct cx_build_opts *opts,
			 uint64_t *fp, struct cx_error *err)
{
	struct cx_cat *cat;
	if (cx_cat_open(&cat, path, 1, err))
		return err->code;
	int rc = cx_cat_sync_tasks(cat, err);
	for (size_t i = 0; i < b->n && rc == 0; i++) {
		struct cx_build_source *s = &b->src[i];
		struct cx_source_counts n;
		if (!cx_build_wanted(s))
			continue;
		rc = cx_build_ready(b, cat, s, err);
		if (rc == 0)
			rc = cx_build_source(cat, s, opts, NULL, NULL, &n, err);
	}
	if (rc == 0)
		rc = cx_cat_fingerprint(cat, fp, err);
	cx_cat_close(cat);
	return rc;
}

/* The catalogue's sources as an --only list, and the build options that
 * made it. */
static int what_was_built(struct cx_cat *cat, const struct cx_cat_place *pl, size_t n,
			  struct cx_buf *only, struct cx_build_opts *opts, struct cx_error *err)
{
	for (size_t i = 0; i < n; i++)
		cx_buf_addf(only, "%s%s", i ? "," : "", pl[i].source);
	if (!n)
		return cx_error_set(err, CX_EINVAL, "--sources: the catalogue holds no source");
	*opts = (struct cx_build_opts){.check_images = 1};
	if (cx_cat_build_seed(cat, &opts->seed, err) ||
	    cx_cat_hashed_images(cat, &opts->hash_images, err))
		return err->code;
	return 0;
}

static int check_copy(struct cx_cat *cat, struct cx_build *b, const char *dir,
		      const struct cx_build_opts *opts, struct cx_error *err)
{
	const char *tmpdir = getenv("TMPDIR");
	struct cx_buf scratch = CX_BUF_INIT;
	cx_buf_addf(&scratch, "%s/chexinstruct-sources-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
	char *folder = mkdtemp(scratch.data);
	if (!folder) {
		int rc = cx_error_set(err, CX_EIO, "--sources: cannot make a scratch folder in"
				      " %s: %s", tmpdir ? tmpdir : "/tmp", strerror(errno));
		cx_buf_release(&scratch);
		return rc;
	}
	struct cx_buf db = CX_BUF_INIT;
	cx_buf_addf(&db, "%s/check.db", folder);
	uint64_t want = 0, got = 0;
	int rc = cx_cat_fingerprint(cat, &want, err);
	if (rc == 0)
		rc = scratch_build(b, db.data, opts, &got, err);
	if (rc == 0 && got != want)
		rc = cx_error_set(err, CX_EINVAL, "--sources %s: not the releases this catalogue was"
				  " built from (their content fingerprint is %016llx, the"
				  " catalogue's %016llx): point --sources at a copy of those"
				  " releases, or build a catalogue from these", dir,
				  (unsigned long long)got, (unsigned long long)want);
	else if (rc) {
		char why[sizeof(err->msg)];
		snprintf(why, sizeof why, "%s", err->msg); /* not formatted into itself */
		rc = cx_error_set(err, err->code, "--sources %s: %s", dir, why);
	}
	remove_scratch(folder);
	cx_buf_release(&db);
	cx_buf_release(&scratch);
	return rc;
}

/* Every source of the catalogue must have its copy in DIR. */
static int all_found(const struct cx_build *b, const char *dir, struct cx_error *err)
{
	struct cx_buf missing = CX_BUF_INIT;
	for (size_t k = 0; k < b->n; k++)
		if (b->src[k].selected && !b->src[k].rel)
			cx_buf_addf(&missing, "%s%s", missing.len ? ", " : "", b->src[k].adapter->id);
	int rc = 0;
	if (missing.len)
		rc = cx_error_set(err, CX_ENOTFOUND, "--sources %s: no release of %s there (every"
				  " source of the catalogue needs its copy)", dir, missing.data);
	cx_buf_release(&missing);
	return rc;
}

/* The map from each recorded release path to its copy under DIR. */
static void map_copies(const struct cx_build *b, const struct cx_cat_place *pl, size_t n,
		       struct cx_shard_moved **out, size_t *nout)
{
	*out = cx_calloc(n ? n : 1, sizeof(**out));
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < b->n; k++) {
			const struct cx_build_source *s = &b->src[k];
			if (!s->rel || strcmp(s->adapter->id, pl[i].source))
				continue;
			char *abs = realpath(s->path, NULL);
			(*out)[*nout].from = cx_strdup(pl[i].release_path);
			(*out)[*nout].to = abs ? abs : cx_strdup(s->path);
			(*nout)++;
		}
	}
}

int cx_shard_sources(struct cx_cat *cat, const char *dir, struct cx_shard_moved **out,
		     size_t *nout, struct cx_error *err)
{
	*out = NULL;
	*nout = 0;
	struct cx_cat_place *pl = NULL;
	size_t n = 0;
	struct cx_buf only = CX_BUF_INIT;
	struct cx_build_opts opts;
	struct cx_build b;
	int rc = cx_cat_places(cat, &pl, &n, err);
	if (rc == 0)
		rc = what_was_built(cat, pl, n, &only, &opts, err);
	if (rc == 0)
		rc = cx_build_init(&b, cx_adapters, cx_nadapters, err);
	if (rc) {
		cx_cat_places_free(pl, n);
		cx_buf_release(&only);
		return rc;
	}
	rc = cx_build_select(&b, only.data, err);
	if (rc == 0)
		rc = cx_build_discover(&b, dir, err);
	if (rc == 0)
		rc = all_found(&b, dir, err);
	if (rc == 0)
		rc = check_copy(cat, &b, dir, &opts, err);
	if (rc == 0)
		map_copies(&b, pl, n, out, nout);
	cx_build_free(&b);
	cx_cat_places_free(pl, n);
	cx_buf_release(&only);
	return rc;
}

void cx_shard_moved_free(struct cx_shard_moved *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].from);
		free(v[i].to);
	}
	free(v);
}

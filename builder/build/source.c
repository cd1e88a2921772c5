/*
 * source.c - one source, one transaction: its requirements checked, then
 * begin, the adapter's read, the image header pass and end. Any error rolls
 * the whole source back, so the catalogue keeps that source's earlier rows
 * rather than half of a new build.
 */
#include "cx.h"

#include "build/build.h"
#include "io/release.h"

/* Why the required source r is not there, or NULL when it is. */
static const char *absent(struct cx_build *b, struct cx_cat *cat, const char *r)
{
	const struct cx_build_source *req = cx_build_find(b, r);
	if (req && cx_build_wanted(req))
		return req->state == CX_BUILD_DONE ? NULL : "its build failed";
	return cx_cat_has_source(cat, r) ? NULL
					 : "it is neither built in this run nor in the catalogue";
}

int cx_build_ready(struct cx_build *b, struct cx_cat *cat, struct cx_build_source *s,
		   struct cx_error *err)
{
	for (const char *const *r = s->adapter->requires; r && *r; r++) {
		const char *why = absent(b, cat, *r);
		if (why) {
			s->state = CX_BUILD_FAILED;
			return cx_error_set(err, CX_ENOTFOUND, "%s not built: it requires %s, and %s",
					    s->adapter->id, *r, why);
		}
	}
	return 0;
}

static int load(struct cx_cat *cat, struct cx_build_source *s, const struct cx_build_opts *opts,
		struct cx_error *err)
{
	int rc = s->adapter->read(s->rel, cx_cat_sink(cat), err);
	if (!rc)
		rc = cx_cat_end_load(cat, err);
	/* a borrower's images are its lender's, whose build read their headers */
	if (!rc && opts->check_images && !cx_adapter_borrows(s->adapter))
		rc = cx_build_images(cat, s->rel, opts, err);
	/* Every damaged archive met so far, probes included, for `stats`. */
	for (size_t i = 0; !rc && i < cx_release_ndamaged(s->rel); i++) {
		const char *file, *why;
		cx_release_damaged(s->rel, i, &file, &why);
		rc = cx_cat_damage(cat, file, why, err);
	}
	return rc;
}

int cx_build_source(struct cx_cat *cat, struct cx_build_source *s,
		    const struct cx_build_opts *opts, cx_progress_fn progress, void *payload,
		    struct cx_source_counts *n, struct cx_error *err)
{
	memset(n, 0, sizeof(*n));
	s->state = CX_BUILD_FAILED;
	/* stamped before reading: a file changed during the build makes the
	 * next recipe run build again */
	char *stamp = NULL;
	int rc = cx_build_stamp(s->path, opts, &stamp, err);
	if (rc == 0)
		rc = cx_cat_begin_source(cat, s->adapter, s->rel, opts, progress, payload, err);
	if (rc) {
		free(stamp);
		return rc;
	}
	rc = cx_cat_set_release_place(cat, s->adapter->id, s->path, err);
	if (rc == 0)
		rc = cx_cat_set_stamp(cat, s->adapter->id, stamp, err);
	free(stamp);
	if (rc == 0)
		rc = load(cat, s, opts, err);
	if (rc) {
		cx_cat_abort_source(cat);
		return rc;
	}
	rc = cx_cat_end_source(cat, n, err);
	if (!rc)
		s->state = CX_BUILD_DONE;
	return rc;
}

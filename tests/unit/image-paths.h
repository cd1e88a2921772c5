/*
 * image-paths.h - for adapter tests: runs an adapter on a release with a sink
 * that looks up every image path it is handed, so a test can say that the
 * paths an adapter chooses really exist in the release it read.
 */
#ifndef CX_IMAGE_PATHS_H
#define CX_IMAGE_PATHS_H

#include "cx.h"

#include "adapters/adapter.h"
#include "io/release.h"

struct image_paths {
	struct cx_release *rel;
	long images, missing;
};

static int image_paths_on_fact(void *ctx, const struct cx_fact_kind *k, const void *fact,
			       struct cx_error *err)
{
	(void)err;
	struct image_paths *p = ctx;
	const struct cx_image_fact *f = fact;
	if (k != CX_FACT(IMAGE) || !f->path)
		return 0;
	p->images++;
	if (!cx_release_exists(p->rel, f->path)) {
		p->missing++;
		printf("# missing image file '%s'\n", f->path);
	}
	return 0;
}

/* Returns the number of image facts whose path is not in the release, or -1
 * when the adapter fails; *images gets the number of image facts. */
static long image_paths_missing(const struct cx_adapter *a, const char *path, long *images)
{
	struct image_paths p = {0};
	struct cx_sink sink = {.ctx = &p, .fact = image_paths_on_fact};
	struct cx_error err = {0};
	*images = 0;
	if (cx_release_open(&p.rel, path, &err))
		return -1;
	int rc = a->probe(p.rel) ? a->read(p.rel, &sink, &err) : -1;
	cx_release_free(p.rel);
	*images = p.images;
	return rc ? -1 : p.missing;
}

#endif

/*
 * build.h - the build: what `chexinstruct build` does between its options
 * and the catalogue.
 *
 *   discover  find the releases under --sources (or --sources itself as one
 *             release), recognising each by the adapters' probes run without
 *             lasting effect (cx_release_try, io/release.h);
 *   order     sources after those they require (cx_adapter.requires);
 *   select    the --only list;
 *   build     one transaction per source: begin, the adapter's read, the
 *             image header pass (this layer opens the files; the catalogue
 *             only lists the images and stores what was read), end; any
 *             error aborts, leaving that source's earlier rows as they were.
 *
 * Nothing here prints or chooses an exit status: builder/cli/cmd-build.c does.
 */
#ifndef CX_BUILD_H
#define CX_BUILD_H

#include "cx.h"

#include "adapters/adapter.h"
#include "catalogue/catalogue.h"

struct cx_release;

enum cx_build_state { CX_BUILD_PENDING = 0, CX_BUILD_DONE, CX_BUILD_FAILED };

/* One registered source and what this run knows of it. */
struct cx_build_source {
	const struct cx_adapter *adapter;
	struct cx_release *rel; /* NULL when no release of it was found */
	char *path;             /* the release found: a folder or an archive */
	int selected;           /* to be built in this run */
	enum cx_build_state state;
};

struct cx_build {
	struct cx_build_source *src; /* every adapter of the table, in build order */
	size_t n;
	int only;                    /* the selection was named (--only) */
	char **damaged;              /* damaged archives nothing recognised, one message each */
	size_t ndamaged;
};

/*
 * Sets up one source per adapter of the table, in build order: a source comes
 * after the sources it requires, and otherwise keeps its place in the table.
 * Every source starts selected. CX_EINVAL (the message names the adapter)
 * when a requirement names no adapter of the table, or requirements form a
 * cycle: a registration mistake, which tests/unit/t-build.c catches.
 */
int cx_build_init(struct cx_build *b, const struct cx_adapter *const *table, size_t n,
		  struct cx_error *err);
void cx_build_free(struct cx_build *b);

/* The source with that id, or NULL. */
struct cx_build_source *cx_build_find(struct cx_build *b, const char *id);

/* Selects the sources of a comma-separated list of ids (NULL: every one).
 * CX_EINVAL naming the first id that is no registered source. */
int cx_build_select(struct cx_build *b, const char *only, struct cx_error *err);

/*
 * Finds the releases at path. An archive is one release. A folder is one
 * release when a probe recognises its own top-level files
 * (cx_release_open_top); otherwise every folder and archive inside it (not
 * hidden ones, in byte order of names) is a candidate release. Each candidate
 * goes to the adapters not found yet, in build order; the first whose probe
 * says yes takes it. A damaged archive that nothing recognised is noted in
 * b->damaged. CX_ENOTFOUND or CX_EFORMAT when path cannot be read as either.
 */
int cx_build_discover(struct cx_build *b, const char *path, struct cx_error *err);

/* After discovery: CX_ENOTFOUND with a one-line message when no release was
 * found, or when a source named in the selection was not. `where` is the
 * --sources path, for the message. */
int cx_build_check_found(const struct cx_build *b, const char *where, struct cx_error *err);

/* 1 when the source is to be built: selected and found. */
int cx_build_wanted(const struct cx_build_source *s);

/*
 * 0 when every source s requires is there: built in this run, or (when this
 * run does not build it) already in the catalogue. Otherwise CX_ENOTFOUND
 * with a one-line message naming what is missing; s is then marked failed
 * and must not be built.
 */
int cx_build_ready(struct cx_build *b, struct cx_cat *cat, struct cx_build_source *s,
		   struct cx_error *err);

/*
 * Builds one source in one transaction (see the top of this file) and marks
 * it done or failed. *n gets its row, image and instance counts.
 */
int cx_build_source(struct cx_cat *cat, struct cx_build_source *s,
		    const struct cx_build_opts *opts, cx_progress_fn progress, void *payload,
		    struct cx_source_counts *n, struct cx_error *err);

/*
 * The image header pass of the source being built (inside its transaction):
 * every image the adapter referred to is opened and its header read (with
 * opts->hash_images, the whole file decoded for its pixel hash and dHash);
 * one that cannot be read is rejected with the reason and removed. Plain
 * files are opened one by one; each archive is read in one pass, because a
 * member of a .tar.gz can only be reached by reading everything before it.
 */
/*
 * A source's build stamp (stamp.c): "release=FP seed=N images=KIND
 * chexinstruct=VERSION", FP the fingerprint of the release at path (its
 * files' paths inside it, sizes and modification times; never their bytes),
 * KIND checked, hashed or unchecked. cx_build_source records it in the
 * catalogue; `chexinstruct recipe` compares it to decide what to build again.
 */
int cx_build_release_fingerprint(const char *path, uint64_t *out, struct cx_error *err);
int cx_build_stamp(const char *path, const struct cx_build_opts *o, char **out,
		   struct cx_error *err);

int cx_build_images(struct cx_cat *cat, struct cx_release *rel, const struct cx_build_opts *opts,
		    struct cx_error *err);

#endif

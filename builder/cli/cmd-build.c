/*
 * cmd-build.c - `chexinstruct build`: its options, and what it prints. The
 * build itself (finding releases, telling which source each is, build order,
 * one transaction per source, the image pass) is builder/build/.
 */
#include "cx.h"

#include <getopt.h>
#include <time.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "build/build.h"
#include "catalogue/catalogue.h"
#include "io/release.h"
#include "cli/cmd.h"

/* With CX_BUILD_TIMES set, each source's build phases (CPU seconds) are
 * printed on stderr: what bench/ reads to say where the time goes. */
#define CX_BUILD_TIMES_ENV "CX_BUILD_TIMES"

static const char help[] =
	"usage: chexinstruct [--catalogue FILE] build --sources PATH [options]\n"
	"\n"
	"Reads dataset releases into the catalogue and derives the instances of every\n"
	"task-dataset entry. PATH is a folder holding releases (each a folder or a\n"
	".zip/.tar/.tar.gz/.tgz archive, recognised by its signature files), or one\n"
	"release itself: its archive, or its folder (a folder whose own files carry a\n"
	"release's signature). Sources that require another are built after it, and\n"
	"not at all when it is neither built in the same run nor in the catalogue.\n"
	"Rebuilding replaces the rows of the sources read and leaves the others.\n"
	"\n"
	"  --sources PATH     the folder holding the releases, or one release (required)\n"
	"  --only ID[,ID...]  build only these sources (e.g. mimic-cxr,openi); only they\n"
	"                     are listed as found or missing, and each must be found\n"
	"  --seed N           the build seed: orders the pairs and negatives of view\n"
	"                     matching and image-text matching and selection (default 0);\n"
	"                     stored in the catalogue, and shard manifests record it as\n"
	"                     build_seed. Not the sample or shard seed\n"
	"  --strict           exit 1 when any row was rejected\n"
	"  --no-image-check   do not look for image files or read their headers\n"
	"  --hash-images      also decode every image for its pixel hash and dHash, which\n"
	"                     'chexinstruct dedup' reads; off by default because decoding\n"
	"                     costs 20-100 ms per full-size image where the header costs\n"
	"                     microseconds (hours on MIMIC-CXR); an image that does not\n"
	"                     decode is then rejected\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit 1 when no release is found at PATH, when a source --only names is not\n"
	"found, or when a source cannot be built; 2 for an unknown source id.\n"
	"Results go to stdout; progress to stderr when it is a terminal.\n";

struct progress {
	int tty;
	struct timespec start;
};

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void show_progress(void *payload, const char *source, const struct cx_source_counts *n)
{
	struct progress *p = payload;
	if (!p->tty)
		return;
	double s = since(&p->start);
	fprintf(stderr, "\r%s: %ld rows, %.0f rows/s, %.1f s   ", source, n->read,
		s > 0 ? (double)n->read / s : 0.0, s);
}

static int build_one(struct cx_cat *cat, struct cx_build_source *s,
		     const struct cx_build_opts *opts, struct cx_source_counts *n)
{
	struct progress p = {.tty = isatty(2)};
	clock_gettime(CLOCK_MONOTONIC, &p.start);
	struct cx_error err = {0};
	int rc = cx_build_source(cat, s, opts, show_progress, &p, n, &err);
	if (p.tty)
		fprintf(stderr, "\r%s: %ld rows in %.1f s%30s\n", s->adapter->id, n->read,
			since(&p.start), "");
	if (!rc && getenv(CX_BUILD_TIMES_ENV))
		fprintf(stderr, "%s: CPU seconds: read %.2f, indexes %.2f, derive %.2f,"
				" commit %.2f\n", s->adapter->id, n->cpu_read, n->cpu_index,
			n->cpu_derive, n->cpu_commit);
	if (rc)
		return cx_fail("%s: %s", s->adapter->id, err.msg);
	return 0;
}

/* One line on stderr per damaged archive of a built source (the source was
 * built from what could be read); 1 when there was any. */
static int report_damage(const struct cx_build_source *s)
{
	size_t n = cx_release_ndamaged(s->rel);
	for (size_t i = 0; i < n; i++) {
		const char *file, *why;
		cx_release_damaged(s->rel, i, &file, &why);
		cx_fail("%s: %s: damaged archive: %s", s->adapter->id, file, why);
	}
	return n > 0;
}

/* Builds the wanted sources in build order, one table row each. */
static int run_build(struct cx_cat *cat, struct cx_build *b, const struct cx_build_opts *opts,
		     int strict)
{
	int status = CX_EXIT_OK;
	long rejected = 0;
	printf("%-17s %9s %9s %9s %9s %8s %9s\n", "source", "rows", "kept", "rejected", "filtered",
	       "images", "instances");
	for (size_t i = 0; i < b->n; i++) {
		struct cx_build_source *s = &b->src[i];
		if (!cx_build_wanted(s))
			continue;
		struct cx_error err = {0};
		struct cx_source_counts n = {0};
		if (cx_build_ready(b, cat, s, &err) != 0)
			status = cx_fail("%s", err.msg);
		else if (build_one(cat, s, opts, &n) != 0)
			status = CX_EXIT_ERROR;
		if (s->state != CX_BUILD_DONE)
			continue;
		if (report_damage(s))
			status = CX_EXIT_ERROR;
		long rej = n.rejected + n.images_unreadable;
		rejected += rej;
		printf("%-17s %9ld %9ld %9ld %9ld %8ld %9ld\n", s->adapter->id, n.read, n.kept,
		       rej, n.filtered, n.images - n.images_unreadable, n.instances);
		fflush(stdout);
	}
	if (strict && rejected && status == CX_EXIT_OK) {
		fprintf(stderr, "chexinstruct: --strict: %ld rows rejected (see 'chexinstruct stats')\n",
			rejected);
		status = CX_EXIT_ERROR;
	}
	return status;
}

/* What was found, and what was not: every source, or those --only names. */
static void report_found(const struct cx_build *b, const char *where)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct cx_build_source *s = &b->src[i];
		if (!s->selected)
			continue;
		if (s->rel)
			printf("found    %-17s %s\n", s->adapter->id, s->path);
		else
			printf("missing  %-17s no %s release under %s\n", s->adapter->id,
			       s->adapter->dataset, where);
	}
}

int cx_build_found(struct cx_build *b, const char *where, const char *catalogue,
		   const struct cx_build_opts *opts, int strict)
{
	struct cx_error err = {0};
	report_found(b, where);
	fflush(stdout);
	struct cx_cat *cat = NULL;
	int status;
	if (cx_cat_open(&cat, catalogue, 1, &err) || cx_cat_sync_tasks(cat, &err))
		status = cx_fail("%s", err.msg);
	else
		status = run_build(cat, b, opts, strict);
	cx_cat_close(cat);
	return b->ndamaged ? CX_EXIT_ERROR : status;
}

/* Discovery, then the build; returns the exit status. */
static int build(struct cx_build *b, const char *where, const struct cx_global *g,
		 const struct cx_build_opts *opts, int strict)
{
	struct cx_error err = {0};
	if (cx_build_discover(b, where, &err) != 0)
		return cx_fail("%s", err.msg);
	for (size_t i = 0; i < b->ndamaged; i++)
		cx_fail("%s", b->damaged[i]);
	if (cx_build_check_found(b, where, &err) != 0) {
		report_found(b, where);
		fflush(stdout);
		return cx_fail("%s", err.msg);
	}
	return cx_build_found(b, where, g->catalogue, opts, strict);
}

static int cmd_build(int argc, char **argv, const struct cx_global *g)
{
	static const struct option opts[] = {
		{.name = "sources", .has_arg = required_argument, .val = 's'},
		{.name = "only", .has_arg = required_argument, .val = 'o'},
		{.name = "seed", .has_arg = required_argument, .val = 'S'},
		{.name = "strict", .has_arg = no_argument, .val = 'x'},
		{.name = "no-image-check", .has_arg = no_argument, .val = 'n'},
		{.name = "help", .has_arg = no_argument, .val = 'h'},
		{.name = "hash-images", .has_arg = no_argument, .val = 'H'},
		{0},
	};
	const char *sources = NULL, *only = NULL;
	struct cx_build_opts bo = {.seed = 0, .check_images = 1};
	int strict = 0, c;
	long long v;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': sources = optarg; break;
		case 'o': only = optarg; break;
		case 'S':
			if ((v = cx_opt_number("--seed", optarg)) < 0)
				return CX_EXIT_USAGE;
			bo.seed = (uint64_t)v;
			break;
		case 'x': strict = 1; break;
		case 'n': bo.check_images = 0; break;
		case 'H': bo.hash_images = 1; break;
		case 'h': fputs(help, stdout); return CX_EXIT_OK;
		default: return cx_usage(&cx_cmd_build, "build: bad option");
		}
	}
	if (optind < argc)
		return cx_usage(&cx_cmd_build, "build: unexpected argument '%s'", argv[optind]);
	if (!sources)
		return cx_usage(&cx_cmd_build, "build: --sources PATH is required");
	if (bo.hash_images && !bo.check_images)
		return cx_usage(&cx_cmd_build, "build: --hash-images reads the images that"
						" --no-image-check skips");
	struct cx_build b;
	struct cx_error err = {0};
	if (cx_build_init(&b, cx_adapters, cx_nadapters, &err) != 0)
		return cx_fail("%s", err.msg);
	if (cx_build_select(&b, only, &err) != 0) {
		cx_build_free(&b);
		fprintf(stderr, "chexinstruct: %s\n", err.msg);
		return CX_EXIT_USAGE;
	}
	/* "sources/" and "sources" name the same folder; keep paths tidy. */
	char *where = cx_strdup(sources);
	for (size_t len = strlen(where); len > 1 && where[len - 1] == '/'; len--)
		where[len - 1] = '\0';
	int status = build(&b, where, g, &bo, strict);
	cx_build_free(&b);
	free(where);
	return status;
}

const struct cx_cmd cx_cmd_build = {
	.name = "build",
	.summary = "read dataset releases into the catalogue",
	.help = help,
	.run = cmd_build,
};

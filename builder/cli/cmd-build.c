/*
 * cmd-build.c - `chexinstruct build`: finds every known release under
 * --sources, reads each into the catalogue (one transaction per source,
 * replacing that source's earlier rows), and prints what it kept.
 */
#include "cx.h"

#include <dirent.h>
#include <getopt.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "catalogue/catalogue.h"
#include "cli/cmd.h"
#include "io/release.h"

static const char help[] =
	"usage: chexinstruct [--catalogue FILE] build --sources DIR [options]\n"
	"\n"
	"Finds the dataset releases under DIR (each a folder or a .zip/.tar/.tar.gz/.tgz\n"
	"archive, recognised by its signature files), reads them into the catalogue and\n"
	"derives the instances of every task-dataset entry. Rebuilding replaces the rows\n"
	"of the sources read and leaves the others.\n"
	"\n"
	"  --sources DIR      the folder holding the releases (required)\n"
	"  --only ID[,ID...]  build only these sources (e.g. mimic-cxr,openi)\n"
	"  --seed N           seed of the pair and negative orders (default 0)\n"
	"  --strict           exit 1 when any row was rejected\n"
	"  --no-image-check   do not look for image files or read their headers\n"
	"  --hash-images      also decode every image for its pixel hash and dHash, which\n"
	"                     'chexinstruct dedup' reads; off by default because decoding\n"
	"                     costs 20-100 ms per full-size image where the header costs\n"
	"                     microseconds (hours on MIMIC-CXR); an image that does not\n"
	"                     decode is then rejected\n"
	"  -h, --help         this help\n"
	"\n"
	"Results go to stdout; progress to stderr when it is a terminal.\n";

struct found {
	const struct cx_adapter *adapter;
	struct cx_release *rel;
	char *path;
};

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

static int is_candidate(const char *dir, const char *name, struct cx_buf *path)
{
	if (name[0] == '.')
		return 0;
	cx_buf_reset(path);
	cx_buf_addf(path, "%s/%s", dir, name);
	struct stat st;
	if (stat(path->data, &st) != 0)
		return 0;
	return S_ISDIR(st.st_mode) || cx_str_ends(name, ".zip") || cx_str_ends(name, ".tar") ||
	       cx_str_ends(name, ".tgz") || cx_str_ends(name, ".tar.gz");
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * Tries every adapter not found yet on one candidate; keeps the first match.
 * Returns 1 when the candidate is a damaged archive that nothing recognised
 * (a truncated download must not pass for "no such release").
 */
static int probe_candidate(const char *path, struct found *found)
{
	struct cx_release *rel;
	struct cx_error err = {0};
	if (cx_release_open(&rel, path, &err) != 0)
		return 0;
	for (size_t i = 0; i < cx_nadapters; i++) {
		if (found[i].rel || !cx_adapters[i]->probe(rel))
			continue;
		found[i] = (struct found){cx_adapters[i], rel, cx_strdup(path)};
		return 0;
	}
	int damaged = cx_release_damage(rel) != NULL;
	if (damaged)
		cx_fail("%s", cx_release_damage(rel));
	cx_release_free(rel);
	return damaged;
}

/* Returns the number of damaged archives that matched no adapter, or -1. */
static int discover(const char *dir, struct found *found)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	if (n < 0) {
		cx_fail("cannot read sources folder '%s'", dir);
		return -1;
	}
	struct cx_buf path = CX_BUF_INIT;
	int damaged = 0;
	for (int i = 0; i < n; i++) {
		if (is_candidate(dir, names[i]->d_name, &path))
			damaged += probe_candidate(path.data, found);
		free(names[i]);
	}
	free(names);
	cx_buf_release(&path);
	return damaged;
}

static int selected(const char *only, const char *id)
{
	if (!only)
		return 1;
	size_t n = strlen(id);
	for (const char *p = only; (p = strstr(p, id)); p += n)
		if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

static int check_only(const char *only)
{
	if (!only)
		return 0;
	char *copy = cx_strdup(only), *save = NULL;
	int bad = 0;
	for (char *id = strtok_r(copy, ",", &save); id; id = strtok_r(NULL, ",", &save))
		if (!cx_adapter_find(id)) {
			fprintf(stderr, "chexinstruct: --only: unknown source '%s'\n", id);
			bad = 1;
		}
	free(copy);
	return bad;
}

static int build_one(struct cx_cat *cat, struct found *f, const struct cx_build_opts *opts,
		     struct cx_source_counts *n)
{
	struct progress p = {.tty = isatty(2)};
	clock_gettime(CLOCK_MONOTONIC, &p.start);
	struct cx_error err = {0};
	int rc = cx_cat_begin_source(cat, f->adapter, f->rel, opts, show_progress, &p, &err);
	if (!rc) {
		rc = f->adapter->read(f->rel, cx_cat_sink(cat), &err);
		if (rc)
			cx_cat_abort_source(cat);
		else
			rc = cx_cat_end_source(cat, n, &err);
	}
	if (p.tty)
		fprintf(stderr, "\r%s: %ld rows in %.1f s%30s\n", f->adapter->id, n->read,
			since(&p.start), "");
	if (rc)
		return cx_fail("%s: %s", f->adapter->id, err.msg);
	return 0;
}

static int run_build(struct cx_cat *cat, struct found *found, const char *only,
		     const struct cx_build_opts *opts, int strict)
{
	int status = CX_EXIT_OK;
	long rejected = 0;
	printf("%-17s %9s %9s %9s %9s %8s %9s\n", "source", "rows", "kept", "rejected", "filtered",
	       "images", "instances");
	for (size_t i = 0; i < cx_nadapters; i++) {
		if (!found[i].rel || !selected(only, found[i].adapter->id))
			continue;
		struct cx_source_counts n = {0};
		if (build_one(cat, &found[i], opts, &n) != 0) {
			status = CX_EXIT_ERROR;
			continue;
		}
		long rej = n.rejected + n.images_unreadable;
		rejected += rej;
		printf("%-17s %9ld %9ld %9ld %9ld %8ld %9ld\n", found[i].adapter->id, n.read, n.kept,
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

static void report_found(const struct found *found, const char *dir)
{
	for (size_t i = 0; i < cx_nadapters; i++) {
		if (found[i].rel)
			printf("found    %-17s %s\n", cx_adapters[i]->id, found[i].path);
		else
			printf("missing  %-17s no %s release under %s\n", cx_adapters[i]->id,
			       cx_adapters[i]->dataset, dir);
	}
}

static int cmd_build(int argc, char **argv, const struct cx_global *g)
{
	static const struct option opts[] = {
		{"sources", required_argument, NULL, 's'}, {"only", required_argument, NULL, 'o'},
		{"seed", required_argument, NULL, 'S'},    {"strict", no_argument, NULL, 'x'},
		{"no-image-check", no_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'},
		{"hash-images", no_argument, NULL, 'H'},
		{NULL, 0, NULL, 0},
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
		return cx_usage(&cx_cmd_build, "build: --sources DIR is required");
	if (bo.hash_images && !bo.check_images)
		return cx_usage(&cx_cmd_build, "build: --hash-images reads the images that"
						" --no-image-check skips");
	if (check_only(only))
		return CX_EXIT_USAGE;
	/* "sources/" and "sources" name the same folder; keep paths tidy. */
	char *dir = cx_strdup(sources);
	for (size_t len = strlen(dir); len > 1 && dir[len - 1] == '/'; len--)
		dir[len - 1] = '\0';
	struct found *found = cx_calloc(cx_nadapters, sizeof(*found));
	int damaged = discover(dir, found);
	int status = damaged < 0 ? CX_EXIT_ERROR : CX_EXIT_OK;
	struct cx_cat *cat = NULL;
	struct cx_error err = {0};
	if (damaged >= 0) {
		report_found(found, dir);
		if (cx_cat_open(&cat, g->catalogue, 1, &err) || cx_cat_sync_tasks(cat, &err))
			status = cx_fail("%s", err.msg);
		else
			status = run_build(cat, found, only, &bo, strict);
		if (damaged)
			status = CX_EXIT_ERROR;
	}
	cx_cat_close(cat);
	for (size_t i = 0; i < cx_nadapters; i++) {
		cx_release_free(found[i].rel);
		free(found[i].path);
	}
	free(found);
	free(dir);
	return status;
}

const struct cx_cmd cx_cmd_build = {
	"build", "read dataset releases into the catalogue", help, cmd_build,
};

/*
 * cmd-shard.c - `chexinstruct shard`: writes the shards of one split
 * (builder/shard/sharder.h does the work; this file parses options and
 * chooses the exit status).
 */
#include "cx.h"

#include <getopt.h>
#include <unistd.h>

#include "catalogue/catalogue.h"
#include "cli/cmd.h"
#include "render/render.h"
#include "cli/shard-sources.h"
#include "shard/sharder.h"
#include "util/pool.h"

static const char help[] =
	"usage: chexinstruct [--catalogue FILE] shard --out DIR --split S [options]\n"
	"       chexinstruct [--catalogue FILE] shard --dry-run [--json] --split S [options]\n"
	"\n"
	"Writes the records of one split as shards into DIR (schema/shard-format.md),\n"
	"then leakage.json (what split hygiene and deduplication left out, and why)\n"
	"and, last, manifest.json. It runs from any folder: the catalogue records\n"
	"where each release was read (absolute paths). Rerunning the same command\n"
	"after a run that was interrupted keeps its finished shards and writes the\n"
	"rest (not\n"
	"with --format mds: that starts over). One run at a time: a second run into DIR\n"
	"while one holds its lock fails at once. The plan (hygiene, duplicates, the\n"
	"mix) is made before any image is decoded; only the images of records that\n"
	"will be written are transcoded. A progress line goes to stderr when it is\n"
	"a terminal.\n"
	"\n"
	"  --dry-run          print the plan (per entry: instances, removed by hygiene\n"
	"                     and duplicates, available, requested, records) and stop;\n"
	"                     reads no image, renders nothing, writes nothing, needs\n"
	"                     no --out\n"
	"  --json             with --dry-run, the plan as JSON\n"
	"  --allow-short-mix  accept a mix whose dataset, task or entry gets nothing or\n"
	"                     under 90% of what it asks for (default: an error naming\n"
	"                     it and what the split had for it)\n"
	"  --out DIR          output folder (created; must hold only shard output)\n"
	"  --overwrite        replace the finished shard set DIR holds (any format);\n"
	"                     without it such a folder is refused. The old set stays\n"
	"                     whole until the new one is complete\n"
	"  --split S          train, val or test\n"
	"  --mix FILE         weights, caps or shares (\"proportion\") per dataset, task\n"
	"                     or entry (README.md, \"Shards for training\"); default:\n"
	"                     every instance once\n"
	"  --seed N           the shard seed: which instances a mix picks, their\n"
	"                     templates, forms and option order, and the shuffle\n"
	"                     (default 0); manifest.json records it as seed, next to the\n"
	"                     catalogue's build seed (build --seed) as build_seed\n"
	"  --max-bytes N      start a new shard before one would pass N bytes\n"
	"  --max-records N    at most N records per shard\n"
	"  --format F         native (default), webdataset or mds\n"
	"  --min-shards N     webdataset: at least N shards (1-65536, default 4; fewer\n"
	"                     only when there are fewer records), cut as evenly as\n"
	"                     the order allows, so that a loader's N workers each get\n"
	"                     a shard on a small split\n"
	"  --image-size N     shrink every image whose longest side is over N pixels to N\n"
	"                     (aspect kept, area filter) and re-encode every image (a\n"
	"                     smaller one at its own size); DICOM and JSRT images are\n"
	"                     decoded and windowed to 8 bits. Without it the original\n"
	"                     JPEG/PNG bytes pass through unchanged\n"
	"  --enlarge          with --image-size, scale smaller images up to N as well\n"
	"  --image-format F   jpeg (default) or png, with --image-size\n"
	"  --quality Q        JPEG quality 1-100 (default 90), with --image-size\n"
	"  --threads N        image workers, 1-64 (default: the number of processors);\n"
	"                     the output is the same for any N\n"
	"  --buffered         write shard files through the page cache only. By\n"
	"                     default whole 1 MiB blocks bypass it (O_DIRECT), which is\n"
	"                     faster where the kernel's copy is the bottleneck; the\n"
	"                     bytes are the same either way\n"
	"  --sources DIR      read the releases from a copy in DIR (found as build finds\n"
	"                     them) instead of where the catalogue says they are; the\n"
	"                     copy is checked first by the content fingerprint (its\n"
	"                     sources are built again into a scratch catalogue), and\n"
	"                     a different one is refused\n"
	"  --access A         public: only sources anyone may download (their access\n"
	"                     class is public; their licences still apply, the card lists\n"
	"                     them); credentialed (default): every source\n"
	"  --templates DIR    templates folder (default: $CHEXINSTRUCT_TEMPLATES, or the\n"
	"                     source tree's templates/)\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit status: 0 done, 1 error (bad mix file, a mix that ends short, foreign\n"
	"files in DIR, a finished\n"
	"set in DIR without --overwrite, DIR in use by another run, a held-out entry\n"
	"asked for in train, I/O), 2 usage.\n";

/*
 * Hooks for tests and benchmarks, read here so the sharder's core never looks
 * at the environment: CX_SHARD_CRASH_AFTER=N kills the process (exit 3)
 * right after record N reaches the backend, to test that an interrupted run
 * leaves no half-written shard; CX_SHARD_TIMES prints each phase's time.
 */
static int env_hooks(struct cx_shard_opts *o)
{
	const char *crash = getenv("CX_SHARD_CRASH_AFTER");
	if (crash) {
		long long v = cx_opt_number("CX_SHARD_CRASH_AFTER", crash);
		if (v < 0)
			return CX_EXIT_USAGE;
		o->crash_after = (uint64_t)v;
	}
	o->times = getenv("CX_SHARD_TIMES") != NULL;
	return 0;
}

static int run(const struct cx_global *g, struct cx_shard_opts *o, const char *tdir,
	       const char *sources)
{
	struct cx_error err = {0};
	struct cx_templates *t;
	struct cx_cat *cat;
	if (cx_templates_load(&t, tdir, &err))
		return cx_fail("%s", err.msg);
	if (cx_cat_open(&cat, g->catalogue, 0, &err)) {
		cx_templates_free(t);
		return cx_fail("%s", err.msg);
	}
	struct cx_shard_summary sum;
	struct cx_shard_moved *moved = NULL;
	size_t nmoved = 0;
	int rc = sources ? cx_shard_sources(cat, sources, &moved, &nmoved, &err) : 0;
	o->moved = moved;
	o->nmoved = nmoved;
	if (rc == 0)
		rc = cx_shard_run(cat, t, o, &sum, &err);
	cx_shard_moved_free(moved, nmoved);
	cx_cat_close(cat);
	cx_templates_free(t);
	if (rc)
		return cx_fail("%s", err.msg);
	if (o->dry_run)
		return CX_EXIT_OK;
	printf("%s: %llu records, %zu shards, %llu bytes (%s, %s); %llu left out (leakage.json)\n",
	       o->out, (unsigned long long)sum.records, sum.shards, (unsigned long long)sum.bytes,
	       cx_rank_name(o->split), o->format, (unsigned long long)sum.removed);
	return CX_EXIT_OK;
}

static int cmd_shard(int argc, char **argv, const struct cx_global *g)
{
	/* one case per option */
	static const struct option opts[] = {
		{.name = "out", .has_arg = required_argument, .val = 'o'},
		{.name = "split", .has_arg = required_argument, .val = 's'},
		{.name = "mix", .has_arg = required_argument, .val = 'm'},
		{.name = "seed", .has_arg = required_argument, .val = 'S'},
		{.name = "max-bytes", .has_arg = required_argument, .val = 'B'},
		{.name = "max-records", .has_arg = required_argument, .val = 'R'},
		{.name = "format", .has_arg = required_argument, .val = 'f'},
		{.name = "templates", .has_arg = required_argument, .val = 'T'},
		{.name = "image-size", .has_arg = required_argument, .val = 'I'},
		{.name = "image-format", .has_arg = required_argument, .val = 'F'},
		{.name = "quality", .has_arg = required_argument, .val = 'Q'},
		{.name = "threads", .has_arg = required_argument, .val = 'j'},
		{.name = "buffered", .has_arg = no_argument, .val = 'b'},
		{.name = "enlarge", .has_arg = no_argument, .val = 'E'},
		{.name = "overwrite", .has_arg = no_argument, .val = 'O'},
		{.name = "dry-run", .has_arg = no_argument, .val = 'D'},
		{.name = "json", .has_arg = no_argument, .val = 'J'},
		{.name = "allow-short-mix", .has_arg = no_argument, .val = 'A'},
		{.name = "min-shards", .has_arg = required_argument, .val = 'M'},
		{.name = "sources", .has_arg = required_argument, .val = 'W'},
		{.name = "access", .has_arg = required_argument, .val = 'C'},
		{.name = "help", .has_arg = no_argument, .val = 'h'},
		{0},
	};
	struct cx_shard_opts o = {.split = -1, .format = "native",
				  .image = {.format = CX_IMAGE_JPEG}, .threads = cx_pool_cpus()};
	const char *tdir = cx_templates_dir(), *split = NULL, *iformat = NULL, *sources = NULL;
	int quality = 0;
	long long v, min_shards = -1;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 's': split = optarg; break;
		case 'm': o.mix = optarg; break;
		case 'f': o.format = optarg; break;
		case 'T': tdir = optarg; break;
		case 'b': o.limits.buffered = 1; break;
		case 'O': o.overwrite = 1; break;
		case 'D': o.dry_run = 1; break;
		case 'J': o.json = 1; break;
		case 'A': o.allow_short = 1; break;
		case 'S':
			if ((v = cx_opt_number("--seed", optarg)) < 0)
				return CX_EXIT_USAGE;
			o.seed = (uint64_t)v;
			break;
		case 'B':
			if ((v = cx_opt_number("--max-bytes", optarg)) < 0)
				return CX_EXIT_USAGE;
			o.limits.max_bytes = (uint64_t)v;
			break;
		case 'R':
			if ((v = cx_opt_number("--max-records", optarg)) < 0)
				return CX_EXIT_USAGE;
			o.limits.max_records = (uint64_t)v;
			break;
		case 'I':
			if ((v = cx_opt_number("--image-size", optarg)) < 0)
				return CX_EXIT_USAGE;
			if (v < 1 || v > 16384)
				return cx_usage(&cx_cmd_shard, "shard: --image-size is 1 to 16384");
			o.image.size = (int)v;
			break;
		case 'F': iformat = optarg; break;
		case 'W': sources = optarg; break;
		case 'C':
			if (strcmp(optarg, "public") && strcmp(optarg, "credentialed"))
				return cx_usage(&cx_cmd_shard, "shard: --access is public or"
						" credentialed, not '%s'", optarg);
			o.access_public = !strcmp(optarg, "public");
			break;
		case 'M':
			if ((min_shards = cx_opt_number("--min-shards", optarg)) < 0)
				return CX_EXIT_USAGE;
			if (min_shards < 1 || min_shards > 65536)
				return cx_usage(&cx_cmd_shard, "shard: --min-shards is 1 to 65536");
			break;
		case 'E': o.image.enlarge = 1; break;
		case 'Q':
			if ((v = cx_opt_number("--quality", optarg)) < 0)
				return CX_EXIT_USAGE;
			if (v < 1 || v > 100)
				return cx_usage(&cx_cmd_shard, "shard: --quality is 1 to 100");
			quality = (int)v;
			break;
		case 'j':
			if ((v = cx_opt_number("--threads", optarg)) < 0)
				return CX_EXIT_USAGE;
			if (v < 1 || v > 64)
				return cx_usage(&cx_cmd_shard, "shard: --threads is 1 to 64");
			o.threads = (int)v;
			break;
		case 'h': fputs(help, stdout); return CX_EXIT_OK;
		default: return cx_usage(&cx_cmd_shard, "shard: bad option");
		}
	}
	if (optind < argc)
		return cx_usage(&cx_cmd_shard, "shard: unexpected argument '%s'", argv[optind]);
	if ((!o.out || !o.out[0]) && !o.dry_run)
		return cx_usage(&cx_cmd_shard, "shard: --out is required");
	if (o.json && !o.dry_run)
		return cx_usage(&cx_cmd_shard, "shard: --json needs --dry-run");
	o.progress = isatty(2);
	if (!split)
		return cx_usage(&cx_cmd_shard, "shard: --split is required");
	if ((o.split = cx_rank_of(split)) < 0)
		return cx_usage(&cx_cmd_shard, "shard: --split is train, val or test, not '%s'",
				split);
	if (!cx_shard_format(o.format))
		return cx_usage(&cx_cmd_shard, "shard: --format is native, webdataset or mds, not"
				" '%s'", o.format);
	if ((iformat || quality || o.image.enlarge) && !o.image.size)
		return cx_usage(&cx_cmd_shard, "shard: --image-format, --quality and --enlarge need"
				" --image-size");
	if (iformat && !strcmp(iformat, "png"))
		o.image.format = CX_IMAGE_PNG;
	else if (iformat && strcmp(iformat, "jpeg"))
		return cx_usage(&cx_cmd_shard, "shard: --image-format is jpeg or png, not '%s'",
				iformat);
	o.image.quality = quality;
	if (min_shards > 0 && strcmp(o.format, "webdataset"))
		return cx_usage(&cx_cmd_shard, "shard: --min-shards is for --format webdataset");
	if (!strcmp(o.format, "webdataset"))
		o.limits.min_shards = min_shards > 0 ? (uint64_t)min_shards : 4;
	if (env_hooks(&o))
		return CX_EXIT_USAGE;
	return run(g, &o, tdir, sources);
}

const struct cx_cmd cx_cmd_shard = {
	.name = "shard",
	.summary = "write the shards of one split for training or evaluation",
	.help = help,
	.run = cmd_shard,
};

/*
 * cmd-dedup.c - `chexinstruct dedup`: the images of the catalogue that are
 * the same picture, exactly (same decoded pixels) or nearly (dHash within a
 * Hamming threshold), across datasets and splits. Reads the hashes that
 * `build --hash-images` stores; the search is in catalogue/cat-dedup.c.
 */
#include "cx.h"

#include <getopt.h>

#include "catalogue/catalogue.h"
#include "cli/cmd.h"

/* Calibrated on 54 real chest X-rays of 49 patients (CONTRIBUTING.md,
 * "Near-duplicate threshold"). */
#define DEFAULT_THRESHOLD 1

static const char help[] =
	"usage: chexinstruct [--catalogue FILE] dedup [--threshold N] [--json]\n"
	"\n"
	"Lists images that are the same picture: exact duplicates (the same decoded\n"
	"pixels, however each file was encoded) and near duplicates (64-bit dHashes\n"
	"differing in at most N bits: the same image resized or re-encoded lossily),\n"
	"with the dataset, key and split of both. Needs a catalogue built with\n"
	"'build --hash-images'.\n"
	"\n"
	"  --threshold N  largest Hamming distance of a near pair, 0-64 (default 1;\n"
	"                 up to 15 the search only compares images sharing one of\n"
	"                 N+1 bands of the hash, above it every pair: quadratic)\n"
	"  --json         print JSON instead of text\n"
	"  -h, --help     this help\n";

static int cmd_dedup(int argc, char **argv, const struct cx_global *g)
{
	static const struct option opts[] = {
		{.name = "threshold", .has_arg = required_argument, .val = 't'},
		{.name = "json", .has_arg = no_argument, .val = 'j'},
		{.name = "help", .has_arg = no_argument, .val = 'h'},
		{0},
	};
	int json = 0, threshold = DEFAULT_THRESHOLD, c;
	long long v;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if ((v = cx_opt_number("--threshold", optarg)) < 0)
				return CX_EXIT_USAGE;
			if (v > 64)
				return cx_usage(&cx_cmd_dedup, "dedup: --threshold is at most 64");
			threshold = (int)v;
			break;
		case 'j': json = 1; break;
		case 'h': fputs(help, stdout); return CX_EXIT_OK;
		default: return cx_usage(&cx_cmd_dedup, "dedup: bad option");
		}
	}
	if (optind < argc)
		return cx_usage(&cx_cmd_dedup, "dedup: unexpected argument '%s'", argv[optind]);
	struct cx_cat *cat;
	struct cx_error err = {0};
	if (cx_cat_open(&cat, g->catalogue, 0, &err))
		return cx_fail("%s", err.msg);
	struct cx_buf out = CX_BUF_INIT;
	int rc = cx_cat_dedup(cat, threshold, json, &out, &err);
	cx_cat_close(cat);
	return cx_finish_report(rc, &out, &err);
}

const struct cx_cmd cx_cmd_dedup = {
	.name = "dedup",
	.summary = "exact and near-duplicate images across datasets and splits",
	.help = help,
	.run = cmd_dedup,
};

/*
 * cmd-stats.c - `chexinstruct stats`: rows, rejects and instances per source,
 * and instance counts per capability, task, dataset and split.
 */
#include "cx.h"

#include <getopt.h>

#include "catalogue/catalogue.h"
#include "cli/cmd.h"

static const char help[] =
	"usage: chexinstruct [--catalogue FILE] stats [--json]\n"
	"\n"
	"Per dataset: rows read, kept, rejected and filtered (with the rule that\n"
	"filtered them), images, patients and instances; then instances per\n"
	"capability, task, dataset and split.\n"
	"\n"
	"  --json      print JSON instead of tables\n"
	"  -h, --help  this help\n";

int cx_finish_report(int rc, struct cx_buf *out, const struct cx_error *err)
{
	if (rc) {
		cx_buf_release(out);
		return cx_fail("%s", err->msg);
	}
	fputs(cx_buf_str(out), stdout);
	cx_buf_release(out);
	return CX_EXIT_OK;
}

int cx_print_report(const struct cx_global *g, int json,
		    int (*report)(struct cx_cat *, int, struct cx_buf *, struct cx_error *))
{
	struct cx_cat *cat;
	struct cx_error err = {0};
	if (cx_cat_open(&cat, g->catalogue, 0, &err))
		return cx_fail("%s", err.msg);
	struct cx_buf out = CX_BUF_INIT;
	int rc = report(cat, json, &out, &err);
	cx_cat_close(cat);
	return cx_finish_report(rc, &out, &err);
}

int cx_json_only_opts(const struct cx_cmd *cmd, int argc, char **argv, int *json)
{
	static const struct option opts[] = {
		{.name = "json", .has_arg = no_argument, .val = 'j'},
		{.name = "help", .has_arg = no_argument, .val = 'h'},
		{0},
	};
	int c;
	*json = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': *json = 1; break;
		case 'h': fputs(cmd->help, stdout); return -1;
		default: return cx_usage(cmd, "%s: bad option", cmd->name);
		}
	}
	if (optind < argc)
		return cx_usage(cmd, "%s: unexpected argument '%s'", cmd->name, argv[optind]);
	return 0;
}

static int cmd_stats(int argc, char **argv, const struct cx_global *g)
{
	int json, rc = cx_json_only_opts(&cx_cmd_stats, argc, argv, &json);
	if (rc)
		return rc < 0 ? CX_EXIT_OK : rc;
	return cx_print_report(g, json, cx_cat_stats);
}

const struct cx_cmd cx_cmd_stats = {
	.name = "stats",
	.summary = "counts per source, capability, task, dataset and split",
	.help = help,
	.run = cmd_stats,
};

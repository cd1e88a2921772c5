/*
 * cmd-tasks.c - `chexinstruct tasks`: the capability -> task -> dataset tree
 * of CheXinstruct with instance counts.
 */
#include "cx.h"

#include "catalogue/catalogue.h"
#include "cli/cmd.h"

static const char help[] =
	"usage: chexinstruct [--catalogue FILE] tasks [--json]\n"
	"\n"
	"The capability -> task -> dataset tree with instance counts; held-out\n"
	"entries (evaluation only) are marked.\n"
	"\n"
	"  --json      print JSON instead of the tree\n"
	"  -h, --help  this help\n";

static int cmd_tasks(int argc, char **argv, const struct cx_global *g)
{
	int json, rc = cx_json_only_opts(&cx_cmd_tasks, argc, argv, &json);
	if (rc)
		return rc < 0 ? CX_EXIT_OK : rc;
	return cx_print_report(g, json, cx_cat_tasks);
}

const struct cx_cmd cx_cmd_tasks = {
	.name = "tasks",
	.summary = "the capability -> task -> dataset tree with counts",
	.help = help,
	.run = cmd_tasks,
};

/*
 * cmd-audit.c - `chexinstruct audit`: renders every instance of the catalogue
 * (or of --task/--dataset/--split) and runs the checks of render/audit.h per
 * task-dataset entry, so a defect of selection or rendering (an answer
 * among no options, a distractor pool that gives the answer away, a stray
 * line break) is found in every task, present and future, without reading
 * samples. Exit 1 when a check fails.
 */
#include "cx.h"

#include <getopt.h>

#include "catalogue/catalogue.h"
#include "cli/cmd.h"
#include "render/audit.h"
#include "render/render.h"

static const char help[] =
	"usage: chexinstruct [--catalogue FILE] audit [options]\n"
	"\n"
	"Renders every instance (instruction, answer, options) and checks each\n"
	"task-dataset entry: render failures; answers that are not the right option;\n"
	"duplicate options; leaks (an option text, label or word found only in\n"
	"right options or only in wrong ones, beyond chance); empty fields;\n"
	"whitespace in one-line fields; boxes outside 0-100 or of zero area;\n"
	"answers the instruction spells out; and the right option's position\n"
	"against its expected spread. Prints one table (failures per entry and\n"
	"check, '-' where a check does not apply), the positions, and one line per\n"
	"finding. Exit status 1 when a check fails.\n"
	"\n"
	"  --task T           only tasks whose name contains T\n"
	"  --dataset D        only this dataset (name or source id)\n"
	"  --split S          only this split: train, val or test\n"
	"  --seed S           the render seed (templates, forms, option order), as\n"
	"                     sample's and shard's --seed (default 0)\n"
	"  --json             print one JSON object\n"
	"  --templates DIR    templates folder (default: $CHEXINSTRUCT_TEMPLATES, or the\n"
	"                     source tree's templates/)\n"
	"  -h, --help         this help\n";

struct ctx {
	const struct cx_templates *t;
	uint64_t seed;
	struct cx_audit *audit;
};

static int on_item(void *p, const struct cx_sample_item *it, struct cx_error *err)
{
	(void)err;
	struct ctx *c = p;
	struct cx_rendered r;
	struct cx_error rerr = {0};
	cx_rendered_init(&r);
	if (cx_render(c->t, it->view, c->seed, &r, &rerr))
		cx_audit_add(c->audit, it->entry, it->view->key, NULL, rerr.msg);
	else
		cx_audit_add(c->audit, it->entry, it->view->key, &r, NULL);
	cx_rendered_release(&r);
	return 0;
}

static int audit(const struct cx_global *g, const struct cx_sample_query *q, const char *tdir)
{
	struct cx_cat *cat;
	struct cx_templates *t;
	struct cx_error err = {0};
	if (cx_templates_load(&t, tdir, &err))
		return cx_fail("%s", err.msg);
	if (cx_cat_open(&cat, g->catalogue, 0, &err)) {
		cx_templates_free(t);
		return cx_fail("%s", err.msg);
	}
	struct ctx c = {.t = t, .seed = q->seed, .audit = cx_audit_new()};
	long n = cx_cat_each_instance(cat, q, on_item, &c, &err);
	int status = CX_EXIT_OK;
	if (n < 0) {
		status = cx_fail("%s", err.msg);
	} else if (n == 0) {
		status = cx_fail("no instances match");
	} else {
		struct cx_buf out = CX_BUF_INIT;
		cx_audit_report(c.audit, q->json, &out);
		fputs(cx_buf_str(&out), stdout);
		cx_buf_release(&out);
		status = cx_audit_failures(c.audit) ? CX_EXIT_ERROR : CX_EXIT_OK;
	}
	cx_audit_free(c.audit);
	cx_cat_close(cat);
	cx_templates_free(t);
	return status;
}

static int cmd_audit(int argc, char **argv, const struct cx_global *g)
{
	static const struct option opts[] = {
		CX_QUERY_OPTS,
		{.name = "help", .has_arg = no_argument, .val = 'h'},
		{0},
	};
	struct cx_sample_query q = {.task = ""};
	const char *tdir = cx_templates_dir();
	int c, took;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((took = cx_query_opt(c, optarg, &q, &tdir)) != 0) {
			if (took < 0)
				return CX_EXIT_USAGE;
			continue;
		}
		if (c == 'h') {
			fputs(help, stdout);
			return CX_EXIT_OK;
		}
		return cx_usage(&cx_cmd_audit, "audit: bad option");
	}
	if (optind < argc)
		return cx_usage(&cx_cmd_audit, "audit: unexpected argument '%s'", argv[optind]);
	if (q.split && strcmp(q.split, "train") && strcmp(q.split, "val") && strcmp(q.split, "test"))
		return cx_usage(&cx_cmd_audit, "audit: --split is train, val or test, not '%s'",
				q.split);
	return audit(g, &q, tdir);
}

const struct cx_cmd cx_cmd_audit = {
	.name = "audit",
	.summary = "check every rendered instance for leaks and malformed fields",
	.help = help,
	.run = cmd_audit,
};

/*
 * cmd-table.c - the table of subcommands, and the helpers they share for
 * errors and options. Adding a command: CONTRIBUTING.md, "Adding a command".
 */
#include "cx.h"

#include <errno.h>

#include "catalogue/catalogue.h"
#include "cli/cmd.h"

const struct cx_cmd *const cx_cmds[] = {
	&cx_cmd_build,
	&cx_cmd_sample,
	&cx_cmd_stats,
	&cx_cmd_tasks,
	&cx_cmd_shard,
	&cx_cmd_verify,
	&cx_cmd_dedup,
	&cx_cmd_audit,
	&cx_cmd_recipe,
};

const size_t cx_ncmds = CX_ARRAY_LEN(cx_cmds);

const struct cx_cmd *cx_cmd_find(const char *name)
{
	for (size_t i = 0; i < cx_ncmds; i++)
		if (!strcmp(cx_cmds[i]->name, name))
			return cx_cmds[i];
	return NULL;
}

int cx_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("chexinstruct: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return CX_EXIT_ERROR;
}

int cx_usage(const struct cx_cmd *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("chexinstruct: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'chexinstruct %s --help'.\n", c ? c->name : "");
	va_end(ap);
	return CX_EXIT_USAGE;
}

long long cx_opt_number(const char *opt, const char *value)
{
	char *end;
	errno = 0;
	long long v = strtoll(value, &end, 10);
	if (errno || *end || !*value || v < 0) {
		fprintf(stderr, "chexinstruct: %s wants a whole number >= 0, not '%s'\n", opt, value);
		return -1;
	}
	return v;
}

int cx_query_opt(int c, const char *arg, struct cx_sample_query *q, const char **tdir)
{
	long long v;
	switch (c) {
	case 't': q->task = arg; return 1;
	case 'd': q->dataset = arg; return 1;
	case 's': q->split = arg; return 1;
	case 'j': q->json = 1; return 1;
	case 'T': *tdir = arg; return 1;
	case 'S':
		if ((v = cx_opt_number("--seed", arg)) < 0)
			return -1;
		q->seed = (uint64_t)v;
		return 1;
	default: return 0;
	}
}

const char *cx_templates_dir(void)
{
	const char *env = getenv("CHEXINSTRUCT_TEMPLATES");
	return env && *env ? env : CX_SOURCE_ROOT "/templates";
}

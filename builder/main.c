/*
 * main.c - global options, then dispatch through the command table.
 */
#include "cx.h"

#include <getopt.h>

#include "cli/cmd.h"

static const char usage_text[] =
	"usage: chexinstruct [--catalogue FILE] <command> [options]\n"
	"\n"
	"Rebuilds the CheXinstruct instruction-tuning dataset from chest X-ray\n"
	"dataset releases, as distributed, into a SQLite catalogue.\n"
	"\n"
	"Global options:\n"
	"  --catalogue FILE  the catalogue to build or read (default chexinstruct.db)\n"
	"  -h, --help        this help; 'chexinstruct <command> --help' for a command\n"
	"  --version         print the version\n"
	"\n"
	"Commands:\n";

static void print_usage(FILE *f)
{
	fputs(usage_text, f);
	for (size_t i = 0; i < cx_ncmds; i++)
		fprintf(f, "  %-8s %s\n", cx_cmds[i]->name, cx_cmds[i]->summary);
	fputs("\nExit status: 0 ok, 1 error (or rejected rows with --strict), 2 usage.\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{.name = "catalogue", .has_arg = required_argument, .val = 'c'},
		{.name = "help", .has_arg = no_argument, .val = 'h'},
		{.name = "version", .has_arg = no_argument, .val = 'V'},
		{0},
	};
	struct cx_global g = {.catalogue = "chexinstruct.db"};
	int c;
	/* '+' stops at the command name, so command options are left alone. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			g.catalogue = optarg;
			g.catalogue_given = 1;
			break;
		case 'h': print_usage(stdout); return CX_EXIT_OK;
		case 'V': printf("chexinstruct %s\n", CX_VERSION); return CX_EXIT_OK;
		default: print_usage(stderr); return CX_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_usage(stderr);
		return CX_EXIT_USAGE;
	}
	const struct cx_cmd *cmd = cx_cmd_find(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "chexinstruct: unknown command '%s'\n", argv[optind]);
		print_usage(stderr);
		return CX_EXIT_USAGE;
	}
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	optind = 0; /* glibc: 0 restarts getopt for the command's own options */
	return cmd->run(sub_argc, sub_argv, &g);
}

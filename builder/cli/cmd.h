/*
 * cmd.h - the subcommands. One file per command (cmd-<name>.c) exports one
 * struct cx_cmd; cmd-table.c lists them. Only builder/cli/ and main.c print
 * results or choose the exit status.
 */
#ifndef CX_CMD_H
#define CX_CMD_H

#include "cx.h"

/* Exit statuses (documented in README.md). */
enum { CX_EXIT_OK = 0, CX_EXIT_ERROR = 1, CX_EXIT_USAGE = 2 };

struct cx_global {
	const char *catalogue; /* --catalogue FILE, default chexinstruct.db */
	int catalogue_given;   /* 1: --catalogue was given (recipe names its own) */
};

struct cx_cmd {
	const char *name;
	const char *summary; /* one line for `chexinstruct --help` */
	const char *help;    /* the whole `chexinstruct <name> --help` text */
	int (*run)(int argc, char **argv, const struct cx_global *g);
};

extern const struct cx_cmd cx_cmd_build;
extern const struct cx_cmd cx_cmd_sample;
extern const struct cx_cmd cx_cmd_stats;
extern const struct cx_cmd cx_cmd_tasks;
extern const struct cx_cmd cx_cmd_shard;
extern const struct cx_cmd cx_cmd_verify;
extern const struct cx_cmd cx_cmd_dedup;
extern const struct cx_cmd cx_cmd_audit;
extern const struct cx_cmd cx_cmd_recipe;

extern const struct cx_cmd *const cx_cmds[];
extern const size_t cx_ncmds;
const struct cx_cmd *cx_cmd_find(const char *name);

/* Prints "chexinstruct: error: <msg>" on stderr and returns CX_EXIT_ERROR. */
int cx_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a usage error and a pointer to --help; returns CX_EXIT_USAGE. */
int cx_usage(const struct cx_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses a whole non-negative number for option opt; -1 when it is not one. */
long long cx_opt_number(const char *opt, const char *value);
struct cx_cat;
/* Prints a report built into out and releases it, or fails with err's
 * message when rc is not 0. Returns the exit status. */
int cx_finish_report(int rc, struct cx_buf *out, const struct cx_error *err);
/* Opens the catalogue read-only in spirit, builds a report, prints it. */
int cx_print_report(const struct cx_global *g, int json,
		    int (*report)(struct cx_cat *, int, struct cx_buf *, struct cx_error *));
/* Parses the options of a command that takes only --json and --help; returns
 * 0 to go on, -1 after printing help, or CX_EXIT_USAGE. */
int cx_json_only_opts(const struct cx_cmd *cmd, int argc, char **argv, int *json);

/* The options that choose and render instances, shared by sample and audit:
 * --task, --dataset, --split, --seed, --json, --templates. CX_QUERY_OPTS
 * goes first in a command's getopt_long table. */
struct cx_sample_query;
#define CX_QUERY_OPTS                                                               \
	{.name = "task", .has_arg = required_argument, .val = 't'},                 \
	{.name = "dataset", .has_arg = required_argument, .val = 'd'},              \
	{.name = "split", .has_arg = required_argument, .val = 's'},                \
	{.name = "seed", .has_arg = required_argument, .val = 'S'},                 \
	{.name = "json", .has_arg = no_argument, .val = 'j'},                       \
	{.name = "templates", .has_arg = required_argument, .val = 'T'}
/* Takes option c (getopt_long's value) with its argument into q or *tdir:
 * 1 when it was one of CX_QUERY_OPTS, 0 when not, -1 after a usage error. */
int cx_query_opt(int c, const char *arg, struct cx_sample_query *q, const char **tdir);

/* `build` after discovery (cmd-build.c): lists what was found, builds the
 * wanted sources of b into the catalogue and prints their table; returns the
 * exit status. `recipe` calls it with the sources it found out of date. */
struct cx_build;
struct cx_build_opts;
int cx_build_found(struct cx_build *b, const char *where, const char *catalogue,
		   const struct cx_build_opts *opts, int strict);

/* Where templates/ is: $CHEXINSTRUCT_TEMPLATES, else the source tree's. */
const char *cx_templates_dir(void);

#endif

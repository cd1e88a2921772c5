/*
 * t.h - a tiny TAP producer for the C tests. Each CHECK prints one
 * "ok N - what" or "not ok N - what" line; t_done() prints the plan and
 * returns the exit status. meson runs every test with protocol 'tap', and
 * scripts/test.sh adds the lines up into "N passed, N failed".
 */
#ifndef CX_T_H
#define CX_T_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_n, t_bad;

static inline int t_ok(int cond, const char *what, const char *file, int line)
{
	t_n++;
	if (cond) {
		printf("ok %d - %s\n", t_n, what);
	} else {
		t_bad++;
		printf("not ok %d - %s (%s:%d)\n", t_n, what, file, line);
	}
	fflush(stdout);
	return cond;
}

static inline int t_str(const char *got, const char *want, const char *what, const char *file,
			int line)
{
	int ok = (got == NULL && want == NULL) ||
		 (got != NULL && want != NULL && strcmp(got, want) == 0);
	if (!t_ok(ok, what, file, line))
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n", got ? got : "(null)",
		       want ? want : "(null)");
	return ok;
}

static inline int t_long(long got, long want, const char *what, const char *file, int line)
{
	int ok = got == want;
	if (!t_ok(ok, what, file, line))
		printf("#   got:  %ld\n#   want: %ld\n", got, want);
	return ok;
}

/* One check: the text (a fact log, say) holds this exact line. */
static inline int t_has_line(const char *text, const char *line, const char *file, int lineno)
{
	char what[400];
	size_t n = strlen(line);
	const char *p = text;
	int found = 0;
	while (!found && (p = strstr(p, line)) != NULL) {
		found = (p == text || p[-1] == '\n') && p[n] == '\n';
		p++;
	}
	snprintf(what, sizeof what, "log has: %s", line);
	if (!t_ok(found, what, file, lineno))
		printf("#   log was:\n%s", text);
	return found;
}

#define CHECK_LINE(text, line) t_has_line(text, line, __FILE__, __LINE__)
#define CHECK(cond, what) t_ok(!!(cond), what, __FILE__, __LINE__)
#define CHECK_STR(got, want, what) t_str(got, want, what, __FILE__, __LINE__)
#define CHECK_INT(got, want, what) t_long((long)(got), (long)(want), what, __FILE__, __LINE__)

/* Runs a shell command that sets up a fixture (printf-style); a failure is
 * a TAP comment, and the checks that follow it fail. */
static inline void t_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void t_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		printf("# command failed: %s\n", cmd);
}

static inline int t_done(void)
{
	printf("1..%d\n", t_n);
	return t_bad ? 1 : 0;
}

#endif

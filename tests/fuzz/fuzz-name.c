/*
 * fuzz-name.c - the safe-name check on arbitrary bytes: a name it accepts
 * must be one a path join cannot escape with, and the reason for a name it
 * refuses must be one line of valid UTF-8.
 */
#include "fuzz.h"

static void check_accepted(const char *s, int flags)
{
	size_t n = strlen(s);
	if (!n || n > CX_NAME_MAX || s[0] == '/' || strchr(s, '\\') || !cx_utf8_valid(s, n))
		abort();
	if ((flags & CX_NAME_FILE) && strchr(s, '/'))
		abort();
	if (!strcmp(s, "..") || !strcmp(s, ".") || strstr(s, "//") || cx_str_ends(s, "/") ||
	    cx_str_starts(s, "../") || cx_str_starts(s, "./") || strstr(s, "/../") ||
	    strstr(s, "/./") || cx_str_ends(s, "/..") || cx_str_ends(s, "/."))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int flags = data[0] & 1 ? CX_NAME_FILE : CX_NAME_PATH;
	char *s = cx_strndup((const char *)data + 1, size - 1);
	const char *problem = cx_rows_name_problem(s, flags);
	if (!problem) {
		check_accepted(s, flags);
	} else {
		struct cx_buf b = CX_BUF_INIT;
		cx_rows_name_reason(&b, "what", s, problem);
		if (!cx_utf8_valid(b.data, b.len) || strchr(b.data, '\n') ||
		    strlen(b.data) != b.len)
			abort();
		cx_buf_release(&b);
	}
	free(s);
	return 0;
}

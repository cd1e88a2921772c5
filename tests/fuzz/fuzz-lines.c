/*
 * fuzz-lines.c - the line reader (io/lines.c) over a file of the release,
 * gunzipped on the fly when the first byte is odd: every line it returns is
 * NUL-terminated at its length and holds no line end, numbers count up by
 * one from 1, and an error is one line.
 */
#include "fuzz.h"

#include "io/lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *name = (data[0] & 1) ? "t.txt.gz" : "t.txt";
	struct cx_release *rel = fuzz_release(name, data + 1, size - 1);
	struct cx_error err = {0};
	struct cx_stream *s;
	if (cx_release_open_file(rel, name, &s, &err)) {
		if (!fuzz_error_ok(&err))
			abort();
		return 0;
	}
	struct cx_lines *l = cx_lines_new(s);
	const char *line;
	size_t len;
	long lineno, want = 1;
	int rc;
	while ((rc = cx_lines_next(l, &line, &len, &lineno, &err)) == 1) {
		/* a line may still end in '\r': "a\r\r\n" is "a\r" and a CRLF */
		if (lineno != want++ || line[len] != '\0' || memchr(line, '\n', len))
			abort();
	}
	if (rc < 0 && !fuzz_error_ok(&err))
		abort();
	if (rc > 0)
		abort();
	cx_lines_free(l);
	cx_stream_close(s);
	return 0;
}

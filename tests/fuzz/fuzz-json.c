/*
 * fuzz-json.c - cx_rows_json() (a JSON list in one file) and, when the
 * first byte is odd, cx_rows_jsonl() (JSON Lines) on arbitrary bytes, with
 * keys of each kind, required and optional, and an "absent" word.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const struct cx_json_key keys[] = {
		{.name = "id", .kinds = CX_JSON_STRING | CX_JSON_INT, .required = 1},
		{.name = "name", .kinds = CX_JSON_STRING, .required = 0},
		{.name = "n", .kinds = CX_JSON_INT, .required = 0},
	};
	struct cx_json_spec spec = {
		.file = "t.json",
		.max = 1 << 20,
		.keys = keys,
		.nkeys = 3,
		.absent = (data[0] & 2) ? "NULL" : NULL,
		.fn = fuzz_row,
	};
	struct cx_release *rel = fuzz_release("t.json", data + 1, size - 1);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_rows rows = {.sink = &sink};
	struct cx_error err = {0};
	int rc = (data[0] & 1) ? cx_rows_jsonl(&rows, rel, &spec, &err)
			       : cx_rows_json(&rows, rel, &spec, &err);
	fuzz_check(&rows, &n, rc, &err);
	return 0;
}

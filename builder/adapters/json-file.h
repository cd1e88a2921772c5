/*
 * json-file.h - whole JSON files of a release (the VQA sets ship a few MB of
 * JSON lists) and the fields of their records, through cJSON.
 *
 * cJSON copies string bytes as they are, so invalid UTF-8 inside a string
 * gets through the parser: cx_json_field() checks every string it returns.
 * The read loops over a file's records are cx_rows_json() and
 * cx_rows_jsonl() (adapters/rows.h).
 */
#ifndef CX_JSON_FILE_H
#define CX_JSON_FILE_H

#include "cx.h"

#include <cjson/cJSON.h>

struct cx_release;

/*
 * Reads the file whole (refusing more than max bytes) and parses it. A
 * missing file, an oversized one or text that is not JSON is an error whose
 * message names the file (and the line of a syntax error). The caller frees
 * *out with cJSON_Delete().
 */
int cx_json_load(struct cx_release *rel, const char *name, size_t max, cJSON **out,
		 struct cx_error *err);

/* Kinds of value cx_json_field() accepts. */
enum { CX_JSON_STRING = 1, CX_JSON_INT = 2 };

/*
 * Reads obj[key] (case-sensitive) as text: a string, or with CX_JSON_INT in
 * kinds a whole number written in decimal. Returns 1 with the text in out,
 * 0 when the key is absent or null, -1 with a reason naming the key in why
 * (wrong type, not a whole number, invalid UTF-8).
 */
int cx_json_field(const cJSON *obj, const char *key, int kinds, struct cx_buf *out,
		  struct cx_buf *why);

/* The VQA sets' answer_type: "CLOSED" sets *closed to 1, "OPEN" to 0;
 * anything else is -1 with the reason in why. */
int cx_json_answer_type(const char *s, int *closed, struct cx_buf *why);

/* "a string", "a number", "a list", ... for reasons. */
const char *cx_json_kind(const cJSON *v);

#endif

/*
 * json-file.c - loads a JSON file of a release whole and reads record fields
 * (see json-file.h). Only for files that are small by design: the caller
 * passes a byte cap and says in a comment why the file is small.
 */
#include "cx.h"

#include <math.h>

#include "adapters/json-file.h"
#include "io/release.h"

int cx_json_load(struct cx_release *rel, const char *name, size_t max, cJSON **out,
		 struct cx_error *err)
{
	struct cx_stream *s;
	int rc = cx_release_open_file(rel, name, &s, err);
	if (rc)
		return rc;
	struct cx_buf text = CX_BUF_INIT;
	rc = cx_stream_slurp(s, &text, max, err);
	cx_stream_close(s);
	if (rc) {
		cx_buf_release(&text);
		return rc;
	}
	/* One value and nothing after it but white space: the length takes the
	 * buffer's NUL so that cJSON can insist on it. A NUL byte inside the file
	 * is not JSON either. */
	const char *base = cx_buf_str(&text), *end = NULL, *nul = memchr(base, '\0', text.len);
	*out = nul ? NULL : cJSON_ParseWithLengthOpts(base, text.len + 1, &end, 1);
	if (nul)
		end = nul;
	if (!*out) {
		long line = 1;
		size_t stop = end && end >= base && end <= base + text.len ? (size_t)(end - base)
									    : text.len;
		for (size_t i = 0; i < stop; i++)
			line += base[i] == '\n';
		rc = cx_error_set(err, CX_EFORMAT, "%s: not valid JSON (syntax error on line %ld)",
				  name, line);
	}
	cx_buf_release(&text);
	return rc;
}

const char *cx_json_kind(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsArray(v))
		return "a list";
	if (cJSON_IsObject(v))
		return "an object";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	return "an unknown value";
}

/* 2^53: the largest range where every whole double is exact. */
#define WHOLE_MAX 9007199254740992.0

int cx_json_field(const cJSON *obj, const char *key, int kinds, struct cx_buf *out,
		  struct cx_buf *why)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	cx_buf_reset(out);
	cx_buf_reset(why);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v) && (kinds & CX_JSON_STRING)) {
		const char *s = v->valuestring;
		if (!cx_utf8_valid(s, strlen(s))) {
			cx_buf_addf(why, "invalid UTF-8 in key '%s'", key);
			return -1;
		}
		cx_buf_adds(out, s);
		return 1;
	}
	if (cJSON_IsNumber(v) && (kinds & CX_JSON_INT)) {
		double d = v->valuedouble;
		if (!isfinite(d) || floor(d) != d || fabs(d) > WHOLE_MAX) {
			cx_buf_addf(why, "'%s' is %g, not a whole number", key, d);
			return -1;
		}
		if (d == 0)
			d = 0; /* no "-0" */
		cx_buf_addf(out, "%.0f", d);
		return 1;
	}
	cx_buf_addf(why, "'%s' is %s, expected %s", key, cx_json_kind(v),
		    kinds == CX_JSON_STRING ? "a string"
		    : kinds == CX_JSON_INT  ? "a whole number"
					    : "a string or a whole number");
	return -1;
}

int cx_json_answer_type(const char *s, int *closed, struct cx_buf *why)
{
	*closed = !strcmp(s, "CLOSED");
	if (*closed || !strcmp(s, "OPEN"))
		return 0;
	cx_buf_addf(why, "unknown answer_type '%s'", s);
	return -1;
}

/*
 * fuzz-jsonscan.c - util/json-scan.c against cJSON on arbitrary bytes. The
 * scan is verify's fast path: where it says yes, cJSON must read the same
 * bytes as an object whose first members of the names asked for have the
 * same kinds, and whose plain strings hold exactly the scanned bytes; where
 * it says no, cJSON decides (so the scan may refuse what cJSON takes, never
 * the reverse). Any disagreement aborts.
 */
#include "fuzz.h"

#include <cjson/cJSON.h>

#include "util/json-scan.h"

static void agree(const struct cx_json_member *m, const cJSON *v)
{
	if (m->kind == CX_JSCAN_ABSENT) {
		if (v)
			abort();
		return;
	}
	if (!v || (m->kind == CX_JSCAN_STRING) != !!cJSON_IsString(v))
		abort();
	if (m->kind == CX_JSCAN_STRING && !m->escaped &&
	    (strlen(v->valuestring) != m->len || memcmp(v->valuestring, m->value, m->len)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cx_json_member m[5] = {{.key = "task"}, {.key = "dataset"}, {.key = "entry"},
				      {.key = "split"}, {.key = "a"}};
	if (!cx_json_scan_object((const char *)data, size, m, 5))
		return 0;
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	if (!cJSON_IsObject(j))
		abort();
	for (int k = 0; k < 5; k++)
		agree(&m[k], cJSON_GetObjectItemCaseSensitive(j, m[k].key));
	cJSON_Delete(j);
	return 0;
}

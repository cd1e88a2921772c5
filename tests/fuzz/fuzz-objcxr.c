/*
 * fuzz-objcxr.c - the Object-CXR adapter (adapters/object-cxr.c) on arbitrary
 * bytes as train.csv of a synthetic release whose dev.csv has a header only:
 * every row is read and accounted for. The same bytes, as one string, go
 * through the annotation parser alone: it gives at most
 * CX_OBJECT_CXR_MAX_SHAPES boxes, each of some area and inside the first
 * quadrant, or one line of reason.
 */
#include "fuzz.h"

#include <math.h>

#include "adapters/object-cxr.h"

extern const struct cx_adapter cx_adapter_object_cxr;

static void parse_alone(const uint8_t *data, size_t size)
{
	char *s = cx_malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	static struct cx_object_cxr_box b[CX_OBJECT_CXR_MAX_SHAPES];
	struct cx_buf why = CX_BUF_INIT;
	size_t n = 0;
	if (cx_object_cxr_parse(s, b, &n, &why)) {
		if (!why.data || !why.data[0] || strchr(why.data, '\n'))
			abort();
	} else {
		if (n > CX_OBJECT_CXR_MAX_SHAPES)
			abort();
		for (size_t i = 0; i < n; i++) {
			const struct cx_object_cxr_box *q = &b[i];
			if (!isfinite(q->x2) || !isfinite(q->y2) || q->x1 < 0 || q->y1 < 0 ||
			    q->x2 <= q->x1 || q->y2 <= q->y1 || q->type < 0 || q->type > 2)
				abort();
		}
	}
	cx_buf_release(&why);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		static const char dev[] = "image_name,annotation\n";
		fuzz_write("dev.csv", (const uint8_t *)dev, sizeof(dev) - 1);
		ready = 1;
	}
	parse_alone(data, size);
	struct cx_release *rel = fuzz_release("train.csv", data, size);
	struct fuzz_counts n;
	struct cx_sink sink = fuzz_sink(&n);
	struct cx_error err = {0};
	int rc = cx_adapter_object_cxr.read(rel, &sink, &err);
	if (n.read != n.kept + n.rejected + n.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
	return 0;
}

/*
 * fuzz-nlmtb.c - the NLM-TB adapter (adapters/nlm-tb.c) on arbitrary bytes as
 * a clinical reading: the first byte picks the set (even: Montgomery, odd:
 * Shenzhen) and the image's label digit, the rest is the reading of that
 * set's one image; the other set's reading is empty. Every image and reading
 * is accounted for, every reject is one line, and read() never fails.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_nlm_tb;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const png[] = {"MontgomerySet/CXR_png/MCUCXR_0001_0.png",
					  "ChinaSet_AllFiles/CXR_png/CHNCXR_0001_1.png"};
	static const char *const txt[] = {"MontgomerySet/ClinicalReadings/MCUCXR_0001_0.txt",
					  "ChinaSet_AllFiles/ClinicalReadings/CHNCXR_0001_1.txt"};
	static int ready;
	if (!ready) {
		fuzz_write(png[0], data, 0);
		fuzz_write(png[1], data, 0);
		ready = 1;
	}
	int set = size && (data[0] & 1);
	const uint8_t *body = size ? data + 1 : data;
	size_t n = size ? size - 1 : 0;
	fuzz_write(txt[!set], body, 0);
	struct cx_release *rel = fuzz_release(txt[set], body, n);
	struct fuzz_counts c;
	struct cx_sink sink = fuzz_sink(&c);
	struct cx_error err = {0};
	int rc = cx_adapter_nlm_tb.read(rel, &sink, &err);
	if (c.read != c.kept + c.rejected + c.filtered || c.read != 2)
		abort();
	if (rc != 0)
		abort();
	return 0;
}

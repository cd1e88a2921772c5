/*
 * fuzz-jsrt.c - the JSRT adapter (adapters/jsrt.c) on arbitrary bytes as one
 * of its clinical lists: the first byte picks the list (even: CLNDAT_EN.txt,
 * the nodule list; odd: CNNDAT_EN.TXT), the other holds one valid record.
 * Every record is accounted for, every reject is one line, and a failed read
 * (a NUL byte, a list over 1 MiB) has a one-line error.
 */
#include "fuzz.h"

extern const struct cx_adapter cx_adapter_jsrt;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const list[] = {"Clinical_Information/CLNDAT_EN.txt",
					   "Clinical_Information/CNNDAT_EN.TXT"};
	static const char *const valid[] = {
		"JPCLN001.IMG\t3\t12\t55\tfemale\t900\t800\tbenign\tl.upper lobe\tgranuloma\r",
		"JPCNN001.IMG 44  male non-nodule\r",
	};
	int which = size && (data[0] & 1);
	const uint8_t *body = size ? data + 1 : data;
	size_t n = size ? size - 1 : 0;
	fuzz_write(list[!which], (const uint8_t *)valid[!which], strlen(valid[!which]));
	struct cx_release *rel = fuzz_release(list[which], body, n);
	struct fuzz_counts c;
	struct cx_sink sink = fuzz_sink(&c);
	struct cx_error err = {0};
	int rc = cx_adapter_jsrt.read(rel, &sink, &err);
	if (c.read != c.kept + c.rejected + c.filtered)
		abort();
	if (rc > 0 || (rc < 0 && !fuzz_error_ok(&err)))
		abort();
	return 0;
}

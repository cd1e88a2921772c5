/*
 * fuzz-verify.c - `chexinstruct verify` (cli/cmd-verify.c over
 * shard/reader.c) on a shard folder made of arbitrary bytes: the input is
 * manifest.json, a NUL byte, then shard-000000.cxs. The shard is repaired
 * as in fuzz-shard (shard-repair.h) when the first byte is odd, and the
 * words @BYTES@, @XXH3@ and @FILEXXH3@ in the manifest become the shard's
 * size, its shard hash and the hash of the whole file (what the manifest
 * holds for webdataset and mds shards), so that the manifest checks meet a
 * shard that passes its own. verify must end with status 0 or 1, whatever
 * the folder holds.
 */
#include "fuzz.h"

#include <xxhash.h>

#include "cli/cmd.h"

#include "shard-repair.h"

/* The manifest with its words filled in. */
static char *fill(const char *m, size_t n, uint64_t bytes, uint64_t hash, uint64_t whole)
{
	char vb[24], vh[24], vw[24];
	snprintf(vb, sizeof vb, "%llu", (unsigned long long)bytes);
	snprintf(vh, sizeof vh, "%016llx", (unsigned long long)hash);
	snprintf(vw, sizeof vw, "%016llx", (unsigned long long)whole);
	struct cx_buf b = CX_BUF_INIT;
	for (size_t i = 0; i < n;) {
		if (n - i >= 7 && !memcmp(m + i, "@BYTES@", 7)) {
			cx_buf_adds(&b, vb);
			i += 7;
		} else if (n - i >= 6 && !memcmp(m + i, "@XXH3@", 6)) {
			cx_buf_adds(&b, vh);
			i += 6;
		} else if (n - i >= 10 && !memcmp(m + i, "@FILEXXH3@", 10)) {
			cx_buf_adds(&b, vw);
			i += 10;
		} else {
			cx_buf_add(&b, m + i++, 1);
		}
	}
	return cx_buf_detach(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t *m = data + 1, *nul = memchr(m, '\0', size - 1);
	size_t nm = nul ? (size_t)(nul - m) : size - 1;
	size_t ns = nul ? size - 1 - nm - 1 : 0;
	unsigned char *s = cx_malloc(ns ? ns : 1);
	if (ns)
		memcpy(s, nul + 1, ns);
	if (data[0] & 1)
		shard_repair(s, ns);
	uint64_t hash = 0;
	if (ns > CX_SHARD_HEADER)
		hash = XXH3_64bits(s + CX_SHARD_HEADER, ns - CX_SHARD_HEADER);
	char *manifest = fill((const char *)m, nm, ns, hash, XXH3_64bits(s, ns));
	fuzz_write("v/shard-000000.cxs", s, ns);
	fuzz_write("v/manifest.json", (const uint8_t *)manifest, strlen(manifest));
	free(manifest);
	free(s);
	char dir[512];
	snprintf(dir, sizeof dir, "%s/v", fuzz_scratch());
	char *argv[] = {"verify", dir, NULL};
	struct cx_global g = {0};
	optind = 0;
	int rc = cx_cmd_verify.run(2, argv, &g);
	if (rc != CX_EXIT_OK && rc != CX_EXIT_ERROR)
		abort();
	return 0;
}

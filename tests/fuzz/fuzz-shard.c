/*
 * fuzz-shard.c - the native shard reader (shard/reader.c) on arbitrary
 * bytes as one shard file. Random bytes rarely get past the header hash,
 * so when the first byte is odd the target first repairs the file the way
 * a careful forger would: it sets the file size, recomputes the hash of
 * every record the index points at (inside the file), the index hash, the
 * shard hash and the header hash; the reader's layout checks then meet
 * bytes that every checksum vouches for. Then it opens the shard, reads
 * every record, recomputes the shard hash and scans it in one pass; every
 * message is one line and a record it returns lies inside the file.
 */
#include "fuzz.h"

#include <xxhash.h>

#include "shard/reader.h"

#include "shard-repair.h"

static int on_record(void *ctx, const struct cx_shard_rec *rec)
{
	(void)ctx;
	if (rec->ninstruction + (uint64_t)rec->nanswer + rec->nmeta > rec->len)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned char *b = cx_malloc(size);
	memcpy(b, data + 1, size - 1);
	if (data[0] & 1)
		shard_repair(b, size - 1);
	const char *path = fuzz_write("s.cxs", b, size - 1);
	free(b);
	struct cx_shard_reader *r;
	struct cx_error err = {0};
	if (cx_shard_open(&r, path, &err)) {
		if (!fuzz_error_ok(&err))
			abort();
		return 0;
	}
	uint64_t count = cx_shard_count(r);
	for (uint64_t i = 0; i < count; i++) {
		struct cx_shard_rec rec;
		cx_error_clear(&err);
		if (cx_shard_get(r, i, &rec, &err) == 0) {
			if (rec.offset + rec.len > size - 1)
				abort();
			on_record(NULL, &rec);
		} else if (!fuzz_error_ok(&err)) {
			abort();
		}
		cx_shard_rec_release(&rec);
	}
	uint64_t computed;
	cx_error_clear(&err);
	if (cx_shard_check_hash(r, &computed, &err) && !fuzz_error_ok(&err))
		abort();
	cx_error_clear(&err);
	if (cx_shard_scan(r, on_record, NULL, &computed, &err) && !fuzz_error_ok(&err))
		abort();
	cx_shard_close(r);
	return 0;
}

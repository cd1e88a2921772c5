/*
 * shard-repair.h - makes every checksum of a native shard (schema/
 * shard-format.md) agree with its bytes, for fuzz-shard and fuzz-verify:
 * the file size field, the hash of each record the index points at (when
 * the entry lies inside the records), the index hash, the shard hash and
 * the header hash. Fields it cannot place (an index that does not fit the
 * file) are left as they are.
 */
#ifndef CX_FUZZ_SHARD_REPAIR_H
#define CX_FUZZ_SHARD_REPAIR_H

#include <xxhash.h>

#include "shard/reader.h"

static inline uint64_t rp_get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline void shard_repair(unsigned char *b, size_t n)
{
	if (n < CX_SHARD_HEADER + 8)
		return;
	cx_put64(b + 32, n);
	uint64_t count = rp_get64(b + 16), index = rp_get64(b + 24);
	if (index >= CX_SHARD_HEADER && count <= (n - CX_SHARD_HEADER) / 16 &&
	    index + 16 * count + 8 == n) {
		for (uint64_t i = 0; i < count; i++) {
			uint64_t off = rp_get64(b + index + 16 * i);
			uint64_t len = rp_get64(b + index + 16 * i + 8);
			int inside = off >= CX_SHARD_HEADER && len >= 24 && off <= index &&
				     len <= index - off;
			if (inside)
				cx_put64(b + off + len - 8, XXH3_64bits(b + off, len - 8));
		}
		cx_put64(b + index + 16 * count, XXH3_64bits(b + index, 16 * count));
	}
	cx_put64(b + 40, XXH3_64bits(b + CX_SHARD_HEADER, n - CX_SHARD_HEADER));
	cx_put64(b + 56, XXH3_64bits(b, 56));
}

#endif

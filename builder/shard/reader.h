/*
 * reader.h - reading native shards (schema/shard-format.md): open a shard
 * (magic, version, header hash, file size and index hash checked), count its
 * records, get record i with its fields (its record hash checked), and
 * recompute the whole-shard hash. Used by `chexinstruct verify` and the tests.
 */
#ifndef CX_SHARD_READER_H
#define CX_SHARD_READER_H

#include "cx.h"

#include "shard/writer.h"

#define CX_SHARD_MAGIC "CXSHARD"     /* 7 letters and the NUL: 8 bytes */
#define CX_SHARD_VERSION 1
#define CX_SHARD_HEADER 64

struct cx_shard_reader;

struct cx_shard_header {
	uint32_t version, header_size;
	uint64_t count, index_offset, file_size, shard_hash, header_hash;
};

/* One record read back. Pointers point into rec->raw (owned). */
struct cx_shard_rec {
	unsigned char *raw;           /* the record's bytes, trailing hash included */
	uint64_t offset, len;         /* where the index puts it */
	const char *instruction, *answer, *meta; /* not NUL-terminated: use the lengths */
	uint32_t ninstruction, nanswer, nmeta;
	struct cx_shard_image *images;
	size_t nimages;
};

/* Opens a shard and checks everything but the record and shard hashes. */
int cx_shard_open(struct cx_shard_reader **out, const char *path, struct cx_error *err);
void cx_shard_close(struct cx_shard_reader *r);
const struct cx_shard_header *cx_shard_header(const struct cx_shard_reader *r);
uint64_t cx_shard_count(const struct cx_shard_reader *r);
/* Reads record i: its index entry, its layout and its record hash.
 * CX_EFORMAT with "record i: ..." when any of them is wrong. */
int cx_shard_get(struct cx_shard_reader *r, uint64_t i, struct cx_shard_rec *rec,
		 struct cx_error *err);
void cx_shard_rec_release(struct cx_shard_rec *rec);
/* One sequential pass over the whole shard, with O_DIRECT where the file
 * system allows it (a shard read once should not go through the page
 * cache): recomputes the shard hash into *computed, checks each record's
 * hash and layout in file order, and that the records are exactly what the
 * index says (their entries hash to the index hash; they end where the
 * index starts). fn, if not NULL, sees each record; a non-zero return stops
 * the pass. 0 when everything agrees with the header; otherwise an error,
 * and cx_shard_get finds the first bad record (verify does). */
typedef int (*cx_shard_rec_fn)(void *ctx, const struct cx_shard_rec *rec);
int cx_shard_scan(struct cx_shard_reader *r, cx_shard_rec_fn fn, void *ctx, uint64_t *computed,
		  struct cx_error *err);

/* Recomputes the shard hash (bytes 64 .. end); 0 when it matches the header. */
int cx_shard_check_hash(struct cx_shard_reader *r, uint64_t *computed, struct cx_error *err);

/* Little-endian u64 store (native.c). */
void cx_put64(unsigned char *p, uint64_t v);
/* Bytes a record takes in a native shard, trailing hash included. */
uint64_t cx_shard_record_size(const struct cx_shard_record *r);

#endif

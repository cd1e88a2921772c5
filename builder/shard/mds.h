/*
 * mds.h - the index.json of an MDS shard folder, as mds.c writes it, so that
 * `chexinstruct verify` can rebuild it from the shards and compare.
 */
#ifndef CX_SHARD_MDS_H
#define CX_SHARD_MDS_H

#include "cx.h"

/* Appends one shard's entry to b (", "-separated after the first). */
void cx_mds_index_entry(struct cx_buf *b, const char *name, uint64_t bytes, uint64_t hash,
			uint64_t samples, uint64_t size_limit);
/* The whole index.json around the entries. */
void cx_mds_index_json(struct cx_buf *out, const struct cx_buf *entries);

#endif

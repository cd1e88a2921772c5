/*
 * outfile.h - one output file of an export backend (webdataset, mds), written
 * under a temporary name, hashed as it goes, then fsynced and renamed into
 * place. A file that was not committed never appears under its final name.
 */
#ifndef CX_SHARD_OUTFILE_H
#define CX_SHARD_OUTFILE_H

#include "cx.h"

struct cx_outfile;

/* How a file is written: 0, plain write() calls (small files);
 * CX_OUTFILE_STREAM, through a writer thread's 1 MiB buffers (bgwrite.h);
 * CX_OUTFILE_DIRECT, the same with whole buffers bypassing the page cache. */
enum { CX_OUTFILE_STREAM = 1, CX_OUTFILE_DIRECT = 3 };

/* Creates DIR/.NAME.tmp (truncating a leftover from a killed run). */
int cx_outfile_open(struct cx_outfile **out, const char *dir, const char *name, int how,
		    struct cx_error *err);
int cx_outfile_write(struct cx_outfile *o, const void *p, size_t n, struct cx_error *err);
/* Bytes written so far and the XXH3-64 (seed 0) of them. */
uint64_t cx_outfile_bytes(const struct cx_outfile *o);
uint64_t cx_outfile_hash(const struct cx_outfile *o);
/* fsync, close, rename to DIR/NAME, fsync DIR; frees o in every case. */
int cx_outfile_commit(struct cx_outfile *o, struct cx_error *err);
/* Closes and removes the temporary file; frees o. NULL is fine. */
void cx_outfile_discard(struct cx_outfile *o);

#endif

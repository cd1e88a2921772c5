/*
 * fileio.h - the file steps every shard backend shares (shard/atomic.c):
 * whole writes, fsync + rename into place, fsync of the folder.
 */
#ifndef CX_SHARD_FILEIO_H
#define CX_SHARD_FILEIO_H

#include "cx.h"

/* Writes all n bytes to fd (what names the file in the error). */
int cx_write_all(int fd, const void *p, size_t n, const char *what, struct cx_error *err);
/* fsyncs fd, renames dir/tmp to dir/name and fsyncs dir. */
int cx_fsync_rename(int fd, const char *dir, const char *tmp, const char *name,
		    struct cx_error *err);
int cx_fsync_dir(const char *dir, struct cx_error *err);

/* Asks the kernel to start writing bytes [*started, upto) of fd to disk now,
 * without waiting, once 8 MiB or more have piled up since the last call;
 * moves *started. A writer calls it as it goes, so the fsync that seals a
 * file finds little left to do: the disk works while the next records are
 * made instead of after. Linux only (sync_file_range); elsewhere a no-op. */
void cx_writeback(int fd, uint64_t *started, uint64_t upto);

#endif

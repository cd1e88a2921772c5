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

#endif

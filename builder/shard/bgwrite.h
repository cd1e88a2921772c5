/*
 * bgwrite.h - appending to a file from a second thread. The caller fills one
 * buffer while a writer thread hands the previous one to the kernel: on a
 * shard the kernel's copy into the page cache is most of the cost, and this
 * puts it on the other core instead of after the hashing and buffering.
 * Bytes land in the order submitted, so the file is the same as with plain
 * write() calls. The writer also starts writeback as it goes
 * (cx_writeback), so the final fsync has little left to wait for.
 */
#ifndef CX_SHARD_BGWRITE_H
#define CX_SHARD_BGWRITE_H

#include "cx.h"

struct cx_bgwrite;

/* Two buffers of `size` bytes and the writer thread; NULL if the thread
 * cannot start (the caller then writes itself). */
struct cx_bgwrite *cx_bgwrite_new(size_t size);

/* The buffer to fill next (size bytes). */
unsigned char *cx_bgwrite_buf(struct cx_bgwrite *w);

/* Queues the first n bytes of the current buffer for fd at offset off (a
 * file is written from offset 0 up, in order; `what` names it in errors)
 * and makes the other buffer current, waiting for the writer to be done
 * with it. dfd, if not -1, is the same file opened with O_DIRECT: the
 * 4 KiB-aligned part of a buffer goes through it (bgwrite.c says why).
 * Reports an earlier write's error, if any. */
int cx_bgwrite_submit(struct cx_bgwrite *w, int fd, int dfd, uint64_t off, size_t n,
		      const char *what, struct cx_error *err);

/* Waits until everything queued is written; reports the first error. */
int cx_bgwrite_wait(struct cx_bgwrite *w, struct cx_error *err);

void cx_bgwrite_free(struct cx_bgwrite *w);

#endif

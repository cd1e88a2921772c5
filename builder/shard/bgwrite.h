/*
 * bgwrite.h - appending to a file from writer threads, bypassing the page
 * cache where the file system allows it. The caller appends bytes; they are
 * gathered in a ring of page-aligned buffers, and each full buffer is handed
 * to one of two writer threads while the caller fills the next, so several
 * writes are in flight at once. On a shard the
 * kernel's work per written byte is most of the cost, and this puts it on
 * the other core, with O_DIRECT making it cheaper still (bgwrite.c says
 * why). Bytes land in the order appended, so the file is the same as with
 * plain write() calls.
 *
 * One file at a time: begin, append..., end; then the next file.
 */
#ifndef CX_SHARD_BGWRITE_H
#define CX_SHARD_BGWRITE_H

#include "cx.h"

struct cx_bgwrite;

/* A ring of buffers of `size` bytes (a multiple of 4096; four of them) and
 * the writer threads; NULL if no thread can start. */
struct cx_bgwrite *cx_bgwrite_new(size_t size);

/* Starts appending to fd, an empty file open for writing at `path` (named
 * in errors). With direct set, path is opened a second time with O_DIRECT
 * for the whole buffers; a file system that refuses it gets plain writes. */
void cx_bgwrite_begin(struct cx_bgwrite *w, int fd, const char *path, int direct);

/* Appends n bytes. Reports an earlier write's error, if any. */
int cx_bgwrite_append(struct cx_bgwrite *w, const void *p, size_t n, struct cx_error *err);

/* Writes what is left and waits until everything is written; reports the
 * first error. The caller still owns fd (and fsyncs and closes it). */
int cx_bgwrite_end(struct cx_bgwrite *w, struct cx_error *err);

/* Waits for a write in flight, then stops the thread and frees w (after
 * an error, without cx_bgwrite_end). NULL is fine. */
void cx_bgwrite_free(struct cx_bgwrite *w);

#endif

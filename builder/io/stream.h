/*
 * stream.h - the byte streams behind release.h (internal to builder/io/).
 */
#ifndef CX_STREAM_H
#define CX_STREAM_H

#include "cx.h"

struct archive;
struct archive_entry;

/* A libarchive reader for a .zip/.tar/.tar.gz/.tgz file, or NULL (then, when
 * why is not NULL, *why gets libarchive's reason, to be freed). */
struct archive *cx_archive_reader(const char *file);
struct archive *cx_archive_reader_why(const char *file, char **why);
/*
 * archive_read_next_header(), but what is left of the current entry is first
 * read through (not skipped) when the archive is compressed as a whole: a
 * .tar.gz member is decompressed to be skipped anyway, and reading it in
 * blocks lets a member that expands past the bound (release.h) be refused
 * before it costs minutes. pos is the caller's, zeroed before the first call.
 * ARCHIVE_FATAL for such a member, with the reason in cx_archive_why().
 */
struct cx_archive_pos {
	int64_t out, in; /* bytes out of and into the decompressor at the entry's start */
};
int cx_archive_next(struct archive *ar, struct archive_entry **e, struct cx_archive_pos *pos);
/* The reason of libarchive's (or cx_archive_next's) last error. */
const char *cx_archive_why(struct archive *ar);
/* 1 when `out` bytes decompressed from `in` are past the bound. */
int cx_inflate_over(int64_t out, int64_t in);

/* Opens one member of an archive (scans headers from the start). */
int cx_stream_open_member(struct cx_stream **out, const char *archive_file, const char *member,
			  const char *display, struct cx_error *err);
/* Wraps the current entry of an archive being walked (the archive is borrowed). */
int cx_stream_wrap_entry(struct cx_stream **out, struct archive *ar, const char *display,
			 struct cx_error *err);

#endif

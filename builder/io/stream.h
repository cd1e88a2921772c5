/*
 * stream.h - the byte streams behind release.h (internal to builder/io/).
 */
#ifndef CX_STREAM_H
#define CX_STREAM_H

#include "cx.h"

struct archive;

/* A libarchive reader for a .zip/.tar/.tar.gz/.tgz file, or NULL (then, when
 * why is not NULL, *why gets libarchive's reason, to be freed). */
struct archive *cx_archive_reader(const char *file);
struct archive *cx_archive_reader_why(const char *file, char **why);
/* Opens one member of an archive (scans headers from the start). */
int cx_stream_open_member(struct cx_stream **out, const char *archive_file, const char *member,
			  const char *display, struct cx_error *err);
/* Wraps the current entry of an archive being walked (the archive is borrowed). */
int cx_stream_wrap_entry(struct cx_stream **out, struct archive *ar, const char *display,
			 struct cx_error *err);

#endif

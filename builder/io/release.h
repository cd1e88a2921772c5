/*
 * release.h - read a dataset release exactly as distributed.
 *
 * A release is a folder or an archive (.zip, .tar, .tar.gz, .tgz). A folder
 * release is a stack of layers: the folder itself, then every archive found
 * directly inside it (sorted by name), so `sources/openi/` may hold the
 * extracted `ecgen-radiology/` folder or `NLMCXR_reports.tgz` itself and the
 * adapter cannot tell the difference. Archives are read through libarchive and
 * never extracted to disk; a member named *.gz is gunzipped on the fly.
 *
 * Names are relative paths with '/' separators. Each layer has a root prefix,
 * normally empty; cx_release_locate() may set it to one top folder (such as
 * `CheXpert-v1.0-small/`) when the signature file is found one level down.
 *
 * Probing leaves no trace. An adapter's probe() calls cx_release_locate(),
 * which moves a root as soon as it finds a name one folder down; a probe that
 * then says no (CheXpert's finds some other notes/train.csv, but no
 * valid.csv beside it) would leave the root moved, and every later probe
 * would look in the wrong place. So the build never calls a probe directly:
 * cx_release_try() saves every layer's root, runs the probe, and puts the
 * roots back when it says no. Only the roots of the adapter that matched
 * stay. Saving a handful of short strings per probe is cheaper and simpler
 * than a separate probe view of the release, and keeps probe() as it is.
 */
#ifndef CX_RELEASE_H
#define CX_RELEASE_H

#include "cx.h"

struct cx_release;

/* A byte stream over one file or member. Reads never return partial garbage:
 * a truncated gzip or archive member is an error with a message. */
struct cx_stream;

/*
 * The bound on decompression: a gzip stream, an archive member or the skipped
 * rest of a member of a compressed archive is refused (an error naming it,
 * noted as damage) once it has given more than CX_INFLATE_FLOOR bytes AND
 * more than CX_INFLATE_RATIO times the compressed bytes it took. Real data
 * stays far below the ratio (text CSVs and reports gzip 3-10x, PNG, JPEG and
 * DICOM members about 1x), while a bomb's is in the hundreds or thousands
 * (gzip of zeros: 1032x); the floor lets small, very compressible files
 * through whatever their ratio. A bound on the ratio rather than on size alone
 * keeps big real files readable and bounds the work to 100 bytes per byte on
 * disk. Memory never depended on it: readers keep a row or a block at a time.
 */
#define CX_INFLATE_FLOOR ((int64_t)256 << 20)
#define CX_INFLATE_RATIO 100

/* Names taken from release metadata: at most this long (a component, the name). */
#define CX_RELEASE_NAME_MAX 1024
#define CX_RELEASE_PART_MAX 255

int cx_release_open(struct cx_release **out, const char *path, struct cx_error *err);
/*
 * Opens a folder as a release of its top level only: the archives inside it
 * are not layers, and cx_release_locate() does not look one folder down. A
 * probe that says yes to this view found its signature among the folder's
 * own files, so the folder is one release and not a folder of releases
 * (a folder holding vqa-rad.tar.gz or a vqa-rad/ folder is the latter).
 */
int cx_release_open_top(struct cx_release **out, const char *path, struct cx_error *err);
void cx_release_free(struct cx_release *rel);
/* The path given to cx_release_open(). */
const char *cx_release_path(const struct cx_release *rel);

/*
 * Finds a file by name in any layer, looking at the layer's root and, failing
 * that, one folder down; in the second case that folder becomes the layer's
 * root. Returns 1 when found, 0 when not. Used to probe signature files.
 */
int cx_release_locate(struct cx_release *rel, const char *name);

/*
 * Runs probe(rel) without lasting effect when it says no: every layer's root
 * is put back as it was before. When it says yes, the roots it set stay.
 * Returns 1 for yes, 0 for no. Probes run only through this function.
 */
int cx_release_try(struct cx_release *rel, int (*probe)(struct cx_release *rel));

/* 1 when the file exists (as a regular file or member) in some layer. */
int cx_release_exists(struct cx_release *rel, const char *name);

/*
 * Says where a name lives, relative to the release, for image references and
 * provenance: *archive gets the archive file that holds it ("" for a plain
 * file, or for a member of a release that is itself one archive) and *path
 * the path of the file or member inside it (the layer root included). Both
 * buffers are reset first. Returns 0, or CX_ENOTFOUND.
 */
int cx_release_where(struct cx_release *rel, const char *name, struct cx_buf *archive,
		     struct cx_buf *path);
/*
 * The archives of the release found damaged so far (truncated, corrupt, or
 * over the decompression bound), by whichever read met the damage first: the
 * name index, a walk, the image header pass. Each archive once, in the order
 * met; file is its path on disk, reason libarchive's (or the bound's) words.
 */
size_t cx_release_ndamaged(const struct cx_release *rel);
void cx_release_damaged(const struct cx_release *rel, size_t i, const char **file,
			const char **reason);

/*
 * NULL when name may be looked up in the release, else what is wrong with it:
 * empty, absolute, a "." or ".." or empty component, a backslash, a control
 * byte, not UTF-8, too long, or (file_only) a '/'. Every lookup checks it.
 */
const char *cx_release_name_problem(const char *name, int file_only);

/*
 * cx_release_where() with the reason when the name is not found, for a
 * reject: "missing WHAT 'NAME'" (naming a damaged archive of the release, if
 * any), "WHAT 'NAME' is not a safe name: PROBLEM" (CX_EINVAL), or "WHAT
 * 'NAME': a symbolic link on its path leads out of the release". In a folder
 * release a symbolic link is followed only when it resolves inside the
 * release's folder.
 */
int cx_release_find(struct cx_release *rel, const char *what, const char *name,
		    struct cx_buf *archive, struct cx_buf *path, struct cx_error *err);

/* Like cx_release_where() without looking for the file: the first layer
 * (the folder, or the one archive) is assumed. For builds that do not check
 * images (--no-image-check), where a stat per image would dominate. */
void cx_release_where_unchecked(struct cx_release *rel, const char *name, struct cx_buf *archive,
				struct cx_buf *path);

/* 1 when the release itself is one archive file. */
int cx_release_is_archive(const struct cx_release *rel);

/* Opens a file for reading; *.gz names are decompressed. */
int cx_release_open_file(struct cx_release *rel, const char *name, struct cx_stream **out,
			 struct cx_error *err);

/*
 * Calls fn for every regular file whose name matches the fnmatch(3) pattern
 * (FNM_PATHNAME: '*' does not cross '/'), in every layer. Folders are walked
 * in byte order of names, archives in member order (only regular members:
 * an archive's links are never followed). A non-zero return from fn stops the
 * walk and is returned. The stream is only valid inside fn; it is NULL for a
 * symbolic link of a folder release that leads out of it, which fn refuses.
 * A damaged archive is an error (and noted, cx_release_ndamaged()).
 */
typedef int (*cx_walk_fn)(void *ctx, const char *name, struct cx_stream *s);
int cx_release_walk(struct cx_release *rel, const char *pattern, cx_walk_fn fn, void *ctx,
		    struct cx_error *err);

/*
 * Walks every regular member of one archive layer: `archive` is the archive
 * name as cx_release_where() gives it ("" for a release that is one archive).
 * fn gets the full member name (layer root included). CX_ENOTFOUND when the
 * release has no such archive.
 */
int cx_release_walk_archive(struct cx_release *rel, const char *archive, cx_walk_fn fn, void *ctx,
			    struct cx_error *err);

/*
 * Reads up to n bytes. Returns the number read (0 at the end), or a negative
 * code with err set (message names the file).
 */
long cx_stream_read(struct cx_stream *s, void *buf, size_t n, struct cx_error *err);
/* Reads the whole rest of the stream into out, refusing more than max bytes. */
int cx_stream_slurp(struct cx_stream *s, struct cx_buf *out, size_t max, struct cx_error *err);
const char *cx_stream_name(const struct cx_stream *s);
void cx_stream_close(struct cx_stream *s);

/* Opens a plain file on disk as a stream (gunzipped when it ends in .gz). */
int cx_stream_open_path(struct cx_stream **out, const char *path, const char *display,
			struct cx_error *err);
/* The same for name inside the open folder dir (openat: no walk of the whole
 * path per file, which a folder of 212k reports pays 212k times). */
int cx_stream_open_at(struct cx_stream **out, int dir, const char *name, const char *display,
		      struct cx_error *err);

#endif

/*
 * stream.c - byte streams over a file, an archive member, or a gzip layer on
 * top of either. The gzip layer is zlib's inflate in gzip mode, member after
 * member (RFC 1952 allows them back to back): it checks each member's CRC-32
 * and length, which libarchive's gzip filter skips (a flipped bit in a
 * deflate literal inflates to a wrong byte, silently, in most cases), and a
 * truncated .csv.gz fails loudly instead of ending early. Every decompressing
 * stream counts its bytes in and out and stops at the bound of release.h, so
 * a decompression bomb is an error, not an hour of work.
 */
#include "cx.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "io/release.h"
#include "io/stream.h"

enum kind { S_FILE, S_ENTRY, S_GZ };

#define GZ_CHUNK 65536

struct cx_stream {
	enum kind kind;
	int fd;                  /* S_FILE: read(2) in the callers' own chunks; stdio
				  * added an fstat and a copy per file */
	struct archive *ar;      /* S_ENTRY: the archive */
	int own_ar;
	struct cx_stream *inner; /* S_GZ: the compressed bytes */
	z_stream *z;             /* S_GZ: the inflater */
	int gz_end;              /* S_GZ: a member just ended (another or the end may follow) */
	int in_eof, done;        /* S_GZ: inner exhausted; stream over */
	int64_t in, out;         /* compressed bytes taken, bytes given (S_ENTRY: in
				  * is the archive's raw count when the entry began) */
	char *name;
	unsigned char *chunk;    /* S_GZ: compressed bytes read from inner (GZ_CHUNK);
				  * allocated for gzip only: zeroing 64 KiB inside every
				  * stream cost 3.6 % of reading MIMIC-CXR's 212k reports */
};

struct archive *cx_archive_reader_why(const char *file, char **why)
{
	/* libarchive reads an empty file as an empty archive; for a release it
	 * is a download that never arrived. */
	struct stat st;
	if (stat(file, &st) == 0 && st.st_size == 0) {
		if (why)
			*why = cx_strdup("empty file");
		return NULL;
	}
	struct archive *ar = archive_read_new();
	archive_read_support_filter_all(ar);
	archive_read_support_format_all(ar);
	if (archive_read_open_filename(ar, file, 1 << 16) != ARCHIVE_OK) {
		if (why)
			*why = cx_strdup(archive_error_string(ar) ? archive_error_string(ar)
								  : "cannot read it");
		archive_read_free(ar);
		return NULL;
	}
	return ar;
}

struct archive *cx_archive_reader(const char *file)
{
	return cx_archive_reader_why(file, NULL);
}

int cx_inflate_over(int64_t out, int64_t in)
{
	return out > CX_INFLATE_FLOOR && out / CX_INFLATE_RATIO > in;
}

#define BOUND_WORDS "decompresses to more than 100 times its compressed size (past 256 MiB)"
_Static_assert(CX_INFLATE_RATIO == 100 && CX_INFLATE_FLOOR == 256 << 20,
	       "BOUND_WORDS states the bound");

const char *cx_archive_why(struct archive *ar)
{
	const char *why = archive_error_string(ar);
	return why && why[0] ? why : "damaged data";
}

/* Reads the rest of the current entry in blocks, refusing a bomb. */
static int drain(struct archive *ar, struct archive_entry *e, const struct cx_archive_pos *pos)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(ar, &buf, &len, &off)) == ARCHIVE_OK)
		if (cx_inflate_over(archive_filter_bytes(ar, 0) - pos->out,
				    archive_filter_bytes(ar, -1) - pos->in)) {
			const char *name = archive_entry_pathname(e);
			archive_set_error(ar, -1, "member '%s' %s", name ? name : "", BOUND_WORDS);
			return ARCHIVE_FATAL;
		}
	return r == ARCHIVE_EOF ? ARCHIVE_OK : r;
}

int cx_archive_next(struct archive *ar, struct archive_entry **e, struct cx_archive_pos *pos)
{
	/* Before the first header there is no entry to read through. */
	if (archive_file_count(ar) > 0 && archive_filter_code(ar, 0) != ARCHIVE_FILTER_NONE) {
		int r = drain(ar, *e, pos);
		if (r != ARCHIVE_OK)
			return r == ARCHIVE_WARN ? ARCHIVE_FATAL : r;
	}
	int r = archive_read_next_header(ar, e);
	pos->out = archive_filter_bytes(ar, 0);
	pos->in = archive_filter_bytes(ar, -1);
	return r;
}

static struct cx_stream *new_stream(enum kind kind, const char *name)
{
	struct cx_stream *s = cx_calloc(1, sizeof(*s));
	s->kind = kind;
	s->fd = -1;
	s->name = cx_strdup(name);
	return s;
}

/* Puts a gunzip layer over `inner` (taking ownership of it). */
static int wrap_gzip(struct cx_stream **out, struct cx_stream *inner, struct cx_error *err)
{
	struct cx_stream *s = new_stream(S_GZ, inner->name);
	s->inner = inner;
	s->z = cx_calloc(1, sizeof(*s->z));
	s->chunk = cx_malloc(GZ_CHUNK);
	if (inflateInit2(s->z, 16 + MAX_WBITS) != Z_OK) {
		int rc = cx_error_set(err, CX_ERROR, "%s: cannot start gzip", s->name);
		cx_stream_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* More compressed bytes into the inflater, when it has none. */
static int gz_fill(struct cx_stream *s, struct cx_error *err)
{
	if (s->z->avail_in || s->in_eof)
		return 0;
	long got = cx_stream_read(s->inner, s->chunk, GZ_CHUNK, err);
	if (got < 0)
		return (int)got;
	s->in_eof = got == 0;
	s->in += got;
	s->z->next_in = s->chunk;
	s->z->avail_in = (uInt)got;
	return 0;
}

/*
 * Inflates into buf until some bytes come out or the stream ends. A member
 * that ends is followed by another or by the end of the input; anything else
 * after it (a member that does not start with gzip's header) is damage.
 */
static long gz_read(struct cx_stream *s, void *buf, size_t n, struct cx_error *err)
{
	z_stream *z = s->z;
	uInt want = n > UINT_MAX ? UINT_MAX : (uInt)n;
	z->next_out = buf;
	z->avail_out = want;
	while (!s->done && z->avail_out == want) {
		int rc = gz_fill(s, err);
		if (rc)
			return rc;
		if (s->gz_end || s->in == 0) {
			if (!z->avail_in && s->in_eof) {
				if (s->in == 0)
					return cx_error_set(err, CX_EFORMAT,
							    "%s: not a readable gzip file: empty",
							    s->name);
				s->done = 1;
				break;
			}
			if (s->gz_end)
				inflateReset(z);
			s->gz_end = 0;
		}
		if (!z->avail_in && s->in_eof)
			return cx_error_set(err, CX_EFORMAT, "%s: truncated gzip input", s->name);
		int r = inflate(z, Z_NO_FLUSH);
		if (r == Z_STREAM_END)
			s->gz_end = 1;
		else if (r != Z_OK && r != Z_BUF_ERROR)
			return cx_error_set(err, CX_EFORMAT, "%s: damaged gzip data: %s", s->name,
					    z->msg ? z->msg : "inflate failed");
	}
	return (long)(want - z->avail_out);
}

static int open_fd(struct cx_stream **out, int fd, int gz, const char *display,
		   struct cx_error *err)
{
	if (fd < 0)
		return cx_error_set(err, CX_ENOTFOUND, "cannot open '%s'", display);
	struct cx_stream *s = new_stream(S_FILE, display);
	s->fd = fd;
	if (gz)
		return wrap_gzip(out, s, err);
	*out = s;
	return 0;
}

int cx_stream_open_path(struct cx_stream **out, const char *path, const char *display,
			struct cx_error *err)
{
	return open_fd(out, open(path, O_RDONLY | O_CLOEXEC), cx_str_ends(path, ".gz"), display,
		       err);
}

int cx_stream_open_at(struct cx_stream **out, int dir, const char *name, const char *display,
		      struct cx_error *err)
{
	return open_fd(out, openat(dir, name, O_RDONLY | O_CLOEXEC), cx_str_ends(name, ".gz"),
		       display, err);
}

static int finish_entry(struct cx_stream **out, struct cx_stream *s, struct cx_error *err)
{
	if (cx_str_ends(s->name, ".gz"))
		return wrap_gzip(out, s, err);
	*out = s;
	return 0;
}

int cx_stream_wrap_entry(struct cx_stream **out, struct archive *ar, const char *display,
			 struct cx_error *err)
{
	struct cx_stream *s = new_stream(S_ENTRY, display);
	s->ar = ar;
	s->in = archive_filter_bytes(ar, -1);
	return finish_entry(out, s, err);
}

int cx_stream_open_member(struct cx_stream **out, const char *archive_file, const char *member,
			  const char *display, struct cx_error *err)
{
	char *why = NULL;
	struct archive *ar = cx_archive_reader_why(archive_file, &why);
	if (!ar) {
		cx_error_set(err, CX_EFORMAT, "%s: damaged archive: %s", archive_file, why);
		free(why);
		return CX_EFORMAT;
	}
	struct archive_entry *e = NULL;
	struct cx_archive_pos pos = {0};
	int r;
	while ((r = cx_archive_next(ar, &e, &pos)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		while (name && name[0] == '.' && name[1] == '/')
			name += 2;
		if (name && archive_entry_filetype(e) == AE_IFREG && !strcmp(name, member)) {
			struct cx_stream *s = new_stream(S_ENTRY, display);
			s->ar = ar;
			s->own_ar = 1;
			s->in = pos.in;
			return finish_entry(out, s, err);
		}
	}
	int rc = cx_error_set(err, r == ARCHIVE_EOF ? CX_ENOTFOUND : CX_EFORMAT,
			      "%s: %s%s", display, r == ARCHIVE_EOF ? "" : "damaged archive: ",
			      r == ARCHIVE_EOF ? "no such member" : cx_archive_why(ar));
	archive_read_free(ar);
	return rc;
}

long cx_stream_read(struct cx_stream *s, void *buf, size_t n, struct cx_error *err)
{
	if (s->kind == S_FILE) {
		ssize_t got;
		do
			got = read(s->fd, buf, n > LONG_MAX ? LONG_MAX : n);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return cx_error_set(err, CX_EIO, "%s: read error", s->name);
		return (long)got;
	}
	long got;
	if (s->kind == S_GZ) {
		got = gz_read(s, buf, n, err);
		if (got < 0)
			return got;
	} else {
		got = archive_read_data(s->ar, buf, n);
		if (got < 0)
			return cx_error_set(err, CX_EFORMAT, "%s: %s", s->name,
					    cx_archive_why(s->ar));
	}
	s->out += got;
	int64_t in = s->kind == S_GZ ? s->in : archive_filter_bytes(s->ar, -1) - s->in;
	if (cx_inflate_over(s->out, in))
		return cx_error_set(err, CX_ELIMIT, "%s: refused: %s", s->name, BOUND_WORDS);
	return (long)got;
}

int cx_stream_slurp(struct cx_stream *s, struct cx_buf *out, size_t max, struct cx_error *err)
{
	char chunk[65536];
	long n;
	cx_buf_reset(out);
	while ((n = cx_stream_read(s, chunk, sizeof(chunk), err)) > 0) {
		if (out->len + (size_t)n > max)
			return cx_error_set(err, CX_ELIMIT, "%s: larger than %zu bytes", s->name, max);
		cx_buf_add(out, chunk, (size_t)n);
	}
	if (!out->data)
		cx_buf_add(out, "", 0);
	return n < 0 ? (int)n : 0;
}

const char *cx_stream_name(const struct cx_stream *s) { return s->name; }

void cx_stream_close(struct cx_stream *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->own_ar && s->ar)
		archive_read_free(s->ar);
	if (s->z) {
		inflateEnd(s->z);
		free(s->z);
	}
	cx_stream_close(s->inner);
	free(s->chunk);
	free(s->name);
	free(s);
}

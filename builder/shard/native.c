/*
 * native.c - the native shard backend (schema/shard-format.md, version 1).
 *
 * Records are streamed to ".shard-NNNNNN.cxs.tmp" through 1 MiB buffers
 * that a second thread writes (bgwrite.c), hashed on the way (XXH3
 * streaming state), and their index entries go, 64 KiB at a time, to a side
 * file ".shard-NNNNNN.idx.tmp", so memory does not grow with the number of
 * records. When the shard is full (--max-records, --max-bytes) or the
 * output ends, the index is appended, the header is written at offset 0, and
 * the file is fsynced and renamed to "shard-NNNNNN.cxs".
 *
 * Whole buffers bypass the page cache (O_DIRECT, bgwrite.c says why) unless
 * `shard --buffered` asks otherwise.
 */
#include "cx.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "util/xxh.h"

#include "shard/bgwrite.h"
#include "shard/fileio.h"
#include "shard/reader.h"
#include "shard/writer.h"

#define OBUF (1u << 20)
#define IBUF (64u << 10) /* index entries buffered before the side file */

struct native {
	char *dir;
	struct cx_shard_limits lim;
	unsigned shard;              /* number of the shard being written */
	int fd, idx_fd;              /* -1 when no shard is open */
	char tmp[64], idx_tmp[64], name[64];
	struct cx_bgwrite *bw;
	unsigned char ibuf[IBUF];    /* index entries not yet in the side file */
	size_t nibuf;
	uint64_t off;                /* bytes of the shard so far, header included */
	uint64_t count;              /* records in the shard */
	XXH3_state_t *file_h, *idx_h, *rec_h; /* shard, index, the record being written */
	struct cx_shard_file *files;
	size_t nfiles;
};

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void cx_put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static int flush_index(struct native *s, struct cx_error *err)
{
	int rc = cx_write_all(s->idx_fd, s->ibuf, s->nibuf, s->idx_tmp, err);
	s->nibuf = 0;
	return rc;
}

/* Appends record bytes: hashed into the shard hash, written, counted. */
static int out(struct native *s, const void *p, size_t n, struct cx_error *err)
{
	XXH3_64bits_update(s->file_h, p, n);
	s->off += n;
	return cx_bgwrite_append(s->bw, p, n, err);
}

static int open_shard(struct native *s, struct cx_error *err)
{
	snprintf(s->name, sizeof s->name, "shard-%06u.cxs", s->shard);
	snprintf(s->tmp, sizeof s->tmp, ".shard-%06u.cxs.tmp", s->shard);
	snprintf(s->idx_tmp, sizeof s->idx_tmp, ".shard-%06u.idx.tmp", s->shard);
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", s->dir, s->tmp);
	s->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->fd < 0)
		return cx_error_set(err, CX_EIO, "cannot create '%s': %s", path, strerror(errno));
	cx_bgwrite_begin(s->bw, s->fd, path, !s->lim.buffered);
	snprintf(path, sizeof path, "%s/%s", s->dir, s->idx_tmp);
	s->idx_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->idx_fd < 0)
		return cx_error_set(err, CX_EIO, "cannot create '%s': %s", path, strerror(errno));
	unsigned char zero[CX_SHARD_HEADER] = {0};
	s->off = 0;
	s->count = 0;
	s->nibuf = 0;
	XXH3_64bits_reset(s->file_h);
	XXH3_64bits_reset(s->idx_h);
	/* the header is rewritten at the end; it is not part of the shard hash */
	s->off = sizeof zero;
	return cx_bgwrite_append(s->bw, zero, sizeof zero, err);
}

static void unlink_in(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
}

static void close_fds(struct native *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->idx_fd >= 0)
		close(s->idx_fd);
	s->fd = s->idx_fd = -1;
}

/* Appends the index (read back from the side file), the index hash and the
 * header, then fsyncs and renames the shard into place. */
static int finish_shard(struct native *s, struct cx_error *err)
{
	uint64_t index_offset = s->off;
	unsigned char chunk[1 << 16];
	if (flush_index(s, err))
		return err->code;
	if (lseek(s->idx_fd, 0, SEEK_SET) < 0)
		return cx_error_set(err, CX_EIO, "cannot read back '%s'", s->idx_tmp);
	for (;;) {
		ssize_t n = read(s->idx_fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cx_error_set(err, CX_EIO, "cannot read back '%s': %s", s->idx_tmp,
					    strerror(errno));
		if (n == 0)
			break;
		if (out(s, chunk, (size_t)n, err))
			return err->code;
	}
	unsigned char h8[8];
	cx_put64(h8, XXH3_64bits_digest(s->idx_h));
	if (out(s, h8, 8, err) || cx_bgwrite_end(s->bw, err))
		return err->code;
	unsigned char hd[CX_SHARD_HEADER] = {0};
	memcpy(hd, CX_SHARD_MAGIC, 8);
	put32(hd + 8, CX_SHARD_VERSION);
	put32(hd + 12, CX_SHARD_HEADER);
	cx_put64(hd + 16, s->count);
	cx_put64(hd + 24, index_offset);
	cx_put64(hd + 32, s->off);
	uint64_t file_hash = XXH3_64bits_digest(s->file_h);
	cx_put64(hd + 40, file_hash);
	cx_put64(hd + 56, XXH3_64bits(hd, 56));
	if (pwrite(s->fd, hd, sizeof hd, 0) != (ssize_t)sizeof hd)
		return cx_error_set(err, CX_EIO, "cannot write the header of '%s': %s", s->tmp,
				    strerror(errno));
	if (cx_fsync_rename(s->fd, s->dir, s->tmp, s->name, err))
		return err->code;
	close_fds(s);
	unlink_in(s->dir, s->idx_tmp);
	s->files = cx_realloc(s->files, (s->nfiles + 1) * sizeof(*s->files));
	s->files[s->nfiles++] = (struct cx_shard_file){cx_strdup(s->name), s->count, s->off,
						       file_hash};
	s->shard++;
	if (s->lim.on_shard)
		s->lim.on_shard(s->lim.on_shard_ctx, &s->files[s->nfiles - 1]);
	return 0;
}

static int native_open(void **state, const char *dir, const struct cx_shard_limits *lim,
		       struct cx_error *err)
{
	struct native *s = cx_calloc(1, sizeof(*s));
	s->dir = cx_strdup(dir);
	s->lim = *lim;
	s->fd = s->idx_fd = -1;
	s->bw = cx_bgwrite_new(OBUF);
	if (!s->bw) {
		free(s->dir);
		free(s);
		return cx_error_set(err, CX_EIO, "cannot start the shard writer thread");
	}
	s->file_h = XXH3_createState();
	s->idx_h = XXH3_createState();
	s->rec_h = XXH3_createState();
	if (!s->file_h || !s->idx_h || !s->rec_h)
		abort();
	*state = s;
	return 0;
}

uint64_t cx_shard_record_size(const struct cx_shard_record *r)
{
	uint64_t n = 16 + 8 * (uint64_t)r->nimages + strlen(r->instruction) + strlen(r->answer) +
		     strlen(r->meta_json) + 8;
	for (size_t i = 0; i < r->nimages; i++)
		n += r->images[i].len;
	return n;
}

/* 1 when the record does not fit in the open shard (which holds at least one). */
static int full(const struct native *s, uint64_t len)
{
	if (s->count == 0)
		return 0;
	if (s->lim.max_records && s->count >= s->lim.max_records)
		return 1;
	return s->lim.max_bytes &&
	       s->off + len + 16 * (s->count + 1) + 8 > s->lim.max_bytes;
}

static int native_write(void *state, const struct cx_shard_record *r, struct cx_error *err)
{
	struct native *s = state;
	size_t li = strlen(r->instruction), la = strlen(r->answer), lm = strlen(r->meta_json);
	if (r->nimages > UINT32_MAX || li > UINT32_MAX || la > UINT32_MAX || lm > UINT32_MAX)
		return cx_error_set(err, CX_ELIMIT, "record %s: a field is over 4 GiB", r->key);
	for (size_t i = 0; i < r->nimages; i++)
		if (r->images[i].len > UINT32_MAX)
			return cx_error_set(err, CX_ELIMIT, "record %s: an image is over 4 GiB",
					    r->key);
	uint64_t len = cx_shard_record_size(r);
	if (s->fd >= 0 && full(s, len) && finish_shard(s, err))
		return err->code;
	if (s->fd < 0 && open_shard(s, err))
		return err->code;
	XXH3_state_t *rh = s->rec_h;
	XXH3_64bits_reset(rh);
	uint64_t start = s->off;
	unsigned char head[16 + 8 * 64];
	unsigned char *h = r->nimages <= 64 ? head : cx_malloc(16 + 8 * r->nimages);
	put32(h, (uint32_t)li);
	put32(h + 4, (uint32_t)la);
	put32(h + 8, (uint32_t)lm);
	put32(h + 12, (uint32_t)r->nimages);
	for (size_t i = 0; i < r->nimages; i++) {
		put32(h + 16 + 8 * i, (uint32_t)r->images[i].len);
		put32(h + 20 + 8 * i, (uint32_t)r->images[i].type);
	}
	struct { const void *p; size_t n; } parts[4] = {
		{h, 16 + 8 * r->nimages}, {r->instruction, li}, {r->answer, la}, {r->meta_json, lm}};
	int rc = 0;
	for (int i = 0; i < 4 && rc == 0; i++) {
		XXH3_64bits_update(rh, parts[i].p, parts[i].n);
		rc = out(s, parts[i].p, parts[i].n, err);
	}
	for (size_t i = 0; i < r->nimages && rc == 0; i++) {
		XXH3_64bits_update(rh, r->images[i].data, r->images[i].len);
		rc = out(s, r->images[i].data, r->images[i].len, err);
	}
	unsigned char h8[8];
	cx_put64(h8, XXH3_64bits_digest(rh));
	if (h != head)
		free(h);
	if (rc || out(s, h8, 8, err))
		return err->code;
	unsigned char ent[16];
	cx_put64(ent, start);
	cx_put64(ent + 8, len);
	XXH3_64bits_update(s->idx_h, ent, 16);
	if (s->nibuf + 16 > IBUF && flush_index(s, err))
		return err->code;
	memcpy(s->ibuf + s->nibuf, ent, 16);
	s->nibuf += 16;
	s->count++;
	return 0;
}

static void native_free(struct native *s)
{
	cx_bgwrite_free(s->bw); /* waits for a write in flight before the fds close */
	s->bw = NULL;
	close_fds(s);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i].name);
	free(s->files);
	XXH3_freeState(s->file_h);
	XXH3_freeState(s->idx_h);
	XXH3_freeState(s->rec_h);
	free(s->dir);
	free(s);
}

static int native_close(void *state, struct cx_shard_file **files, size_t *nfiles,
			struct cx_error *err)
{
	struct native *s = state;
	if (s->fd >= 0 && finish_shard(s, err)) {
		cx_shard_native.abort(s);
		return err->code;
	}
	*files = s->files;
	*nfiles = s->nfiles;
	s->files = NULL;
	s->nfiles = 0;
	native_free(s);
	return 0;
}

static void native_abort(void *state)
{
	struct native *s = state;
	if (!s)
		return;
	cx_bgwrite_free(s->bw); /* a write in flight must end before its fd closes */
	s->bw = NULL;
	if (s->fd >= 0) {
		close_fds(s);
		unlink_in(s->dir, s->tmp);
		unlink_in(s->dir, s->idx_tmp);
	}
	native_free(s);
}

static void native_resume(void *state, const struct cx_shard_file *done, size_t n)
{
	struct native *s = state;
	s->files = cx_realloc(s->files, (n ? n : 1) * sizeof(*s->files));
	for (size_t i = 0; i < n; i++) {
		s->files[i] = done[i];
		s->files[i].name = cx_strdup(done[i].name);
	}
	s->nfiles = n;
	s->shard = (unsigned)n;
}

const struct cx_shard_writer_ops cx_shard_native = {
	"native", native_open, native_write, native_close, native_abort, native_resume,
};

/*
 * reader.c - the C reader of native shards (shard/reader.h). Reads with
 * pread(2) on one descriptor, so random access costs one read of the index
 * entry and one of the record; nothing is held per record.
 */
#include "cx.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "shard/reader.h"

struct cx_shard_reader {
	int fd;
	char *path;
	struct cx_shard_header h;
};

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static int read_at(struct cx_shard_reader *r, void *buf, uint64_t n, uint64_t off,
		   struct cx_error *err)
{
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t got = pread(r->fd, p, n > (1u << 30) ? (1u << 30) : (size_t)n, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return cx_error_set(err, CX_EFORMAT, "%s: cannot read %llu bytes at %llu: %s",
					    r->path, (unsigned long long)n, (unsigned long long)off,
					    got < 0 ? strerror(errno) : "past the end");
		p += got;
		n -= (uint64_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

static int check_header(struct cx_shard_reader *r, const unsigned char *hd, uint64_t size,
			struct cx_error *err)
{
	struct cx_shard_header *h = &r->h;
	if (memcmp(hd, CX_SHARD_MAGIC, 8) != 0)
		return cx_error_set(err, CX_EFORMAT, "%s: not a chexinstruct shard (bad magic)",
				    r->path);
	h->version = get32(hd + 8);
	h->header_size = get32(hd + 12);
	h->count = get64(hd + 16);
	h->index_offset = get64(hd + 24);
	h->file_size = get64(hd + 32);
	h->shard_hash = get64(hd + 40);
	h->header_hash = get64(hd + 56);
	if (h->header_hash != XXH3_64bits(hd, 56))
		return cx_error_set(err, CX_EFORMAT, "%s: header hash mismatch", r->path);
	if (h->version != CX_SHARD_VERSION || h->header_size != CX_SHARD_HEADER)
		return cx_error_set(err, CX_EFORMAT, "%s: format version %u, header size %u: this"
				    " reader knows version %d", r->path, h->version,
				    h->header_size, CX_SHARD_VERSION);
	if (h->file_size != size)
		return cx_error_set(err, CX_EFORMAT, "%s: header says %llu bytes, file has %llu",
				    r->path, (unsigned long long)h->file_size,
				    (unsigned long long)size);
	if (h->count > (size - CX_SHARD_HEADER) / 16 || h->index_offset < CX_SHARD_HEADER ||
	    h->index_offset + 16 * h->count + 8 != size)
		return cx_error_set(err, CX_EFORMAT, "%s: index offset %llu and count %llu do not"
				    " fit a file of %llu bytes", r->path,
				    (unsigned long long)h->index_offset,
				    (unsigned long long)h->count, (unsigned long long)size);
	return 0;
}

static int check_index(struct cx_shard_reader *r, struct cx_error *err)
{
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		abort();
	XXH3_64bits_reset(st);
	unsigned char buf[1 << 16];
	uint64_t left = 16 * r->h.count, off = r->h.index_offset;
	while (left > 0) {
		uint64_t n = left < sizeof buf ? left : sizeof buf;
		if (read_at(r, buf, n, off, err)) {
			XXH3_freeState(st);
			return err->code;
		}
		XXH3_64bits_update(st, buf, n);
		left -= n;
		off += n;
	}
	uint64_t want = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	unsigned char h8[8];
	if (read_at(r, h8, 8, off, err))
		return err->code;
	if (get64(h8) != want)
		return cx_error_set(err, CX_EFORMAT, "%s: index hash mismatch", r->path);
	return 0;
}

int cx_shard_open(struct cx_shard_reader **out, const char *path, struct cx_error *err)
{
	struct cx_shard_reader *r = cx_calloc(1, sizeof(*r));
	r->path = cx_strdup(path);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char hd[CX_SHARD_HEADER];
	int rc;
	if (r->fd < 0 || fstat(r->fd, &st) != 0)
		rc = cx_error_set(err, CX_ENOTFOUND, "cannot open shard '%s': %s", path,
				  strerror(errno));
	else if ((uint64_t)st.st_size < CX_SHARD_HEADER + 8)
		rc = cx_error_set(err, CX_EFORMAT, "%s: %lld bytes is too short for a shard", path,
				  (long long)st.st_size);
	else
		rc = read_at(r, hd, sizeof hd, 0, err);
	if (rc == 0)
		rc = check_header(r, hd, (uint64_t)st.st_size, err);
	if (rc == 0)
		rc = check_index(r, err);
	if (rc) {
		cx_shard_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

void cx_shard_close(struct cx_shard_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(r);
}

const struct cx_shard_header *cx_shard_header(const struct cx_shard_reader *r)
{
	return &r->h;
}

uint64_t cx_shard_count(const struct cx_shard_reader *r)
{
	return r->h.count;
}

static int bad(struct cx_shard_reader *r, uint64_t i, const char *why, struct cx_error *err)
{
	return cx_error_set(err, CX_EFORMAT, "%s: record %llu: %s", r->path,
			    (unsigned long long)i, why);
}

/* Splits rec->raw into its fields; the lengths must add up to the record. */
static int parse(struct cx_shard_reader *r, uint64_t i, struct cx_shard_rec *rec,
		 struct cx_error *err)
{
	const unsigned char *p = rec->raw;
	if (rec->len < 24)
		return bad(r, i, "shorter than a record", err);
	rec->ninstruction = get32(p);
	rec->nanswer = get32(p + 4);
	rec->nmeta = get32(p + 8);
	uint64_t nimg = get32(p + 12);
	if (16 + 8 * nimg + 8 > rec->len)
		return bad(r, i, "image count does not fit the record", err);
	uint64_t total = 16 + 8 * nimg + (uint64_t)rec->ninstruction + rec->nanswer + rec->nmeta + 8;
	rec->images = nimg ? cx_calloc(nimg, sizeof(*rec->images)) : NULL;
	rec->nimages = nimg;
	for (uint64_t k = 0; k < nimg; k++) {
		rec->images[k].len = get32(p + 16 + 8 * k);
		rec->images[k].type = (enum cx_image_type)get32(p + 20 + 8 * k);
		total += rec->images[k].len;
	}
	if (total != rec->len)
		return bad(r, i, "field lengths do not add up to the record length", err);
	const unsigned char *q = p + 16 + 8 * nimg;
	rec->instruction = (const char *)q;
	q += rec->ninstruction;
	rec->answer = (const char *)q;
	q += rec->nanswer;
	rec->meta = (const char *)q;
	q += rec->nmeta;
	for (uint64_t k = 0; k < nimg; k++) {
		rec->images[k].data = q;
		q += rec->images[k].len;
	}
	return 0;
}

int cx_shard_get(struct cx_shard_reader *r, uint64_t i, struct cx_shard_rec *rec,
		 struct cx_error *err)
{
	memset(rec, 0, sizeof(*rec));
	if (i >= r->h.count)
		return bad(r, i, "past the last record", err);
	unsigned char ent[16];
	if (read_at(r, ent, 16, r->h.index_offset + 16 * i, err))
		return err->code;
	uint64_t off = get64(ent), len = get64(ent + 8);
	if (off < CX_SHARD_HEADER || len < 24 || off > r->h.index_offset ||
	    len > r->h.index_offset - off)
		return bad(r, i, "index entry points outside the records", err);
	rec->raw = cx_malloc(len);
	rec->offset = off;
	rec->len = len;
	if (read_at(r, rec->raw, len, off, err))
		return err->code;
	if (get64(rec->raw + len - 8) != XXH3_64bits(rec->raw, len - 8))
		return bad(r, i, "record hash mismatch", err);
	return parse(r, i, rec, err);
}

void cx_shard_rec_release(struct cx_shard_rec *rec)
{
	free(rec->raw);
	free(rec->images);
	memset(rec, 0, sizeof(*rec));
}

int cx_shard_check_hash(struct cx_shard_reader *r, uint64_t *computed, struct cx_error *err)
{
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		abort();
	XXH3_64bits_reset(st);
	unsigned char *buf = cx_malloc(1 << 20);
	uint64_t off = CX_SHARD_HEADER;
	int rc = 0;
	while (rc == 0 && off < r->h.file_size) {
		uint64_t n = r->h.file_size - off;
		if (n > (1 << 20))
			n = 1 << 20;
		rc = read_at(r, buf, n, off, err);
		XXH3_64bits_update(st, buf, n);
		off += n;
	}
	*computed = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	free(buf);
	if (rc)
		return rc;
	if (*computed != r->h.shard_hash)
		return cx_error_set(err, CX_EFORMAT, "%s: shard hash mismatch", r->path);
	return 0;
}

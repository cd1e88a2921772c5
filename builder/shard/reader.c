/*
 * reader.c - the C reader of native shards (shard/reader.h). Reads with
 * pread(2) on one descriptor, so random access costs one read of the index
 * entry and one of the record; nothing is held per record. cx_shard_scan
 * reads the whole shard once, in order, for verify (from a mapping of it
 * when it is in the page cache), hashing the whole file on a second thread
 * while the caller's thread checks the records.
 */
#define _GNU_SOURCE 1 /* O_DIRECT */
#include "cx.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/xxh.h"

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

/* ------------------------------------------------------------------ scan */

#define SCAN_CHUNK (1u << 20)
#define SCAN_ALIGN 4096u

/* The record being put together from the stream: its head (16 bytes), then
 * its head with the image lengths, then the whole record. */
struct scan {
	struct cx_shard_reader *r;
	cx_shard_rec_fn fn;
	void *ctx;
	struct cx_buf rec;        /* its bytes so far */
	int stage;                /* 0: head, 1: head and image lengths, 2: whole */
	uint64_t want;            /* bytes the stage needs */
	uint64_t start;           /* its file offset */
	uint64_t i;               /* its number */
	XXH3_state_t *entries;    /* the index entries the records make, hashed */
};

/* The record is whole, at raw (s->want bytes): its hash, its layout, its
 * index entry, then fn. */
static int scan_record(struct scan *s, const unsigned char *raw, struct cx_error *err)
{
	struct cx_shard_rec rec = {0};
	rec.raw = (unsigned char *)raw;
	rec.offset = s->start;
	rec.len = s->want;
	if (get64(rec.raw + rec.len - 8) != XXH3_64bits(rec.raw, rec.len - 8))
		return bad(s->r, s->i, "record hash mismatch", err);
	int rc = parse(s->r, s->i, &rec, err);
	if (rc == 0 && s->fn && s->fn(s->ctx, &rec))
		rc = bad(s->r, s->i, "refused by the caller", err);
	free(rec.images);
	if (rc)
		return rc;
	unsigned char ent[16];
	cx_put64(ent, rec.offset);
	cx_put64(ent + 8, rec.len);
	XXH3_64bits_update(s->entries, ent, 16);
	s->start += rec.len;
	s->i++;
	s->stage = 0;
	s->want = 16;
	cx_buf_reset(&s->rec);
	return 0;
}

/* s->rec holds the s->want bytes its stage needs: move to the next stage. */
static int scan_step(struct scan *s, struct cx_error *err)
{
	const unsigned char *p = (const unsigned char *)s->rec.data;
	uint64_t room = s->r->h.index_offset - s->start;
	if (s->stage == 0) {
		if (room < 24)
			return bad(s->r, s->i, "shorter than a record", err);
		s->want = 16 + 8 * (uint64_t)get32(p + 12);
		s->stage = 1;
		if (s->want + 8 > room)
			return bad(s->r, s->i, "image count does not fit the record", err);
		if (s->want > 16)
			return 0;
	}
	if (s->stage == 1) {
		uint64_t nimg = get32(p + 12);
		uint64_t total = 16 + 8 * nimg + (uint64_t)get32(p) + get32(p + 4) + get32(p + 8) + 8;
		for (uint64_t k = 0; k < nimg; k++)
			total += get32(p + 16 + 8 * k);
		if (total > room)
			return bad(s->r, s->i, "runs into the index", err);
		s->want = total;
		s->stage = 2;
		return 0; /* total > 16 + 8 * nimg: more bytes to come */
	}
	return scan_record(s, (const unsigned char *)s->rec.data, err);
}

/* The length of the record starting at p when all of it is among the n
 * bytes there and its head is sound, else 0: the common case, checked where
 * it lies instead of copied (the copy was a tenth of a warm verify's CPU).
 * Anything unusual goes the copying way, which names the fault. */
static uint64_t whole_at(const struct scan *s, const unsigned char *p, uint64_t n)
{
	uint64_t room = s->r->h.index_offset - s->start;
	if (n < 16 || room < 24)
		return 0;
	uint64_t nimg = get32(p + 12), head = 16 + 8 * nimg;
	if (head + 8 > room || head > n)
		return 0;
	uint64_t total = head + (uint64_t)get32(p) + get32(p + 4) + get32(p + 8) + 8;
	for (uint64_t k = 0; k < nimg; k++)
		total += get32(p + 16 + 8 * k);
	return total <= room && total <= n ? total : 0;
}

/* Bytes of the records region, in order. */
static int scan_feed(struct scan *s, const unsigned char *p, uint64_t n, struct cx_error *err)
{
	while (n > 0) {
		uint64_t whole = s->stage == 0 && s->rec.len == 0 ? whole_at(s, p, n) : 0;
		if (whole) {
			s->want = whole;
			if (scan_record(s, p, err))
				return err->code;
			p += whole;
			n -= whole;
			continue;
		}
		uint64_t take = s->want - s->rec.len;
		if (take > n)
			take = n;
		cx_buf_add(&s->rec, p, (size_t)take);
		p += take;
		n -= take;
		if (s->rec.len == s->want && scan_step(s, err))
			return err->code;
	}
	return 0;
}

/* Reads up to SCAN_CHUNK bytes at off into buf: through *dfd (O_DIRECT)
 * while it works, else through the reader's descriptor. */
static ssize_t scan_read(struct cx_shard_reader *r, int *dfd, unsigned char *buf, uint64_t off)
{
	for (;;) {
		ssize_t got;
		if (*dfd >= 0 && off % SCAN_ALIGN == 0) {
			got = pread(*dfd, buf, SCAN_CHUNK, (off_t)off);
			if (got < 0 && errno == EINVAL) { /* refused: plain reads from here */
				close(*dfd);
				*dfd = -1;
				continue;
			}
		} else {
			uint64_t left = r->h.file_size - off;
			got = pread(r->fd, buf, left < SCAN_CHUNK ? (size_t)left : SCAN_CHUNK, (off_t)off);
		}
		if (got < 0 && errno == EINTR)
			continue;
		return got;
	}
}

/* After the pass: the records must end where the index starts, be as many
 * as the header says, and make the index that the file holds. */
static int scan_end(struct scan *s, struct cx_error *err)
{
	struct cx_shard_reader *r = s->r;
	if (s->rec.len != 0 || s->start != r->h.index_offset)
		return cx_error_set(err, CX_EFORMAT, "%s: the records do not end where the index"
				    " starts", r->path);
	if (s->i != r->h.count)
		return cx_error_set(err, CX_EFORMAT, "%s: %llu records, the header says %llu",
				    r->path, (unsigned long long)s->i,
				    (unsigned long long)r->h.count);
	unsigned char h8[8];
	if (read_at(r, h8, 8, r->h.index_offset + 16 * r->h.count, err))
		return err->code;
	if (get64(h8) != XXH3_64bits_digest(s->entries))
		return cx_error_set(err, CX_EFORMAT, "%s: the index does not match the records",
				    r->path);
	return 0;
}

/* A read-only mapping of the whole shard when most of its pages (at least
 * half) are in the page cache (mincore), else NULL. A cached shard is then
 * checked where it lies in the cache: reading it, even with plain reads,
 * copied every byte once more (the kernel's copy was a third of a warm
 * verify's CPU), and O_DIRECT would read the disk again (verify of 8.8 GB
 * of cached shards: 13 s direct, against 1.1 s for cat); the few missing
 * pages come through readahead. A shard mostly not cached is read direct.
 * The file's size was checked against its header when it was opened; a
 * shard cut short by another process while it is checked would end the
 * run (SIGBUS), which a set being verified has no reason to be. */
static unsigned char *map_resident(const struct cx_shard_reader *r)
{
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0 || r->h.file_size == 0 || r->h.file_size > SIZE_MAX)
		return NULL;
	size_t len = (size_t)r->h.file_size, npages = (len + (size_t)page - 1) / (size_t)page;
	void *map = mmap(NULL, len, PROT_READ, MAP_SHARED, r->fd, 0);
	if (map == MAP_FAILED)
		return NULL;
	unsigned char *vec = malloc(npages);
	size_t in = 0;
	if (vec && mincore(map, len, vec) == 0)
		for (size_t i = 0; i < npages; i++)
			in += vec[i] & 1;
	free(vec);
	if (in < npages - npages / 2) {
		munmap(map, len);
		return NULL;
	}
	(void)madvise(map, len, MADV_SEQUENTIAL);
	return map;
}

/*
 * The shard hash, on a thread of its own: it is one XXH3 stream over the
 * whole file, as costly as the record hashes over the same bytes, so while
 * the caller checks the records of one chunk this thread hashes it (a warm
 * verify is CPU-bound: hashing is most of it). The chunks are a ring of
 * SCAN_DEPTH buffers; a buffer is read into again only once hashed. If the
 * thread cannot start, the caller hashes each chunk itself.
 */
#define SCAN_DEPTH 4

struct hasher {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	XXH3_state_t *st;
	const unsigned char *p[SCAN_DEPTH];
	uint64_t n[SCAN_DEPTH];
	uint64_t posted, done;  /* chunks handed over; chunks hashed */
	int stop, running;
	pthread_t th;
};

static void *hasher_main(void *arg)
{
	struct hasher *h = arg;
	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (h->done == h->posted && !h->stop)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->done == h->posted)
			break;
		size_t k = h->done % SCAN_DEPTH;
		pthread_mutex_unlock(&h->mu);
		XXH3_64bits_update(h->st, h->p[k], h->n[k]);
		pthread_mutex_lock(&h->mu);
		h->done++;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static void hasher_start(struct hasher *h)
{
	memset(h, 0, sizeof(*h));
	h->st = XXH3_createState();
	if (!h->st)
		abort();
	XXH3_64bits_reset(h->st);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->running = pthread_create(&h->th, NULL, hasher_main, h) == 0;
}

/* n bytes at p join the shard hash (p stays untouched until hasher_wait
 * says its slot is free). */
static void hasher_post(struct hasher *h, const unsigned char *p, uint64_t n)
{
	if (!h->running) {
		XXH3_64bits_update(h->st, p, n);
		return;
	}
	pthread_mutex_lock(&h->mu);
	h->p[h->posted % SCAN_DEPTH] = p;
	h->n[h->posted % SCAN_DEPTH] = n;
	h->posted++;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* Waits until at most `left` chunks are still to be hashed. */
static void hasher_wait(struct hasher *h, uint64_t left)
{
	if (!h->running)
		return;
	pthread_mutex_lock(&h->mu);
	while (h->posted - h->done > left)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
}

/* Every chunk hashed, the thread gone: the shard hash. */
static uint64_t hasher_end(struct hasher *h)
{
	if (h->running) {
		pthread_mutex_lock(&h->mu);
		h->stop = 1;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->th, NULL);
	}
	uint64_t v = XXH3_64bits_digest(h->st);
	XXH3_freeState(h->st);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	return v;
}

/* The bytes [off, end) of the file, at p, for the shard hash (all but the
 * header) and for the records check (those before the index). */
static void hash_chunk(struct hasher *file, const unsigned char *p, uint64_t off, uint64_t end)
{
	uint64_t lo = off > CX_SHARD_HEADER ? off : CX_SHARD_HEADER;
	if (end > lo)
		hasher_post(file, p + (lo - off), end - lo);
}

static int check_chunk(struct scan *s, const unsigned char *p, uint64_t off, uint64_t end,
		       struct cx_error *err)
{
	uint64_t lo = off > CX_SHARD_HEADER ? off : CX_SHARD_HEADER;
	uint64_t hi = end < s->r->h.index_offset ? end : s->r->h.index_offset;
	return hi > lo ? scan_feed(s, p + (lo - off), hi - lo, err) : 0;
}

/* The pass over a mapped shard. The hasher runs ahead: the records of a
 * chunk are checked once the shard hash has passed over it, so the hasher
 * takes the page faults of the mapping (a seventh of a warm verify's CPU)
 * and the checking thread, which also parses every record's metadata, finds
 * the bytes in the cache; the two threads' shares of the work are about
 * even then. */
static int scan_mapped(struct scan *s, struct hasher *file, const unsigned char *map,
		       struct cx_error *err)
{
	uint64_t size = s->r->h.file_size;
	uint64_t nchunks = (size + SCAN_CHUNK - 1) / SCAN_CHUNK, posted = 0;
	int rc = 0;
	for (uint64_t k = 0; rc == 0 && k < nchunks; k++) {
		for (; posted < nchunks && posted < k + SCAN_DEPTH; posted++) {
			uint64_t off = posted * SCAN_CHUNK;
			hasher_wait(file, SCAN_DEPTH - 1);
			hash_chunk(file, map + off, off, size - off > SCAN_CHUNK ? off + SCAN_CHUNK
										: size);
		}
		hasher_wait(file, posted - (k + 1));
		uint64_t off = k * SCAN_CHUNK;
		rc = check_chunk(s, map + off, off, size - off > SCAN_CHUNK ? off + SCAN_CHUNK : size,
				 err);
	}
	return rc;
}

/* The pass over a shard read in chunks into a ring of SCAN_DEPTH buffers,
 * with O_DIRECT (dfd) while it works. */
static int scan_read_all(struct scan *s, struct hasher *file, int *dfd, struct cx_error *err)
{
	struct cx_shard_reader *r = s->r;
	unsigned char *ring;
	if (posix_memalign((void **)&ring, SCAN_ALIGN, (size_t)SCAN_DEPTH * SCAN_CHUNK) != 0)
		abort();
	int rc = 0;
	for (uint64_t off = 0, k = 0; rc == 0 && off < r->h.file_size; k++) {
		unsigned char *buf = ring + (k % SCAN_DEPTH) * (size_t)SCAN_CHUNK;
		hasher_wait(file, SCAN_DEPTH - 1);
		ssize_t got = scan_read(r, dfd, buf, off);
		if (got <= 0) {
			rc = cx_error_set(err, CX_EFORMAT, "%s: cannot read at %llu: %s", r->path,
					  (unsigned long long)off,
					  got < 0 ? strerror(errno) : "past the end");
			break;
		}
		uint64_t end = off + (uint64_t)got < r->h.file_size ? off + (uint64_t)got
								   : r->h.file_size;
		hash_chunk(file, buf, off, end);
		rc = check_chunk(s, buf, off, end, err);
		off = end;
	}
	/* the hasher may still be reading the ring */
	hasher_wait(file, 0);
	free(ring);
	return rc;
}

int cx_shard_scan(struct cx_shard_reader *r, cx_shard_rec_fn fn, void *ctx, uint64_t *computed,
		  struct cx_error *err)
{
	unsigned char *map = map_resident(r);
	int dfd = -1;
#ifdef O_DIRECT
	if (!map)
		dfd = open(r->path, O_RDONLY | O_DIRECT | O_CLOEXEC);
#endif
	struct hasher file;
	hasher_start(&file);
	struct scan s = {r, fn, ctx, CX_BUF_INIT, 0, 16, CX_SHARD_HEADER, 0, XXH3_createState()};
	if (!s.entries)
		abort();
	XXH3_64bits_reset(s.entries);
	int rc = map ? scan_mapped(&s, &file, map, err) : scan_read_all(&s, &file, &dfd, err);
	if (rc == 0)
		rc = scan_end(&s, err);
	*computed = hasher_end(&file);
	if (rc == 0 && *computed != r->h.shard_hash)
		rc = cx_error_set(err, CX_EFORMAT, "%s: shard hash mismatch", r->path);
	if (dfd >= 0)
		close(dfd);
	if (map)
		munmap(map, (size_t)r->h.file_size);
	cx_buf_release(&s.rec);
	XXH3_freeState(s.entries);
	return rc;
}

/*
 * webdataset.c - the `--format webdataset` backend: POSIX ustar shards that
 * the webdataset library (and wids, DALI, Megatron-Energon) read as they are.
 *
 * WebDataset groups tar members into samples by name: the key is the basename
 * up to its first dot, the field is everything after it, and the members of a
 * sample must be adjacent. Record r becomes the members
 *
 *   KEY.answer.txt        the answer (UTF-8)
 *   KEY.img0.jpg          image 0 (.png for a PNG), KEY.img1.jpg ... in order
 *   KEY.instruction.txt   the instruction (UTF-8)
 *   KEY.json              the metadata object (schema/shard-format.md)
 *
 * sorted by field name, as webdataset's TarWriter orders them. Every field
 * ends in an extension the default decoders know (txt, jpg, png, json).
 * Headers are deterministic: mtime 0, uid/gid 0, no user or group name, mode
 * 0444, so the same records give the same bytes.
 *
 * Shards are shard-000000.tar, shard-000001.tar, ... A new shard starts before
 * a record that would take the shard past max_records records or max_bytes
 * payload bytes (member contents only, as webdataset's ShardWriter counts
 * them); a record bigger than max_bytes alone gets a shard of its own. With no
 * limit given, ShardWriter's defaults apply (100000 records, 3e9 bytes).
 * With min_shards m and the total N known, a shard also ends where the
 * records' part r * m / N changes: at least min(m, N) shards, so that a
 * loader with m workers (webdataset splits by shard) has one for each even
 * on a small val or test split.
 *
 * Beside each tar goes shard-NNNNNN.tar.idx, Megatron-Energon's sample index:
 * N+1 little-endian u64, the tar offset of the first header of each sample and
 * then the end of the last member. The offsets are known while writing: ustar
 * spends one 512-byte header per member and pads contents to 512 bytes.
 */
#include "cx.h"

#include <archive.h>
#include <archive_entry.h>

#include "shard/outfile.h"
#include "shard/writer.h"

#define WDS_MAX_RECORDS 100000ULL
#define WDS_MAX_BYTES 3000000000ULL
#define USTAR_NAME_MAX 100

struct wds {
	char *dir;
	uint64_t max_bytes;
	uint64_t max_records;
	uint64_t min_shards, total;  /* writer.h: 0 when off */
	int how;               /* cx_outfile_open() mode of the tars */
	void (*on_shard)(void *ctx, const struct cx_shard_file *f);
	void *on_shard_ctx;

	/* The open shard; a == NULL between shards. */
	struct archive *a;
	struct cx_outfile *out;
	struct cx_error werr;  /* set by the write callback */
	uint64_t shard;        /* number of the open (or next) shard */
	uint64_t records;
	uint64_t payload;
	uint64_t pos;          /* tar offset of the next member header */
	uint64_t *idx;
	size_t nidx, idxcap;

	struct cx_shard_file *files;
	size_t nfiles, filecap;
};

struct member {
	char field[32];
	const void *data;
	size_t len;
};

/* A failed write is kept in w->werr and not told to libarchive: an archive
 * whose write callback fails goes fatal, is never closed, and leaks its
 * block buffer on free (seen under LeakSanitizer). Every archive call is
 * followed by a look at w->werr (archive_fail, ok_so_far). */
static la_ssize_t write_cb(struct archive *a, void *client, const void *buf, size_t n)
{
	(void)a;
	struct wds *w = client;
	if (!w->werr.code)
		cx_outfile_write(w->out, buf, n, &w->werr);
	return (la_ssize_t)n;
}

static int archive_fail(struct wds *w, const char *what, struct cx_error *err)
{
	if (w->werr.code)
		return cx_error_set(err, w->werr.code, "%s", w->werr.msg);
	const char *why = archive_error_string(w->a);
	return cx_error_set(err, CX_EIO, "webdataset shard %06llu: cannot %s: %s",
			    (unsigned long long)w->shard, what, why ? why : "unknown error");
}

/* The write error an archive call that "succeeded" may have hidden. */
static int ok_so_far(struct wds *w, struct cx_error *err)
{
	return w->werr.code ? cx_error_set(err, w->werr.code, "%s", w->werr.msg) : 0;
}

static void idx_push(struct wds *w, uint64_t v)
{
	if (w->nidx == w->idxcap) {
		w->idxcap = w->idxcap ? 2 * w->idxcap : 1024;
		w->idx = cx_realloc(w->idx, w->idxcap * sizeof(*w->idx));
	}
	w->idx[w->nidx++] = v;
}

static char *shard_name(uint64_t n, const char *suffix)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "shard-%06llu.tar%s", (unsigned long long)n, suffix);
	return cx_buf_detach(&b);
}

static int open_shard(struct wds *w, struct cx_error *err)
{
	char *name = shard_name(w->shard, "");
	int rc = cx_outfile_open(&w->out, w->dir, name, w->how, err);
	free(name);
	if (rc)
		return rc;
	w->records = w->payload = w->pos = 0;
	w->nidx = 0;
	cx_error_clear(&w->werr);
	w->a = archive_write_new();
	if (archive_write_set_format_ustar(w->a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(w->a) != ARCHIVE_OK ||
	    archive_write_open2(w->a, w, NULL, write_cb, NULL, NULL) != ARCHIVE_OK)
		return archive_fail(w, "start the tar", err);
	return 0;
}

static void put_u64le(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static int write_idx(struct wds *w, struct cx_error *err)
{
	char *name = shard_name(w->shard, ".idx");
	struct cx_outfile *o;
	int rc = cx_outfile_open(&o, w->dir, name, 0, err);
	free(name);
	if (rc)
		return rc;
	idx_push(w, w->pos);
	for (size_t i = 0; i < w->nidx && rc == 0; i++) {
		unsigned char b[8];
		put_u64le(b, w->idx[i]);
		rc = cx_outfile_write(o, b, sizeof(b), err);
	}
	if (rc) {
		cx_outfile_discard(o);
		return rc;
	}
	return cx_outfile_commit(o, err);
}

static int close_shard(struct wds *w, struct cx_error *err)
{
	if (archive_write_close(w->a) != ARCHIVE_OK)
		return archive_fail(w, "finish the tar", err);
	if (ok_so_far(w, err))
		return err->code;
	archive_write_free(w->a);
	w->a = NULL;
	uint64_t bytes = cx_outfile_bytes(w->out), hash = cx_outfile_hash(w->out);
	int rc = cx_outfile_commit(w->out, err);
	w->out = NULL;
	if (rc)
		return rc;
	if (w->nfiles == w->filecap) {
		w->filecap = w->filecap ? 2 * w->filecap : 16;
		w->files = cx_realloc(w->files, w->filecap * sizeof(*w->files));
	}
	struct cx_shard_file *f = &w->files[w->nfiles++];
	f->name = shard_name(w->shard, "");
	f->records = w->records;
	f->bytes = bytes;
	f->hash = hash;
	rc = write_idx(w, err);
	w->shard++;
	if (rc == 0 && w->on_shard)
		w->on_shard(w->on_shard_ctx, f);
	return rc;
}

/* Keys become tar names and webdataset keys: no dots, no slashes, nothing a
 * shell or a URL would mangle. */
static int check_key(const char *key, struct cx_error *err)
{
	size_t n = strlen(key);
	if (n == 0)
		return cx_error_set(err, CX_EINVAL, "webdataset: empty record key");
	for (size_t i = 0; i < n; i++) {
		char c = key[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '_' || c == '-';
		if (!ok)
			return cx_error_set(err, CX_EINVAL,
					    "webdataset: record key '%s' has a character other than "
					    "letters, digits, '_' and '-'", key);
	}
	return 0;
}

static int cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->field, ((const struct member *)b)->field);
}

static int add_member(struct wds *w, const char *key, const struct member *m,
		      struct cx_error *err)
{
	char name[USTAR_NAME_MAX + 64];
	int n = snprintf(name, sizeof(name), "%s.%s", key, m->field);
	if (n < 0 || n > USTAR_NAME_MAX)
		return cx_error_set(err, CX_ELIMIT,
				    "webdataset: member name for key '%s' is over %d bytes", key,
				    USTAR_NAME_MAX);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)m->len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0444);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	int rc = 0;
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		rc = archive_fail(w, "write a member header", err);
	else if (m->len > 0 && archive_write_data(w->a, m->data, m->len) != (la_ssize_t)m->len)
		rc = archive_fail(w, "write member data", err);
	archive_entry_free(e);
	if (rc == 0)
		rc = ok_so_far(w, err);
	if (rc == 0)
		w->pos += 512 + ((m->len + 511) / 512) * 512;
	return rc;
}

/* The members of one record, sorted by field name; returns their count. */
static size_t members_of(const struct cx_shard_record *r, struct member *m)
{
	size_t n = 0;
	m[n++] = (struct member){"answer.txt", r->answer, strlen(r->answer)};
	m[n++] = (struct member){"instruction.txt", r->instruction, strlen(r->instruction)};
	m[n++] = (struct member){"json", r->meta_json, strlen(r->meta_json)};
	for (size_t i = 0; i < r->nimages; i++) {
		const struct cx_shard_image *im = &r->images[i];
		snprintf(m[n].field, sizeof(m[n].field), "img%zu.%s", i,
			 im->type == CX_IMAGE_PNG ? "png" : "jpg");
		m[n].data = im->data;
		m[n].len = im->len;
		n++;
	}
	qsort(m, n, sizeof(*m), cmp_member);
	return n;
}

/* Whether record `index` starts another of the min_shards even parts. */
static int new_part(const struct wds *w, uint64_t index)
{
	if (!w->min_shards || index == 0 || index >= w->total)
		return 0;
	/* no overflow: the command line caps min_shards at 65536, and 2^48
	 * records is past anything a split holds */
	uint64_t m = w->min_shards, n = w->total;
	return index * m / n != (index - 1) * m / n;
}

static int wds_write(void *state, const struct cx_shard_record *r, struct cx_error *err)
{
	struct wds *w = state;
	int rc = check_key(r->key, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < r->nimages; i++)
		if (r->images[i].type != CX_IMAGE_JPEG && r->images[i].type != CX_IMAGE_PNG)
			return cx_error_set(err, CX_EINVAL,
					    "webdataset: record '%s' image %zu has unknown type %d",
					    r->key, i, (int)r->images[i].type);
	struct member *m = cx_malloc((r->nimages + 3) * sizeof(*m));
	size_t n = members_of(r, m);
	uint64_t payload = 0;
	for (size_t i = 0; i < n; i++)
		payload += m[i].len;

	if (w->a && w->records > 0 &&
	    (w->records >= w->max_records || w->payload + payload > w->max_bytes ||
	     new_part(w, r->index)))
		rc = close_shard(w, err);
	if (rc == 0 && !w->a)
		rc = open_shard(w, err);
	if (rc == 0)
		idx_push(w, w->pos);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = add_member(w, r->key, &m[i], err);
	free(m);
	if (rc)
		return rc;
	w->records++;
	w->payload += payload;
	return 0;
}

static int wds_open(void **state, const char *dir, const struct cx_shard_limits *lim,
		    struct cx_error *err)
{
	(void)err;
	struct wds *w = cx_calloc(1, sizeof(*w));
	w->dir = cx_strdup(dir);
	w->max_bytes = lim && lim->max_bytes ? lim->max_bytes : WDS_MAX_BYTES;
	w->max_records = lim && lim->max_records ? lim->max_records : WDS_MAX_RECORDS;
	w->min_shards = lim ? lim->min_shards : 0;
	w->total = lim ? lim->total : 0;
	w->how = lim && lim->buffered ? CX_OUTFILE_STREAM : CX_OUTFILE_DIRECT;
	w->on_shard = lim ? lim->on_shard : NULL;
	w->on_shard_ctx = lim ? lim->on_shard_ctx : NULL;
	*state = w;
	return 0;
}

static void free_wds(struct wds *w)
{
	for (size_t i = 0; i < w->nfiles; i++)
		free(w->files[i].name);
	free(w->files);
	free(w->idx);
	free(w->dir);
	free(w);
}

static void wds_abort(void *state)
{
	struct wds *w = state;
	if (!w)
		return;
	if (w->a)
		archive_write_free(w->a);
	cx_outfile_discard(w->out);
	free_wds(w);
}

static int wds_close(void *state, struct cx_shard_file **files, size_t *nfiles,
		     struct cx_error *err)
{
	struct wds *w = state;
	if (w->a) {
		int rc = close_shard(w, err);
		if (rc) {
			wds_abort(w);
			return rc;
		}
	}
	*files = w->files;
	*nfiles = w->nfiles;
	w->files = NULL;
	w->nfiles = 0;
	free_wds(w);
	return 0;
}

static void wds_resume(void *state, const struct cx_shard_file *done, size_t n)
{
	struct wds *w = state;
	w->filecap = n > 16 ? n : 16;
	w->files = cx_realloc(w->files, w->filecap * sizeof(*w->files));
	for (size_t i = 0; i < n; i++) {
		w->files[i] = done[i];
		w->files[i].name = cx_strdup(done[i].name);
	}
	w->nfiles = n;
	w->shard = n;
}

const struct cx_shard_writer_ops cx_shard_webdataset = {
	.format = "webdataset",
	.open = wds_open,
	.write = wds_write,
	.close = wds_close,
	.abort = wds_abort,
	.resume = wds_resume,
};

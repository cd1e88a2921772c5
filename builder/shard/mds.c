/*
 * mds.c - the `--format mds` backend: MosaicML Streaming MDS shards and their
 * index.json, byte for byte what streaming's MDSWriter writes for the same
 * samples, so StreamingDataset(local=DIR) reads them with no conversion.
 *
 * Columns (sorted by name, as MDSWriter sorts them):
 *
 *   answer        str         the answer
 *   images        list[jpeg]  the images, in order: u32 0, u32 n, u32 size[n],
 *                             then the encoded files; decodes to PIL images
 *                             (PIL finds PNG or JPEG from the bytes); needs
 *                             streaming >= 0.12, where list encodings arrived
 *   instruction   str         the instruction
 *   key           str         the record key
 *   meta          json        the metadata object (schema/shard-format.md)
 *
 * All five are variable-size, so a sample is five u32 lengths and then the
 * five bodies. A shard is u32 N, u32 offsets[N+1] (absolute), the config
 * JSON, then the samples; shards are shard.00000.mds, shard.00001.mds, ...
 * uncompressed. The config and index.json are what Python's json.dumps(obj,
 * sort_keys=True) prints, default separators included: the embedded config
 * must be exactly as long as the offsets say, and StreamingDataset refuses
 * shard entries with keys it does not know.
 *
 * Shard size follows MDSWriter's accounting: a shard costs 8 + len(config)
 * plus len(sample) + 4 per sample, which is exactly its file size, and a new
 * shard starts before a sample that would take it past size_limit (from
 * --max-bytes, default 1<<26; offsets are u32, so it must be below 2^32).
 * --max-records also starts a new shard. A shard is built in memory (at most
 * size_limit bytes) because its offsets come before its samples.
 *
 * Each file carries its XXH3-64 under "xxh3_64", as Python's
 * xxhash.xxh3_64(data).hexdigest() prints it (16 hex digits of the value,
 * most significant first).
 */
#include "cx.h"

#include "shard/mds.h"
#include "shard/outfile.h"
#include "shard/writer.h"

#define MDS_DEFAULT_LIMIT (1ULL << 26)
#define MDS_U32_MAX 0xffffffffULL
#define MDS_NCOLS 5

static const char *const col_names[MDS_NCOLS] = {"answer", "images", "instruction", "key",
						  "meta"};
static const char *const col_encodings[MDS_NCOLS] = {"str", "list[jpeg]", "str", "str", "json"};

struct mds {
	char *dir;
	uint64_t size_limit;
	uint64_t max_records;
	int how;               /* cx_outfile_open() mode of the shards */
	char *config;          /* the embedded config JSON */
	size_t config_len;

	/* The shard being built. */
	struct cx_buf body;    /* samples, concatenated */
	uint32_t *sizes;
	size_t n, cap;

	uint64_t shard;
	struct cx_buf index;   /* shard entries of index.json, comma-separated */
	struct cx_shard_file *files;
	size_t nfiles, filecap;
};

static void add_str_list(struct cx_buf *b, const char *const *v, size_t n)
{
	cx_buf_addc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			cx_buf_adds(b, ", ");
		cx_buf_add_json_str(b, v[i]);
	}
	cx_buf_addc(b, ']');
}

/* The keys every shard entry shares with the embedded config, in sorted
 * order up to "hashes"; the caller continues with the keys after it. */
static void add_config_head(struct cx_buf *b)
{
	cx_buf_adds(b, "{\"column_encodings\": ");
	add_str_list(b, col_encodings, MDS_NCOLS);
	cx_buf_adds(b, ", \"column_names\": ");
	add_str_list(b, col_names, MDS_NCOLS);
	cx_buf_adds(b, ", \"column_sizes\": [");
	for (size_t i = 0; i < MDS_NCOLS; i++)
		cx_buf_adds(b, i ? ", null" : "null");
	cx_buf_adds(b, "], \"compression\": null, \"format\": \"mds\", \"hashes\": [\"xxh3_64\"]");
}

static char *make_config(uint64_t size_limit, size_t *len)
{
	struct cx_buf b = CX_BUF_INIT;
	add_config_head(&b);
	cx_buf_addf(&b, ", \"size_limit\": %llu, \"version\": 2}", (unsigned long long)size_limit);
	*len = b.len;
	return cx_buf_detach(&b);
}

static void put_u32le(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void buf_add_u32(struct cx_buf *b, uint32_t v)
{
	unsigned char p[4];
	put_u32le(p, v);
	cx_buf_add(b, p, 4);
}

/* File size of the shard being built: MDSWriter's new_shard_size. */
static uint64_t shard_size(const struct mds *m)
{
	return 8 + m->config_len + m->body.len + 4 * (uint64_t)m->n;
}

static char *shard_name(uint64_t n)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "shard.%05llu.mds", (unsigned long long)n);
	return cx_buf_detach(&b);
}

void cx_mds_index_entry(struct cx_buf *b, const char *name, uint64_t bytes, uint64_t hash,
			uint64_t samples, uint64_t size_limit)
{
	if (b->len)
		cx_buf_adds(b, ", ");
	add_config_head(b);
	cx_buf_adds(b, ", \"raw_data\": {\"basename\": ");
	cx_buf_add_json_str(b, name);
	cx_buf_addf(b, ", \"bytes\": %llu, \"hashes\": {\"xxh3_64\": \"%016llx\"}}",
		    (unsigned long long)bytes, (unsigned long long)hash);
	cx_buf_addf(b, ", \"samples\": %llu, \"size_limit\": %llu, \"version\": 2, "
		    "\"zip_data\": null}", (unsigned long long)samples,
		    (unsigned long long)size_limit);
}

void cx_mds_index_json(struct cx_buf *out, const struct cx_buf *entries)
{
	cx_buf_adds(out, "{\"shards\": [");
	cx_buf_add(out, entries->data, entries->len);
	cx_buf_adds(out, "], \"version\": 2}");
}

static int write_shard(struct mds *m, const char *name, struct cx_error *err)
{
	struct cx_outfile *o;
	int rc = cx_outfile_open(&o, m->dir, name, m->how, err);
	if (rc)
		return rc;
	struct cx_buf head = CX_BUF_INIT;
	buf_add_u32(&head, (uint32_t)m->n);
	uint64_t off = 4 + 4 * ((uint64_t)m->n + 1) + m->config_len;
	buf_add_u32(&head, (uint32_t)off);
	for (size_t i = 0; i < m->n; i++) {
		off += m->sizes[i];
		buf_add_u32(&head, (uint32_t)off);
	}
	rc = cx_outfile_write(o, head.data, head.len, err);
	cx_buf_release(&head);
	if (rc == 0)
		rc = cx_outfile_write(o, m->config, m->config_len, err);
	if (rc == 0 && m->body.len)
		rc = cx_outfile_write(o, m->body.data, m->body.len, err);
	if (rc) {
		cx_outfile_discard(o);
		return rc;
	}
	uint64_t bytes = cx_outfile_bytes(o), hash = cx_outfile_hash(o);
	rc = cx_outfile_commit(o, err);
	if (rc)
		return rc;
	cx_mds_index_entry(&m->index, name, bytes, hash, m->n, m->size_limit);
	if (m->nfiles == m->filecap) {
		m->filecap = m->filecap ? 2 * m->filecap : 16;
		m->files = cx_realloc(m->files, m->filecap * sizeof(*m->files));
	}
	m->files[m->nfiles++] = (struct cx_shard_file){cx_strdup(name), m->n, bytes, hash};
	return 0;
}

static int flush_shard(struct mds *m, struct cx_error *err)
{
	char *name = shard_name(m->shard);
	int rc = write_shard(m, name, err);
	free(name);
	m->shard++;
	m->n = 0;
	cx_buf_reset(&m->body);
	return rc;
}

static void encode_sample(struct cx_buf *s, const struct cx_shard_record *r)
{
	size_t alen = strlen(r->answer), ilen = strlen(r->instruction);
	size_t klen = strlen(r->key), mlen = strlen(r->meta_json);
	uint64_t imgs = 8 + 4 * (uint64_t)r->nimages;
	for (size_t i = 0; i < r->nimages; i++)
		imgs += r->images[i].len;
	/* Lengths of the variable-size columns, in column order. */
	buf_add_u32(s, (uint32_t)alen);
	buf_add_u32(s, (uint32_t)imgs);
	buf_add_u32(s, (uint32_t)ilen);
	buf_add_u32(s, (uint32_t)klen);
	buf_add_u32(s, (uint32_t)mlen);
	cx_buf_add(s, r->answer, alen);
	buf_add_u32(s, 0); /* list encoding: a reserved u32, always 0 */
	buf_add_u32(s, (uint32_t)r->nimages);
	for (size_t i = 0; i < r->nimages; i++)
		buf_add_u32(s, (uint32_t)r->images[i].len);
	for (size_t i = 0; i < r->nimages; i++)
		cx_buf_add(s, r->images[i].data, r->images[i].len);
	cx_buf_add(s, r->instruction, ilen);
	cx_buf_add(s, r->key, klen);
	cx_buf_add(s, r->meta_json, mlen);
}

/* The encoded size, computed before encoding so an oversized record is
 * refused without building it. */
static uint64_t sample_size(const struct cx_shard_record *r)
{
	uint64_t n = 4 * MDS_NCOLS + strlen(r->answer) + strlen(r->instruction) + strlen(r->key) +
		     strlen(r->meta_json) + 8 + 4 * (uint64_t)r->nimages;
	for (size_t i = 0; i < r->nimages; i++)
		n += r->images[i].len;
	return n;
}

static int mds_write(void *state, const struct cx_shard_record *r, struct cx_error *err)
{
	struct mds *m = state;
	uint64_t len = sample_size(r);
	if (8 + m->config_len + len + 4 > MDS_U32_MAX)
		return cx_error_set(err, CX_ELIMIT,
				    "mds: record '%s' is %llu bytes, too big for a shard with u32 "
				    "offsets", r->key, (unsigned long long)len);
	int rc = 0;
	if (m->n > 0 && (m->n >= m->max_records || shard_size(m) + len + 4 > m->size_limit))
		rc = flush_shard(m, err);
	if (rc)
		return rc;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		m->sizes = cx_realloc(m->sizes, m->cap * sizeof(*m->sizes));
	}
	size_t before = m->body.len;
	encode_sample(&m->body, r);
	m->sizes[m->n++] = (uint32_t)(m->body.len - before);
	return 0;
}

static int mds_open(void **state, const char *dir, const struct cx_shard_limits *lim,
		    struct cx_error *err)
{
	uint64_t limit = lim && lim->max_bytes ? lim->max_bytes : MDS_DEFAULT_LIMIT;
	if (limit > MDS_U32_MAX)
		return cx_error_set(err, CX_EINVAL,
				    "mds: --max-bytes %llu is not below 2^32 (MDS offsets are u32)",
				    (unsigned long long)limit);
	struct mds *m = cx_calloc(1, sizeof(*m));
	m->dir = cx_strdup(dir);
	m->size_limit = limit;
	m->max_records = lim && lim->max_records ? lim->max_records : UINT64_MAX;
	m->how = lim && lim->buffered ? CX_OUTFILE_STREAM : CX_OUTFILE_DIRECT;
	m->config = make_config(limit, &m->config_len);
	*state = m;
	return 0;
}

static void mds_free(struct mds *m)
{
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i].name);
	free(m->files);
	free(m->sizes);
	cx_buf_release(&m->body);
	cx_buf_release(&m->index);
	free(m->config);
	free(m->dir);
	free(m);
}

/* Nothing of the shard being built is on disk yet; finished shards stay, as
 * they would after a crash, and the next run rewrites them. */
static void mds_abort(void *state)
{
	if (state)
		mds_free(state);
}

static int write_index(struct mds *m, struct cx_error *err)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_mds_index_json(&b, &m->index);
	struct cx_outfile *o;
	int rc = cx_outfile_open(&o, m->dir, "index.json", 0, err);
	if (rc == 0) {
		rc = cx_outfile_write(o, b.data, b.len, err);
		if (rc)
			cx_outfile_discard(o);
		else
			rc = cx_outfile_commit(o, err);
	}
	cx_buf_release(&b);
	return rc;
}

static int mds_close(void *state, struct cx_shard_file **files, size_t *nfiles,
		     struct cx_error *err)
{
	struct mds *m = state;
	int rc = m->n > 0 ? flush_shard(m, err) : 0;
	if (rc == 0)
		rc = write_index(m, err);
	if (rc) {
		mds_free(m);
		return rc;
	}
	*files = m->files;
	*nfiles = m->nfiles;
	m->files = NULL;
	m->nfiles = 0;
	mds_free(m);
	return 0;
}

const struct cx_shard_writer_ops cx_shard_mds = {
	.format = "mds",
	.open = mds_open,
	.write = mds_write,
	.close = mds_close,
	.abort = mds_abort,
};

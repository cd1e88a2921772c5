/*
 * verify-exports.c - `chexinstruct verify` on WebDataset and MDS folders:
 * reads the shards back as their formats define them (ustar members grouped
 * into samples by key; MDS offsets, config and columns), checks and counts
 * every record like a native one, and checks the sidecars against what the
 * shards give: each .tar.idx (Megatron-Energon's sample offsets) and the MDS
 * index.json, rebuilt byte for byte. A reader trusts both sidecars without
 * looking at the shards, so a damaged one would mislead every training job.
 */
#include "cx.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/xxh.h"

#include "cli/verify.h"
#include "shard/mds.h"

#define MAX_MEMBER (512u << 20) /* a member read into memory: an image or the metadata */
#define MAX_IMAGES 64

int verify_hash_file(const char *path, uint64_t *size, uint64_t *hash)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		abort();
	XXH3_64bits_reset(st);
	unsigned char *buf = cx_malloc(1 << 20);
	ssize_t n;
	*size = 0;
	while ((n = read(fd, buf, 1 << 20)) > 0) {
		XXH3_64bits_update(st, buf, (size_t)n);
		*size += (uint64_t)n;
	}
	*hash = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	free(buf);
	close(fd);
	return n < 0 ? -1 : 0;
}

/* Reads n bytes at off into b; 0 when all of them were there. */
static int read_at(int fd, uint64_t off, uint64_t n, struct cx_buf *b)
{
	cx_buf_reset(b);
	if (n > MAX_MEMBER)
		return -1;
	cx_buf_grow(b, (size_t)n + 1);
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, b->data + got, (size_t)n - got, (off_t)(off + got));
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	b->len = (size_t)n;
	b->data[n] = '\0';
	return 0;
}

static int image_type_of(const struct cx_buf *b)
{
	if (b->len >= 3 && !memcmp(b->data, "\xff\xd8\xff", 3))
		return CX_IMAGE_JPEG;
	if (b->len >= 8 && !memcmp(b->data, "\x89PNG\r\n\x1a\n", 8))
		return CX_IMAGE_PNG;
	return 0;
}

/* ------------------------------------------------------------- webdataset */

/* The sample being gathered: its key, metadata and images by number. */
struct sample {
	char key[128];
	struct cx_buf meta;
	struct cx_buf img[MAX_IMAGES];
	size_t nimg;
	int has_meta;
};

struct tar {
	struct tally *t;
	const char *name;
	int fd;
	uint64_t size, pos, samples;
	uint64_t *idx;
	size_t nidx, idxcap;
	struct sample s;
	int bad;                 /* a record fault was reported: one per shard */
};

static uint64_t octal(const unsigned char *p, size_t n, int *ok)
{
	uint64_t v = 0;
	size_t i = 0;
	while (i < n && p[i] == ' ')
		i++;
	if (i == n || p[i] < '0' || p[i] > '7')
		*ok = 0;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(p[i] - '0');
	return v;
}

static int header_sum_ok(const unsigned char *h)
{
	int ok = 1;
	uint64_t want = octal(h + 148, 8, &ok), sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return ok && sum == want;
}

static void finish_sample(struct tar *w)
{
	if (!w->s.key[0])
		return;
	struct cx_shard_image im[MAX_IMAGES];
	for (size_t i = 0; i < w->s.nimg; i++) {
		const struct cx_buf *b = &w->s.img[i];
		im[i] = (struct cx_shard_image){(const unsigned char *)b->data, b->len,
						(enum cx_image_type)image_type_of(b)};
	}
	const char *why = w->s.has_meta ? verify_record(w->t, w->s.meta.data, w->s.meta.len, im,
							w->s.nimg)
					: "no .json member";
	if (why && !w->bad)
		verify_fault(w->t, "%s: sample '%s': %s (the first bad record)", w->name, w->s.key,
			     why);
	w->bad |= why != NULL;
	w->s.key[0] = '\0';
	w->s.has_meta = 0;
	w->s.nimg = 0;
}

static void push_idx(struct tar *w, uint64_t v)
{
	if (w->nidx == w->idxcap) {
		w->idxcap = w->idxcap ? 2 * w->idxcap : 1024;
		w->idx = cx_realloc(w->idx, w->idxcap * sizeof(*w->idx));
	}
	w->idx[w->nidx++] = v;
}

/* One member: a new key starts a sample; json and imgN are read. */
static int take_member(struct tar *w, const char *name, uint64_t off, uint64_t len)
{
	const char *dot = strchr(name, '.');
	size_t klen = dot ? (size_t)(dot - name) : strlen(name);
	if (!dot || klen == 0 || klen >= sizeof w->s.key || strchr(name, '/')) {
		verify_fault(w->t, "%s: member '%s' at offset %llu is not KEY.FIELD", w->name, name,
			     (unsigned long long)(off - 512));
		return -1;
	}
	if (strlen(w->s.key) != klen || strncmp(w->s.key, name, klen)) {
		finish_sample(w);
		memcpy(w->s.key, name, klen);
		w->s.key[klen] = '\0';
		push_idx(w, off - 512);
		w->samples++;
	}
	const char *field = dot + 1;
	char *end;
	if (!strcmp(field, "json")) {
		w->s.has_meta = read_at(w->fd, off, len, &w->s.meta) == 0;
	} else if (!strncmp(field, "img", 3) && field[3] >= '0' && field[3] <= '9') {
		unsigned long k = strtoul(field + 3, &end, 10);
		if (k >= MAX_IMAGES || *end != '.')
			return 0;
		if (read_at(w->fd, off, len, &w->s.img[k]) != 0)
			cx_buf_reset(&w->s.img[k]);
		if (k + 1 > w->s.nimg)
			w->s.nimg = k + 1;
	}
	return 0;
}

/* Walks the tar's members; 0 when it ends cleanly. */
static int walk_tar(struct tar *w)
{
	unsigned char h[512];
	while (w->pos + 512 <= w->size) {
		if (pread(w->fd, h, 512, (off_t)w->pos) != 512)
			break;
		static const unsigned char zero[512];
		if (!memcmp(h, zero, 512))
			return 0;
		int ok = 1;
		uint64_t len = octal(h + 124, 12, &ok);
		if (!header_sum_ok(h) || !ok) {
			verify_fault(w->t, "%s: the member header at offset %llu is damaged (checksum"
				     " or size field)", w->name, (unsigned long long)w->pos);
			return -1;
		}
		char name[101];
		memcpy(name, h, 100);
		name[100] = '\0';
		uint64_t next = w->pos + 512 + (len + 511) / 512 * 512;
		if (next > w->size) {
			verify_fault(w->t, "%s: member '%s' runs past the end of the file", w->name,
				     name);
			return -1;
		}
		if (take_member(w, name, w->pos + 512, len))
			return -1;
		w->pos = next;
	}
	verify_fault(w->t, "%s: no end-of-archive blocks after offset %llu", w->name,
		     (unsigned long long)w->pos);
	return -1;
}

/* The .tar.idx against the offsets the tar gave. */
static void check_idx(struct tar *w, const char *dir)
{
	struct cx_buf p = CX_BUF_INIT, b = CX_BUF_INIT;
	struct cx_error err = {0};
	cx_buf_addf(&p, "%s/%s.idx", dir, w->name);
	if (cx_read_file(p.data, (size_t)8 * (w->nidx + 1) + 8, &b, &err) != 0)
		verify_fault(w->t, "%s.idx: missing or unreadable", w->name);
	else if (b.len != 8 * w->nidx)
		verify_fault(w->t, "%s.idx: %zu bytes, the tar's %llu samples give %zu", w->name,
			     b.len, (unsigned long long)w->samples, 8 * w->nidx);
	else
		for (size_t i = 0; i < w->nidx; i++) {
			uint64_t v = 0;
			for (int k = 7; k >= 0; k--)
				v = v << 8 | (unsigned char)b.data[8 * i + (size_t)k];
			if (v != w->idx[i]) {
				verify_fault(w->t, "%s.idx: entry %zu is %llu, the tar gives %llu",
					     w->name, i, (unsigned long long)v,
					     (unsigned long long)w->idx[i]);
				break;
			}
		}
	cx_buf_release(&p);
	cx_buf_release(&b);
}

void verify_wds(struct tally *t, const char *dir, const char *name, uint64_t want_records)
{
	struct cx_buf p = CX_BUF_INIT;
	cx_buf_addf(&p, "%s/%s", dir, name);
	struct tar w = {.t = t, .name = name, .fd = open(p.data, O_RDONLY | O_CLOEXEC)};
	cx_buf_release(&p);
	struct stat st;
	if (w.fd < 0 || fstat(w.fd, &st) != 0) {
		verify_fault(t, "%s: cannot open", name);
		if (w.fd >= 0)
			close(w.fd);
		return;
	}
	w.size = (uint64_t)st.st_size;
	/* a tar that cannot be walked counts as the manifest says, so the
	 * totals do not report the same damage again */
	uint64_t found = want_records;
	if (walk_tar(&w) == 0) {
		finish_sample(&w);
		push_idx(&w, w.pos);
		check_idx(&w, dir);
		if (w.samples != want_records)
			verify_fault(t, "%s: %llu samples, manifest says %llu", name,
				     (unsigned long long)w.samples, (unsigned long long)want_records);
		found = w.samples;
	}
	t->records += found;
	close(w.fd);
	free(w.idx);
	cx_buf_release(&w.s.meta);
	for (size_t i = 0; i < MAX_IMAGES; i++)
		cx_buf_release(&w.s.img[i]);
}

/* -------------------------------------------------------------------- mds */

static uint32_t u32le(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Decodes one sample (answer, images, instruction, key, meta) and checks
 * it; NULL or why not. */
static const char *mds_sample(struct tally *t, const struct cx_buf *s)
{
	const unsigned char *p = (const unsigned char *)s->data;
	if (s->len < 20)
		return "shorter than its five column lengths";
	uint64_t len[5], sum = 20;
	for (int c = 0; c < 5; c++)
		sum += len[c] = u32le(p + 4 * c);
	if (sum != s->len)
		return "its column lengths do not add up to its size";
	const unsigned char *img = p + 20 + len[0];
	if (len[1] < 8 || u32le(img) != 0 || 8 + 4 * (uint64_t)u32le(img + 4) > len[1] ||
	    u32le(img + 4) > MAX_IMAGES)
		return "the images column is not a list of at most 64 images";
	size_t n = u32le(img + 4);
	struct cx_shard_image im[MAX_IMAGES];
	uint64_t off = 8 + 4 * (uint64_t)n;
	for (size_t i = 0; i < n; i++) {
		uint64_t l = u32le(img + 8 + 4 * i);
		if (off + l > len[1])
			return "the images column's sizes run past it";
		struct cx_buf one = {.data = (char *)(img + off), .len = (size_t)l};
		im[i] = (struct cx_shard_image){img + off, (size_t)l,
						(enum cx_image_type)image_type_of(&one)};
		off += l;
	}
	if (off != len[1])
		return "the images column's sizes do not add up to it";
	const char *meta = (const char *)p + 20 + len[0] + len[1] + len[2] + len[3];
	return verify_record(t, meta, (size_t)len[4], im, n);
}

/* The header: u32 N, N+1 offsets, the config JSON; 0 when it holds up. */
static int mds_head(struct tally *t, int fd, const char *name, uint64_t size, uint32_t *n,
		    uint32_t **offs, uint64_t *size_limit)
{
	unsigned char b4[4];
	if (size < 8 || pread(fd, b4, 4, 0) != 4) {
		verify_fault(t, "%s: shorter than an MDS header", name);
		return -1;
	}
	*n = u32le(b4);
	if (4 + 4 * ((uint64_t)*n + 1) > size) {
		verify_fault(t, "%s: %u samples do not fit its %llu bytes", name, *n,
			     (unsigned long long)size);
		return -1;
	}
	struct cx_buf b = CX_BUF_INIT;
	read_at(fd, 4, 4 * ((uint64_t)*n + 1), &b);
	*offs = cx_malloc(((size_t)*n + 1) * sizeof(**offs));
	uint64_t prev = 4 + 4 * ((uint64_t)*n + 1);
	int rc = 0;
	for (uint32_t i = 0; i <= *n && rc == 0; i++) {
		(*offs)[i] = u32le((const unsigned char *)b.data + 4 * i);
		if ((*offs)[i] < prev || (*offs)[i] > size)
			rc = -1;
		prev = (*offs)[i];
	}
	if (rc || (*offs)[*n] != size) {
		verify_fault(t, "%s: its sample offsets are out of order or do not end at its"
			     " size", name);
		cx_buf_release(&b);
		return -1;
	}
	read_at(fd, 4 + 4 * ((uint64_t)*n + 1), (*offs)[0] - 4 - 4 * ((uint64_t)*n + 1), &b);
	cJSON *cfg = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
	cJSON *sl = cJSON_GetObjectItemCaseSensitive(cfg, "size_limit");
	if (!cJSON_IsNumber(sl) || sl->valuedouble < 1) {
		verify_fault(t, "%s: its embedded config is not JSON with a size_limit", name);
		rc = -1;
	} else {
		*size_limit = (uint64_t)sl->valuedouble;
	}
	cJSON_Delete(cfg);
	cx_buf_release(&b);
	return rc;
}

void verify_mds(struct tally *t, const char *dir, const char *name, uint64_t want_records,
		uint64_t *samples, uint64_t *size_limit)
{
	struct cx_buf p = CX_BUF_INIT, s = CX_BUF_INIT;
	cx_buf_addf(&p, "%s/%s", dir, name);
	int fd = open(p.data, O_RDONLY | O_CLOEXEC);
	cx_buf_release(&p);
	struct stat st;
	*samples = *size_limit = 0;
	if (fd < 0 || fstat(fd, &st) != 0) {
		verify_fault(t, "%s: cannot open", name);
		if (fd >= 0)
			close(fd);
		return;
	}
	uint32_t n, *offs = NULL;
	uint64_t found = want_records; /* as in verify_wds */
	if (mds_head(t, fd, name, (uint64_t)st.st_size, &n, &offs, size_limit) == 0) {
		for (uint32_t i = 0; i < n; i++) {
			const char *why = read_at(fd, offs[i], offs[i + 1] - offs[i], &s) != 0
						  ? "cannot be read" : mds_sample(t, &s);
			if (why) {
				verify_fault(t, "%s: sample %u: %s (the first bad record)", name, i,
					     why);
				break;
			}
		}
		found = *samples = n;
		if (n != want_records)
			verify_fault(t, "%s: %u samples, manifest says %llu", name, n,
				     (unsigned long long)want_records);
	}
	t->records += found;
	free(offs);
	cx_buf_release(&s);
	close(fd);
}

/* The first place where got differs from want, as a path ("shards[0].
 * samples") into path and the two values into *w and *g; 0 when they are
 * the same. */
static int first_diff(const cJSON *want, const cJSON *got, struct cx_buf *path,
		      const cJSON **w, const cJSON **g)
{
	*w = want;
	*g = got;
	if (cJSON_IsObject(want) && cJSON_IsObject(got)) {
		for (const cJSON *c = want->child; c; c = c->next) {
			size_t at = path->len;
			cx_buf_addf(path, "%s%s", at ? "." : "", c->string);
			if (first_diff(c, cJSON_GetObjectItemCaseSensitive(got, c->string), path, w,
				       g))
				return 1;
			path->len = at;
			path->data[at] = '\0';
		}
		*w = want;
		*g = got;
		if (cJSON_GetArraySize(want) != cJSON_GetArraySize(got)) {
			cx_buf_adds(path, path->len ? " (its keys)" : "the top level (its keys)");
			return 1;
		}
		return 0;
	}
	if (cJSON_IsArray(want) && cJSON_IsArray(got)) {
		if (cJSON_GetArraySize(want) != cJSON_GetArraySize(got)) {
			cx_buf_adds(path, " (its length)");
			return 1;
		}
		const cJSON *o = got->child;
		int i = 0;
		for (const cJSON *c = want->child; c; c = c->next, o = o->next, i++) {
			size_t at = path->len;
			cx_buf_addf(path, "[%d]", i);
			if (first_diff(c, o, path, w, g))
				return 1;
			path->len = at;
			path->data[at] = '\0';
		}
		return 0;
	}
	return !cJSON_Compare(want, got, 1);
}

/* "index.json: shards[0].samples is 21, the shards give 20" (values longer
 * than a line are not printed). */
static void diff_fault(struct tally *t, const char *path, const cJSON *w, const cJSON *g)
{
	char *ws = w ? cJSON_PrintUnformatted(w) : NULL;
	char *gs = g ? cJSON_PrintUnformatted(g) : NULL;
	if (ws && gs && strlen(ws) < 80 && strlen(gs) < 80 && !strstr(path, "(its"))
		verify_fault(t, "index.json: %s is %s, the shards give %s", path, gs, ws);
	else
		verify_fault(t, "index.json: %s differs from what the shards give", path);
	free(ws);
	free(gs);
}

void verify_mds_index(struct tally *t, const char *dir, const struct cx_buf *expected)
{
	struct cx_buf p = CX_BUF_INIT, b = CX_BUF_INIT, path = CX_BUF_INIT;
	struct cx_error err = {0};
	const cJSON *w, *g;
	cx_buf_addf(&p, "%s/index.json", dir);
	if (cx_read_file(p.data, 4 * expected->len + 4096, &b, &err) != 0) {
		verify_fault(t, "index.json: missing or unreadable");
	} else if (b.len != expected->len || memcmp(b.data, expected->data, b.len)) {
		cJSON *got = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
		cJSON *want = cJSON_ParseWithLength(expected->data, expected->len);
		cx_buf_grow(&path, 64);
		if (!got)
			verify_fault(t, "index.json: not valid JSON");
		else if (first_diff(want, got, &path, &w, &g))
			diff_fault(t, path.len ? path.data : "the top level", w, g);
		else
			verify_fault(t, "index.json: the fields the shards give, in other bytes");
		cJSON_Delete(got);
		cJSON_Delete(want);
	}
	cx_buf_release(&p);
	cx_buf_release(&b);
	cx_buf_release(&path);
}

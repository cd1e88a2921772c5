/*
 * cat-dedup.c - the `dedup` report: images that are the same picture, found
 * by the hashes `build --hash-images` stores (image/hash.c).
 *
 * Exact duplicates share the pixel hash (the same decoded pixels, however
 * they were encoded). Each group is listed as pairs of its first image (by
 * dataset and key) with each other one: equality is transitive, so that says
 * everything in a number of lines linear in the group.
 *
 * Near duplicates are pairs of distinct pixel hashes (one image stands for
 * its exact group) whose dHashes differ in at most `threshold` bits. Rather
 * than compare every pair, the 64 bits are cut into threshold + 1 bands: two
 * hashes within the threshold agree on at least one whole band (pigeonhole),
 * so only images sharing a band value are compared. At the default threshold
 * of 2 (CONTRIBUTING.md) that is three bands of 21-22 bits. The cost is the sum of the squared bucket
 * sizes: near-linear for varied images, and quadratic at worst when most
 * images share a band (a release of near-identical pictures). Past 15 the
 * bands would be under 4 bits and every bucket huge, so all pairs are
 * compared (quadratic, stated in `dedup --help`).
 */
#include "cx.h"

#include "catalogue/cat-internal.h"
#include "image/image.h"

struct img {
	char *dataset, *key, *split;
	uint64_t pixel, dhash;
	size_t rep; /* index of its exact group's first image */
};

struct pair {
	size_t a, b; /* a < b in (dataset, key) order: the image array's order */
	int distance;
};

struct dedup {
	struct img *v;
	size_t n, cap;
	long unhashed;
	struct pair *exact, *near;
	size_t nexact, nnear, capexact, capnear;
};

static void add_pair(struct pair **v, size_t *n, size_t *cap, size_t a, size_t b, int d)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = cx_realloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = (struct pair){a < b ? a : b, a < b ? b : a, d};
}

static int load(struct cx_cat *cat, struct dedup *d, struct cx_error *err)
{
	sqlite3_stmt *st;
	/* A borrowing source's images are copies of its lender's rows (the same
	 * files): the lender's are compared, the copies are not images of their own. */
	if (cat_prepare(cat, "SELECT ds.name, i.key, i.split, i.pixel_hash, i.dhash FROM image i"
			     " JOIN dataset ds ON i.dataset_id = ds.id"
			     " WHERE ds.image_source = ds.source ORDER BY ds.name, i.key",
			&st, err))
		return CX_EDB;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 3) == SQLITE_NULL ||
		    sqlite3_column_type(st, 4) == SQLITE_NULL) {
			d->unhashed++;
			continue;
		}
		if (d->n == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 256;
			d->v = cx_realloc(d->v, d->cap * sizeof(*d->v));
		}
		size_t i = d->n++;
		d->v[i] = (struct img){
			cx_strdup((const char *)sqlite3_column_text(st, 0)),
			cx_strdup((const char *)sqlite3_column_text(st, 1)),
			cx_strdup((const char *)sqlite3_column_text(st, 2)),
			(uint64_t)sqlite3_column_int64(st, 3), (uint64_t)sqlite3_column_int64(st, 4), i};
	}
	sqlite3_finalize(st);
	return 0;
}

/* Sorting indexes by a key, ties by index (the (dataset, key) order). */
static const struct img *sort_v;
static int sort_band_lo, sort_band_bits;

static uint64_t band(uint64_t h, int lo, int bits)
{
	return bits >= 64 ? h : (h >> lo) & ((UINT64_C(1) << bits) - 1);
}

static int by_pixel(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	uint64_t x = sort_v[a].pixel, y = sort_v[b].pixel;
	return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b;
}

static int by_band(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	uint64_t x = band(sort_v[a].dhash, sort_band_lo, sort_band_bits);
	uint64_t y = band(sort_v[b].dhash, sort_band_lo, sort_band_bits);
	return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b;
}

static void find_exact(struct dedup *d, size_t *idx)
{
	for (size_t i = 0; i < d->n; i++)
		idx[i] = i;
	sort_v = d->v;
	qsort(idx, d->n, sizeof(*idx), by_pixel);
	for (size_t i = 1; i < d->n; i++) {
		struct img *first = &d->v[d->v[idx[i - 1]].rep];
		if (d->v[idx[i]].pixel != first->pixel)
			continue;
		d->v[idx[i]].rep = first->rep;
		add_pair(&d->exact, &d->nexact, &d->capexact, first->rep, idx[i], 0);
	}
}

static void bands_of(int nb, int *lo, int *bits)
{
	for (int k = 0; k < nb; k++) {
		lo[k] = 64 * k / nb;
		bits[k] = 64 * (k + 1) / nb - lo[k];
	}
}

/* 1 when a and b already agree on a band before band k (found there). */
static int seen_before(uint64_t a, uint64_t b, int k, const int *lo, const int *bits)
{
	for (int j = 0; j < k; j++)
		if (band(a, lo[j], bits[j]) == band(b, lo[j], bits[j]))
			return 1;
	return 0;
}

static void find_near(struct dedup *d, int threshold, size_t *idx)
{
	/* The representatives: one image per exact group. */
	size_t m = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].rep == i)
			idx[m++] = i;
	int nb = threshold + 1 > 16 ? 1 : threshold + 1;
	int lo[16], bits[16];
	bands_of(nb, lo, bits);
	if (threshold + 1 > 16)
		bits[0] = 0; /* one band of no bits: one bucket, all pairs */
	sort_v = d->v;
	for (int k = 0; k < nb; k++) {
		sort_band_lo = lo[k];
		sort_band_bits = bits[k];
		qsort(idx, m, sizeof(*idx), by_band);
		for (size_t s = 0, e; s < m; s = e) {
			uint64_t key = band(d->v[idx[s]].dhash, lo[k], bits[k]);
			for (e = s + 1; e < m && band(d->v[idx[e]].dhash, lo[k], bits[k]) == key; e++)
				;
			for (size_t i = s; i < e; i++)
				for (size_t j = i + 1; j < e; j++) {
					uint64_t a = d->v[idx[i]].dhash, b = d->v[idx[j]].dhash;
					int dist = cx_hamming64(a, b);
					if (dist <= threshold && !seen_before(a, b, k, lo, bits))
						add_pair(&d->near, &d->nnear, &d->capnear, idx[i],
							 idx[j], dist);
				}
		}
	}
}

static int by_pair(const void *pa, const void *pb)
{
	const struct pair *a = pa, *b = pb;
	if (a->distance != b->distance)
		return a->distance - b->distance;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

static void side_json(struct cx_buf *o, const char *name, const struct img *im)
{
	cx_buf_addf(o, "\"%s\": {\"dataset\": ", name);
	cx_buf_add_json_str(o, im->dataset);
	cx_buf_adds(o, ", \"key\": ");
	cx_buf_add_json_str(o, im->key);
	cx_buf_adds(o, ", \"split\": ");
	cx_buf_add_json_str(o, im->split);
	cx_buf_adds(o, "}");
}

static void pairs_json(struct cx_buf *o, const struct dedup *d, const struct pair *v, size_t n,
		       int with_distance)
{
	cx_buf_adds(o, "[");
	for (size_t i = 0; i < n; i++) {
		cx_buf_adds(o, i ? ",\n    {" : "\n    {");
		if (with_distance)
			cx_buf_addf(o, "\"distance\": %d, ", v[i].distance);
		side_json(o, "a", &d->v[v[i].a]);
		cx_buf_adds(o, ", ");
		side_json(o, "b", &d->v[v[i].b]);
		cx_buf_adds(o, "}");
	}
	cx_buf_adds(o, n ? "\n  ]" : "]");
}

static void side_text(struct cx_buf *o, const struct img *im)
{
	cx_buf_addf(o, "%s %s (%s)", im->dataset, im->key, im->split[0] ? im->split : "no split");
}

static void report(struct cx_buf *o, const struct dedup *d, int threshold, int json)
{
	if (json) {
		cx_buf_addf(o, "{\n  \"threshold\": %d,\n  \"images\": %zu,\n  \"unhashed\": %ld,\n"
			       "  \"exact\": ", threshold, d->n, d->unhashed);
		pairs_json(o, d, d->exact, d->nexact, 0);
		cx_buf_adds(o, ",\n  \"near\": ");
		pairs_json(o, d, d->near, d->nnear, 1);
		cx_buf_adds(o, "\n}\n");
		return;
	}
	cx_buf_addf(o, "images with hashes: %zu", d->n);
	if (d->unhashed)
		cx_buf_addf(o, " (%ld without: their sources were built without --hash-images)",
			    d->unhashed);
	cx_buf_addf(o, "\n\nexact duplicates (same decoded pixels): %zu\n", d->nexact);
	for (size_t i = 0; i < d->nexact; i++) {
		cx_buf_adds(o, "  ");
		side_text(o, &d->v[d->exact[i].a]);
		cx_buf_adds(o, "  =  ");
		side_text(o, &d->v[d->exact[i].b]);
		cx_buf_addc(o, '\n');
	}
	cx_buf_addf(o, "\nnear duplicates (dHash distance <= %d): %zu\n", threshold, d->nnear);
	for (size_t i = 0; i < d->nnear; i++) {
		cx_buf_addf(o, "  %2d  ", d->near[i].distance);
		side_text(o, &d->v[d->near[i].a]);
		cx_buf_adds(o, "  ~  ");
		side_text(o, &d->v[d->near[i].b]);
		cx_buf_addc(o, '\n');
	}
}

int cx_cat_dedup(struct cx_cat *cat, int threshold, int json, struct cx_buf *out,
		 struct cx_error *err)
{
	struct dedup d = {0};
	int rc = load(cat, &d, err);
	if (!rc && d.n == 0)
		rc = cx_error_set(err, CX_ENOTFOUND,
				  "no image of the catalogue has hashes: rebuild it with"
				  " 'chexinstruct build --hash-images'");
	if (!rc) {
		size_t *idx = cx_malloc((d.n + 1) * sizeof(*idx));
		find_exact(&d, idx);
		find_near(&d, threshold, idx);
		free(idx);
		/* qsort() must not be given NULL, even for 0 elements (UBSan) */
		if (d.nexact)
			qsort(d.exact, d.nexact, sizeof(*d.exact), by_pair);
		if (d.nnear)
			qsort(d.near, d.nnear, sizeof(*d.near), by_pair);
		report(out, &d, threshold, json);
	}
	for (size_t i = 0; i < d.n; i++) {
		free(d.v[i].dataset);
		free(d.v[i].key);
		free(d.v[i].split);
	}
	free(d.v);
	free(d.exact);
	free(d.near);
	return rc;
}

/*
 * cat-images.c - fills width, height and bit depth of the source's images
 * from their headers (image/probe.h). Plain files are opened one by one;
 * archives are read in one pass each, because a member of a .tar.gz can only
 * be reached by reading everything before it. An image whose header cannot
 * be read is rejected (file, reason) and removed, so no instance uses it.
 *
 * With build --hash-images the whole file is read and decoded as well, for
 * the pixel hash and dHash (image/hash.c) that `dedup` and the sharder use.
 * It is opt-in because decoding is most of the cost: a full-size chest X-ray
 * takes 20-100 ms to decode against microseconds for its header, hours on
 * MIMIC-CXR's 377 thousand images. An image that does not decode is
 * rejected like one whose header cannot be read.
 */
#include "cx.h"

#include "catalogue/cat-internal.h"
#include "image/image.h"
#include "image/probe.h"
#include "io/release.h"

struct probe_ctx {
	struct cx_cat *cat;
	const char *archive;
	sqlite3_stmt *find, *update, *drop, *reject;
	unsigned char *head;
	struct cx_buf whole; /* --hash-images: the whole file */
};

/* Files larger than this are not images we decode (the largest DICOMs of
 * the releases are about 60 MB; JSRT's raw files 8 MB). */
#define HASH_MAX_BYTES (512u << 20)

static long read_head(struct cx_stream *s, unsigned char *head, struct cx_error *err)
{
	size_t got = 0;
	while (got < CX_PROBE_HEAD) {
		long n = cx_stream_read(s, head + got, CX_PROBE_HEAD - got, err);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)got;
}

static void bad_image(struct probe_ctx *p, sqlite3_int64 id, const char *name, const char *why)
{
	struct cx_cat *cat = p->cat;
	sqlite3_bind_int64(p->reject, 1, cat->dataset_id);
	if (p->archive[0]) {
		cx_buf_reset(&cat->c);
		cx_buf_addf(&cat->c, "%s:%s", p->archive, name);
		sqlite3_bind_text(p->reject, 2, cat->c.data, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_text(p->reject, 2, name, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(p->reject, 3, 0);
	cx_buf_reset(&cat->b);
	cx_buf_addf(&cat->b, "unreadable image: %s", why);
	sqlite3_bind_text(p->reject, 4, cat->b.data, -1, SQLITE_TRANSIENT);
	sqlite3_step(p->reject);
	sqlite3_reset(p->reject);
	sqlite3_bind_int64(p->drop, 1, id);
	sqlite3_step(p->drop);
	sqlite3_reset(p->drop);
	cat->n.images_unreadable++;
}

/* Reads the whole file and hashes its decoded pixels; the probe reads the
 * head of the same bytes. */
static int hash_one(struct probe_ctx *p, const char *name, struct cx_stream *s,
		    struct cx_image_info *info, uint64_t *pixel, uint64_t *dhash,
		    struct cx_error *err)
{
	if (cx_stream_slurp(s, &p->whole, HASH_MAX_BYTES, err))
		return err->code;
	const unsigned char *b = (const unsigned char *)p->whole.data;
	size_t n = p->whole.len;
	if (cx_image_probe(b, n < CX_PROBE_HEAD ? n : CX_PROBE_HEAD, info, err))
		return err->code;
	return cx_image_pixel_hash(b, n, name, pixel, dhash, err);
}

static void probe_one(struct probe_ctx *p, sqlite3_int64 id, const char *name, struct cx_stream *s)
{
	struct cx_error err = {0};
	struct cx_image_info info;
	uint64_t pixel = 0, dhash = 0;
	int hashed = p->cat->opts.hash_images;
	if (hashed) {
		if (hash_one(p, name, s, &info, &pixel, &dhash, &err)) {
			bad_image(p, id, name, err.msg);
			return;
		}
	} else {
		long n = read_head(s, p->head, &err);
		if (n < 0 || cx_image_probe(p->head, (size_t)n, &info, &err) != 0) {
			bad_image(p, id, name, err.msg);
			return;
		}
	}
	sqlite3_bind_int(p->update, 1, info.width);
	sqlite3_bind_int(p->update, 2, info.height);
	sqlite3_bind_int(p->update, 3, info.bit_depth);
	sqlite3_bind_int64(p->update, 4, id);
	/* SQLite integers are signed: the 64 hash bits are stored as they are. */
	if (hashed) {
		sqlite3_bind_int64(p->update, 5, (sqlite3_int64)pixel);
		sqlite3_bind_int64(p->update, 6, (sqlite3_int64)dhash);
	} else {
		sqlite3_bind_null(p->update, 5);
		sqlite3_bind_null(p->update, 6);
	}
	sqlite3_step(p->update);
	sqlite3_reset(p->update);
}

static int on_member(void *ctx, const char *name, struct cx_stream *s)
{
	struct probe_ctx *p = ctx;
	sqlite3_bind_int64(p->find, 1, p->cat->dataset_id);
	sqlite3_bind_text(p->find, 2, p->archive, -1, SQLITE_STATIC);
	sqlite3_bind_text(p->find, 3, name, -1, SQLITE_TRANSIENT);
	sqlite3_int64 id = 0;
	if (sqlite3_step(p->find) == SQLITE_ROW)
		id = sqlite3_column_int64(p->find, 0);
	sqlite3_reset(p->find);
	if (id)
		probe_one(p, id, name, s);
	return 0;
}

/* Images stored as plain files of the release folder. */
static int probe_files(struct probe_ctx *p, struct cx_error *err)
{
	struct cx_cat *cat = p->cat;
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT id, path FROM image WHERE dataset_id = ?1 AND archive = ''"
			     " ORDER BY id", &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	struct cx_buf full = CX_BUF_INIT;
	while (sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		const char *path = (const char *)sqlite3_column_text(st, 1);
		cx_buf_reset(&full);
		cx_buf_addf(&full, "%s/%s", cx_release_path(cat->rel), path);
		struct cx_stream *s;
		struct cx_error e = {0};
		if (cx_stream_open_path(&s, full.data, path, &e) != 0) {
			bad_image(p, id, path, "cannot open file");
			continue;
		}
		probe_one(p, id, path, s);
		cx_stream_close(s);
	}
	cx_buf_release(&full);
	sqlite3_finalize(st);
	return 0;
}

static int probe_archives(struct probe_ctx *p, struct cx_error *err)
{
	struct cx_cat *cat = p->cat;
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT DISTINCT archive FROM image WHERE dataset_id = ?1"
			     " AND (archive <> '' OR ?2) ORDER BY archive", &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, cat->dataset_id);
	sqlite3_bind_int(st, 2, cx_release_is_archive(cat->rel));
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		char *archive = cx_strdup((const char *)sqlite3_column_text(st, 0));
		p->archive = archive;
		rc = cx_release_walk_archive(cat->rel, archive, on_member, p, err);
		p->archive = "";
		free(archive);
	}
	sqlite3_finalize(st);
	return rc;
}

int cat_probe_images(struct cx_cat *cat, struct cx_error *err)
{
	struct probe_ctx p = {cat, "", NULL, NULL, NULL, NULL, cx_malloc(CX_PROBE_HEAD),
			      CX_BUF_INIT};
	int rc = cat_prepare(cat, "SELECT id FROM image WHERE dataset_id = ?1 AND archive = ?2"
				  " AND path = ?3", &p.find, err);
	if (!rc)
		rc = cat_prepare(cat, "UPDATE image SET width = ?1, height = ?2, bit_depth = ?3,"
				      " pixel_hash = ?5, dhash = ?6 WHERE id = ?4", &p.update, err);
	if (!rc)
		rc = cat_prepare(cat, "DELETE FROM image WHERE id = ?1", &p.drop, err);
	if (!rc)
		rc = cat_prepare(cat, "INSERT INTO reject(dataset_id, file, line, reason)"
				      " VALUES (?1, ?2, ?3, ?4)", &p.reject, err);
	if (!rc && !cx_release_is_archive(cat->rel))
		rc = probe_files(&p, err);
	if (!rc)
		rc = probe_archives(&p, err);
	sqlite3_finalize(p.find);
	sqlite3_finalize(p.update);
	sqlite3_finalize(p.drop);
	sqlite3_finalize(p.reject);
	free(p.head);
	cx_buf_release(&p.whole);
	return rc;
}

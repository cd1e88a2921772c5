/*
 * images.c - the image header pass: width, height and bit depth of every
 * image of the source being built, from its header (image/probe.h). Plain
 * files are opened one by one; archives are read in one pass each, because a
 * member of a .tar.gz can only be reached by reading everything before it.
 * An image whose header cannot be read is rejected (file, reason) and
 * removed, so no instance uses it. The catalogue says which images to read
 * and stores the results (cx_cat_image_*); this file does the reading.
 *
 * With build --hash-images the whole file is read and decoded as well, for
 * the pixel hash and dHash (image/hash.c) that `dedup` and the sharder use.
 * It is opt-in because decoding is most of the cost: a full-size chest X-ray
 * takes 20-100 ms to decode against microseconds for its header, hours on
 * MIMIC-CXR's 377 thousand images. An image that does not decode is
 * rejected like one whose header cannot be read.
 *
 * A damaged archive (truncated, corrupt, over the decompression bound) does
 * not stop the source: the images read before the damage keep their headers,
 * every image of it not reached is rejected naming the damage, and the
 * release notes the archive (cx_release_ndamaged), which `build` reports and
 * the catalogue counts.
 */
#include "cx.h"

#include "build/build.h"
#include "image/image.h"
#include "image/probe.h"
#include "io/release.h"

/* Files larger than this are not images we decode (the largest DICOMs of
 * the releases are about 60 MB; JSRT's raw files 8 MB). */
#define HASH_MAX_BYTES (512u << 20)

struct pass {
	struct cx_cat *cat;
	struct cx_release *rel;
	int hash;
	const char *archive;  /* the archive being walked, "" for plain files */
	struct cx_error *err; /* where a walk's callback reports a catalogue error */
	unsigned char *head;
	struct cx_buf whole;  /* --hash-images: the whole file */
	struct cx_buf file, reason, full;
	int64_t *seen;        /* images of the archive being walked met so far */
	size_t nseen, capseen;
	const char *damage;   /* the walk's damage, for the images it did not reach */
};

/* Reads on into head[got..upto) until upto bytes or the end of the file;
 * returns the bytes now in head, or a negative code. */
static long read_head(struct cx_stream *s, unsigned char *head, size_t got, size_t upto,
		      struct cx_error *err)
{
	while (got < upto) {
		long n = cx_stream_read(s, head + got, upto - got, err);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)got;
}

/*
 * The first read of a head: 64 KiB, which holds every DICOM header of the
 * releases up to its pixel data (VinDr's are about 2 KB in files of 10-30
 * MB) and every PNG or JPEG header short of a large EXIF block. Reading
 * CX_PROBE_HEAD (1 MiB) of every file cost a VinDr-shaped build 1 MiB of
 * reads per 15 MB file, 16 GB for the 15,000 train images. A probe that fails
 * on the first read is tried again on up to CX_PROBE_HEAD; one that succeeds
 * gives what it would on the longer head, because each probe reads its
 * header in order and stops where it ends (a DICOM's walk at the pixel data,
 * which must lie inside the head).
 */
#define FIRST_HEAD (64u << 10)

static int probe_head(struct pass *p, const char *name, struct cx_stream *s,
		      struct cx_image_info *info, struct cx_error *why)
{
	long n = read_head(s, p->head, 0, FIRST_HEAD, why);
	if (n < 0)
		return -1;
	if (cx_image_probe_named(p->head, (size_t)n, name, info, why) == 0)
		return 0;
	if ((size_t)n < FIRST_HEAD)
		return -1; /* the whole file was read */
	*why = (struct cx_error){0};
	n = read_head(s, p->head, (size_t)n, CX_PROBE_HEAD, why);
	return n < 0 || cx_image_probe_named(p->head, (size_t)n, name, info, why) != 0 ? -1 : 0;
}

/* The reject names the member as "archive:member", a plain file by its path. */
static int bad_image(struct pass *p, int64_t id, const char *name, const char *why,
		     struct cx_error *err)
{
	cx_buf_reset(&p->file);
	cx_buf_addf(&p->file, "%s%s%s", p->archive, p->archive[0] ? ":" : "", name);
	cx_buf_reset(&p->reason);
	cx_buf_addf(&p->reason, "unreadable image: %s", why);
	return cx_cat_image_reject(p->cat, id, p->file.data, p->reason.data, err);
}

/* Reads the whole file and hashes its decoded pixels; the header is read
 * from the head of the same bytes. */
static int hash_one(struct pass *p, const char *name, struct cx_stream *s,
		    struct cx_image_info *info, struct cx_cat_image_info *out, struct cx_error *err)
{
	if (cx_stream_slurp(s, &p->whole, HASH_MAX_BYTES, err))
		return err->code;
	const unsigned char *b = (const unsigned char *)p->whole.data;
	size_t n = p->whole.len;
	if (cx_image_probe_named(b, n < CX_PROBE_HEAD ? n : CX_PROBE_HEAD, name, info, err))
		return err->code;
	out->hashed = 1;
	return cx_image_pixel_hash(b, n, name, &out->pixel_hash, &out->dhash, err);
}

/*
 * A DICOM header's demographics as the catalogue stores them (they fill only
 * what the release's metadata left empty): sex M or F; age from PatientAge
 * ("062Y", or bare digits as RSNA writes it) in years, unknown over 120 (RSNA
 * has 155s) or in days, weeks or months; the view as given (PA, AP, ...).
 */
static void header_demographics(const struct cx_image_info *info, struct cx_cat_image_info *out)
{
	out->sex = !strcmp(info->sex, "M") || !strcmp(info->sex, "F") ? info->sex : NULL;
	out->view = info->view[0] ? info->view : NULL;
	out->age = -1;
	size_t n = strlen(info->age), d = strspn(info->age, "0123456789");
	long years;
	if (n && d && (d == n || (d == n - 1 && info->age[d] == 'Y')) && d <= 3) {
		char digits[4];
		memcpy(digits, info->age, d);
		digits[d] = '\0';
		if (!cx_parse_long(digits, &years) && years <= 120)
			out->age = (int)years;
	}
}

static int read_one(struct pass *p, int64_t id, const char *name, struct cx_stream *s,
		    struct cx_error *err)
{
	struct cx_error why = {0};
	struct cx_image_info info;
	struct cx_cat_image_info out = {0};
	int bad;
	if (p->hash) {
		bad = hash_one(p, name, s, &info, &out, &why) != 0;
	} else {
		/* by name too: JSRT's .IMG files have no header to probe */
		bad = probe_head(p, name, s, &info, &why) != 0;
	}
	if (bad)
		return bad_image(p, id, name, why.msg, err);
	out.width = info.width;
	out.height = info.height;
	out.bit_depth = info.bit_depth;
	header_demographics(&info, &out);
	return cx_cat_image_set(p->cat, id, &out, err);
}

static int on_member(void *ctx, const char *name, struct cx_stream *s)
{
	struct pass *p = ctx;
	int64_t id = cx_cat_image_find(p->cat, p->archive, name);
	if (!id)
		return 0;
	if (p->nseen == p->capseen) {
		p->capseen = p->capseen ? 2 * p->capseen : 1024;
		p->seen = cx_realloc(p->seen, p->capseen * sizeof(*p->seen));
	}
	p->seen[p->nseen++] = id;
	return read_one(p, id, name, s, p->err);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* An image of a damaged archive: rejected unless the walk reached it. */
static int unreached(void *ctx, int64_t id, const char *path, struct cx_error *err)
{
	struct pass *p = ctx;
	if (p->nseen && bsearch(&id, p->seen, p->nseen, sizeof(*p->seen), cmp_id))
		return 0;
	return bad_image(p, id, path, p->damage, err);
}

static int on_file(void *ctx, int64_t id, const char *path, struct cx_error *err)
{
	struct pass *p = ctx;
	cx_buf_reset(&p->full);
	cx_buf_addf(&p->full, "%s/%s", cx_release_path(p->rel), path);
	struct cx_stream *s;
	struct cx_error e = {0};
	if (cx_stream_open_path(&s, p->full.data, path, &e) != 0)
		return bad_image(p, id, path, "cannot open file", err);
	int rc = read_one(p, id, path, s, err);
	cx_stream_close(s);
	return rc;
}

static int on_archive(void *ctx, const char *archive, struct cx_error *err)
{
	struct pass *p = ctx;
	if (!archive[0] && !cx_release_is_archive(p->rel))
		return cx_cat_image_each(p->cat, "", on_file, p, err);
	p->archive = archive;
	p->err = err;
	p->nseen = 0;
	int rc = cx_release_walk_archive(p->rel, archive, on_member, p, err);
	/* Catalogue errors are CX_EDB; anything else is the archive's damage. */
	if (rc == CX_EFORMAT || rc == CX_ELIMIT || rc == CX_EIO) {
		struct cx_buf why = CX_BUF_INIT;
		cx_buf_addf(&why, "its archive is damaged (%s)", err->msg);
		if (p->nseen)
			qsort(p->seen, p->nseen, sizeof(*p->seen), cmp_id);
		p->damage = why.data;
		*err = (struct cx_error){0};
		rc = cx_cat_image_each(p->cat, archive, unreached, p, err);
		cx_buf_release(&why);
	}
	p->archive = "";
	return rc;
}

int cx_build_images(struct cx_cat *cat, struct cx_release *rel, const struct cx_build_opts *opts,
		    struct cx_error *err)
{
	struct pass p = {.cat = cat, .rel = rel, .hash = opts->hash_images, .archive = "",
			 .err = err, .head = cx_malloc(CX_PROBE_HEAD)};
	int rc = cx_cat_images_begin(cat, err);
	if (!rc)
		rc = cx_cat_image_archives(cat, on_archive, &p, err);
	cx_cat_images_end(cat);
	free(p.head);
	cx_buf_release(&p.whole);
	cx_buf_release(&p.file);
	cx_buf_release(&p.reason);
	cx_buf_release(&p.full);
	free(p.seen);
	return rc;
}

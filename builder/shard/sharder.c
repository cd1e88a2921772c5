/*
 * sharder.c - `chexinstruct shard`: catalogue -> shards (sharder.h).
 *
 * Nothing here is held per record: the plan (which instances, their content
 * hashes, renderings and final order) lives in DIR/.cx-plan.db (cat-shard.c)
 * and archive members are staged in DIR/.cx-stage.tmp, so memory is the same
 * for 400 thousand records as for 4 million. Disk cost while running: the
 * plan (about the rendered text of the split, plus ~100 bytes per instance)
 * and the staged bytes of every image the split shows that sits in an
 * archive (.zip, .tar, .tar.gz: one sequential pass per archive, since a
 * member of a compressed tar can only be reached by reading what is before
 * it) or is a file of at most 16 KiB (SMALL_IMAGE). Both are removed at the
 * end.
 *
 * Crash safety: every file is written under a temporary name, fsynced and
 * renamed, into DIR/.cx-new; when the set is complete it replaces the old
 * one and manifest.json is written last. A run holds a lock on the folder,
 * starts by removing what a killed run left (our own file names only), so
 * rerunning the same command finishes the job; a folder holding anything
 * else is refused, and one holding a finished set too unless --overwrite.
 */
#include "cx.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image/image.h"
#include "io/release.h"
#include "shard/fileio.h"
#include "shard/card.h"
#include "shard/mix.h"
#include "shard/sharder.h"
#include "tasks/tasks.h"
#include "util/pool.h"
#include "util/progress.h"

#define PLAN_DB ".cx-plan.db"
#define STAGE ".cx-stage.tmp"
#define NEWSET ".cx-new"      /* the new set, until it is complete */
#define LOCK ".cx-lock"
#define JOURNAL ".cx-done"    /* in .cx-new: the run's key and its finished shards */
#define MAX_IMAGE (512u << 20)
#define CX_SHARD_MAX_IMAGES 64 /* images of one record (the plan reads as many) */

uint64_t cx_shard_image_hash(const unsigned char *data, size_t len)
{
	/* The file's bytes. When the catalogue was built with --hash-images, the
	 * decoded-pixel hash stored there wins (cx_plan_image_set), so the same
	 * picture saved by two datasets with different encoders is one image;
	 * decoding every image here instead would cost a full decode per image
	 * on every shard run. */
	return cx_hash64(data, len, 0);
}

const struct cx_shard_writer_ops *cx_shard_format(const char *name)
{
	static const struct cx_shard_writer_ops *const all[] = {
		&cx_shard_native, &cx_shard_webdataset, &cx_shard_mds};
	for (size_t i = 0; i < CX_ARRAY_LEN(all); i++)
		if (!strcmp(all[i]->format, name))
			return all[i];
	return NULL;
}

/* ---------------------------------------------------------- output folder */

/*
 * The folder's life: a run takes an exclusive lock (flock on DIR/.cx-lock,
 * so a second run into the same folder fails at once instead of silently
 * replacing the first one's files), writes every file of the new set into
 * DIR/.cx-new, and only when the set is complete swaps it in: manifest.json
 * goes first (from then on the folder looks incomplete), then the old set's
 * files, then the new files are renamed up, and the new manifest is written
 * last. A finished set (a manifest.json) is replaced only with --overwrite,
 * and is never touched before the new set is complete: a run killed at any
 * point before the swap leaves it as it was.
 */

/* The files of a finished set, in any --format. */
static const char *const finished[] = {
	"manifest.json", "leakage.json", "index.json", "README.md", "shard-[0-9][0-9][0-9][0-9][0-9][0-9].cxs",
	"shard-[0-9][0-9][0-9][0-9][0-9][0-9].tar", "shard-[0-9][0-9][0-9][0-9][0-9][0-9].tar.idx",
	"shard.[0-9][0-9][0-9][0-9][0-9].mds",
};

/* What a run keeps while it works (and a killed run may leave). */
static const char *const temporary[] = {
	PLAN_DB, PLAN_DB "-journal", STAGE, NEWSET, LOCK, ".*.tmp",
};

static int matches(const char *const *pats, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(pats[i], name, 0) == 0)
			return 1;
	return 0;
}

static int is_finished(const char *name)
{
	return matches(finished, CX_ARRAY_LEN(finished), name);
}

static int is_temporary(const char *name)
{
	return matches(temporary, CX_ARRAY_LEN(temporary), name);
}

static void path_in(struct cx_buf *b, const char *dir, const char *name)
{
	cx_buf_reset(b);
	cx_buf_addf(b, "%s/%s", dir, name);
}

static int mkdirs(const char *dir)
{
	char *p = cx_strdup(dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	free(p);
	return mkdir(dir, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/*
 * Takes DIR/.cx-lock. The lock file is removed when the run ends, so a
 * finished folder holds only its set; a run that opened the file just before
 * another removed it would lock a file no longer in the folder, so the lock
 * counts only when the name still points at the file locked. The kernel
 * drops the lock when a process dies, so a killed run never blocks the next.
 */
static int lock_dir(const char *dir, int *out, struct cx_error *err)
{
	struct cx_buf p = CX_BUF_INIT;
	path_in(&p, dir, LOCK);
	int rc = 0;
	for (;;) {
		int fd = open(p.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = cx_error_set(err, CX_EIO, "cannot create '%s': %s", p.data,
					  strerror(errno));
			break;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			if (errno == EWOULDBLOCK)
				rc = cx_error_set(err, CX_EIO, "output folder '%s' is in use: another"
						  " chexinstruct shard run holds its lock", dir);
			else
				rc = cx_error_set(err, CX_EIO, "cannot lock '%s': %s", p.data,
						  strerror(errno));
			close(fd);
			break;
		}
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(p.data, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			*out = fd;
			break;
		}
		close(fd);
	}
	cx_buf_release(&p);
	return rc;
}

static void unlock_dir(const char *dir, int fd)
{
	if (fd < 0)
		return;
	struct cx_buf p = CX_BUF_INIT;
	path_in(&p, dir, LOCK);
	unlink(p.data); /* while still holding it: see lock_dir */
	close(fd);
	cx_buf_release(&p);
}

/* Removes the files of DIR/.cx-new and the folder itself (what a killed or
 * failed run left of its new set). */
static int remove_newset(const char *dir, struct cx_error *err)
{
	struct cx_buf p = CX_BUF_INIT, q = CX_BUF_INIT;
	path_in(&p, dir, NEWSET);
	DIR *d = opendir(p.data);
	int rc = 0;
	if (d) {
		struct dirent *de;
		while (rc == 0 && (de = readdir(d)) != NULL) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			path_in(&q, p.data, de->d_name);
			if (unlink(q.data) != 0)
				rc = cx_error_set(err, CX_EIO, "cannot remove '%s': %s", q.data,
						  strerror(errno));
		}
		closedir(d);
		if (rc == 0 && rmdir(p.data) != 0)
			rc = cx_error_set(err, CX_EIO, "cannot remove '%s': %s", p.data,
					  strerror(errno));
	}
	cx_buf_release(&p);
	cx_buf_release(&q);
	return rc;
}

/* Removes the entries of dir that keep() accepts. */
static int remove_some(const char *dir, int (*keep)(const char *), struct cx_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return cx_error_set(err, CX_EIO, "cannot read output folder '%s': %s", dir,
				    strerror(errno));
	struct cx_buf p = CX_BUF_INIT;
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!keep(de->d_name) || !strcmp(de->d_name, LOCK) || !strcmp(de->d_name, NEWSET))
			continue;
		path_in(&p, dir, de->d_name);
		if (unlink(p.data) != 0)
			rc = cx_error_set(err, CX_EIO, "cannot remove '%s': %s", p.data,
					  strerror(errno));
	}
	cx_buf_release(&p);
	closedir(d);
	return rc;
}

static int is_ours(const char *name)
{
	return is_finished(name) || is_temporary(name);
}

/* A folder holding files the sharder did not write is refused; one holding a
 * finished set is refused unless overwrite. What a killed run left (no
 * manifest: not finished) is removed; a finished set stays until the new one
 * is complete (publish). Then DIR/.cx-new is made, empty. */
static int prepare_dir(const char *dir, int overwrite, struct cx_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return cx_error_set(err, CX_EIO, "cannot read output folder '%s': %s", dir,
				    strerror(errno));
	struct dirent *de;
	int rc = 0, done = 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!is_ours(de->d_name))
			rc = cx_error_set(err, CX_EINVAL, "output folder '%s' holds '%s', which"
					  " chexinstruct shard did not write: use an empty or new"
					  " folder", dir, de->d_name);
		done |= !strcmp(de->d_name, "manifest.json");
	}
	closedir(d);
	if (rc == 0 && done && !overwrite)
		rc = cx_error_set(err, CX_EINVAL, "output folder '%s' holds a finished shard set"
				  " (manifest.json): pass --overwrite to replace it", dir);
	struct cx_buf p = CX_BUF_INIT;
	cx_buf_addf(&p, "%s/%s/%s", dir, NEWSET, JOURNAL);
	/* a killed run's finished shards stay for resume_or_start to judge */
	if (rc == 0 && access(p.data, F_OK) != 0)
		rc = remove_newset(dir, err);
	if (rc == 0)
		rc = remove_some(dir, done ? is_temporary : is_ours, err);
	path_in(&p, dir, NEWSET);
	if (rc == 0 && mkdir(p.data, 0755) != 0 && errno != EEXIST)
		rc = cx_error_set(err, CX_EIO, "cannot create '%s': %s", p.data, strerror(errno));
	cx_buf_release(&p);
	return rc;
}

/* Moves every file of DIR/.cx-new up into DIR. */
static int move_up(const char *dir, struct cx_error *err)
{
	struct cx_buf from = CX_BUF_INIT, to = CX_BUF_INIT, nd = CX_BUF_INIT;
	path_in(&nd, dir, NEWSET);
	DIR *d = opendir(nd.data);
	int rc = d ? 0 : cx_error_set(err, CX_EIO, "cannot read '%s': %s", nd.data,
				      strerror(errno));
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		path_in(&from, nd.data, de->d_name);
		path_in(&to, dir, de->d_name);
		if (rename(from.data, to.data) != 0)
			rc = cx_error_set(err, CX_EIO, "cannot rename '%s' to '%s': %s", from.data,
					  to.data, strerror(errno));
	}
	if (d)
		closedir(d);
	cx_buf_release(&from);
	cx_buf_release(&to);
	cx_buf_release(&nd);
	return rc;
}

/* The new set is complete in DIR/.cx-new: the old one goes (its manifest
 * first), the new files move up, and the manifest is written last. */
static int publish(const char *dir, const struct cx_buf *manifest, struct cx_error *err)
{
	struct cx_buf p = CX_BUF_INIT;
	path_in(&p, dir, "manifest.json");
	int rc = 0;
	if (unlink(p.data) == 0)
		rc = cx_fsync_dir(dir, err);
	else if (errno != ENOENT)
		rc = cx_error_set(err, CX_EIO, "cannot remove '%s': %s", p.data, strerror(errno));
	cx_buf_release(&p);
	if (rc == 0)
		rc = remove_some(dir, is_finished, err);
	if (rc == 0)
		rc = move_up(dir, err);
	if (rc == 0)
		rc = cx_fsync_dir(dir, err);
	if (rc == 0)
		rc = cx_write_file_atomic(dir, "manifest.json", manifest->data, manifest->len, err);
	if (rc == 0)
		rc = remove_newset(dir, err);
	return rc;
}
/* ----------------------------------------------------------------- images */

/*
 * One image of stage 1: read (a plain file by the worker, so that several
 * reads are in flight on a cold disk; an archive member by the main thread,
 * which walks the archive), hashed and, with --image-size, transcoded by a
 * worker of the pool, then finished on the main thread in the order
 * submitted, so staging offsets and the plan are the same with any
 * --threads. The plan (SQLite) is only touched by the main thread.
 */
struct image_job {
	int64_t id;
	int need, stage;
	int stage_fd;                   /* transcoding: where staged bytes are */
	int64_t soff, slen;             /* transcoding: staged input, or soff -1 */
	const struct cx_transcode_opts *opts;
	struct cx_buf path;             /* a plain file to read, or empty */
	struct cx_buf name, in, out;
	/* set by the worker */
	int usable, transcoded;
	char why[sizeof(((struct cx_error *)0)->msg)]; /* a decoder's reject */
	uint64_t hash;
};

struct run {
	struct cx_cat *cat;
	const struct cx_templates *t;
	const struct cx_shard_opts *o;
	int stage_fd;
	int64_t stage_off;
	const char *release, *archive;  /* the group being read */
	struct cx_buf meta, dup;
	struct cx_pool *pool;           /* stage 1: image jobs */
	struct image_job *jobs;         /* the pool's ring, cx_pool_depth() of them */
	uint64_t submitted;
	struct cx_pool *wpool;          /* writing: record jobs */
	struct record_job *rjobs;       /* the pool's ring of batches */
	struct record_job *open;        /* the batch being filled, or NULL */
	uint64_t wsubmitted;
	/* writing */
	const struct cx_shard_writer_ops *ops;
	void *wstate;
	uint64_t written;
	struct cx_buf key;
	struct cx_error werr;           /* a staging write error inside a walk */
	struct cx_buf work;             /* DIR/.cx-new, where the new set is written */
	double mark;                    /* when the last phase ended */
	struct cx_progress prog;
	/* resume: the catalogue fingerprint, the key of this run's output,
	 * the journal of finished shards, and those kept from a killed run */
	uint64_t fp, run_key;
	FILE *journal;
	struct cx_shard_file *kept;
	size_t nkept;
	uint64_t skip;                  /* their records, not written again */
	struct cx_source_terms *terms;  /* each source's licence and access */
	size_t nterms;
	/* a dry run without the plan: its counts (cx_plan_dry), else NULL */
	const struct cx_dry_entry *dry;
	const struct cx_dry_removed *dry_removed;
};

static void progress_start(struct run *r, const char *what, uint64_t total)
{
	cx_progress_start(&r->prog, what, !strcmp(what, "write") ? "records" : "images", total);
}

static void progress_step(struct run *r, uint64_t n, uint64_t bytes)
{
	cx_progress_step(&r->prog, n, bytes);
}

static void progress_end(struct run *r)
{
	cx_progress_end(&r->prog);
}

/* Enough jobs in flight to keep every worker busy while the main thread
 * reads the next files; one when the work runs inline (--threads 1). */
static size_t pool_depth_for(int threads)
{
	return threads <= 1 ? 1 : 4 * (size_t)threads;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* With CX_SHARD_TIMES in the environment, each phase's wall time goes to
 * stderr, for bench/bench-shard.sh; it is not part of any output. */
static int phase(struct run *r, const char *name, int rc)
{
	double t = now_s();
	if (r->o->times && rc == 0)
		fprintf(stderr, "shard: %-16s %7.2f s\n", name, t - r->mark);
	r->mark = t;
	return rc;
}

static int image_type(const unsigned char *p, size_t n)
{
	if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return CX_IMAGE_JPEG;
	if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return CX_IMAGE_PNG;
	return 0;
}

/*
 * The worker's part in the read phase: hashes the bytes. Nothing is decoded
 * here: transcoding waits until the mix has chosen the records
 * (transcode_images), so an image the output never shows is never decoded.
 * With --image-size, a file the decoders read (DICOM, JSRT) counts as an
 * image too.
 */
static void work_image(void *arg)
{
	struct image_job *j = arg;
	struct cx_error e = {0};
	j->usable = j->transcoded = 0;
	j->why[0] = '\0';
	if (j->path.len && cx_read_file(j->path.data, MAX_IMAGE, &j->in, &e))
		return; /* unreadable: the instance is removed and reported */
	const unsigned char *p = (const unsigned char *)j->in.data;
	size_t n = j->in.len;
	if (!image_type(p, n) && !(j->opts->size > 0 && cx_image_sniff(p, n, j->name.data)))
		return;
	j->hash = cx_shard_image_hash(p, n);
	j->usable = 1;
}

/* Plain files up to this size that the output needs are staged too: the
 * write phase then reads them from the one staging file, already in the page
 * cache, instead of opening each file again for every record that shows it
 * (a path walk, an open and a close per record: the largest cost of a record
 * with a 2 KiB image). Larger files are read again, so that a set of big
 * images is not written to disk twice. */
#define SMALL_IMAGE (16u << 10)

/* The main thread's part: stages the bytes the shards will need (archive
 * members, small files) and records the image in the plan. */
static int record_image(struct run *r, struct image_job *j, struct cx_error *err)
{
	/* named here, in plan order, so the lines do not depend on threads */
	if (!j->usable && j->why[0])
		fprintf(stderr, "chexinstruct shard: image '%s' not decoded: %s\n", j->name.data,
			j->why);
	if (!j->usable)
		return 0;
	const struct cx_buf *b = &j->in;
	int64_t off = -1;
	if (j->need && (j->stage || b->len <= SMALL_IMAGE)) {
		off = r->stage_off;
		if (cx_write_all(r->stage_fd, b->data, b->len, STAGE, err))
			return err->code;
		r->stage_off += (int64_t)b->len;
	}
	return cx_plan_image_set(r->cat, j->id, j->hash, off, (int64_t)b->len, err);
}

/* Images above 4 MiB (DICOMs, big PNGs) are freed once done, so that the
 * jobs in flight do not each keep the largest image they ever held. */
static int finish_image(struct run *r, struct image_job *j, struct cx_error *err)
{
	int rc = record_image(r, j, err);
	progress_step(r, 1, j->in.len);
	if (j->in.cap > (4u << 20))
		cx_buf_release(&j->in);
	if (j->out.cap > (4u << 20))
		cx_buf_release(&j->out);
	return rc;
}

/* A free job: when every one is in flight, the oldest is finished first. */
static int free_job(struct run *r, struct image_job **out, struct cx_error *err)
{
	if (cx_pool_pending(r->pool) == cx_pool_depth(r->pool)) {
		int rc = finish_image(r, cx_pool_take(r->pool), err);
		if (rc)
			return rc;
	}
	*out = &r->jobs[r->submitted % cx_pool_depth(r->pool)];
	return 0;
}

static void submit_job(struct run *r, struct image_job *j, int64_t id, const char *name,
		       int need, int stage)
{
	j->id = id;
	j->need = need;
	j->stage = stage;
	j->opts = &r->o->image;
	cx_buf_reset(&j->name);
	cx_buf_adds(&j->name, name);
	cx_pool_submit(r->pool, j);
	r->submitted++;
}

static int drain_jobs(struct run *r, struct cx_error *err)
{
	int rc = 0;
	struct image_job *j;
	while ((j = cx_pool_take(r->pool)) != NULL)
		if (rc == 0)
			rc = finish_image(r, j, err);
	return rc;
}

/* Where a release is read: its copy under --sources when it moved. */
static const char *place(const struct run *r, const char *release)
{
	for (size_t i = 0; i < r->o->nmoved; i++)
		if (!strcmp(r->o->moved[i].from, release))
			return r->o->moved[i].to;
	return release;
}

static int on_plain(void *ctx, int64_t id, const char *path, int need, struct cx_error *err)
{
	struct run *r = ctx;
	struct image_job *j;
	if (free_job(r, &j, err))
		return err->code;
	cx_buf_reset(&j->path);
	cx_buf_addf(&j->path, "%s/%s", place(r, r->release), path);
	submit_job(r, j, id, path, need, 0);
	return 0;
}

static int on_member(void *ctx, const char *name, struct cx_stream *s)
{
	struct run *r = ctx;
	int64_t id;
	int need;
	if (!cx_plan_image_find(r->cat, r->release, r->archive, name, &id, &need))
		return 0;
	struct image_job *j;
	if (free_job(r, &j, &r->werr))
		return 1;
	struct cx_error e = {0};
	cx_buf_reset(&j->in);
	cx_buf_reset(&j->path);
	if (cx_stream_slurp(s, &j->in, MAX_IMAGE, &e))
		return 0;
	submit_job(r, j, id, name, need, 1);
	return 0;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A release that is not where the catalogue says: say how to point at it. */
static int moved_hint(const struct run *r, struct cx_error *err)
{
	if (r->o->nmoved)
		return err->code;
	char why[sizeof(err->msg)];
	snprintf(why, sizeof why, "%s", err->msg); /* not formatted into itself */
	return cx_error_set(err, err->code, "%s (if the releases moved, give their new folder:"
			    " shard --sources DIR)", why);
}

static int on_group(void *ctx, const char *release, const char *archive, struct cx_error *err)
{
	struct run *r = ctx;
	r->release = release;
	r->archive = archive;
	if (!archive[0] && is_dir(place(r, release))) {
		int rc = cx_plan_group_images(r->cat, release, archive, on_plain, r, err);
		return rc ? rc : drain_jobs(r, err);
	}
	struct cx_release *rel;
	if (cx_release_open(&rel, place(r, release), err))
		return moved_hint(r, err);
	int rc = cx_release_walk_archive(rel, archive, on_member, r, err);
	cx_release_free(rel);
	if (rc == 1)
		return cx_error_set(err, r->werr.code, "%s", r->werr.msg);
	if (rc == CX_ENOTFOUND) /* the archive is gone: its images count as unreadable */
		rc = 0;
	if (rc == 0)
		rc = drain_jobs(r, err);
	return rc ? rc : cx_plan_commit(r->cat, err);
}

/* -------------------------------------------------------------- transcode */

/*
 * With --image-size, once the mix has chosen the records: every image the
 * output shows is decoded, resized and encoded once (however many records
 * show it) by the pool's workers, in image id order, and its new bytes are
 * staged; the plan then points at them. An image that does not decode is
 * named on stderr and takes its records out of the output (leakage.json:
 * image-unreadable), so the mix reports what it achieved.
 */
static int read_staged(int fd, int64_t off, int64_t len, const char *name, struct cx_buf *b,
		       struct cx_error *err)
{
	cx_buf_reset(b);
	cx_buf_grow(b, (size_t)len + 1);
	ssize_t n = pread(fd, b->data, (size_t)len, (off_t)off);
	if (n != (ssize_t)len)
		return cx_error_set(err, CX_EIO, "cannot read staged '%s': %s", name,
				    n < 0 ? strerror(errno) : "short read");
	b->len = (size_t)n;
	b->data[b->len] = '\0';
	return 0;
}

static void work_transcode(void *arg)
{
	struct image_job *j = arg;
	struct cx_error e = {0};
	enum cx_image_type type;
	j->usable = 0;
	j->why[0] = '\0';
	int rc = j->soff >= 0 ? read_staged(j->stage_fd, j->soff, j->slen, j->name.data, &j->in, &e)
			      : cx_read_file(j->path.data, MAX_IMAGE, &j->in, &e);
	cx_buf_reset(&j->out);
	if (rc == 0)
		rc = cx_image_transcode((const unsigned char *)j->in.data, j->in.len, j->name.data,
					j->opts, &j->out, &type, &e);
	if (rc) {
		snprintf(j->why, sizeof j->why, "%s", e.msg);
		return;
	}
	j->usable = 1;
}

struct transcode {
	struct run *r;
	struct cx_pool *pool;
	int64_t *failed;
	size_t nfailed;
};

static int finish_transcode(struct transcode *t, struct image_job *j, struct cx_error *err)
{
	struct run *r = t->r;
	int rc = 0;
	progress_step(r, 1, j->in.len);
	if (!j->usable) {
		fprintf(stderr, "chexinstruct shard: image '%s' not decoded: %s\n", j->name.data,
			j->why);
		t->failed = cx_realloc(t->failed, (t->nfailed + 1) * sizeof(*t->failed));
		t->failed[t->nfailed++] = j->id;
	} else {
		int64_t off = r->stage_off;
		rc = cx_write_all(r->stage_fd, j->out.data, j->out.len, STAGE, err);
		r->stage_off += (int64_t)j->out.len;
		if (rc == 0)
			rc = cx_plan_image_staged(r->cat, j->id, off, (int64_t)j->out.len, err);
	}
	if (j->in.cap > (4u << 20))
		cx_buf_release(&j->in);
	if (j->out.cap > (4u << 20))
		cx_buf_release(&j->out);
	return rc;
}

static int on_out_image(void *ctx, int64_t id, const struct cx_plan_image *im,
			struct cx_error *err)
{
	struct transcode *t = ctx;
	struct run *r = t->r;
	size_t depth = cx_pool_depth(t->pool);
	if (cx_pool_pending(t->pool) == depth &&
	    finish_transcode(t, cx_pool_take(t->pool), err))
		return err->code;
	struct image_job *j = &r->jobs[r->submitted++ % depth];
	j->id = id;
	j->soff = im->soff;
	j->slen = im->slen;
	j->stage_fd = r->stage_fd;
	j->opts = &r->o->image;
	cx_buf_reset(&j->path);
	cx_buf_addf(&j->path, "%s/%s", im->release, im->path);
	cx_buf_reset(&j->name);
	cx_buf_adds(&j->name, im->path);
	cx_pool_submit(t->pool, j);
	return 0;
}

static int transcode_images(struct run *r, struct cx_error *err)
{
	struct transcode t = {r, cx_pool_new(r->o->threads, pool_depth_for(r->o->threads),
					       work_transcode), NULL, 0};
	if (!t.pool)
		return cx_error_set(err, CX_EIO, "cannot start %d image threads", r->o->threads);
	progress_start(r, "transcode", cx_plan_out_image_count(r->cat));
	int rc = cx_plan_out_images(r->cat, on_out_image, &t, err);
	struct image_job *j;
	while ((j = cx_pool_take(t.pool)) != NULL)
		if (rc == 0)
			rc = finish_transcode(&t, j, err);
	cx_pool_free(t.pool);
	for (size_t i = 0; rc == 0 && i < t.nfailed; i++)
		rc = cx_plan_drop_image(r->cat, r->o->split, t.failed[i], err);
	free(t.failed);
	progress_end(r);
	return rc ? rc : cx_plan_commit(r->cat, err);
}

/* ----------------------------------------------------------------- render */

static void json_opt_str(struct cx_buf *b, const char *key, const char *v)
{
	cx_buf_addf(b, ", \"%s\": ", key);
	if (v)
		cx_buf_add_json_str(b, v);
	else
		cx_buf_adds(b, "null");
}

/* The terms of a source, by dataset name or by source id; NULL when the
 * catalogue has no such source. */
static const struct cx_source_terms *terms_of(const struct run *r, const char *dataset,
					      const char *source)
{
	for (size_t i = 0; i < r->nterms; i++)
		if ((dataset && !strcmp(r->terms[i].dataset, dataset)) ||
		    (source && !strcmp(r->terms[i].source, source)))
			return &r->terms[i];
	return NULL;
}

/* A record's source, licence and access class (schema/shard-format.md). */
static void meta_terms(const struct run *r, struct cx_buf *b, const char *dataset)
{
	const struct cx_source_terms *t = dataset ? terms_of(r, dataset, NULL) : NULL;
	json_opt_str(b, "source", t ? t->source : NULL);
	json_opt_str(b, "license", t ? t->license : NULL);
	json_opt_str(b, "access", t ? t->access : NULL);
}

/* The metadata object (schema/shard-format.md) without "repeat" and the
 * closing brace, which are added when the record is written. */
static void build_meta(struct run *r, const struct cx_plan_view *pv, const struct cx_rendered *x)
{
	const struct cx_instance_view *v = pv->view;
	struct cx_buf *b = &r->meta;
	cx_buf_reset(b);
	cx_buf_adds(b, "{\"capability\": ");
	cx_buf_add_json_str(b, pv->capability);
	json_opt_str(b, "task", v->task);
	json_opt_str(b, "dataset", v->dataset);
	meta_terms(r, b, v->dataset);
	json_opt_str(b, "entry", pv->entry);
	json_opt_str(b, "split", v->split);
	json_opt_str(b, "key", v->key);
	json_opt_str(b, "study", pv->study);
	json_opt_str(b, "patient", pv->patient);
	json_opt_str(b, "form", x->form ? x->form : "");
	cx_buf_addf(b, ", \"template\": %d, \"options\": [", x->template_index);
	for (size_t i = 0; i < x->noptions; i++) {
		cx_buf_adds(b, i ? ", " : "");
		cx_buf_add_json_str(b, x->options[i]);
	}
	cx_buf_addf(b, "], \"correct\": %d, ", x->correct);
	/* several right options (image classification's candidates form) */
	if (x->right & (x->right - 1)) {
		cx_buf_adds(b, "\"right\": [");
		for (size_t i = 0, n = 0; i < x->noptions; i++)
			if (x->right >> i & 1)
				cx_buf_addf(b, "%s%zu", n++ ? ", " : "", i);
		cx_buf_adds(b, "], ");
	}
	cx_buf_adds(b, "\"boxes\": [");
	size_t nb = 0;
	/* Boxes are on the instance's image, which the image part sizes. */
	for (size_t i = 0; v->boxes && v->image && i < v->boxes->n; i++) {
		const struct cx_view_box *vb = &v->boxes->box[i];
		struct cx_qbox q;
		struct cx_error e;
		if (cx_box_quantise(vb, v->image->width, v->image->height, &q, &e))
			continue;
		cx_buf_adds(b, nb++ ? ", [" : "[");
		cx_buf_add_json_str(b, vb->label);
		cx_buf_addf(b, ", %d, %d, %d, %d]", q.x1, q.y1, q.x2, q.y2);
	}
	cx_buf_adds(b, "], \"images\": [");
	for (size_t i = 0; i < pv->nimages; i++) {
		cx_buf_adds(b, i ? ", " : "");
		cx_buf_add_json_str(b, pv->images[i]);
	}
	cx_buf_adds(b, "]");
}

/* The seed a copy of an upsampled instance is rendered under: copy 0 the
 * shard seed itself, copy k the seed plus k x 0x9E3779B97F4A7C15 (mod
 * 2^64), so that each copy draws its own template, form and option order. */
static uint64_t repeat_seed(uint64_t seed, int repeat)
{
	return seed + (uint64_t)repeat * 0x9E3779B97F4A7C15ull;
}

/* A copy after the first: rendered again; one that does not render keeps
 * the first copy's text (it rendered under the shard seed). */
static int on_repeat(struct run *r, const struct cx_plan_view *pv, struct cx_error *err)
{
	struct cx_rendered x;
	struct cx_error rerr = {0};
	cx_rendered_init(&x);
	int rc = 0;
	if (cx_render(r->t, pv->view, repeat_seed(r->o->seed, pv->repeat), &x, &rerr) == 0) {
		build_meta(r, pv, &x);
		rc = cx_plan_set_repeat(r->cat, pv->id, pv->repeat, cx_buf_str(&x.instruction),
					cx_buf_str(&x.answer), r->meta.data, err);
	}
	cx_rendered_release(&x);
	return rc;
}

static int on_view(void *ctx, const struct cx_plan_view *pv, struct cx_error *err)
{
	struct run *r = ctx;
	if (pv->repeat > 0)
		return on_repeat(r, pv, err);
	struct cx_rendered x;
	struct cx_error rerr = {0};
	cx_rendered_init(&x);
	int rc;
	if (cx_render(r->t, pv->view, r->o->seed, &x, &rerr) != 0) {
		cx_buf_reset(&r->meta);
		cx_buf_addf(&r->meta, "render-failed: %s", rerr.msg);
		rc = cx_plan_mark(r->cat, pv->id, r->meta.data, err);
	} else {
		build_meta(r, pv, &x);
		/* duplicate records: same task, image contents, instruction, answer */
		struct cx_buf *d = &r->dup;
		cx_buf_reset(d);
		cx_buf_adds(d, pv->view->task);
		cx_buf_addc(d, '\0');
		cx_buf_add(d, &pv->sig, sizeof pv->sig);
		cx_buf_add(d, cx_buf_str(&x.instruction), x.instruction.len + 1);
		cx_buf_add(d, cx_buf_str(&x.answer), x.answer.len);
		rc = cx_plan_set_render(r->cat, pv->id, cx_hash64(d->data, d->len, 0),
					cx_buf_str(&x.instruction), cx_buf_str(&x.answer),
					r->meta.data, err);
	}
	cx_rendered_release(&x);
	return rc;
}

/* ------------------------------------------------------------------ write */

/*
 * The write phase: records go to the pool in batches, whose images a worker
 * reads (several files in flight, on the other core); the main thread hands
 * each batch's records to the backend in the plan's order, so reading the
 * next records' images overlaps hashing and writing these. A batch closes at
 * BATCH records or BATCH_BYTES of images: one hand-over per record cost more
 * than reading a 2 KiB image.
 */
#define BATCH 32
#define BATCH_BYTES (256 << 10)

struct record {
	uint64_t index;
	int repeat;
	size_t nimages;
	struct cx_buf instruction, answer, meta;
	struct cx_buf path[CX_SHARD_MAX_IMAGES]; /* release/path: read when soff < 0 */
	int64_t soff[CX_SHARD_MAX_IMAGES], slen[CX_SHARD_MAX_IMAGES];
	struct cx_buf img[CX_SHARD_MAX_IMAGES];
};

struct record_job {
	int stage_fd;                         /* where staged images are */
	size_t n;
	int64_t bytes;                        /* of the batch's images */
	struct record rec[BATCH];
	struct cx_error err;                  /* set by the worker */
};

static int load_image(int stage_fd, const struct record *j, size_t i, struct cx_buf *b,
		      struct cx_error *err)
{
	if (j->soff[i] < 0)
		return cx_read_file(j->path[i].data, MAX_IMAGE, b, err);
	return read_staged(stage_fd, j->soff[i], j->slen[i], j->path[i].data, b, err);
}

static void work_record(void *arg)
{
	struct record_job *b = arg;
	b->err.code = 0;
	for (size_t k = 0; k < b->n; k++)
		for (size_t i = 0; i < b->rec[k].nimages; i++)
			if (load_image(b->stage_fd, &b->rec[k], i, &b->rec[k].img[i], &b->err))
				return;
}

static int write_record(struct run *r, const struct record *j, struct cx_error *err)
{
	struct cx_shard_image imgs[CX_SHARD_MAX_IMAGES];
	for (size_t i = 0; i < j->nimages; i++) {
		imgs[i].data = (const unsigned char *)j->img[i].data;
		imgs[i].len = j->img[i].len;
		imgs[i].type = (enum cx_image_type)image_type(imgs[i].data, imgs[i].len);
	}
	cx_buf_reset(&r->meta); /* copied, not formatted: it is most of the record's text */
	cx_buf_add(&r->meta, j->meta.data, j->meta.len);
	cx_buf_addf(&r->meta, ", \"repeat\": %d}", j->repeat);
	cx_buf_reset(&r->key);
	cx_buf_addf(&r->key, "%09llu", (unsigned long long)j->index);
	struct cx_shard_record rec = {j->index, r->key.data, j->instruction.data, j->answer.data,
				      r->meta.data, imgs, j->nimages};
	if (r->ops->write(r->wstate, &rec, err))
		return err->code;
	r->written++;
	uint64_t bytes = 0;
	for (size_t i = 0; i < j->nimages; i++)
		bytes += j->img[i].len;
	progress_step(r, 1, bytes + j->instruction.len + j->answer.len + j->meta.len);
	if (r->o->crash_after > 0 && r->written >= r->o->crash_after)
		_exit(3);
	return 0;
}

/* Writes a batch's records, then frees its images: a slot keeping its
 * largest image would hold depth x BATCH of them (a few hundred MB of
 * DICOMs), where freeing keeps memory to what is in flight. */
static int write_batch(struct run *r, struct record_job *b, struct cx_error *err)
{
	int rc = b->err.code ? cx_error_set(err, b->err.code, "%s", b->err.msg) : 0;
	for (size_t k = 0; k < b->n && rc == 0; k++)
		rc = write_record(r, &b->rec[k], err);
	for (size_t k = 0; k < b->n; k++)
		for (size_t i = 0; i < b->rec[k].nimages; i++)
			cx_buf_release(&b->rec[k].img[i]);
	return rc;
}

/* Queues the open batch, if any. */
static void submit_batch(struct run *r)
{
	if (!r->open)
		return;
	cx_pool_submit(r->wpool, r->open);
	r->open = NULL;
}

static void copy_str(struct cx_buf *b, const char *s)
{
	cx_buf_reset(b);
	cx_buf_adds(b, s);
}

static int on_record(void *ctx, const struct cx_plan_record *pr, struct cx_error *err)
{
	struct run *r = ctx;
	if (pr->index < r->skip)
		return 0; /* in a finished shard of the run this one resumes */
	if (pr->nimages > CX_SHARD_MAX_IMAGES)
		return cx_error_set(err, CX_ELIMIT, "record %llu shows %zu images (at most %d)",
				    (unsigned long long)pr->index, pr->nimages,
				    CX_SHARD_MAX_IMAGES);
	if (!r->open) {
		if (cx_pool_pending(r->wpool) == cx_pool_depth(r->wpool) &&
		    write_batch(r, cx_pool_take(r->wpool), err))
			return err->code;
		r->open = &r->rjobs[r->wsubmitted++ % cx_pool_depth(r->wpool)];
		r->open->n = 0;
		r->open->bytes = 0;
		r->open->stage_fd = r->stage_fd;
	}
	struct record *j = &r->open->rec[r->open->n++];
	j->index = pr->index;
	j->repeat = pr->repeat;
	j->nimages = pr->nimages;
	copy_str(&j->instruction, pr->instruction);
	copy_str(&j->answer, pr->answer);
	copy_str(&j->meta, pr->meta);
	for (size_t i = 0; i < pr->nimages; i++) {
		const struct cx_plan_image *im = &pr->images[i];
		cx_buf_reset(&j->path[i]);
		cx_buf_adds(&j->path[i], place(r, im->release));
		cx_buf_addc(&j->path[i], '/');
		cx_buf_adds(&j->path[i], im->path);
		j->soff[i] = im->soff;
		j->slen[i] = im->slen;
		r->open->bytes += im->slen;
	}
	if (r->open->n == BATCH || r->open->bytes >= BATCH_BYTES)
		submit_batch(r);
	return 0;
}

/* ---------------------------------------------------------------- reports */

struct leak {
	FILE *f;
	uint64_t n;
	char *reasons[32];
	uint64_t counts[32];
	size_t nreasons;
};

static void count_reason(struct leak *l, const char *reason)
{
	/* render failures carry their message: count them under one name */
	const char *colon = strchr(reason, ':');
	size_t len = colon ? (size_t)(colon - reason) : strlen(reason);
	for (size_t i = 0; i < l->nreasons; i++)
		if (strlen(l->reasons[i]) == len && !strncmp(l->reasons[i], reason, len)) {
			l->counts[i]++;
			return;
		}
	if (l->nreasons < CX_ARRAY_LEN(l->reasons)) {
		l->reasons[l->nreasons] = cx_strndup(reason, len);
		l->counts[l->nreasons++] = 1;
	}
}

static int on_removed(void *ctx, const struct cx_plan_removed *x, struct cx_error *err)
{
	(void)err;
	struct leak *l = ctx;
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_adds(&b, l->n ? ",\n  {\"entry\": " : "\n  {\"entry\": ");
	cx_buf_add_json_str(&b, x->entry);
	json_opt_str(&b, "key", x->key);
	json_opt_str(&b, "reason", x->reason);
	json_opt_str(&b, "study", x->study);
	json_opt_str(&b, "patient", x->patient);
	if (x->other_entry) {
		cx_buf_adds(&b, ", \"because\": {\"entry\": ");
		cx_buf_add_json_str(&b, x->other_entry);
		json_opt_str(&b, "key", x->other_key);
		json_opt_str(&b, "split", x->other_split);
		cx_buf_adds(&b, "}");
	}
	cx_buf_adds(&b, "}");
	fwrite(b.data, 1, b.len, l->f);
	cx_buf_release(&b);
	count_reason(l, x->reason);
	l->n++;
	return 0;
}

/* leakage.json: every instance of the split left out, and why. Streamed to
 * its temporary file (it can be long), then fsynced and renamed. */
static int write_leakage(struct run *r, struct leak *l, struct cx_error *err)
{
	struct cx_buf p = CX_BUF_INIT;
	path_in(&p, r->work.data, ".leakage.json.tmp");
	l->f = fopen(p.data, "w");
	if (!l->f) {
		cx_error_set(err, CX_EIO, "cannot create '%s': %s", p.data, strerror(errno));
		cx_buf_release(&p);
		return CX_EIO;
	}
	fprintf(l->f, "{\"split\": \"%s\",\n \"removed\": [", cx_rank_name(r->o->split));
	int rc = cx_plan_each_removed(r->cat, r->o->split, on_removed, l, err);
	fprintf(l->f, "%s],\n \"reasons\": {", l->n ? "\n " : "");
	for (size_t i = 0; i < l->nreasons; i++)
		fprintf(l->f, "%s\"%s\": %llu", i ? ", " : "", l->reasons[i],
			(unsigned long long)l->counts[i]);
	fprintf(l->f, "},\n \"total\": %llu}\n", (unsigned long long)l->n);
	if (fflush(l->f) != 0 && rc == 0)
		rc = cx_error_set(err, CX_EIO, "cannot write '%s': %s", p.data, strerror(errno));
	if (rc == 0)
		rc = cx_fsync_rename(fileno(l->f), r->work.data, ".leakage.json.tmp", "leakage.json",
				     err);
	fclose(l->f);
	l->f = NULL;
	cx_buf_release(&p);
	return rc;
}

static void hex16(struct cx_buf *b, uint64_t v)
{
	cx_buf_addf(b, "\"%016llx\"", (unsigned long long)v);
}

static void opt_limit(struct cx_buf *b, const char *key, uint64_t v)
{
	if (v)
		cx_buf_addf(b, ", \"%s\": %llu", key, (unsigned long long)v);
	else
		cx_buf_addf(b, ", \"%s\": null", key);
}

struct mixinfo {
	const struct cx_shard_entry *e;
	size_t n;
	const struct cx_mix *mix;
	int64_t *avail, *counts;       /* kept instances; records the mix asks (after caps) */
	double *requested;
	/* after the selection (tally): per entry, the split's instances, those
	 * removed, and the records of the output */
	int64_t *instances, *removed, *achieved;
};

/* An entry the plan and the manifest list: one with instances in the split,
 * or records, or that the mix names. */
static int listed(const struct mixinfo *mi, size_t i)
{
	if (mi->instances[i] > 0 || mi->counts[i] > 0)
		return 1;
	for (size_t g = 0; g < mi->mix->ngroups; g++)
		if (cx_mix_group_has(&mi->mix->groups[g], &mi->e[i]))
			return 1;
	return 0;
}

/* What group g of the mix asked for and holds, over its entries. */
static void group_sums(const struct mixinfo *mi, size_t g, int64_t *want, int64_t *got,
		       int64_t *inst, int64_t *avail)
{
	*want = *got = *inst = *avail = 0;
	for (size_t i = 0; i < mi->n; i++)
		if (cx_mix_group_has(&mi->mix->groups[g], &mi->e[i])) {
			*want += mi->mix->want[i];
			*got += mi->achieved[i];
			*inst += mi->instances[i];
			*avail += mi->avail[i];
		}
}

static const char *kind_name(enum cx_mix_kind k)
{
	return k == CX_MIX_DATASET ? "dataset" : k == CX_MIX_TASK ? "task" : "entry";
}

/* "requests": each name the mix asks records of, with what it got. */
static void add_requests(struct cx_buf *b, const struct mixinfo *mi)
{
	for (size_t g = 0; g < mi->mix->ngroups; g++) {
		const struct cx_mix_group *gr = &mi->mix->groups[g];
		int64_t want, got, inst, avail;
		group_sums(mi, g, &want, &got, &inst, &avail);
		cx_buf_addf(b, "%s{\"%s\": ", g ? ",\n  " : "\n  ", kind_name(gr->kind));
		cx_buf_add_json_str(b, gr->name);
		cx_buf_addf(b, ", \"%s\": %.6g, \"requested\": %lld, \"records\": %lld,"
			       " \"short\": %s}", gr->proportion ? "share" : "weight", gr->value,
			    (long long)want, (long long)got,
			    cx_mix_is_short(want, got) ? "true" : "false");
	}
}

/* The leaks entry i's kept instances carry: '"reason": count' members in
 * the reasons' order, and their number; from the plan, or a dry run's counts. */
static int entry_leaks(struct run *r, const struct mixinfo *mi, size_t i, struct cx_buf *out,
		       int64_t *n, struct cx_error *err)
{
	if (!r->dry)
		return cx_plan_leaks(r->cat, r->o->split, mi->e[i].id, out, n, err);
	int done[CX_DRY_NREASONS] = {0};
	*n = 0;
	for (;;) {
		int next = -1;
		for (int k = 0; k < CX_DRY_NREASONS; k++)
			if (!done[k] && r->dry[i].leaks[k] > 0 && (next < 0 ||
			    strcmp(cx_dry_reason_name(k), cx_dry_reason_name(next)) < 0))
				next = k;
		if (next < 0)
			return 0;
		done[next] = 1;
		cx_buf_adds(out, out->len ? ", " : "");
		cx_buf_add_json_str(out, cx_dry_reason_name(next));
		cx_buf_addf(out, ": %lld", (long long)r->dry[i].leaks[next]);
		*n += r->dry[i].leaks[next];
	}
}

/* An entry whose dataset has a looser hygiene policy than the default:
 * the policy and the leaks its kept instances carry (', "hygiene": ...'). */
static int add_hygiene(struct cx_buf *b, struct run *r, const struct mixinfo *mi, size_t i,
		       struct cx_error *err)
{
	if (mi->mix->policy[i] == 3)
		return 0;
	struct cx_buf leaks = CX_BUF_INIT;
	int64_t n;
	int rc = entry_leaks(r, mi, i, &leaks, &n, err);
	cx_buf_addf(b, ", \"hygiene\": \"%s\", \"leaks\": {%s}",
		    cx_mix_policy_name(mi->mix->policy[i]), leaks.len ? leaks.data : "");
	cx_buf_release(&leaks);
	return rc;
}

/* An entry's label rules: the group's kept instances ("available"), what the
 * rule asks ("requested": the share, at most the cap) and what the output
 * holds ("records": after the entry's own weight and cap). */
static void manifest_labels(struct cx_buf *b, const struct cx_mix *m, size_t entry)
{
	int first = 1;
	for (size_t k = 0; k < m->nlabels; k++) {
		const struct cx_mix_label *l = &m->labels[k];
		if (l->entry != entry)
			continue;
		cx_buf_adds(b, first ? ", \"labels\": [{\"label\": " : ", {\"label\": ");
		cx_buf_add_json_str(b, l->label);
		cx_buf_addf(b, ", \"available\": %lld, \"weight\": %.6g, \"cap\": %lld,"
			       " \"requested\": %lld, \"records\": %lld}", (long long)l->available,
			    l->weight, (long long)l->cap, (long long)l->requested,
			    (long long)l->records);
		first = 0;
	}
	if (!first)
		cx_buf_addc(b, ']');
}

/* An entry's capability, source, licence and access class. */
static void manifest_terms(struct cx_buf *b, const struct run *r, const struct cx_shard_entry *e)
{
	const struct cx_source_terms *t = terms_of(r, NULL, e->source);
	json_opt_str(b, "capability", e->capability);
	json_opt_str(b, "source", e->source);
	json_opt_str(b, "license", t ? t->license : NULL);
	json_opt_str(b, "access", t ? t->access : NULL);
}

/* "sources": every source with records in the set, its terms, citation and
 * record count, for the card. */
static void manifest_sources(struct cx_buf *b, const struct run *r, const struct mixinfo *mi)
{
	cx_buf_adds(b, ",\n \"sources\": [");
	int first = 1;
	for (size_t k = 0; k < r->nterms; k++) {
		const struct cx_source_terms *t = &r->terms[k];
		int64_t n = 0;
		for (size_t i = 0; i < mi->n; i++)
			if (!strcmp(mi->e[i].source, t->source))
				n += mi->counts[i];
		if (n == 0)
			continue;
		cx_buf_adds(b, first ? "\n  {\"source\": " : ",\n  {\"source\": ");
		cx_buf_add_json_str(b, t->source);
		json_opt_str(b, "dataset", t->dataset);
		json_opt_str(b, "versions", t->versions);
		json_opt_str(b, "license", t->license);
		json_opt_str(b, "access", t->access);
		json_opt_str(b, "citation", cx_card_citation(t->source));
		cx_buf_addf(b, ", \"records\": %lld}", (long long)n);
		first = 0;
	}
	cx_buf_adds(b, first ? "]" : "\n ]");
}

/* README.md, the dataset card, made from the manifest (card.c), into the
 * new set before it is published. */
static int write_card(const struct run *r, const struct cx_buf *manifest, struct cx_error *err)
{
	struct cx_buf card = CX_BUF_INIT;
	int rc = cx_shard_card(manifest->data, &card, err);
	if (rc == 0)
		rc = cx_write_file_atomic(r->work.data, "README.md", card.data, card.len, err);
	cx_buf_release(&card);
	return rc;
}

static int write_manifest(struct run *r, const struct mixinfo *mi, const struct leak *l,
			  const struct cx_shard_file *files, size_t nfiles, struct cx_shard_summary *sum,
			  struct cx_error *err)
{
	const struct cx_shard_opts *o = r->o;
	uint64_t fp = r->fp, build_seed;
	if (cx_cat_build_seed(r->cat, &build_seed, err))
		return err->code;
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "{\"format\": \"chexinstruct-shards\", \"format_version\": 1,"
			" \"record_format\": \"%s\", \"split\": \"%s\", \"seed\": %llu,"
			" \"build_seed\": %llu,\n \"config\": {\"mix\": %s", o->format,
		    cx_rank_name(o->split), (unsigned long long)o->seed,
		    (unsigned long long)build_seed, mi->mix->json);
	opt_limit(&b, "max_bytes", o->limits.max_bytes);
	opt_limit(&b, "max_records", o->limits.max_records);
	if (o->limits.min_shards)
		cx_buf_addf(&b, ", \"min_shards\": %llu", (unsigned long long)o->limits.min_shards);
	cx_buf_addf(&b, ", \"access\": \"%s\"", o->access_public ? "public" : "credentialed");
	if (o->image.size > 0)
		cx_buf_addf(&b, ", \"image_size\": %d, \"enlarge\": %s, \"image_format\": \"%s\","
				" \"quality\": %d},\n \"catalogue_fingerprint\": ", o->image.size,
			    o->image.enlarge ? "true" : "false",
			    o->image.format == CX_IMAGE_PNG ? "png" : "jpeg",
			    o->image.quality ? o->image.quality : 90);
	else
		cx_buf_adds(&b, ", \"image_size\": null},\n \"catalogue_fingerprint\": ");
	hex16(&b, fp);
	cx_buf_adds(&b, ", \"template_fingerprint\": ");
	hex16(&b, cx_templates_fingerprint(r->t));
	uint64_t records = 0, bytes = 0;
	for (size_t i = 0; i < nfiles; i++) {
		records += files[i].records;
		bytes += files[i].bytes;
	}
	cx_buf_addf(&b, ",\n \"records\": %llu, \"bytes\": %llu,\n \"shards\": [",
		    (unsigned long long)records, (unsigned long long)bytes);
	for (size_t i = 0; i < nfiles; i++) {
		cx_buf_adds(&b, i ? ",\n  {\"file\": " : "\n  {\"file\": ");
		cx_buf_add_json_str(&b, files[i].name);
		cx_buf_addf(&b, ", \"records\": %llu, \"bytes\": %llu, \"xxh3\": ",
			    (unsigned long long)files[i].records, (unsigned long long)files[i].bytes);
		hex16(&b, files[i].hash);
		cx_buf_adds(&b, "}");
	}
	cx_buf_adds(&b, nfiles ? "\n ],\n \"counts\": " : "],\n \"counts\": ");
	if (cx_plan_counts(r->cat, &b, err)) {
		cx_buf_release(&b);
		return err->code;
	}
	cx_buf_addf(&b, ",\n \"removed\": {\"total\": %llu", (unsigned long long)l->n);
	for (size_t i = 0; i < l->nreasons; i++)
		cx_buf_addf(&b, ", \"%s\": %llu", l->reasons[i], (unsigned long long)l->counts[i]);
	cx_buf_adds(&b, "},\n \"mix\": [");
	int64_t total = 0;
	for (size_t i = 0; i < mi->n; i++)
		total += mi->achieved[i];
	int first = 1;
	for (size_t i = 0; i < mi->n; i++) {
		if (!listed(mi, i))
			continue;
		cx_buf_adds(&b, first ? "\n  {\"entry\": " : ",\n  {\"entry\": ");
		cx_buf_add_json_str(&b, mi->e[i].name);
		cx_buf_addf(&b, ", \"instances\": %lld, \"removed\": %lld, \"available\": %lld,"
				" \"weight\": %.6g, \"requested\": %.4f, \"requested_records\": %lld,"
				" \"achieved\": %.4f, \"records\": %lld", (long long)mi->instances[i],
			    (long long)mi->removed[i], (long long)mi->avail[i], mi->mix->weight[i],
			    mi->requested[i], (long long)mi->mix->want[i],
			    total ? (double)mi->achieved[i] / (double)total : 0.0,
			    (long long)mi->achieved[i]);
		add_hygiene(&b, r, mi, i, err);
		manifest_labels(&b, mi->mix, i);
		manifest_terms(&b, r, &mi->e[i]);
		cx_buf_addc(&b, '}');
		first = 0;
	}
	cx_buf_adds(&b, first ? "],\n \"requests\": [" : "\n ],\n \"requests\": [");
	add_requests(&b, mi);
	cx_buf_adds(&b, mi->mix->ngroups ? "\n ]" : "]");
	manifest_sources(&b, r, mi);
	cx_buf_adds(&b, "}\n");
	int rc = write_card(r, &b, err);
	if (rc == 0)
		rc = publish(o->out, &b, err);
	cx_buf_release(&b);
	sum->records = records;
	sum->bytes = bytes;
	sum->shards = nfiles;
	sum->removed = l->n;
	return rc;
}

/* ------------------------------------------------------------------- run */

/* The mix's label rules, in the file's order, before the entries' counts:
 * each keeps a seeded share of its group (the same pick rank the entry's
 * selection uses) and leaves the rest out. */
static int label_rules(struct run *r, struct mixinfo *mi, struct cx_error *err)
{
	for (size_t k = 0; k < mi->mix->nlabels; k++) {
		struct cx_mix_label *l = &mi->mix->labels[k];
		int64_t entry = mi->e[l->entry].id;
		if (cx_plan_label_count(r->cat, r->o->split, entry, l->label, &l->available, err))
			return err->code;
		l->requested = cx_mix_label_keep(l, l->available);
		if (cx_plan_label_keep(r->cat, r->o->split, entry, l->label, l->requested, err))
			return err->code;
	}
	return 0;
}

static int label_records(struct run *r, struct mixinfo *mi, struct cx_error *err)
{
	for (size_t k = 0; k < mi->mix->nlabels; k++) {
		struct cx_mix_label *l = &mi->mix->labels[k];
		if (cx_plan_label_records(r->cat, r->o->split, mi->e[l->entry].id, l->label,
					  &l->records, err))
			return err->code;
	}
	return 0;
}

static int plan_mix(struct run *r, struct mixinfo *mi, struct cx_error *err)
{
	if (cx_plan_rank(r->cat, err) || label_rules(r, mi, err))
		return err->code;
	for (size_t i = 0; i < mi->n; i++)
		if (cx_plan_available(r->cat, r->o->split, mi->e[i].id, &mi->avail[i], err))
			return err->code;
	cx_mix_counts(mi->mix, mi->avail, mi->n, mi->counts, mi->requested);
	for (size_t i = 0; i < mi->n; i++)
		if (cx_plan_select(r->cat, r->o->split, mi->e[i].id, mi->counts[i], mi->avail[i],
				   r->o->seed, err))
			return err->code;
	return cx_plan_commit(r->cat, err);
}

static int on_tally(void *ctx, int64_t entry, int records, int64_t n, int64_t removed)
{
	struct mixinfo *mi = ctx;
	for (size_t i = 0; i < mi->n; i++) {
		if (mi->e[i].id != entry)
			continue;
		if (records) {
			mi->achieved[i] = n;
		} else {
			mi->instances[i] = n;
			mi->removed[i] = removed;
		}
	}
	return 0;
}

/* What the selection holds once images that did not decode have left it. */
static int tally(struct run *r, struct mixinfo *mi, struct cx_error *err)
{
	if (label_records(r, mi, err))
		return err->code;
	return cx_plan_tally(r->cat, r->o->split, on_tally, mi, err);
}

/* The first request of the mix that ended short is an error, naming it and
 * what the split had for it, unless --allow-short-mix. */
static int check_short(struct run *r, const struct mixinfo *mi, struct cx_error *err)
{
	for (size_t g = 0; g < mi->mix->ngroups && !r->o->allow_short; g++) {
		const struct cx_mix_group *gr = &mi->mix->groups[g];
		int64_t want, got, inst, avail;
		group_sums(mi, g, &want, &got, &inst, &avail);
		if (!cx_mix_is_short(want, got))
			continue;
		char asks[64];
		if (want > 0)
			snprintf(asks, sizeof asks, "%lld records", (long long)want);
		else
			snprintf(asks, sizeof asks, "records (weight %g)", gr->value);
		return cx_error_set(err, CX_EINVAL, "mix '%s': %s '%s' asks for %s and gets %lld:"
				    " %s has %lld of its instances, %lld left after hygiene,"
				    " duplicates and held-out entries (--allow-short-mix accepts a"
				    " short mix)", r->o->mix, kind_name(gr->kind), gr->name, asks,
				    (long long)got, cx_rank_name(r->o->split), (long long)inst,
				    (long long)avail);
	}
	return 0;
}

/* ----------------------------------------------------------------- resume */

/*
 * An interrupted run resumes from its finished shards. While it writes, a run
 * keeps DIR/.cx-new/.cx-done: a first line with the key of its output (an
 * XXH3 of the catalogue and template fingerprints, split, seed, format,
 * limits, image settings and the mix as parsed), then one line per shard
 * once it is in place under its final name ("NAME RECORDS BYTES XXH3"),
 * fsynced. A rerun with the same key keeps the shards listed whose files are
 * there with their size, skips their records (the plan is made again, and
 * is the same), and writes the rest from the next shard on; a shard's cut
 * depends only on its own records, so the set is the one an uninterrupted
 * run writes. Any other key, a damaged journal or a format without resume
 * (MDS) starts over.
 */
static uint64_t key_of(const struct run *r, const struct cx_mix *mix)
{
	const struct cx_shard_opts *o = r->o;
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "1|%016llx|%016llx|%d|%llu|%s|%llu|%llu|%d|%d|%d|%d|%s",
		    (unsigned long long)r->fp, (unsigned long long)cx_templates_fingerprint(r->t),
		    o->split, (unsigned long long)o->seed, o->format,
		    (unsigned long long)o->limits.max_bytes,
		    (unsigned long long)o->limits.max_records, o->image.size, o->image.enlarge,
		    (int)o->image.format, o->image.quality, mix->json);
	uint64_t h = cx_hash64(b.data, b.len, 0);
	cx_buf_release(&b);
	return h;
}

static void on_shard(void *ctx, const struct cx_shard_file *f)
{
	struct run *r = ctx;
	if (!r->journal)
		return;
	fprintf(r->journal, "%s %llu %llu %016llx\n", f->name, (unsigned long long)f->records,
		(unsigned long long)f->bytes, (unsigned long long)f->hash);
	/* a journal that cannot be written costs the resume, not the run */
	if (fflush(r->journal) == 0)
		fsync(fileno(r->journal));
}

/* A listed shard is kept when its file is there with its size. */
static int shard_there(const struct run *r, const char *name, uint64_t bytes)
{
	struct cx_buf p = CX_BUF_INIT;
	path_in(&p, r->work.data, name);
	struct stat st;
	int ok = stat(p.data, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == bytes;
	cx_buf_release(&p);
	return ok;
}

static void read_journal(struct run *r, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	unsigned long long key = 0, recs, bytes, hash;
	char name[64];
	if (fscanf(f, "chexinstruct-resume %llx\n", &key) == 1 && key == r->run_key)
		while (fscanf(f, "%63s %llu %llu %llx\n", name, &recs, &bytes, &hash) == 4 &&
		       shard_there(r, name, bytes)) {
			r->kept = cx_realloc(r->kept, (r->nkept + 1) * sizeof(*r->kept));
			r->kept[r->nkept++] = (struct cx_shard_file){cx_strdup(name), recs, bytes, hash};
			r->skip += recs;
		}
	fclose(f);
}

static int is_kept(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->nkept; i++) {
		size_t n = strlen(r->kept[i].name);
		if (!strncmp(name, r->kept[i].name, n) && (!name[n] || !strcmp(name + n, ".idx")))
			return 1;
	}
	return 0;
}

/* Keeps what a killed run of the same output finished, clears the rest of
 * DIR/.cx-new, and starts this run's journal. */
static int resume_or_start(struct run *r, struct cx_error *err)
{
	struct cx_buf p = CX_BUF_INIT;
	path_in(&p, r->work.data, JOURNAL);
	if (r->ops->resume)
		read_journal(r, p.data);
	DIR *d = opendir(r->work.data);
	struct dirent *de;
	struct cx_buf q = CX_BUF_INIT;
	while (d && (de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || is_kept(r, de->d_name))
			continue;
		path_in(&q, r->work.data, de->d_name);
		unlink(q.data);
	}
	if (d)
		closedir(d);
	cx_buf_release(&q);
	if (r->nkept)
		fprintf(stderr, "chexinstruct shard: resuming: %zu finished shards (%llu records)"
			" kept from an interrupted run\n", r->nkept, (unsigned long long)r->skip);
	r->journal = fopen(p.data, "w");
	int rc = r->journal ? 0 : cx_error_set(err, CX_EIO, "cannot create '%s': %s", p.data,
					       strerror(errno));
	if (rc == 0) {
		fprintf(r->journal, "chexinstruct-resume %016llx\n", (unsigned long long)r->run_key);
		for (size_t i = 0; i < r->nkept; i++)
			fprintf(r->journal, "%s %llu %llu %016llx\n", r->kept[i].name,
				(unsigned long long)r->kept[i].records,
				(unsigned long long)r->kept[i].bytes,
				(unsigned long long)r->kept[i].hash);
		if (fflush(r->journal) == 0)
			fsync(fileno(r->journal));
	}
	cx_buf_release(&p);
	return rc;
}

/* The set is complete: the journal goes before the files move up. */
static void end_journal(struct run *r)
{
	if (r->journal)
		fclose(r->journal);
	r->journal = NULL;
	struct cx_buf p = CX_BUF_INIT;
	path_in(&p, r->work.data, JOURNAL);
	unlink(p.data);
	cx_buf_release(&p);
}

static int write_shards(struct run *r, struct cx_shard_file **files, size_t *nfiles,
			struct cx_error *err)
{
	/* the output's size, for --min-shards (resumed shards included: the
	 * cut is by the records' place in the whole output) */
	struct cx_shard_limits lim = r->o->limits;
	lim.total = (uint64_t)cx_plan_out_count(r->cat);
	size_t depth = pool_depth_for(r->o->threads);
	r->rjobs = cx_calloc(depth, sizeof(*r->rjobs));
	r->wpool = cx_pool_new(r->o->threads, depth, work_record);
	if (!r->wpool)
		return cx_error_set(err, CX_EIO, "cannot start %d threads", r->o->threads);
	lim.on_shard = on_shard;
	lim.on_shard_ctx = r;
	if (r->ops->open(&r->wstate, r->work.data, &lim, err))
		return err->code;
	if (r->nkept)
		r->ops->resume(r->wstate, r->kept, r->nkept);
	int rc = cx_plan_each_record(r->cat, on_record, r, err);
	if (rc == 0)
		submit_batch(r);
	struct record_job *j;
	while (rc == 0 && (j = cx_pool_take(r->wpool)) != NULL)
		rc = write_batch(r, j, err);
	if (rc) {
		r->ops->abort(r->wstate);
		return rc;
	}
	return r->ops->close(r->wstate, files, nfiles, err);
}

static int excluded_entries(const struct cx_shard_opts *o, const struct mixinfo *mi,
			    int64_t **out, size_t *n)
{
	*out = cx_calloc(mi->n ? mi->n : 1, sizeof(int64_t));
	*n = 0;
	for (size_t i = 0; i < mi->n; i++)
		if (o->split == 0 && (mi->e[i].held_out || mi->mix->held_out[i]))
			(*out)[(*n)++] = mi->e[i].id;
	return 0;
}

/* --access public: the split's instances of sources that need credentials
 * are left out, counted as credentialed-source. */
static int restrict_access(struct run *r, const struct mixinfo *mi, struct cx_error *err)
{
	if (!r->o->access_public)
		return 0;
	for (size_t i = 0; i < mi->n; i++) {
		const struct cx_source_terms *t = terms_of(r, NULL, mi->e[i].source);
		if (t && strcmp(t->access, "public") &&
		    cx_plan_restrict(r->cat, r->o->split, mi->e[i].id, "credentialed-source", err))
			return err->code;
	}
	return cx_plan_restrict_images(r->cat, r->o->split, "credentialed-source", err);
}

static int start_pool(struct run *r, struct cx_error *err)
{
	size_t depth = pool_depth_for(r->o->threads);
	r->jobs = cx_calloc(depth, sizeof(*r->jobs));
	r->pool = cx_pool_new(r->o->threads, depth, work_image);
	if (!r->pool)
		return cx_error_set(err, CX_EIO, "cannot start %d image threads", r->o->threads);
	return 0;
}

/* ---------------------------------------------------------------- dry run */

struct reasons {
	char *name[32];
	uint64_t count[32];
	size_t n;
	uint64_t total;
};

static int count_removed(void *ctx, const struct cx_plan_removed *x, struct cx_error *err)
{
	(void)err;
	struct reasons *rs = ctx;
	const char *colon = strchr(x->reason, ':');
	size_t len = colon ? (size_t)(colon - x->reason) : strlen(x->reason);
	rs->total++;
	for (size_t i = 0; i < rs->n; i++)
		if (strlen(rs->name[i]) == len && !strncmp(rs->name[i], x->reason, len)) {
			rs->count[i]++;
			return 0;
		}
	if (rs->n < CX_ARRAY_LEN(rs->name)) {
		rs->name[rs->n] = cx_strndup(x->reason, len);
		rs->count[rs->n++] = 1;
	}
	return 0;
}

static void plan_json(struct cx_buf *b, struct run *r, const struct mixinfo *mi,
		      const struct reasons *rs, int64_t total)
{
	cx_buf_addf(b, "{\"split\": \"%s\", \"seed\": %llu, \"mix\": %s, \"records\": %lld,"
		       "\n \"entries\": [", cx_rank_name(r->o->split),
		    (unsigned long long)r->o->seed, mi->mix->json, (long long)total);
	int first = 1;
	for (size_t i = 0; i < mi->n; i++) {
		if (!listed(mi, i))
			continue;
		cx_buf_adds(b, first ? "\n  {\"entry\": " : ",\n  {\"entry\": ");
		cx_buf_add_json_str(b, mi->e[i].name);
		cx_buf_addf(b, ", \"instances\": %lld, \"removed\": %lld, \"available\": %lld,"
			       " \"requested\": %lld, \"records\": %lld}", (long long)mi->instances[i],
			    (long long)mi->removed[i], (long long)mi->avail[i],
			    (long long)mi->mix->want[i], (long long)mi->achieved[i]);
		struct cx_error ignore;
		b->len--; /* the closing brace: the hygiene goes inside */
		add_hygiene(b, r, mi, i, &ignore);
		cx_buf_addc(b, '}');
		first = 0;
	}
	cx_buf_addf(b, "%s],\n \"removed\": {\"total\": %llu", first ? "" : "\n ",
		    (unsigned long long)rs->total);
	for (size_t i = 0; i < rs->n; i++)
		cx_buf_addf(b, ", \"%s\": %llu", rs->name[i], (unsigned long long)rs->count[i]);
	cx_buf_adds(b, "},\n \"requests\": [");
	add_requests(b, mi);
	cx_buf_adds(b, mi->mix->ngroups ? "\n ]}\n" : "]}\n");
}

static void plan_text(struct cx_buf *b, struct run *r, const struct mixinfo *mi,
		      const struct reasons *rs, int64_t total)
{
	cx_buf_addf(b, "plan: %s, seed %llu, mix %s: %lld records\n", cx_rank_name(r->o->split),
		    (unsigned long long)r->o->seed, r->o->mix ? r->o->mix : "none (every instance"
		    " once)", (long long)total);
	cx_buf_addf(b, "%-48s %9s %9s %9s %9s %9s\n", "entry", "instances", "removed",
		    "available", "requested", "records");
	for (size_t i = 0; i < mi->n; i++)
		if (listed(mi, i))
			cx_buf_addf(b, "%-48s %9lld %9lld %9lld %9lld %9lld\n", mi->e[i].name,
				    (long long)mi->instances[i], (long long)mi->removed[i],
				    (long long)mi->avail[i], (long long)mi->mix->want[i],
				    (long long)mi->achieved[i]);
	cx_buf_addf(b, "removed: %llu", (unsigned long long)rs->total);
	for (size_t i = 0; i < rs->n; i++)
		cx_buf_addf(b, "%s%s %llu", i ? ", " : " (", rs->name[i],
			    (unsigned long long)rs->count[i]);
	cx_buf_adds(b, rs->n ? ")\n" : "\n");
	for (size_t i = 0; i < mi->n; i++) {
		struct cx_buf h = CX_BUF_INIT;
		struct cx_error ignore;
		int64_t n = 0;
		if (mi->mix->policy[i] != 3 && entry_leaks(r, mi, i, &h, &n, &ignore) == 0)
			cx_buf_addf(b, "hygiene: %s %s, %lld kept that a stricter policy removes%s%s%s\n",
				    mi->e[i].name, cx_mix_policy_name(mi->mix->policy[i]),
				    (long long)n, n ? " {" : "", n ? h.data : "", n ? "}" : "");
		cx_buf_release(&h);
	}
	for (size_t g = 0; g < mi->mix->ngroups; g++) {
		const struct cx_mix_group *gr = &mi->mix->groups[g];
		int64_t want, got, inst, avail;
		group_sums(mi, g, &want, &got, &inst, &avail);
		cx_buf_addf(b, "request: %s '%s' %s %g: %lld requested, %lld records%s\n",
			    kind_name(gr->kind), gr->name, gr->proportion ? "share" : "weight",
			    gr->value, (long long)want, (long long)got,
			    cx_mix_is_short(want, got) ? " (short)" : "");
	}
}

/* The reasons of a dry run's counts, in the order of their first instance,
 * as count_removed meets them. */
static void dry_reasons(const struct cx_dry_removed *rm, struct reasons *rs)
{
	int done[CX_DRY_NREASONS] = {0};
	for (;;) {
		int next = -1;
		for (int k = 0; k < CX_DRY_NREASONS; k++)
			if (!done[k] && rm->count[k] > 0 &&
			    (next < 0 || rm->first[k] < rm->first[next]))
				next = k;
		if (next < 0)
			return;
		done[next] = 1;
		rs->name[rs->n] = cx_strdup(cx_dry_reason_name(next));
		rs->count[rs->n++] = (uint64_t)rm->count[next];
		rs->total += (uint64_t)rm->count[next];
	}
}

/* --dry-run: the plan on stdout, text or JSON. */
static int print_plan(struct run *r, const struct mixinfo *mi, struct cx_error *err)
{
	struct reasons rs = {0};
	int rc = 0;
	if (r->dry_removed)
		dry_reasons(r->dry_removed, &rs);
	else
		rc = cx_plan_each_removed(r->cat, r->o->split, count_removed, &rs, err);
	int64_t total = 0;
	for (size_t i = 0; i < mi->n; i++)
		total += mi->achieved[i];
	struct cx_buf b = CX_BUF_INIT;
	if (rc == 0 && r->o->json)
		plan_json(&b, r, mi, &rs, total);
	else if (rc == 0)
		plan_text(&b, r, mi, &rs, total);
	if (rc == 0)
		fwrite(b.data, 1, b.len, stdout);
	fflush(stdout);
	cx_buf_release(&b);
	for (size_t i = 0; i < rs.n; i++)
		free(rs.name[i]);
	return rc;
}

/* Whether --access leaves entry i out (restrict_access). */
static int restricted(const struct run *r, const struct mixinfo *mi, size_t i)
{
	const struct cx_source_terms *t = terms_of(r, NULL, mi->e[i].source);
	return r->o->access_public && t && strcmp(t->access, "public");
}

/* The mix's label rules on a dry run's counts, as label_rules applies them
 * to the plan. */
static int dry_labels(struct run *r, struct mixinfo *mi, struct cx_dry *d, struct cx_error *err)
{
	for (size_t k = 0; k < mi->mix->nlabels; k++) {
		struct cx_mix_label *l = &mi->mix->labels[k];
		if (cx_plan_dry_label_count(d, mi->e[l->entry].id, l->label, r->o->seed,
					    &l->available, err))
			return err->code;
		l->requested = cx_mix_label_keep(l, l->available);
		cx_plan_dry_label_keep(d, l->requested);
	}
	return 0;
}

/*
 * --dry-run without building the plan: cx_plan_dry_* count, per entry, what
 * the plan's hygiene, image duplicates and label rules would leave, and the
 * mix is computed from those counts, as plan_mix computes it from the
 * plan's (an entry asked n records with a available gives n when a > 0).
 * The same report, in seconds at full scale instead of minutes. Returns 1
 * when the catalogue's ids do not suit cx_plan_dry_begin (then the plan is
 * built).
 */
static int dry_counts(struct run *r, struct mixinfo *mi, struct cx_error *err)
{
	const struct cx_shard_opts *o = r->o;
	struct cx_dry_entry *de = cx_calloc(mi->n + 1, sizeof(*de));
	for (size_t i = 0; i < mi->n; i++) {
		de[i].id = mi->e[i].id;
		de[i].excluded = o->split == 0 && (mi->e[i].held_out || mi->mix->held_out[i]);
		de[i].restricted = restricted(r, mi, i);
		de[i].policy = mi->mix->policy[i];
	}
	struct cx_dry *d = NULL;
	struct cx_dry_removed rm;
	int rc = phase(r, "count", cx_plan_dry_begin(r->cat, o->split, de, mi->n, &d, err));
	if (rc == 0)
		rc = phase(r, "label rules", dry_labels(r, mi, d, err));
	if (rc == 0) {
		cx_plan_dry_tally(d, &rm);
		for (size_t i = 0; i < mi->n; i++) {
			mi->instances[i] = de[i].instances;
			mi->removed[i] = de[i].removed;
			mi->avail[i] = de[i].avail;
		}
		cx_mix_counts(mi->mix, mi->avail, mi->n, mi->counts, mi->requested);
		for (size_t i = 0; i < mi->n; i++)
			mi->achieved[i] = mi->avail[i] > 0 && mi->counts[i] > 0 ? mi->counts[i] : 0;
		r->dry = de;
		r->dry_removed = &rm;
		rc = phase(r, "mix and print", print_plan(r, mi, err));
		r->dry = NULL;
		r->dry_removed = NULL;
	}
	cx_plan_dry_free(d);
	free(de);
	return rc ? rc : check_short(r, mi, err);
}

/* ------------------------------------------------------------------- run */

/* The plan, before a pixel is decoded: which images exist and their
 * contents (a dry run takes them from the catalogue), hygiene, duplicates,
 * renderings, the mix; then, for a real run, the chosen records' images
 * transcoded, the repeats rendered again; last, the tally and the check of
 * the mix's requests. */
static int plan(struct run *r, struct mixinfo *mi, struct cx_error *err)
{
	const struct cx_shard_opts *o = r->o;
	int rc;
	if (o->dry_run) {
		rc = phase(r, "image ids", cx_plan_image_ids(r->cat, err));
	} else {
		progress_start(r, "read", cx_plan_image_count(r->cat));
		rc = phase(r, "read images", cx_plan_image_groups(r->cat, on_group, r, err));
		progress_end(r);
	}
	if (rc == 0)
		rc = phase(r, "hygiene", cx_plan_hygiene(r->cat, o->split, err));
	if (rc == 0)
		rc = phase(r, "dedup images", cx_plan_dedup_images(r->cat, o->split, err));
	/* a dry run renders nothing: duplicate records (the same instruction and
	 * answer on the same images) are found by the real run only */
	if (rc == 0 && !o->dry_run)
		rc = phase(r, "render", cx_plan_each_view(r->cat, o->split, on_view, r, err));
	if (rc == 0 && !o->dry_run)
		rc = phase(r, "dedup records", cx_plan_dedup_records(r->cat, o->split, err));
	if (rc == 0)
		rc = phase(r, "mix and order", plan_mix(r, mi, err));
	if (rc == 0 && !o->dry_run && o->image.size > 0)
		rc = phase(r, "transcode", transcode_images(r, err));
	if (rc == 0 && !o->dry_run)
		rc = phase(r, "render repeats", cx_plan_each_repeat(r->cat, o->split, on_view, r,
								    err));
	if (rc == 0)
		rc = tally(r, mi, err);
	if (rc == 0 && !o->dry_run)
		rc = cx_plan_commit(r->cat, err);
	if (rc == 0 && o->dry_run)
		rc = print_plan(r, mi, err);
	return rc ? rc : check_short(r, mi, err);
}

static int pipeline(struct run *r, struct mixinfo *mi, struct cx_shard_summary *sum,
		    struct cx_error *err)
{
	const struct cx_shard_opts *o = r->o;
	struct cx_buf p = CX_BUF_INIT;
	int64_t *excl;
	size_t nexcl;
	r->mark = now_s();
	if (o->dry_run) {
		int rc = dry_counts(r, mi, err);
		if (rc <= 0)
			return rc;
	}
	excluded_entries(o, mi, &excl, &nexcl);
	if (o->dry_run)
		cx_buf_adds(&p, "");
	else
		path_in(&p, o->out, PLAN_DB);
	int rc = cx_plan_begin(r->cat, cx_buf_str(&p), o->split, o->seed, excl, nexcl, err);
	free(excl);
	for (size_t i = 0; rc == 0 && i < mi->n; i++)
		if (mi->mix->policy[i] != 3)
			rc = cx_plan_policy(r->cat, o->split, mi->e[i].id, mi->mix->policy[i], err);
	if (rc == 0)
		rc = restrict_access(r, mi, err);
	if (rc == 0 && !o->dry_run) {
		path_in(&p, o->out, STAGE);
		r->stage_fd = open(p.data, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (r->stage_fd < 0)
			rc = cx_error_set(err, CX_EIO, "cannot create '%s': %s", p.data,
					  strerror(errno));
	}
	if (rc == 0)
		rc = start_pool(r, err);
	phase(r, "start", rc);
	if (rc == 0)
		rc = plan(r, mi, err);
	cx_buf_release(&p);
	if (rc || o->dry_run)
		return rc;
	struct cx_shard_file *files = NULL;
	size_t nfiles = 0;
	rc = resume_or_start(r, err);
	progress_start(r, "write", cx_plan_out_count(r->cat) - r->skip);
	if (rc == 0)
		rc = phase(r, "write", write_shards(r, &files, &nfiles, err));
	progress_end(r);
	if (rc == 0)
		end_journal(r);
	struct leak l = {0};
	if (rc == 0)
		rc = write_leakage(r, &l, err);
	if (rc == 0)
		rc = write_manifest(r, mi, &l, files, nfiles, sum, err);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i].name);
	free(files);
	for (size_t i = 0; i < l.nreasons; i++)
		free(l.reasons[i]);
	return rc;
}

static void cleanup(struct run *r)
{
	/* after an error, jobs may still be reading the staging file: the pools
	 * wait for them before anything they use is closed or freed */
	cx_pool_free(r->pool);
	cx_pool_free(r->wpool);
	struct cx_buf p = CX_BUF_INIT;
	cx_plan_end(r->cat);
	if (r->stage_fd >= 0)
		close(r->stage_fd);
	static const char *const temps[] = {PLAN_DB, PLAN_DB "-journal", STAGE};
	for (size_t i = 0; !r->o->dry_run && i < CX_ARRAY_LEN(temps); i++) {
		path_in(&p, r->o->out, temps[i]);
		unlink(p.data);
	}
	cx_buf_release(&p);
	/* a failed run's new set is not finished: it goes (an old set stays) */
	struct cx_error ignored = {0};
	if (!r->o->dry_run)
		remove_newset(r->o->out, &ignored);
	cx_buf_release(&r->work);
	for (size_t i = 0; r->jobs && i < pool_depth_for(r->o->threads); i++) {
		cx_buf_release(&r->jobs[i].path);
		cx_buf_release(&r->jobs[i].name);
		cx_buf_release(&r->jobs[i].in);
		cx_buf_release(&r->jobs[i].out);
	}
	free(r->jobs);
	for (size_t i = 0; r->rjobs && i < pool_depth_for(r->o->threads); i++)
		for (size_t k = 0; k < BATCH; k++) {
			struct record *j = &r->rjobs[i].rec[k];
			cx_buf_release(&j->instruction);
			cx_buf_release(&j->answer);
			cx_buf_release(&j->meta);
			for (size_t m = 0; m < CX_SHARD_MAX_IMAGES; m++) {
				cx_buf_release(&j->path[m]);
				cx_buf_release(&j->img[m]);
			}
		}
	free(r->rjobs);
	cx_buf_release(&r->meta);
	cx_buf_release(&r->dup);
	cx_buf_release(&r->key);
	if (r->journal)
		fclose(r->journal);
	for (size_t i = 0; i < r->nkept; i++)
		free(r->kept[i].name);
	free(r->kept);
}

/* Each label rule of the mix names a label of its entry's vocabulary (as the
 * catalogue stores it); the rule takes the label's released name, the key
 * the label sets hold ("pleural thickening" finds "Pleural_Thickening"). */
static int check_labels(struct cx_cat *cat, const struct mixinfo *mi, const char *path,
			struct cx_error *err)
{
	for (size_t k = 0; k < mi->mix->nlabels; k++) {
		struct cx_mix_label *l = &mi->mix->labels[k];
		const struct cx_shard_entry *e = &mi->e[l->entry];
		struct cx_vocab *v = NULL;
		if (cx_cat_vocab(cat, e->source, &v, err))
			return err->code;
		int i = v ? cx_vocab_find(v, l->label) : -1;
		if (i >= 0) {
			free(l->label);
			l->label = cx_strdup(v->labels[i].name);
		} else {
			cx_error_set(err, CX_EINVAL, "mix '%s': entry '%s' label '%s': %s%s", path,
				     e->name, l->label, v ? "no such label in " : "the dataset has no"
				     " labels", v ? v->name : "");
		}
		cx_cat_vocab_free(v);
		if (i < 0)
			return err->code;
	}
	return 0;
}

int cx_shard_run(struct cx_cat *cat, const struct cx_templates *t, const struct cx_shard_opts *o,
		 struct cx_shard_summary *sum, struct cx_error *err)
{
	memset(sum, 0, sizeof(*sum));
	struct run r = {0};
	r.cat = cat;
	r.t = t;
	r.o = o;
	r.stage_fd = -1;
	r.ops = cx_shard_format(o->format);
	if (!r.ops)
		return cx_error_set(err, CX_EINVAL, "unknown format '%s' (native, webdataset, mds)",
				    o->format);
	struct mixinfo mi = {0};
	if (cx_cat_source_terms(cat, &r.terms, &r.nterms, err))
		return err->code;
	if (cx_cat_shard_entries(cat, (struct cx_shard_entry **)&mi.e, &mi.n, err)) {
		cx_cat_source_terms_free(r.terms, r.nterms);
		return err->code;
	}
	struct cx_mix mix;
	int rc = o->mix_text ? cx_mix_load_text(&mix, o->mix, o->mix_text, mi.e, mi.n, o->split,
						err)
			     : cx_mix_load(&mix, o->mix, mi.e, mi.n, o->split, err);
	mi.mix = &mix;
	if (rc == 0)
		rc = check_labels(cat, &mi, o->mix, err);
	int lock = -1;
	r.prog.on = o->progress;
	r.prog.who = "shard";
	if (rc == 0 && !o->dry_run && mkdirs(o->out) != 0)
		rc = cx_error_set(err, CX_EIO, "cannot create output folder '%s': %s", o->out,
				  strerror(errno));
	if (rc == 0 && !o->dry_run && cx_cat_fingerprint(cat, &r.fp, err) == 0)
		r.run_key = key_of(&r, &mix);
	else if (rc == 0 && !o->dry_run)
		rc = err->code;
	if (rc == 0 && !o->dry_run)
		rc = lock_dir(o->out, &lock, err);
	if (rc == 0 && !o->dry_run)
		rc = prepare_dir(o->out, o->overwrite, err);
	if (!o->dry_run)
		path_in(&r.work, o->out, NEWSET);
	int64_t *arrays[6] = {0};
	if (rc == 0) {
		for (size_t k = 0; k < CX_ARRAY_LEN(arrays); k++)
			arrays[k] = cx_calloc(mi.n + 1, sizeof(int64_t));
		mi.avail = arrays[0];
		mi.counts = arrays[1];
		mi.instances = arrays[2];
		mi.removed = arrays[3];
		mi.achieved = arrays[4];
		mi.requested = cx_calloc(mi.n + 1, sizeof(double));
		rc = pipeline(&r, &mi, sum, err);
		cleanup(&r);
	}
	cx_buf_release(&r.work);
	if (!o->dry_run)
		unlock_dir(o->out, lock);
	for (size_t k = 0; k < CX_ARRAY_LEN(arrays); k++)
		free(arrays[k]);
	free(mi.requested);
	cx_mix_release(&mix);
	cx_cat_shard_entries_free((struct cx_shard_entry *)mi.e, mi.n);
	cx_cat_source_terms_free(r.terms, r.nterms);
	return rc;
}

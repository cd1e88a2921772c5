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
 * it). Both are removed at the end.
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
#include "shard/mix.h"
#include "shard/sharder.h"
#include "tasks/tasks.h"
#include "util/pool.h"

#define PLAN_DB ".cx-plan.db"
#define STAGE ".cx-stage.tmp"
#define NEWSET ".cx-new"      /* the new set, until it is complete */
#define LOCK ".cx-lock"
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
	"manifest.json", "leakage.json", "index.json", "shard-[0-9][0-9][0-9][0-9][0-9][0-9].cxs",
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
	if (rc == 0)
		rc = remove_newset(dir, err);
	if (rc == 0)
		rc = remove_some(dir, done ? is_temporary : is_ours, err);
	struct cx_buf p = CX_BUF_INIT;
	path_in(&p, dir, NEWSET);
	if (rc == 0 && mkdir(p.data, 0755) != 0)
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
};

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
 * The worker's part: hashes the bytes and, when the split shows the image
 * and --image-size is set, transcodes it (once however many records show
 * it). The hash stays that of the original, as for the images it is
 * compared with. An image that does not decode is left unusable, like an
 * unreadable one: its instances are removed and reported.
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
	int transcode = j->opts->size > 0;
	if (!image_type(p, n) && !(transcode && cx_image_sniff(p, n, j->name.data)))
		return;
	j->hash = cx_shard_image_hash(p, n);
	if (j->need && transcode) {
		enum cx_image_type type;
		cx_buf_reset(&j->out);
		if (cx_image_transcode(p, n, j->name.data, j->opts, &j->out, &type, &e)) {
			snprintf(j->why, sizeof j->why, "%s", e.msg);
			return;
		}
		j->transcoded = 1;
	}
	j->usable = 1;
}

/* The main thread's part: stages the bytes the shards will need (archive
 * members, transcoded images) and records the image in the plan. */
static int record_image(struct run *r, struct image_job *j, struct cx_error *err)
{
	/* named here, in plan order, so the lines do not depend on threads */
	if (!j->usable && j->why[0])
		fprintf(stderr, "chexinstruct shard: image '%s' not decoded: %s\n", j->name.data,
			j->why);
	if (!j->usable)
		return 0;
	const struct cx_buf *b = j->transcoded ? &j->out : &j->in;
	int64_t off = -1;
	if (j->need && (j->stage || j->transcoded)) {
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

static int on_plain(void *ctx, int64_t id, const char *path, int need, struct cx_error *err)
{
	struct run *r = ctx;
	struct image_job *j;
	if (free_job(r, &j, err))
		return err->code;
	cx_buf_reset(&j->path);
	cx_buf_addf(&j->path, "%s/%s", r->release, path);
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

static int on_group(void *ctx, const char *release, const char *archive, struct cx_error *err)
{
	struct run *r = ctx;
	r->release = release;
	r->archive = archive;
	if (!archive[0] && is_dir(release)) {
		int rc = cx_plan_group_images(r->cat, release, archive, on_plain, r, err);
		return rc ? rc : drain_jobs(r, err);
	}
	struct cx_release *rel;
	if (cx_release_open(&rel, release, err))
		return err->code;
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

/* ----------------------------------------------------------------- render */

static void json_opt_str(struct cx_buf *b, const char *key, const char *v)
{
	cx_buf_addf(b, ", \"%s\": ", key);
	if (v)
		cx_buf_add_json_str(b, v);
	else
		cx_buf_adds(b, "null");
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
	cx_buf_addf(b, "], \"correct\": %d, \"boxes\": [", x->correct);
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

static int on_view(void *ctx, const struct cx_plan_view *pv, struct cx_error *err)
{
	struct run *r = ctx;
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
	cx_buf_reset(b);
	cx_buf_grow(b, (size_t)j->slen[i] + 1);
	ssize_t n = pread(stage_fd, b->data, (size_t)j->slen[i], (off_t)j->soff[i]);
	if (n != (ssize_t)j->slen[i])
		return cx_error_set(err, CX_EIO, "cannot read staged '%s': %s", j->path[i].data,
				    n < 0 ? strerror(errno) : "short read");
	b->len = (size_t)n;
	b->data[b->len] = '\0';
	return 0;
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
	cx_buf_reset(&r->meta);
	cx_buf_addf(&r->meta, "%s, \"repeat\": %d}", j->meta.data, j->repeat);
	cx_buf_reset(&r->key);
	cx_buf_addf(&r->key, "%09llu", (unsigned long long)j->index);
	struct cx_shard_record rec = {j->index, r->key.data, j->instruction.data, j->answer.data,
				      r->meta.data, imgs, j->nimages};
	if (r->ops->write(r->wstate, &rec, err))
		return err->code;
	r->written++;
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
		cx_buf_addf(&j->path[i], "%s/%s", im->release, im->path);
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
	int64_t *avail, *counts;
	double *requested;
};

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

static int write_manifest(struct run *r, const struct mixinfo *mi, const struct leak *l,
			  const struct cx_shard_file *files, size_t nfiles, struct cx_shard_summary *sum,
			  struct cx_error *err)
{
	const struct cx_shard_opts *o = r->o;
	uint64_t fp, build_seed;
	if (cx_cat_fingerprint(r->cat, &fp, err) || cx_cat_build_seed(r->cat, &build_seed, err))
		return err->code;
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "{\"format\": \"chexinstruct-shards\", \"format_version\": 1,"
			" \"record_format\": \"%s\", \"split\": \"%s\", \"seed\": %llu,"
			" \"build_seed\": %llu,\n \"config\": {\"mix\": %s", o->format,
		    cx_rank_name(o->split), (unsigned long long)o->seed,
		    (unsigned long long)build_seed, mi->mix->json);
	opt_limit(&b, "max_bytes", o->limits.max_bytes);
	opt_limit(&b, "max_records", o->limits.max_records);
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
		total += mi->counts[i];
	int first = 1;
	for (size_t i = 0; i < mi->n; i++) {
		if (mi->avail[i] == 0 && mi->counts[i] == 0)
			continue;
		cx_buf_adds(&b, first ? "\n  {\"entry\": " : ",\n  {\"entry\": ");
		cx_buf_add_json_str(&b, mi->e[i].name);
		cx_buf_addf(&b, ", \"available\": %lld, \"weight\": %.6g, \"requested\": %.4f,"
				" \"achieved\": %.4f, \"records\": %lld", (long long)mi->avail[i],
			    mi->mix->weight[i], mi->requested[i],
			    total ? (double)mi->counts[i] / (double)total : 0.0,
			    (long long)mi->counts[i]);
		manifest_labels(&b, mi->mix, i);
		cx_buf_addc(&b, '}');
		first = 0;
	}
	cx_buf_adds(&b, first ? "]}\n" : "\n ]}\n");
	int rc = publish(o->out, &b, err);
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
	if (cx_plan_rank(r->cat, r->o->split, r->o->seed, err) || label_rules(r, mi, err))
		return err->code;
	for (size_t i = 0; i < mi->n; i++)
		if (cx_plan_available(r->cat, r->o->split, mi->e[i].id, &mi->avail[i], err))
			return err->code;
	cx_mix_counts(mi->mix, mi->avail, mi->n, mi->counts, mi->requested);
	for (size_t i = 0; i < mi->n; i++)
		if (cx_plan_select(r->cat, r->o->split, mi->e[i].id, mi->counts[i], mi->avail[i],
				   r->o->seed, err))
			return err->code;
	if (label_records(r, mi, err))
		return err->code;
	return cx_plan_commit(r->cat, err);
}

static int write_shards(struct run *r, struct cx_shard_file **files, size_t *nfiles,
			struct cx_error *err)
{
	size_t depth = pool_depth_for(r->o->threads);
	r->rjobs = cx_calloc(depth, sizeof(*r->rjobs));
	r->wpool = cx_pool_new(r->o->threads, depth, work_record);
	if (!r->wpool)
		return cx_error_set(err, CX_EIO, "cannot start %d threads", r->o->threads);
	if (r->ops->open(&r->wstate, r->work.data, &r->o->limits, err))
		return err->code;
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

static int start_pool(struct run *r, struct cx_error *err)
{
	size_t depth = pool_depth_for(r->o->threads);
	r->jobs = cx_calloc(depth, sizeof(*r->jobs));
	r->pool = cx_pool_new(r->o->threads, depth, work_image);
	if (!r->pool)
		return cx_error_set(err, CX_EIO, "cannot start %d image threads", r->o->threads);
	return 0;
}

static int pipeline(struct run *r, struct mixinfo *mi, struct cx_shard_summary *sum,
		    struct cx_error *err)
{
	const struct cx_shard_opts *o = r->o;
	struct cx_buf p = CX_BUF_INIT;
	int64_t *excl;
	size_t nexcl;
	r->mark = now_s();
	excluded_entries(o, mi, &excl, &nexcl);
	path_in(&p, o->out, PLAN_DB);
	int rc = cx_plan_begin(r->cat, p.data, o->split, excl, nexcl, err);
	free(excl);
	path_in(&p, o->out, STAGE);
	if (rc == 0) {
		r->stage_fd = open(p.data, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (r->stage_fd < 0)
			rc = cx_error_set(err, CX_EIO, "cannot create '%s': %s", p.data,
					  strerror(errno));
	}
	if (rc == 0)
		rc = start_pool(r, err);
	phase(r, "start", rc);
	if (rc == 0)
		rc = phase(r, "read images", cx_plan_image_groups(r->cat, on_group, r, err));
	if (rc == 0)
		rc = phase(r, "hygiene", cx_plan_hygiene(r->cat, o->split, err));
	if (rc == 0)
		rc = phase(r, "dedup images", cx_plan_dedup_images(r->cat, o->split, err));
	if (rc == 0)
		rc = phase(r, "render", cx_plan_each_view(r->cat, o->split, on_view, r, err));
	if (rc == 0)
		rc = phase(r, "dedup records", cx_plan_dedup_records(r->cat, o->split, err));
	if (rc == 0)
		rc = phase(r, "mix and order", plan_mix(r, mi, err));
	struct cx_shard_file *files = NULL;
	size_t nfiles = 0;
	if (rc == 0)
		rc = phase(r, "write", write_shards(r, &files, &nfiles, err));
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
	cx_buf_release(&p);
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
	for (size_t i = 0; i < CX_ARRAY_LEN(temps); i++) {
		path_in(&p, r->o->out, temps[i]);
		unlink(p.data);
	}
	cx_buf_release(&p);
	/* a failed run's new set is not finished: it goes (an old set stays) */
	struct cx_error ignored = {0};
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
	if (cx_cat_shard_entries(cat, (struct cx_shard_entry **)&mi.e, &mi.n, err))
		return err->code;
	struct cx_mix mix;
	int rc = cx_mix_load(&mix, o->mix, mi.e, mi.n, o->split, err);
	mi.mix = &mix;
	if (rc == 0)
		rc = check_labels(cat, &mi, o->mix, err);
	int lock = -1;
	if (rc == 0 && mkdirs(o->out) != 0)
		rc = cx_error_set(err, CX_EIO, "cannot create output folder '%s': %s", o->out,
				  strerror(errno));
	if (rc == 0)
		rc = lock_dir(o->out, &lock, err);
	if (rc == 0)
		rc = prepare_dir(o->out, o->overwrite, err);
	path_in(&r.work, o->out, NEWSET);
	if (rc == 0) {
		mi.avail = cx_calloc(mi.n + 1, sizeof(int64_t));
		mi.counts = cx_calloc(mi.n + 1, sizeof(int64_t));
		mi.requested = cx_calloc(mi.n + 1, sizeof(double));
		rc = pipeline(&r, &mi, sum, err);
		cleanup(&r);
	}
	cx_buf_release(&r.work);
	unlock_dir(o->out, lock);
	free(mi.avail);
	free(mi.counts);
	free(mi.requested);
	cx_mix_release(&mix);
	cx_cat_shard_entries_free((struct cx_shard_entry *)mi.e, mi.n);
	return rc;
}

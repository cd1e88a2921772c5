/*
 * stamp.c - a source's build stamp: what a catalogue records of the release
 * it read and the settings it read it with, so that `chexinstruct recipe`
 * can tell whether building the source again would change anything without
 * doing it.
 *
 * The release part is a fingerprint of its files' metadata, not of their
 * bytes: every file and folder under the release (or the archive itself)
 * with its path inside the release, its size and its modification time to
 * the nanosecond. Reading the bytes would cost as much as the build (hundreds
 * of GB for MIMIC-CXR); a stat per file costs about half a second of CPU
 * per 100,000 files from the page cache (the 157,750 entries of a /usr:
 * 0.87 s of user + system time, where `find -printf '%s %T@'` took 1.1 s),
 * and a file whose content changes gets a new modification time. Like make, it errs one way only: a file touched without
 * a change (or a copy that does not keep times, `cp` without `-p`) makes the
 * source look changed and costs a rebuild, whose catalogue content (and
 * fingerprint) then comes out the same. Where the release lies is not in it:
 * a copy moved with its times (`cp -a`, `rsync -a`, `mv`) keeps its stamp.
 *
 * The walk is order-free: each entry hashes to XXH3-128, and the release is
 * its entry count and the sums of the two halves, so readdir's order does not
 * matter and nothing is held in memory but the current path.
 */
#include "cx.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "build/build.h"

/* Deeper than any release's layout (MIMIC-CXR's files are 5 folders down);
 * the walk never follows a symbolic link, so it cannot loop. */
#define MAX_DEPTH 64

struct walk {
	uint64_t n, lo, hi;
	struct cx_buf path;     /* the entry's path inside the release */
};

/* One entry: its kind, path, and for files (and what a link points at) the
 * size and modification time. */
static void add(struct walk *w, char kind, const struct stat *st, const char *link)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "%c|%s|%s", kind, w->path.data ? w->path.data : "", link ? link : "");
	if (st)
		cx_buf_addf(&b, "|%lld|%lld.%09ld", (long long)st->st_size,
			    (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec);
	XXH128_hash_t h = XXH3_128bits(b.data, b.len);
	cx_buf_release(&b);
	w->n++;
	w->lo += h.low64;
	w->hi += h.high64;
}

static void walk_dir(int fd, struct walk *w, int depth);

/* The entry name of the folder open as dirfd. */
static void entry(int dirfd, const char *name, struct walk *w, int depth)
{
	size_t keep = w->path.len;
	if (keep)
		cx_buf_addc(&w->path, '/');
	cx_buf_adds(&w->path, name);
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		add(w, '?', NULL, NULL);
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t len = readlinkat(dirfd, name, target, sizeof target - 1);
		target[len > 0 ? len : 0] = '\0';
		struct stat to;
		add(w, 'l', fstatat(dirfd, name, &to, 0) == 0 ? &to : NULL, target);
	} else if (S_ISDIR(st.st_mode)) {
		int sub = depth < MAX_DEPTH ? openat(dirfd, name, O_RDONLY | O_DIRECTORY |
						     O_NOFOLLOW | O_CLOEXEC) : -1;
		add(w, sub < 0 ? '?' : 'd', NULL, NULL);
		if (sub >= 0)
			walk_dir(sub, w, depth + 1);
	} else {
		add(w, 'f', &st, NULL);
	}
	w->path.len = keep;
	if (w->path.data)
		w->path.data[keep] = '\0';
}

/* Every entry of the folder open as fd (closed here), folders recursively. */
static void walk_dir(int fd, struct walk *w, int depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			entry(dirfd(d), de->d_name, w, depth);
	closedir(d);
}

int cx_build_release_fingerprint(const char *path, uint64_t *out, struct cx_error *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return cx_error_set(err, CX_ENOTFOUND, "cannot read release '%s': %s", path,
				    strerror(errno));
	struct walk w = {.path = CX_BUF_INIT};
	if (S_ISDIR(st.st_mode)) {
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return cx_error_set(err, CX_EIO, "cannot read release '%s': %s", path,
					    strerror(errno));
		walk_dir(fd, &w, 0);
	} else {
		add(&w, 'f', &st, NULL);
	}
	cx_buf_release(&w.path);
	uint64_t v[3] = {w.n, w.lo, w.hi};
	*out = XXH3_64bits(v, sizeof v);
	return 0;
}

int cx_build_stamp(const char *path, const struct cx_build_opts *o, char **out,
		   struct cx_error *err)
{
	uint64_t fp;
	if (cx_build_release_fingerprint(path, &fp, err))
		return err->code;
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "release=%016llx seed=%llu images=%s chexinstruct=%s",
		    (unsigned long long)fp, (unsigned long long)o->seed,
		    !o->check_images ? "unchecked" : o->hash_images ? "hashed" : "checked",
		    CX_VERSION);
	*out = cx_buf_detach(&b);
	return 0;
}

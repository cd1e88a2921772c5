/*
 * outfile.c - temporary-name, fsync, rename output files for the export
 * backends. The hash is computed while writing, so a shard's XXH3-64 costs no
 * second read of the file.
 */
#include "cx.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include "shard/outfile.h"

struct cx_outfile {
	int fd;
	char *tmp;   /* DIR/.NAME.tmp */
	char *path;  /* DIR/NAME */
	char *dir;
	uint64_t bytes;
	XXH3_state_t *h;
};

static char *join(const char *dir, const char *pre, const char *name, const char *post)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "%s/%s%s%s", dir, pre, name, post);
	return cx_buf_detach(&b);
}

static void free_outfile(struct cx_outfile *o)
{
	if (o->h)
		XXH3_freeState(o->h);
	free(o->tmp);
	free(o->path);
	free(o->dir);
	free(o);
}

int cx_outfile_open(struct cx_outfile **out, const char *dir, const char *name,
		    struct cx_error *err)
{
	struct cx_outfile *o = cx_calloc(1, sizeof(*o));
	o->tmp = join(dir, ".", name, ".tmp");
	o->path = join(dir, "", name, "");
	o->dir = cx_strdup(dir);
	o->h = XXH3_createState();
	if (!o->h)
		abort();
	XXH3_64bits_reset(o->h);
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		int e = errno;
		cx_error_set(err, CX_EIO, "cannot create %s: %s", o->tmp, strerror(e));
		free_outfile(o);
		return CX_EIO;
	}
	*out = o;
	return 0;
}

int cx_outfile_write(struct cx_outfile *o, const void *p, size_t n, struct cx_error *err)
{
	const char *c = p;
	XXH3_64bits_update(o->h, p, n);
	o->bytes += n;
	while (n > 0) {
		ssize_t w = write(o->fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return cx_error_set(err, CX_EIO, "cannot write %s: %s", o->tmp,
					    w < 0 ? strerror(errno) : "short write");
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

uint64_t cx_outfile_bytes(const struct cx_outfile *o)
{
	return o->bytes;
}

uint64_t cx_outfile_hash(const struct cx_outfile *o)
{
	return XXH3_64bits_digest(o->h);
}

/* The rename is only durable once the directory entry is on disk too. */
static int sync_dir(const char *dir, struct cx_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cx_error_set(err, CX_EIO, "cannot open folder %s: %s", dir, strerror(errno));
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	if (rc != 0 && e != EINVAL)
		return cx_error_set(err, CX_EIO, "cannot sync folder %s: %s", dir, strerror(e));
	return 0;
}

int cx_outfile_commit(struct cx_outfile *o, struct cx_error *err)
{
	int rc = 0;
	if (fsync(o->fd) != 0)
		rc = cx_error_set(err, CX_EIO, "cannot sync %s: %s", o->tmp, strerror(errno));
	if (close(o->fd) != 0 && rc == 0)
		rc = cx_error_set(err, CX_EIO, "cannot close %s: %s", o->tmp, strerror(errno));
	o->fd = -1;
	if (rc == 0 && rename(o->tmp, o->path) != 0)
		rc = cx_error_set(err, CX_EIO, "cannot rename %s to %s: %s", o->tmp, o->path,
				  strerror(errno));
	if (rc == 0)
		rc = sync_dir(o->dir, err);
	else
		unlink(o->tmp);
	free_outfile(o);
	return rc;
}

void cx_outfile_discard(struct cx_outfile *o)
{
	if (!o)
		return;
	if (o->fd >= 0)
		close(o->fd);
	unlink(o->tmp);
	free_outfile(o);
}

/*
 * outfile.c - temporary-name, fsync, rename output files for the export
 * backends. The hash is computed while writing, so a shard's XXH3-64 costs no
 * second read of the file.
 */
#include "cx.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "util/xxh.h"

#include "shard/bgwrite.h"
#include "shard/fileio.h"
#include "shard/outfile.h"

#define OBUF (1u << 20)

struct cx_outfile {
	int fd;
	char *tmp;   /* DIR/.NAME.tmp */
	char *path;  /* DIR/NAME */
	char *dir;
	uint64_t bytes;
	XXH3_state_t *h;
	struct cx_bgwrite *bw;  /* NULL: plain writes */
};

static char *join(const char *dir, const char *pre, const char *name, const char *post)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "%s/%s%s%s", dir, pre, name, post);
	return cx_buf_detach(&b);
}

static void free_outfile(struct cx_outfile *o)
{
	cx_bgwrite_free(o->bw); /* a write in flight ends before the fd closes */
	o->bw = NULL;
	if (o->fd >= 0)
		close(o->fd);
	if (o->h)
		XXH3_freeState(o->h);
	free(o->tmp);
	free(o->path);
	free(o->dir);
	free(o);
}

int cx_outfile_open(struct cx_outfile **out, const char *dir, const char *name, int how,
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
	if (how & CX_OUTFILE_STREAM) {
		o->bw = cx_bgwrite_new(OBUF);
		if (!o->bw) {
			cx_error_set(err, CX_EIO, "cannot start the writer thread for %s", o->tmp);
			unlink(o->tmp);
			free_outfile(o);
			return CX_EIO;
		}
		cx_bgwrite_begin(o->bw, o->fd, o->tmp, how == CX_OUTFILE_DIRECT);
	}
	*out = o;
	return 0;
}

int cx_outfile_write(struct cx_outfile *o, const void *p, size_t n, struct cx_error *err)
{
	XXH3_64bits_update(o->h, p, n);
	o->bytes += n;
	if (o->bw)
		return cx_bgwrite_append(o->bw, p, n, err);
	return cx_write_all(o->fd, p, n, o->tmp, err);
}

uint64_t cx_outfile_bytes(const struct cx_outfile *o)
{
	return o->bytes;
}

uint64_t cx_outfile_hash(const struct cx_outfile *o)
{
	return XXH3_64bits_digest(o->h);
}

int cx_outfile_commit(struct cx_outfile *o, struct cx_error *err)
{
	int rc = o->bw ? cx_bgwrite_end(o->bw, err) : 0;
	if (rc == 0 && fsync(o->fd) != 0)
		rc = cx_error_set(err, CX_EIO, "cannot sync %s: %s", o->tmp, strerror(errno));
	if (close(o->fd) != 0 && rc == 0)
		rc = cx_error_set(err, CX_EIO, "cannot close %s: %s", o->tmp, strerror(errno));
	o->fd = -1;
	if (rc == 0 && rename(o->tmp, o->path) != 0)
		rc = cx_error_set(err, CX_EIO, "cannot rename %s to %s: %s", o->tmp, o->path,
				  strerror(errno));
	if (rc == 0)
		rc = cx_fsync_dir(o->dir, err);
	else
		unlink(o->tmp);
	free_outfile(o);
	return rc;
}

void cx_outfile_discard(struct cx_outfile *o)
{
	if (!o)
		return;
	char *tmp = cx_strdup(o->tmp);
	free_outfile(o); /* waits for the writer, closes */
	unlink(tmp);
	free(tmp);
}

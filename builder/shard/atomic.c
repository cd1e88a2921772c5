/*
 * atomic.c - writing a whole file so that it is either absent or complete:
 * the bytes go to ".NAME.tmp" in the same folder, are fsynced, the file is
 * renamed to NAME and the folder is fsynced so the rename itself survives a
 * power cut. The manifest and leakage report are written this way; shard
 * backends use the same steps on their own streams (cx_fsync_rename).
 */
#define _GNU_SOURCE 1 /* sync_file_range */
#include "cx.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "shard/fileio.h"
#include "shard/writer.h"

int cx_fsync_dir(const char *dir, struct cx_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return cx_error_set(err, CX_EIO, "cannot open folder '%s': %s", dir, strerror(errno));
	int rc = fsync(fd);
	close(fd);
	if (rc != 0 && errno != EINVAL)
		return cx_error_set(err, CX_EIO, "cannot sync folder '%s': %s", dir, strerror(errno));
	return 0;
}

int cx_fsync_rename(int fd, const char *dir, const char *tmp, const char *name,
		    struct cx_error *err)
{
	char from[4096], to[4096];
	snprintf(from, sizeof from, "%s/%s", dir, tmp);
	snprintf(to, sizeof to, "%s/%s", dir, name);
	if (fsync(fd) != 0)
		return cx_error_set(err, CX_EIO, "cannot sync '%s': %s", from, strerror(errno));
	if (rename(from, to) != 0)
		return cx_error_set(err, CX_EIO, "cannot rename '%s' to '%s': %s", from, to,
				    strerror(errno));
	return cx_fsync_dir(dir, err);
}

void cx_writeback(int fd, uint64_t *started, uint64_t upto)
{
	if (upto < *started + (8u << 20))
		return;
#ifdef SYNC_FILE_RANGE_WRITE
	/* errors are not ours to report here: the fsync at the end reports them */
	(void)sync_file_range(fd, (off_t)*started, (off_t)(upto - *started),
			      SYNC_FILE_RANGE_WRITE);
#else
	(void)fd;
#endif
	*started = upto;
}

int cx_write_all(int fd, const void *p, size_t n, const char *what, struct cx_error *err)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return cx_error_set(err, CX_EIO, "cannot write '%s': %s", what,
					    w < 0 ? strerror(errno) : "short write");
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int cx_write_file_atomic(const char *dir, const char *name, const void *data, size_t len,
			 struct cx_error *err)
{
	char tmp[1024], path[4096];
	snprintf(tmp, sizeof tmp, ".%s.tmp", name);
	snprintf(path, sizeof path, "%s/%s", dir, tmp);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return cx_error_set(err, CX_EIO, "cannot create '%s': %s", path, strerror(errno));
	int rc = cx_write_all(fd, data, len, path, err);
	if (rc == 0)
		rc = cx_fsync_rename(fd, dir, tmp, name, err);
	close(fd);
	if (rc)
		unlink(path);
	return rc;
}

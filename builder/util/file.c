/*
 * file.c - reading a whole plain file into memory, sized by fstat first so a
 * large image costs one allocation, refusing anything over a caller's cap.
 */
#include "cx.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int cx_read_file(const char *path, size_t max, struct cx_buf *b, struct cx_error *err)
{
	cx_buf_reset(b);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cx_error_set(err, CX_ENOTFOUND, "cannot open '%s': %s", path,
				    strerror(errno));
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max)
		rc = cx_error_set(err, CX_ELIMIT, "'%s': not a file of at most %zu bytes", path,
				  max);
	if (rc == 0)
		cx_buf_grow(b, (size_t)st.st_size + 1);
	while (rc == 0) {
		ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = cx_error_set(err, CX_EIO, "cannot read '%s': %s", path, strerror(errno));
		if (n <= 0)
			break;
		b->len += (size_t)n;
		if (b->len + 1 == b->cap)
			cx_buf_grow(b, 1 << 16);
	}
	if (b->data)
		b->data[b->len] = '\0';
	close(fd);
	return rc;
}

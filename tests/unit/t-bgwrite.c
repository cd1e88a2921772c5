/*
 * t-bgwrite.c - the streaming shard writer (builder/shard/bgwrite.c): bytes
 * land in the order appended whatever the sizes of the appends, with and
 * without O_DIRECT, across files written one after another through the same
 * writer (whose descriptors reuse numbers); a write that fails is reported
 * by end, naming the file; a refused O_DIRECT open falls back to plain
 * writes; and freeing after an error is clean.
 */
#include "cx.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shard/bgwrite.h"
#include "t.h"

#define BUF (64u << 10) /* small buffers: many swaps in a few hundred KiB */

static char dir[] = "/tmp/t-bgwrite-XXXXXX";

/* The byte at offset i of test file `seed`: not periodic in the buffer size. */
static unsigned char byte_at(uint64_t i, unsigned seed)
{
	return (unsigned char)((i * 2654435761u + seed) >> 7);
}

/* The whole file (cx_read_file); NULL if it cannot be read. */
static unsigned char *slurp(const char *path, size_t *n)
{
	struct cx_buf b = CX_BUF_INIT;
	struct cx_error err = {0};
	if (cx_read_file(path, SIZE_MAX, &b, &err)) {
		cx_buf_release(&b);
		return NULL;
	}
	*n = b.len;
	return (unsigned char *)cx_buf_detach(&b);
}

/* Writes `total` bytes to a new file in appends of the sizes in `steps`
 * (cycled), then checks the file's bytes. */
static void one_file(struct cx_bgwrite *w, const char *name, size_t total, const size_t *steps,
		     size_t nsteps, int direct, unsigned seed)
{
	char path[256], what[300];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	cx_bgwrite_begin(w, fd, path, direct);
	unsigned char chunk[BUF * 3];
	struct cx_error err = {0};
	int rc = 0;
	for (size_t off = 0, k = 0; off < total && rc == 0; k++) {
		size_t n = steps[k % nsteps] < total - off ? steps[k % nsteps] : total - off;
		for (size_t i = 0; i < n; i++)
			chunk[i] = byte_at(off + i, seed);
		rc = cx_bgwrite_append(w, chunk, n, &err);
		off += n;
	}
	if (rc == 0)
		rc = cx_bgwrite_end(w, &err);
	close(fd);
	snprintf(what, sizeof what, "%s (%zu bytes, %s): written without error", name, total,
		 direct ? "direct" : "plain");
	CHECK(rc == 0, what);
	size_t n = 0;
	unsigned char *got = slurp(path, &n);
	size_t bad = total;
	for (size_t i = 0; got && i < n && i < total; i++)
		if (got[i] != byte_at(i, seed)) {
			bad = i;
			break;
		}
	snprintf(what, sizeof what, "%s: %zu bytes, each in place", name, total);
	CHECK(got && n == total && (bad == total), what);
	free(got);
}

static void sizes_and_files(int direct)
{
	struct cx_bgwrite *w = cx_bgwrite_new(BUF);
	CHECK(w != NULL, "the writer thread starts");
	static const size_t odd[] = {1, 7, 4095, 4097, BUF - 3, 100, BUF * 2 + 5};
	static const size_t whole[] = {BUF};
	static const size_t page[] = {4096};
	one_file(w, direct ? "d-empty" : "p-empty", 0, whole, 1, direct, 1);
	one_file(w, direct ? "d-small" : "p-small", 100, odd, 7, direct, 2);
	one_file(w, direct ? "d-one-buffer" : "p-one-buffer", BUF, whole, 1, direct, 3);
	one_file(w, direct ? "d-pages" : "p-pages", 5 * BUF + 4096 * 3, page, 1, direct, 4);
	one_file(w, direct ? "d-odd" : "p-odd", 7 * BUF + 12345, odd, 7, direct, 5);
	one_file(w, direct ? "d-again" : "p-again", 3 * BUF + 1, odd, 7, direct, 6);
	cx_bgwrite_free(w);
}

/* Direct I/O asked for, but the second open fails (as on a file system
 * that refuses O_DIRECT): the bytes still arrive, through plain writes. */
static void direct_refused(void)
{
	struct cx_bgwrite *w = cx_bgwrite_new(BUF);
	char path[256];
	snprintf(path, sizeof path, "%s/refused", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	cx_bgwrite_begin(w, fd, "/nonexistent/refused", 1);
	unsigned char chunk[5000];
	struct cx_error err = {0};
	int rc = 0;
	for (uint64_t off = 0; off < 3 * BUF && rc == 0; off += sizeof chunk) {
		for (size_t i = 0; i < sizeof chunk; i++)
			chunk[i] = byte_at(off + i, 9);
		rc = cx_bgwrite_append(w, chunk, sizeof chunk, &err);
	}
	if (rc == 0)
		rc = cx_bgwrite_end(w, &err);
	close(fd);
	cx_bgwrite_free(w);
	size_t n = 0, bad = 0;
	unsigned char *got = slurp(path, &n);
	for (size_t i = 0; got && i < n; i++)
		bad += got[i] != byte_at(i, 9);
	uint64_t want = (3 * BUF + sizeof chunk - 1) / sizeof chunk * sizeof chunk;
	CHECK(rc == 0 && got && n == want && bad == 0,
	      "O_DIRECT refused at open: plain writes, every byte in place");
	free(got);
}

/* A descriptor open for reading only: every write fails with EBADF. */
static void failing_write(void)
{
	struct cx_bgwrite *w = cx_bgwrite_new(BUF);
	char path[256];
	snprintf(path, sizeof path, "%s/readonly", dir);
	close(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	int fd = open(path, O_RDONLY);
	cx_bgwrite_begin(w, fd, path, 0);
	unsigned char chunk[1000] = {0};
	struct cx_error err = {0};
	int rc = 0;
	for (int i = 0; i < 300 && rc == 0; i++) /* ~4.6 buffers: the error shows by append */
		rc = cx_bgwrite_append(w, chunk, sizeof chunk, &err);
	CHECK(rc == CX_EIO, "a failed write is reported by a later append (CX_EIO)");
	char want[400];
	snprintf(want, sizeof want, "cannot write '%s': %s", path, strerror(EBADF));
	CHECK_STR(err.msg, want, "the error names the file and the reason");
	struct cx_error err2 = {0};
	CHECK(cx_bgwrite_end(w, &err2) == CX_EIO, "and end reports it again");
	cx_bgwrite_free(w);
	close(fd);
	/* freeing with a write in flight waits for it */
	w = cx_bgwrite_new(BUF);
	snprintf(path, sizeof path, "%s/abandoned", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	cx_bgwrite_begin(w, fd, path, 1);
	unsigned char big[BUF] = {0};
	cx_bgwrite_append(w, big, sizeof big, &err);
	cx_bgwrite_free(w);
	close(fd);
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_size == BUF, "free after an append waits for the write");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("Bail out! cannot make %s\n", dir);
		return 1;
	}
	sizes_and_files(0);
	sizes_and_files(1);
	direct_refused();
	failing_write();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return t_done();
}

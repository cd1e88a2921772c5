/*
 * replay.c - the main() of a fuzz target built for the test suite: runs
 * LLVMFuzzerTestOneInput once on every file of the folders (or on the files)
 * named on the command line, in name order, so the corpus and regression
 * inputs of tests/fuzz/ replay under `meson test` without libFuzzer (gcc
 * builds it; a crash or abort fails the test). Prints one TAP line per
 * folder.
 */
#include "cx.h"

#include <dirent.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	struct cx_buf b = CX_BUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		cx_buf_add(&b, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (!bad) {
		/* a private copy of exactly its size, so a read past the end is caught */
		uint8_t *in = cx_malloc(b.len ? b.len : 1);
		memcpy(in, b.data ? b.data : "", b.len);
		LLVMFuzzerTestOneInput(in, b.len);
		free(in);
	}
	cx_buf_release(&b);
	return bad ? -1 : 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order; the number run, or -1. */
static long run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = cx_realloc(names, (n + 1) * sizeof(*names));
		names[n++] = cx_strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	long ran = 0;
	for (size_t i = 0; i < n; i++) {
		struct cx_buf p = CX_BUF_INIT;
		cx_buf_addf(&p, "%s/%s", dir, names[i]);
		struct stat st;
		if (stat(p.data, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(p.data) < 0)
				ran = -1;
			else if (ran >= 0)
				ran++;
		}
		cx_buf_release(&p);
		free(names[i]);
	}
	free(names);
	return ran;
}

int main(int argc, char **argv)
{
	printf("1..%d\n", argc - 1);
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		long ran = -1;
		if (stat(argv[i], &st) == 0)
			ran = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) == 0;
		/* an empty or unreadable folder is a fault: it replays nothing */
		int ok = ran > 0;
		failed += !ok;
		printf("%s %d - %s: %ld inputs replayed\n", ok ? "ok" : "not ok", i, argv[i], ran);
	}
	return failed ? 1 : 0;
}

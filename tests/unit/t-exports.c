/*
 * t-exports.c - the webdataset and mds export backends. Four records (one
 * image, a JPEG+PNG pair, text only, one PNG) go through each backend into a
 * temporary folder; the C side checks the file list, sizes, hashes, bad input
 * and determinism, then tests/unit/check_exports.py reads the files back with
 * readers written from the formats (Python's tarfile under the WebDataset key
 * rules; an MDS reader from the byte layout) and compares every value.
 */
#include "cx.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shard/writer.h"
#include "t.h"

#define NREC 4

struct fixture {
	struct cx_shard_record rec[NREC];
	struct cx_shard_image img[NREC][2];
	unsigned char *bytes[NREC][2];
	char meta[NREC][64];
};

/* Same rule as image_bytes() in check_exports.py. */
static unsigned char *image_bytes(int r, int i, enum cx_image_type type, size_t n)
{
	unsigned char *p = cx_malloc(n);
	for (size_t k = 0; k < n; k++)
		p[k] = (unsigned char)((17 * r + 5 * i + (int)k) & 0xff);
	if (type == CX_IMAGE_JPEG)
		memcpy(p, "\xff\xd8\xff", 3);
	else
		memcpy(p, "\x89PNG", 4);
	return p;
}

static void fixture_init(struct fixture *f)
{
	static const char *keys[NREC] = {"000000", "000001", "000002", "000003"};
	static const char *ins[NREC] = {"Is there cardiomegaly?",
					"Compare the prior and the current image.",
					"Summarise: \xc3\x96" "dem beidseits.", "Which view is this?"};
	static const char *ans[NREC] = {"Yes.", "Unchanged.", "Bilateral edema.", "Lateral."};
	static const struct {
		size_t n;
		enum cx_image_type type[2];
		size_t len[2];
	} imgs[NREC] = {
		{1, {CX_IMAGE_JPEG}, {700}},
		{2, {CX_IMAGE_JPEG, CX_IMAGE_PNG}, {513, 40}},
		{0, {0}, {0}},
		{1, {CX_IMAGE_PNG}, {512}},
	};
	memset(f, 0, sizeof(*f));
	for (int r = 0; r < NREC; r++) {
		for (size_t i = 0; i < imgs[r].n; i++) {
			f->bytes[r][i] = image_bytes(r, (int)i, imgs[r].type[i], imgs[r].len[i]);
			f->img[r][i] = (struct cx_shard_image){f->bytes[r][i], imgs[r].len[i],
							       imgs[r].type[i]};
		}
		snprintf(f->meta[r], sizeof(f->meta[r]), "{\"key\":\"k%d\",\"task\":\"t%d\"}", r,
			 r);
		f->rec[r] = (struct cx_shard_record){(uint64_t)r, keys[r], ins[r], ans[r],
						     f->meta[r], f->img[r], imgs[r].n};
	}
}

static void fixture_free(struct fixture *f)
{
	for (int r = 0; r < NREC; r++)
		for (int i = 0; i < 2; i++)
			free(f->bytes[r][i]);
}

static void free_files(struct cx_shard_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].name);
	free(files);
}

static char *path_in(const char *dir, const char *name)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "%s/%s", dir, name);
	return cx_buf_detach(&b);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	struct cx_buf b = CX_BUF_INIT;
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		cx_buf_add(&b, tmp, n);
	fclose(fp);
	*len = b.len;
	return b.data ? cx_buf_detach(&b) : cx_strdup("");
}

/* Writes the fixture through ops into dir; returns the files (NULL on error). */
static struct cx_shard_file *write_lim(const struct cx_shard_writer_ops *ops, const char *dir,
				       struct cx_shard_limits lim, size_t *nfiles)
{
	struct fixture f;
	fixture_init(&f);
	struct cx_error err = {0};
	void *st = NULL;
	struct cx_shard_file *files = NULL;
	*nfiles = 0;
	mkdir(dir, 0755);
	int rc = ops->open(&st, dir, &lim, &err);
	for (int r = 0; r < NREC && rc == 0; r++)
		rc = ops->write(st, &f.rec[r], &err);
	if (rc == 0)
		rc = ops->close(st, &files, nfiles, &err);
	else
		ops->abort(st);
	if (rc)
		printf("# %s: %s\n", ops->format, err.msg);
	fixture_free(&f);
	return rc ? NULL : files;
}

static struct cx_shard_file *write_all(const struct cx_shard_writer_ops *ops, const char *dir,
				       uint64_t max_bytes, uint64_t max_records, size_t *nfiles)
{
	struct cx_shard_limits lim = {.max_bytes = max_bytes, .max_records = max_records};
	return write_lim(ops, dir, lim, nfiles);
}

/* Each reported file exists with that size and XXH3-64. */
static int files_match(const char *dir, const struct cx_shard_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *p = path_in(dir, files[i].name);
		size_t len = 0;
		char *data = slurp(p, &len);
		int ok = data && len == files[i].bytes && cx_hash64(data, len, 0) == files[i].hash;
		free(data);
		free(p);
		if (!ok)
			return 0;
	}
	return 1;
}

static int same_file(const char *a, const char *b, const char *name)
{
	char *pa = path_in(a, name), *pb = path_in(b, name);
	size_t la = 0, lb = 0;
	char *da = slurp(pa, &la), *db = slurp(pb, &lb);
	int same = da && db && la == lb && memcmp(da, db, la) == 0;
	free(da);
	free(db);
	free(pa);
	free(pb);
	return same;
}

static const char *python(void)
{
	return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

static int run_check(const char *args)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "%s tests/unit/check_exports.py %s", python(), args);
	fflush(stdout);
	int rc = system(b.data);
	cx_buf_release(&b);
	return rc;
}

static void test_webdataset(const char *tmp)
{
	char *dir = path_in(tmp, "wds"), *again = path_in(tmp, "wds-again");
	size_t n = 0, n2 = 0;
	struct cx_shard_file *files = write_all(&cx_shard_webdataset, dir, 0, 2, &n);
	CHECK_INT(n, 2, "webdataset: 4 records at 2 per shard give 2 shards");
	if (n == 2) {
		CHECK_STR(files[0].name, "shard-000000.tar", "first tar name");
		CHECK_STR(files[1].name, "shard-000001.tar", "second tar name");
		CHECK_INT(files[0].records + files[1].records, 4, "records reported per shard");
	}
	CHECK(files_match(dir, files, n), "webdataset: reported sizes and XXH3-64 match the files");
	struct cx_shard_file *files2 = write_all(&cx_shard_webdataset, again, 0, 2, &n2);
	CHECK(n2 == 2 && same_file(dir, again, "shard-000000.tar") &&
	      same_file(dir, again, "shard-000001.tar.idx"), "webdataset: two runs, same bytes");
	struct cx_buf args = CX_BUF_INIT;
	cx_buf_addf(&args, "wds %s 2", dir);
	CHECK(run_check(args.data) == 0, "check_exports.py reads the tars under WebDataset rules");
	cx_buf_release(&args);

	/* A payload limit: record 0 (700 + text) fills a 800-byte shard alone. */
	char *small = path_in(tmp, "wds-small");
	struct cx_shard_file *f3 = write_all(&cx_shard_webdataset, small, 800, 0, &n2);
	CHECK_INT(n2, 3, "webdataset --max-bytes 800: records 0 | 1, 2 | 3 = 3 shards");
	if (n2 == 3)
		CHECK(f3[0].records == 1 && f3[1].records == 2 && f3[2].records == 1,
		      "payload bytes (750, 627 + 67, 563) decide the split");
	free_files(f3, n2);
	free(small);

	/* --min-shards 3 over 4 records: parts r * 3 / 4 = 0, 0, 1, 2 */
	char *min = path_in(tmp, "wds-min");
	struct cx_shard_limits lim = {.min_shards = 3, .total = 4};
	struct cx_shard_file *f4 = write_lim(&cx_shard_webdataset, min, lim, &n2);
	CHECK_INT(n2, 3, "webdataset min_shards 3 of 4 records: 3 shards");
	if (n2 == 3)
		CHECK(f4[0].records == 2 && f4[1].records == 1 && f4[2].records == 1,
		      "min_shards cuts records 0, 1 | 2 | 3");
	free_files(f4, n2);
	lim.min_shards = 8;
	f4 = write_lim(&cx_shard_webdataset, min, lim, &n2);
	CHECK_INT(n2, 4, "min_shards 8 of 4 records: one record a shard, 4 shards");
	free_files(f4, n2);
	free(min);
	free_files(files, n);
	free_files(files2, 2);
	free(dir);
	free(again);
}

static void test_webdataset_bad_key(const char *tmp)
{
	char *dir = path_in(tmp, "wds-bad");
	mkdir(dir, 0755);
	struct fixture f;
	fixture_init(&f);
	f.rec[1].key = "p10.s50";
	struct cx_error err = {0};
	void *st = NULL;
	struct cx_shard_limits lim = {.buffered = 0};
	int rc = cx_shard_webdataset.open(&st, dir, &lim, &err);
	if (rc == 0)
		rc = cx_shard_webdataset.write(st, &f.rec[0], &err);
	if (rc == 0)
		rc = cx_shard_webdataset.write(st, &f.rec[1], &err);
	CHECK_INT(rc, CX_EINVAL, "webdataset: a key with a dot is refused");
	CHECK(strstr(err.msg, "'p10.s50'") != NULL, "the error names the key");
	cx_shard_webdataset.abort(st);
	DIR *d = opendir(dir);
	int entries = 0;
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			entries++;
	if (d)
		closedir(d);
	CHECK_INT(entries, 0, "abort leaves no temporary file behind");
	fixture_free(&f);
	free(dir);
}

static void test_mds(const char *tmp)
{
	char *dir = path_in(tmp, "mds"), *again = path_in(tmp, "mds-again");
	size_t n = 0, n2 = 0;
	struct cx_shard_file *files = write_all(&cx_shard_mds, dir, 0, 0, &n);
	CHECK_INT(n, 1, "mds: default size_limit 1<<26 holds all 4 records in one shard");
	if (n == 1) {
		CHECK_STR(files[0].name, "shard.00000.mds", "mds shard name");
		CHECK_INT(files[0].records, 4, "mds shard record count");
	}
	CHECK(files_match(dir, files, n), "mds: reported sizes and XXH3-64 match the files");
	struct cx_shard_file *files2 = write_all(&cx_shard_mds, again, 0, 0, &n2);
	CHECK(n2 == 1 && same_file(dir, again, "shard.00000.mds") &&
	      same_file(dir, again, "index.json"), "mds: two runs, same bytes");
	struct cx_buf args = CX_BUF_INIT;
	cx_buf_addf(&args, "mds %s", dir);
	CHECK(run_check(args.data) == 0, "check_exports.py reads the MDS shard and index.json");
	free_files(files, n);
	free_files(files2, n2);

	/* 2000 bytes: config + records 0-2 fit, record 3 starts shard 1. */
	char *small = path_in(tmp, "mds-small");
	files = write_all(&cx_shard_mds, small, 2000, 0, &n);
	CHECK_INT(n, 2, "mds --max-bytes 2000 gives 2 shards");
	if (n == 2)
		CHECK(files[0].records == 3 && files[1].records == 1 && files[0].bytes <= 2000,
		      "first shard 3 records within 2000 bytes");
	CHECK(files_match(small, files, n), "mds small: sizes and hashes match");
	cx_buf_reset(&args);
	cx_buf_addf(&args, "mds %s", small);
	CHECK(run_check(args.data) == 0, "check_exports.py reads the split MDS output");
	free_files(files, n);

	char *recs = path_in(tmp, "mds-records");
	files = write_all(&cx_shard_mds, recs, 0, 3, &n);
	CHECK(n == 2 && files[0].records == 3 && files[1].records == 1,
	      "mds --max-records 3: 3 + 1 records");
	free_files(files, n);

	struct cx_error err = {0};
	void *st = NULL;
	struct cx_shard_limits big = {.max_bytes = 1ULL << 32};
	CHECK_INT(cx_shard_mds.open(&st, dir, &big, &err), CX_EINVAL,
		  "mds: --max-bytes 2^32 refused (u32 offsets)");
	cx_buf_release(&args);
	free(recs);
	free(small);
	free(dir);
	free(again);
}

int main(void)
{
	char tmp[] = "/tmp/t-exports-XXXXXX";
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_webdataset(tmp);
	test_webdataset_bad_key(tmp);
	test_mds(tmp);
	struct cx_buf cmd = CX_BUF_INIT;
	cx_buf_addf(&cmd, "rm -rf '%s'", tmp);
	if (system(cmd.data) != 0)
		printf("# could not remove %s\n", tmp);
	cx_buf_release(&cmd);
	return t_done();
}

/*
 * t-shard.c - the native shard writer and the C reader (schema/shard-format.md)
 * and the mix arithmetic: round trip of every field, shard splitting by
 * --max-records and --max-bytes, header/index/record hash checks on damaged
 * copies, and exact record counts from weights, totals and caps.
 */
#include "cx.h"

#include <sys/stat.h>
#include <unistd.h>

#include "shard/mix.h"
#include "shard/reader.h"
#include "shard/writer.h"
#include "t.h"

static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9};
static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 9};

static int write_records(const char *dir, uint64_t max_records, uint64_t max_bytes, int n,
			 struct cx_shard_file **files, size_t *nfiles)
{
	struct cx_error err = {0};
	struct cx_shard_limits lim = {max_bytes, max_records, 0};
	void *s;
	if (cx_shard_native.open(&s, dir, &lim, &err))
		return -1;
	for (int i = 0; i < n; i++) {
		char key[16], ins[64], meta[64];
		snprintf(key, sizeof key, "%09d", i);
		snprintf(ins, sizeof ins, "instruction %d", i);
		snprintf(meta, sizeof meta, "{\"task\": \"t\", \"i\": %d}", i);
		struct cx_shard_image im[2] = {{jpeg, sizeof jpeg, CX_IMAGE_JPEG},
					       {png, sizeof png, CX_IMAGE_PNG}};
		struct cx_shard_record r = {(uint64_t)i, key, ins, i % 2 ? "yes" : "no", meta, im,
					    (size_t)(i % 3)};
		if (cx_shard_native.write(s, &r, &err)) {
			cx_shard_native.abort(s);
			return -1;
		}
	}
	return cx_shard_native.close(s, files, nfiles, &err);
}

static void free_files(struct cx_shard_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].name);
	free(f);
}

static void flip(const char *path, long off)
{
	FILE *f = fopen(path, "r+b");
	fseek(f, off, SEEK_SET);
	int c = fgetc(f);
	fseek(f, off, SEEK_SET);
	fputc(c ^ 0x01, f);
	fclose(f);
}

static void test_round_trip(const char *dir)
{
	struct cx_shard_file *files;
	size_t nf;
	CHECK(write_records(dir, 4, 0, 10, &files, &nf) == 0, "write 10 records, 4 per shard");
	CHECK_INT(nf, 3, "three shards");
	CHECK_STR(nf == 3 ? files[2].name : "", "shard-000002.cxs", "named shard-000002.cxs");
	CHECK_INT(nf == 3 ? files[2].records : 0, 2, "the last holds 2");
	char path[512];
	snprintf(path, sizeof path, "%s/shard-000001.cxs", dir);
	struct cx_error err = {0};
	struct cx_shard_reader *r;
	CHECK(cx_shard_open(&r, path, &err) == 0, "open shard 1");
	CHECK_INT(cx_shard_count(r), 4, "4 records");
	uint64_t h;
	CHECK(cx_shard_check_hash(r, &h, &err) == 0 && h == files[1].hash,
	      "the shard hash matches the writer's");
	struct cx_shard_rec rec;
	CHECK(cx_shard_get(r, 1, &rec, &err) == 0, "get record 1 (output record 5)");
	CHECK(rec.ninstruction == 13 && !memcmp(rec.instruction, "instruction 5", 13), "instruction");
	CHECK(rec.nanswer == 3 && !memcmp(rec.answer, "yes", 3), "answer");
	CHECK(rec.nmeta == 21 && !memcmp(rec.meta, "{\"task\": \"t\", \"i\": 5}", 21), "metadata");
	CHECK_INT(rec.nimages, 2, "two images");
	CHECK(rec.nimages == 2 && rec.images[0].type == CX_IMAGE_JPEG &&
	      rec.images[0].len == sizeof jpeg && !memcmp(rec.images[0].data, jpeg, sizeof jpeg) &&
	      rec.images[1].type == CX_IMAGE_PNG && !memcmp(rec.images[1].data, png, sizeof png),
	      "image bytes and types");
	cx_shard_rec_release(&rec);
	CHECK(cx_shard_get(r, 4, &rec, &err) != 0 && strstr(err.msg, "record 4: past the last"),
	      "record 4 is past the end");
	cx_shard_rec_release(&rec);
	cx_shard_close(r);

	/* a flipped byte inside record 2's instruction */
	cx_error_clear(&err);
	CHECK(cx_shard_open(&r, path, &err) == 0, "reopen");
	CHECK(cx_shard_get(r, 2, &rec, &err) == 0, "record 2 reads");
	long off = (long)rec.offset + 16 + 8 * (long)rec.nimages + 3;
	cx_shard_rec_release(&rec);
	cx_shard_close(r);
	flip(path, off);
	CHECK(cx_shard_open(&r, path, &err) == 0, "the header and index are still good");
	CHECK(cx_shard_get(r, 2, &rec, &err) != 0 && strstr(err.msg, "record 2: record hash mismatch"),
	      "record 2 is named as damaged");
	cx_shard_rec_release(&rec);
	CHECK(cx_shard_check_hash(r, &h, &err) != 0, "the shard hash fails");
	cx_shard_close(r);
	flip(path, 20); /* record count in the header */
	CHECK(cx_shard_open(&r, path, &err) != 0 && strstr(err.msg, "header hash mismatch"),
	      "a damaged header is refused");
	struct stat st;
	stat(path, &st);
	flip(path, 20);
	flip(path, (long)st.st_size - 12); /* inside the index */
	CHECK(cx_shard_open(&r, path, &err) != 0 && strstr(err.msg, "index hash mismatch"),
	      "a damaged index is refused");
	free_files(files, nf);
}

static void test_max_bytes(const char *dir)
{
	struct cx_shard_file *files;
	size_t nf;
	/* records of 16 + 8k + ~14 + 2..3 + 21 + images + 8 bytes; 200-byte shards */
	CHECK(write_records(dir, 0, 200, 10, &files, &nf) == 0, "write 10 records, 200 bytes max");
	int ok = nf > 1;
	uint64_t total = 0;
	for (size_t i = 0; i < nf; i++) {
		ok = ok && (files[i].bytes <= 200 || files[i].records == 1);
		total += files[i].records;
	}
	CHECK(ok, "every shard within 200 bytes");
	CHECK_INT(total, 10, "and every record written");
	free_files(files, nf);
}

static void test_mix_counts(void)
{
	int64_t avail[3] = {8, 3, 5}, counts[3];
	double req[3];
	double w[3] = {2.5, 1, 0};
	int64_t cap[3] = {-1, 2, -1};
	int held[3] = {0};
	struct cx_mix m = {w, cap, held, -1, NULL};
	cx_mix_counts(&m, avail, 3, counts, req);
	CHECK(counts[0] == 20 && counts[1] == 2 && counts[2] == 0, "weights x available, capped");
	CHECK(req[0] > 0.869 && req[0] < 0.870, "requested share 20/23");
	double w1[3] = {1, 1, 1};
	int64_t nocap[3] = {-1, -1, -1};
	struct cx_mix t = {w1, nocap, held, 10, NULL};
	cx_mix_counts(&t, avail, 3, counts, req);
	/* 10 x (8, 3, 5) / 16 = 5.0, 1.875, 3.125: floors 5, 1, 3, the one left to 1.875 */
	CHECK(counts[0] == 5 && counts[1] == 2 && counts[2] == 3, "total 10 by largest remainder");
}

int main(void)
{
	char dir[] = "/tmp/t-shard-XXXXXX", dir2[] = "/tmp/t-shard-XXXXXX";
	if (!mkdtemp(dir) || !mkdtemp(dir2))
		return 1;
	test_round_trip(dir);
	test_max_bytes(dir2);
	test_mix_counts();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, dir2);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}

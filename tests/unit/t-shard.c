/*
 * t-shard.c - the native shard writer and the C reader (schema/shard-format.md)
 * and the mix arithmetic: round trip of every field, shard splitting by
 * --max-records and --max-bytes, header/index/record hash checks on damaged
 * copies, the one-pass scan (records across 1 MiB reads, damage found), and
 * exact record counts from weights, totals and caps.
 */
#include "cx.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "shard/mix.h"
#include "shard/reader.h"
#include "shard/writer.h"
#include "util/json-scan.h"
#include "t.h"

static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9};
static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 9};

static int write_records(const char *dir, uint64_t max_records, uint64_t max_bytes, int n,
			 struct cx_shard_file **files, size_t *nfiles)
{
	struct cx_error err = {0};
	struct cx_shard_limits lim = {.max_bytes = max_bytes, .max_records = max_records};
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
	struct cx_mix m = {.weight = w, .cap = cap, .held_out = held, .total = -1};
	cx_mix_counts(&m, avail, 3, counts, req);
	CHECK(counts[0] == 20 && counts[1] == 2 && counts[2] == 0, "weights x available, capped");
	CHECK(req[0] > 0.869 && req[0] < 0.870, "requested share 20/23");
	double w1[3] = {1, 1, 1};
	int64_t nocap[3] = {-1, -1, -1};
	struct cx_mix t = {.weight = w1, .cap = nocap, .held_out = held, .total = 10};
	cx_mix_counts(&t, avail, 3, counts, req);
	/* 10 x (8, 3, 5) / 16 = 5.0, 1.875, 3.125: floors 5, 1, 3, the one left to 1.875 */
	CHECK(counts[0] == 5 && counts[1] == 2 && counts[2] == 3, "total 10 by largest remainder");
}

/* A label rule keeps round-half-up(available x weight), at most its cap. */
static void test_mix_label_keep(void)
{
	struct cx_mix_label cap = {.label = "No Finding", .weight = 1, .cap = 10000};
	CHECK_INT(cx_mix_label_keep(&cap, 60361), 10000, "NIH-sized group: the cap");
	CHECK_INT(cx_mix_label_keep(&cap, 7), 7, "a group under the cap: all of it");
	struct cx_mix_label half = {.label = "No Finding", .weight = 0.5, .cap = -1};
	CHECK_INT(cx_mix_label_keep(&half, 5), 3, "weight 0.5 of 5: 2.5 rounds up to 3");
	half.cap = 2;
	CHECK_INT(cx_mix_label_keep(&half, 5), 2, "... then the cap");
	struct cx_mix_label none = {.label = "No Finding", .weight = 0, .cap = -1};
	CHECK_INT(cx_mix_label_keep(&none, 5), 0, "weight 0: none");
}

/* Loads the mix text from dir/mix.json against three entries of two
 * datasets; returns the code and leaves the message in err. */
static int load_mix(const char *dir, const char *text, struct cx_error *err)
{
	struct cx_shard_entry e[3] = {
		{.name = "[Image Classification] [MIMIC-CXR]", .task = "image-classification",
		 .dataset = "MIMIC-CXR", .source = "mimic-cxr"},
		{.name = "[View Classification] [MIMIC-CXR]", .task = "view-classification",
		 .dataset = "MIMIC-CXR", .source = "mimic-cxr"},
		{.name = "[Image Classification] [ChestX-ray14]", .task = "image-classification",
		 .dataset = "ChestX-ray14", .source = "nih-chestxray14"},
	};
	char path[128];
	snprintf(path, sizeof path, "%s/mix.json", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	struct cx_mix m;
	memset(err, 0, sizeof(*err));
	int rc = cx_mix_load(&m, path, e, 3, 0, err);
	cx_mix_release(&m);
	return rc;
}

/* A mix that cannot be read says where (syntax: line and column) or what
 * it could have named. */
static void test_mix_errors(const char *dir)
{
	struct cx_error err;
	char want[512];
	CHECK_INT(load_mix(dir, "{\n  \"task\": {\n    \"open-ended-vqa\": 1,\n  }\n}\n", &err),
		  CX_EFORMAT, "a trailing comma is a format error");
	/* cJSON stops just past the '}' that came where a key was due */
	snprintf(want, sizeof want, "mix '%s/mix.json': not valid JSON (syntax error on line 4,"
		 " column 4)", dir);
	CHECK_STR(err.msg, want, "... just past the brace after the comma: line 4, column 4");
	load_mix(dir, "{\"total\": 10 \"task\": {}}", &err);
	/* and at the '"' of the key that came where a comma was due */
	snprintf(want, sizeof want, "mix '%s/mix.json': not valid JSON (syntax error on line 1,"
		 " column 14)", dir);
	CHECK_STR(err.msg, want, "a missing comma: line 1, column 14");
	load_mix(dir, "", &err);
	snprintf(want, sizeof want, "mix '%s/mix.json': not valid JSON (syntax error on line 1,"
		 " column 1)", dir);
	CHECK_STR(err.msg, want, "an empty file: line 1, column 1");
	CHECK_INT(load_mix(dir, "{\"dataset\": {\"PadChest\": 1}}", &err), CX_EINVAL,
		  "an unknown dataset is refused");
	snprintf(want, sizeof want, "mix '%s/mix.json': unknown dataset 'PadChest'; known"
		 " datasets: MIMIC-CXR (mimic-cxr), ChestX-ray14 (nih-chestxray14)", dir);
	CHECK_STR(err.msg, want, "... listing the known ones once each, name and source id");
	load_mix(dir, "{\"task\": {\"vqa\": 1}}", &err);
	snprintf(want, sizeof want, "mix '%s/mix.json': unknown task 'vqa'; known tasks:"
		 " image-classification, view-classification", dir);
	CHECK_STR(err.msg, want, "an unknown task lists the known tasks");
	load_mix(dir, "{\"entry\": {\"[Image Classification] [OpenI]\": 1}}", &err);
	snprintf(want, sizeof want, "mix '%s/mix.json': unknown entry '[Image Classification]"
		 " [OpenI]'; known entries: [Image Classification] [MIMIC-CXR], [View"
		 " Classification] [MIMIC-CXR], [Image Classification] [ChestX-ray14]", dir);
	CHECK_STR(err.msg, want, "an unknown entry lists the known entries");
	load_mix(dir, "{\"held_out\": [\"[View Classification] [NIH]\"]}", &err);
	snprintf(want, sizeof want, "mix '%s/mix.json': held_out: unknown entry '[View"
		 " Classification] [NIH]'; known entries: [Image Classification] [MIMIC-CXR], [View"
		 " Classification] [MIMIC-CXR], [Image Classification] [ChestX-ray14]", dir);
	CHECK_STR(err.msg, want, "an unknown held_out entry lists the known entries");
	CHECK_INT(load_mix(dir, "{\"dataset\": {\"nih-chestxray14\": 2}}", &err), 0,
		  "a dataset named by its source id is known");
	/* the file's own bytes quoted in a message keep it one line (fuzz-mix found it) */
	load_mix(dir, "{\"entry\": {\"[Image\\nClassification] [X]\": 1}}", &err);
	snprintf(want, sizeof want, "mix '%s/mix.json': unknown entry '[Image?Classification] [X]';"
		 " known entries: [Image Classification] [MIMIC-CXR], [View Classification]"
		 " [MIMIC-CXR], [Image Classification] [ChestX-ray14]", dir);
	CHECK_STR(err.msg, want, "a line break in an entry name is shown as '?'");
}

/* What the scan's callback saw. */
struct seen {
	int n, in_order, refuse_at;
	uint64_t big_hash;
};

static int on_scanned(void *ctx, const struct cx_shard_rec *rec)
{
	struct seen *v = ctx;
	char want[64];
	int k = snprintf(want, sizeof want, "instruction %d", v->n);
	if (rec->ninstruction != (uint32_t)k || memcmp(rec->instruction, want, (size_t)k))
		v->in_order = 0;
	for (size_t i = 0; i < rec->nimages; i++)
		if (rec->images[i].len > 1000)
			v->big_hash = XXH3_64bits(rec->images[i].data, rec->images[i].len);
	return v->n++ == v->refuse_at;
}

/* Records of 0, 1 and 2 small images, and record 3 with a 2.5 MiB image, so
 * records start and end across the scan's 1 MiB reads. */
static int write_scan_shard(const char *dir, unsigned char *big, size_t nbig, uint64_t *hash)
{
	struct cx_error err = {0};
	struct cx_shard_limits lim = {.buffered = 0};
	void *s;
	if (cx_shard_native.open(&s, dir, &lim, &err))
		return -1;
	for (int i = 0; i < 9; i++) {
		char key[16], ins[64];
		snprintf(key, sizeof key, "%09d", i);
		snprintf(ins, sizeof ins, "instruction %d", i);
		struct cx_shard_image im[2] = {{jpeg, sizeof jpeg, CX_IMAGE_JPEG},
					       {png, sizeof png, CX_IMAGE_PNG}};
		if (i == 3)
			im[0] = (struct cx_shard_image){big, nbig, CX_IMAGE_JPEG};
		struct cx_shard_record r = {(uint64_t)i, key, ins, "no", "{}", im, (size_t)(i % 3)};
		if (i == 3)
			r.nimages = 1;
		if (cx_shard_native.write(s, &r, &err)) {
			cx_shard_native.abort(s);
			return -1;
		}
	}
	struct cx_shard_file *files;
	size_t nf;
	if (cx_shard_native.close(s, &files, &nf, &err) || nf != 1)
		return -1;
	*hash = files[0].hash;
	free_files(files, nf);
	return 0;
}

/* cx_shard_scan reads a shard in the page cache from a mapping of it and
 * any other with O_DIRECT reads: each check runs both ways. */
static int scan_cached;

/* Puts the whole file in the page cache (reading it), or drops it from
 * there (synced first, so that every page is clean and can go). */
static void cache_file(const char *path, int in)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	char buf[65536];
	if (in)
		while (read(fd, buf, sizeof buf) > 0)
			;
	else if (fdatasync(fd) == 0)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

static int scan(const char *path, struct seen *v, uint64_t *h, struct cx_error *err)
{
	struct cx_shard_reader *r;
	cx_error_clear(err);
	cache_file(path, scan_cached);
	if (cx_shard_open(&r, path, err))
		return -1;
	int rc = cx_shard_scan(r, on_scanned, v, h, err);
	cx_shard_close(r);
	return rc;
}

static void test_scan(const char *dir)
{
	size_t nbig = (5u << 20) / 2;
	unsigned char *big = malloc(nbig);
	for (size_t i = 0; i < nbig; i++)
		big[i] = (unsigned char)(i * 7 + (i >> 11));
	uint64_t want_hash = 0, h = 0;
	CHECK(write_scan_shard(dir, big, nbig, &want_hash) == 0, "scan: write 9 records, one of 2.5 MiB");
	char path[512];
	snprintf(path, sizeof path, "%s/shard-000000.cxs", dir);
	struct cx_error err = {0};
	struct seen v = {0, 1, -1, 0};
	CHECK(scan(path, &v, &h, &err) == 0, "scan: a good shard checks out");
	CHECK(h == want_hash, "scan: its shard hash is the writer's");
	CHECK(v.n == 9 && v.in_order, "scan: every record, in order");
	CHECK(v.big_hash == XXH3_64bits(big, nbig), "scan: the 2.5 MiB image comes through whole");
	v = (struct seen){0, 1, 4, 0};
	CHECK(scan(path, &v, &h, &err) != 0 && strstr(err.msg, "record 4: refused by the caller"),
	      "scan: the callback can stop it, and the record is named");

	/* the index hash recomputed over a wrong entry: open passes, the scan does not */
	struct cx_shard_reader *r;
	CHECK(cx_shard_open(&r, path, &err) == 0, "scan: reopen");
	struct cx_shard_header hd = *cx_shard_header(r);
	cx_shard_close(r);
	FILE *f = fopen(path, "r+b");
	size_t ni = 16 * (size_t)hd.count;
	unsigned char *idx = malloc(ni + 8);
	fseek(f, (long)hd.index_offset, SEEK_SET);
	CHECK(fread(idx, 1, ni, f) == ni, "scan: read the index");
	idx[16 * 5 + 8] ^= 0x01; /* record 5's length */
	cx_put64(idx + ni, XXH3_64bits(idx, ni));
	fseek(f, (long)hd.index_offset, SEEK_SET);
	fwrite(idx, 1, ni + 8, f);
	fclose(f);
	v = (struct seen){0, 1, -1, 0};
	CHECK(scan(path, &v, &h, &err) != 0 && strstr(err.msg, "the index does not match the records"),
	      "scan: an index that disagrees with the records");
	free(idx);

	/* a flipped byte inside the big image (record 3), in the scan's second read */
	CHECK(write_scan_shard(dir, big, nbig, &want_hash) == 0, "scan: write it again");
	flip(path, 1500000);
	v = (struct seen){0, 1, -1, 0};
	CHECK(scan(path, &v, &h, &err) != 0 && strstr(err.msg, "record 3: record hash mismatch"),
	      "scan: a flipped byte is found, and the record named");
	CHECK(v.n == 3, "scan: the records before it were seen");
	free(big);
}

/* verify's fast path over record metadata (util/json-scan.c): what it
 * takes and finds, and what it leaves to cJSON. */
static int jscan(const char *text, struct cx_json_member *m)
{
	m[0] = (struct cx_json_member){.key = "task"};
	m[1] = (struct cx_json_member){.key = "split"};
	return cx_json_scan_object(text, strlen(text), m, 2);
}

static void test_json_scan(void)
{
	struct cx_json_member m[2];
	CHECK(jscan(" {\"n\": -1.5e+3, \"task\": \"vqa\", \"x\": [true, false, null, {}],"
		   " \"split\": 7, \"task\": \"second\"}\n", m), "a valid object is taken");
	CHECK(m[0].kind == CX_JSCAN_STRING && m[0].len == 3 && !memcmp(m[0].value, "vqa", 3) &&
	      !m[0].escaped, "the first \"task\", its bytes");
	CHECK_INT(m[1].kind, CX_JSCAN_OTHER, "\"split\" is there, not a string");
	CHECK(jscan("{\"task\": \"a\\\"b\\n\"}", m) && m[0].escaped && m[0].len == 6,
	      "simple escapes: taken, the string marked escaped");
	CHECK_INT(m[1].kind, CX_JSCAN_ABSENT, "a member not there is absent");
	CHECK(jscan("{\"t\\/ask\": \"x\", \"task\": \"y\"}", m) && m[0].len == 1 &&
	      m[0].value[0] == 'y', "an escaped key is never a plain name");
	static const char *const refused[] = {
		"{\"task\": \"\\u0074\"}", "{\"a\": 1} x", "{\"a\": 01}", "{\"a\": 1.}",
		"{\"a\": .5}", "{\"a\": [1,]}", "{\"a\": 1,}", "{\"a\" 1}", "[1]", "",
		"{\"a\": \"tab\there\"}", "{\"a\": tru}", "{\"a\": \"open}", "\xef\xbb\xbf{}",
	};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		char what[96];
		snprintf(what, sizeof what, "left to cJSON: %.60s", refused[i]);
		CHECK(!jscan(refused[i], m), what);
	}
	char deep[2 * CX_JSCAN_DEPTH + 8];
	snprintf(deep, sizeof deep, "{\"a\": ");
	size_t n = strlen(deep);
	for (int i = 0; i < CX_JSCAN_DEPTH; i++)
		deep[n++] = '[';
	for (int i = 0; i < CX_JSCAN_DEPTH; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	CHECK(!jscan(deep, m), "nesting past the scan's depth: left to cJSON");
	CHECK(!cx_json_scan_object(NULL, 4, m, 2), "no text: left to cJSON");
}

int main(void)
{
	char dir[] = "/tmp/t-shard-XXXXXX", dir2[] = "/tmp/t-shard-XXXXXX", scan_dir[64];
	if (!mkdtemp(dir) || !mkdtemp(dir2))
		return 1;
	snprintf(scan_dir, sizeof scan_dir, "%s/scan", dir2);
	if (mkdir(scan_dir, 0755) != 0)
		return 1;
	test_round_trip(dir);
	test_max_bytes(dir2);
	test_scan(scan_dir);
	scan_cached = 1;
	test_scan(scan_dir);
	test_mix_counts();
	test_mix_label_keep();
	test_json_scan();
	test_mix_errors(dir2);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, dir2);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}

/*
 * cmd-verify.c - `chexinstruct verify DIR`: recomputes every checksum of a
 * shard folder and checks counts, index and manifest. Native shards are read
 * once from start to end (cx_shard_scan); one that does not check out is
 * read again record by record (shard/reader.h), so it is named with its
 * first bad record; webdataset and mds shards are checked against the size
 * and XXH3 the manifest gives. Any fault exits 1.
 */
#include "cx.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "cli/cmd.h"
#include "shard/reader.h"

static const char help[] =
	"usage: chexinstruct verify DIR\n"
	"\n"
	"Checks a folder written by 'chexinstruct shard': manifest.json, every shard's\n"
	"size and hash, and for native shards the header, the index and every record's\n"
	"hash and layout, and the record counts per task, dataset and entry. Prints\n"
	"the first bad record of each damaged shard.\n"
	"\n"
	"Exit status: 0 all good, 1 any fault, 2 usage.\n";

struct tally {
	cJSON *counts; /* {"task": {}, "dataset": {}, "entry": {}} as found */
	long faults;
	uint64_t records;
};

static void fault(struct tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fault(struct tally *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("chexinstruct: verify: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	t->faults++;
}

static void bump(cJSON *obj, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (v)
		cJSON_SetNumberValue(v, v->valuedouble + 1);
	else
		cJSON_AddNumberToObject(obj, key, 1);
}

/* Checks one record's metadata and counts it; NULL or a reason. */
static const char *count_meta(struct tally *t, const struct cx_shard_rec *rec)
{
	cJSON *m = cJSON_ParseWithLength(rec->meta, rec->nmeta);
	if (!m || !cJSON_IsObject(m)) {
		cJSON_Delete(m);
		return "metadata is not a JSON object";
	}
	static const char *const keys[] = {"task", "dataset", "entry"};
	for (int k = 0; k < 3; k++) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(m, keys[k]);
		if (!cJSON_IsString(v)) {
			cJSON_Delete(m);
			return "metadata lacks task, dataset or entry";
		}
		bump(cJSON_GetObjectItemCaseSensitive(t->counts, keys[k]), v->valuestring);
	}
	cJSON_Delete(m);
	return NULL;
}

static int scan_meta(void *ctx, const struct cx_shard_rec *rec)
{
	return count_meta(ctx, rec) != NULL;
}

/* The common case, a good shard, in one sequential pass (cx_shard_scan). 1
 * when everything agrees; 0 leaves the counts as they were, for the record
 * by record pass that names what is wrong. */
static int verify_fast(struct tally *t, struct cx_shard_reader *r, uint64_t want_n,
		       uint64_t want_hash)
{
	cJSON *before = cJSON_Duplicate(t->counts, 1);
	struct cx_error err = {0};
	uint64_t computed;
	if (cx_shard_scan(r, scan_meta, t, &computed, &err) == 0 && computed == want_hash &&
	    cx_shard_count(r) == want_n) {
		cJSON_Delete(before);
		t->records += want_n;
		return 1;
	}
	cJSON_Delete(t->counts);
	t->counts = before;
	return 0;
}

static void verify_native(struct tally *t, const char *path, const char *name, uint64_t want_n,
			  uint64_t want_hash)
{
	struct cx_error err = {0};
	struct cx_shard_reader *r;
	if (cx_shard_open(&r, path, &err)) {
		fault(t, "%s", err.msg);
		return;
	}
	if (verify_fast(t, r, want_n, want_hash)) {
		cx_shard_close(r);
		return;
	}
	const struct cx_shard_header *h = cx_shard_header(r);
	uint64_t computed;
	if (cx_shard_check_hash(r, &computed, &err))
		fault(t, "%s", err.msg);
	else if (computed != want_hash)
		fault(t, "%s: hash %016llx, manifest says %016llx", name,
		      (unsigned long long)computed, (unsigned long long)want_hash);
	if (h->count != want_n)
		fault(t, "%s: %llu records, manifest says %llu", name, (unsigned long long)h->count,
		      (unsigned long long)want_n);
	uint64_t expect = CX_SHARD_HEADER;
	t->records += h->count;
	cx_error_clear(&err);
	for (uint64_t i = 0; i < h->count; i++) {
		struct cx_shard_rec rec;
		const char *why = NULL;
		if (cx_shard_get(r, i, &rec, &err) == 0)
			why = rec.offset != expect ? "the index entry is not where the record before"
						     " it ends" : count_meta(t, &rec);
		uint64_t len = rec.len;
		cx_shard_rec_release(&rec);
		if (err.code) {
			fault(t, "%s (the first bad record)", err.msg);
			break;
		}
		if (why) {
			fault(t, "%s: record %llu: %s (the first bad record)", path,
			      (unsigned long long)i, why);
			break;
		}
		expect += len;
	}
	if (!err.code && expect != h->index_offset)
		fault(t, "%s: records end at %llu, the index starts at %llu", name,
		      (unsigned long long)expect, (unsigned long long)h->index_offset);
	cx_shard_close(r);
}

/* webdataset, mds: the whole file's size and XXH3 against the manifest. */
static void verify_file(struct tally *t, const char *path, const char *name, uint64_t want_hash)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fault(t, "%s: cannot open", name);
		return;
	}
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		abort();
	XXH3_64bits_reset(st);
	unsigned char *buf = cx_malloc(1 << 20);
	ssize_t n;
	while ((n = read(fd, buf, 1 << 20)) > 0)
		XXH3_64bits_update(st, buf, (size_t)n);
	uint64_t h = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	free(buf);
	close(fd);
	if (h != want_hash)
		fault(t, "%s: hash %016llx, manifest says %016llx", name, (unsigned long long)h,
		      (unsigned long long)want_hash);
}

static uint64_t num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (uint64_t)v->valuedouble : UINT64_MAX;
}

static void verify_shard(struct tally *t, const char *dir, const cJSON *s, int native)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(s, "file");
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(s, "xxh3");
	if (!cJSON_IsString(f) || !cJSON_IsString(x) || strchr(f->valuestring, '/')) {
		fault(t, "manifest: a shard entry without file or xxh3");
		return;
	}
	const char *name = f->valuestring;
	uint64_t want_hash = strtoull(x->valuestring, NULL, 16);
	struct cx_buf p = CX_BUF_INIT;
	cx_buf_addf(&p, "%s/%s", dir, name);
	struct stat st;
	if (stat(p.data, &st) != 0)
		fault(t, "%s: listed in the manifest but missing", name);
	else if ((uint64_t)st.st_size != num(s, "bytes"))
		fault(t, "%s: %lld bytes, manifest says %llu", name, (long long)st.st_size,
		      (unsigned long long)num(s, "bytes"));
	else if (native)
		verify_native(t, p.data, name, num(s, "records"), want_hash);
	else {
		verify_file(t, p.data, name, want_hash);
		t->records += num(s, "records");
	}
	cx_buf_release(&p);
}

static void compare_counts(struct tally *t, const cJSON *want)
{
	static const char *const keys[] = {"task", "dataset", "entry"};
	for (int k = 0; k < 3; k++) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(want, keys[k]);
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(t->counts, keys[k]);
		if (!cJSON_Compare(w, g, 1) && !(cJSON_GetArraySize(w) == cJSON_GetArraySize(g) &&
						 cJSON_GetArraySize(g) == 0)) {
			int same = cJSON_IsObject(w) && cJSON_GetArraySize(w) == cJSON_GetArraySize(g);
			for (const cJSON *c = w ? w->child : NULL; same && c; c = c->next) {
				const cJSON *o = cJSON_GetObjectItemCaseSensitive(g, c->string);
				same = o && o->valuedouble == c->valuedouble;
			}
			if (!same)
				fault(t, "record counts per %s differ from the manifest", keys[k]);
		}
	}
}

/* Shard-looking files the manifest does not list are a fault (a leftover). */
static void unlisted(struct tally *t, const char *dir, const cJSON *shards)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (fnmatch("shard*.cxs", de->d_name, 0) && fnmatch("shard*.tar", de->d_name, 0) &&
		    fnmatch("shard*.mds", de->d_name, 0))
			continue;
		int listed = 0;
		for (const cJSON *s = shards->child; s && !listed; s = s->next) {
			const cJSON *f = cJSON_GetObjectItemCaseSensitive(s, "file");
			listed = cJSON_IsString(f) && !strcmp(f->valuestring, de->d_name);
		}
		if (!listed)
			fault(t, "%s: a shard file the manifest does not list", de->d_name);
	}
	closedir(d);
}

static cJSON *read_manifest(const char *dir)
{
	struct cx_buf p = CX_BUF_INIT, b = CX_BUF_INIT;
	cx_buf_addf(&p, "%s/manifest.json", dir);
	FILE *f = fopen(p.data, "rb");
	cx_buf_release(&p);
	if (!f)
		return NULL;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		cx_buf_add(&b, chunk, n);
	fclose(f);
	cJSON *m = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
	cx_buf_release(&b);
	return m;
}

static int verify(const char *dir)
{
	cJSON *m = read_manifest(dir);
	if (!m)
		return cx_fail("verify: '%s' has no readable manifest.json: the folder is"
			       " incomplete or not a shard folder", dir);
	const cJSON *rf = cJSON_GetObjectItemCaseSensitive(m, "record_format");
	const cJSON *shards = cJSON_GetObjectItemCaseSensitive(m, "shards");
	if (num(m, "format_version") != 1 || !cJSON_IsString(rf) || !cJSON_IsArray(shards)) {
		cJSON_Delete(m);
		return cx_fail("verify: '%s/manifest.json' is not a version 1 shard manifest", dir);
	}
	int native = !strcmp(rf->valuestring, "native");
	struct tally t = {.counts = cJSON_CreateObject()};
	cJSON_AddObjectToObject(t.counts, "task");
	cJSON_AddObjectToObject(t.counts, "dataset");
	cJSON_AddObjectToObject(t.counts, "entry");
	for (const cJSON *s = shards->child; s; s = s->next)
		verify_shard(&t, dir, s, native);
	unlisted(&t, dir, shards);
	if (t.records != num(m, "records"))
		fault(&t, "%llu records in the shards, manifest says %llu",
		      (unsigned long long)t.records, (unsigned long long)num(m, "records"));
	if (native && t.faults == 0)
		compare_counts(&t, cJSON_GetObjectItemCaseSensitive(m, "counts"));
	int n = cJSON_GetArraySize(shards);
	if (t.faults == 0)
		printf("%s: %d shards, %llu records, %s: ok\n", dir, n,
		       (unsigned long long)t.records, rf->valuestring);
	else
		printf("%s: %ld faults\n", dir, t.faults);
	cJSON_Delete(t.counts);
	cJSON_Delete(m);
	return t.faults ? CX_EXIT_ERROR : CX_EXIT_OK;
}

static int cmd_verify(int argc, char **argv, const struct cx_global *g)
{
	(void)g;
	static const struct option opts[] = {
		{.name = "help", .has_arg = no_argument, .val = 'h'},
		{0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return CX_EXIT_OK;
		}
		return cx_usage(&cx_cmd_verify, "verify: bad option");
	}
	if (argc - optind != 1)
		return cx_usage(&cx_cmd_verify, "verify: one folder, please");
	return verify(argv[optind]);
}

const struct cx_cmd cx_cmd_verify = {
	.name = "verify",
	.summary = "check every checksum, count and index of a shard folder",
	.help = help,
	.run = cmd_verify,
};

/*
 * cmd-verify.c - `chexinstruct verify DIR`: recomputes every checksum of a
 * shard folder and checks every record, sidecar and manifest field it can
 * recompute. Native shards are read once from start to end
 * (cx_shard_scan); one that does not check out is read again record by
 * record (shard/reader.h), so it is named with its first bad record;
 * webdataset and mds shards and their sidecars are read back by
 * verify-exports.c. Any fault exits 1.
 */
#include "cx.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/json-scan.h"
#include "util/xxh.h"

#include "catalogue/catalogue.h"
#include "cli/cmd.h"
#include "cli/verify.h"
#include "image/probe.h"
#include "shard/card.h"
#include "shard/mds.h"
#include "shard/reader.h"

static const char help[] =
	"usage: chexinstruct verify DIR\n"
	"\n"
	"Checks a folder written by 'chexinstruct shard' against everything the\n"
	"shards give: every shard's size and hash; every record (native: header,\n"
	"index, record hashes and layout; webdataset: the tar's members; mds:\n"
	"offsets, config and columns), its metadata (task, dataset, entry, the\n"
	"manifest's split) and its images (JPEG or PNG, of config.image_format and\n"
	"a longest side of at most config.image_size, exactly it with enlarge); the\n"
	"sidecars (each .tar.idx against its tar, the\n"
	"mds index.json against the one the shards give); and the manifest's\n"
	"records, bytes, counts per task, dataset and entry, mix records and\n"
	"achieved shares, removed against leakage.json, and README.md (the dataset\n"
	"card) against the one the manifest gives. One line per fault,\n"
	"naming the file and the field (the first bad record of each shard).\n"
	"\n"
	"Exit status: 0 all good, 1 any fault, 2 usage.\n";

void verify_fault(struct tally *t, const char *fmt, ...)
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

/* The record's images against config.image_size and image_format: each
 * JPEG or PNG, and when the manifest gives a size, of that longest side and
 * that format. NULL or why not (in t->why). */
static const char *check_images(struct tally *t, const struct cx_shard_image *im, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cx_image_info info;
		struct cx_error err = {0};
		if (im[i].type != CX_IMAGE_JPEG && im[i].type != CX_IMAGE_PNG) {
			snprintf(t->why, sizeof t->why, "image %zu is neither JPEG nor PNG", i);
			return t->why;
		}
		if (!t->image_size)
			continue;
		if (cx_image_probe(im[i].data, im[i].len, &info, &err) != 0) {
			snprintf(t->why, sizeof t->why, "image %zu: %s", i, err.msg);
			return t->why;
		}
		int side = info.width > info.height ? info.width : info.height;
		int fits = t->enlarge ? side == t->image_size : side <= t->image_size;
		if (!fits || (int)im[i].type != t->image_type) {
			snprintf(t->why, sizeof t->why, "image %zu is a %dx%d %s, the manifest's"
				 " config says image_size %d, enlarge %s, image_format %s", i,
				 info.width, info.height, info.format, t->image_size,
				 t->enlarge ? "true" : "false",
				 t->image_type == CX_IMAGE_PNG ? "png" : "jpeg");
			return t->why;
		}
	}
	return NULL;
}

/* The metadata members a record is counted by (the manifest's counts). */
static const char *const keys[] = {"task", "dataset", "entry"};

/* The split check's reason, or NULL. */
static const char *check_split(struct tally *t, const char *split)
{
	if (split && !strcmp(split, t->split))
		return NULL;
	snprintf(t->why, sizeof t->why, "metadata split is %s%s%s, the manifest's is '%s'",
		 split ? "'" : "", split ? split : "missing", split ? "'" : "", t->split);
	return t->why;
}

/* The images' check, the progress line and, when the record is good, its
 * counts (values[k] of keys[k]). */
static const char *finish_record(struct tally *t, const char *why, const char *meta_values[3],
				 size_t nmeta, const struct cx_shard_image *im, size_t nimages)
{
	if (!why)
		why = check_images(t, im, nimages);
	uint64_t bytes = nmeta;
	for (size_t i = 0; i < nimages; i++)
		bytes += im[i].len;
	cx_progress_step(&t->prog, 1, bytes);
	for (int k = 0; k < 3 && !why; k++)
		bump(cJSON_GetObjectItemCaseSensitive(t->counts, keys[k]), meta_values[k]);
	return why;
}

/* The metadata read by cJSON: any JSON the fast scan does not take. */
static const char *record_parsed(struct tally *t, const char *meta, size_t nmeta,
				 const struct cx_shard_image *im, size_t nimages)
{
	cJSON *m = cJSON_ParseWithLength(meta ? meta : "", nmeta);
	if (!m || !cJSON_IsObject(m)) {
		cJSON_Delete(m);
		return "metadata is not a JSON object";
	}
	const char *values[3] = {0};
	const char *why = NULL;
	for (int k = 0; k < 3 && !why; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, keys[k]);
		if (!cJSON_IsString(v))
			why = "metadata lacks task, dataset or entry";
		else
			values[k] = v->valuestring;
	}
	const cJSON *sp = cJSON_GetObjectItemCaseSensitive(m, "split");
	if (!why)
		why = check_split(t, cJSON_IsString(sp) ? sp->valuestring : NULL);
	why = finish_record(t, why, values, nmeta, im, nimages);
	cJSON_Delete(m);
	return why;
}

/* Copies a scanned string member into buf (NUL-terminated); 0 when it is
 * not a plain string that fits. */
static int member_text(const struct cx_json_member *m, char *buf, size_t size)
{
	if (m->kind != CX_JSCAN_STRING || m->escaped || m->len >= size)
		return 0;
	memcpy(buf, m->value, m->len);
	buf[m->len] = '\0';
	return 1;
}

const char *verify_record(struct tally *t, const char *meta, size_t nmeta,
			  const struct cx_shard_image *im, size_t nimages)
{
	/* the common case without a parse tree (util/json-scan.c): a valid
	 * object whose four members, where strings, hold no escape */
	struct cx_json_member m[4] = {{.key = "task"}, {.key = "dataset"}, {.key = "entry"},
				      {.key = "split"}};
	char text[4][512];
	if (!cx_json_scan_object(meta, nmeta, m, 4))
		return record_parsed(t, meta, nmeta, im, nimages);
	for (int k = 0; k < 4; k++)
		if (m[k].kind == CX_JSCAN_STRING && !member_text(&m[k], text[k], sizeof text[k]))
			return record_parsed(t, meta, nmeta, im, nimages);
	const char *values[3] = {text[0], text[1], text[2]};
	const char *why = NULL;
	for (int k = 0; k < 3 && !why; k++)
		if (m[k].kind != CX_JSCAN_STRING)
			why = "metadata lacks task, dataset or entry";
	if (!why)
		why = check_split(t, m[3].kind == CX_JSCAN_STRING ? text[3] : NULL);
	return finish_record(t, why, values, nmeta, im, nimages);
}

static const char *record_of(struct tally *t, const struct cx_shard_rec *rec)
{
	return verify_record(t, rec->meta, rec->nmeta, rec->images, rec->nimages);
}

static int scan_meta(void *ctx, const struct cx_shard_rec *rec)
{
	return record_of(ctx, rec) != NULL;
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

/* A record fault was reported since the count was faults. */
static int why_seen(const struct tally *t, long faults)
{
	return t->faults > faults;
}

static void verify_native(struct tally *t, const char *path, const char *name, uint64_t want_n,
			  uint64_t want_hash)
{
	struct cx_error err = {0};
	struct cx_shard_reader *r;
	if (cx_shard_open(&r, path, &err)) {
		verify_fault(t, "%s", err.msg);
		return;
	}
	if (verify_fast(t, r, want_n, want_hash)) {
		cx_shard_close(r);
		return;
	}
	const struct cx_shard_header *h = cx_shard_header(r);
	uint64_t computed;
	if (cx_shard_check_hash(r, &computed, &err))
		verify_fault(t, "%s", err.msg);
	else if (computed != want_hash)
		verify_fault(t, "%s: hash %016llx, manifest says %016llx", name,
			     (unsigned long long)computed, (unsigned long long)want_hash);
	if (h->count != want_n)
		verify_fault(t, "%s: %llu records, manifest says %llu", name,
			     (unsigned long long)h->count, (unsigned long long)want_n);
	uint64_t expect = CX_SHARD_HEADER;
	long faults = t->faults;
	t->records += h->count;
	cx_error_clear(&err);
	for (uint64_t i = 0; i < h->count; i++) {
		struct cx_shard_rec rec;
		const char *why = NULL;
		if (cx_shard_get(r, i, &rec, &err) == 0)
			why = rec.offset != expect ? "the index entry is not where the record before"
						     " it ends" : record_of(t, &rec);
		uint64_t len = rec.len;
		cx_shard_rec_release(&rec);
		if (err.code) {
			verify_fault(t, "%s (the first bad record)", err.msg);
			break;
		}
		if (why) {
			verify_fault(t, "%s: record %llu: %s (the first bad record)", path,
				     (unsigned long long)i, why);
			break;
		}
		expect += len;
	}
	if (!err.code && !why_seen(t, faults) && expect != h->index_offset)
		verify_fault(t, "%s: records end at %llu, the index starts at %llu", name,
			     (unsigned long long)expect, (unsigned long long)h->index_offset);
	cx_shard_close(r);
}

static uint64_t num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (uint64_t)v->valuedouble : UINT64_MAX;
}

/* What the shards of an export folder give for its sidecars. */
struct exports {
	struct cx_buf index;     /* MDS: the index.json entries */
	uint64_t bytes;          /* every format: the shards' sizes, summed */
};

/* webdataset, mds: the whole file's XXH3 against the manifest, then the
 * records and sidecars the format defines. */
static void verify_export(struct tally *t, struct exports *x, const char *dir, const char *name,
			  const cJSON *s, int mds)
{
	struct cx_buf p = CX_BUF_INIT;
	cx_buf_addf(&p, "%s/%s", dir, name);
	uint64_t size, hash, want_hash = strtoull(cJSON_GetObjectItemCaseSensitive(s, "xxh3")
							  ->valuestring, NULL, 16);
	if (verify_hash_file(p.data, &size, &hash) != 0)
		verify_fault(t, "%s: cannot be read", name);
	else if (hash != want_hash)
		verify_fault(t, "%s: hash %016llx, manifest says %016llx", name,
			     (unsigned long long)hash, (unsigned long long)want_hash);
	cx_buf_release(&p);
	if (!mds) {
		verify_wds(t, dir, name, num(s, "records"));
		return;
	}
	uint64_t samples, limit;
	verify_mds(t, dir, name, num(s, "records"), &samples, &limit);
	cx_mds_index_entry(&x->index, name, size, hash, samples, limit);
}

static const char *const formats[] = {"native", "webdataset", "mds"};
static const char *const shard_names[] = {
	"shard-[0-9][0-9][0-9][0-9][0-9][0-9].cxs", "shard-[0-9][0-9][0-9][0-9][0-9][0-9].tar",
	"shard.[0-9][0-9][0-9][0-9][0-9].mds"};

static void verify_shard(struct tally *t, struct exports *x, const char *dir, const cJSON *s,
			 int format)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(s, "file");
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(s, "xxh3");
	if (!cJSON_IsString(f) || !cJSON_IsString(h) || strchr(f->valuestring, '/')) {
		verify_fault(t, "manifest.json: a shard entry without file or xxh3");
		return;
	}
	const char *name = f->valuestring;
	uint64_t want_hash = strtoull(h->valuestring, NULL, 16);
	struct cx_buf p = CX_BUF_INIT;
	cx_buf_addf(&p, "%s/%s", dir, name);
	struct stat st;
	if (stat(p.data, &st) != 0)
		verify_fault(t, "%s: listed in the manifest but missing", name);
	else if ((uint64_t)st.st_size != num(s, "bytes"))
		verify_fault(t, "%s: %lld bytes, manifest says %llu", name, (long long)st.st_size,
			     (unsigned long long)num(s, "bytes"));
	else if (format == 0)
		verify_native(t, p.data, name, num(s, "records"), want_hash);
	else
		verify_export(t, x, dir, name, s, format == 2);
	if (stat(p.data, &st) == 0)
		x->bytes += (uint64_t)st.st_size;
	cx_buf_release(&p);
}

static uint64_t count_in(const cJSON *o, const char *name)
{
	uint64_t n = num(o, name);
	return n == UINT64_MAX ? 0 : n;
}

/* The first name of from whose count differs between want and got, or NULL. */
static const char *differs(const cJSON *from, const cJSON *want, const cJSON *got)
{
	for (const cJSON *c = cJSON_IsObject(from) ? from->child : NULL; c; c = c->next)
		if (count_in(want, c->string) != count_in(got, c->string))
			return c->string;
	return NULL;
}

/* counts.task, .dataset and .entry against the records found: the first
 * name whose count differs, for each. */
static void compare_counts(struct tally *t, const cJSON *want)
{
	for (int k = 0; k < 3; k++) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(want, keys[k]);
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(t->counts, keys[k]);
		const char *name = differs(w, w, g);
		if (!name)
			name = differs(g, w, g);
		if (name)
			verify_fault(t, "manifest.json: counts.%s[\"%s\"] is %llu, the shards hold"
				     " %llu", keys[k], name, (unsigned long long)count_in(w, name),
				     (unsigned long long)count_in(g, name));
	}
}

/* mix: each entry's records are what the shards hold of it, achieved is its
 * share of them (as the sharder prints it, %.4f), and every entry the shards
 * hold is listed. available, weight and requested need the catalogue. */
static void check_mix(struct tally *t, const cJSON *mix)
{
	const cJSON *got = cJSON_GetObjectItemCaseSensitive(t->counts, "entry");
	if (!cJSON_IsArray(mix)) {
		verify_fault(t, "manifest.json: mix is not a list");
		return;
	}
	for (const cJSON *e = mix->child; e; e = e->next) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "entry");
		const cJSON *ach = cJSON_GetObjectItemCaseSensitive(e, "achieved");
		if (!cJSON_IsString(name) || !cJSON_IsNumber(ach)) {
			verify_fault(t, "manifest.json: a mix entry without entry or achieved");
			return;
		}
		uint64_t n = num(got, name->valuestring), want = num(e, "records");
		n = n == UINT64_MAX ? 0 : n;
		char a[32], b[32];
		snprintf(a, sizeof a, "%.4f", ach->valuedouble);
		snprintf(b, sizeof b, "%.4f", t->records ? (double)n / (double)t->records : 0.0);
		if (want != n)
			verify_fault(t, "manifest.json: mix entry '%s': records is %llu, the shards"
				     " hold %llu", name->valuestring, (unsigned long long)want,
				     (unsigned long long)n);
		else if (strcmp(a, b))
			verify_fault(t, "manifest.json: mix entry '%s': achieved is %s, the shards"
				     " give %s", name->valuestring, a, b);
	}
	for (const cJSON *c = got->child; c; c = c->next) {
		int listed = 0;
		for (const cJSON *e = mix->child; e && !listed; e = e->next) {
			const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "entry");
			listed = !strcmp(name->valuestring, c->string);
		}
		if (!listed)
			verify_fault(t, "manifest.json: mix lacks entry '%s', which the shards hold",
				     c->string);
	}
}

static cJSON *read_json(const char *dir, const char *name)
{
	struct cx_buf p = CX_BUF_INIT, b = CX_BUF_INIT;
	struct cx_error err = {0};
	cx_buf_addf(&p, "%s/%s", dir, name);
	cJSON *j = NULL;
	if (cx_read_file(p.data, (size_t)1 << 34, &b, &err) == 0)
		j = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
	cx_buf_release(&p);
	cx_buf_release(&b);
	return j;
}

/* README.md, the dataset card, is what the manifest gives (shard/card.c),
 * byte for byte. Checked when all else is sound: a manifest at fault is
 * reported as such, not again as a card that no longer matches it. A set
 * from before cards (no "sources" in its manifest) has none. */
static void check_card(struct tally *t, const char *dir, const cJSON *m)
{
	if (t->faults || !cJSON_GetObjectItemCaseSensitive(m, "sources"))
		return;
	struct cx_buf p = CX_BUF_INIT, man = CX_BUF_INIT, card = CX_BUF_INIT, want = CX_BUF_INIT;
	struct cx_error err = {0};
	cx_buf_addf(&p, "%s/manifest.json", dir);
	int rc = cx_read_file(p.data, (size_t)1 << 34, &man, &err);
	cx_buf_reset(&p);
	cx_buf_addf(&p, "%s/README.md", dir);
	if (rc == 0)
		rc = cx_shard_card(man.data ? man.data : "", &want, &err);
	if (rc == 0 && cx_read_file(p.data, (size_t)1 << 30, &card, &err))
		verify_fault(t, "README.md: missing or unreadable (the dataset card)");
	else if (rc == 0 && (card.len != want.len || memcmp(card.data, want.data, want.len)))
		verify_fault(t, "README.md: not the card manifest.json gives (edited?)");
	cx_buf_release(&p);
	cx_buf_release(&man);
	cx_buf_release(&card);
	cx_buf_release(&want);
}

/* removed (totals per reason) against leakage.json, which lists them. */
static void check_removed(struct tally *t, const char *dir, const cJSON *removed)
{
	cJSON *l = read_json(dir, "leakage.json");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(l, "removed");
	const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(l, "reasons");
	const cJSON *sp = cJSON_GetObjectItemCaseSensitive(l, "split");
	if (!cJSON_IsArray(list) || !cJSON_IsObject(reasons) || !cJSON_IsString(sp)) {
		verify_fault(t, "leakage.json: missing, not JSON, or without split, removed and"
			     " reasons");
		cJSON_Delete(l);
		return;
	}
	uint64_t n = (uint64_t)cJSON_GetArraySize(list), sum = 0;
	for (const cJSON *c = reasons->child; c; c = c->next)
		sum += num(reasons, c->string);
	if (strcmp(sp->valuestring, t->split))
		verify_fault(t, "leakage.json: split is '%s', the manifest's is '%s'",
			     sp->valuestring, t->split);
	else if (num(l, "total") != n || sum != n)
		verify_fault(t, "leakage.json: total is %llu and its reasons add up to %llu, it"
			     " lists %llu", (unsigned long long)num(l, "total"),
			     (unsigned long long)sum, (unsigned long long)n);
	else if (num(removed, "total") != n)
		verify_fault(t, "manifest.json: removed.total is %llu, leakage.json lists %llu",
			     (unsigned long long)num(removed, "total"), (unsigned long long)n);
	else if (cJSON_GetArraySize(removed) != cJSON_GetArraySize(reasons) + 1)
		verify_fault(t, "manifest.json: removed names %d reasons, leakage.json %d",
			     cJSON_GetArraySize(removed) - 1, cJSON_GetArraySize(reasons));
	else
		for (const cJSON *c = reasons->child; c; c = c->next)
			if (num(removed, c->string) != num(reasons, c->string)) {
				verify_fault(t, "manifest.json: removed.%s is %lld, leakage.json"
					     " counts %llu", c->string,
					     (long long)num(removed, c->string),
					     (unsigned long long)num(reasons, c->string));
				break;
			}
	cJSON_Delete(l);
}

static int listed(const cJSON *shards, const char *name, size_t len)
{
	for (const cJSON *s = shards->child; s; s = s->next) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(s, "file");
		if (cJSON_IsString(f) && strlen(f->valuestring) == len &&
		    !strncmp(f->valuestring, name, len))
			return 1;
	}
	return 0;
}

/* Shard-looking files and sidecars the manifest does not account for are a
 * fault (a leftover, or a file of another set). */
static void unlisted(struct tally *t, const char *dir, const cJSON *shards, int format)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		if (!fnmatch("shard*.tar.idx", n, 0)) {
			if (format != 1 || !listed(shards, n, len - 4))
				verify_fault(t, "%s: a sidecar of a shard the manifest does not list",
					     n);
		} else if (!strcmp(n, "index.json")) {
			if (format != 2)
				verify_fault(t, "index.json: an MDS index in a %s folder",
					     formats[format]);
		} else if ((!fnmatch("shard*.cxs", n, 0) || !fnmatch("shard*.tar", n, 0) ||
			    !fnmatch("shard*.mds", n, 0)) && !listed(shards, n, len)) {
			verify_fault(t, "%s: a shard file the manifest does not list", n);
		}
	}
	closedir(d);
}

/* split, record_format and config.image_size/image_format, which the
 * record checks compare with; 0, or the format's number. */
static int read_config(struct tally *t, const char *dir, const cJSON *m, int *format)
{
	const cJSON *rf = cJSON_GetObjectItemCaseSensitive(m, "record_format");
	const cJSON *sp = cJSON_GetObjectItemCaseSensitive(m, "split");
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(m, "config");
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(cfg, "image_size");
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(cfg, "image_format");
	*format = -1;
	for (int i = 0; i < 3 && cJSON_IsString(rf); i++)
		if (!strcmp(rf->valuestring, formats[i]))
			*format = i;
	if (*format < 0)
		return cx_fail("verify: '%s/manifest.json': record_format is not native, webdataset"
			       " or mds", dir);
	if (!cJSON_IsString(sp) || cx_rank_of(sp->valuestring) < 0)
		return cx_fail("verify: '%s/manifest.json': split is not train, val or test", dir);
	t->split = sp->valuestring;
	if (cJSON_IsNumber(size) && size->valuedouble >= 1 && size->valuedouble <= 16384 &&
	    cJSON_IsString(fmt) && (!strcmp(fmt->valuestring, "jpeg") ||
				    !strcmp(fmt->valuestring, "png"))) {
		t->image_size = (int)size->valuedouble;
		t->image_type = !strcmp(fmt->valuestring, "png") ? CX_IMAGE_PNG : CX_IMAGE_JPEG;
		/* before --enlarge existed every image was scaled to the size */
		t->enlarge = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(cfg, "enlarge"));
	} else if (!cJSON_IsNull(size)) {
		return cx_fail("verify: '%s/manifest.json': config.image_size is neither null nor"
			       " a size with image_format jpeg or png", dir);
	}
	return 0;
}

/* The manifest's totals against the shards: records, bytes, counts, mix,
 * removed (against leakage.json). Counts and mix only when every record
 * checked out, or one damaged record would be reported three times. */
static void check_totals(struct tally *t, const char *dir, const cJSON *m, uint64_t bytes)
{
	if (t->records != num(m, "records"))
		verify_fault(t, "%llu records in the shards, manifest says %llu",
			     (unsigned long long)t->records, (unsigned long long)num(m, "records"));
	if (bytes != num(m, "bytes"))
		verify_fault(t, "manifest.json: bytes is %llu, the shards hold %llu",
			     (unsigned long long)num(m, "bytes"), (unsigned long long)bytes);
	if (t->faults == 0) {
		compare_counts(t, cJSON_GetObjectItemCaseSensitive(m, "counts"));
		check_mix(t, cJSON_GetObjectItemCaseSensitive(m, "mix"));
	}
	check_removed(t, dir, cJSON_GetObjectItemCaseSensitive(m, "removed"));
}

/* Every shard file the manifest lists is named as its record_format names
 * them: a manifest that says mds over .cxs files is refused in one line. */
static int check_names(const char *dir, const cJSON *shards, int format)
{
	for (const cJSON *s = shards->child; s; s = s->next) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(s, "file");
		if (cJSON_IsString(f) && fnmatch(shard_names[format], f->valuestring, 0))
			return cx_fail("verify: '%s/manifest.json': record_format is %s, but shard"
				       " file '%s' is not a %s shard", dir, formats[format],
				       f->valuestring, formats[format]);
	}
	return 0;
}

static int verify(const char *dir)
{
	cJSON *m = read_json(dir, "manifest.json");
	if (!m)
		return cx_fail("verify: '%s' has no readable manifest.json: the folder is"
			       " incomplete or not a shard folder", dir);
	const cJSON *shards = cJSON_GetObjectItemCaseSensitive(m, "shards");
	if (num(m, "format_version") != 1 || !cJSON_IsArray(shards)) {
		cJSON_Delete(m);
		return cx_fail("verify: '%s/manifest.json' is not a version 1 shard manifest", dir);
	}
	struct tally t = {.counts = cJSON_CreateObject()};
	int format, rc = read_config(&t, dir, m, &format);
	if (rc) {
		cJSON_Delete(t.counts);
		cJSON_Delete(m);
		return rc;
	}
	cJSON_AddObjectToObject(t.counts, "task");
	cJSON_AddObjectToObject(t.counts, "dataset");
	cJSON_AddObjectToObject(t.counts, "entry");
	struct exports x = {CX_BUF_INIT, 0};
	rc = check_names(dir, shards, format);
	t.prog = (struct cx_progress){.on = isatty(2), .who = "verify"};
	cx_progress_start(&t.prog, "check", "records", num(m, "records"));
	for (const cJSON *s = shards->child; s && rc == 0; s = s->next)
		verify_shard(&t, &x, dir, s, format);
	cx_progress_end(&t.prog);
	if (rc == 0 && format == 2) {
		struct cx_buf want = CX_BUF_INIT;
		cx_mds_index_json(&want, &x.index);
		verify_mds_index(&t, dir, &want);
		cx_buf_release(&want);
	}
	if (rc == 0) {
		unlisted(&t, dir, shards, format);
		check_totals(&t, dir, m, x.bytes);
		check_card(&t, dir, m);
		if (t.faults == 0)
			printf("%s: %d shards, %llu records, %s: ok\n", dir,
			       cJSON_GetArraySize(shards), (unsigned long long)t.records,
			       formats[format]);
		else
			printf("%s: %ld faults\n", dir, t.faults);
	}
	cx_buf_release(&x.index);
	cJSON_Delete(t.counts);
	cJSON_Delete(m);
	return rc ? rc : t.faults ? CX_EXIT_ERROR : CX_EXIT_OK;
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

/*
 * cat-dry.c - the counts of `shard --dry-run` without building the plan.
 *
 * The plan of cat-shard.c copies every instance of the split (two million
 * at full MIMIC-CXR scale) into SQLite, joins them to their images and
 * studies, updates each with its image signature and sorts them for the
 * pick: 73 CPU s, where a dry run needs only counts. This file gives the
 * same counts from reads alone: the images and studies once (their content
 * hash, study and patient), the instances of the stricter splits into hash
 * tables (image contents, studies and patients they hold, with the
 * strictest split of each), then one pass over the split's instances, in
 * id order, merged with their images, which decides each instance as the
 * plan's statements would (held out, --access, the three hygiene checks in
 * order under the dataset's policy, the leak a looser policy accepts), and
 * last the image duplicates, found by sorting a 64-bit key of the
 * duplicate group (entry, image signature, label, flag, other instance)
 * and settled exactly, from the catalogue, for the few keys held twice. A
 * mix's label rules then read their groups with the pick rank and leave
 * out what the plan's would (cx_plan_label_keep).
 *
 * A dry run reads no image: an image's content is its stored pixel hash,
 * else its place (cx_plan_image_ids). The image duplicates of a real run
 * are found by the bytes it reads, so they may differ; the counts of the
 * two agree where the catalogue holds pixel hashes (tests/cli/t-shard.sh).
 * Memory: about 40 bytes an instance of the split, 30 an image, 20 a study.
 */
#include "cx.h"

#include "util/xxh.h"

#include "catalogue/cat-internal.h"

static const char *const reason_names[CX_DRY_NREASONS] = {
	"held-out", "credentialed-source", "image-in-val", "image-in-test", "study-in-val",
	"study-in-test", "patient-in-val", "patient-in-test", "duplicate-image",
};

const char *cx_dry_reason_name(int reason)
{
	return reason >= 0 && reason < CX_DRY_NREASONS ? reason_names[reason] : "?";
}

#define NONE INT64_MIN
#define LEFT_OUT 255 /* state: left out by a label rule of the mix (the plan's state 2) */
/* Ids index arrays: a catalogue whose ids run far beyond its row count
 * (none that build writes) is left to the plan. */
#define MAX_ID (1ll << 28)

/* ------------------------------------------------------------ hash tables */

/* Strings (namespaced study and patient ids) or 64-bit values (image
 * contents) with the strictest split that holds each; open addressing. */
struct set {
	uint64_t *h;
	uint32_t *off, *len;    /* strings: in the arena; NULL for values */
	uint8_t *rank;          /* 0: empty slot, else rank + 1 */
	size_t cap, n;
	struct cx_buf arena;
};

static void set_init(struct set *s, int strings)
{
	s->cap = 1024;
	s->h = cx_calloc(s->cap, sizeof(*s->h));
	s->rank = cx_calloc(s->cap, 1);
	if (strings) {
		s->off = cx_calloc(s->cap, sizeof(*s->off));
		s->len = cx_calloc(s->cap, sizeof(*s->len));
	}
}

static void set_free(struct set *s)
{
	free(s->h);
	free(s->off);
	free(s->len);
	free(s->rank);
	cx_buf_release(&s->arena);
}

static int same(const struct set *s, size_t i, uint64_t h, const char *p, size_t n)
{
	if (s->h[i] != h)
		return 0;
	return !s->off || (s->len[i] == n && !memcmp(s->arena.data + s->off[i], p, n));
}

/* The slot of (h, p): where it is, or the empty one where it goes. */
static size_t slot(const struct set *s, uint64_t h, const char *p, size_t n)
{
	size_t i = (size_t)h & (s->cap - 1);
	while (s->rank[i] && !same(s, i, h, p, n))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void grow(struct set *s)
{
	struct set old = *s;
	s->cap *= 2;
	s->h = cx_calloc(s->cap, sizeof(*s->h));
	s->rank = cx_calloc(s->cap, 1);
	s->off = old.off ? cx_calloc(s->cap, sizeof(*s->off)) : NULL;
	s->len = old.len ? cx_calloc(s->cap, sizeof(*s->len)) : NULL;
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.rank[i])
			continue;
		size_t j = (size_t)old.h[i] & (s->cap - 1);
		while (s->rank[j])
			j = (j + 1) & (s->cap - 1);
		s->h[j] = old.h[i];
		s->rank[j] = old.rank[i];
		if (s->off) {
			s->off[j] = old.off[i];
			s->len[j] = old.len[i];
		}
	}
	free(old.h);
	free(old.rank);
	free(old.off);
	free(old.len);
}

/* Records that split `rank` holds the value; the strictest stays. */
static void set_add(struct set *s, uint64_t h, const char *p, size_t n, int rank)
{
	if (2 * (s->n + 1) > s->cap)
		grow(s);
	size_t i = slot(s, h, p, n);
	if (!s->rank[i]) {
		s->h[i] = h;
		if (s->off) {
			s->off[i] = (uint32_t)s->arena.len;
			s->len[i] = (uint32_t)n;
			cx_buf_add(&s->arena, p, n);
		}
		s->n++;
	}
	if (s->rank[i] < rank + 1)
		s->rank[i] = (uint8_t)(rank + 1);
}

/* The strictest split holding the value, or -1. */
static int set_rank(const struct set *s, uint64_t h, const char *p, size_t n)
{
	size_t i = slot(s, h, p, n);
	return s->rank[i] ? s->rank[i] - 1 : -1;
}

/* ----------------------------------------------------- the catalogue read */

struct ent {
	char *space;                  /* the dataset's id space */
	struct cx_dry_entry *out;     /* the caller's, or NULL */
};

/* One instance as read, with its images. */
struct inst {
	int64_t id, entry, study, image, flag, other;
	int rank, qa;
	const char *patient, *label;
	size_t label_len;
	int64_t *img;
	size_t nimg, capimg;
};

struct cx_dry {
	struct cx_cat *cat;
	int target;
	/* entries by id */
	struct ent *ent;
	int64_t nent;
	/* images by id: study, patient (arena offset + 1, 0 none), content */
	int64_t nimg, *img_study;
	uint32_t *img_patient;
	uint64_t *img_hash;
	uint8_t *img_state;           /* 0 no row, 1 a row, 2 a row with a release */
	/* studies by id: key and patient (arena offsets + 1, 0 none) */
	int64_t nstudy;
	uint32_t *study_key, *study_patient;
	struct cx_buf arena;
	/* the stricter splits */
	struct set hashes, studies, patients;
	/* the split's instances, in id order */
	size_t n, cap;
	int64_t *id;
	uint32_t *entry;
	uint8_t *state, *leak;        /* reason + 1, 0 none */
	uint64_t *sig, *group;        /* group: the duplicate key | 1, 0 none */
	struct cx_buf value;          /* scratch: a namespaced id */
	int64_t *by_id;               /* (id, index) pairs in id order, for the label rules */
	int64_t *pick;                /* the last label group: (pick rank, id) pairs */
	size_t npick;
};

static uint32_t keep_str(struct cx_dry *d, const unsigned char *s)
{
	if (!s || !s[0])
		return 0;
	uint32_t off = (uint32_t)d->arena.len + 1;
	cx_buf_add(&d->arena, s, strlen((const char *)s) + 1);
	return off;
}

static const char *str_at(const struct cx_dry *d, uint32_t off)
{
	return off ? d->arena.data + off - 1 : NULL;
}

static int64_t max_id(struct cx_dry *d, const char *sql, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(d->cat, sql, &st, err))
		return -1;
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return n < 0 ? 0 : n;
}

static int load_entries(struct cx_dry *d, struct cx_dry_entry *e, size_t n, struct cx_error *err)
{
	/* the entries the plan's instances join to (cx_plan_begin) */
	d->nent = max_id(d, "SELECT max(id) + 1 FROM entry", err);
	if (d->nent < 0 || d->nent > MAX_ID)
		return d->nent < 0 ? CX_EDB : 1;
	d->ent = cx_calloc((size_t)d->nent + 1, sizeof(*d->ent));
	sqlite3_stmt *st;
	if (cat_prepare(d->cat, "SELECT e.id, d.id_space FROM entry e JOIN dataset d"
				" ON e.dataset_id = d.id JOIN task t ON t.id = e.task_id", &st, err))
		return CX_EDB;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (id < 0 || id >= d->nent)
			continue;
		d->ent[id].space = cx_strdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++)
		if (e[i].id >= 0 && e[i].id < d->nent && d->ent[e[i].id].space)
			d->ent[e[i].id].out = &e[i];
	return 0;
}

/* Every image: its study and patient, and (when its image source has a
 * release row, as plan.img requires) its content as a dry run takes it. */
static int load_images(struct cx_dry *d, struct cx_error *err)
{
	d->nimg = max_id(d, "SELECT max(id) + 1 FROM image", err);
	if (d->nimg < 0 || d->nimg > MAX_ID)
		return d->nimg < 0 ? CX_EDB : 1;
	size_t n = (size_t)d->nimg + 1;
	d->img_study = cx_malloc(n * sizeof(*d->img_study));
	d->img_patient = cx_calloc(n, sizeof(*d->img_patient));
	d->img_hash = cx_calloc(n, sizeof(*d->img_hash));
	d->img_state = cx_calloc(n, 1);
	sqlite3_stmt *st;
	if (cat_prepare(d->cat, "SELECT i.id, i.study_id, i.patient, r.id IS NOT NULL,"
				" COALESCE(i.pixel_hash, cx_hash(r.release_path || '|' || i.archive"
				" || '|' || i.path, 0)) FROM image i LEFT JOIN dataset o"
				" ON o.id = i.dataset_id LEFT JOIN dataset r ON r.source = o.image_source",
			&st, err))
		return CX_EDB;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (id < 0 || id >= d->nimg)
			continue;
		d->img_study[id] = sqlite3_column_type(st, 1) == SQLITE_NULL
					   ? NONE : sqlite3_column_int64(st, 1);
		d->img_patient[id] = keep_str(d, sqlite3_column_text(st, 2));
		d->img_state[id] = sqlite3_column_int(st, 3) ? 2 : 1;
		d->img_hash[id] = (uint64_t)sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return 0;
}

static int load_studies(struct cx_dry *d, struct cx_error *err)
{
	d->nstudy = max_id(d, "SELECT max(id) + 1 FROM study", err);
	if (d->nstudy < 0 || d->nstudy > MAX_ID)
		return d->nstudy < 0 ? CX_EDB : 1;
	d->study_key = cx_calloc((size_t)d->nstudy + 1, sizeof(*d->study_key));
	d->study_patient = cx_calloc((size_t)d->nstudy + 1, sizeof(*d->study_patient));
	sqlite3_stmt *st;
	if (cat_prepare(d->cat, "SELECT id, key, patient FROM study", &st, err))
		return CX_EDB;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (id < 0 || id >= d->nstudy)
			continue;
		/* a key may be '' (the plan's value is then "space:"): offsets
		 * are kept for every row, the empty string included */
		const unsigned char *k = sqlite3_column_text(st, 1);
		d->study_key[id] = (uint32_t)d->arena.len + 1;
		cx_buf_add(&d->arena, k ? (const char *)k : "", k ? strlen((const char *)k) + 1 : 1);
		d->study_patient[id] = keep_str(d, sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	return 0;
}

/* ---------------------------------------------------------- an instance */

static int rank_of(const unsigned char *s)
{
	if (!s)
		return -1;
	return !strcmp((const char *)s, "train") ? 0 : !strcmp((const char *)s, "val") ? 1 :
	       !strcmp((const char *)s, "test") ? 2 : -1;
}

/* "space:key" of the instance's study (its own, else its image's), as
 * plan.cand.study; NULL when there is none. */
static const char *study_of(struct cx_dry *d, const struct inst *x, int64_t *sid)
{
	*sid = x->study;
	if (*sid == NONE && x->image >= 0 && x->image < d->nimg && d->img_state[x->image])
		*sid = d->img_study[x->image];
	if (*sid < 0 || *sid >= d->nstudy || !d->study_key[*sid])
		return NULL;
	cx_buf_reset(&d->value);
	cx_buf_adds(&d->value, d->ent[x->entry].space);
	cx_buf_addc(&d->value, ':');
	cx_buf_adds(&d->value, str_at(d, d->study_key[*sid]));
	return d->value.data;
}

/* Its patient: its own, else its study's, else its image's, namespaced. */
static const char *patient_of(struct cx_dry *d, const struct inst *x, int64_t sid)
{
	const char *p = x->patient && x->patient[0] ? x->patient : NULL;
	if (!p && sid >= 0 && sid < d->nstudy && d->study_key[sid])
		p = str_at(d, d->study_patient[sid]);
	if (!p && x->image >= 0 && x->image < d->nimg && d->img_state[x->image])
		p = str_at(d, d->img_patient[x->image]);
	if (!p)
		return NULL;
	cx_buf_reset(&d->value);
	cx_buf_adds(&d->value, d->ent[x->entry].space);
	cx_buf_addc(&d->value, ':');
	cx_buf_adds(&d->value, p);
	return d->value.data;
}

static int has_release(const struct cx_dry *d, int64_t image)
{
	return image >= 0 && image < d->nimg && d->img_state[image] == 2;
}

/* An instance of a stricter split: what it holds goes into the tables. */
static void hold(struct cx_dry *d, const struct inst *x)
{
	for (size_t k = 0; k < x->nimg; k++)
		if (has_release(d, x->img[k]))
			set_add(&d->hashes, d->img_hash[x->img[k]], NULL, 0, x->rank);
	int64_t sid;
	const char *s = study_of(d, x, &sid);
	if (s)
		set_add(&d->studies, cx_hash64(s, d->value.len, 0), s, d->value.len, x->rank);
	s = patient_of(d, x, sid);
	if (s)
		set_add(&d->patients, cx_hash64(s, d->value.len, 0), s, d->value.len, x->rank);
}

/* The strictest split holding one of the instance's images (level 1), its
 * study (2) or its patient (3), or -1. */
static int held_at(struct cx_dry *d, const struct inst *x, int level)
{
	int best = -1;
	if (level == 1) {
		for (size_t k = 0; k < x->nimg; k++)
			if (has_release(d, x->img[k])) {
				int r = set_rank(&d->hashes, d->img_hash[x->img[k]], NULL, 0);
				best = r > best ? r : best;
			}
		return best;
	}
	int64_t sid;
	const char *s = study_of(d, x, &sid);
	if (level == 3)
		s = patient_of(d, x, sid);
	if (!s)
		return -1;
	return set_rank(level == 2 ? &d->studies : &d->patients, cx_hash64(s, d->value.len, 0), s,
			d->value.len);
}

/* sig: XXH3 of the content hashes of the images, in order (image_sigs
 * hashes them as a stream; one call over the same bytes gives the same). */
static int sig_of(struct cx_dry *d, const struct inst *x, uint64_t *sig)
{
	cx_buf_reset(&d->value);
	for (size_t k = 0; k < x->nimg; k++) {
		if (!has_release(d, x->img[k]))
			continue;
		unsigned char b[8];
		uint64_t v = d->img_hash[x->img[k]];
		for (int i = 0; i < 8; i++)
			b[i] = (unsigned char)(v >> (8 * i));
		cx_buf_add(&d->value, b, 8);
	}
	*sig = XXH3_64bits(d->value.data, d->value.len);
	return d->value.len > 0;
}

/* The duplicate group's key (dup_images' PARTITION BY), hashed. */
static uint64_t group_of(struct cx_dry *d, const struct inst *x, uint64_t sig)
{
	int64_t v[3] = {x->entry, x->flag, x->other};
	cx_buf_reset(&d->value);
	cx_buf_add(&d->value, v, sizeof v);
	cx_buf_add(&d->value, &sig, sizeof sig);
	cx_buf_addc(&d->value, (char)((x->flag == NONE) | (x->other == NONE) << 1 |
				      !x->label << 2));
	if (x->label)
		cx_buf_add(&d->value, x->label, x->label_len);
	return cx_hash64(d->value.data, d->value.len, 0) | 1;
}

static void reserve(struct cx_dry *d, size_t cap)
{
	d->cap = cap;
	d->id = cx_realloc(d->id, d->cap * sizeof(*d->id));
	d->entry = cx_realloc(d->entry, d->cap * sizeof(*d->entry));
	d->state = cx_realloc(d->state, d->cap);
	d->leak = cx_realloc(d->leak, d->cap);
	d->sig = cx_realloc(d->sig, d->cap * sizeof(*d->sig));
	d->group = cx_realloc(d->group, d->cap * sizeof(*d->group));
}

static void push(struct cx_dry *d, const struct inst *x)
{
	if (d->n == d->cap)
		reserve(d, d->cap ? 2 * d->cap : 4096);
	size_t i = d->n++;
	d->id[i] = x->id;
	d->entry[i] = (uint32_t)x->entry;
	d->state[i] = d->leak[i] = 0;
	d->sig[i] = d->group[i] = 0;
}

/* An instance of the split: held out, left out by --access, then the three
 * checks in the plan's order (each removes under a policy that includes it,
 * else counts the first leak), then its duplicate key. */
static void decide(struct cx_dry *d, const struct inst *x)
{
	push(d, x);
	size_t i = d->n - 1;
	const struct cx_dry_entry *e = d->ent[x->entry].out;
	int policy = e ? e->policy : 3;
	if (e && e->excluded)
		d->state[i] = CX_DRY_HELD_OUT + 1;
	else if (e && e->restricted)
		d->state[i] = CX_DRY_CREDENTIALED + 1;
	for (int level = 1; level <= 3 && !d->state[i]; level++) {
		int r = held_at(d, x, level);
		if (r < 0)
			continue;
		int reason = CX_DRY_IMAGE_IN_VAL + 2 * (level - 1) + (r == 1 ? 0 : 1);
		if (policy >= level)
			d->state[i] = (uint8_t)(reason + 1);
		else if (!d->leak[i])
			d->leak[i] = (uint8_t)(reason + 1);
	}
	uint64_t sig;
	if (!d->state[i] && !x->qa && sig_of(d, x, &sig)) {
		d->sig[i] = sig;
		d->group[i] = group_of(d, x, sig);
	}
}

/* ------------------------------------------------------------ the walks */

typedef void (*inst_fn)(struct cx_dry *d, const struct inst *x);

static const char *const inst_cols =
	"SELECT id, entry_id, split, patient, study_id, image_id, qa_id IS NOT NULL, label,"
	" flag, other_id FROM instance";

static int64_t opt_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NONE : sqlite3_column_int64(st, i);
}

/* The instance of row st, or 0 when the plan would not hold it. */
static int read_inst(struct cx_dry *d, sqlite3_stmt *st, struct inst *x)
{
	x->id = sqlite3_column_int64(st, 0);
	x->entry = sqlite3_column_int64(st, 1);
	x->rank = rank_of(sqlite3_column_text(st, 2));
	if (x->rank < d->target || x->entry < 0 || x->entry >= d->nent || !d->ent[x->entry].space)
		return 0;
	x->patient = (const char *)sqlite3_column_text(st, 3);
	x->study = opt_int(st, 4);
	x->image = opt_int(st, 5);
	x->qa = sqlite3_column_int(st, 6);
	x->label = (const char *)sqlite3_column_text(st, 7);
	x->label_len = (size_t)sqlite3_column_bytes(st, 7);
	x->flag = opt_int(st, 8);
	x->other = opt_int(st, 9);
	x->nimg = 0;
	return 1;
}

static void add_image(struct inst *x, int64_t image)
{
	if (x->nimg == x->capimg) {
		x->capimg = x->capimg ? 2 * x->capimg : 16;
		x->img = cx_realloc(x->img, x->capimg * sizeof(*x->img));
	}
	x->img[x->nimg++] = image;
}

/* A walk's two statements: the instances (inst_cols and then tail) and
 * their images. */
static int prepare_walk(struct cx_dry *d, const char *tail, const char *images_sql,
			sqlite3_stmt **st, sqlite3_stmt **im, struct cx_error *err)
{
	struct cx_buf sql = CX_BUF_INIT;
	cx_buf_addf(&sql, "%s%s", inst_cols, tail);
	int rc = cat_prepare(d->cat, sql.data, st, err);
	cx_buf_release(&sql);
	if (rc)
		return CX_EDB;
	if (cat_prepare(d->cat, images_sql, im, err)) {
		sqlite3_finalize(*st);
		return CX_EDB;
	}
	return 0;
}

/* Every instance in id order, its images merged from instance_image in its
 * key order: two scans, no lookup per row (the split is most of them). */
static int walk_all(struct cx_dry *d, int ranks, inst_fn fn, struct cx_error *err)
{
	sqlite3_stmt *st, *im;
	if (prepare_walk(d, " ORDER BY id", "SELECT instance_id, image_id FROM instance_image"
			 " ORDER BY instance_id, ord", &st, &im, err))
		return CX_EDB;
	struct inst x = {0};
	int more = sqlite3_step(im) == SQLITE_ROW;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!read_inst(d, st, &x) || !(ranks >> x.rank & 1))
			continue;
		while (more && sqlite3_column_int64(im, 0) < x.id)
			more = sqlite3_step(im) == SQLITE_ROW;
		while (more && sqlite3_column_int64(im, 0) == x.id) {
			add_image(&x, sqlite3_column_int64(im, 1));
			more = sqlite3_step(im) == SQLITE_ROW;
		}
		fn(d, &x);
	}
	free(x.img);
	sqlite3_finalize(st);
	sqlite3_finalize(im);
	return 0;
}

/* The instances of some splits through the (entry, split) index, their
 * images looked up each: for splits that are a small part of the whole. */
static int walk_some(struct cx_dry *d, int ranks, inst_fn fn, struct cx_error *err)
{
	static const char *const names[] = {"train", "val", "test"};
	sqlite3_stmt *st, *im;
	if (prepare_walk(d, " WHERE entry_id = ?1 AND split = ?2 ORDER BY id",
			 "SELECT image_id FROM instance_image WHERE instance_id = ?1 ORDER BY ord",
			 &st, &im, err))
		return CX_EDB;
	struct inst x = {0};
	for (int64_t e = 0; e < d->nent; e++)
		for (int r = 0; r < 3 && d->ent[e].space; r++) {
			if (!(ranks >> r & 1))
				continue;
			sqlite3_bind_int64(st, 1, e);
			sqlite3_bind_text(st, 2, names[r], -1, SQLITE_STATIC);
			while (sqlite3_step(st) == SQLITE_ROW) {
				if (!read_inst(d, st, &x))
					continue;
				sqlite3_bind_int64(im, 1, x.id);
				while (sqlite3_step(im) == SQLITE_ROW)
					add_image(&x, sqlite3_column_int64(im, 0));
				sqlite3_reset(im);
				fn(d, &x);
			}
			sqlite3_reset(st);
		}
	free(x.img);
	sqlite3_finalize(st);
	sqlite3_finalize(im);
	return 0;
}

/* The split's instances through the index when it holds under a quarter of
 * them, else in one scan; the decisions do not depend on the order. */
static int walk(struct cx_dry *d, int ranks, int64_t wanted, int64_t all, inst_fn fn,
		struct cx_error *err)
{
	return 4 * wanted < all ? walk_some(d, ranks, fn, err) : walk_all(d, ranks, fn, err);
}

/* ----------------------------------------------------------- duplicates */

/* A member of a duplicate key held twice: its exact group and order. */
struct member {
	size_t i;
	int64_t id;
	uint32_t entry;
	uint64_t group, sig;
	int64_t flag, other;
	char *label, *key;
	int label_null;
};

static int cmp_bytes(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	int c = memcmp(a, b, na < nb ? na : nb);
	return c ? c : (na > nb) - (na < nb);
}

static int cmp_group(const struct member *a, const struct member *b)
{
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->entry != b->entry)
		return a->entry < b->entry ? -1 : 1;
	if (a->sig != b->sig)
		return a->sig < b->sig ? -1 : 1;
	if (a->flag != b->flag)
		return a->flag < b->flag ? -1 : 1;
	if (a->other != b->other)
		return a->other < b->other ? -1 : 1;
	if (a->label_null != b->label_null)
		return a->label_null - b->label_null;
	return a->label_null ? 0 : cmp_bytes(a->label, b->label);
}

/* Group, then the window's order within it: key, then id. */
static int cmp_member(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	int c = cmp_group(a, b);
	if (c)
		return c;
	c = cmp_bytes(a->key, b->key);
	return c ? c : (a->id > b->id) - (a->id < b->id);
}

static int cmp_u64_pair(const void *pa, const void *pb)
{
	const uint64_t *a = pa, *b = pb;
	return a[0] != b[0] ? (a[0] < b[0] ? -1 : 1) : (a[1] > b[1]) - (a[1] < b[1]);
}

/* The instances whose duplicate key another shares, with their key, label,
 * flag and other instance read back. */
static int read_members(struct cx_dry *d, struct member **out, size_t *nout, struct cx_error *err)
{
	size_t n = 0;
	uint64_t *pairs = cx_malloc((d->n + 1) * 2 * sizeof(*pairs));
	for (size_t i = 0; i < d->n; i++)
		if (d->group[i]) {
			pairs[2 * n] = d->group[i];
			pairs[2 * n++ + 1] = i;
		}
	qsort(pairs, n, 2 * sizeof(*pairs), cmp_u64_pair);
	sqlite3_stmt *st;
	if (cat_prepare(d->cat, "SELECT key, label, flag, other_id FROM instance WHERE id = ?1",
			&st, err)) {
		free(pairs);
		return CX_EDB;
	}
	struct member *m = NULL;
	size_t nm = 0, cap = 0;
	for (size_t k = 0; k < n; k++) {
		int twice = (k > 0 && pairs[2 * k] == pairs[2 * k - 2]) ||
			    (k + 1 < n && pairs[2 * k] == pairs[2 * k + 2]);
		if (!twice)
			continue;
		size_t i = (size_t)pairs[2 * k + 1];
		sqlite3_bind_int64(st, 1, d->id[i]);
		if (nm == cap) {
			cap = cap ? 2 * cap : 256;
			m = cx_realloc(m, cap * sizeof(*m));
		}
		if (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *label = sqlite3_column_text(st, 1);
			const unsigned char *key = sqlite3_column_text(st, 0);
			m[nm++] = (struct member){i, d->id[i], d->entry[i], d->group[i], d->sig[i],
						  opt_int(st, 2), opt_int(st, 3),
						  cx_strdup(label ? (const char *)label : ""),
						  cx_strdup(key ? (const char *)key : ""), label == NULL};
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	free(pairs);
	*out = m;
	*nout = nm;
	return 0;
}

/* Every member of a group but the first, by (key, id), is a duplicate. */
static int mark_duplicates(struct cx_dry *d, struct cx_error *err)
{
	struct member *m;
	size_t n;
	if (read_members(d, &m, &n, err))
		return CX_EDB;
	if (n > 1)
		qsort(m, n, sizeof(*m), cmp_member);
	for (size_t k = 1; k < n; k++)
		if (!cmp_group(&m[k - 1], &m[k]))
			d->state[m[k].i] = CX_DRY_DUPLICATE_IMAGE + 1;
	for (size_t k = 0; k < n; k++) {
		free(m[k].label);
		free(m[k].key);
	}
	free(m);
	return 0;
}

/* ----------------------------------------------------------------- tally */

static void tally(struct cx_dry *d, struct cx_dry_removed *rm)
{
	for (int k = 0; k < CX_DRY_NREASONS; k++) {
		rm->count[k] = 0;
		rm->first[k] = -1;
	}
	for (size_t i = 0; i < d->n; i++) {
		struct cx_dry_entry *e = d->ent[d->entry[i]].out;
		int left = d->state[i] == LEFT_OUT;
		int s = left ? -1 : d->state[i] - 1;
		if (s >= 0) {
			if (rm->first[s] < 0 || d->id[i] < rm->first[s])
				rm->first[s] = d->id[i];
			rm->count[s]++;
		}
		if (!e)
			continue;
		e->instances++;
		e->removed += s >= 0;
		e->avail += s < 0 && !left;
		if (s < 0 && d->leak[i])
			e->leaks[d->leak[i] - 1]++;
	}
}

static void hold_fn(struct cx_dry *d, const struct inst *x)
{
	hold(d, x);
}

static void decide_fn(struct cx_dry *d, const struct inst *x)
{
	if (x->rank == d->target)
		decide(d, x);
}

static int split_sizes(struct cx_dry *d, int64_t n[3], struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(d->cat, "SELECT split, count(*) FROM instance GROUP BY entry_id, split",
			&st, err))
		return CX_EDB;
	n[0] = n[1] = n[2] = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int r = rank_of(sqlite3_column_text(st, 0));
		if (r >= 0)
			n[r] += sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

static void dry_free(struct cx_dry *d)
{
	for (int64_t i = 0; d->ent && i < d->nent; i++)
		free(d->ent[i].space);
	free(d->ent);
	free(d->img_study);
	free(d->img_patient);
	free(d->img_hash);
	free(d->img_state);
	free(d->study_key);
	free(d->study_patient);
	cx_buf_release(&d->arena);
	set_free(&d->hashes);
	set_free(&d->studies);
	set_free(&d->patients);
	free(d->id);
	free(d->entry);
	free(d->state);
	free(d->leak);
	free(d->sig);
	free(d->group);
	cx_buf_release(&d->value);
	free(d->by_id);
	free(d->pick);
}

int cx_plan_dry_begin(struct cx_cat *cat, int target, struct cx_dry_entry *e, size_t n,
		      struct cx_dry **out, struct cx_error *err)
{
	struct cx_dry *d = cx_calloc(1, sizeof(*d));
	*out = d;
	d->cat = cat;
	d->target = target;
	set_init(&d->hashes, 0);
	set_init(&d->studies, 1);
	set_init(&d->patients, 1);
	for (size_t i = 0; i < n; i++) {
		e[i].instances = e[i].removed = e[i].avail = 0;
		memset(e[i].leaks, 0, sizeof e[i].leaks);
	}
	int64_t sizes[3];
	int rc = split_sizes(d, sizes, err);
	if (rc == 0)
		rc = load_entries(d, e, n, err);
	if (rc == 0)
		rc = load_images(d, err);
	if (rc == 0)
		rc = load_studies(d, err);
	int stricter = 6 & ~((2 << target) - 1);
	int64_t all = sizes[0] + sizes[1] + sizes[2];
	int64_t nstricter = target < 1 ? sizes[1] + sizes[2] : target < 2 ? sizes[2] : 0;
	if (rc == 0)
		rc = walk(d, stricter, nstricter, all, hold_fn, err);
	if (rc == 0 && sizes[target] > 0)
		reserve(d, (size_t)sizes[target]);
	if (rc == 0)
		rc = walk(d, 1 << target, sizes[target], all, decide_fn, err);
	if (rc == 0)
		rc = mark_duplicates(d, err);
	return rc;
}

/* ------------------------------------------------- label rules of a mix */

/* (a, b) pairs of signed integers, in order of a, then b. */
static int cmp_pair(const void *pa, const void *pb)
{
	const int64_t *a = pa, *b = pb;
	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return (a[1] > b[1]) - (a[1] < b[1]);
}

/* The index of instance id among the split's, or -1. */
static int64_t index_of(struct cx_dry *d, int64_t id)
{
	if (!d->by_id) {
		d->by_id = cx_malloc((d->n + 1) * 2 * sizeof(*d->by_id));
		for (size_t i = 0; i < d->n; i++) {
			d->by_id[2 * i] = d->id[i];
			d->by_id[2 * i + 1] = (int64_t)i;
		}
		qsort(d->by_id, d->n, 2 * sizeof(*d->by_id), cmp_pair);
	}
	size_t lo = 0, hi = d->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->by_id[2 * mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->n && d->by_id[2 * lo] == id ? d->by_id[2 * lo + 1] : -1;
}

/* The entry's kept instances whose label set (the image's, else the
 * study's) gives the label as 1 (LABEL_GROUP in cat-shard.c), with their
 * pick rank h as cx_plan_begin computes it, in pick order. */
int cx_plan_dry_label_count(struct cx_dry *d, int64_t entry, const char *label, uint64_t seed,
			    int64_t *n, struct cx_error *err)
{
	static const char *const names[] = {"train", "val", "test"};
	sqlite3_stmt *st;
	if (cat_prepare(d->cat, "SELECT n.id, cx_hash(cx_instance_id(t.name, d.source, n.key), ?3)"
				" FROM instance n JOIN entry e ON e.id = n.entry_id"
				" JOIN task t ON t.id = e.task_id JOIN dataset d ON d.id = e.dataset_id"
				" LEFT JOIN image i ON i.id = n.image_id"
				" LEFT JOIN study s ON s.id = n.study_id"
				" WHERE n.entry_id = ?1 AND n.split = ?2"
				" AND json_extract(COALESCE(i.labels, s.labels), ?4) = 1", &st, err))
		return CX_EDB;
	struct cx_buf path = CX_BUF_INIT;
	cx_buf_addf(&path, "$.\"%s\"", label);
	sqlite3_bind_int64(st, 1, entry);
	sqlite3_bind_text(st, 2, names[d->target], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seed);
	sqlite3_bind_text(st, 4, path.data, -1, SQLITE_TRANSIENT);
	d->npick = 0;
	size_t cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t i = index_of(d, sqlite3_column_int64(st, 0));
		if (i < 0 || d->state[i])
			continue;
		if (d->npick == cap) {
			cap = cap ? 2 * cap : 1024;
			d->pick = cx_realloc(d->pick, 2 * cap * sizeof(*d->pick));
		}
		/* pick order: h as SQLite sorts it (signed), then id */
		d->pick[2 * d->npick] = sqlite3_column_int64(st, 1);
		d->pick[2 * d->npick++ + 1] = d->id[i];
	}
	sqlite3_finalize(st);
	cx_buf_release(&path);
	if (d->npick > 1)
		qsort(d->pick, d->npick, 2 * sizeof(*d->pick), cmp_pair);
	*n = (int64_t)d->npick;
	return 0;
}

/* Leaves the last counted group's first `keep` in pick order; the others
 * are left out by the mix (cx_plan_label_keep). */
void cx_plan_dry_label_keep(struct cx_dry *d, int64_t keep)
{
	for (size_t k = keep > 0 ? (size_t)keep : 0; k < d->npick; k++)
		d->state[index_of(d, d->pick[2 * k + 1])] = LEFT_OUT;
	d->npick = 0;
}

void cx_plan_dry_tally(struct cx_dry *d, struct cx_dry_removed *rm)
{
	tally(d, rm);
}

void cx_plan_dry_free(struct cx_dry *d)
{
	if (!d)
		return;
	dry_free(d);
	free(d);
}

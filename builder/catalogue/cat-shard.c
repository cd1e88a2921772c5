/*
 * cat-shard.c - what the sharder (shard/sharder.c) needs from SQLite.
 *
 * A `shard` run keeps its whole plan in a separate SQLite file inside the
 * output folder (DIR/.cx-plan.db), attached to the catalogue as "plan", with
 * temp_store=FILE so that sorts spill to disk: memory stays the same whether
 * the catalogue holds 400 thousand instances or 4 million. Tables:
 *
 *   cand  every instance of the split written and of the stricter splits
 *         (train < val < test), with its namespaced study and patient ids, its
 *         state (0 kept, 1 removed, 2 left out by a mix's label rule), the
 *         reason and the instance that caused the removal, the hash of its
 *         image contents (sig) and its pick rank h
 *   img   every image those instances show: where it is, whether this split
 *         needs its bytes, its content hash, its place in the staging file
 *   rec   the rendered instruction, answer and metadata of each kept instance
 *   rrec  the same for the repeats (copies 1, 2, ...) of upsampled instances,
 *         each rendered again under a seed of its own
 *   out   the final order: (ord, instance, repeat), ord a seeded hash spread
 *         so that the copies of one instance are far apart (cx_spread)
 *
 * The catalogue fingerprint (cx_cat_fingerprint) is in cat-fingerprint.c.
 */
#include "cx.h"

#include "util/xxh.h"

#include "catalogue/cat-internal.h"

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

static const char *const split_names[] = {"train", "val", "test"};

const char *cx_rank_name(int rank)
{
	return rank >= 0 && rank < 3 ? split_names[rank] : "?";
}

int cx_rank_of(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, split_names[i]))
			return i;
	return -1;
}

#define RANK_SQL "CASE n.split WHEN 'train' THEN 0 WHEN 'val' THEN 1 WHEN 'test' THEN 2 END"

/* ---------------------------------------------------------------- entries */

int cx_cat_shard_entries(struct cx_cat *cat, struct cx_shard_entry **out, size_t *nout,
			 struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT e.id, '[' || t.title || '] [' || d.name || ']', t.name, d.name,"
			     " d.source, c.name, e.held_out,"
			     " (SELECT count(*) FROM instance n WHERE n.entry_id = e.id"
			     "  AND n.split = 'train'),"
			     " (SELECT count(*) FROM instance n WHERE n.entry_id = e.id"
			     "  AND n.split = 'val'),"
			     " (SELECT count(*) FROM instance n WHERE n.entry_id = e.id"
			     "  AND n.split = 'test')"
			     " FROM entry e JOIN task t ON e.task_id = t.id"
			     " JOIN capability c ON t.capability_id = c.id"
			     " JOIN dataset d ON e.dataset_id = d.id ORDER BY e.id", &st, err))
		return CX_EDB;
	struct cx_shard_entry *v = NULL;
	size_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = cx_realloc(v, (n + 1) * sizeof(*v));
		struct cx_shard_entry *e = &v[n++];
		memset(e, 0, sizeof(*e));
		e->id = sqlite3_column_int64(st, 0);
		e->name = cx_strdup(col(st, 1));
		e->task = cx_strdup(col(st, 2));
		e->dataset = cx_strdup(col(st, 3));
		e->source = cx_strdup(col(st, 4));
		e->capability = cx_strdup(col(st, 5));
		e->held_out = sqlite3_column_int(st, 6);
		for (int k = 0; k < 3; k++)
			e->instances[k] = sqlite3_column_int64(st, 7 + k);
	}
	sqlite3_finalize(st);
	*out = v;
	*nout = n;
	return 0;
}

void cx_cat_shard_entries_free(struct cx_shard_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].task);
		free(v[i].dataset);
		free(v[i].source);
		free(v[i].capability);
	}
	free(v);
}

/* ------------------------------------------------------------------- plan */

static int exec_bound(struct cx_cat *cat, const char *sql, int target, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, sql, &st, err))
		return CX_EDB;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int(st, 1, target);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return cat_db_error(cat, err, "plan");
	return 0;
}

static const char *const plan_schema =
	"CREATE TABLE plan.cand (id INTEGER PRIMARY KEY, entry_id INTEGER, rank INTEGER,"
	" study TEXT, patient TEXT, state INTEGER NOT NULL DEFAULT 0, reason TEXT,"
	" other INTEGER, sig INTEGER, h INTEGER, policy INTEGER NOT NULL DEFAULT 3, leak TEXT);"
	"CREATE TABLE plan.img (id INTEGER PRIMARY KEY, release TEXT, archive TEXT, path TEXT,"
	" need INTEGER, hash INTEGER, soff INTEGER, slen INTEGER);"
	"CREATE TABLE plan.rec (id INTEGER PRIMARY KEY, dup INTEGER, instruction TEXT,"
	" answer TEXT, meta TEXT);"
	"CREATE TABLE plan.rrec (id INTEGER, rep INTEGER, instruction TEXT, answer TEXT,"
	" meta TEXT, PRIMARY KEY (id, rep)) WITHOUT ROWID;"
	"CREATE TABLE plan.out (ord INTEGER, id INTEGER, rep INTEGER);"
	"CREATE TABLE plan.hi (kind INTEGER, value, rank INTEGER, inst INTEGER,"
	" PRIMARY KEY (kind, value)) WITHOUT ROWID;"
	"CREATE TABLE plan.dup (id INTEGER PRIMARY KEY, keep INTEGER);";

/* Namespaced study and patient ids ("mimic-cxr:50414267"), by the id space
 * of the source (its own id, or the source whose ids it reuses): an
 * instance's own study, else its image's study; its own patient, else the
 * study's, else the image's. h, the seeded rank by which an entry's
 * instances are picked, comes in the same pass: an UPDATE of every kept
 * instance after hygiene looked up instance, entry, task and dataset again
 * per row (a sixth of a dry run); h of an instance removed later is never
 * read. */
static const char *const plan_cand =
	"INSERT INTO plan.cand (id, entry_id, rank, study, patient, h)"
	" SELECT n.id, n.entry_id, " RANK_SQL ","
	" d.id_space || ':' || s.key,"
	" d.id_space || ':' || COALESCE(NULLIF(n.patient, ''), NULLIF(s.patient, ''),"
	"  NULLIF(i.patient, '')),"
	" cx_hash(cx_instance_id(t.name, d.source, n.key), ?2)"
	" FROM instance n JOIN entry e ON n.entry_id = e.id JOIN dataset d ON e.dataset_id = d.id"
	" JOIN task t ON t.id = e.task_id"
	" LEFT JOIN image i ON i.id = n.image_id"
	" LEFT JOIN study s ON s.id = COALESCE(n.study_id, i.study_id)"
	" WHERE " RANK_SQL " >= ?1 ORDER BY n.id";

static int fill_cand(struct cx_cat *cat, int target, uint64_t seed, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, plan_cand, &st, err))
		return CX_EDB;
	sqlite3_bind_int(st, 1, target);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seed);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan");
}

/* An image's file lies in the release of its dataset's image source: a
 * borrowing source's images are its lender's (cat-write.c). The need flag
 * is grouped by image id first, on integers alone, and the image and its
 * release looked up once per image: grouping the joined rows carried their
 * paths through the sort and looked the image up once per instance showing
 * it (20 against 8 CPU s at full MIMIC-CXR scale). */
static const char *const plan_img =
	"INSERT INTO plan.img (id, release, archive, path, need)"
	" SELECT i.id, d.release_path, i.archive, i.path, g.need"
	" FROM (SELECT x.image_id AS id, max(c.rank = ?1 AND c.state = 0) AS need"
	"  FROM plan.cand c JOIN instance_image x ON x.instance_id = c.id"
	"  GROUP BY x.image_id) g"
	" JOIN image i ON i.id = g.id JOIN dataset o ON o.id = i.dataset_id"
	" JOIN dataset d ON d.source = o.image_source ORDER BY i.id";

/*
 * cx_spread(hash, repeat, rounds): the place of copy `repeat` of an instance
 * an entry takes `rounds` times. The hash, read as a point u of [0, 2^64),
 * goes to u / rounds + repeat x 2^64 / rounds: the copies of one instance
 * fall in different rounds of the whole order, 1 / rounds of it apart,
 * instead of at independent (possibly neighbouring) places. With one round
 * it is the hash itself.
 */
static void sql_spread(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const uint64_t top = 1ull << 63;
	uint64_t u = (uint64_t)sqlite3_value_int64(argv[0]) ^ top;
	uint64_t rep = (uint64_t)sqlite3_value_int64(argv[1]);
	uint64_t rounds = (uint64_t)sqlite3_value_int64(argv[2]);
	if (rounds < 1)
		rounds = 1;
	if (rep >= rounds)
		rep = rounds - 1;
	uint64_t v = u / rounds + rep * (UINT64_MAX / rounds);
	sqlite3_result_int64(ctx, (sqlite3_int64)(v ^ top));
}

int cx_plan_begin(struct cx_cat *cat, const char *path, int target, uint64_t seed,
		  const int64_t *excluded, size_t nexcluded, struct cx_error *err)
{
	/* the catalogue was opened without SQLITE_OPEN_CREATE, which ATTACH
	 * inherits: create the (empty, hence valid) database file first; "" is
	 * SQLite's private temporary database (a dry run: nothing in DIR) */
	FILE *f = path[0] ? fopen(path, "wb") : NULL;
	if (path[0] && !f)
		return cx_error_set(err, CX_EIO, "cannot create '%s'", path);
	if (f)
		fclose(f);
	sqlite3_create_function(cat->db, "cx_spread", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				sql_spread, NULL, NULL);
	sqlite3_stmt *st;
	if (cat_prepare(cat, "ATTACH ?1 AS plan", &st, err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "cannot create the shard plan");
	cat->plan_path = cx_strdup(path);
	/* bounded caches: memory must not grow with the catalogue */
	if (cat_exec(cat, "PRAGMA temp_store = FILE; PRAGMA main.cache_size = -65536;"
			  " PRAGMA plan.journal_mode = OFF;"
			  " PRAGMA plan.synchronous = OFF; PRAGMA plan.cache_size = -65536;", err) ||
	    cat_exec(cat, plan_schema, err) || cat_exec(cat, "BEGIN", err) ||
	    fill_cand(cat, target, seed, err))
		return CX_EDB;
	if (cat_prepare(cat, "UPDATE plan.cand SET state = 1, reason = 'held-out'"
			     " WHERE rank = ?1 AND entry_id = ?2", &st, err))
		return CX_EDB;
	for (size_t i = 0; i < nexcluded; i++) {
		sqlite3_bind_int(st, 1, target);
		sqlite3_bind_int64(st, 2, excluded[i]);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (exec_bound(cat, plan_img, target, err) ||
	    cat_exec(cat, "CREATE INDEX plan.img_where ON img(release, archive, path);"
			  "COMMIT; BEGIN", err))
		return CX_EDB;
	return 0;
}

int cx_plan_commit(struct cx_cat *cat, struct cx_error *err)
{
	return cat_exec(cat, "COMMIT; BEGIN", err);
}

void cx_plan_end(struct cx_cat *cat)
{
	struct cx_error err = {0};
	sqlite3_finalize(cat->plan_find);
	sqlite3_finalize(cat->plan_set);
	sqlite3_finalize(cat->plan_rec);
	cat->plan_find = cat->plan_set = cat->plan_rec = NULL;
	cat_exec(cat, "COMMIT", &err);
	cat_exec(cat, "DETACH plan", &err);
	free(cat->plan_path);
	cat->plan_path = NULL;
}

int cx_plan_image_groups(struct cx_cat *cat, cx_plan_group_fn fn, void *ctx, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT DISTINCT release, archive FROM plan.img ORDER BY 1, 2", &st,
			err))
		return CX_EDB;
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		rc = fn(ctx, col(st, 0), col(st, 1), err);
	sqlite3_finalize(st);
	return rc;
}

int cx_plan_group_images(struct cx_cat *cat, const char *release, const char *archive,
			 cx_plan_image_fn fn, void *ctx, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT id, path, need FROM plan.img WHERE release = ?1"
			     " AND archive = ?2 ORDER BY path", &st, err))
		return CX_EDB;
	sqlite3_bind_text(st, 1, release, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, archive, -1, SQLITE_STATIC);
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		rc = fn(ctx, sqlite3_column_int64(st, 0), col(st, 1), sqlite3_column_int(st, 2),
			err);
	sqlite3_finalize(st);
	return rc;
}

int cx_plan_image_find(struct cx_cat *cat, const char *release, const char *archive,
		       const char *path, int64_t *id, int *need)
{
	static const char sql[] = "SELECT id, need FROM plan.img WHERE release = ?1"
				  " AND archive = ?2 AND path = ?3";
	if (!cat->plan_find && sqlite3_prepare_v2(cat->db, sql, -1, &cat->plan_find, NULL))
		return 0;
	sqlite3_stmt *st = cat->plan_find;
	sqlite3_bind_text(st, 1, release, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, archive, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		*id = sqlite3_column_int64(st, 0);
		*need = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return found;
}

int cx_plan_image_set(struct cx_cat *cat, int64_t id, uint64_t hash, int64_t soff, int64_t slen,
		      struct cx_error *err)
{
	/* A decoded-pixel hash stored by `build --hash-images` beats the bytes'.
	 * Every image row of the same file gets what was read: a borrowing
	 * source's copy and its lender's row name one file, and an archive
	 * walk meets the member once (cx_plan_image_find finds one row). */
	static const char sql[] = "UPDATE plan.img SET hash = COALESCE((SELECT pixel_hash FROM"
				  " main.image WHERE id = ?1), ?2), soff = ?3, slen = ?4"
				  " WHERE (release, archive, path) = (SELECT release, archive, path"
				  " FROM plan.img WHERE id = ?1)";
	if (!cat->plan_set && cat_prepare(cat, sql, &cat->plan_set, err))
		return CX_EDB;
	sqlite3_stmt *st = cat->plan_set;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)hash);
	if (soff >= 0) {
		sqlite3_bind_int64(st, 3, soff);
		sqlite3_bind_int64(st, 4, slen);
	} else {
		sqlite3_bind_null(st, 3);
		sqlite3_bind_null(st, 4);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan image");
}

/* --------------------------------------------------------- split hygiene */

/* For each kind (1 image content hash, 2 study, 3 patient), the strictest
 * split it appears in among the stricter splits, and one instance there.
 * plan.hi.value has no type, so comparing it with a typed column would apply
 * that column's affinity to it and stop SQLite from using the primary key
 * (one scan of plan.hi per instance: 53 s at 400k records); the unary + on
 * the other side strips the affinity and keeps the lookup. */
/* The instances that show an image of the set the query q gives: found from
 * the images' side, in one pass over instance_image, since the images to
 * look for are few (unreadable ones, or those a stricter split holds); asking
 * each instance of the split whether it shows one looked up its images one
 * by one (two thirds of the hygiene phase). */
#define SHOWING(q) "(SELECT x.instance_id FROM instance_image x WHERE x.image_id IN (" q "))"

static const char *const hygiene_sql[] = {
	"INSERT OR REPLACE INTO plan.hi SELECT 1, i.hash, c.rank, min(c.id)"
	" FROM plan.cand c JOIN instance_image x ON x.instance_id = c.id"
	" JOIN plan.img i ON i.id = x.image_id WHERE c.rank > ?1 AND i.hash IS NOT NULL"
	" GROUP BY i.hash, c.rank ORDER BY i.hash, c.rank",
	"INSERT OR REPLACE INTO plan.hi SELECT 2, study, rank, min(id) FROM plan.cand"
	" WHERE rank > ?1 AND study IS NOT NULL GROUP BY study, rank ORDER BY study, rank",
	"INSERT OR REPLACE INTO plan.hi SELECT 3, patient, rank, min(id) FROM plan.cand"
	" WHERE rank > ?1 AND patient IS NOT NULL GROUP BY patient, rank ORDER BY patient, rank",
	/* an image the release did not give: the instance cannot be written */
	"UPDATE plan.cand SET state = 1, reason = 'image-unreadable' WHERE rank = ?1"
	" AND state = 0 AND id IN " SHOWING("SELECT id FROM plan.img WHERE hash IS NULL"),
};

/*
 * The three checks, each run twice (cx_plan_hygiene): on the instances whose
 * dataset's policy (plan.cand.policy: 0 the release's split, 1 image, 2
 * study, 3 patient) includes the check, which are removed; and, first, on
 * those whose policy does not, which stay and have the leak they carry
 * counted (plan.cand.leak, the reason a stricter policy would give). %s is
 * the SET clause and %s the policy condition.
 */
static const char *const check_sql[] = {
	"UPDATE plan.cand SET %s"
	" (SELECT 'image-in-' || CASE h.rank WHEN 1 THEN 'val' ELSE 'test' END,"
	"  h.inst FROM instance_image x JOIN plan.img i ON i.id = x.image_id"
	"  JOIN plan.hi h ON h.kind = 1 AND h.value = +i.hash"
	"  WHERE x.instance_id = plan.cand.id ORDER BY h.rank DESC, x.ord LIMIT 1)"
	" WHERE rank = ?1 AND state = 0 AND %s AND id IN " SHOWING("SELECT i.id FROM plan.img i"
	"  JOIN plan.hi h ON h.kind = 1 AND h.value = +i.hash"),
	"UPDATE plan.cand SET %s"
	" (SELECT 'study-in-' || CASE h.rank WHEN 1 THEN 'val' ELSE 'test' END,"
	"  h.inst FROM plan.hi h WHERE h.kind = 2 AND h.value = +plan.cand.study)"
	" WHERE rank = ?1 AND state = 0 AND %s AND study IN (SELECT value FROM plan.hi"
	" WHERE kind = 2)",
	"UPDATE plan.cand SET %s"
	" (SELECT 'patient-in-' || CASE h.rank WHEN 1 THEN 'val' ELSE 'test' END,"
	"  h.inst FROM plan.hi h WHERE h.kind = 3 AND h.value = +plan.cand.patient)"
	" WHERE rank = ?1 AND state = 0 AND %s AND patient IN (SELECT value FROM plan.hi"
	" WHERE kind = 3)",
};

static int run_check(struct cx_cat *cat, int target, int level, int remove,
		     struct cx_error *err)
{
	struct cx_buf cond = CX_BUF_INIT, sql = CX_BUF_INIT;
	cx_buf_addf(&cond, remove ? "policy >= %d" : "policy < %d AND leak IS NULL", level);
	cx_buf_addf(&sql, check_sql[level - 1], remove ? "state = 1, (reason, other) =" :
		    "(leak, other) =", cond.data);
	int rc = exec_bound(cat, sql.data, target, err);
	cx_buf_release(&cond);
	cx_buf_release(&sql);
	return rc;
}

int cx_plan_hygiene(struct cx_cat *cat, int target, struct cx_error *err)
{
	/* plan.hi keeps, per value, the row of its strictest split: the GROUP BY
	 * rows come in rank order, so INSERT OR REPLACE leaves the highest */
	for (size_t i = 0; i < CX_ARRAY_LEN(hygiene_sql); i++)
		if (exec_bound(cat, hygiene_sql[i], target, err))
			return CX_EDB;
	for (int level = 1; level <= 3; level++)
		if (run_check(cat, target, level, 0, err) || run_check(cat, target, level, 1, err))
			return CX_EDB;
	/* a leak counted on an instance that stays: "other" was only its cause */
	if (cat_exec(cat, "UPDATE plan.cand SET other = NULL WHERE state = 0 AND leak IS NOT NULL",
		     err))
		return CX_EDB;
	return cx_plan_commit(cat, err);
}

int cx_plan_policy(struct cx_cat *cat, int target, int64_t entry, int level,
		   struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "UPDATE plan.cand SET policy = ?3 WHERE rank = ?1 AND entry_id = ?2",
			&st, err))
		return CX_EDB;
	sqlite3_bind_int(st, 1, target);
	sqlite3_bind_int64(st, 2, entry);
	sqlite3_bind_int(st, 3, level);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan policy");
}

int cx_plan_leaks(struct cx_cat *cat, int target, int64_t entry, struct cx_buf *out,
		  int64_t *n, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT leak, count(*) FROM plan.cand WHERE rank = ?1 AND entry_id = ?2"
			     " AND state != 1 AND leak IS NOT NULL GROUP BY 1 ORDER BY 1", &st, err))
		return CX_EDB;
	sqlite3_bind_int(st, 1, target);
	sqlite3_bind_int64(st, 2, entry);
	*n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cx_buf_adds(out, out->len ? ", " : "");
		cx_buf_add_json_str(out, col(st, 0));
		cx_buf_addf(out, ": %lld", sqlite3_column_int64(st, 1));
		*n += sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

/* ------------------------------------------------------------ duplicates */

/* sig: XXH3 of the content hashes of an instance's images, in order. */
static int image_sigs(struct cx_cat *cat, int target, struct cx_error *err)
{
	sqlite3_stmt *q, *u;
	if (cat_prepare(cat, "SELECT c.id, i.hash FROM plan.cand c JOIN instance_image x"
			     " ON x.instance_id = c.id JOIN plan.img i ON i.id = x.image_id"
			     " WHERE c.rank = ?1 AND c.state = 0 ORDER BY c.id, x.ord", &q, err))
		return CX_EDB;
	if (cat_prepare(cat, "UPDATE plan.cand SET sig = ?2 WHERE id = ?1", &u, err)) {
		sqlite3_finalize(q);
		return CX_EDB;
	}
	sqlite3_bind_int(q, 1, target);
	XXH3_state_t *h = XXH3_createState();
	if (!h)
		abort();
	sqlite3_int64 cur = -1;
	int more;
	do {
		more = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_int64 id = more ? sqlite3_column_int64(q, 0) : -2;
		if (id != cur && cur != -1) {
			sqlite3_bind_int64(u, 1, cur);
			sqlite3_bind_int64(u, 2, (sqlite3_int64)XXH3_64bits_digest(h));
			sqlite3_step(u);
			sqlite3_reset(u);
		}
		if (!more)
			break;
		if (id != cur)
			XXH3_64bits_reset(h);
		cur = id;
		unsigned char b[8];
		uint64_t v = (uint64_t)sqlite3_column_int64(q, 1);
		for (int k = 0; k < 8; k++)
			b[k] = (unsigned char)(v >> (8 * k));
		XXH3_64bits_update(h, b, 8);
	} while (more);
	XXH3_freeState(h);
	sqlite3_finalize(q);
	sqlite3_finalize(u);
	return 0;
}

/* Marks every member of a group but the first (the smallest instance key) as
 * a duplicate of the first. */
static const char *const dup_mark =
	"UPDATE plan.cand SET state = 1, reason = ?2, other = (SELECT keep FROM plan.dup"
	" WHERE plan.dup.id = plan.cand.id)"
	" WHERE rank = ?1 AND state = 0 AND id IN (SELECT id FROM plan.dup WHERE keep != id)";

static int mark_dups(struct cx_cat *cat, int target, const char *group_sql, const char *reason,
		     struct cx_error *err)
{
	if (cat_exec(cat, "DELETE FROM plan.dup", err) || exec_bound(cat, group_sql, target, err))
		return CX_EDB;
	sqlite3_stmt *st;
	if (cat_prepare(cat, dup_mark, &st, err))
		return CX_EDB;
	sqlite3_bind_int(st, 1, target);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "plan duplicates");
	return cx_plan_commit(cat, err);
}

/* Image-only instances (no question) of one entry that show the same image
 * contents and ask the same thing (label, flag, other study) are one. Only
 * the instances whose (entry, sig) some other kept instance shares can have
 * a duplicate: the window sorts those alone (grouping two integer columns
 * of plan.cand finds them), not every instance of the split with its key
 * (0.41 -> 0.10 CPU s at scale 0.05). */
static const char *const dup_images =
	"INSERT INTO plan.dup SELECT c.id, first_value(c.id) OVER (PARTITION BY c.entry_id,"
	" c.sig, n.label, n.flag, n.other_id ORDER BY n.key, c.id)"
	" FROM plan.cand c JOIN instance n ON n.id = c.id"
	" WHERE c.rank = ?1 AND c.state = 0 AND n.qa_id IS NULL AND c.sig IS NOT NULL"
	" AND (c.entry_id, c.sig) IN (SELECT entry_id, sig FROM plan.cand WHERE rank = ?1"
	"  AND state = 0 AND sig IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1)";

int cx_plan_dedup_images(struct cx_cat *cat, int target, struct cx_error *err)
{
	if (image_sigs(cat, target, err))
		return CX_EDB;
	return mark_dups(cat, target, dup_images, "duplicate-image", err);
}

/* Records with the same task, image contents, instruction and answer (the
 * sharder's dup key) are one: the first by (entry, key) stays. As above,
 * only records whose key another record shares go through the window. */
static const char *const dup_records =
	"INSERT INTO plan.dup SELECT c.id, first_value(c.id) OVER (PARTITION BY r.dup"
	" ORDER BY c.entry_id, n.key, c.id)"
	" FROM plan.cand c JOIN plan.rec r ON r.id = c.id JOIN instance n ON n.id = c.id"
	" WHERE c.rank = ?1 AND c.state = 0 AND r.instruction IS NOT NULL"
	" AND r.dup IN (SELECT dup FROM plan.rec WHERE instruction IS NOT NULL GROUP BY 1"
	"  HAVING count(*) > 1)";

int cx_plan_dedup_records(struct cx_cat *cat, int target, struct cx_error *err)
{
	if (cat_exec(cat, "UPDATE plan.cand SET state = 1, reason = (SELECT meta FROM plan.rec r"
			  " WHERE r.id = plan.cand.id) WHERE id IN (SELECT id FROM plan.rec"
			  " WHERE instruction IS NULL)", err))
		return CX_EDB;
	return mark_dups(cat, target, dup_records, "duplicate-record", err);
}

/* --------------------------------------------------------------- render */

/* The instances to render, with the facts of each (cat-view.c). */
static const char *const sql_views =
	"SELECT " CAT_ITEM_COLS ", c.study, c.patient, c.sig, cap.name, c.entry_id"
	CAT_ITEM_FROM " JOIN plan.cand c ON c.id = n.id"
	" JOIN capability cap ON cap.id = t.capability_id"
	" WHERE c.rank = ?1 AND c.state = 0 ORDER BY n.id";

/* The copies after the first of upsampled instances (plan.out rep > 0). */
static const char *const sql_repeats =
	"SELECT " CAT_ITEM_COLS ", c.study, c.patient, c.sig, cap.name, c.entry_id, o.rep"
	CAT_ITEM_FROM " JOIN plan.cand c ON c.id = n.id JOIN plan.out o ON o.id = n.id"
	" JOIN capability cap ON cap.id = t.capability_id"
	" WHERE c.rank = ?1 AND o.rep > 0 ORDER BY n.id, o.rep";

static int each_view(struct cx_cat *cat, int target, int repeats, cx_plan_view_fn fn,
		     void *ctx, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, repeats ? sql_repeats : sql_views, &st, err))
		return CX_EDB;
	sqlite3_bind_int(st, 1, target);
	struct cat_views *views = cat_views_new(cat);
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		struct cat_item it;
		cat_item_fill(views, st, &it);
		struct cx_buf entry = CX_BUF_INIT;
		cx_buf_addf(&entry, "[%s] [%s]", col(st, 15), it.v.dataset);
		struct cx_plan_view pv = {
			sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 20), &it.v,
			(const char *const *)it.images, it.nimages, entry.data,
			col(st, 19),
			sqlite3_column_type(st, 16) == SQLITE_NULL ? NULL : col(st, 16),
			sqlite3_column_type(st, 17) == SQLITE_NULL ? NULL : col(st, 17),
			(uint64_t)sqlite3_column_int64(st, 18),
			repeats ? sqlite3_column_int(st, 21) : 0};
		rc = fn(ctx, &pv, err);
		cx_buf_release(&entry);
		cat_item_free(&it);
	}
	cat_views_free(views);
	sqlite3_finalize(st);
	return rc ? rc : cx_plan_commit(cat, err);
}

int cx_plan_each_view(struct cx_cat *cat, int target, cx_plan_view_fn fn, void *ctx,
		      struct cx_error *err)
{
	return each_view(cat, target, 0, fn, ctx, err);
}

int cx_plan_each_repeat(struct cx_cat *cat, int target, cx_plan_view_fn fn, void *ctx,
			struct cx_error *err)
{
	return each_view(cat, target, 1, fn, ctx, err);
}

int cx_plan_set_repeat(struct cx_cat *cat, int64_t id, int rep, const char *instruction,
		       const char *answer, const char *meta, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "INSERT INTO plan.rrec VALUES (?1, ?2, ?3, ?4, ?5)", &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, rep);
	sqlite3_bind_text(st, 3, instruction, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, answer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, meta, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan repeat");
}

int cx_plan_set_render(struct cx_cat *cat, int64_t id, uint64_t dup, const char *instruction,
		       const char *answer, const char *meta, struct cx_error *err)
{
	static const char sql[] = "INSERT INTO plan.rec VALUES (?1, ?2, ?3, ?4, ?5)";
	if (!cat->plan_rec && cat_prepare(cat, sql, &cat->plan_rec, err))
		return CX_EDB;
	sqlite3_stmt *st = cat->plan_rec;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)dup);
	sqlite3_bind_text(st, 3, instruction, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, answer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, meta, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan render");
}

/* Kept in plan.rec with no instruction (cx_plan_each_view is still walking
 * plan.cand); cx_plan_dedup_records moves it to plan.cand. */
int cx_plan_mark(struct cx_cat *cat, int64_t id, const char *reason, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "INSERT INTO plan.rec (id, meta) VALUES (?1, ?2)", &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan mark");
}

/* ------------------------------------------------------------- selection */

int cx_plan_available(struct cx_cat *cat, int target, int64_t entry, int64_t *n,
		      struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT count(*) FROM plan.cand WHERE rank = ?1 AND state = 0"
			     " AND entry_id = ?2", &st, err))
		return CX_EDB;
	sqlite3_bind_int(st, 1, target);
	sqlite3_bind_int64(st, 2, entry);
	*n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return 0;
}

/* h, the seeded pick rank, was set by cx_plan_begin. */
int cx_plan_rank(struct cx_cat *cat, struct cx_error *err)
{
	return cat_exec(cat, "CREATE INDEX plan.cand_pick ON cand(entry_id, rank, state, h, id)",
			err);
}

/* ------------------------------------------------- label rules of a mix */

/* The kept instances of an entry (?1) in the split (?2) whose label set (the
 * image's, else the study's) gives the label at JSON path ?3 as 1. */
#define LABEL_GROUP                                                                        \
	" FROM plan.cand c JOIN instance n ON n.id = c.id"                                  \
	" LEFT JOIN image i ON i.id = n.image_id LEFT JOIN study s ON s.id = n.study_id"    \
	" WHERE c.entry_id = ?1 AND c.rank = ?2 AND c.state = 0"                            \
	" AND json_extract(COALESCE(i.labels, s.labels), ?3) = 1"

static int label_step(struct cx_cat *cat, const char *sql, int target, int64_t entry,
		      const char *label, int64_t arg, int64_t *out, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, sql, &st, err))
		return CX_EDB;
	struct cx_buf path = CX_BUF_INIT;
	cx_buf_addf(&path, "$.\"%s\"", label);
	sqlite3_bind_int64(st, 1, entry);
	sqlite3_bind_int(st, 2, target);
	sqlite3_bind_text(st, 3, path.data, -1, SQLITE_TRANSIENT);
	if (sqlite3_bind_parameter_count(st) >= 4)
		sqlite3_bind_int64(st, 4, arg);
	int rc = sqlite3_step(st);
	if (out)
		*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	cx_buf_release(&path);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan labels");
}

int cx_plan_label_count(struct cx_cat *cat, int target, int64_t entry, const char *label,
			int64_t *n, struct cx_error *err)
{
	return label_step(cat, "SELECT count(*)" LABEL_GROUP, target, entry, label, 0, n, err);
}

/* Leaves the group's first `keep` instances in pick order (h, id) and sets
 * the others to state 2: left out by the mix, so neither available to the
 * entry's counts nor listed as removed in leakage.json. */
int cx_plan_label_keep(struct cx_cat *cat, int target, int64_t entry, const char *label,
		       int64_t keep, struct cx_error *err)
{
	return label_step(cat, "UPDATE plan.cand SET state = 2 WHERE id IN (SELECT c.id"
			       LABEL_GROUP " ORDER BY c.h, c.id LIMIT -1 OFFSET ?4)",
			  target, entry, label, keep, NULL, err);
}

/* The group's records in the output (repeats counted). CROSS JOIN keeps
 * plan.out the outer loop: SQLite otherwise took the entry's instances from
 * the pick index and scanned plan.out, which has no index on id yet, for
 * each (80 CPU s for one rule at scale 0.05). */
int cx_plan_label_records(struct cx_cat *cat, int target, int64_t entry, const char *label,
			  int64_t *n, struct cx_error *err)
{
	return label_step(cat, "SELECT count(*) FROM plan.out o CROSS JOIN plan.cand c"
			       " ON c.id = o.id JOIN instance n ON n.id = c.id"
			       " LEFT JOIN image i ON i.id = n.image_id"
			       " LEFT JOIN study s ON s.id = n.study_id WHERE c.entry_id = ?1"
			       " AND c.rank = ?2"
			       " AND json_extract(COALESCE(i.labels, s.labels), ?3) = 1",
			  target, entry, label, 0, n, err);
}

/* Adds n records of an entry to the output: every kept instance n / avail
 * times (repeats 0 .. r-1), then the n % avail instances of smallest h once
 * more (repeat r). Each gets ord = cx_spread(XXH3 of "h:0" under the seed,
 * repeat, rounds), rounds the number of repeats the entry has (1 when it is
 * not upsampled, and then ord is the hash itself). */
int cx_plan_select(struct cx_cat *cat, int target, int64_t entry, int64_t n, int64_t avail,
		   uint64_t seed, struct cx_error *err)
{
	if (n <= 0 || avail <= 0)
		return 0;
	sqlite3_stmt *st;
	if (cat_prepare(cat, "INSERT INTO plan.out SELECT cx_spread(cx_hash(h || ':0', ?5), ?4, ?6),"
			     " id, ?4 FROM plan.cand WHERE entry_id = ?1 AND rank = ?2 AND state = 0"
			     " ORDER BY h, id LIMIT ?3", &st, err))
		return CX_EDB;
	int64_t reps = n / avail, rem = n % avail, rounds = reps + (rem > 0);
	int rc = SQLITE_DONE;
	for (int64_t r = 0; r <= reps && rc == SQLITE_DONE; r++) {
		int64_t take = r < reps ? avail : rem;
		if (take == 0)
			break;
		sqlite3_bind_int64(st, 1, entry);
		sqlite3_bind_int(st, 2, target);
		sqlite3_bind_int64(st, 3, take);
		sqlite3_bind_int64(st, 4, r);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)seed);
		sqlite3_bind_int64(st, 6, rounds);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan select");
}

/* ---------------------------------------------------------------- output */

int cx_plan_each_record(struct cx_cat *cat, cx_plan_record_fn fn, void *ctx, struct cx_error *err)
{
	if (cat_exec(cat, "CREATE INDEX plan.out_ord ON out(ord, id, rep); COMMIT; BEGIN", err))
		return CX_EDB;
	sqlite3_stmt *st, *im;
	if (cat_prepare(cat, "SELECT o.id, o.rep, COALESCE(x.instruction, r.instruction),"
			     " COALESCE(x.answer, r.answer), COALESCE(x.meta, r.meta) FROM plan.out o"
			     " JOIN plan.rec r ON r.id = o.id LEFT JOIN plan.rrec x ON x.id = o.id"
			     " AND x.rep = o.rep ORDER BY o.ord, o.id, o.rep", &st, err))
		return CX_EDB;
	if (cat_prepare(cat, "SELECT i.release, i.archive, i.path, i.soff, i.slen FROM"
			     " instance_image x JOIN plan.img i ON i.id = x.image_id"
			     " WHERE x.instance_id = ?1 ORDER BY x.ord", &im, err)) {
		sqlite3_finalize(st);
		return CX_EDB;
	}
	struct cx_plan_image imgs[64];
	int rc = 0;
	uint64_t index = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_bind_int64(im, 1, sqlite3_column_int64(st, 0));
		size_t k = 0;
		while (k < CX_ARRAY_LEN(imgs) && sqlite3_step(im) == SQLITE_ROW) {
			imgs[k].release = cx_strdup(col(im, 0));
			imgs[k].archive = cx_strdup(col(im, 1));
			imgs[k].path = cx_strdup(col(im, 2));
			imgs[k].soff = sqlite3_column_type(im, 3) == SQLITE_NULL
					       ? -1 : sqlite3_column_int64(im, 3);
			imgs[k].slen = sqlite3_column_int64(im, 4);
			k++;
		}
		sqlite3_reset(im);
		struct cx_plan_record r = {index++, (int)sqlite3_column_int(st, 1), col(st, 2),
					   col(st, 3), col(st, 4), imgs, k};
		rc = fn(ctx, &r, err);
		for (size_t i = 0; i < k; i++) {
			free(imgs[i].release);
			free(imgs[i].archive);
			free(imgs[i].path);
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(im);
	return rc;
}

/* {"task": {...}, "dataset": {...}, "entry": {...}} of the output records,
 * from the records per entry (plan.cand has each one's entry): joining every
 * record to instance, entry, task and dataset, three times, was 4 % of a
 * small-image run. */
int cx_plan_counts(struct cx_cat *cat, struct cx_buf *out, struct cx_error *err)
{
	static const char *const keys[] = {"task", "dataset", "entry"};
	static const char *const exprs[] = {"t.name", "d.name",
					    "'[' || t.title || '] [' || d.name || ']'"};
	cx_buf_adds(out, "{");
	for (int k = 0; k < 3; k++) {
		struct cx_buf sql = CX_BUF_INIT;
		cx_buf_addf(&sql, "WITH per AS (SELECT c.entry_id AS id, count(*) AS n"
				  " FROM plan.out o JOIN plan.cand c ON c.id = o.id GROUP BY 1)"
				  " SELECT %s, sum(per.n) FROM per JOIN entry e ON e.id = per.id"
				  " JOIN task t ON t.id = e.task_id"
				  " JOIN dataset d ON d.id = e.dataset_id GROUP BY 1 ORDER BY 1",
			    exprs[k]);
		sqlite3_stmt *st;
		int rc = cat_prepare(cat, sql.data, &st, err);
		cx_buf_release(&sql);
		if (rc)
			return rc;
		cx_buf_addf(out, "%s\"%s\": {", k ? ", " : "", keys[k]);
		int first = 1;
		while (sqlite3_step(st) == SQLITE_ROW) {
			cx_buf_adds(out, first ? "" : ", ");
			cx_buf_add_json_str(out, col(st, 0));
			cx_buf_addf(out, ": %lld", sqlite3_column_int64(st, 1));
			first = 0;
		}
		sqlite3_finalize(st);
		cx_buf_adds(out, "}");
	}
	cx_buf_adds(out, "}");
	return 0;
}

/* Every instance of the split written that was removed, in instance order. */
int cx_plan_each_removed(struct cx_cat *cat, int target, cx_plan_removed_fn fn, void *ctx,
			 struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT '[' || t.title || '] [' || d.name || ']', n.key, c.reason,"
			     " c.study, c.patient,"
			     " (SELECT '[' || t2.title || '] [' || d2.name || ']' FROM instance o"
			     "  JOIN entry e2 ON e2.id = o.entry_id JOIN task t2 ON t2.id = e2.task_id"
			     "  JOIN dataset d2 ON d2.id = e2.dataset_id WHERE o.id = c.other),"
			     " (SELECT o.key FROM instance o WHERE o.id = c.other),"
			     " (SELECT o.split FROM instance o WHERE o.id = c.other)"
			     " FROM plan.cand c JOIN instance n ON n.id = c.id"
			     " JOIN entry e ON e.id = n.entry_id JOIN task t ON t.id = e.task_id"
			     " JOIN dataset d ON d.id = e.dataset_id"
			     " WHERE c.rank = ?1 AND c.state = 1 ORDER BY c.id", &st, err))
		return CX_EDB;
	sqlite3_bind_int(st, 1, target);
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		struct cx_plan_removed r = {
			col(st, 0), col(st, 1), col(st, 2),
			sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL : col(st, 3),
			sqlite3_column_type(st, 4) == SQLITE_NULL ? NULL : col(st, 4),
			sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : col(st, 5),
			sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL : col(st, 6),
			sqlite3_column_type(st, 7) == SQLITE_NULL ? NULL : col(st, 7)};
		rc = fn(ctx, &r, err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* ------------------------------------------------- after the selection */

int cx_plan_out_images(struct cx_cat *cat, cx_plan_out_image_fn fn, void *ctx,
		       struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "SELECT i.id, i.release, i.archive, i.path, i.soff, i.slen FROM plan.img i"
			     " WHERE i.id IN (SELECT x.image_id FROM plan.out o JOIN instance_image x"
			     " ON x.instance_id = o.id) ORDER BY i.id", &st, err))
		return CX_EDB;
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		struct cx_plan_image im = {(char *)col(st, 1), (char *)col(st, 2), (char *)col(st, 3),
					   sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 :
					   sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5)};
		rc = fn(ctx, sqlite3_column_int64(st, 0), &im, err);
	}
	sqlite3_finalize(st);
	return rc;
}

int cx_plan_image_staged(struct cx_cat *cat, int64_t id, int64_t soff, int64_t slen,
			 struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "UPDATE plan.img SET soff = ?2, slen = ?3 WHERE id = ?1", &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, soff);
	sqlite3_bind_int64(st, 3, slen);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan image");
}

/* An image that did not decode when its records were about to be written:
 * its instances leave the output and are reported as unreadable. */
int cx_plan_drop_image(struct cx_cat *cat, int target, int64_t id, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "UPDATE plan.cand SET state = 1, reason = 'image-unreadable'"
			     " WHERE rank = ?1 AND state = 0 AND id IN (SELECT instance_id FROM"
			     " instance_image WHERE image_id = ?2)", &st, err))
		return CX_EDB;
	sqlite3_bind_int(st, 1, target);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "plan drop");
	if (cat_prepare(cat, "DELETE FROM plan.out WHERE id IN (SELECT instance_id FROM"
			     " instance_image WHERE image_id = ?1)", &st, err))
		return CX_EDB;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : cat_db_error(cat, err, "plan drop");
}

/* Per entry: the instances of the split, those removed (state 1), and the
 * records of the output; two grouped scans, whatever the number of entries. */
int cx_plan_tally(struct cx_cat *cat, int target, cx_plan_tally_fn fn, void *ctx,
		  struct cx_error *err)
{
	static const char *const sql[] = {
		"SELECT entry_id, count(*), count(*) FILTER (WHERE state = 1) FROM plan.cand"
		" WHERE rank = ?1 GROUP BY 1 ORDER BY 1",
		"SELECT c.entry_id, count(*) FROM plan.out o JOIN plan.cand c ON c.id = o.id"
		" GROUP BY 1 ORDER BY 1",
	};
	for (int k = 0; k < 2; k++) {
		sqlite3_stmt *st;
		if (cat_prepare(cat, sql[k], &st, err))
			return CX_EDB;
		if (k == 0)
			sqlite3_bind_int(st, 1, target);
		int rc = 0;
		while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
			rc = fn(ctx, sqlite3_column_int64(st, 0), k,
				sqlite3_column_int64(st, 1),
				k == 0 ? sqlite3_column_int64(st, 2) : 0);
		sqlite3_finalize(st);
		if (rc)
			return rc;
	}
	return 0;
}

/* A dry run reads no image: an image's content is the decoded-pixel hash
 * `build --hash-images` stored, else its place (release, archive, path). */
int cx_plan_image_ids(struct cx_cat *cat, struct cx_error *err)
{
	if (cat_exec(cat, "UPDATE plan.img SET hash = COALESCE((SELECT pixel_hash FROM main.image m"
			  " WHERE m.id = plan.img.id), cx_hash(release || '|' || archive || '|' || path,"
			  " 0))", err))
		return CX_EDB;
	return cx_plan_commit(cat, err);
}

static uint64_t count_of(struct cx_cat *cat, const char *sql)
{
	sqlite3_stmt *st;
	struct cx_error err = {0};
	if (cat_prepare(cat, sql, &st, &err))
		return 0;
	uint64_t n = sqlite3_step(st) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return n;
}

/* For progress: the images of the plan, the output's images and records. */
uint64_t cx_plan_image_count(struct cx_cat *cat)
{
	return count_of(cat, "SELECT count(*) FROM plan.img");
}

uint64_t cx_plan_out_image_count(struct cx_cat *cat)
{
	return count_of(cat, "SELECT count(DISTINCT x.image_id) FROM plan.out o"
			     " JOIN instance_image x ON x.instance_id = o.id");
}

uint64_t cx_plan_out_count(struct cx_cat *cat)
{
	return count_of(cat, "SELECT count(*) FROM plan.out");
}

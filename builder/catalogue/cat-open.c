/*
 * cat-open.c - opening a catalogue: creating the schema, refusing other
 * schema versions, connection settings, and the SQL helpers shared by the
 * catalogue files.
 */
#include "cx.h"

#include <sys/stat.h>

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "catalogue/cat-internal.h"

extern const char cx_schema_sql[];

/*
 * While a shard plan is attached (cx_plan_begin) the catalogue is only read:
 * a failed write, a full disk above all, is the plan's, whose file is in the
 * output folder, and the message must send the user there, not to the
 * catalogue. 1 when that is the case (err set, with the system's reason).
 */
static int plan_write_error(struct cx_cat *cat, struct cx_error *err)
{
	int ext = sqlite3_extended_errcode(cat->db);
	if (!cat->plan_path || (ext != SQLITE_FULL && ext != SQLITE_IOERR_WRITE &&
				ext != SQLITE_IOERR_FSYNC && ext != SQLITE_IOERR_TRUNCATE))
		return 0;
	int sys = sqlite3_system_errno(cat->db);
	cx_error_set(err, CX_EIO, "cannot write the shard plan '%s': %s", cat->plan_path,
		     sys ? strerror(sys) : sqlite3_errmsg(cat->db));
	return 1;
}

int cat_db_error(struct cx_cat *cat, struct cx_error *err, const char *what)
{
	if (plan_write_error(cat, err))
		return CX_EIO;
	return cx_error_set(err, CX_EDB, "catalogue '%s': %s: %s", cat->path, what,
			    sqlite3_errmsg(cat->db));
}

int cat_exec(struct cx_cat *cat, const char *sql, struct cx_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(cat->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (plan_write_error(cat, err)) {
			sqlite3_free(msg);
			return CX_EIO;
		}
		cx_error_set(err, CX_EDB, "catalogue '%s': %s", cat->path, msg ? msg : "error");
		sqlite3_free(msg);
		return CX_EDB;
	}
	return 0;
}

int cat_prepare(struct cx_cat *cat, const char *sql, sqlite3_stmt **st, struct cx_error *err)
{
	if (sqlite3_prepare_v2(cat->db, sql, -1, st, NULL) != SQLITE_OK)
		return cat_db_error(cat, err, "prepare");
	return 0;
}

void cat_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s && s[0])
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* cx_hash(text, seed): the xxHash order used by sample and by derivations. */
static void sql_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const unsigned char *s = sqlite3_value_text(argv[0]);
	int n = sqlite3_value_bytes(argv[0]);
	uint64_t seed = (uint64_t)sqlite3_value_int64(argv[1]);
	sqlite3_result_int64(ctx, (sqlite3_int64)cx_hash64(s ? (const char *)s : "",
							   (size_t)n, seed));
}

/* cx_instance_id(task, source, key): an instance's identity
 * (cx_instance_identity in tasks/), so the SQL orders and the renderer's
 * draws hash one string. */
static void sql_instance_id(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *f[3];
	for (int i = 0; i < 3; i++)
		f[i] = (const char *)sqlite3_value_text(argv[i]);
	struct cx_buf b = CX_BUF_INIT;
	cx_instance_identity(&b, f[0], f[1], f[2]);
	sqlite3_result_text(ctx, b.data, (int)b.len, SQLITE_TRANSIENT);
	cx_buf_release(&b);
}

/* cx_holds_any(text, list): 1 when text holds one of the strings of list
 * (joined by the unit separator 0x1f), 0 when it holds none or list is NULL.
 * The entries' rule parameters (e.g. impression_excludes) reach SQL this way. */
static void sql_holds_any(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *text = (const char *)sqlite3_value_text(argv[0]);
	const char *list = (const char *)sqlite3_value_text(argv[1]);
	int hit = 0;
	while (text && list && !hit) {
		const char *end = strchr(list, '\x1f');
		size_t n = end ? (size_t)(end - list) : strlen(list);
		char word[256];
		if (n > 0 && n < sizeof word) {
			memcpy(word, list, n);
			word[n] = '\0';
			hit = strstr(text, word) != NULL;
		}
		list = end ? end + 1 : NULL;
	}
	sqlite3_result_int(ctx, hit);
}

/* cx_holds_squashed(text, part): cx_squashed_holds() (cx.h), for the rule
 * phrase-text (MS-CXR's phrases in their report's sections). */
static void sql_holds_squashed(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int(ctx, cx_squashed_holds((const char *)sqlite3_value_text(argv[0]),
						  (const char *)sqlite3_value_text(argv[1])));
}

/* cx_text_key(text): a 64-bit hash of text with every run of whitespace read
 * as one space and none at either end (as rendering shows text), NULL for
 * NULL. Two report texts with the same key read the same to a model: the
 * image-text rules never offer one as the other's distractor. */
/* The squashed text is gathered in a buffer on the stack and fed to the
 * hash a buffer at a time: the same value as hashing the text cx_squash()
 * leaves, with neither a copy of the whole text (212k MIMIC reports copied
 * into a growing buffer took about 2 CPU s) nor a hash update per word (the
 * updates' own cost was most of it: 23 instructions a byte, now about 5). */
uint64_t cx_cat_text_key(const char *s)
{
	XXH3_state_t st;
	XXH3_64bits_reset_withSeed(&st, 0);
	char buf[4096];
	size_t n = 0;
	int seen = 0; /* some text gathered */
	while (*s) {
		size_t k = cx_space_len(s);
		if (k) {
			while ((k = cx_space_len(s)) > 0)
				s += k;
			if (seen && *s)
				buf[n++] = ' '; /* a run between words: one space */
			continue;
		}
		/* a run of bytes that are surely not whitespace (above the space,
		 * but for 0xC2, which may start a no-break space), copied in one
		 * pass; the buffer keeps room for the space after it */
		const char *run = s;
		while ((unsigned char)*s > ' ' && (unsigned char)*s != 0xC2)
			s++;
		if (s == run)
			s++; /* a control byte, or 0xC2 not before 0xA0: taken alone */
		for (size_t len = (size_t)(s - run); len;) {
			if (n + 1 >= sizeof buf) {
				XXH3_64bits_update(&st, buf, n);
				n = 0;
			}
			size_t take = len < sizeof buf - 1 - n ? len : sizeof buf - 1 - n;
			memcpy(buf + n, run, take);
			n += take;
			run += take;
			len -= take;
		}
		seen = 1;
	}
	XXH3_64bits_update(&st, buf, n);
	return XXH3_64bits_digest(&st);
}

static void sql_text_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	if (s)
		sqlite3_result_int64(ctx, (sqlite3_int64)cx_cat_text_key(s));
	else
		sqlite3_result_null(ctx);
}

/* The vocabulary of that id among the compiled adapters', or NULL. */
static const struct cx_vocab *adapter_vocab(const char *id)
{
	for (size_t i = 0; id && i < cx_nadapters; i++) {
		const struct cx_vocab *v = cx_adapters[i]->labels;
		if (v && !strcmp(v->id, id))
			return v;
	}
	return NULL;
}

/* cx_labels_say(labels, vocab): 1 when the label set says what the image
 * shows (cx_labels_say in tasks/: a positive label, or "No Finding" as
 * released), read exactly as the renderer reads it; 0 when it says neither.
 * A set the renderer cannot read (an unknown vocabulary or label) gives 1:
 * the instance stays, and its rendering reports the fault. */
static void sql_labels_say(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct cx_vocab *v = adapter_vocab((const char *)sqlite3_value_text(argv[1]));
	struct cx_label_set set = {0};
	struct cx_error err = {0};
	int says = 1;
	if (v && cx_labels_read(v, (const char *)sqlite3_value_text(argv[0]), &set, &err) == 0)
		says = cx_labels_say(&set);
	cx_label_set_release(&set);
	sqlite3_result_int(ctx, says);
}

static int schema_version(struct cx_cat *cat, int *version, struct cx_error *err)
{
	sqlite3_stmt *st;
	if (cat_prepare(cat, "PRAGMA user_version", &st, err))
		return CX_EDB;
	*version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return 0;
}

static int table_count(struct cx_cat *cat)
{
	sqlite3_stmt *st;
	int n = 0;
	if (sqlite3_prepare_v2(cat->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	return n;
}

/*
 * Creates the schema of a new (empty) catalogue. Two builds may open the
 * same new file at once and both see it empty: the write lock is taken
 * first (BEGIN IMMEDIATE; the other waits on the busy timeout) and the file
 * looked at again under it, so the one that waited finds the other's schema
 * and uses it instead of failing on "table meta already exists". *version
 * is the version found or created.
 */
static int create_schema(struct cx_cat *cat, int *version, struct cx_error *err)
{
	char pragma[64];
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", CX_SCHEMA_VERSION);
	if (cat_exec(cat, "BEGIN IMMEDIATE", err))
		return CX_EDB;
	if (schema_version(cat, version, err)) {
		sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
		return CX_EDB;
	}
	if (*version != 0 || table_count(cat) != 0)
		return cat_exec(cat, "ROLLBACK", err);
	*version = CX_SCHEMA_VERSION;
	if (cat_exec(cat, cx_schema_sql, err) || cat_exec(cat, pragma, err)) {
		sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
		return CX_EDB;
	}
	return cat_exec(cat, "COMMIT", err);
}

static int check_schema(struct cx_cat *cat, int create, struct cx_error *err)
{
	int version;
	if (schema_version(cat, &version, err))
		return CX_EDB;
	if (version == 0 && table_count(cat) == 0) {
		if (!create)
			return cx_error_set(err, CX_ENOTFOUND,
					    "'%s' is not a catalogue yet: run 'chexinstruct build' first",
					    cat->path);
		if (create_schema(cat, &version, err))
			return CX_EDB;
	}
	if (version != CX_SCHEMA_VERSION)
		return cx_error_set(err, CX_EFORMAT,
				    "catalogue '%s' has schema version %d, this chexinstruct reads "
				    "version %d: remove it and run 'chexinstruct build' again",
				    cat->path, version, CX_SCHEMA_VERSION);
	return 0;
}

int cx_cat_open(struct cx_cat **out, const char *path, int create, struct cx_error *err)
{
	struct stat st;
	if (!create && stat(path, &st) != 0)
		return cx_error_set(err, CX_ENOTFOUND,
				    "no catalogue '%s': run 'chexinstruct build' first", path);
	/* SQLite's memory statistics take a global mutex on every allocation, and
	 * a connection in serialized mode one more per call: nothing here reads
	 * the statistics, and a catalogue connection is only ever used by the
	 * thread that opened it (CONTRIBUTING.md, threads), so both go. The
	 * config call fails harmlessly once SQLite is initialised. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	struct cx_cat *cat = cx_calloc(1, sizeof(*cat));
	cat->path = cx_strdup(path);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &cat->db, flags, NULL) != SQLITE_OK) {
		int rc = cx_error_set(err, CX_EDB, "cannot open catalogue '%s': %s", path,
				      sqlite3_errmsg(cat->db));
		cx_cat_close(cat);
		return rc;
	}
	sqlite3_busy_timeout(cat->db, 5000);
	sqlite3_create_function(cat->db, "cx_hash", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				sql_hash, NULL, NULL);
	sqlite3_create_function(cat->db, "cx_instance_id", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				NULL, sql_instance_id, NULL, NULL);
	sqlite3_create_function(cat->db, "cx_holds_any", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				NULL, sql_holds_any, NULL, NULL);
	sqlite3_create_function(cat->db, "cx_labels_say", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				NULL, sql_labels_say, NULL, NULL);
	sqlite3_create_function(cat->db, "cx_text_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				NULL, sql_text_key, NULL, NULL);
	sqlite3_create_function(cat->db, "cx_holds_squashed", 2,
				SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_holds_squashed, NULL,
				NULL);
	/* A rollback journal, not WAL: a build appends far more pages than it
	 * changes, and WAL would write every new page twice. Memory must not grow
	 * with the sources: the page cache is capped at 64 MiB, temporary tables
	 * and sorts (index builds, the derivations' ORDER BY) spill to temporary
	 * files beyond a 16 MiB cache instead of growing in memory. The build
	 * reads its big tables in order, so a larger cache bought little. Pages
	 * of 16 KiB, not 4 (a new catalogue only; an existing one keeps its
	 * size): a full MIMIC-CXR build moves about 1 GB between SQLite's cache
	 * and the file, and a quarter of the reads and writes cut its CPU time
	 * by about a tenth (bench/README.md). */
	int rc = cat_exec(cat, "PRAGMA page_size=16384; PRAGMA journal_mode=DELETE;"
			       " PRAGMA synchronous=NORMAL;"
			       "PRAGMA cache_size=-65536; PRAGMA temp_store=FILE;"
			       "PRAGMA temp.cache_size=-16384;", err);
	if (rc == 0 && sqlite3_db_readonly(cat->db, "main") == 0)
		rc = check_schema(cat, create, err);
	if (rc) {
		if (err->code == CX_EDB && strstr(err->msg, "not a database"))
			cx_error_set(err, CX_EFORMAT, "'%s' is not a chexinstruct catalogue", path);
		cx_cat_close(cat);
		return rc;
	}
	*out = cat;
	return 0;
}

void cx_cat_close(struct cx_cat *cat)
{
	if (!cat)
		return;
	cx_cat_images_end(cat);
	cat_write_finish(cat);
	sqlite3_close(cat->db);
	cx_buf_release(&cat->a);
	cx_buf_release(&cat->b);
	cx_buf_release(&cat->c);
	cx_buf_release(&cat->last_study);
	cx_buf_release(&cat->deferred);
	cx_buf_release(&cat->deferred_late);
	cx_buf_release(&cat->last_patient);
	free(cat->path);
	free(cat);
}

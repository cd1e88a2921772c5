/*
 * recipe.c - reading a recipe file (recipe.h): one JSON object, read whole,
 *
 *   {"description": "...",
 *    "sources": "data", "catalogue": "cxr.db", "out": "shards",
 *    "templates": "templates",
 *    "build": {"seed": 0, "only": ["mimic-cxr"], "image_check": true,
 *              "hash_images": false, "strict": false},
 *    "defaults": {SET},
 *    "shards": {"train": {"split": "train", SET}, "val": {}}}
 *
 * where SET is any of "mix" (a mix file, an inline mix object, or null),
 * "seed", "format", "max_bytes", "max_records", "min_shards", "image"
 * ({"size", "format", "quality", "enlarge"} or null), "access" and
 * "allow_short_mix", with the values and ranges of the `shard` options of the
 * same names. A set takes "defaults" and then its own keys; its split is its
 * "split", or its name when that is train, val or test.
 *
 * A recipe describes work that takes hours, so nothing in it may be ignored:
 * an unknown key, a key given twice (JSON allows it; cJSON would read the
 * first and drop the second), a value of the wrong kind or range is an error
 * naming the file and the key's path (shards.train.mix), and a syntax error
 * gives the line and column, as a mix file's does (shard/mix.c). Paths are
 * kept as written: relative ones are relative to the recipe's folder, which
 * the command runs in (cmd-recipe.c), so a recipe gives the same catalogue
 * and shards from wherever it is started.
 */
#include "cx.h"

#include <cjson/cJSON.h>
#include <math.h>

#include "adapters/adapter.h"
#include "catalogue/catalogue.h"
#include "cli/recipe.h"

/* JSON numbers are doubles: whole numbers are exact up to 2^53 - 1. */
#define MAX_WHOLE 9007199254740991.0

struct ctx {
	const char *path;
	struct cx_error *err;
};

static int fail(const struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(const struct ctx *c, const char *fmt, ...)
{
	char msg[sizeof c->err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cx_error_set(c->err, CX_EINVAL, "recipe '%s': %s", c->path, msg);
}

/* where.key, or key at the top */
static void key_path(char *out, size_t n, const char *where, const char *key)
{
	snprintf(out, n, "%s%s%s", where, where[0] ? "." : "", key);
}

/* Every key of obj must be one of keys, once. */
static int check_keys(const struct ctx *c, const cJSON *obj, const char *where,
		      const char *const *keys, size_t nkeys)
{
	for (const cJSON *k = obj->child; k; k = k->next) {
		char kp[512];
		key_path(kp, sizeof kp, where, k->string);
		size_t i = 0;
		while (i < nkeys && strcmp(keys[i], k->string))
			i++;
		if (i == nkeys) {
			struct cx_buf known = CX_BUF_INIT;
			for (size_t j = 0; j < nkeys; j++)
				cx_buf_addf(&known, "%s%s", j ? ", " : "", keys[j]);
			int rc = fail(c, "unknown key '%s' (%s)", kp, known.data);
			cx_buf_release(&known);
			return rc;
		}
		for (const cJSON *p = obj->child; p != k; p = p->next)
			if (!strcmp(p->string, k->string))
				return fail(c, "key '%s' is given twice", kp);
	}
	return 0;
}

static int whole(const struct ctx *c, const cJSON *v, const char *kp, double lo, double hi,
		 uint64_t *out)
{
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo ||
	    v->valuedouble > hi || v->valuedouble != floor(v->valuedouble))
		return fail(c, "%s: not a whole number from %.0f to %.0f", kp, lo, hi);
	*out = (uint64_t)v->valuedouble;
	return 0;
}

static int boolean(const struct ctx *c, const cJSON *v, const char *kp, int *out)
{
	if (!cJSON_IsBool(v))
		return fail(c, "%s: not true or false", kp);
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A non-empty string; *out is replaced. */
static int string(const struct ctx *c, const cJSON *v, const char *kp, char **out)
{
	if (!cJSON_IsString(v) || !v->valuestring[0])
		return fail(c, "%s: not a non-empty string", kp);
	free(*out);
	*out = cx_strdup(v->valuestring);
	return 0;
}

/* A path, as the recipe gives it (relative to the recipe's folder, where
 * cmd-recipe.c runs). */
static int path_of(const struct ctx *c, const cJSON *v, const char *kp, char **out)
{
	return string(c, v, kp, out);
}

/* One of words, as its index. */
static int word(const struct ctx *c, const cJSON *v, const char *kp, const char *const *words,
		size_t n, int *out)
{
	for (size_t i = 0; cJSON_IsString(v) && i < n; i++)
		if (!strcmp(v->valuestring, words[i])) {
			*out = (int)i;
			return 0;
		}
	struct cx_buf b = CX_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		cx_buf_addf(&b, "%s%s", i ? ", " : "", words[i]);
	int rc = fail(c, "%s: not one of %s", kp, b.data);
	cx_buf_release(&b);
	return rc;
}

static void set_free(struct cx_recipe_set *s)
{
	free(s->name);
	free(s->out);
	free(s->mix_path);
	free(s->mix_text);
	free(s->mix_name);
	free(s->format);
	memset(s, 0, sizeof(*s));
}

static char *dup_or_null(const char *s)
{
	return s ? cx_strdup(s) : NULL;
}

static void set_copy(struct cx_recipe_set *to, const struct cx_recipe_set *from)
{
	*to = *from;
	to->name = dup_or_null(from->name);
	to->out = dup_or_null(from->out);
	to->mix_path = dup_or_null(from->mix_path);
	to->mix_text = dup_or_null(from->mix_text);
	to->mix_name = dup_or_null(from->mix_name);
	to->format = dup_or_null(from->format);
}

static int read_mix(const struct ctx *c, const cJSON *v, const char *kp, struct cx_recipe_set *s)
{
	free(s->mix_path);
	free(s->mix_text);
	free(s->mix_name);
	s->mix_path = s->mix_text = s->mix_name = NULL;
	if (cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v)) {
		if (path_of(c, v, kp, &s->mix_path))
			return c->err->code;
		s->mix_name = cx_strdup(s->mix_path);
		return 0;
	}
	if (!cJSON_IsObject(v))
		return fail(c, "%s: not a mix file name, a mix object or null", kp);
	char *text = cJSON_PrintUnformatted(v);
	s->mix_text = cx_strdup(text);
	cJSON_free(text);
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "%s: %s", c->path, kp);
	s->mix_name = cx_buf_detach(&b);
	return 0;
}

static int read_image(const struct ctx *c, const cJSON *v, const char *kp,
		      struct cx_recipe_set *s)
{
	static const char *const keys[] = {"size", "format", "quality", "enlarge"};
	static const char *const formats[] = {"jpeg", "png"};
	s->image_size = s->image_png = s->quality = s->enlarge = 0;
	if (cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsObject(v))
		return fail(c, "%s: not an object or null", kp);
	if (check_keys(c, v, kp, keys, CX_ARRAY_LEN(keys)))
		return c->err->code;
	char sub[600];
	uint64_t n;
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(v, "size");
	key_path(sub, sizeof sub, kp, "size");
	if (!k)
		return fail(c, "%s: missing", sub);
	if (whole(c, k, sub, 1, 16384, &n))
		return c->err->code;
	s->image_size = (int)n;
	if ((k = cJSON_GetObjectItemCaseSensitive(v, "format"))) {
		key_path(sub, sizeof sub, kp, "format");
		if (word(c, k, sub, formats, 2, &s->image_png))
			return c->err->code;
	}
	if ((k = cJSON_GetObjectItemCaseSensitive(v, "quality"))) {
		key_path(sub, sizeof sub, kp, "quality");
		if (whole(c, k, sub, 1, 100, &n))
			return c->err->code;
		s->quality = (int)n;
	}
	if ((k = cJSON_GetObjectItemCaseSensitive(v, "enlarge"))) {
		key_path(sub, sizeof sub, kp, "enlarge");
		if (boolean(c, k, sub, &s->enlarge))
			return c->err->code;
	}
	return 0;
}

/* One key of a set (or of "defaults") into s. */
static int set_key(const struct ctx *c, const cJSON *k, const char *kp, struct cx_recipe_set *s)
{
	static const char *const formats[] = {"native", "webdataset", "mds"};
	static const char *const access[] = {"credentialed", "public"};
	static const char *const splits[] = {"train", "val", "test"};
	const char *key = k->string;
	int i;
	if (!strcmp(key, "split"))
		return word(c, k, kp, splits, 3, &s->split);
	if (!strcmp(key, "mix"))
		return read_mix(c, k, kp, s);
	if (!strcmp(key, "seed"))
		return whole(c, k, kp, 0, MAX_WHOLE, &s->seed);
	if (!strcmp(key, "max_bytes"))
		return whole(c, k, kp, 0, MAX_WHOLE, &s->max_bytes);
	if (!strcmp(key, "max_records"))
		return whole(c, k, kp, 0, MAX_WHOLE, &s->max_records);
	if (!strcmp(key, "min_shards"))
		return whole(c, k, kp, 1, 65536, &s->min_shards);
	if (!strcmp(key, "image"))
		return read_image(c, k, kp, s);
	if (!strcmp(key, "allow_short_mix"))
		return boolean(c, k, kp, &s->allow_short);
	if (!strcmp(key, "access")) {
		if (word(c, k, kp, access, 2, &s->access_public))
			return c->err->code;
		return 0;
	}
	if (word(c, k, kp, formats, 3, &i))   /* "format" */
		return c->err->code;
	free(s->format);
	s->format = cx_strdup(formats[i]);
	return 0;
}

static const char *const set_keys[] = {"split", "mix", "seed", "format", "max_bytes",
				       "max_records", "min_shards", "image", "access",
				       "allow_short_mix"};

/* The keys of obj into s; "defaults" takes every key but "split". */
static int read_set(const struct ctx *c, const cJSON *obj, const char *where,
		    struct cx_recipe_set *s, int defaults)
{
	if (!cJSON_IsObject(obj))
		return fail(c, "%s: not an object", where);
	if (check_keys(c, obj, where, set_keys + defaults, CX_ARRAY_LEN(set_keys) - defaults))
		return c->err->code;
	for (const cJSON *k = obj->child; k; k = k->next) {
		char kp[512];
		key_path(kp, sizeof kp, where, k->string);
		if (set_key(c, k, kp, s))
			return c->err->code;
	}
	return 0;
}

/* A set's name is its folder under "out": a plain name. */
static int plain_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* The set NAME: defaults, then its own keys, then what follows from both. */
static int read_one_set(const struct ctx *c, struct cx_recipe *r, const cJSON *k,
			const struct cx_recipe_set *defaults)
{
	char where[512];
	key_path(where, sizeof where, "shards", k->string);
	if (!plain_name(k->string))
		return fail(c, "%s: a set's name is its folder under \"out\": 1 to 64 letters,"
			       " digits, '.', '_' or '-', not starting with '.'", where);
	r->sets = cx_realloc(r->sets, (r->nsets + 1) * sizeof(*r->sets));
	struct cx_recipe_set *s = &r->sets[r->nsets++];
	set_copy(s, defaults);
	s->name = cx_strdup(k->string);
	s->split = cx_rank_of(k->string);
	struct cx_buf out = CX_BUF_INIT;
	cx_buf_addf(&out, "%s/%s", r->out, k->string);
	s->out = cx_buf_detach(&out);
	if (read_set(c, k, where, s, 0))
		return c->err->code;
	if (s->split < 0)
		return fail(c, "%s.split: missing (the name is not train, val or test)", where);
	int webdataset = !strcmp(s->format, "webdataset");
	if (!webdataset && cJSON_GetObjectItemCaseSensitive(k, "min_shards"))
		return fail(c, "%s.min_shards: only for the webdataset format", where);
	if (webdataset && !s->min_shards)
		s->min_shards = 4;
	if (!webdataset)
		s->min_shards = 0;
	return 0;
}

static int read_sets(const struct ctx *c, struct cx_recipe *r, const cJSON *root)
{
	struct cx_recipe_set defaults = {.split = -1, .format = cx_strdup("native")};
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "defaults");
	int rc = d ? read_set(c, d, "defaults", &defaults, 1) : 0;
	const cJSON *sets = cJSON_GetObjectItemCaseSensitive(root, "shards");
	if (rc == 0 && (!cJSON_IsObject(sets) || !sets->child))
		rc = fail(c, "shards: %s", sets ? "not an object naming at least one shard set"
						: "missing");
	if (rc == 0) {
		for (const cJSON *k = sets->child; k && rc == 0; k = k->next) {
			for (const cJSON *p = sets->child; p != k && rc == 0; p = p->next)
				if (!strcmp(p->string, k->string))
					rc = fail(c, "key 'shards.%s' is given twice", k->string);
			if (rc == 0)
				rc = read_one_set(c, r, k, &defaults);
		}
	}
	set_free(&defaults);
	return rc;
}

/* "only": a list of source ids, each a registered source. */
static int read_only(const struct ctx *c, struct cx_recipe *r, const cJSON *v)
{
	if (!cJSON_IsArray(v) || !v->child)
		return fail(c, "build.only: not a list of source ids");
	struct cx_buf b = CX_BUF_INIT;
	for (const cJSON *k = v->child; k; k = k->next) {
		size_t i = 0;
		while (cJSON_IsString(k) && i < cx_nadapters && strcmp(cx_adapters[i]->id,
								      k->valuestring))
			i++;
		if (!cJSON_IsString(k) || i == cx_nadapters) {
			cx_buf_release(&b);
			struct cx_buf known = CX_BUF_INIT;
			for (size_t j = 0; j < cx_nadapters; j++)
				cx_buf_addf(&known, "%s%s", j ? ", " : "", cx_adapters[j]->id);
			int rc = fail(c, "build.only: unknown source '%s'; known sources: %s",
				      cJSON_IsString(k) ? k->valuestring : "?", known.data);
			cx_buf_release(&known);
			return rc;
		}
		cx_buf_addf(&b, "%s%s", b.len ? "," : "", k->valuestring);
	}
	r->only = cx_buf_detach(&b);
	return 0;
}

static int read_build(const struct ctx *c, struct cx_recipe *r, const cJSON *v)
{
	static const char *const keys[] = {"seed", "only", "image_check", "hash_images", "strict"};
	if (!v)
		return 0;
	if (!cJSON_IsObject(v))
		return fail(c, "build: not an object");
	if (check_keys(c, v, "build", keys, CX_ARRAY_LEN(keys)))
		return c->err->code;
	for (const cJSON *k = v->child; k; k = k->next) {
		char kp[512];
		key_path(kp, sizeof kp, "build", k->string);
		int rc = !strcmp(k->string, "seed") ? whole(c, k, kp, 0, MAX_WHOLE, &r->build_seed)
			 : !strcmp(k->string, "only") ? read_only(c, r, k)
			 : !strcmp(k->string, "image_check") ? boolean(c, k, kp, &r->check_images)
			 : !strcmp(k->string, "hash_images") ? boolean(c, k, kp, &r->hash_images)
			 : boolean(c, k, kp, &r->strict);
		if (rc)
			return rc;
	}
	if (r->hash_images && !r->check_images)
		return fail(c, "build: hash_images reads the images that image_check false skips");
	return 0;
}

/* The top-level paths: sources, catalogue and out are required. */
static int read_paths(const struct ctx *c, struct cx_recipe *r, const cJSON *root)
{
	static const char *const need[] = {"sources", "catalogue", "out"};
	char **to[] = {&r->sources, &r->catalogue, &r->out};
	for (size_t i = 0; i < CX_ARRAY_LEN(need); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, need[i]);
		if (!v)
			return fail(c, "%s: missing", need[i]);
		if (path_of(c, v, need[i], to[i]))
			return c->err->code;
	}
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "templates");
	if (t && path_of(c, t, "templates", &r->templates))
		return c->err->code;
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "description");
	if (d && string(c, d, "description", &r->description))
		return c->err->code;
	return 0;
}

static int parse(const struct ctx *c, struct cx_recipe *r, const cJSON *root)
{
	static const char *const keys[] = {"description", "sources", "catalogue", "out",
					   "templates", "build", "defaults", "shards"};
	if (!cJSON_IsObject(root))
		return fail(c, "not a JSON object");
	if (check_keys(c, root, "", keys, CX_ARRAY_LEN(keys)) || read_paths(c, r, root) ||
	    read_build(c, r, cJSON_GetObjectItemCaseSensitive(root, "build")))
		return c->err->code;
	return read_sets(c, r, root);
}

int cx_recipe_parse(struct cx_recipe *r, const char *path, const char *text,
		    struct cx_error *err)
{
	memset(r, 0, sizeof(*r));
	r->path = cx_strdup(path);
	r->check_images = 1;
	struct ctx c = {.path = path, .err = err};
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
	int rc;
	if (!root) {
		long line, column;
		cx_text_place(text, end, &line, &column);
		rc = cx_error_set(err, CX_EFORMAT, "recipe '%s': not valid JSON (syntax error on"
				  " line %ld, column %ld)", path, line, column);
	} else {
		rc = parse(&c, r, root);
	}
	cJSON_Delete(root);
	return rc;
}

int cx_recipe_load(struct cx_recipe *r, const char *path, struct cx_error *err)
{
	struct cx_buf b = CX_BUF_INIT;
	memset(r, 0, sizeof(*r));
	int rc = cx_read_file(path, 1u << 20, &b, err);
	if (rc) {
		char why[sizeof err->msg];
		snprintf(why, sizeof why, "%s", err->msg);
		cx_error_set(err, rc, "recipe: %s", why);
	} else if (b.len && strlen(b.data) != b.len) {
		rc = cx_error_set(err, CX_EFORMAT, "recipe '%s': not JSON text (a NUL byte)", path);
	} else {
		rc = cx_recipe_parse(r, path, b.data ? b.data : "", err);
	}
	cx_buf_release(&b);
	return rc;
}

void cx_recipe_free(struct cx_recipe *r)
{
	for (size_t i = 0; i < r->nsets; i++)
		set_free(&r->sets[i]);
	free(r->sets);
	free(r->path);
	free(r->description);
	free(r->sources);
	free(r->catalogue);
	free(r->out);
	free(r->templates);
	free(r->only);
	memset(r, 0, sizeof(*r));
}

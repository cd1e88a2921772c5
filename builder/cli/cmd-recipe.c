/*
 * cmd-recipe.c - `chexinstruct recipe FILE`: one command for a whole run. It
 * reads a recipe (cli/recipe.h: sources folder, build settings, catalogue,
 * and the shard sets with their splits, mixes, formats, image settings,
 * seeds and access), builds the sources whose catalogue rows are out of date
 * and writes the shard sets that are, and skips the rest, saying why for
 * each. --dry-run says the same and does nothing.
 *
 * Up to date means "doing it again would give the same bytes":
 *   a source   its build stamp in the catalogue (build/stamp.c: the release's
 *              files by path, size and time; build seed; image checks; the
 *              chexinstruct version) equals the stamp of its release now,
 *              and every source it requires is up to date too;
 *   a set      its manifest records the catalogue's content fingerprint, the
 *              templates' fingerprint, the split, the shard and build seeds,
 *              the format, the mix as parsed, the limits, the image settings
 *              and the access class the recipe asks for, and every shard it
 *              lists is there with its size.
 * A catalogue holding a source the recipe does not build is built anew, into
 * a new file renamed over the old one when done: the shard sets would
 * otherwise hold records of a source the recipe leaves out. Everything else
 * is the build and shard commands' own work (cx_build_found, cx_shard_run),
 * so a recipe's output is what those commands give with the same settings.
 */
#include "cx.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "build/build.h"
#include "catalogue/catalogue.h"
#include "cli/cmd.h"
#include "cli/recipe.h"
#include "render/render.h"
#include "shard/sharder.h"
#include "util/pool.h"

static const char help[] =
	"usage: chexinstruct recipe FILE [--dry-run] [--threads N] [--buffered]\n"
	"\n"
	"Does the whole run a recipe describes (README.md, \"Using it on the real\n"
	"datasets\"): builds the catalogue from the recipe's sources folder, then writes\n"
	"each of its shard sets, skipping what is up to date. A source is built again\n"
	"when its release's files (by path, size and modification time), the build\n"
	"settings or the chexinstruct version differ from its last build, or when a\n"
	"source it requires is built again; a shard set is written again when its\n"
	"manifest records another catalogue content, templates, split, seed, format,\n"
	"mix, limits, image settings or access, or a shard it lists is missing. Paths\n"
	"in the recipe are relative to its folder, where it runs: the paths it prints\n"
	"are too. One line per decision says what is done and why; the build and each\n"
	"shard set then print what those commands do.\n"
	"\n"
	"  --dry-run          say what would be built and written, and why; do nothing\n"
	"  --threads N        image workers of shard, 1-64 (default: the number of\n"
	"                     processors); the output is the same for any N\n"
	"  --buffered         write shard files through the page cache (shard --buffered)\n"
	"  -h, --help         this help\n"
	"\n"
	"The recipe names its catalogue: the global --catalogue is refused.\n"
	"Exit status: 0 done (or nothing to do), 1 error (a bad recipe, a build or\n"
	"shard set that failed), 2 usage.\n";

/* What one run knows. */
struct run {
	const struct cx_recipe *r;
	int dry_run, threads, buffered;
	char *templates;       /* the default templates folder, absolute */
	struct cx_build b;
	struct cx_build_opts opts;
	int have_cat;          /* the catalogue file exists */
	int whole;             /* build every source into a new catalogue */
	struct cx_buf whole_why;
	char **why;            /* per source of b: why it is built again, or NULL */
	char **moved;          /* per source: its new place, when only that changed */
	size_t nwanted, nstale, nbuilt;
	uint64_t tfp;          /* the templates' fingerprint */
	int fp_known;          /* the catalogue's content fingerprint is known */
	uint64_t fp;
	char **mix;            /* per set: its mix as parsed, compact ("null": none) */
};

static void add_reason(struct cx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_reason(struct cx_buf *b, const char *fmt, ...)
{
	char one[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(one, sizeof one, fmt, ap);
	va_end(ap);
	cx_buf_addf(b, "%s%s", b->len ? ", " : "", one);
}

/* The value of key in a stamp "k=v k=v ...", into out (empty when absent). */
static void stamp_value(const char *stamp, const char *key, char *out, size_t n)
{
	out[0] = '\0';
	size_t kl = strlen(key);
	for (const char *p = stamp; p && *p; p = strchr(p, ' '), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t len = strcspn(p + kl + 1, " ");
			snprintf(out, n, "%.*s", (int)len, p + kl + 1);
			return;
		}
}

/* Why a source whose stamp was `was` and is `now` must be built again. */
static void stamp_reasons(struct cx_buf *why, const char *was, const char *now)
{
	static const struct {
		const char *key, *what;
	} parts[] = {
		{"release", NULL},
		{"seed", "build seed"},
		{"images", "images"},
		{"chexinstruct", "chexinstruct"},
	};
	for (size_t i = 0; i < CX_ARRAY_LEN(parts); i++) {
		char a[128], b[128];
		stamp_value(was, parts[i].key, a, sizeof a);
		stamp_value(now, parts[i].key, b, sizeof b);
		if (!strcmp(a, b))
			continue;
		if (parts[i].what)
			add_reason(why, "%s %s -> %s", parts[i].what, a[0] ? a : "?", b);
		else
			add_reason(why, "its release changed");
	}
}

/* One wanted source: stale (why[i] set) or current, perhaps moved. */
static int check_source(struct run *x, struct cx_cat *cat, size_t i,
			const struct cx_cat_place *places, size_t nplaces, struct cx_error *err)
{
	const struct cx_build_source *s = &x->b.src[i];
	char *now = NULL, *was = NULL;
	if (cx_build_stamp(s->path, &x->opts, &now, err) ||
	    (cat && cx_cat_stamp(cat, s->adapter->id, &was, err))) {
		free(now);
		return err->code;
	}
	struct cx_buf why = CX_BUF_INIT;
	if (!cat || !cx_cat_has_source(cat, s->adapter->id))
		add_reason(&why, "not in the catalogue");
	else if (!was)
		add_reason(&why, "no build stamp");
	else
		stamp_reasons(&why, was, now);
	for (const char *const *q = s->adapter->requires; q && *q && !why.len; q++) {
		struct cx_build_source *req = cx_build_find(&x->b, *q);
		if (req && x->why[req - x->b.src])
			add_reason(&why, "requires %s, built again", *q);
	}
	if (why.len)
		x->why[i] = cx_buf_detach(&why);
	char *abs = realpath(s->path, NULL);
	for (size_t k = 0; !x->why[i] && abs && k < nplaces; k++)
		if (!strcmp(places[k].source, s->adapter->id) && strcmp(places[k].release_path, abs))
			x->moved[i] = cx_strdup(s->path);
	free(abs);
	free(now);
	free(was);
	return 0;
}

/* A source of the catalogue that the recipe does not build makes it built
 * anew (its records would reach the shard sets). */
static void check_extra(struct run *x, const struct cx_cat_place *places, size_t nplaces)
{
	for (size_t k = 0; k < nplaces; k++) {
		struct cx_build_source *s = cx_build_find(&x->b, places[k].source);
		if (s && cx_build_wanted(s))
			continue;
		cx_buf_addf(&x->whole_why, "%s%s", x->whole_why.len ? ", " : "", places[k].source);
		x->whole = 1;
	}
}

static int check_sources(struct run *x, struct cx_error *err)
{
	struct stat st;
	x->have_cat = stat(x->r->catalogue, &st) == 0;
	struct cx_cat *cat = NULL;
	if (x->have_cat && cx_cat_open(&cat, x->r->catalogue, 0, err))
		return err->code;
	struct cx_cat_place *places = NULL;
	size_t nplaces = 0;
	int rc = cat ? cx_cat_places(cat, &places, &nplaces, err) : 0;
	/* b->src is in build order: a source's requirements are decided first */
	for (size_t i = 0; rc == 0 && i < x->b.n; i++) {
		if (!cx_build_wanted(&x->b.src[i]))
			continue;
		x->nwanted++;
		rc = check_source(x, cat, i, places, nplaces, err);
		x->nstale += rc == 0 && x->why[i];
	}
	if (rc == 0)
		check_extra(x, places, nplaces);
	if (!x->have_cat)
		x->whole = 1;
	cx_cat_places_free(places, nplaces);
	cx_cat_close(cat);
	return rc;
}

static void print_sources(const struct run *x)
{
	const char *c = x->r->catalogue;
	if (!x->have_cat) {
		printf("catalogue %s: build %zu sources (no catalogue yet)\n", c, x->nwanted);
	} else if (x->whole) {
		printf("catalogue %s: build %zu sources into a new catalogue (it holds %s, which"
		       " the recipe does not build)\n", c, x->nwanted, x->whole_why.data);
	} else if (x->nstale) {
		printf("catalogue %s: build %zu of %zu sources:", c, x->nstale, x->nwanted);
		for (size_t i = 0, k = 0; i < x->b.n; i++)
			if (x->why[i])
				printf("%s %s (%s)", k++ ? "," : "", x->b.src[i].adapter->id,
				       x->why[i]);
		printf("\n");
	} else {
		printf("catalogue %s: up to date (%zu sources)\n", c, x->nwanted);
	}
	for (size_t i = 0; i < x->b.n; i++)
		if (x->moved[i] && !x->whole)
			printf("catalogue %s: %s is now read from %s (the same files): its place"
			       " is updated\n", c, x->b.src[i].adapter->id, x->moved[i]);
	fflush(stdout);
}

/* Records the new place of each source that only moved. */
static int update_places(struct run *x, struct cx_error *err)
{
	struct cx_cat *cat = NULL;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < x->b.n; i++) {
		if (!x->moved[i])
			continue;
		if (!cat && (rc = cx_cat_open(&cat, x->r->catalogue, 0, err)) != 0)
			break;
		rc = cx_cat_set_release_place(cat, x->b.src[i].adapter->id, x->b.src[i].path, err);
	}
	cx_cat_close(cat);
	return rc;
}

/* Builds what is out of date: the stale sources in place, or every source
 * into CATALOGUE.new, renamed over the catalogue once the build succeeded. */
static int build(struct run *x)
{
	const struct cx_recipe *r = x->r;
	if (!x->whole) {
		for (size_t i = 0; i < x->b.n; i++)
			x->b.src[i].selected = x->b.src[i].selected && x->why[i];
		x->nbuilt = x->nstale;
		return cx_build_found(&x->b, r->sources, r->catalogue, &x->opts, r->strict);
	}
	struct cx_buf tmp = CX_BUF_INIT;
	cx_buf_addf(&tmp, "%s.new", r->catalogue);
	unlink(tmp.data);
	int status = cx_build_found(&x->b, r->sources, tmp.data, &x->opts, r->strict);
	if (status == CX_EXIT_OK && rename(tmp.data, r->catalogue) != 0)
		status = cx_fail("cannot rename '%s' to '%s': %s", tmp.data, r->catalogue,
				 strerror(errno));
	if (status != CX_EXIT_OK)
		unlink(tmp.data);
	x->nbuilt = x->nwanted;
	cx_buf_release(&tmp);
	return status;
}

static int catalogue_fingerprint(struct run *x, struct cx_error *err)
{
	struct cx_cat *cat;
	if (cx_cat_open(&cat, x->r->catalogue, 0, err))
		return err->code;
	int rc = cx_cat_fingerprint(cat, &x->fp, err);
	cx_cat_close(cat);
	x->fp_known = rc == 0;
	return rc;
}

/* --- shard sets --- */

/* Each set's mix as parsed and printed compact, as the manifest records it. */
static int load_mixes(struct run *x, struct cx_error *err)
{
	const struct cx_recipe *r = x->r;
	x->mix = cx_calloc(r->nsets ? r->nsets : 1, sizeof(char *));
	for (size_t i = 0; i < r->nsets; i++) {
		const struct cx_recipe_set *s = &r->sets[i];
		struct cx_buf b = CX_BUF_INIT;
		const char *text = s->mix_text;
		if (s->mix_path) {
			if (cx_read_file(s->mix_path, 1u << 20, &b, err)) {
				cx_buf_release(&b);
				return cx_error_set(err, err->code, "recipe '%s': shard set '%s': mix:"
						    " %s", r->path, s->name, err->msg);
			}
			text = b.data ? b.data : "";
		}
		const char *end = NULL;
		cJSON *j = text ? cJSON_ParseWithOpts(text, &end, 1) : NULL;
		if (text && !j) {
			long line, column;
			cx_text_place(text, end, &line, &column);
			cx_buf_release(&b);
			return cx_error_set(err, CX_EFORMAT, "mix '%s': not valid JSON (syntax error"
					    " on line %ld, column %ld)", s->mix_name, line, column);
		}
		char *p = j ? cJSON_PrintUnformatted(j) : NULL;
		x->mix[i] = cx_strdup(p ? p : "null");
		cJSON_free(p);
		cJSON_Delete(j);
		cx_buf_release(&b);
	}
	return 0;
}

/* A manifest number or null against want (0: null). */
static int same_limit(const cJSON *v, uint64_t want)
{
	if (!want)
		return cJSON_IsNull(v) || !v;
	return cJSON_IsNumber(v) && v->valuedouble == (double)want;
}

static int same_number(const cJSON *v, uint64_t want)
{
	return cJSON_IsNumber(v) && v->valuedouble == (double)want;
}

static int same_string(const cJSON *v, const char *want)
{
	return cJSON_IsString(v) && !strcmp(v->valuestring, want);
}

static int same_hex(const cJSON *v, uint64_t want)
{
	char hex[17];
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)want);
	return same_string(v, hex);
}

static void check_image(struct cx_buf *why, const cJSON *cfg, const struct cx_recipe_set *s)
{
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(cfg, "image_size");
	if (!same_limit(size, (uint64_t)s->image_size)) {
		add_reason(why, "image size changed");
		return;
	}
	if (!s->image_size)
		return;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(cfg, "enlarge");
	if (!same_string(cJSON_GetObjectItemCaseSensitive(cfg, "image_format"),
			 s->image_png ? "png" : "jpeg") ||
	    !same_number(cJSON_GetObjectItemCaseSensitive(cfg, "quality"),
			 (uint64_t)(s->quality ? s->quality : 90)) ||
	    !cJSON_IsBool(e) || cJSON_IsTrue(e) != s->enlarge)
		add_reason(why, "image settings changed");
}

static void check_config(struct cx_buf *why, const cJSON *cfg, const struct cx_recipe_set *s,
			 const char *mix)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(cfg, "mix");
	char *was = m ? cJSON_PrintUnformatted(m) : NULL;
	if (!was || strcmp(was, mix))
		add_reason(why, "mix changed");
	cJSON_free(was);
	if (!same_string(cJSON_GetObjectItemCaseSensitive(cfg, "access"),
			 s->access_public ? "public" : "credentialed"))
		add_reason(why, "access changed");
	check_image(why, cfg, s);
	if (!same_limit(cJSON_GetObjectItemCaseSensitive(cfg, "max_bytes"), s->max_bytes))
		add_reason(why, "max_bytes changed");
	if (!same_limit(cJSON_GetObjectItemCaseSensitive(cfg, "max_records"), s->max_records))
		add_reason(why, "max_records changed");
	if (!same_limit(cJSON_GetObjectItemCaseSensitive(cfg, "min_shards"), s->min_shards))
		add_reason(why, "min_shards changed");
}

/* The first shard the manifest lists that is not there with its size. */
static void check_files(struct cx_buf *why, const cJSON *shards, const char *dir)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, shards) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "file");
		const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(f, "bytes");
		struct cx_buf p = CX_BUF_INIT;
		cx_buf_addf(&p, "%s/%s", dir, cJSON_IsString(name) ? name->valuestring : "?");
		struct stat st;
		int ok = cJSON_IsString(name) && !strchr(name->valuestring, '/') &&
			 stat(p.data, &st) == 0 && same_number(bytes, (uint64_t)st.st_size);
		if (!ok)
			add_reason(why, "shard %s missing or changed",
				   cJSON_IsString(name) ? name->valuestring : "?");
		cx_buf_release(&p);
		if (!ok)
			return;
	}
}

/* Why the set must be written (why empty: up to date); *pending is 1 when
 * only the catalogue's content, unknown before the build, can tell. */
static void check_set(const struct run *x, size_t i, struct cx_buf *why, int *pending,
		      int64_t *records)
{
	const struct cx_recipe_set *s = &x->r->sets[i];
	*pending = 0;
	*records = -1;
	struct cx_buf path = CX_BUF_INIT, text = CX_BUF_INIT;
	struct cx_error ignore;
	struct stat st;
	cx_buf_addf(&path, "%s/manifest.json", s->out);
	cJSON *m = NULL;
	if (cx_read_file(path.data, (size_t)1 << 30, &text, &ignore) == 0)
		m = cJSON_Parse(text.data ? text.data : "");
	cx_buf_reset(&path);
	cx_buf_addf(&path, "%s/.cx-new/.cx-done", s->out);
	if (!m && stat(path.data, &st) == 0)
		add_reason(why, "an interrupted run, resumed if its settings were these");
	else if (!m && text.len)
		add_reason(why, "manifest.json unreadable");
	else if (!m)
		add_reason(why, "no shard set yet");
	cx_buf_release(&path);
	cx_buf_release(&text);
	if (!m)
		return;
	const cJSON *seed = cJSON_GetObjectItemCaseSensitive(m, "seed");
	const cJSON *bseed = cJSON_GetObjectItemCaseSensitive(m, "build_seed");
	if (!same_string(cJSON_GetObjectItemCaseSensitive(m, "split"), cx_rank_name(s->split)))
		add_reason(why, "split changed");
	if (!same_number(seed, s->seed))
		add_reason(why, "seed changed");
	if (!same_number(bseed, x->r->build_seed))
		add_reason(why, "build seed changed");
	if (!same_string(cJSON_GetObjectItemCaseSensitive(m, "record_format"), s->format))
		add_reason(why, "format changed");
	check_config(why, cJSON_GetObjectItemCaseSensitive(m, "config"), s, x->mix[i]);
	if (!same_hex(cJSON_GetObjectItemCaseSensitive(m, "template_fingerprint"), x->tfp))
		add_reason(why, "templates changed");
	const cJSON *fp = cJSON_GetObjectItemCaseSensitive(m, "catalogue_fingerprint");
	if (x->fp_known && !same_hex(fp, x->fp))
		add_reason(why, "catalogue content changed");
	*pending = !x->fp_known;
	check_files(why, cJSON_GetObjectItemCaseSensitive(m, "shards"), s->out);
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "records");
	*records = cJSON_IsNumber(n) ? (int64_t)n->valuedouble : -1;
	cJSON_Delete(m);
}

/* Writes one set, as `shard --overwrite` with the set's settings would. */
static int write_set(const struct run *x, size_t i, const struct cx_templates *t)
{
	const struct cx_recipe_set *s = &x->r->sets[i];
	struct cx_shard_opts o = {
		.out = s->out, .split = s->split, .mix = s->mix_name,
		.mix_text = s->mix_name ? x->mix[i] : NULL, .seed = s->seed, .format = s->format,
		.image = {.size = s->image_size, .format = s->image_png ? CX_IMAGE_PNG : CX_IMAGE_JPEG,
			  .quality = s->quality, .enlarge = s->enlarge},
		.threads = x->threads, .overwrite = 1, .allow_short = s->allow_short,
		.progress = isatty(2), .access_public = s->access_public,
	};
	o.limits.max_bytes = s->max_bytes;
	o.limits.max_records = s->max_records;
	o.limits.min_shards = s->min_shards;
	o.limits.buffered = x->buffered;
	struct cx_error err = {0};
	struct cx_cat *cat;
	if (cx_cat_open(&cat, x->r->catalogue, 0, &err))
		return cx_fail("%s", err.msg);
	struct cx_shard_summary sum;
	int rc = cx_shard_run(cat, t, &o, &sum, &err);
	cx_cat_close(cat);
	if (rc)
		return cx_fail("%s", err.msg);
	printf("%s: %llu records, %zu shards, %llu bytes (%s, %s); %llu left out (leakage.json)\n",
	       s->out, (unsigned long long)sum.records, sum.shards, (unsigned long long)sum.bytes,
	       cx_rank_name(s->split), s->format, (unsigned long long)sum.removed);
	fflush(stdout);
	return CX_EXIT_OK;
}

/* Decides (and unless a dry run, writes) every set; *nwritten counts those
 * written or to be written. */
static int run_sets(const struct run *x, const struct cx_templates *t, size_t *nwritten)
{
	for (size_t i = 0; i < x->r->nsets; i++) {
		const struct cx_recipe_set *s = &x->r->sets[i];
		struct cx_buf why = CX_BUF_INIT;
		int pending;
		int64_t records;
		check_set(x, i, &why, &pending, &records);
		if (why.len)
			printf("shards %s: write %s (%s)\n", s->name, s->out, why.data);
		else if (pending)
			printf("shards %s: up to date unless the build changes the catalogue's"
			       " content (%s: %lld records)\n", s->name, s->out, (long long)records);
		else
			printf("shards %s: up to date (%s: %lld records)\n", s->name, s->out,
			       (long long)records);
		fflush(stdout);
		int stale = why.len > 0;
		cx_buf_release(&why);
		if (!stale)
			continue;
		(*nwritten)++;
		if (!x->dry_run && write_set(x, i, t) != CX_EXIT_OK)
			return CX_EXIT_ERROR;
	}
	return CX_EXIT_OK;
}

/* --- the run --- */

static int find_sources(struct run *x, struct cx_error *err)
{
	const struct cx_recipe *r = x->r;
	struct stat st;
	if (stat(r->sources, &st) != 0)
		return cx_error_set(err, CX_ENOTFOUND, "recipe '%s': sources: no folder or release"
				    " '%s' (%s)", r->path, r->sources, strerror(errno));
	if (cx_build_init(&x->b, cx_adapters, cx_nadapters, err) ||
	    cx_build_select(&x->b, r->only, err) || cx_build_discover(&x->b, r->sources, err))
		return err->code;
	for (size_t i = 0; i < x->b.ndamaged; i++)
		cx_fail("%s", x->b.damaged[i]);
	if (cx_build_check_found(&x->b, r->sources, err))
		return err->code;
	x->why = cx_calloc(x->b.n, sizeof(char *));
	x->moved = cx_calloc(x->b.n, sizeof(char *));
	return check_sources(x, err);
}

/* The catalogue: decided, then (unless a dry run) built where out of date. */
static int run_catalogue(struct run *x)
{
	struct cx_error err = {0};
	print_sources(x);
	int stale = x->whole || x->nstale;
	if (x->dry_run) {
		if (!stale && catalogue_fingerprint(x, &err))
			return cx_fail("%s", err.msg);
		return CX_EXIT_OK;
	}
	if (stale) {
		int status = build(x);
		if (status != CX_EXIT_OK)
			return status;
	}
	if (!x->whole && update_places(x, &err))
		return cx_fail("%s", err.msg);
	if (catalogue_fingerprint(x, &err))
		return cx_fail("%s", err.msg);
	return CX_EXIT_OK;
}

static void run_free(struct run *x)
{
	for (size_t i = 0; x->why && i < x->b.n; i++) {
		free(x->why[i]);
		free(x->moved[i]);
	}
	free(x->why);
	free(x->moved);
	for (size_t i = 0; x->mix && i < x->r->nsets; i++)
		free(x->mix[i]);
	free(x->mix);
	free(x->templates);
	cx_buf_release(&x->whole_why);
	cx_build_free(&x->b);
}

static int run(struct run *x)
{
	const struct cx_recipe *r = x->r;
	struct cx_error err = {0};
	struct cx_templates *t = NULL;
	if (cx_templates_load(&t, r->templates ? r->templates : x->templates, &err) ||
	    load_mixes(x, &err) || find_sources(x, &err)) {
		cx_templates_free(t);
		return cx_fail("%s", err.msg);
	}
	x->tfp = cx_templates_fingerprint(t);
	size_t nwritten = 0;
	int status = run_catalogue(x);
	if (status == CX_EXIT_OK)
		status = run_sets(x, t, &nwritten);
	cx_templates_free(t);
	if (status != CX_EXIT_OK)
		return status;
	size_t nbuilt = x->dry_run ? (x->whole ? x->nwanted : x->nstale) : x->nbuilt;
	if (!nbuilt && !nwritten)
		printf("recipe %s: up to date, nothing to do\n", r->path);
	else
		printf("recipe %s: %s %zu of %zu sources, %s %zu of %zu shard sets\n", r->path,
		       x->dry_run ? "dry run: would build" : "built", nbuilt, x->nwanted,
		       x->dry_run ? "write" : "wrote", nwritten, r->nsets);
	return CX_EXIT_OK;
}

/*
 * Everything runs in the recipe's folder: its relative paths are relative to
 * it, and the names build records for the releases (dataset.release, which
 * the image paths in shard records are made of) come out the same from
 * wherever the command is started. The default templates folder is found
 * first, in case $CHEXINSTRUCT_TEMPLATES is relative to where we started.
 */
static int enter_folder(struct run *x, const char *path)
{
	const char *tdir = cx_templates_dir();
	x->templates = realpath(tdir, NULL);
	if (!x->templates)
		x->templates = cx_strdup(tdir);
	const char *slash = strrchr(path, '/');
	if (!slash)
		return 0;
	char *dir = cx_strdup(path);
	dir[slash == path ? 1 : slash - path] = '\0';
	int rc = chdir(dir);
	if (rc != 0)
		cx_fail("recipe '%s': cannot enter its folder '%s': %s", path, dir, strerror(errno));
	free(dir);
	return rc;
}

static int cmd_recipe(int argc, char **argv, const struct cx_global *g)
{
	static const struct option opts[] = {
		{.name = "dry-run", .has_arg = no_argument, .val = 'D'},
		{.name = "threads", .has_arg = required_argument, .val = 'j'},
		{.name = "buffered", .has_arg = no_argument, .val = 'b'},
		{.name = "help", .has_arg = no_argument, .val = 'h'},
		{0},
	};
	struct run x = {.threads = cx_pool_cpus(), .whole_why = CX_BUF_INIT};
	long long v;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'D': x.dry_run = 1; break;
		case 'b': x.buffered = 1; break;
		case 'j':
			if ((v = cx_opt_number("--threads", optarg)) < 0)
				return CX_EXIT_USAGE;
			if (v < 1 || v > 64)
				return cx_usage(&cx_cmd_recipe, "recipe: --threads is 1 to 64");
			x.threads = (int)v;
			break;
		case 'h': fputs(help, stdout); return CX_EXIT_OK;
		default: return cx_usage(&cx_cmd_recipe, "recipe: bad option");
		}
	}
	if (g->catalogue_given)
		return cx_usage(&cx_cmd_recipe, "recipe: the recipe names its catalogue;"
				" --catalogue is for the other commands");
	if (optind != argc - 1)
		return cx_usage(&cx_cmd_recipe, "recipe: one recipe FILE is required");
	struct cx_recipe r;
	struct cx_error err = {0};
	if (cx_recipe_load(&r, argv[optind], &err)) {
		cx_recipe_free(&r);
		return cx_fail("%s", err.msg);
	}
	x.r = &r;
	if (enter_folder(&x, r.path)) {
		run_free(&x);
		cx_recipe_free(&r);
		return CX_EXIT_ERROR;
	}
	x.opts = (struct cx_build_opts){.seed = r.build_seed, .check_images = r.check_images,
					.hash_images = r.hash_images};
	int status = run(&x);
	run_free(&x);
	cx_recipe_free(&r);
	return status;
}

const struct cx_cmd cx_cmd_recipe = {
	.name = "recipe",
	.summary = "build and shard everything a recipe file describes, skipping what is up to date",
	.help = help,
	.run = cmd_recipe,
};

/*
 * mix.c - reading a mix file and turning it into record counts.
 *
 * A mix file is a small JSON object, read whole:
 *   {"total": N, "dataset": {...}, "task": {...}, "entry": {...}, "held_out": [...]}
 * every key optional. "dataset" maps a dataset name or source id, "task" a
 * task id, "entry" an entry name ("[Image Classification] [MIMIC-CXR]") to a
 * weight, or to {"weight": W, "cap": N}. An entry's weight is its entry
 * weight if given, else (task weight or 1) x (dataset weight or 1); its cap
 * is the most specific one given (entry, task, dataset): a cap bounds each
 * entry, not a sum.
 *
 * Counts: m_e = available_e x weight_e. Without "total", entry e gets
 * round-half-up(m_e) records. With "total" T, it gets T x m_e / sum(m) by the
 * largest-remainder method (floors first, then one more record to each of
 * the entries with the largest fractional parts, ties to the earlier entry),
 * so the counts add up to T exactly. A cap then lowers a count; the records
 * it removes are not given to other entries. Requested share: m_e / sum(m).
 *
 * An entry's object may also hold "labels": {LABEL: W or {"weight": W,
 * "cap": N}}, rules within the entry (struct cx_mix_label): the sharder
 * applies them first, and the entry's counts are made from what is left.
 * Only "entry" takes them: a label belongs to one dataset's vocabulary.
 *
 * "proportion" gives shares of "total" instead of weights:
 *   {"total": T, "proportion": {"dataset": {NAME: S}, "task": {...}, "entry": {...}}}
 * each S over 0, their sum at most 1, each entry in at most one share. The
 * entries no share names get the rest (1 - sum) by available x weight; when
 * they have nothing, the shares are scaled up to add to 1. Counts: the
 * shares' records T x S by the largest remainder (the rest last), then each
 * share's records over its entries by the largest remainder of available x
 * weight; an entry asked for more than it has repeats its instances.
 *
 * "hygiene": {DATASET: LEVEL} sets how a dataset's instances are kept apart
 * from stricter splits: "patient" (the default: no image content, study or
 * patient of a stricter split), "study" (image or study), "image" (image
 * content only) or "split" (the release's own split, nothing removed). What
 * a looser level lets through is counted in the manifest.
 */
#include "cx.h"

#include <cjson/cJSON.h>
#include <math.h>

#include "shard/mix.h"

static int find_dataset(const struct cx_shard_entry *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].dataset, name) || !strcmp(e[i].source, name))
			return 1;
	return 0;
}

static int find_task(const struct cx_shard_entry *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].task, name))
			return 1;
	return 0;
}

/* Reads a weight or {"weight": W, "cap": N}; in the "entry" section the
 * object may also hold "labels" (read by read_labels). */
static int read_weight(const char *path, const char *section, const cJSON *v, double *w,
		       int64_t *cap, struct cx_error *err)
{
	const cJSON *jw = v, *jc = NULL;
	int entry = !strcmp(section, "entry");
	if (cJSON_IsObject(v)) {
		for (const cJSON *k = v->child; k; k = k->next)
			if (strcmp(k->string, "weight") && strcmp(k->string, "cap") &&
			    !(entry && !strcmp(k->string, "labels")))
				return cx_error_set(err, CX_EINVAL, "mix '%s': %s '%s': unknown key"
						    " '%s' (weight, cap%s)", path, section,
						    v->string, k->string, entry ? ", labels" : "");
		jw = cJSON_GetObjectItemCaseSensitive(v, "weight");
		jc = cJSON_GetObjectItemCaseSensitive(v, "cap");
	}
	*w = 1;
	*cap = -1;
	if (jw) {
		if (!cJSON_IsNumber(jw) || !isfinite(jw->valuedouble))
			return cx_error_set(err, CX_EINVAL, "mix '%s': %s '%s': the weight is not"
					    " a number", path, section, v->string);
		if (jw->valuedouble < 0)
			return cx_error_set(err, CX_EINVAL, "mix '%s': %s '%s': negative weight %g",
					    path, section, v->string, jw->valuedouble);
		*w = jw->valuedouble;
	}
	if (jc) {
		if (!cJSON_IsNumber(jc) || jc->valuedouble < 0 || jc->valuedouble > 1e15 ||
		    jc->valuedouble != floor(jc->valuedouble))
			return cx_error_set(err, CX_EINVAL, "mix '%s': %s '%s': the cap is not a"
					    " whole number >= 0", path, section, v->string);
		*cap = (int64_t)jc->valuedouble;
	}
	return 0;
}

/* The label rules of entry i, from its object's "labels". */
static int read_labels(struct cx_mix *m, const char *path, const cJSON *je, size_t i,
		       struct cx_error *err)
{
	const cJSON *jl = NULL;
	if (cJSON_IsObject(je))
		jl = cJSON_GetObjectItemCaseSensitive(je, "labels");
	if (!jl)
		return 0;
	if (!cJSON_IsObject(jl))
		return cx_error_set(err, CX_EINVAL, "mix '%s': entry '%s': \"labels\" is not an"
				    " object", path, je->string);
	char section[512];
	snprintf(section, sizeof section, "entry '%s' label", je->string);
	for (const cJSON *k = jl->child; k; k = k->next) {
		struct cx_mix_label l = {.entry = i};
		if (read_weight(path, section, k, &l.weight, &l.cap, err))
			return err->code;
		if (l.weight > 1)
			return cx_error_set(err, CX_EINVAL, "mix '%s': %s '%s': weight %g is over 1"
					    " (a label rule only keeps a share of its group)", path,
					    section, k->string, l.weight);
		if (!k->string[0] || strchr(k->string, '"'))
			return cx_error_set(err, CX_EINVAL, "mix '%s': %s '%s': not a label name",
					    path, section, k->string);
		l.label = cx_strdup(k->string);
		m->labels = cx_realloc(m->labels, (m->nlabels + 1) * sizeof(*m->labels));
		m->labels[m->nlabels++] = l;
	}
	return 0;
}

int64_t cx_mix_label_keep(const struct cx_mix_label *l, int64_t available)
{
	int64_t keep = (int64_t)floor((double)available * l->weight + 0.5);
	if (keep > available)
		keep = available;
	return l->cap >= 0 && keep > l->cap ? l->cap : keep;
}

/* The name of kind section ("dataset", "task", else entry) that entry i
 * gives: a dataset by name and source id, as the mix may name it. */
static void name_of(struct cx_buf *out, const char *section, const struct cx_shard_entry *e)
{
	if (!strcmp(section, "dataset"))
		cx_buf_addf(out, "%s (%s)", e->dataset, e->source);
	else
		cx_buf_adds(out, !strcmp(section, "task") ? e->task : e->name);
}

/* The error for a name the catalogue does not know, listing the names of
 * that kind it does know (in entry order, once each), so that a typo shows
 * its fix. */
static int unknown_name(const char *path, const char *what, const char *section,
			const char *name, const struct cx_shard_entry *e, size_t n,
			struct cx_error *err)
{
	struct cx_buf known = CX_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		struct cx_buf a = CX_BUF_INIT;
		name_of(&a, section, &e[i]);
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++) {
			struct cx_buf b = CX_BUF_INIT;
			name_of(&b, section, &e[j]);
			seen = !strcmp(a.data, b.data);
			cx_buf_release(&b);
		}
		if (!seen)
			cx_buf_addf(&known, "%s%s", known.len ? ", " : "", a.data);
		cx_buf_release(&a);
	}
	const char *plural = !strcmp(section, "entry") ? "entries" : !strcmp(section, "task") ?
			     "tasks" : "datasets";
	int rc = cx_error_set(err, CX_EINVAL, "mix '%s': %s '%s'; known %s: %s", path, what, name,
			      plural, n ? known.data : "none");
	cx_buf_release(&known);
	return rc;
}

static enum cx_mix_kind kind_of(const char *section)
{
	return !strcmp(section, "dataset") ? CX_MIX_DATASET : !strcmp(section, "task") ?
	       CX_MIX_TASK : CX_MIX_ENTRY;
}

static void add_group(struct cx_mix *m, const char *section, const char *name, double value,
		      int proportion)
{
	m->groups = cx_realloc(m->groups, (m->ngroups + 1) * sizeof(*m->groups));
	m->groups[m->ngroups++] = (struct cx_mix_group){kind_of(section), cx_strdup(name), value,
							proportion};
}

int cx_mix_group_has(const struct cx_mix_group *g, const struct cx_shard_entry *e)
{
	if (g->kind == CX_MIX_DATASET)
		return !strcmp(e->dataset, g->name) || !strcmp(e->source, g->name);
	return !strcmp(g->kind == CX_MIX_TASK ? e->task : e->name, g->name);
}

int cx_mix_is_short(int64_t want, int64_t got)
{
	return got <= 0 || (long double)got < 0.9L * (long double)want;
}

/* A weight asks for records when it is over 0 (an entry given only label
 * rules asks for nothing of its own). */
static int asks(const cJSON *k, double w)
{
	return w > 0 && (!cJSON_IsObject(k) || cJSON_GetObjectItemCaseSensitive(k, "weight") ||
			 cJSON_GetObjectItemCaseSensitive(k, "cap"));
}

static int check_section(struct cx_mix *m, const char *path, const cJSON *root,
			 const char *section, const struct cx_shard_entry *e, size_t n,
			 struct cx_error *err)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, section);
	if (!s)
		return 0;
	if (!cJSON_IsObject(s))
		return cx_error_set(err, CX_EINVAL, "mix '%s': \"%s\" is not an object", path,
				    section);
	for (const cJSON *k = s->child; k; k = k->next) {
		double w;
		int64_t cap;
		if (read_weight(path, section, k, &w, &cap, err))
			return err->code;
		int known = 0;
		if (!strcmp(section, "dataset"))
			known = find_dataset(e, n, k->string);
		else if (!strcmp(section, "task"))
			known = find_task(e, n, k->string);
		else
			for (size_t i = 0; i < n && !known; i++)
				known = !strcmp(e[i].name, k->string);
		if (known && asks(k, w))
			add_group(m, section, k->string, w, 0);
		if (known)
			continue;
		char what[32];
		snprintf(what, sizeof what, "unknown %s", section);
		return unknown_name(path, what, section, k->string, e, n, err);
	}
	return 0;
}

static const cJSON *lookup(const cJSON *root, const char *section, const char *a, const char *b)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, section);
	const cJSON *v = s ? cJSON_GetObjectItemCaseSensitive(s, a) : NULL;
	if (!v && s && b)
		v = cJSON_GetObjectItemCaseSensitive(s, b);
	return v;
}

/* Resolves weight and cap of entry i; *named is 1 when the entry itself, or
 * its dataset, was given a positive weight. */
static void resolve(const cJSON *root, const struct cx_shard_entry *e, struct cx_mix *m,
		    size_t i, int *named_entry, int *named_dataset)
{
	const cJSON *je = lookup(root, "entry", e->name, NULL);
	/* an entry given only label rules keeps the weight its task and dataset give */
	if (je && cJSON_IsObject(je) && !cJSON_GetObjectItemCaseSensitive(je, "weight") &&
	    !cJSON_GetObjectItemCaseSensitive(je, "cap"))
		je = NULL;
	const cJSON *jt = lookup(root, "task", e->task, NULL);
	const cJSON *jd = lookup(root, "dataset", e->dataset, e->source);
	/* checked when the mix was read; the section matters still: an entry's
	 * object may hold "labels" beside its weight */
	struct cx_error ignore;
	double we = 1, wt = 1, wd = 1;
	int64_t ce = -1, ct = -1, cd = -1;
	if (je)
		read_weight("", "entry", je, &we, &ce, &ignore);
	if (jt)
		read_weight("", "task", jt, &wt, &ct, &ignore);
	if (jd)
		read_weight("", "dataset", jd, &wd, &cd, &ignore);
	m->weight[i] = je ? we : wt * wd;
	m->cap[i] = ce >= 0 ? ce : ct >= 0 ? ct : cd;
	*named_entry = je && we > 0;
	*named_dataset = jd && wd > 0;
}

static int check_top(const char *path, const cJSON *root, struct cx_error *err)
{
	static const char *const keys[] = {"total", "dataset", "task", "entry", "held_out",
					   "proportion", "hygiene"};
	for (const cJSON *k = root->child; k; k = k->next) {
		size_t i = 0;
		while (i < CX_ARRAY_LEN(keys) && strcmp(keys[i], k->string))
			i++;
		if (i == CX_ARRAY_LEN(keys))
			return cx_error_set(err, CX_EINVAL, "mix '%s': unknown key '%s' (total,"
					    " dataset, task, entry, held_out, proportion, hygiene)", path,
					    k->string);
	}
	return 0;
}

static int read_file(const char *path, struct cx_buf *b, struct cx_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return cx_error_set(err, CX_ENOTFOUND, "cannot open mix file '%s'", path);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b->len < (1u << 20))
		cx_buf_add(b, chunk, n);
	fclose(f);
	if (b->len >= (1u << 20))
		return cx_error_set(err, CX_ELIMIT, "mix file '%s' is over 1 MiB", path);
	return 0;
}

/* One share of "proportion": a known name, a number over 0, entries no
 * other share holds. */
static int read_share(struct cx_mix *m, const char *path, const char *section, const cJSON *k,
		      const struct cx_shard_entry *e, size_t n, struct cx_error *err)
{
	if (!cJSON_IsNumber(k) || !isfinite(k->valuedouble) || k->valuedouble <= 0 ||
	    k->valuedouble > 1)
		return cx_error_set(err, CX_EINVAL, "mix '%s': proportion %s '%s': the share is"
				    " not a number over 0 and at most 1", path, section, k->string);
	add_group(m, section, k->string, k->valuedouble, 1);
	size_t g = m->ngroups - 1, held = 0;
	for (size_t i = 0; i < n; i++) {
		if (!cx_mix_group_has(&m->groups[g], &e[i]))
			continue;
		held++;
		if (m->share[i] >= 0)
			return cx_error_set(err, CX_EINVAL, "mix '%s': proportion %s '%s' and %s"
					    " '%s' both hold %s: an entry takes one share", path,
					    section, k->string,
					    m->groups[m->share[i]].kind == CX_MIX_DATASET ? "dataset" :
					    m->groups[m->share[i]].kind == CX_MIX_TASK ? "task" :
					    "entry", m->groups[m->share[i]].name, e[i].name);
		m->share[i] = (int)g;
	}
	if (held)
		return 0;
	char what[48];
	snprintf(what, sizeof what, "proportion: unknown %s", section);
	return unknown_name(path, what, section, k->string, e, n, err);
}

static int read_proportion(struct cx_mix *m, const char *path, const cJSON *root,
			   const struct cx_shard_entry *e, size_t n, struct cx_error *err)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "proportion");
	if (!p)
		return 0;
	if (!cJSON_IsObject(p))
		return cx_error_set(err, CX_EINVAL, "mix '%s': \"proportion\" is not an object",
				    path);
	if (m->total < 0)
		return cx_error_set(err, CX_EINVAL, "mix '%s': \"proportion\" needs \"total\"",
				    path);
	m->share = cx_calloc(n ? n : 1, sizeof(int));
	for (size_t i = 0; i < n; i++)
		m->share[i] = -1;
	double sum = 0;
	for (const cJSON *s = p->child; s; s = s->next) {
		if (strcmp(s->string, "dataset") && strcmp(s->string, "task") &&
		    strcmp(s->string, "entry"))
			return cx_error_set(err, CX_EINVAL, "mix '%s': proportion: unknown key '%s'"
					    " (dataset, task, entry)", path, s->string);
		if (!cJSON_IsObject(s))
			return cx_error_set(err, CX_EINVAL, "mix '%s': proportion \"%s\" is not an"
					    " object", path, s->string);
		for (const cJSON *k = s->child; k; k = k->next) {
			if (read_share(m, path, s->string, k, e, n, err))
				return err->code;
			sum += k->valuedouble;
		}
	}
	if (sum > 1 + 1e-9)
		return cx_error_set(err, CX_EINVAL, "mix '%s': the proportion shares add up to %g,"
				    " over 1", path, sum);
	return 0;
}

static const char *const policies[] = {"split", "image", "study", "patient"};

const char *cx_mix_policy_name(int level)
{
	return level >= 0 && level < 4 ? policies[level] : "?";
}

static int read_hygiene(struct cx_mix *m, const char *path, const cJSON *root,
			const struct cx_shard_entry *e, size_t n, struct cx_error *err)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(root, "hygiene");
	if (!h)
		return 0;
	if (!cJSON_IsObject(h))
		return cx_error_set(err, CX_EINVAL, "mix '%s': \"hygiene\" is not an object", path);
	for (const cJSON *k = h->child; k; k = k->next) {
		int level = 0;
		while (level < 4 && !(cJSON_IsString(k) && !strcmp(k->valuestring, policies[level])))
			level++;
		if (level == 4)
			return cx_error_set(err, CX_EINVAL, "mix '%s': hygiene '%s': not a policy"
					    " (split, image, study, patient)", path, k->string);
		if (!find_dataset(e, n, k->string))
			return unknown_name(path, "hygiene: unknown dataset", "dataset", k->string,
					    e, n, err);
		for (size_t i = 0; i < n; i++)
			if (!strcmp(e[i].dataset, k->string) || !strcmp(e[i].source, k->string))
				m->policy[i] = level;
	}
	return 0;
}

static int parse(struct cx_mix *m, const char *path, const struct cx_shard_entry *e, size_t n,
		 int target, cJSON *root, struct cx_error *err)
{
	if (!cJSON_IsObject(root))
		return cx_error_set(err, CX_EINVAL, "mix '%s' is not a JSON object", path);
	if (check_top(path, root, err) || check_section(m, path, root, "dataset", e, n, err) ||
	    check_section(m, path, root, "task", e, n, err) ||
	    check_section(m, path, root, "entry", e, n, err))
		return err->code;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "total");
	if (t) {
		if (!cJSON_IsNumber(t) || t->valuedouble < 0 || t->valuedouble > 1e15 ||
		    t->valuedouble != floor(t->valuedouble))
			return cx_error_set(err, CX_EINVAL, "mix '%s': \"total\" is not a whole"
					    " number >= 0", path);
		m->total = (int64_t)t->valuedouble;
	}
	if (read_proportion(m, path, root, e, n, err) || read_hygiene(m, path, root, e, n, err))
		return err->code;
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(root, "held_out");
	if (h && !cJSON_IsArray(h))
		return cx_error_set(err, CX_EINVAL, "mix '%s': \"held_out\" is not a list", path);
	for (const cJSON *k = h ? h->child : NULL; k; k = k->next) {
		size_t i = 0;
		while (i < n && !(cJSON_IsString(k) && !strcmp(e[i].name, k->valuestring)))
			i++;
		if (i == n)
			return unknown_name(path, "held_out: unknown entry", "entry",
					    cJSON_IsString(k) ? k->valuestring : "?", e, n, err);
		m->held_out[i] = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (read_labels(m, path, lookup(root, "entry", e[i].name, NULL), i, err))
			return err->code;
	/* a held-out dataset is one whose entries are all held out */
	for (size_t i = 0; i < n; i++) {
		int ne, nd;
		resolve(root, &e[i], m, i, &ne, &nd);
		if (target != 0 || !(e[i].held_out || m->held_out[i]))
			continue;
		int all_held = 1;
		for (size_t j = 0; j < n; j++)
			if (!strcmp(e[j].dataset, e[i].dataset) && !(e[j].held_out || m->held_out[j]))
				all_held = 0;
		if (ne || (nd && all_held))
			return cx_error_set(err, CX_EINVAL, "mix '%s' asks for %s in train, but it"
					    " is held out (evaluation only)", path, e[i].name);
	}
	return 0;
}

/* A syntax error's place: cJSON hands back where it stopped (end). */
static void syntax_error(const char *path, const char *text, const char *end,
			 struct cx_error *err)
{
	long line, column;
	cx_text_place(text, end, &line, &column);
	cx_error_set(err, CX_EFORMAT, "mix '%s': not valid JSON (syntax error on line %ld,"
		     " column %ld)", path, line, column);
}

static void init(struct cx_mix *m, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->weight = cx_calloc(n ? n : 1, sizeof(double));
	m->cap = cx_calloc(n ? n : 1, sizeof(int64_t));
	m->held_out = cx_calloc(n ? n : 1, sizeof(int));
	m->want = cx_calloc(n ? n : 1, sizeof(int64_t));
	m->policy = cx_calloc(n ? n : 1, sizeof(int));
	m->total = -1;
	for (size_t i = 0; i < n; i++) {
		m->weight[i] = 1;
		m->cap[i] = -1;
		m->policy[i] = 3;
	}
}

static int parse_text(struct cx_mix *m, const char *name, const char *text,
		      const struct cx_shard_entry *e, size_t n, int target, struct cx_error *err)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
	if (!root) {
		syntax_error(name, text, end, err);
		return err->code;
	}
	int rc = parse(m, name, e, n, target, root, err);
	if (rc == 0)
		m->json = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return rc;
}

int cx_mix_load(struct cx_mix *m, const char *path, const struct cx_shard_entry *e, size_t n,
		int target, struct cx_error *err)
{
	init(m, n);
	if (!path) {
		m->json = cx_strdup("null");
		return 0;
	}
	struct cx_buf b = CX_BUF_INIT;
	int rc = read_file(path, &b, err);
	if (rc == 0)
		rc = parse_text(m, path, b.data ? b.data : "", e, n, target, err);
	cx_buf_release(&b);
	return rc;
}

int cx_mix_load_text(struct cx_mix *m, const char *name, const char *text,
		     const struct cx_shard_entry *e, size_t n, int target, struct cx_error *err)
{
	init(m, n);
	return parse_text(m, name, text, e, n, target, err);
}

void cx_mix_release(struct cx_mix *m)
{
	free(m->weight);
	free(m->cap);
	free(m->held_out);
	for (size_t i = 0; i < m->nlabels; i++)
		free(m->labels[i].label);
	free(m->labels);
	for (size_t i = 0; i < m->ngroups; i++)
		free(m->groups[i].name);
	free(m->groups);
	free(m->share);
	free(m->want);
	free(m->policy);
	if (m->json)
		cJSON_free(m->json);
	memset(m, 0, sizeof(*m));
}

/* Hands out total over n parts of q (summing to total) by the largest
 * remainder: floors first, then one more to each of the eligible parts with
 * the largest fractional parts, ties to the earlier part. */
static void largest_remainder(const long double *q, const int *eligible, size_t n,
			      int64_t total, int64_t *out)
{
	int64_t given = 0;
	long double *frac = cx_calloc(n ? n : 1, sizeof(long double));
	for (size_t i = 0; i < n; i++) {
		out[i] = (int64_t)floorl(q[i]);
		frac[i] = q[i] - out[i];
		given += out[i];
	}
	for (int64_t left = total - given; left > 0; left--) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (frac[i] >= 0 && eligible[i] && (best == n || frac[i] > frac[best]))
				best = i;
		if (best == n)
			break;
		out[best]++;
		frac[best] = -1;
	}
	free(frac);
}

/* Weights: round(m_e), or total x m_e / sum(m) by the largest remainder. */
static void weight_counts(const struct cx_mix *m, const int64_t *avail, size_t n,
			  int64_t *counts, long double sum)
{
	long double *q = cx_calloc(n ? n : 1, sizeof(long double));
	int *ok = cx_calloc(n ? n : 1, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		long double mi = (long double)avail[i] * m->weight[i];
		counts[i] = m->total < 0 ? (int64_t)floorl(mi + 0.5L) : 0;
		q[i] = sum > 0 ? (long double)m->total * mi / sum : 0;
		ok[i] = avail[i] > 0 && m->weight[i] > 0;
	}
	if (m->total >= 0 && sum > 0)
		largest_remainder(q, ok, n, m->total, counts);
	free(q);
	free(ok);
}

/* Proportions: the shares' records (the rest, index ngroups, last), then
 * each share's over its entries. */
static void share_counts(const struct cx_mix *m, const int64_t *avail, size_t n,
			 int64_t *counts)
{
	size_t ng = m->ngroups + 1;
	long double *wsum = cx_calloc(ng, sizeof(long double)), *q = cx_calloc(ng, sizeof(long double));
	long double named = 0;
	int *ok = cx_calloc(ng > n ? ng : n ? n : 1, sizeof(int));
	int64_t *target = cx_calloc(ng, sizeof(int64_t));
	for (size_t i = 0; i < n; i++)
		wsum[m->share[i] >= 0 ? (size_t)m->share[i] : m->ngroups] +=
			(long double)avail[i] * m->weight[i];
	for (size_t g = 0; g < m->ngroups; g++)
		named += m->groups[g].proportion ? m->groups[g].value : 0;
	long double rest = wsum[m->ngroups] > 0 ? 1 - named : 0;
	long double scale = wsum[m->ngroups] > 0 || named <= 0 ? 1 : 1 / named;
	for (size_t g = 0; g < ng; g++) {
		long double s = g == m->ngroups ? rest : m->groups[g].proportion ?
				m->groups[g].value * scale : 0;
		q[g] = (long double)m->total * (s > 0 ? s : 0);
		ok[g] = q[g] > 0;
	}
	largest_remainder(q, ok, ng, m->total, target);
	long double *qe = cx_calloc(n ? n : 1, sizeof(long double));
	for (size_t g = 0; g < ng; g++) {
		for (size_t i = 0; i < n; i++) {
			size_t gi = m->share[i] >= 0 ? (size_t)m->share[i] : m->ngroups;
			long double mi = (long double)avail[i] * m->weight[i];
			qe[i] = gi == g && wsum[g] > 0 ? (long double)target[g] * mi / wsum[g] : 0;
			ok[i] = gi == g && mi > 0;
		}
		int64_t *part = cx_calloc(n ? n : 1, sizeof(int64_t));
		largest_remainder(qe, ok, n, wsum[g] > 0 ? target[g] : 0, part);
		for (size_t i = 0; i < n; i++)
			if ((m->share[i] >= 0 ? (size_t)m->share[i] : m->ngroups) == g)
				counts[i] = part[i];
		free(part);
	}
	free(qe);
	free(wsum);
	free(q);
	free(ok);
	free(target);
}

void cx_mix_counts(const struct cx_mix *m, const int64_t *avail, size_t n, int64_t *counts,
		   double *requested)
{
	long double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (long double)avail[i] * m->weight[i];
	if (m->share)
		share_counts(m, avail, n, counts);
	else
		weight_counts(m, avail, n, counts, sum);
	for (size_t i = 0; i < n; i++) {
		long double mi = (long double)avail[i] * m->weight[i];
		if (m->share)
			requested[i] = m->total > 0 ? (double)counts[i] / (double)m->total : 0;
		else
			requested[i] = sum > 0 ? (double)(mi / sum) : 0;
		if (avail[i] == 0)
			counts[i] = 0;
		if (m->want && m->share)
			m->want[i] = counts[i];
		if (m->cap[i] >= 0 && counts[i] > m->cap[i])
			counts[i] = m->cap[i];
		if (m->want && !m->share)
			m->want[i] = counts[i];
	}
}

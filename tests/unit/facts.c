/*
 * facts.c - the recording sink behind facts.h. Each fact is printed by its
 * kind's entry in cx_fact_kinds[] (adapters/facts.c), numbers with fixed
 * precision so golden files are the same on every machine.
 */
#include "cx.h"

#include "facts.h"
#include "io/release.h"

struct rec {
	struct cx_buf *out;
	struct facts_count *n;
};

/* Counts the fact and writes its line (cx_fact_format, adapters/facts.c). */
static int on_fact(void *ctx, const struct cx_fact_kind *k, const void *fact,
		   struct cx_error *err)
{
	(void)err;
	struct rec *r = ctx;
	r->n->kinds[k->id]++;
	switch (k->id) {
	case CX_FACT_IMAGE: r->n->images++; break;
	case CX_FACT_STUDY: r->n->studies++; break;
	case CX_FACT_LABELS: r->n->labels++; break;
	case CX_FACT_BOX: r->n->boxes++; break;
	case CX_FACT_REPORT: r->n->reports++; break;
	case CX_FACT_QA: r->n->qas++; break;
	default: break;
	}
	cx_fact_format(k, fact, r->out);
	cx_buf_addc(r->out, '\n');
	return 0;
}

static void on_kept(void *ctx, const struct cx_where *w)
{
	struct rec *r = ctx;
	r->n->kept++;
	cx_buf_addf(r->out, "kept %s:%ld\n", w->file, w->line);
}

static void on_reject(void *ctx, const struct cx_where *w, const char *reason)
{
	struct rec *r = ctx;
	r->n->rejected++;
	cx_buf_addf(r->out, "reject %s:%ld %s\n", w->file, w->line, reason);
}

static void on_filter(void *ctx, const struct cx_where *w, const char *rule)
{
	struct rec *r = ctx;
	r->n->filtered++;
	cx_buf_addf(r->out, "filter %s:%ld %s\n", w->file, w->line, rule);
}

/* Rows read are not logged (the golden logs hold facts and outcomes); they
 * are counted, and checked against the outcomes. */
static void on_read(void *ctx, const struct cx_where *w)
{
	(void)w;
	struct rec *r = ctx;
	r->n->read++;
}

int facts_accounted(const struct facts_count *n)
{
	return n->read == n->kept + n->rejected + n->filtered;
}

static struct cx_sink facts_sink(struct rec *r)
{
	return (struct cx_sink){.ctx = r, .fact = on_fact, .kept = on_kept, .reject = on_reject,
				.filter = on_filter, .read = on_read};
}

struct cx_sink facts_sink_for(struct cx_buf *out, struct facts_count *n, void **ctx)
{
	struct rec *r = cx_malloc(sizeof(*r));
	*r = (struct rec){out, n};
	*ctx = r;
	return facts_sink(r);
}

int facts_run(const struct cx_adapter *a, const char *path, struct cx_buf *out,
	      struct facts_count *n, struct cx_error *err)
{
	struct rec r = {out, n};
	struct cx_sink sink = facts_sink(&r);
	struct cx_release *rel;
	memset(n, 0, sizeof(*n));
	int rc = cx_release_open(&rel, path, err);
	if (rc)
		return rc;
	if (!a->probe(rel)) {
		cx_release_free(rel);
		return cx_error_set(err, CX_ENOTFOUND, "%s: not recognised as %s", path, a->id);
	}
	rc = a->read(rel, &sink, err);
	cx_release_free(rel);
	if (rc == 0 && !facts_accounted(n))
		rc = cx_error_set(err, CX_ERROR,
				  "rows read %ld != kept %ld + rejected %ld + filtered %ld",
				  n->read, n->kept, n->rejected, n->filtered);
	return rc;
}

int facts_match_golden(const char *text, const char *golden_path)
{
	if (getenv("CX_UPDATE_GOLDEN")) {
		FILE *f = fopen(golden_path, "wb");
		if (!f)
			return 0;
		fputs(text, f);
		fclose(f);
		return 1;
	}
	FILE *f = fopen(golden_path, "rb");
	if (!f) {
		printf("# cannot open golden file %s\n", golden_path);
		return 0;
	}
	struct cx_buf want = CX_BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		cx_buf_add(&want, chunk, n);
	fclose(f);
	const char *a = text, *b = cx_buf_str(&want);
	int line = 1, equal = strcmp(a, b) == 0;
	if (!equal) {
		while (*a && *a == *b) {
			if (*a == '\n')
				line++;
			a++;
			b++;
		}
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
		printf("# golden %s differs at line %d\n#   got:  %.*s\n#   want: %.*s\n",
		       golden_path, line, ea ? (int)(ea - a) : (int)strlen(a), a,
		       eb ? (int)(eb - b) : (int)strlen(b), b);
	}
	cx_buf_release(&want);
	return equal;
}

char *facts_replace_all(const char *s, const char *from, const char *to)
{
	struct cx_buf b = CX_BUF_INIT;
	size_t n = strlen(from);
	const char *hit;
	while ((hit = strstr(s, from))) {
		cx_buf_add(&b, s, (size_t)(hit - s));
		cx_buf_adds(&b, to);
		s = hit + n;
	}
	cx_buf_adds(&b, s);
	return cx_buf_detach(&b);
}

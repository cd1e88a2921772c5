/*
 * facts.c - the recording sink behind facts.h. Numbers are printed with
 * fixed precision so golden files are the same on every machine.
 */
#include "cx.h"

#include "facts.h"
#include "io/release.h"

struct rec {
	struct cx_buf *out;
	struct facts_count *n;
};

static void kv(struct cx_buf *b, const char *k, const char *v)
{
	if (!v)
		return;
	cx_buf_addf(b, " %s=", k);
	cx_buf_add_json_str(b, v);
}

static int on_image(void *ctx, const struct cx_image_fact *f, struct cx_error *err)
{
	(void)err;
	struct rec *r = ctx;
	r->n->images++;
	cx_buf_adds(r->out, f->path ? "image" : "image-update");
	kv(r->out, "key", f->key);
	kv(r->out, "path", f->path);
	kv(r->out, "patient", f->patient);
	kv(r->out, "study", f->study);
	kv(r->out, "view", f->view);
	if (f->split)
		kv(r->out, "split", cx_split_name(f->split));
	kv(r->out, "sex", f->sex);
	if (f->age >= 0)
		cx_buf_addf(r->out, " age=%d", f->age);
	kv(r->out, "race", f->race);
	if (f->width >= 0 || f->height >= 0)
		cx_buf_addf(r->out, " size=%dx%d", f->width, f->height);
	cx_buf_addc(r->out, '\n');
	return 0;
}

static int on_study(void *ctx, const struct cx_study_fact *f, struct cx_error *err)
{
	(void)err;
	struct rec *r = ctx;
	r->n->studies++;
	cx_buf_adds(r->out, "study");
	kv(r->out, "key", f->key);
	kv(r->out, "patient", f->patient);
	if (f->split)
		kv(r->out, "split", cx_split_name(f->split));
	cx_buf_addc(r->out, '\n');
	return 0;
}

static int on_labels(void *ctx, const struct cx_labels_fact *f, struct cx_error *err)
{
	(void)err;
	struct rec *r = ctx;
	r->n->labels++;
	cx_buf_addf(r->out, "labels %s", f->on_study ? "study" : "image");
	kv(r->out, "target", f->target);
	for (size_t i = 0; i < f->n; i++)
		cx_buf_addf(r->out, "%s%s=%d", i ? "," : " ", f->labels[i].name, f->labels[i].value);
	cx_buf_addc(r->out, '\n');
	return 0;
}

static int on_box(void *ctx, const struct cx_box_fact *f, struct cx_error *err)
{
	(void)err;
	struct rec *r = ctx;
	r->n->boxes++;
	cx_buf_adds(r->out, "box");
	kv(r->out, "image", f->image);
	kv(r->out, "label", f->label);
	cx_buf_addf(r->out, " xywh=%.3f,%.3f,%.3f,%.3f\n", f->x, f->y, f->w, f->h);
	return 0;
}

static int on_report(void *ctx, const struct cx_report_fact *f, struct cx_error *err)
{
	(void)err;
	struct rec *r = ctx;
	r->n->reports++;
	cx_buf_adds(r->out, "report");
	kv(r->out, "study", f->study);
	kv(r->out, "indication", f->indication);
	kv(r->out, "comparison", f->comparison);
	kv(r->out, "findings", f->findings);
	kv(r->out, "impression", f->impression);
	kv(r->out, "last_paragraph", f->last_paragraph);
	cx_buf_addc(r->out, '\n');
	return 0;
}

static int on_qa(void *ctx, const struct cx_qa_fact *f, struct cx_error *err)
{
	(void)err;
	struct rec *r = ctx;
	r->n->qas++;
	cx_buf_adds(r->out, "qa");
	kv(r->out, "key", f->key);
	kv(r->out, "image", f->image);
	cx_buf_addf(r->out, " closed=%d", f->closed);
	kv(r->out, "qtype", f->qtype);
	kv(r->out, "split", cx_split_name(f->split));
	kv(r->out, "q", f->question);
	kv(r->out, "a", f->answer);
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

int facts_run(const struct cx_adapter *a, const char *path, struct cx_buf *out,
	      struct facts_count *n, struct cx_error *err)
{
	struct rec r = {out, n};
	struct cx_sink sink = {.ctx = &r, .image = on_image, .study = on_study,
			       .labels = on_labels, .box = on_box, .report = on_report, .qa = on_qa,
			       .kept = on_kept, .reject = on_reject, .filter = on_filter,
			       .read = on_read};
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

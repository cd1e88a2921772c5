/*
 * coarse.c - coarse-grained image understanding: image classification, view
 * classification and view matching.
 *
 * Labels come as released (a JSON object of 1 / 0 / -1, blanks left out) with
 * the dataset's vocabulary (vocab/vocab.h), which the catalogue hands over in
 * the view: it says each label's display forms, which label means "no
 * finding", how a -1 is read (CheXinstruct's uncertain-label rule is applied
 * here, at render time, so the catalogue keeps the release's facts untouched)
 * and whether a label a record leaves out is negative or unknown. Every array
 * is sized from the vocabulary, so a vocabulary of any size renders.
 */
#include "cx.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <strings.h>

#include "tasks/tasks.h"

void cx_label_set_release(struct cx_label_set *s)
{
	free(s->value);
	s->value = NULL;
}

static int read_value(const struct cx_vocab *v, const cJSON *it, struct cx_label_set *out,
		      struct cx_error *err)
{
	int i = cx_vocab_find(v, it->string);
	if (i < 0)
		return cx_error_set(err, CX_EINVAL, "unknown label '%s' for %s", it->string,
				    v->name);
	if (cJSON_IsNull(it))
		return 0;
	double d = cJSON_IsNumber(it) ? it->valuedouble : NAN;
	if (d != 1 && d != 0 && d != -1) {
		char *shown = cJSON_PrintUnformatted(it);
		cx_error_set(err, CX_EINVAL, "label '%s' has value %s, not 1, 0 or -1", it->string,
			     shown ? shown : "?");
		free(shown);
		return err->code;
	}
	out->value[i] = (signed char)(d == -1 ? v->labels[i].uncertain : d);
	return 0;
}

/* labels_json is one small object: parsed whole. */
int cx_labels_read(const struct cx_vocab *v, const char *labels_json, struct cx_label_set *out,
		   struct cx_error *err)
{
	memset(out, 0, sizeof *out);
	if (!v)
		return cx_error_set(err, CX_EINVAL, "no label vocabulary to read labels with");
	if (cx_blank(labels_json))
		return cx_error_set(err, CX_EINVAL, "no labels");
	cJSON *obj = cJSON_Parse(labels_json);
	if (!obj || !cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		return cx_error_set(err, CX_EFORMAT, "labels are not a JSON object: %.80s",
				    labels_json);
	}
	out->vocab = v;
	out->value = cx_calloc(v->n ? v->n : 1, 1);
	memset(out->value, CX_LABEL_ABSENT, v->n);
	const cJSON *it;
	int rc = 0;
	cJSON_ArrayForEach(it, obj) {
		if ((rc = read_value(v, it, out, err)) != 0)
			break;
	}
	cJSON_Delete(obj);
	return rc;
}

static void join_labels(struct cx_buf *b, const struct cx_vocab *v, const int *idx, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			cx_buf_adds(b, ", ");
		cx_buf_adds(b, v->labels[idx[i]].display);
	}
}

/* Indices of the positive labels ("none" excluded), in vocabulary order. */
static size_t positives(const struct cx_label_set *s, int *idx)
{
	size_t n = 0;
	for (size_t i = 0; i < s->vocab->n; i++)
		if (s->value[i] == 1 && s->vocab->labels[i].role != CX_ROLE_NONE)
			idx[n++] = (int)i;
	return n;
}

int cx_labels_positive_text(const struct cx_label_set *s, struct cx_buf *b)
{
	int *idx = cx_calloc(s->vocab->n ? s->vocab->n : 1, sizeof *idx);
	size_t n = positives(s, idx);
	int none = cx_vocab_find_role(s->vocab, CX_ROLE_NONE);
	int released = none >= 0 && s->value[none] == 1;
	if (n)
		join_labels(b, s->vocab, idx, n);
	else if (released)
		cx_buf_adds(b, s->vocab->labels[none].display);
	free(idx);
	return n || released ? 0 : -1;
}

/*
 * A binary vocabulary (RSNA's Pneumonia, COVIDx's COVID-19) has exactly one
 * finding and no catch-all (a "none" label such as RSNA's "Normal" may sit
 * beside it): the index of that finding, else -1. Its releases state the
 * finding for every image, 1 or 0, so a stated 0 is an answer ("no
 * pneumonia"), not an empty set from which "No Finding" would be inferred.
 */
static int binary_finding(const struct cx_vocab *v)
{
	int found = -1;
	for (size_t i = 0; i < v->n; i++) {
		if (v->labels[i].role == CX_ROLE_OTHER)
			return -1;
		if (v->labels[i].role != CX_ROLE_FINDING)
			continue;
		if (found >= 0)
			return -1;
		found = (int)i;
	}
	return found;
}

int cx_labels_say(const struct cx_label_set *s)
{
	for (size_t i = 0; i < s->vocab->n; i++)
		if (s->value[i] == 1)
			return 1;
	int b = binary_finding(s->vocab);
	return b >= 0 && s->value[b] == 0;
}

static int by_index(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

#define CHOICE_MAX_SET 5
#define CHOICE_WRONG 3
#define CHOICE_TRIES 200
/* Draw numbers per attempt: position i of attempt a is draw a * 16 + i
 * (i < CHOICE_MAX_SET), whatever the vocabulary's size. */
#define DRAWS_PER_TRY 16

/* 1 when the k sorted indices at a equal those at b. */
static int same_set(const int *a, const int *b, size_t k)
{
	return !memcmp(a, b, k * sizeof *a);
}

/* The labels a wrong option may hold: findings, not "none" or a catch-all,
 * the same population a right option is made of (classify()). */
static size_t distractor_pool(const struct cx_vocab *v, int *pool)
{
	size_t np = 0;
	for (size_t i = 0; i < v->n; i++)
		if (v->labels[i].role == CX_ROLE_FINDING)
			pool[np++] = (int)i;
	return np;
}

/* Attempt a: the first k of a seeded partial Fisher-Yates shuffle of the
 * pool, sorted. */
static void draw_set(const struct cx_draw *d, const int *pool, size_t np, size_t k, uint64_t a,
		     int *p)
{
	memcpy(p, pool, np * sizeof *p);
	for (size_t i = 0; i < k; i++) {
		uint64_t r = cx_draw_nth(d, "wrong", a * DRAWS_PER_TRY + i);
		size_t j = i + (size_t)(r % (np - i));
		int t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	qsort(p, k, sizeof *p, by_index);
}

/*
 * Three wrong label sets of the true set's size, distinct from it and from
 * each other, drawn from the distractor pool. Returns 0 when the set is too
 * large for a choice question (as in CheXinstruct, one to five labels) or no
 * three sets could be drawn. Sets are compared as sorted index lists, so the
 * vocabulary may have any number of labels.
 */
static int wrong_sets(const struct cx_draw *d, const struct cx_vocab *v, const int *truth, size_t k,
		      int wrong[CHOICE_WRONG][CHOICE_MAX_SET])
{
	int *pool = cx_calloc(v->n ? v->n : 1, sizeof *pool);
	int *p = cx_calloc(v->n ? v->n : 1, sizeof *p);
	size_t np = distractor_pool(v, pool), got = 0;
	if (k >= 1 && k <= CHOICE_MAX_SET && k < np) {
		for (uint64_t a = 0; a < CHOICE_TRIES && got < CHOICE_WRONG; a++) {
			draw_set(d, pool, np, k, a, p);
			int dup = same_set(p, truth, k);
			for (size_t s = 0; s < got; s++)
				dup |= same_set(p, wrong[s], k);
			if (!dup)
				memcpy(wrong[got++], p, k * sizeof *p);
		}
	}
	free(pool);
	free(p);
	return got == CHOICE_WRONG;
}

/* What one instance's labels allow asking. */
struct label_facts {
	struct cx_label_set s;
	int *pos, *neg;     /* positive labels; labels whose answer is No */
	size_t npos, nneg;
	int complete;       /* the positive set is known: absent means negative, or
			       every label is released as 1 or 0 */
};

/*
 * A label asked about with the answer No: one the release states as negative.
 * That is a 0 (released, or a -1 the vocabulary's uncertain rule reads as 0),
 * or, where the vocabulary says a label a record leaves out is negative, a
 * label left out. A -1 that stays uncertain is never asked: "No" would be a
 * guess. A catch-all ("Pleural Other") is asked like a finding, Yes and No
 * alike: asked only when positive, its very name would give the answer away.
 */
static int asks_no(const struct cx_label_set *s, size_t i)
{
	if (s->vocab->labels[i].role == CX_ROLE_NONE)
		return 0;
	if (s->value[i] == 0)
		return 1;
	return s->value[i] == CX_LABEL_ABSENT && s->vocab->absent == CX_ABSENT_NEGATIVE;
}

static void facts_fill(struct label_facts *f)
{
	const struct cx_vocab *v = f->s.vocab;
	f->pos = cx_calloc(v->n ? v->n : 1, sizeof *f->pos);
	f->neg = cx_calloc(v->n ? v->n : 1, sizeof *f->neg);
	f->npos = positives(&f->s, f->pos);
	f->nneg = 0;
	f->complete = 1;
	for (size_t i = 0; i < v->n; i++) {
		if (asks_no(&f->s, i))
			f->neg[f->nneg++] = (int)i;
		if (v->absent == CX_ABSENT_UNKNOWN && f->s.value[i] != 0 && f->s.value[i] != 1)
			f->complete = 0;
	}
}

static void facts_release(struct label_facts *f)
{
	cx_label_set_release(&f->s);
	free(f->pos);
	free(f->neg);
}

/* One finding, positive or negative with even odds; the caller has checked
 * that there is one. {disease} is the label in a sentence: its article and
 * noun ("a pleural effusion", "edema", "a support device"). */
static void yesno(const struct label_facts *f, const struct cx_draw *d, struct cx_task_out *o)
{
	int want_pos = f->npos && (!f->nneg || cx_draw_below(d, "polarity", 2) == 0);
	const int *from = want_pos ? f->pos : f->neg;
	size_t n = want_pos ? f->npos : f->nneg;
	int pick = from[cx_draw_below(d, "finding", n)];
	const struct cx_vocab_label *l = &f->s.vocab->labels[pick];
	struct cx_buf b = CX_BUF_INIT;
	if (l->article[0])
		cx_buf_addf(&b, "%s ", l->article);
	cx_buf_adds(&b, l->noun);
	cx_task_out_set(o, "disease", b.data);
	cx_buf_release(&b);
	cx_buf_adds(&o->answer, want_pos ? "Yes" : "No");
}

static void choice(const struct label_facts *f, const int *truth, size_t k,
		   int wrong[CHOICE_WRONG][CHOICE_MAX_SET], struct cx_task_out *o)
{
	struct cx_buf b = CX_BUF_INIT;
	join_labels(&b, f->s.vocab, truth, k);
	o->correct = (int)cx_task_out_option(o, b.data);
	for (size_t w = 0; w < CHOICE_WRONG; w++) {
		cx_buf_reset(&b);
		join_labels(&b, f->s.vocab, wrong[w], k);
		cx_task_out_option(o, b.data);
	}
	cx_buf_release(&b);
	o->shuffle = 1;
	o->mode = CX_ANSWER_BOTH;
}

/* 1 when every label of the true set is a finding: no catch-all, which no
 * wrong option can hold (the official build never puts "Pleural Other" in
 * the right set), and not "none". */
static int findings_only(const struct cx_vocab *v, const int *truth, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (v->labels[truth[i]].role != CX_ROLE_FINDING)
			return 0;
	return k > 0;
}

/*
 * Image classification over a big vocabulary (PadChest's 190 labels), as the
 * official build asks it: the options are the image's positive findings plus
 * CANDIDATE_NEGATIVES findings drawn from those it states negative, and the
 * answer is every positive among them (several right options). An item with
 * more than CX_MAX_OPTIONS options (26, one per letter) is not asked this way,
 * as officially; nor one with no positive finding (nothing to pick), no
 * stated negative (every option would be right), or labels not all known
 * (a vocabulary whose absent labels are unknown, on a partial row: as for
 * "list", the right options must be every positive). Only findings are options:
 * "normal" is the none label and never one. The negatives are the first of a
 * seeded partial shuffle of the stated negatives, so a rebuild with the same
 * seed asks the same question. The form is offered only for vocabularies
 * with more findings than one question can show (CANDIDATE_VOCAB), and there
 * it replaces the "choice" form: three wrong sets drawn from some 190
 * findings almost never hold a common combination, so the right set stands
 * out by its labels alone (audit, at 1/8 of PadChest's size: a common pair
 * right 23 times and never wrong).
 */
#define CANDIDATE_NEGATIVES 10
#define CANDIDATE_VOCAB CX_MAX_OPTIONS

static size_t count_findings(const struct cx_vocab *v)
{
	size_t n = 0;
	for (size_t i = 0; i < v->n; i++)
		n += v->labels[i].role == CX_ROLE_FINDING;
	return n;
}

/* Fills idx with the positives, then the drawn negatives, and returns their
 * number; 0 when the item cannot be asked this way. */
static size_t candidate_options(const struct label_facts *f, const struct cx_draw *d, int *idx,
				size_t *npos)
{
	const struct cx_vocab *v = f->s.vocab;
	size_t n = 0;
	if (count_findings(v) <= CANDIDATE_VOCAB)
		return 0;
	for (size_t i = 0; i < f->npos; i++)
		if (v->labels[f->pos[i]].role == CX_ROLE_FINDING)
			idx[n++] = f->pos[i];
	*npos = n;
	int *neg = cx_calloc(f->nneg ? f->nneg : 1, sizeof *neg);
	size_t nn = 0;
	for (size_t i = 0; i < f->nneg; i++)
		if (v->labels[f->neg[i]].role == CX_ROLE_FINDING)
			neg[nn++] = f->neg[i];
	size_t want = nn < CANDIDATE_NEGATIVES ? nn : CANDIDATE_NEGATIVES;
	for (size_t i = 0; i < want; i++) {
		size_t j = i + (size_t)(cx_draw_nth(d, "negative", i) % (nn - i));
		int t = neg[i];
		neg[i] = neg[j];
		neg[j] = t;
		idx[n++] = neg[i];
	}
	free(neg);
	if (!*npos || !want || n > CX_MAX_OPTIONS)
		return 0;
	return n;
}

/* The "candidates" form over options idx[0..n), the first npos right. */
static void candidates(const struct label_facts *f, const int *idx, size_t n, size_t npos,
		       struct cx_task_out *o)
{
	for (size_t i = 0; i < n; i++)
		cx_task_out_option(o, f->s.vocab->labels[idx[i]].display);
	o->correct = 0;
	o->right = (1u << npos) - 1;
	o->shuffle = 1;
	o->mode = CX_ANSWER_BOTH;
}

/*
 * The binary form: the finding or its absence, two options shuffled
 * ("Pneumonia", "No pneumonia"), as the official build asks RSNA and NLM-TB
 * with fixed options. The option texts are the same two for every instance,
 * so no word of them tells the right one; {disease} names the finding.
 */
static void binary(const struct label_facts *f, int b, struct cx_task_out *o)
{
	const struct cx_vocab_label *l = &f->s.vocab->labels[b];
	struct cx_buf t = CX_BUF_INIT;
	if (l->article[0])
		cx_buf_addf(&t, "%s ", l->article);
	cx_buf_adds(&t, l->noun);
	cx_task_out_set(o, "disease", t.data);
	cx_buf_reset(&t);
	cx_buf_addf(&t, "No %s", l->noun);
	size_t yes = cx_task_out_option(o, l->display);
	size_t no = cx_task_out_option(o, t.data);
	o->correct = (int)(f->s.value[b] == 1 ? yes : no);
	cx_buf_release(&t);
	o->shuffle = 1;
	o->mode = CX_ANSWER_BOTH;
}

/* A binary vocabulary's forms: "yesno" and "binary", both about its one
 * finding, which must be stated (1 or 0), and "list" where its answer is
 * released: the finding, or the release's own "none" label at 1 (NLM-TB's
 * Normal, JSRT's non-nodule, RSNA's Normal; not RSNA's "No Lung Opacity /
 * Not Normal" nor a COVIDx negative, whose list would be empty). "choice"
 * cannot draw three wrong sets from one label. */
static int classify_binary(const struct cx_instance_view *v, const struct cx_draw *d, int b,
			   struct label_facts *f, struct cx_task_out *o, struct cx_error *err)
{
	int value = f->s.value[b];
	if (value != 0 && value != 1)
		return cx_error_set(err, CX_EINVAL, "labels of %s '%s' do not state %s",
				    v->dataset ? v->dataset : "", v->key ? v->key : "",
				    f->s.vocab->labels[b].name);
	const char *forms[3];
	size_t nforms = 0;
	int none = cx_vocab_find_role(f->s.vocab, CX_ROLE_NONE);
	if (f->npos || (none >= 0 && f->s.value[none] == 1))
		forms[nforms++] = "list";
	forms[nforms++] = "yesno";
	forms[nforms++] = "binary";
	o->form = cx_pick_form(d, forms, nforms);
	if (!strcmp(o->form, "list"))
		cx_labels_positive_text(&f->s, &o->answer);
	else if (!strcmp(o->form, "yesno"))
		yesno(f, d, o);
	else
		binary(f, b, o);
	return 0;
}

/*
 * The forms, in this order, among those the labels allow. "list" needs every
 * label known (the true set is the whole answer) and, when nothing is
 * positive, the release's own "none" label ("No Finding" = 1): "No Finding"
 * is never inferred from an empty set (the derivation rule leaves such items
 * out; this is the renderer's own guard). "choice" needs what "list" needs
 * and a true set of one to five findings: wrong options are drawn from the
 * findings, so a right option holding "No Finding" or a catch-all would be
 * the only option that could hold it (a leak), and the official build asks
 * no choice question when nothing is positive. "yesno" needs a positive or a
 * stated negative to ask about.
 */
static int classify(const struct cx_instance_view *v, const struct cx_draw *d,
		    struct label_facts *f, struct cx_task_out *o, struct cx_error *err)
{
	const struct cx_vocab *voc = f->s.vocab;
	int wrong[CHOICE_WRONG][CHOICE_MAX_SET];
	int whole = f->complete && cx_labels_say(&f->s);
	int cand[CX_MAX_OPTIONS + CANDIDATE_NEGATIVES];
	size_t ncand = 0, ncandpos = 0;
	if (whole && f->npos + CANDIDATE_NEGATIVES <= CX_ARRAY_LEN(cand))
		ncand = candidate_options(f, d, cand, &ncandpos);
	const char *forms[4];
	size_t nforms = 0;
	if (whole)
		forms[nforms++] = "list";
	if (ncand)
		forms[nforms++] = "candidates";
	if (whole && count_findings(voc) <= CANDIDATE_VOCAB &&
	    findings_only(voc, f->pos, f->npos) && wrong_sets(d, voc, f->pos, f->npos, wrong))
		forms[nforms++] = "choice";
	if (f->npos || f->nneg)
		forms[nforms++] = "yesno";
	if (!nforms)
		return cx_error_set(err, CX_EINVAL, "labels of %s '%s' leave nothing to ask:"
				    " none positive and none known negative",
				    v->dataset ? v->dataset : "", v->key ? v->key : "");
	o->form = cx_pick_form(d, forms, nforms);
	if (!strcmp(o->form, "yesno"))
		yesno(f, d, o);
	else if (!strcmp(o->form, "list"))
		cx_labels_positive_text(&f->s, &o->answer);
	else if (!strcmp(o->form, "candidates"))
		candidates(f, cand, ncand, ncandpos, o);
	else
		choice(f, f->pos, f->npos, wrong, o);
	return 0;
}

int cx_render_image_classification(const struct cx_instance_view *v, const struct cx_draw *d,
				   struct cx_task_out *o, struct cx_error *err)
{
	if (cx_view_need(v, v->labels, "labels", err))
		return err->code;
	if (!v->labels->vocab)
		return cx_error_set(err, CX_EINVAL, "dataset '%s' declares no label vocabulary",
				    v->dataset ? v->dataset : "");
	struct label_facts f = {0};
	int rc = cx_labels_read(v->labels->vocab, v->labels->json, &f.s, err);
	if (rc == 0) {
		facts_fill(&f);
		int b = binary_finding(v->labels->vocab);
		rc = b >= 0 ? classify_binary(v, d, b, &f, o, err) : classify(v, d, &f, o, err);
	}
	facts_release(&f);
	return rc;
}

/* Views as the catalogue stores them; LL is the left lateral. */
int cx_render_view_classification(const struct cx_instance_view *v, const struct cx_draw *d,
				  struct cx_task_out *o, struct cx_error *err)
{
	static const char *const views[] = {"AP", "PA", "LATERAL", "LL"};
	if (cx_view_need(v, v->image, "image", err))
		return err->code;
	const char *view = v->image->view;
	int which = -1;
	for (size_t i = 0; view && i < CX_ARRAY_LEN(views); i++)
		if (!strcasecmp(view, views[i]))
			which = (int)i;
	if (which < 0)
		return cx_error_set(err, CX_EINVAL, "view '%s' is not PA, AP, LATERAL or LL",
				    view ? view : "");
	/* Half the instances fold LL into LATERAL and show three options. */
	int fold = cx_draw_below(d, "fold", 2) == 1;
	size_t n = fold ? 3 : 4;
	for (size_t i = 0; i < n; i++)
		cx_task_out_option(o, views[i]);
	o->correct = fold && which == 3 ? 2 : which;
	o->form = "plain";
	o->shuffle = 1;
	o->mode = CX_ANSWER_TEXT;
	return 0;
}

int cx_render_view_matching(const struct cx_instance_view *v, const struct cx_draw *d,
			    struct cx_task_out *o, struct cx_error *err)
{
	(void)d;
	if (cx_view_need(v, v->pair, "pair", err))
		return err->code;
	int flag = v->pair->flag;
	if (flag != 0 && flag != 1)
		return cx_error_set(err, CX_EINVAL, "pair flag %d is not 1 or 0", flag);
	cx_task_out_option(o, "Yes");
	cx_task_out_option(o, "No");
	o->correct = flag ? 0 : 1;
	o->form = "plain";
	o->mode = CX_ANSWER_TEXT;
	return 0;
}

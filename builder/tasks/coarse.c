/*
 * coarse.c - coarse-grained image understanding: image classification, view
 * classification and view matching, and the label vocabularies they use.
 *
 * Labels come as released (a JSON object of 1 / 0 / -1, blanks left out);
 * the uncertain-label rule of CheXinstruct is applied here, at render time,
 * so the catalogue keeps the release's facts untouched.
 */
#include "cx.h"

#include <ctype.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <strings.h>

#include "adapters/chexpert-labels.h"
#include "tasks/tasks.h"

/* ChestX-ray14's findings in the order of the dataset's README, then the
 * "No Finding" of Data_Entry_2017. */
static const char *const nih_labels[] = {
	"Atelectasis", "Cardiomegaly", "Effusion",  "Infiltration", "Mass",
	"Nodule",      "Pneumonia",    "Pneumothorax", "Consolidation", "Edema",
	"Emphysema",   "Fibrosis",     "Pleural_Thickening", "Hernia", "No Finding",
};

static const struct cx_vocab vocabs[] = {
	{"CheXpert", cx_chexpert_labels, CX_CHEXPERT_NLABELS, 1},
	{"ChestX-ray14", nih_labels, CX_ARRAY_LEN(nih_labels), 0},
};

#define ABSENT 2

/* Names match ignoring case, with '_' and ' ' alike (Pleural_Thickening). */
static int same_name(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = *a == '_' ? ' ' : tolower((unsigned char)*a);
		int cb = *b == '_' ? ' ' : tolower((unsigned char)*b);
		if (ca != cb)
			return 0;
		if (!ca)
			return 1;
	}
}

static int vocab_index(const struct cx_vocab *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (same_name(v->labels[i], name))
			return (int)i;
	return -1;
}

static int contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return 1;
	return 0;
}

/* By the dataset's name first (MIMIC-CXR and CheXpert share CheXpert's
 * labeler); otherwise the first vocabulary that has every key. */
static const struct cx_vocab *vocab_for(const char *dataset, const cJSON *obj)
{
	if (dataset && (contains(dataset, "chexpert") || contains(dataset, "mimic")))
		return &vocabs[0];
	if (dataset && (contains(dataset, "ray14") || contains(dataset, "ray-14") ||
			contains(dataset, "nih")))
		return &vocabs[1];
	for (size_t i = 0; i < CX_ARRAY_LEN(vocabs); i++) {
		const cJSON *it;
		int all = 1;
		cJSON_ArrayForEach(it, obj)
			if (vocab_index(&vocabs[i], it->string) < 0)
				all = 0;
		if (all)
			return &vocabs[i];
	}
	return NULL;
}

static void uncertain_rule(struct cx_label_set *s)
{
	static const char *const to_pos[] = {"Atelectasis", "Edema", "Pleural Effusion"};
	static const char *const to_neg[] = {"Cardiomegaly", "Consolidation"};
	for (size_t i = 0; i < s->vocab->n; i++) {
		if (s->value[i] != -1)
			continue;
		for (size_t k = 0; k < CX_ARRAY_LEN(to_pos); k++)
			if (same_name(s->vocab->labels[i], to_pos[k]))
				s->value[i] = 1;
		for (size_t k = 0; k < CX_ARRAY_LEN(to_neg); k++)
			if (same_name(s->vocab->labels[i], to_neg[k]))
				s->value[i] = 0;
	}
}

/* labels_json is one small object: parsed whole. */
int cx_labels_read(const char *dataset, const char *labels_json, struct cx_label_set *out,
		   struct cx_error *err)
{
	if (cx_blank(labels_json))
		return cx_error_set(err, CX_EINVAL, "no labels");
	cJSON *obj = cJSON_Parse(labels_json);
	if (!obj || !cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		return cx_error_set(err, CX_EFORMAT, "labels are not a JSON object: %.80s",
				    labels_json);
	}
	const struct cx_vocab *v = vocab_for(dataset, obj);
	if (!v) {
		cJSON_Delete(obj);
		return cx_error_set(err, CX_EINVAL, "labels of '%s' fit no known label vocabulary",
				    dataset ? dataset : "");
	}
	out->vocab = v;
	memset(out->value, ABSENT, sizeof out->value);
	const cJSON *it;
	cJSON_ArrayForEach(it, obj) {
		int i = vocab_index(v, it->string);
		if (i < 0) {
			cx_error_set(err, CX_EINVAL, "unknown label '%s' for %s", it->string,
				     v->name);
			cJSON_Delete(obj);
			return err->code;
		}
		if (cJSON_IsNull(it))
			continue;
		double d = cJSON_IsNumber(it) ? it->valuedouble : NAN;
		if (d != 1 && d != 0 && d != -1) {
			char *shown = cJSON_PrintUnformatted(it);
			cx_error_set(err, CX_EINVAL, "label '%s' has value %s, not 1, 0 or -1",
				     it->string, shown ? shown : "?");
			free(shown);
			cJSON_Delete(obj);
			return err->code;
		}
		out->value[i] = (signed char)d;
	}
	cJSON_Delete(obj);
	if (v->uncertain_rule)
		uncertain_rule(out);
	return 0;
}

void cx_label_display(struct cx_buf *b, const char *name)
{
	for (; *name; name++)
		cx_buf_addc(b, *name == '_' ? ' ' : *name);
}

static int is_no_finding(const char *name) { return same_name(name, "No Finding"); }

/* Indices of the positive findings ("No Finding" itself excluded). */
static size_t positives(const struct cx_label_set *s, int *idx)
{
	size_t n = 0;
	for (size_t i = 0; i < s->vocab->n; i++)
		if (s->value[i] == 1 && !is_no_finding(s->vocab->labels[i]))
			idx[n++] = (int)i;
	return n;
}

static void join_labels(struct cx_buf *b, const struct cx_vocab *v, const int *idx, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			cx_buf_adds(b, ", ");
		cx_label_display(b, v->labels[idx[i]]);
	}
}

static int no_finding_index(const struct cx_vocab *v) { return vocab_index(v, "No Finding"); }

void cx_labels_positive_text(const struct cx_label_set *s, struct cx_buf *b)
{
	int idx[CX_MAX_VOCAB];
	size_t n = positives(s, idx);
	if (n)
		join_labels(b, s->vocab, idx, n);
	else
		cx_buf_adds(b, "No Finding");
}

static uint32_t mask_of(const int *idx, size_t n)
{
	uint32_t m = 0;
	for (size_t i = 0; i < n; i++)
		m |= 1u << idx[i];
	return m;
}

static int by_index(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

#define CHOICE_MAX_SET 5
#define CHOICE_WRONG 3
#define CHOICE_TRIES 200

/*
 * Three wrong label sets of the true set's size, distinct from it and from
 * each other, drawn from the vocabulary less "No Finding" and "Pleural
 * Other". Returns 0 when the set is too large for a choice question (as in
 * CheXinstruct, one to five labels) or no three sets could be drawn.
 */
static int wrong_sets(const struct cx_draw *d, const struct cx_vocab *v, const int *truth, size_t k,
		      int wrong[CHOICE_WRONG][CHOICE_MAX_SET])
{
	int pool[CX_MAX_VOCAB];
	size_t np = 0;
	for (size_t i = 0; i < v->n; i++)
		if (!is_no_finding(v->labels[i]) && !same_name(v->labels[i], "Pleural Other"))
			pool[np++] = (int)i;
	if (k < 1 || k > CHOICE_MAX_SET || k >= np)
		return 0;
	uint32_t seen[CHOICE_WRONG + 1] = {mask_of(truth, k)};
	size_t got = 0;
	for (uint64_t a = 0; a < CHOICE_TRIES && got < CHOICE_WRONG; a++) {
		int p[CX_MAX_VOCAB];
		memcpy(p, pool, np * sizeof *p);
		for (size_t i = 0; i < k; i++) {
			uint64_t r = cx_draw_nth(d, "wrong", a * CX_MAX_VOCAB + i);
			size_t j = i + (size_t)(r % (np - i));
			int t = p[i];
			p[i] = p[j];
			p[j] = t;
		}
		qsort(p, k, sizeof *p, by_index);
		uint32_t m = mask_of(p, k);
		int dup = 0;
		for (size_t s = 0; s <= got; s++)
			dup |= seen[s] == m;
		if (dup)
			continue;
		seen[++got] = m;
		memcpy(wrong[got - 1], p, k * sizeof *p);
	}
	return got == CHOICE_WRONG;
}

/* One finding, positive or negative with even odds. "Pleural Other" is a
 * catch-all, not a finding to ask about, so it is only asked when positive. */
static void yesno(const struct cx_label_set *s, const struct cx_draw *d, const int *pos,
		  size_t npos, struct cx_task_out *o)
{
	int neg[CX_MAX_VOCAB];
	size_t nneg = 0;
	for (size_t i = 0; i < s->vocab->n; i++)
		if (s->value[i] != 1 && !is_no_finding(s->vocab->labels[i]) &&
		    !same_name(s->vocab->labels[i], "Pleural Other"))
			neg[nneg++] = (int)i;
	int want_pos = npos && (!nneg || cx_draw_below(d, "polarity", 2) == 0);
	const int *from = want_pos ? pos : neg;
	size_t n = want_pos ? npos : nneg;
	int pick = from[cx_draw_below(d, "finding", n)];
	struct cx_buf b = CX_BUF_INIT;
	cx_label_display(&b, s->vocab->labels[pick]);
	for (size_t i = 0; i < b.len; i++)
		b.data[i] = (char)tolower((unsigned char)b.data[i]);
	cx_task_out_set(o, "disease", b.data);
	cx_buf_release(&b);
	cx_buf_adds(&o->answer, want_pos ? "Yes" : "No");
}

int cx_render_image_classification(const struct cx_instance_view *v, const struct cx_draw *d,
				   struct cx_task_out *o, struct cx_error *err)
{
	struct cx_label_set s;
	if (cx_labels_read(v->dataset, v->labels_json, &s, err))
		return err->code;
	int pos[CX_MAX_VOCAB], truth[CX_MAX_VOCAB];
	size_t npos = positives(&s, pos), k = npos;
	memcpy(truth, pos, npos * sizeof *pos);
	if (!npos) {
		truth[0] = no_finding_index(s.vocab);
		k = 1;
	}
	int wrong[CHOICE_WRONG][CHOICE_MAX_SET];
	int choice = truth[0] >= 0 && wrong_sets(d, s.vocab, truth, k, wrong);
	const char *forms[3];
	size_t nforms = 0;
	forms[nforms++] = "list";
	if (choice)
		forms[nforms++] = "choice";
	forms[nforms++] = "yesno";
	o->form = cx_pick_form(d, forms, nforms);
	if (!strcmp(o->form, "yesno")) {
		yesno(&s, d, pos, npos, o);
		return 0;
	}
	if (!strcmp(o->form, "list")) {
		cx_labels_positive_text(&s, &o->answer);
		return 0;
	}
	struct cx_buf b = CX_BUF_INIT;
	join_labels(&b, s.vocab, truth, k);
	o->correct = (int)cx_task_out_option(o, b.data);
	for (size_t w = 0; w < CHOICE_WRONG; w++) {
		cx_buf_reset(&b);
		join_labels(&b, s.vocab, wrong[w], k);
		cx_task_out_option(o, b.data);
	}
	cx_buf_release(&b);
	o->shuffle = 1;
	o->mode = CX_ANSWER_BOTH;
	return 0;
}

/* Views as the catalogue stores them; LL is the left lateral. */
int cx_render_view_classification(const struct cx_instance_view *v, const struct cx_draw *d,
				  struct cx_task_out *o, struct cx_error *err)
{
	static const char *const views[] = {"AP", "PA", "LATERAL", "LL"};
	int which = -1;
	for (size_t i = 0; v->view && i < CX_ARRAY_LEN(views); i++)
		if (!strcasecmp(v->view, views[i]))
			which = (int)i;
	if (which < 0)
		return cx_error_set(err, CX_EINVAL, "view '%s' is not PA, AP, LATERAL or LL",
				    v->view ? v->view : "");
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
	if (v->flag != 0 && v->flag != 1)
		return cx_error_set(err, CX_EINVAL, "pair flag %d is not 1 or 0", v->flag);
	cx_task_out_option(o, "Yes");
	cx_task_out_option(o, "No");
	o->correct = v->flag ? 0 : 1;
	o->form = "plain";
	o->mode = CX_ANSWER_TEXT;
	return 0;
}

/*
 * t-vocab.c - label vocabularies: the shared ones (vocab/), lookups and
 * checks, the catalogue's copy (cat-vocab.c) field by field, and image
 * classification rendered through the catalogue with a 200-label vocabulary
 * (no cap on labels: indices past 32, 64 and 128 in answers and options) and
 * with a vocabulary whose absent labels are unknown.
 */
#include "cx.h"

#include <ctype.h>

#include <unistd.h>

#include "adapters/adapter.h"
#include "adapters/chexpert-labels.h"
#include "adapters/rows.h"
#include "catalogue/catalogue.h"
#include "io/release.h"
#include "render/render.h"
#include "t.h"

static void test_shared(void)
{
	struct cx_error err = {0};
	CHECK(cx_vocab_check(&cx_vocab_chexpert, &err) == 0, "CheXpert's vocabulary checks out");
	CHECK(cx_vocab_check(&cx_vocab_chestxray14, &err) == 0, "ChestX-ray14's checks out");
	CHECK(cx_vocab_check(&cx_vocab_pneumonia, &err) == 0, "RSNA Pneumonia's checks out");
	CHECK(cx_vocab_check(&cx_vocab_covid19, &err) == 0, "COVIDx's checks out");
	CHECK_INT(cx_vocab_find_role(&cx_vocab_pneumonia, CX_ROLE_NONE), 1,
		  "RSNA: Normal is the none label, beside the one finding");
	CHECK_INT(cx_vocab_find_role(&cx_vocab_covid19, CX_ROLE_NONE), -1,
		  "COVIDx: no none label (its negatives are not all normal)");
	CHECK_INT(cx_vocab_chexpert.n, CX_CHEXPERT_NLABELS, "CheXpert: 14 labels");
	int same = 1;
	for (size_t i = 0; i < CX_CHEXPERT_NLABELS; i++)
		same &= !strcmp(cx_vocab_chexpert.labels[i].name, cx_chexpert_labels[i]);
	CHECK(same, "the names are the adapters' CheXpert columns, in order");
	CHECK_INT(cx_vocab_chestxray14.n, 15, "ChestX-ray14: 14 findings and No Finding");
	CHECK_INT(cx_vocab_find(&cx_vocab_chestxray14, "pleural thickening"), 12,
		  "case and '_' do not matter");
	CHECK_INT(cx_vocab_find(&cx_vocab_chestxray14, "PLEURAL_THICKENING"), 12, "upper case");
	CHECK_INT(cx_vocab_find(&cx_vocab_chestxray14, "Infiltrate"), -1,
		  "the box file's Infiltrate is not the label Infiltration");
	CHECK_INT(cx_vocab_find_role(&cx_vocab_chexpert, CX_ROLE_NONE), 0, "CheXpert: No Finding first");
	CHECK_INT(cx_vocab_find_role(&cx_vocab_chexpert, CX_ROLE_OTHER), 11, "Pleural Other");
	CHECK_INT(cx_vocab_find_role(&cx_vocab_chestxray14, CX_ROLE_NONE), 14, "NIH: No Finding last");
	CHECK_INT(cx_vocab_find_role(&cx_vocab_chestxray14, CX_ROLE_OTHER), -1, "NIH: no catch-all");
	CHECK(cx_vocab_check(&cx_vocab_padchest, &err) == 0, "PadChest's checks out");
	CHECK_INT(cx_vocab_padchest.n, 190, "PadChest: 193 released labels less 3 about the report");
	CHECK_INT(cx_vocab_find_role(&cx_vocab_padchest, CX_ROLE_NONE), 0, "PadChest: normal first");
	CHECK_INT(cx_vocab_find_role(&cx_vocab_padchest, CX_ROLE_OTHER), -1, "PadChest: no catch-all");
	int sub = 1;
	for (const char *const *r = cx_padchest_report_labels; *r; r++)
		sub &= cx_vocab_find(&cx_vocab_padchest, *r) < 0;
	CHECK(sub, "unchanged, exclude and suboptimal study are not PadChest labels");
	int copd = cx_vocab_find(&cx_vocab_padchest, "copd signs");
	CHECK(copd > 0 && !strcmp(cx_vocab_padchest.labels[copd].display, "signs of COPD"),
	      "PadChest: 'COPD signs' found in lower case, shown as 'signs of COPD'");
	int pp = cx_vocab_find(&cx_vocab_padchest, "pneumoperitoneo");
	CHECK(pp > 0 && !strcmp(cx_vocab_padchest.labels[pp].noun, "pneumoperitoneum"),
	      "PadChest: the Spanish 'pneumoperitoneo' reads 'pneumoperitoneum'");
	const struct cx_vocab_label *pt = &cx_vocab_chestxray14.labels[12];
	CHECK_STR(pt->display, "Pleural Thickening", "display form");
	CHECK_STR(pt->noun, "pleural thickening", "noun");
	const struct cx_vocab_label *mass = &cx_vocab_chestxray14.labels[4];
	CHECK(!strcmp(mass->article, "a") && !strcmp(mass->plural, "masses"), "a mass, masses");
	/* Issue 11, defect 10: forms for the middle of a sentence are lower case. */
	const struct cx_vocab *both[] = {&cx_vocab_chexpert, &cx_vocab_chestxray14};
	int lower = 1;
	for (size_t v = 0; v < 2; v++)
		for (size_t i = 0; i < both[v]->n; i++)
			for (const char *s = both[v]->labels[i].noun; *s; s++)
				lower &= !isupper((unsigned char)*s);
	CHECK(lower, "every noun is lower case");
	const struct cx_vocab_label *other = &cx_vocab_chexpert.labels[11];
	CHECK(!strcmp(other->article, "a") &&
		      !strcmp(other->noun, "pleural abnormality other than effusion"),
	      "Pleural Other reads 'a pleural abnormality other than effusion'");
	CHECK_INT(cx_vocab_chexpert.labels[8].uncertain, 1, "Atelectasis -1 reads as 1");
	CHECK_INT(cx_vocab_chexpert.labels[2].uncertain, 0, "Cardiomegaly -1 reads as 0");
	CHECK_INT(cx_vocab_chexpert.labels[7].uncertain, -1, "Pneumonia -1 stays -1");
	CHECK_STR(cx_vocab_absent_name(CX_ABSENT_UNKNOWN), "unknown", "absence name");
	CHECK_INT(cx_vocab_absent_parse("negative"), CX_ABSENT_NEGATIVE, "absence parsed");
	CHECK_INT(cx_vocab_absent_parse("blank"), -1, "unknown absence name");
	CHECK_STR(cx_vocab_role_name(CX_ROLE_OTHER), "other", "role name");
	CHECK_INT(cx_vocab_role_parse("none"), CX_ROLE_NONE, "role parsed");
	CHECK_INT(cx_vocab_role_parse("None"), -1, "role names are exact");
}

static void test_check(void)
{
	struct cx_error err = {0};
	struct cx_vocab_label l[2] = {
		{"Edema", "Edema", "edema", "edema", "", CX_ROLE_FINDING, -1},
		{"edema", "Edema", "edema", "edema", "", CX_ROLE_FINDING, -1},
	};
	struct cx_vocab v = {.id = "bad", .name = "Bad", .labels = l, .n = 2};
	CHECK(cx_vocab_check(&v, &err) == CX_EINVAL, "a name twice is refused");
	CHECK_STR(err.msg, "vocabulary bad: label 'edema' appears twice", "twice message");
	l[1].name = "Mass";
	l[1].article = "the";
	CHECK(cx_vocab_check(&v, &err) == CX_EINVAL, "article 'the' is refused");
	CHECK_STR(err.msg, "vocabulary bad: label 'Mass' has article 'the', not a, an or none",
		  "article message");
	l[1].article = "a";
	l[1].uncertain = 2;
	CHECK(cx_vocab_check(&v, &err) == CX_EINVAL, "uncertain 2 is refused");
	CHECK_STR(err.msg, "vocabulary bad: label 'Mass' reads -1 as 2, not 1, 0 or -1",
		  "uncertain message");
	l[1].uncertain = -1;
	l[1].plural = "";
	CHECK(cx_vocab_check(&v, &err) == CX_EINVAL, "an empty form is refused");
	CHECK_STR(err.msg, "vocabulary bad: label 2 lacks a name or a form", "form message");
	l[1].plural = "masses";
	CHECK(cx_vocab_check(&v, &err) == 0, "mended, it checks out");
}

/* ------------------------------------------------------------------ */
/* A 200-label vocabulary: "Finding 000" .. "Finding 198", then "No Finding". */

#define BIG 200
static char big_names[BIG][3][24];
static struct cx_vocab_label big_labels[BIG];
static struct cx_vocab big = {.id = "big", .name = "Big", .labels = big_labels, .n = BIG};

static void big_init(void)
{
	for (int i = 0; i < BIG - 1; i++) {
		snprintf(big_names[i][0], sizeof big_names[i][0], "Finding %03d", i);
		snprintf(big_names[i][1], sizeof big_names[i][1], "finding %03d", i);
		snprintf(big_names[i][2], sizeof big_names[i][2], "findings %03d", i);
		big_labels[i] = (struct cx_vocab_label){big_names[i][0], big_names[i][0],
							big_names[i][1], big_names[i][2], "a",
							CX_ROLE_FINDING, -1};
	}
	big_labels[BIG - 1] = (struct cx_vocab_label){"No Finding", "No Finding", "no finding",
						      "no findings", "", CX_ROLE_NONE, -1};
}

static const struct cx_label pos3[] = {
	{"Finding 040", 1}, {"Finding 150", 1}, {"Finding 198", 1}, {"Finding 007", 0},
};
static const struct cx_label nf[] = {{"No Finding", 1}};

static int emit_image(const struct cx_sink *s, const char *key, const struct cx_label *l,
		      size_t n, struct cx_error *err)
{
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = key;
	f.path = key;
	f.split = CX_SPLIT_TRAIN;
	struct cx_labels_fact lf = {.target = key, .labels = l, .n = n};
	if (cx_emit_image(s, &f, err) || cx_emit_labels(s, &lf, err))
		return err->code;
	struct cx_rows rows = {.sink = s};
	return cx_rows_account(&rows, "labels.csv", 1, cx_rows_keep(), err);
}

static int big_read(struct cx_release *rel, const struct cx_sink *s, struct cx_error *err)
{
	(void)rel;
	if (emit_image(s, "a.png", pos3, CX_ARRAY_LEN(pos3), err))
		return err->code;
	return emit_image(s, "b.png", nf, CX_ARRAY_LEN(nf), err);
}

static const struct cx_entry_def big_entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_image},
};

static struct cx_adapter big_adapter = {
	.id = "t-big", .dataset = "T-Big", .versions = "1", .license = "test",
	.access = "public", .labels = &big, .entries = big_entries, .nentries = 1,
	.read = big_read,
};

static int build(struct cx_cat *cat, const struct cx_adapter *a, struct cx_release *rel,
		 struct cx_error *err)
{
	struct cx_build_opts o = {.seed = 0, .check_images = 0};
	if (cx_cat_begin_source(cat, a, rel, &o, NULL, NULL, err))
		return err->code;
	if (a->read(rel, cx_cat_sink(cat), err)) {
		cx_cat_abort_source(cat);
		return err->code;
	}
	return cx_cat_end_source(cat, NULL, err);
}

static void test_round_trip(struct cx_cat *cat)
{
	struct cx_error err = {0};
	struct cx_vocab *v;
	if (!CHECK(cx_cat_vocab(cat, "t-big", &v, &err) == 0 && v, "the stored vocabulary reads"))
		return;
	CHECK_STR(v->id, "big", "its id");
	CHECK_STR(v->name, "Big", "its name");
	CHECK_INT(v->absent, CX_ABSENT_NEGATIVE, "its absence meaning");
	CHECK_INT(v->n, BIG, "200 labels");
	int same = v->n == BIG;
	for (size_t i = 0; same && i < BIG; i++) {
		const struct cx_vocab_label *a = &v->labels[i], *b = &big_labels[i];
		same = !strcmp(a->name, b->name) && !strcmp(a->display, b->display) &&
		       !strcmp(a->noun, b->noun) && !strcmp(a->plural, b->plural) &&
		       !strcmp(a->article, b->article) && a->role == b->role &&
		       a->uncertain == b->uncertain;
	}
	CHECK(same, "every label and form as declared, in order");
	CHECK_STR(v->labels[BIG - 1].name, "No Finding", "the last one");
	CHECK_INT(v->labels[BIG - 1].role, CX_ROLE_NONE, "with its role");
	cx_cat_vocab_free(v);
	CHECK(cx_cat_vocab(cat, "nope", &v, &err) == CX_ENOTFOUND, "an unknown source");
	CHECK_STR(err.msg, "no source 'nope' in the catalogue", "unknown source message");
}

/* What the renders of one instance over 120 seeds showed. */
struct tally {
	const struct cx_templates *t;
	int forms[4];      /* list, choice, yesno, candidates */
	int bad;           /* renders that broke an expectation */
	int high;          /* option labels with an index over 128 that are not in the truth */
	int instances;
};

static int label_index(const char *text)
{
	int i;
	return sscanf(text, "Finding %d", &i) == 1 ? i : -1;
}

/* A wrong option: k distinct findings in vocabulary order. */
static int wrong_ok(const char *opt, size_t k, struct tally *t)
{
	char copy[256];
	snprintf(copy, sizeof copy, "%s", opt);
	size_t n = 0;
	int last = -1;
	for (char *s = strtok(copy, ","); s; s = strtok(NULL, ",")) {
		int i = label_index(s[0] == ' ' ? s + 1 : s);
		if (i <= last)
			return 0;
		t->high += i > 128 && i != 150 && i != 198;
		last = i;
		n++;
	}
	return n == k;
}

static void check_a(struct tally *t, const struct cx_rendered *r, const char *disease_in)
{
	const char *want = "Finding 040, Finding 150, Finding 198";
	const char *ans = cx_buf_str(&r->answer);
	if (!strcmp(r->form, "list")) {
		t->forms[0]++;
		t->bad += strcmp(ans, want) != 0;
	} else if (!strcmp(r->form, "choice")) {
		t->forms[1]++;
		t->bad += r->noptions != 4 || r->correct < 0 || strcmp(r->options[r->correct], want);
		for (size_t i = 0; i < r->noptions; i++)
			if ((int)i != r->correct)
				t->bad += !wrong_ok(r->options[i], 3, t) ||
					  !strcmp(r->options[i], want);
	} else if (!strcmp(r->form, "candidates")) {
		/* the three positives and ten drawn negatives, all three right */
		t->forms[3]++;
		int right = 0;
		for (size_t i = 0; i < r->noptions; i++) {
			int pos = strstr(want, r->options[i]) != NULL;
			right += pos;
			t->bad += pos != (int)(r->right >> i & 1) || label_index(r->options[i]) < 0;
			t->high += !pos && label_index(r->options[i]) > 128;
		}
		t->bad += r->noptions != 13 || right != 3 || !strstr(ans, "Finding 040") ||
			  !strstr(ans, "Finding 150") || !strstr(ans, "Finding 198");
	} else {
		t->forms[2]++;
		int yes = strstr(disease_in, "finding 040") || strstr(disease_in, "finding 150") ||
			  strstr(disease_in, "finding 198");
		t->bad += strcmp(ans, yes ? "Yes" : "No") != 0;
	}
}

static void check_b(struct tally *t, const struct cx_rendered *r)
{
	const char *ans = cx_buf_str(&r->answer);
	if (!strcmp(r->form, "list")) {
		t->forms[0]++;
		t->bad += strcmp(ans, "No Finding") != 0;
	} else if (!strcmp(r->form, "choice")) {
		t->forms[1]++;
		t->bad += r->noptions != 4 || strcmp(r->options[r->correct], "No Finding");
		for (size_t i = 0; i < r->noptions; i++)
			if ((int)i != r->correct)
				t->bad += !wrong_ok(r->options[i], 1, t);
	} else {
		t->forms[2]++;
		t->bad += strcmp(ans, "No") != 0 || strstr(cx_buf_str(&r->instruction), "no finding");
	}
}

static int on_item(void *ctx, const struct cx_sample_item *it, struct cx_error *err)
{
	struct tally *t = ctx;
	t->instances++;
	const struct cx_view_labels *l = it->view->labels;
	t->bad += l == NULL || l->vocab == NULL || l->vocab->n != BIG;
	for (uint64_t seed = 0; seed < 120; seed++) {
		struct cx_rendered r;
		cx_rendered_init(&r);
		if (cx_render(t->t, it->view, seed, &r, err)) {
			cx_rendered_release(&r);
			return err->code;
		}
		if (!strcmp(it->view->key, "a.png"))
			check_a(t, &r, cx_buf_str(&r.instruction));
		else
			check_b(t, &r);
		cx_rendered_release(&r);
	}
	return 0;
}

static void test_big_render(struct cx_cat *cat, const struct cx_templates *tm)
{
	struct cx_error err = {0};
	struct tally t = {.t = tm};
	struct cx_sample_query q = {.task = "image-classification", .dataset = "t-big", .n = 10};
	long n = cx_cat_sample(cat, &q, on_item, &t, &err);
	if (!CHECK_INT(n, 2, "two instances sampled through the catalogue"))
		printf("#   %s\n", err.msg);
	CHECK_INT(t.instances, 2, "both rendered 120 times");
	CHECK(t.forms[0] && t.forms[2] && t.forms[3], "list, yes/no and candidates came up");
	CHECK_INT(t.forms[1], 0, "no four-set choice over 199 findings: candidates replace it");
	CHECK_INT(t.forms[0] + t.forms[1] + t.forms[2] + t.forms[3], 240, "240 renders");
	CHECK_INT(t.bad, 0, "every answer and option right for a 200-label vocabulary");
	CHECK(t.high > 0, "drawn negatives reach labels past index 128");
}

/* ------------------------------------------------------------------ */
/* Absent labels that mean "unknown" (a view rendered directly). */

static void test_unknown(const struct cx_templates *tm)
{
	struct cx_vocab u = big;
	u.absent = CX_ABSENT_UNKNOWN;
	struct cx_view_labels labels = {"{\"Finding 100\": 0}", &u};
	struct cx_instance_view v = {.task = "image-classification", .dataset = "U",
				     .key = "k", .labels = &labels};
	int yesno = 0, other = 0;
	struct cx_error err = {0};
	for (uint64_t seed = 0; seed < 40; seed++) {
		struct cx_rendered r;
		cx_rendered_init(&r);
		if (cx_render(tm, &v, seed, &r, &err) == 0 && !strcmp(r.form, "yesno") &&
		    strstr(cx_buf_str(&r.instruction), "finding 100") &&
		    !strcmp(cx_buf_str(&r.answer), "No"))
			yesno++;
		else
			other++;
		cx_rendered_release(&r);
	}
	CHECK_INT(yesno, 40, "only the known negative is asked, always yes/no");
	CHECK_INT(other, 0, "no list or choice from an incomplete label set");
	labels.json = "{\"Finding 100\": -1}";
	struct cx_rendered r;
	cx_rendered_init(&r);
	CHECK(cx_render(tm, &v, 0, &r, &err) == CX_EINVAL, "only uncertain: nothing to ask");
	cx_rendered_release(&r);
	CHECK_STR(err.msg, "labels of U 'k' leave nothing to ask: none positive and none known"
			   " negative", "nothing-to-ask message");
	/* Every label released: the positive set is known, and listed. */
	struct cx_vocab_label three[] = {
		{"Mass", "Mass", "mass", "masses", "a", CX_ROLE_FINDING, -1},
		{"Edema", "Edema", "edema", "edema", "", CX_ROLE_FINDING, -1},
		{"Normal", "Normal", "normal study", "normal studies", "a", CX_ROLE_NONE, -1},
	};
	struct cx_vocab small = {.id = "small", .name = "Small", .absent = CX_ABSENT_UNKNOWN,
				 .labels = three, .n = 3};
	labels.vocab = &small;
	labels.json = "{\"Mass\": 1, \"Edema\": 0, \"Normal\": 0}";
	int lists = 0, right = 0;
	for (uint64_t seed = 0; seed < 40; seed++) {
		cx_rendered_init(&r);
		if (cx_render(tm, &v, seed, &r, &err) == 0 && !strcmp(r.form, "list")) {
			lists++;
			right += !strcmp(cx_buf_str(&r.answer), "Mass");
		}
		cx_rendered_release(&r);
	}
	CHECK(lists > 0 && right == lists, "every label released: listed, answer Mass");
	labels.vocab = NULL;
	CHECK(cx_render(tm, &v, 0, &r, &err) == CX_EINVAL, "no vocabulary");
	cx_rendered_release(&r);
	CHECK_STR(err.msg, "dataset 'U' declares no label vocabulary", "no-vocabulary message");
}

static void test_bad_adapter(struct cx_cat *cat, struct cx_release *rel)
{
	struct cx_error err = {0};
	struct cx_vocab_label twice[] = {
		{"Edema", "Edema", "edema", "edema", "", CX_ROLE_FINDING, -1},
		{"EDEMA", "Edema", "edema", "edema", "", CX_ROLE_FINDING, -1},
	};
	struct cx_vocab bad = {.id = "bad", .name = "Bad", .labels = twice, .n = 2};
	struct cx_adapter a = big_adapter;
	a.id = "t-bad";
	a.dataset = "T-Bad";
	a.labels = &bad;
	CHECK(build(cat, &a, rel, &err) == CX_EINVAL, "an adapter's bad vocabulary stops its build");
	CHECK_STR(err.msg, "adapter t-bad: vocabulary bad: label 'EDEMA' appears twice",
		  "naming the adapter and the fault");
	CHECK(cx_cat_vocab(cat, "t-bad", &(struct cx_vocab *){NULL}, &err) == CX_ENOTFOUND,
	      "and nothing of it is kept");
}

static void test_shared_and_dropped(struct cx_cat *cat, struct cx_release *rel)
{
	struct cx_error err = {0};
	struct cx_adapter twin = big_adapter;
	twin.id = "t-twin";
	twin.dataset = "T-Twin";
	struct cx_vocab *v = NULL;
	CHECK(build(cat, &twin, rel, &err) == 0, "a second source with the same vocabulary");
	CHECK(cx_cat_vocab(cat, "t-twin", &v, &err) == 0 && v && v->n == BIG, "reads it");
	cx_cat_vocab_free(v);
	twin.labels = NULL;
	CHECK(build(cat, &twin, rel, &err) == 0, "rebuilt without a vocabulary");
	CHECK(cx_cat_vocab(cat, "t-twin", &v, &err) == 0 && v == NULL, "it has none now");
	CHECK(cx_cat_vocab(cat, "t-big", &v, &err) == 0 && v && v->n == BIG,
	      "the first source keeps the shared one");
	cx_cat_vocab_free(v);
}

int main(void)
{
	big_init();
	test_shared();
	test_check();
	const char *root = getenv("CX_SOURCE_ROOT");
	char tdir[4096], dir[] = "/tmp/t-vocab-XXXXXX", db[64];
	snprintf(tdir, sizeof tdir, "%s/templates", root ? root : ".");
	struct cx_error err = {0};
	struct cx_templates *tm = NULL;
	struct cx_cat *cat = NULL;
	struct cx_release *rel = NULL;
	if (!CHECK(mkdtemp(dir) != NULL, "scratch folder") ||
	    !CHECK(cx_templates_load(&tm, tdir, &err) == 0, "templates load"))
		return t_done();
	snprintf(db, sizeof db, "%s/cat.db", dir);
	int ok = CHECK(cx_cat_open(&cat, db, 1, &err) == 0, "catalogue opens") &&
		 CHECK(cx_cat_sync_tasks(cat, &err) == 0, "tasks synced") &&
		 CHECK(cx_release_open(&rel, dir, &err) == 0, "release opens") &&
		 CHECK(build(cat, &big_adapter, rel, &err) == 0, "a 200-label source builds");
	if (!ok)
		printf("#   %s\n", err.msg);
	if (ok) {
		test_round_trip(cat);
		test_big_render(cat, tm);
		test_bad_adapter(cat, rel);
		test_shared_and_dropped(cat, rel);
	}
	test_unknown(tm);
	cx_release_free(rel);
	cx_cat_close(cat);
	cx_templates_free(tm);
	unlink(db);
	rmdir(dir);
	return t_done();
}

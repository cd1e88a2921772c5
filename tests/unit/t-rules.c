/*
 * t-rules.c - the derivation rules as objects (adapters/rules.c): every rule
 * is listed once and found by its name (the catalogue stores the name in
 * entry.derive and cat-view.c looks the rule up by it), every adapter entry
 * points at a listed rule, what the views take from each rule (the parts it
 * declares, and where labels and texts come from), and that
 * MIMIC-CXR's impression filter is a parameter of its entry alone. And the
 * text key the image-text rules compare reports by (cx_text_key in SQL).
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "catalogue/catalogue.h"
#include "t.h"
#include "util/xxh.h"

static int listed(const struct cx_rule *r)
{
	for (size_t i = 0; i < cx_nrules; i++)
		if (cx_rules[i] == r)
			return 1;
	return 0;
}

static void test_names(void)
{
	CHECK_INT(cx_nrules, 25, "twenty-five rules");
	int unique = 1, found = 1, complete = 1;
	for (size_t i = 0; i < cx_nrules; i++) {
		const struct cx_rule *r = cx_rules[i];
		for (size_t j = 0; j < i; j++)
			unique &= strcmp(cx_rules[j]->name, r->name) != 0;
		found &= cx_rule_find(r->name) == r;
		complete &= r->about && r->needs && r->sql && r->sql[0];
	}
	CHECK(unique, "rule names are unique");
	CHECK(found, "cx_rule_find finds each rule by its name");
	CHECK(complete, "every rule says what an instance is, what it reads, and has SQL");
	CHECK(cx_rule_find("no-such-rule") == NULL, "an unknown name is no rule");
	CHECK_STR(cx_rule_find("summary")->name, "summary", "summary by name");
}

static void test_entries(void)
{
	int ok = 1;
	for (size_t a = 0; a < cx_nadapters; a++)
		for (size_t e = 0; e < cx_adapters[a]->nentries; e++)
			ok &= listed(cx_adapters[a]->entries[e].rule);
	CHECK(ok, "every entry of every adapter points at a listed rule");
}

/* What cat-view.c takes from the rule of an instance's entry. */
static void test_views(void)
{
	int image_labels = 0, other_text = 0, qualified = 1, parts = 1;
	for (size_t i = 0; i < cx_nrules; i++) {
		const struct cx_rule *r = cx_rules[i];
		image_labels += r->image_labels;
		other_text += r->other_text;
		/* the two say where a declared part comes from */
		qualified &= !r->image_labels || (r->parts & CX_PART_LABELS);
		qualified &= !r->other_text || (r->parts & CX_PART_PAIR);
		parts &= r->parts != 0;
	}
	CHECK(parts, "every rule declares the view parts it fills");
	CHECK(qualified, "image labels come with the labels part, other text with the pair part");
	CHECK_INT(cx_rule_boxes.parts, CX_PART_IMAGE | CX_PART_BOXES,
		  "boxes: the image part sizes the boxes part");
	CHECK(cx_rule_labels_image.image_labels && cx_rule_grounded.image_labels &&
	      image_labels == 2, "only labels-image and grounded take the image's labels");
	int all_boxes = 0;
	for (size_t i = 0; i < cx_nrules; i++)
		all_boxes += cx_rules[i]->all_boxes && (cx_rules[i]->parts & CX_PART_BOXES);
	CHECK(cx_rule_detection.all_boxes && cx_rule_objects.all_boxes && all_boxes == 2,
	      "only detection and objects show every box of the image, with the boxes part");
	CHECK(!cx_rule_objects.dropped, "objects filters nothing: every image is an instance");
	CHECK(cx_rule_detection.dropped && cx_rule_boxes_few.dropped && cx_rule_grounded.dropped,
	      "detection, boxes-few and grounded count what the official selection skips");
	CHECK(cx_rule_text_match.other_text && cx_rule_text_select.other_text && other_text == 2,
	      "only text-match and text-select show another study's text");
	CHECK_INT(cx_rule_summary.images, CX_IMAGES_NONE, "summary is text only");
	CHECK_INT(cx_rule_view_pairs.images, CX_IMAGES_PAIR, "view pairs show two images");
	CHECK_INT(cx_rule_findings.images, CX_IMAGES_STUDY, "findings show the study");
}

static void test_params(void)
{
	int with = 0;
	const struct cx_entry_def *mimic = NULL;
	for (size_t a = 0; a < cx_nadapters; a++)
		for (size_t e = 0; e < cx_adapters[a]->nentries; e++) {
			const struct cx_entry_def *d = &cx_adapters[a]->entries[e];
			if (!d->params.impression_excludes)
				continue;
			with++;
			if (!strcmp(cx_adapters[a]->id, "mimic-cxr"))
				mimic = d;
		}
	CHECK_INT(with, 1, "one entry filters impressions");
	CHECK(mimic && mimic->rule == &cx_rule_summary, "it is MIMIC-CXR's summarization");
	const struct cx_adapter *openi = cx_adapter_find("openi");
	int openi_summary = 0;
	for (size_t e = 0; openi && e < openi->nentries; e++)
		if (openi->entries[e].rule == &cx_rule_summary)
			openi_summary += openi->entries[e].params.impression_excludes == NULL;
	CHECK_INT(openi_summary, 1, "OpenI's summarization keeps every impression");
}

/* XXH3-64 of the text as cx_squash() leaves it: the definition. */
static uint64_t squashed_hash(const char *text)
{
	char *copy = cx_strdup(text);
	size_t n = cx_squash(copy);
	uint64_t h = XXH3_64bits(copy, n);
	free(copy);
	return h;
}

/* The key is computed without a copy of the text, a 4 KiB buffer at a time:
 * the same value as the definition for whitespace at either end, runs of
 * it, tabs, newlines, no-break spaces, and runs across the buffer's end. */
static void test_text_key(void)
{
	static const char *const texts[] = {
		"", "   ", "No acute process.", "  No  acute\tprocess.\n",
		"\xc2\xa0Heart size\xc2\xa0 normal.\r\n\r\nLungs clear. ",
		"a\n\n\n\nb", "caf\xc3\xa9 au lait", "angle 10\xc2\xb0,\x01 \xc2\xa0\xc2",
	};
	int same = 1;
	for (size_t i = 0; i < CX_ARRAY_LEN(texts); i++)
		same &= cx_cat_text_key(texts[i]) == squashed_hash(texts[i]);
	CHECK(same, "the text key is the hash of the squashed text");
	CHECK(cx_cat_text_key("") == XXH3_64bits("", 0), "empty text: the hash of nothing");
	CHECK(cx_cat_text_key(" \t\n") == cx_cat_text_key(""), "whitespace alone reads as nothing");
	CHECK(cx_cat_text_key("No acute process.") == cx_cat_text_key("  No  acute\tprocess.\n"),
	      "texts that read the same share a key");
	CHECK(cx_cat_text_key("No acute process.") != cx_cat_text_key("No acuteprocess."),
	      "a space between words counts");
	/* 5000 words of 1-7 letters, between runs of 1-3 mixed spaces: the
	 * squashed text is longer than the buffer, and runs straddle its end;
	 * then one word of 9000 letters */
	struct cx_buf b = CX_BUF_INIT;
	static const char *const gaps[] = {" ", "\n\n", " \t", "\xc2\xa0", "  \r\n"};
	for (int i = 0; i < 5000; i++) {
		cx_buf_adds(&b, gaps[i % 5]);
		cx_buf_add(&b, "abcdefg", (size_t)(i % 7) + 1);
	}
	for (int i = 0; i < 9000; i++) /* and a word longer than the buffer */
		cx_buf_addc(&b, (char)('a' + i % 26));
	cx_buf_adds(&b, " end ");
	CHECK(cx_cat_text_key(cx_buf_str(&b)) == squashed_hash(cx_buf_str(&b)),
	      "a text of several buffers: the same key as the definition");
	cx_buf_release(&b);
}

int main(void)
{
	test_names();
	test_entries();
	test_views();
	test_params();
	test_text_key();
	return t_done();
}

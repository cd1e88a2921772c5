/*
 * t-pylist.c - the Python-literal list parser (adapters/pylist.c) on the cell
 * shapes PadChest's CSV holds: repr() lists, lists by sentence, numpy arrays,
 * missing values, escapes; and every refusal with its exact message.
 */
#include "cx.h"

#include "adapters/pylist.h"
#include "t.h"

/* The items of l joined as "group:text|...", for one-line comparisons. */
static const char *shown(const struct cx_pylist *l)
{
	static char out[512];
	size_t k = 0;
	out[0] = '\0';
	for (size_t i = 0; i < l->n && k < sizeof out; i++)
		k += (size_t)snprintf(out + k, sizeof out - k, "%s%d:%s", i ? "|" : "",
				      cx_pylist_group(l, i), cx_pylist_item(l, i));
	return out;
}

static void ok(struct cx_pylist *l, const char *cell, const char *want, size_t ngroups,
	       const char *what)
{
	struct cx_error err = {0};
	int rc = cx_pylist_parse(l, cell, &err);
	CHECK(rc == 0 && !l->missing, what);
	if (rc)
		printf("#   %s\n", err.msg);
	CHECK_STR(shown(l), want, what);
	CHECK_INT(l->ngroups, ngroups, what);
}

static void bad(struct cx_pylist *l, const char *cell, const char *msg)
{
	struct cx_error err = {0};
	CHECK(cx_pylist_parse(l, cell, &err) == CX_EFORMAT, msg);
	CHECK_STR(err.msg, msg, msg);
}

int main(void)
{
	struct cx_pylist l = {0};
	struct cx_error err = {0};

	ok(&l, "['interstitial pattern', 'unchanged', 'pneumonia']",
	   "-1:interstitial pattern|-1:unchanged|-1:pneumonia", 0, "a list of labels");
	ok(&l, "['normal']", "-1:normal", 0, "one label");
	ok(&l, "[]", "", 0, "an empty list");
	ok(&l, "['']", "-1:", 0, "an empty string is an item");
	ok(&l, "[' pleural effusion', 'cardiomegaly']", "-1: pleural effusion|-1:cardiomegaly", 0,
	   "a leading space is kept for the caller");
	ok(&l, "['loc  cardiac', 'loc left']", "-1:loc  cardiac|-1:loc left", 0,
	   "localizations with their two spaces");
	ok(&l, "[['normal'], ['pleural effusion', 'loc left', 'loc basal'], []]",
	   "0:normal|1:pleural effusion|1:loc left|1:loc basal", 3, "lists by sentence");
	ok(&l, "['C0034063' 'C0018800']", "-1:C0034063|-1:C0018800", 0,
	   "a numpy array, blank-separated");
	ok(&l, "['C0034063' 'C0018800'\n 'C0000001']", "-1:C0034063|-1:C0018800|-1:C0000001", 0,
	   "a numpy array over two lines");
	ok(&l, "  ['a' ,'b',]  ", "-1:a|-1:b", 0, "blanks and a trailing comma");
	ok(&l, "[\"d'Alembert\", 'it\\'s', 'back\\\\slash', 'tab\\there', '\\x41']",
	   "-1:d'Alembert|-1:it's|-1:back\\slash|-1:tab\there|-1:A", 0,
	   "double quotes and repr's escapes");
	ok(&l, "['1', '1']", "-1:1|-1:1", 0, "PixelAspectRatio's list");

	const char *missing[] = {"None", "nan", "", "  ", " None "};
	for (size_t i = 0; i < CX_ARRAY_LEN(missing); i++) {
		CHECK(cx_pylist_parse(&l, missing[i], &err) == 0 && l.missing && l.n == 0,
		      "None, nan and an empty cell are a missing list");
	}

	bad(&l, "pneumonia", "expected '[', None or nan at byte 1");
	bad(&l, "['a', 'b'", "an unclosed list at byte 10");
	bad(&l, "['a', 'b", "an unclosed string at byte 9");
	bad(&l, "['a'; 'b']", "expected ',' or ']' at byte 5");
	bad(&l, "['a'] x", "text after the list at byte 7");
	bad(&l, "[a]", "expected a quoted string or a list at byte 2");
	bad(&l, "[None]", "expected a quoted string or a list at byte 2");
	bad(&l, "[[['deep']]]", "lists nested too deep at byte 3");
	bad(&l, "['a\\qb']", "an unknown escape in a string at byte 5");
	bad(&l, "['a\\x00']", "a NUL byte escaped in a string at byte 5");
	bad(&l, "['a\nb']", "a line break inside a string at byte 4");
	bad(&l, "['a',, 'b']", "expected a quoted string or a list at byte 6");

	/* The buffer is reused: a later, shorter cell leaves nothing behind. */
	ok(&l, "['one', 'two', 'three']", "-1:one|-1:two|-1:three", 0, "a cell");
	ok(&l, "['x']", "-1:x", 0, "then a shorter one");
	cx_pylist_release(&l);
	return t_done();
}

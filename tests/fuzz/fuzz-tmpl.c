/*
 * fuzz-tmpl.c - loading template files (render/tmpl.c) on arbitrary bytes:
 * the first byte picks the task whose file the rest becomes, alone in a
 * templates folder. A file the loader refuses gets one line naming the file
 * and line; a file it takes has at least ten templates in every form it
 * lists, each of them a line of UTF-8 text.
 */
#include "fuzz.h"

#include "render/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char *const tasks[] = {
		"abnormality-grounding", "close-ended-vqa", "findings-generation",
		"findings-summarization", "image-classification", "image-text-matching",
		"image-text-selection", "impression-generation", "open-ended-vqa",
		"view-classification", "view-matching",
	};
	const char *task = tasks[data[0] % CX_ARRAY_LEN(tasks)];
	char name[128];
	snprintf(name, sizeof name, "templates/%s.txt", task);
	const char *path = fuzz_write(name, data + 1, size - 1);
	char dir[512];
	snprintf(dir, sizeof dir, "%s/templates", fuzz_scratch());
	struct cx_templates *t;
	struct cx_error err = {0};
	if (cx_templates_load(&t, dir, &err) == 0) {
		if (!cx_templates_has_task(t, task))
			abort();
		cx_templates_fingerprint(t);
		static const char *const forms[] = {"plain", "choice", "yesno", "list",
						    "indication"};
		for (size_t f = 0; f < CX_ARRAY_LEN(forms); f++) {
			size_t n = cx_templates_count(t, task, forms[f]);
			if (n && n < 10)
				abort();
			for (size_t i = 0; i < n; i++) {
				const char *s = cx_templates_text(t, task, forms[f], i);
				if (!s || !cx_utf8_valid(s, strlen(s)) || strchr(s, '\n'))
					abort();
			}
		}
		cx_templates_free(t);
	} else if (!fuzz_error_ok(&err)) {
		abort();
	}
	unlink(path);
	return 0;
}

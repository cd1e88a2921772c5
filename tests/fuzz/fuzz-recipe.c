/*
 * fuzz-recipe.c - the recipe file of `chexinstruct recipe` (cli/recipe.c) on
 * arbitrary bytes. The first byte picks the recipe's name, so that paths are
 * joined to no folder, a relative one or an absolute one. A recipe it
 * refuses gets one line naming it; a recipe it takes has its three paths, at
 * least one shard set, and every set as the shard command would take it: a
 * plain name, its folder under "out", a split, a format, min_shards only for
 * webdataset, image settings in range and only with a size, and at most one
 * mix (a file or inline JSON text that parses again), named when there is one.
 */
#include "fuzz.h"

#include <cjson/cJSON.h>

#include "cli/recipe.h"

static void check_set(const struct cx_recipe *r, const struct cx_recipe_set *s)
{
	if (!s->name || !s->name[0] || s->name[0] == '.' || strchr(s->name, '/') || !s->out ||
	    !cx_str_starts(s->out, r->out) || !cx_str_ends(s->out, s->name))
		abort();
	if (s->split < 0 || s->split > 2 || !s->format)
		abort();
	int wds = !strcmp(s->format, "webdataset");
	if (!wds && strcmp(s->format, "native") && strcmp(s->format, "mds"))
		abort();
	if (wds ? s->min_shards < 1 || s->min_shards > 65536 : s->min_shards != 0)
		abort();
	if (s->image_size < 0 || s->image_size > 16384 || s->quality < 0 || s->quality > 100 ||
	    (!s->image_size && (s->quality || s->enlarge || s->image_png)))
		abort();
	if ((s->mix_path && s->mix_text) || (!s->mix_name != (!s->mix_path && !s->mix_text)))
		abort();
	if (s->mix_text) {
		cJSON *j = cJSON_Parse(s->mix_text);
		if (!cJSON_IsObject(j))
			abort();
		cJSON_Delete(j);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"recipe.json", "recipes/demo.json", "/r/x.json",
					    "/recipe.json"};
	if (size < 1)
		return 0;
	char *text = cx_calloc(size, 1);
	memcpy(text, data + 1, size - 1);
	struct cx_recipe r;
	struct cx_error err = {0};
	if (cx_recipe_parse(&r, names[data[0] & 3], text, &err) != 0) {
		if (!fuzz_error_ok(&err))
			abort();
	} else {
		if (!r.sources || !r.catalogue || !r.out || r.nsets < 1)
			abort();
		if (r.hash_images && !r.check_images)
			abort();
		for (size_t i = 0; i < r.nsets; i++)
			check_set(&r, &r.sets[i]);
	}
	cx_recipe_free(&r);
	free(text);
	return 0;
}

/*
 * recipe.h - the recipe file of `chexinstruct recipe` (cmd-recipe.c): one
 * JSON file describing a whole run, the sources folder and build settings,
 * the catalogue, and every shard set with its split, mix, format, image
 * settings, seeds and access (format: README.md, "Using it on the real
 * datasets"; CONTRIBUTING.md, "The recipe"). Parsing is pure: no file is
 * opened, so the fuzz target (tests/fuzz/fuzz-recipe.c) runs it on any bytes.
 */
#ifndef CX_CLI_RECIPE_H
#define CX_CLI_RECIPE_H

#include "cx.h"

/* One shard set: "shards": {NAME: {...}}, over "defaults". */
struct cx_recipe_set {
	char *name;           /* its key, a plain folder name */
	int split;            /* 0 train, 1 val, 2 test */
	char *out;            /* OUT/NAME, OUT the recipe's "out" */
	/* the mix: a file (mix_path), or an
	 * inline object (mix_text, compact JSON), or neither (every instance
	 * once); mix_name names it in messages */
	char *mix_path, *mix_text, *mix_name;
	uint64_t seed;        /* the shard seed */
	char *format;         /* native, webdataset or mds */
	uint64_t max_bytes, max_records;   /* 0: none */
	uint64_t min_shards;  /* webdataset: 4 unless given; other formats: 0 */
	int image_size;       /* 0: original bytes, no "image" */
	int image_png;        /* 1: png, 0: jpeg */
	int quality;          /* 0: the default, 90 */
	int enlarge;
	int access_public;
	int allow_short;      /* "allow_short_mix" */
};

struct cx_recipe {
	char *path;           /* the recipe file, as named */
	char *description;    /* or NULL */
	/* paths as written: relative ones are relative to the recipe's folder */
	char *sources, *catalogue, *out, *templates; /* templates: NULL for the default */
	/* "build" */
	uint64_t build_seed;
	char *only;           /* comma-separated source ids, or NULL: every source found */
	int check_images, hash_images, strict;
	struct cx_recipe_set *sets;   /* in the file's order */
	size_t nsets;
};

/* Parses recipe text (named path in messages). Errors are one line naming
 * the file and the key, or the line and column of a JSON syntax error. */
int cx_recipe_parse(struct cx_recipe *r, const char *path, const char *text,
		    struct cx_error *err);
/* Reads the file (at most 1 MiB) and parses it. */
int cx_recipe_load(struct cx_recipe *r, const char *path, struct cx_error *err);
void cx_recipe_free(struct cx_recipe *r);

#endif

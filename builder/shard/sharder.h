/*
 * sharder.h - the core of `chexinstruct shard`: from the catalogue to a
 * folder of shards (schema/shard-format.md) with manifest.json and
 * leakage.json. The steps, in order: check the output folder, plan (split
 * hygiene, held-out entries, duplicates), render, mix, shuffle, write through
 * one backend (writer.h), then leakage.json and, last, manifest.json.
 */
#ifndef CX_SHARD_SHARDER_H
#define CX_SHARD_SHARDER_H

#include "cx.h"

#include "catalogue/catalogue.h"
#include "image/image.h"
#include "render/render.h"
#include "shard/writer.h"

/* A release that moved: the path the catalogue records (dataset.release_path)
 * and where its copy is now (shard --sources, cli/shard-sources.c). */
struct cx_shard_moved {
	char *from, *to;
};

struct cx_shard_opts {
	const char *out;          /* output folder */
	int split;                /* 0 train, 1 val, 2 test */
	const char *mix;          /* mix file, or NULL */
	const char *mix_text;     /* the mix as JSON text (a recipe's inline mix), or NULL;
				   * mix then only names it in messages */
	uint64_t seed;            /* the shard seed (manifest "seed"): pick, templates, shuffle */
	struct cx_shard_limits limits;
	const char *format;       /* "native", "webdataset", "mds" */
	/* --image-size: image.size > 0 transcodes every image written (any
	 * format the decoders read, DICOM and JSRT included); 0 passes the
	 * original JPEG/PNG bytes through unchanged. */
	struct cx_transcode_opts image;
	/* --threads: workers reading, hashing and transcoding images, and
	 * reading them again for the records (1 = on the main thread). The
	 * output does not depend on it. */
	int threads;
	/* --overwrite: replace a finished set (a folder with a manifest.json);
	 * without it such a folder is refused. Either way the old set stays
	 * whole until the new one is complete. */
	int overwrite;
	/* Test and benchmark hooks (the command line reads them from the
	 * environment, CX_SHARD_CRASH_AFTER and CX_SHARD_TIMES): crash_after N
	 * >= 1 _exit(3)s the process right after record N is handed to the
	 * backend (0: never); times prints each phase's wall time on stderr. */
	uint64_t crash_after;
	int times;
	/* --dry-run: plan (hygiene, duplicates, mix) without reading an image
	 * or writing a file, and print the plan on stdout (--json: as JSON) */
	int dry_run, json;
	/* --allow-short-mix: a request of the mix that ends short (mix.h,
	 * cx_mix_is_short) is reported, not an error */
	int allow_short;
	/* a progress line on stderr (the command sets it when stderr is a tty) */
	int progress;
	/* --sources: releases read from their copies instead (none: where the
	 * catalogue says they are) */
	const struct cx_shard_moved *moved;
	size_t nmoved;
	/* --access public: leave out the sources whose access class is not
	 * public (credentialed ones); the manifest's config says which */
	int access_public;
};

struct cx_shard_summary {
	uint64_t records, bytes;
	size_t shards;
	uint64_t removed;         /* instances of the split left out (leakage.json) */
};

/* The backend for a --format name, or NULL. */
const struct cx_shard_writer_ops *cx_shard_format(const char *name);

int cx_shard_run(struct cx_cat *cat, const struct cx_templates *t, const struct cx_shard_opts *o,
		 struct cx_shard_summary *sum, struct cx_error *err);

/* The content hash by which images are deduplicated and kept out of train
 * when a stricter split has them: the one place it is computed. */
uint64_t cx_shard_image_hash(const unsigned char *data, size_t len);

#endif

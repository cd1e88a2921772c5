/*
 * verify.h - what the parts of `chexinstruct verify` share: the tally of
 * faults and counts, and the check every record of every format gets
 * (cmd-verify.c); the WebDataset and MDS shards and their sidecars are read
 * back by verify-exports.c.
 */
#ifndef CX_CLI_VERIFY_H
#define CX_CLI_VERIFY_H

#include "cx.h"

#include <cjson/cJSON.h>

#include "shard/writer.h"
#include "util/progress.h"

struct tally {
	cJSON *counts;          /* {"task": {}, "dataset": {}, "entry": {}} as found */
	long faults;
	uint64_t records;
	const char *split;      /* the manifest's split */
	int image_size;         /* config.image_size, 0 when null */
	int image_type;         /* config.image_format, with image_size */
	int enlarge;            /* config.enlarge: the longest side is image_size, else at most */
	char why[1024];          /* the reason verify_record returns */
	struct cx_progress prog; /* records checked, on a terminal */
};

void verify_fault(struct tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Checks one record (its metadata: a JSON object with task, dataset, entry
 * and the manifest's split; its images: JPEG or PNG, of the manifest's image
 * size and format when it gives one) and counts it. NULL, or why not. */
const char *verify_record(struct tally *t, const char *meta, size_t nmeta,
			  const struct cx_shard_image *im, size_t nimages);

/* Size and XXH3 of a whole file; 0, or -1 when it cannot be read. */
int verify_hash_file(const char *path, uint64_t *size, uint64_t *hash);

/* A WebDataset tar: its samples (records checked and counted) against the
 * manifest's count, and its .tar.idx against the offsets the tar gives. */
void verify_wds(struct tally *t, const char *dir, const char *name, uint64_t want_records);
/* An MDS shard's layout, samples and count; *samples and *size_limit (from
 * its embedded config) for the index. */
void verify_mds(struct tally *t, const char *dir, const char *name, uint64_t want_records,
		uint64_t *samples, uint64_t *size_limit);
/* index.json against the one the shards give: expected is what
 * cx_mds_index_json makes of them. */
void verify_mds_index(struct tally *t, const char *dir, const struct cx_buf *expected);

#endif

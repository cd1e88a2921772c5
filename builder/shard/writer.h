/*
 * writer.h - shard writer backends. The sharder core (shard/sharder.c) turns
 * catalogue instances into records and hands them, in their final order, to
 * one backend: native (schema/shard-format.md), webdataset or mds. Each
 * backend writes shards under temporary names, fsyncs and renames each when
 * it is complete, and reports the files it wrote for the manifest, which the
 * core writes last.
 */
#ifndef CX_SHARD_WRITER_H
#define CX_SHARD_WRITER_H

#include "cx.h"

#include "image/image.h" /* enum cx_image_type */

struct cx_shard_image {
	const unsigned char *data;
	size_t len;
	enum cx_image_type type;
};

/* One record, as every backend receives it. All pointers are borrowed. */
struct cx_shard_record {
	uint64_t index;            /* position in the output, 0-based */
	const char *key;           /* dot-free, unique within the output, e.g. "000001234" */
	const char *instruction;
	const char *answer;
	const char *meta_json;     /* the metadata object (schema/shard-format.md) */
	const struct cx_shard_image *images;
	size_t nimages;
};

/* How shards are cut, and how the bytes reach the disk. */
struct cx_shard_file;
struct cx_shard_limits {
	uint64_t max_bytes;        /* 0: no limit (the backend may impose its own) */
	uint64_t max_records;      /* 0: no limit */
	int buffered;              /* page cache only, no O_DIRECT (--buffered) */
	/* called once a shard file (with its sidecar) is in place under its
	 * final name, for the sharder's resume journal; NULL: not called */
	void (*on_shard)(void *ctx, const struct cx_shard_file *f);
	void *on_shard_ctx;
	/* webdataset only: cut the records into at least min_shards shards
	 * (as evenly as the order allows; fewer only when there are fewer
	 * records), so that every worker of a multi-worker loader gets a
	 * shard; total is the number of records that will be written. 0: off. */
	uint64_t min_shards;
	uint64_t total;
};

/* A finished shard file, for the manifest. */
struct cx_shard_file {
	char *name;                /* file name inside the output folder */
	uint64_t records;
	uint64_t bytes;
	uint64_t hash;             /* XXH3-64 of the file as the format defines it */
};

struct cx_shard_writer_ops {
	const char *format;        /* "native", "webdataset", "mds" */
	int (*open)(void **state, const char *dir, const struct cx_shard_limits *lim,
		    struct cx_error *err);
	int (*write)(void *state, const struct cx_shard_record *r, struct cx_error *err);
	/* Finishes the last shard; *files (caller frees each name and the array). */
	int (*close)(void *state, struct cx_shard_file **files, size_t *nfiles,
		     struct cx_error *err);
	/* Removes temporary files and frees the state (after an error). */
	void (*abort)(void *state);
	/* After open, before any write: the first n shards are already in place
	 * (an interrupted run's, listed by on_shard); the next shard written is
	 * number n, and close reports them first. A shard's cut depends only on
	 * its own records, so the files are those of an uninterrupted run. NULL:
	 * the format cannot resume (MDS: its index.json is made from every
	 * shard's columns), and the run starts over. */
	void (*resume)(void *state, const struct cx_shard_file *done, size_t n);
};

extern const struct cx_shard_writer_ops cx_shard_native;
extern const struct cx_shard_writer_ops cx_shard_webdataset;
extern const struct cx_shard_writer_ops cx_shard_mds;

/* Writes a whole file under a temporary name, fsyncs it and renames it into
 * place (shard/atomic.c). */
int cx_write_file_atomic(const char *dir, const char *name, const void *data, size_t len,
			 struct cx_error *err);

#endif

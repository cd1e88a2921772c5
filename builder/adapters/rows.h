/*
 * rows.h - the read loops every adapter needs, with the row accounting built
 * in: open a file of the release, bind its columns or keys by name, check
 * what every row of that format must satisfy, and hand each row to a row
 * function that *returns* what became of it.
 *
 *     static struct cx_outcome one_row(void *ctx, struct cx_row *row)
 *     {
 *             if (bad)
 *                     return cx_rows_reject(row, "unknown value '%s' in column 'Sex'", v);
 *             if (not chest)
 *                     return cx_rows_filter("not-chest");   (a rule of sources/<id>.md)
 *             ... emit facts; on a refused fact: return cx_rows_reject(row, "%s", err.msg);
 *             return cx_rows_keep();
 *     }
 *
 * The helper counts the row as read (and tells the sink, cx_row_read())
 * before calling the row function, and makes the one accounting call
 * (cx_row_kept / cx_row_reject / cx_row_filter) with the outcome after it:
 * a row function cannot account for a row twice or forget it, so
 *     rows read = kept + rejected + filtered
 * holds by construction. The sink counts rows read separately and checks
 * the sum at the end of a source (catalogue/cat-write.c, tests/unit/facts.c),
 * which catches an adapter that accounts for rows outside these helpers
 * without cx_rows_account().
 *
 * Why here and not in io/: the helpers make the sink's accounting calls
 * (adapter.h), and io/ knows nothing of sinks. The safe-name check has no
 * such tie but exists for the rejects of adapters, so it lives here too.
 *
 * Rejects the helpers make themselves, one wording each for every source:
 *     row has N fields, expected M                (CSV, TSV)
 *     invalid UTF-8 in column 'C'                 (CSV, TSV)
 *     invalid UTF-8 in key 'K'                    (JSON, JSON Lines)
 *     'K' is a list, expected a string            (JSON: a bound key of another type)
 *     missing 'K'                                 (JSON: a required key absent or null)
 *     record is a list, expected an object        (JSON, JSON Lines)
 *     line is not valid JSON (syntax error at byte N)   (JSON Lines)
 *     invalid UTF-8 in the line                   (list files)
 *     row longer than 4194304 bytes               (CSV, TSV: io/csv.h's caps)
 *     field of column 'C' longer than 1048576 bytes
 *     row has more than 65536 fields
 *     line longer than 4194304 bytes              (JSON Lines, list files, also
 *                                                  an index list's: io/lines.h)
 *     WHAT 'NAME' is not a safe name: PROBLEM     (cx_rows_safe_name)
 *     a symbolic link on its path leads out of the release   (files as rows)
 * Every reason reaches the sink as one line of UTF-8 of at most 500 bytes:
 * control bytes of the release text it quotes are written \xNN.
 *
 * There is no XML helper: OpenI, the one XML source, has one report per
 * file, and its checks (root element, one uId, each section once) stop
 * expat at the offending element so the reject names its line. A generic
 * record helper would need a document tree per record or per-element
 * callbacks, i.e. OpenI's own handlers again; openi.c reads its files
 * through cx_rows_files() and keeps its expat handlers.
 */
#ifndef CX_ROWS_H
#define CX_ROWS_H

#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/json-file.h"
#include "io/release.h"

struct cx_release;
struct cx_stream;
struct cx_csv_row;

/* What became of a row. */
enum cx_row_kind {
	CX_ROW_KEPT,
	CX_ROW_REJECTED, /* why: the reason, naming the problem */
	CX_ROW_FILTERED, /* why: the rule, documented in sources/<id>.md */
	CX_ROW_ERROR,    /* stop the whole read: row->err holds the error */
	CX_ROW_DEFERRED, /* read; its outcome comes later, by cx_rows_settle() */
};

struct cx_outcome {
	enum cx_row_kind kind;
	const char *why;
};

/* One row, as the helper hands it to the row function. */
struct cx_row {
	const char *file;     /* name inside the release */
	long line;            /* 1-based line, or record number in a JSON list. A row
			       * function may move it (OpenI: the line of the bad element). */
	const char *const *v; /* v[i]: the value of the spec's column or key i, NULL when
			       * an optional one is absent; a list line's words */
	size_t n;             /* number of v */
	const struct cx_csv_row *csv;    /* CSV, TSV: the whole row */
	const struct cx_csv_row *header; /* CSV, TSV: the header row (trimmed) */
	const cJSON *obj;                /* JSON, JSON Lines: the record */
	struct cx_stream *stream;        /* cx_rows_files(): the file, unread */
	struct cx_error *err;            /* the read's error, for cx_rows_fail() */
	struct cx_buf reason;            /* the helper's buffer behind cx_rows_reject() */
};

typedef struct cx_outcome (*cx_row_fn)(void *ctx, struct cx_row *row);

/* The outcomes a row function returns. */
struct cx_outcome cx_rows_keep(void);
struct cx_outcome cx_rows_filter(const char *rule); /* rule: a string that outlives the row */
struct cx_outcome cx_rows_reject(struct cx_row *row, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A row whose fate a later file decides: a lookup table read first, so that
 * each fact is written once and complete (MIMIC-CXR's metadata rows are
 * joined into the images of the split file, which comes later). The row is
 * counted as read now and must be settled by cx_rows_settle() once its use
 * is known; it emits no fact itself. A row never settled leaves read above
 * kept + rejected + filtered, which the sink's check at the end reports.
 */
struct cx_outcome cx_rows_defer(void);
/* Stops the read with the error already set in row->err (a stream that
 * cannot be read): the helper returns its code. The row is not accounted. */
struct cx_outcome cx_rows_fail(void);

/*
 * The state of one adapter's reading: the sink, the context handed to every
 * row function, and the counts of the rows the helpers accounted for (across
 * every file read through this struct; adapters may read them, e.g. OpenI
 * fails when no report file was met at all).
 */
struct cx_rows {
	const struct cx_sink *sink; /* NULL only for reading index lists (cx_rows_list) */
	void *ctx;
	long read, kept, rejected, filtered, deferred;
};

/* Accounts one row that no helper read (a CheXpert test image that no label
 * row names): read, then its outcome. Returns 0, or the error of an
 * CX_ROW_ERROR outcome (err must then be set). */
int cx_rows_account(struct cx_rows *r, const char *file, long line, struct cx_outcome o,
		    struct cx_error *err);

/* Gives a deferred row (file, line) its outcome: keep, filter, or a reject
 * whose why is the reason (one line; copied before this returns). */
int cx_rows_settle(struct cx_rows *r, const char *file, long line, struct cx_outcome o,
		   struct cx_error *err);

/* ---- CSV and TSV (io/csv.h) ---- */

/* How many fields a row must have. */
enum cx_fields {
	CX_FIELDS_HEADER = 0, /* exactly one per header column */
	CX_FIELDS_NAMED,      /* one per header column up to the last named one; more
			       * only when empty (NIH's trailing commas, BBox_List's
			       * "[x,y,w,h],,," header) */
};

struct cx_csv_spec {
	const char *file;
	char delim;             /* ',' (also when 0) or '\t' */
	const char *const *cols; /* bound by name, as cx_csv_header() */
	const int *optional;    /* optional[i]: column i may be absent; NULL: all required */
	size_t ncols;
	enum cx_fields fields;
	cx_row_fn fn;
};

/*
 * Reads the file's header (a missing required column is an error naming the
 * file, its line and the column), then each row: a wrong field count or a
 * field that is not UTF-8 is rejected here; every other row goes to fn with
 * v[i] = the field of cols[i]. Returns 0, or a negative code when the file
 * cannot be opened or read or is not CSV.
 */
int cx_rows_csv(struct cx_rows *r, struct cx_release *rel, const struct cx_csv_spec *spec,
		struct cx_error *err);

/* ---- JSON: a list of objects in one file, or JSON Lines ---- */

struct cx_json_key {
	const char *name;   /* case-sensitive */
	int kinds;          /* CX_JSON_STRING and/or CX_JSON_INT (json-file.h) */
	int required;
};

struct cx_json_spec {
	const char *file;
	size_t max;         /* cx_rows_json(): byte cap of the file, read whole */
	const struct cx_json_key *keys;
	size_t nkeys;
	const char *absent; /* a string value that means "absent" (VQA-RAD's "NULL"), or NULL */
	cx_row_fn fn;
};

/*
 * cx_rows_json(): the file is one JSON list (VQA-RAD, SLAKE); its elements are
 * the rows, numbered from 1. A file that is not JSON, or not a list, is an
 * error naming it. cx_rows_jsonl(): one JSON value per line (blank lines are
 * not rows); a line that does not parse is a rejected row.
 * In both, a record that is not an object, or whose bound keys are of the
 * wrong type, not UTF-8 or (required) missing, is rejected here; fn gets the
 * rest with v[i] = keys[i]'s value as text, NULL when absent.
 */
int cx_rows_json(struct cx_rows *r, struct cx_release *rel, const struct cx_json_spec *spec,
		 struct cx_error *err);
int cx_rows_jsonl(struct cx_rows *r, struct cx_release *rel, const struct cx_json_spec *spec,
		  struct cx_error *err);

/* ---- whitespace-separated list files (NIH's train_val_list.txt) ---- */

struct cx_list_spec {
	const char *file;
	/* 1: the lines are an index into rows read elsewhere (NIH's split lists
	 * name the images whose Data_Entry rows are the rows), so they are not
	 * accounted; a reject from fn then fails the read with file, line and
	 * reason, and a filter skips the line. A line over CX_LINE_MAX is the
	 * exception: it is a row read and rejected when cx_rows has a sink
	 * (the read goes on), an error without one. */
	int index;
	cx_row_fn fn;
};

/* Each line with at least one word goes to fn with v = its words (split on
 * spaces, tabs, CR, VT and FF); blank lines are not rows. A line that is not
 * UTF-8 is rejected here. */
int cx_rows_list(struct cx_rows *r, struct cx_release *rel, const struct cx_list_spec *spec,
		 struct cx_error *err);

/* ---- lines of fields with one free field (COVIDx's label files) ---- */

struct cx_ends_spec {
	const char *file;
	size_t head; /* fields read from the start of the line */
	size_t tail; /* fields read from its end */
	cx_row_fn fn;
};

/*
 * For space-separated lines whose one free field may itself hold spaces
 * (COVIDx: "patient file name.png class source", file names with spaces):
 * head fields are taken from the start, tail fields from the end (each
 * ended by a run of spaces or tabs; a final CR is dropped), and what lies
 * between, trimmed, is field head, its inner spaces kept. fn gets v[0..head-1],
 * the free field, then the tail fields (n = head + 1 + tail). Blank lines are
 * not rows. A line that is not UTF-8 (or holds a NUL byte) is rejected as
 * "invalid UTF-8 in the line", one with fewer than head + tail + 1 fields as
 * "line has N fields, expected at least M", and one over CX_LINE_MAX as
 * "line longer than 4194304 bytes".
 */
int cx_rows_ends(struct cx_rows *r, struct cx_release *rel, const struct cx_ends_spec *spec,
		 struct cx_error *err);

/* ---- files as rows (one report per file) ---- */

struct cx_files_spec {
	const char *pattern; /* as cx_release_walk() */
	/* A name met again in a later layer (extracted and inside the archive
	 * too) is filtered under this rule without being read; NULL: every copy
	 * is a row of its own. */
	const char *copy_rule;
	cx_row_fn fn;
};

/* Each file matching the pattern is one row (line 1) whose row->stream fn
 * may read. Returns 0, fn's error, or the walk's. */
int cx_rows_files(struct cx_rows *r, struct cx_release *rel, const struct cx_files_spec *spec,
		  struct cx_error *err);

/* ---- names taken from release metadata ---- */

enum {
	CX_NAME_PATH = 0, /* a relative path: components separated by '/' */
	CX_NAME_FILE = 1, /* one component: no '/' at all */
};

#define CX_NAME_MAX CX_RELEASE_NAME_MAX      /* bytes in a whole name (io/release.h) */
#define CX_NAME_PART_MAX CX_RELEASE_PART_MAX /* bytes in one component */

/*
 * NULL when name is safe to look up inside a release, else what is wrong:
 * empty, absolute, a "." or ".." or empty component, a backslash, a control
 * byte, not UTF-8, too long, or (CX_NAME_FILE) a '/'.
 */
const char *cx_rows_name_problem(const char *name, int flags);
/* Appends "WHAT 'NAME' is not a safe name: PROBLEM" to out, with control
 * bytes (and the bytes of a name that is not UTF-8) escaped as \xNN and a
 * long name cut short. */
void cx_rows_name_reason(struct cx_buf *out, const char *what, const char *name,
			 const char *problem);
/* 0 when name is safe; else 1 with *out the reject naming it. */
int cx_rows_safe_name(struct cx_row *row, const char *what, const char *name, int flags,
		      struct cx_outcome *out);

#endif

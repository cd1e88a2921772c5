/*
 * adapter.h - what a source adapter is, and the facts it hands on.
 *
 * An adapter reads one dataset's release (see io/release.h) and hands facts
 * to a struct cx_sink: images, label sets, boxes, report sections, question-
 * answer pairs. It knows nothing of SQLite and prints nothing; the catalogue
 * (or a test) implements the sink. Instances for the tasks are derived from
 * the facts later, by the rules named in the adapter's entries.
 *
 * Accounting: every row (or record) an adapter reads is counted as read
 * (cx_row_read()) and gets exactly one of cx_row_kept(), cx_row_reject() or
 * cx_row_filter(), so that
 *     rows read = kept + rejected + filtered
 * holds for every source; the sink checks it. Adapters do not make these
 * calls themselves: the read loops of adapters/rows.h make them from the
 * outcome a row function returns. Filter rules are documented in
 * sources/<id>.md.
 *
 * Adding a source: see CONTRIBUTING.md, "Adding a source".
 */
#ifndef CX_ADAPTER_H
#define CX_ADAPTER_H

#include "cx.h"

#include "vocab/vocab.h"

struct cx_release;

enum cx_split { CX_SPLIT_NONE = 0, CX_SPLIT_TRAIN, CX_SPLIT_VAL, CX_SPLIT_TEST };
const char *cx_split_name(enum cx_split s); /* "train", "val", "test", "" */

/* Where a fact came from: a file of the release and its line or record number. */
struct cx_where {
	const char *file;
	long line;
};

/*
 * An image. `key` is unique within the dataset (MIMIC dicom_id, CheXpert
 * "train/patient00001/study1/view1_frontal.jpg", NIH "00000001_000.png").
 * A fact with path == NULL updates an image emitted earlier (by key): only
 * the fields it sets (non-NULL strings, numbers >= 0, split != NONE) change,
 * and an unknown key is refused with CX_ENOTFOUND.
 */
struct cx_image_fact {
	const char *key;
	const char *path;    /* name inside the release (io/release.h), or NULL */
	const char *patient;
	const char *study;   /* study key within the dataset, or NULL */
	const char *view;    /* PA, AP, LATERAL, LL, ... as released, or NULL */
	enum cx_split split;
	const char *sex;     /* "F", "M", or NULL */
	int age;             /* years, -1 when unknown */
	const char *race;    /* as released, or NULL */
	int width, height;   /* from release metadata, -1 when unknown */
};

/* A study: groups images, carries study-level labels and reports. */
struct cx_study_fact {
	const char *key;
	const char *patient;
	enum cx_split split;
};

/* Label values as released: CheXpert-style 1 / 0 / -1, or blank (absent). */
enum cx_label_value { CX_LABEL_NEG = 0, CX_LABEL_POS = 1, CX_LABEL_UNCERTAIN = -1 };

struct cx_label {
	const char *name;
	int value; /* enum cx_label_value */
};

/* Labels of a study (on_study = 1) or of an image (on_study = 0). Labels that
 * are blank in the release are simply not listed. A later fact for the same
 * target replaces the earlier one. */
struct cx_labels_fact {
	const char *target;
	int on_study;
	const struct cx_label *labels;
	size_t n;
};

/* A box in pixels of the original image: top-left corner, width, height. */
struct cx_box_fact {
	const char *image; /* image key */
	const char *label;
	double x, y, w, h;
};

/* Report sections of a study. NULL or "" when the report has no such section. */
struct cx_report_fact {
	const char *study;
	const char *indication;
	const char *comparison;
	const char *findings;
	const char *impression;
	const char *last_paragraph;
};

/* A question about one image. */
struct cx_qa_fact {
	const char *key;      /* unique within the dataset (qid) */
	const char *image;    /* image key */
	const char *question;
	const char *answer;
	int closed;           /* 1 for close-ended (yes/no and the like) */
	const char *qtype;    /* as released (VQA-RAD question_type, SLAKE content_type) */
	enum cx_split split;
};

/*
 * The sink. Every fact function returns 0, or a negative code when the fact
 * cannot be used; then the adapter rejects the row (with err's message as the
 * reason) instead of keeping it. NULL members are allowed in test sinks.
 */
struct cx_sink {
	void *ctx;
	int (*image)(void *ctx, const struct cx_image_fact *f, struct cx_error *err);
	int (*study)(void *ctx, const struct cx_study_fact *f, struct cx_error *err);
	int (*labels)(void *ctx, const struct cx_labels_fact *f, struct cx_error *err);
	int (*box)(void *ctx, const struct cx_box_fact *f, struct cx_error *err);
	int (*report)(void *ctx, const struct cx_report_fact *f, struct cx_error *err);
	int (*qa)(void *ctx, const struct cx_qa_fact *f, struct cx_error *err);
	/* Row accounting; where->file is a name inside the release. */
	void (*kept)(void *ctx, const struct cx_where *w);
	void (*reject)(void *ctx, const struct cx_where *w, const char *reason);
	void (*filter)(void *ctx, const struct cx_where *w, const char *rule);
	/* A row was read (before its facts and its outcome), counted apart from
	 * the outcomes so the sum can be checked. */
	void (*read)(void *ctx, const struct cx_where *w);
};

/* Thin wrappers that tolerate NULL sink members. */
int cx_emit_image(const struct cx_sink *s, const struct cx_image_fact *f, struct cx_error *err);
int cx_emit_study(const struct cx_sink *s, const struct cx_study_fact *f, struct cx_error *err);
int cx_emit_labels(const struct cx_sink *s, const struct cx_labels_fact *f, struct cx_error *err);
int cx_emit_box(const struct cx_sink *s, const struct cx_box_fact *f, struct cx_error *err);
int cx_emit_report(const struct cx_sink *s, const struct cx_report_fact *f, struct cx_error *err);
int cx_emit_qa(const struct cx_sink *s, const struct cx_qa_fact *f, struct cx_error *err);
void cx_row_kept(const struct cx_sink *s, const char *file, long line);
void cx_row_reject(const struct cx_sink *s, const char *file, long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void cx_row_filter(const struct cx_sink *s, const char *file, long line, const char *rule);
void cx_row_read(const struct cx_sink *s, const char *file, long line);

/* The image fact with every field "unknown". */
void cx_image_fact_init(struct cx_image_fact *f);

/*
 * Derivation rules: how the instances of a task-dataset entry come from the
 * facts. Each rule is one object (adapters/rules.c): its name (stored in
 * entry.derive), the SQL that selects its instances, the facts it reads,
 * what images an instance shows, and what the renderers take from it. An
 * adapter's entry points at a rule and may give it parameters; the
 * catalogue (catalogue/cat-derive.c) runs it, catalogue/cat-view.c asks it
 * how to fill a view. Adding a rule: see CONTRIBUTING.md, "Adding a task".
 */

/* The images an instance shows. */
enum cx_rule_images {
	CX_IMAGES_NONE,  /* none: text only */
	CX_IMAGES_STUDY, /* every image of its study, frontal views first, then by key */
	CX_IMAGES_IMAGE, /* its image */
	CX_IMAGES_PAIR,  /* its image, then its other image */
};

/* Temporary tables several rules read (e.g. the runs of studies with report
 * text): built once per source, before the first rule that names them. */
struct cx_rule_prep {
	const char *name;
	const char *const *sql; /* statements in order, NULL-terminated; ?2 = dataset id */
	const struct cx_rule_prep *after; /* built first, or NULL */
};

struct cx_rule {
	const char *name;  /* e.g. "summary"; unique, stored as entry.derive */
	const char *about; /* what one instance is */
	const char *needs; /* the facts it reads, e.g. "study, report, image" */
	/* SELECTs run in order, NULL-terminated. Each names its columns after
	 * the instance table's (key, split, study_id, ...), with ?1 AS entry_id
	 * first; the catalogue inserts them by those names, in the SELECT's
	 * order. ?2 is the dataset id, ?3 the entry's impression_excludes. */
	const char *const *sql;
	const struct cx_rule_prep *prep; /* or NULL */
	enum cx_rule_images images;
	int image_labels;  /* 1: an instance's labels are its image's, not its study's */
	int other_text;    /* 1: other_id is a study whose report text the instance shows */
};

/* What an entry tells its rule. Rules that take no parameter ignore them. */
struct cx_rule_params {
	/* summary: studies whose impression holds one of these strings are left
	 * out (NULL-terminated; NULL keeps every study) */
	const char *const *impression_excludes;
};

extern const struct cx_rule cx_rule_labels_study; /* a study with labels; its images */
extern const struct cx_rule cx_rule_labels_image; /* an image with labels */
extern const struct cx_rule cx_rule_view;         /* an image whose view is PA, AP, LATERAL, LL */
extern const struct cx_rule cx_rule_view_pairs;   /* frontal+lateral of one study, and of two */
extern const struct cx_rule cx_rule_boxes;        /* an (image, label) with boxes */
extern const struct cx_rule cx_rule_findings;     /* a study with findings; its images */
extern const struct cx_rule cx_rule_impression;   /* a study with an impression; its images */
extern const struct cx_rule cx_rule_summary;      /* a study with both; text only */
extern const struct cx_rule cx_rule_text_match;   /* own text (yes), another study's (no) */
extern const struct cx_rule cx_rule_text_select;  /* own text among two */
extern const struct cx_rule cx_rule_qa_open;      /* an open question */
extern const struct cx_rule cx_rule_qa_closed;    /* a closed question */

/* Every rule, and the one of a name (NULL if none). */
extern const struct cx_rule *const cx_rules[];
extern const size_t cx_nrules;
const struct cx_rule *cx_rule_find(const char *name);

/* A task-dataset entry fed by an adapter. */
struct cx_entry_def {
	const char *task;   /* task id, a file in templates/ (e.g. "image-classification") */
	const struct cx_rule *rule;
	int held_out;       /* 1: evaluation only, never train (OpenI) */
	struct cx_rule_params params;
};

/*
 * The descriptor every adapter exports (curl-style: data plus functions).
 * probe() says whether a release is this dataset (it may call
 * cx_release_locate() to set the release's root; the build runs it through
 * cx_release_try(), so a probe that says no leaves no trace); read() streams
 * the whole release into the sink, returning 0, or a negative code with err
 * set when a required file is missing or unreadable (a one-line message
 * naming it).
 */
struct cx_adapter {
	const char *id;        /* kebab-case, = file stem = sources/<id>/ */
	const char *dataset;   /* display name, e.g. "MIMIC-CXR" */
	const char *versions;  /* release versions read, e.g. "2.0.0, 2.1.0" */
	const char *license;
	const char *access;    /* "public" or "credentialed" */
	/* Whose study and patient ids this release uses: NULL for its own, or
	 * the id of the source it borrows them from ("mimic-cxr" for a release
	 * built on MIMIC-CXR studies, e.g. CXR-LT). The sharder namespaces ids
	 * by it, so a MIMIC study in another source's train is caught when
	 * MIMIC-CXR has it in val or test. */
	const char *id_space;
	/* The sources this release needs built first (ids, NULL-terminated), or
	 * NULL: CXR-LT's labels refer to MIMIC-CXR's images, so it would list
	 * "mimic-cxr". The build orders a required source before its dependant,
	 * and does not build the dependant when the required source is neither
	 * built in the same run nor already in the catalogue (builder/build/). */
	const char *const *requires;
	/* The vocabulary of the label sets it emits (vocab/vocab.h), or NULL
	 * when it emits none. The catalogue stores it with the source, and the
	 * renderer reads the source's labels by it. */
	const struct cx_vocab *labels;
	const struct cx_entry_def *entries;
	size_t nentries;
	int (*probe)(struct cx_release *rel);
	int (*read)(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err);
};

/* The adapter table (adapters/registry.c), generated from the one
 * registration list, builder/adapters/sources.list, in its order. */
extern const struct cx_adapter *const cx_adapters[];
extern const size_t cx_nadapters;
/* The ids as sources.list spells them, parallel to cx_adapters. */
extern const char *const cx_adapter_ids[];
const struct cx_adapter *cx_adapter_find(const char *id);

#endif

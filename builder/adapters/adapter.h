/*
 * adapter.h - what a source adapter is, and the facts it hands on.
 *
 * An adapter reads one dataset's release (see io/release.h) and hands facts
 * to a struct cx_sink: images, label sets, boxes, report sections, question-
 * answer pairs and the other kinds of cx_fact_kinds[]. It knows nothing of
 * SQLite and prints nothing; the catalogue (or a test) implements the sink. Instances for the tasks are derived from
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
 * a split only to a stricter one (test over val over train, as a study's),
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

/* A box: top-left corner, width, height, in pixels of the frame the release
 * gives its boxes in, which the adapter states: NIH ChestX-ray14's released
 * 1024 x 1024 PNGs whatever the size of the file found on disk (often a
 * resized copy), an RLE mask's size, MS-CXR's image_width/image_height. A
 * frame of 0 x 0 means the image's own pixel grid as its header gives it
 * (VinDr's DICOM files, read as released). The renderer normalises boxes by
 * the frame; a box outside its frame, or of zero area on the 0..100 grid
 * (cx_box_coord), is refused. */
struct cx_box_fact {
	const char *image; /* image key */
	const char *label;
	double x, y, w, h;
	int frame_width, frame_height;
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

/* --- Facts of the sources still to come (see /work/shared/research notes). --- */

/* Two images compared under a label (MS-CXR-T progression: the image and its
 * prior; Medical-Diff-VQA: the main and the reference image). */
struct cx_image_pair_fact {
	const char *image;  /* image key */
	const char *other;  /* image key of the image it is compared with */
	const char *label;  /* e.g. "pleural_effusion_progression" */
	const char *value;  /* as released: "improving", "stable", "worsening", ... */
	enum cx_split split;
};

/* Two texts and their relation (RadNLI: entailment/neutral/contradiction;
 * MS-CXR-T sentences: paraphrase/contradiction). */
struct cx_text_pair_fact {
	const char *key;      /* pair id when the release has one, or NULL */
	const char *text1;
	const char *text2;
	const char *relation; /* as released */
	enum cx_split split;
};

/* A phrase grounded by a box (MS-CXR: one row per box; a phrase with several
 * boxes gives several facts). Pixels of its frame, as struct cx_box_fact's
 * (MS-CXR states it: its image_width and image_height columns). split is the
 * release's own split of the row (NONE when it gives none), kept as released;
 * the phrase rules take the stricter of it and the image's. */
struct cx_phrase_box_fact {
	const char *image;  /* image key */
	const char *label;  /* category, e.g. "Pneumonia" */
	const char *phrase; /* label_text as released */
	double x, y, w, h;
	int frame_width, frame_height;
	enum cx_split split;
};

/* A multiple-choice question with the options the release gives (PMC-VQA
 * "Choice A".."Choice D", the "A:" prefixes kept as released). */
struct cx_choice_fact {
	const char *key;     /* unique within the dataset, or NULL */
	const char *image;   /* image key */
	const char *question;
	const char *const *options;
	size_t noptions;
	int answer;          /* 0-based index into options */
	enum cx_split split;
};

/* One earlier question and its answers on the path to a question. */
struct cx_qa_turn {
	const char *question;
	const char *const *answers;
	size_t nanswers;
};

/* A question asked after others (Rad-ReStruct: [question, answers, history,
 * info] per entry, about one report and its images). */
struct cx_history_qa_fact {
	const char *study;   /* study (report) key */
	const char *question;
	const char *const *answers; /* one, or several for multi_choice */
	size_t nanswers;
	const struct cx_qa_turn *history; /* the prior questions, oldest first */
	size_t nhistory;
	const char *const *options; /* info.options */
	size_t noptions;
	const char *answer_type;    /* info.answer_type: single_choice, multi_choice */
	const char *path;           /* info.path, e.g. "lung_signs" */
	enum cx_split split;
};

/* A question over a text with its answer span (RadQA, SQuAD v2). A question
 * with several answers gives one fact per answer; an unanswerable one
 * (is_impossible) has answer == NULL and start == -1. */
struct cx_span_qa_fact {
	const char *key;     /* question id */
	const char *context;
	const char *question;
	const char *answer;
	long start;          /* answer_start: characters (code points) into context */
	enum cx_split split;
};

/* A relation from an entity to another entity of the same document. */
struct cx_relation {
	const char *type;    /* modify, located_at, suggestive_of */
	const char *target;  /* entity id */
};

/* An entity of an annotated document (RadGraph). The document is a note
 * fact (its key and whitespace-tokenised text); start and end are 0-based
 * inclusive token indices. */
struct cx_entity_fact {
	const char *note;    /* note key, e.g. "p10/p10003412/s59172281.txt" */
	const char *key;     /* entity id within the note, e.g. "1" */
	const char *tokens;  /* the entity's text as released */
	int start, end;
	const char *label;   /* ANAT-DP, OBS-DP, OBS-U, OBS-DA */
	const struct cx_relation *relations;
	size_t nrelations;
};

/* Errors a rater found in a candidate report (ReXVal). */
struct cx_error_count {
	int rater;           /* rater_index */
	int category;        /* 1-6 */
	int significant;     /* clinically_significant: 1 or 0 */
	int count;           /* num_errors */
};

/* A candidate report for a study, with its error counts (ReXVal). */
struct cx_candidate_fact {
	const char *study;   /* study key */
	const char *method;  /* candidate_type: radgraph, bertscore, s_emb, bleu */
	const char *text;
	const struct cx_error_count *errors;
	size_t nerrors;
};

/* An explanation of diagnoses in a report sentence (MIMIC-NLE). Names a
 * study or an image (at least one). */
struct cx_explanation_fact {
	const char *key;     /* sentence_ID, e.g. "s50014127#6" */
	const char *study;   /* study key, or NULL */
	const char *image;   /* image key, or NULL */
	const char *const *labels; /* the diagnoses it explains */
	size_t nlabels;
	const char *text;    /* the explanation (nle) */
	enum cx_split split;
};

/* The caption of an image (ROCO captions.txt, the leading space removed). */
struct cx_caption_fact {
	const char *image;   /* image key */
	const char *caption;
};

/* A named section of a note. */
struct cx_section {
	const char *name;
	const char *text;
};

/* A text-only document (MIMIC-III radiology notes, RadGraph texts): no image. */
struct cx_note_fact {
	const char *key;
	const char *text;
	const struct cx_section *sections;
	size_t nsections;
	enum cx_split split;
};

/*
 * The fact kinds. Every kind is one entry of cx_fact_kinds[] (adapters/facts.c):
 * its name (the test recorder's word and, for most kinds, its catalogue table),
 * the struct's columns, the keys it refers to, how the catalogue writes and
 * deletes it, and how it is checked and printed. Adding a kind: CONTRIBUTING.md.
 */
enum cx_fact_id {
	CX_FACT_IMAGE,
	CX_FACT_STUDY,
	CX_FACT_LABELS,
	CX_FACT_BOX,
	CX_FACT_REPORT,
	CX_FACT_QA,
	CX_FACT_IMAGE_PAIR,
	CX_FACT_TEXT_PAIR,
	CX_FACT_PHRASE_BOX,
	CX_FACT_CHOICE,
	CX_FACT_HISTORY_QA,
	CX_FACT_SPAN_QA,
	CX_FACT_ENTITY,
	CX_FACT_CANDIDATE,
	CX_FACT_EXPLANATION,
	CX_FACT_CAPTION,
	CX_FACT_NOTE,
	CX_FACT_COUNT
};

/* The type of a struct member, and how it is stored (lists as JSON text). */
enum cx_col_type {
	CX_COL_TEXT,      /* const char *; NULL or "" stored as NULL */
	CX_COL_INT,       /* int */
	CX_COL_LONG,      /* long */
	CX_COL_REAL,      /* double */
	CX_COL_BOOL,      /* int, stored 0 or 1 */
	CX_COL_SPLIT,     /* enum cx_split, stored "train", "val", "test" or "" */
	CX_COL_TEXTS,     /* const char *const * with a size_t count: ["a","b"] */
	CX_COL_LABELS,    /* struct cx_label array: {"Edema":1,...} */
	CX_COL_SECTIONS,  /* struct cx_section array: [["name","text"],...] */
	CX_COL_RELATIONS, /* struct cx_relation array: [["type","target"],...] */
	CX_COL_TURNS,     /* struct cx_qa_turn array: [["question",["answer",...]],...] */
	CX_COL_COUNTS,    /* struct cx_error_count array: [[rater,category,significant,n],...] */
};

/* Column flags. */
#define CX_COL_REQUIRED 1u  /* NULL or "" is refused */
#define CX_COL_KEY 2u       /* the kind's own key: other kinds' references look it up */

struct cx_fact_kind;

/* One member of a fact struct. A reference (ref != CX_FACT_COUNT) holds a key
 * of that kind and is stored as the row id in column <name>_id; an unknown
 * key refuses the fact. */
struct cx_fact_col {
	const char *name;     /* catalogue column, recorder field */
	enum cx_col_type type;
	size_t off;           /* offsetof the member */
	size_t count_off;     /* list types: offsetof the size_t count */
	enum cx_fact_id ref;  /* the kind whose key this is, or CX_FACT_COUNT */
	unsigned flags;
};

/* How the catalogue writes a kind. */
enum cx_fact_write {
	CX_WRITE_ROW,      /* INSERT of the columns into the kind's table */
	CX_WRITE_REPLACE,  /* INSERT OR REPLACE: a later fact for the same key wins */
	CX_WRITE_IMAGE,    /* images: release paths, study upsert, path == NULL updates */
	CX_WRITE_STUDY,    /* upsert, the stricter split */
	CX_WRITE_LABELS,   /* a JSON column of the image or study it names */
};

struct cx_fact_kind {
	enum cx_fact_id id;
	const char *name;     /* recorder word; the table unless write says otherwise */
	const char *noun;     /* for messages: "duplicate <noun> key", "<noun> of unknown ..." */
	size_t size;          /* sizeof the struct */
	const struct cx_fact_col *cols;
	size_t ncols;
	enum cx_fact_write write;
	/* Refuses a fact that cannot be right whatever the catalogue holds (a box
	 * of width 0, a span outside its text); NULL: nothing to check. */
	int (*check)(const void *fact, struct cx_error *err);
	/* The recorder line (without the newline); NULL: cx_fact_format_generic. */
	void (*format)(const void *fact, struct cx_buf *out);
	/* Deleting a source's rows when it is built again: NULL for
	 * "DELETE FROM <name> WHERE dataset_id = ?1". */
	const char *delete_sql;
};

extern const struct cx_fact_kind cx_fact_kinds[CX_FACT_COUNT];
#define CX_FACT(ID) (&cx_fact_kinds[CX_FACT_##ID])

/* The recorder line of a fact: kind->format, or "<name> col=value ..." with
 * text as JSON strings, lists as JSON, NULL and empty members left out. */
void cx_fact_format(const struct cx_fact_kind *k, const void *fact, struct cx_buf *out);
void cx_fact_format_generic(const struct cx_fact_kind *k, const void *fact, struct cx_buf *out);
/* A list column as JSON (the catalogue's storage of it). */
void cx_fact_col_json(const struct cx_fact_col *c, const void *fact, struct cx_buf *out);
/* Checks required members and runs kind->check. */
int cx_fact_check(const struct cx_fact_kind *k, const void *fact, struct cx_error *err);

/*
 * The sink. fact() takes a fact of any kind and returns 0, or a negative code
 * when the fact cannot be used; then the adapter rejects the row (with err's
 * message as the reason) instead of keeping it. A sink may hold a row's facts
 * until the row's accounting call (the catalogue does): it then copies them,
 * and a fact it refuses at that point turns the row into a reject with the
 * refusal as its reason; facts after a row's last accounting call are never
 * written. NULL members are allowed in test sinks.
 */
struct cx_sink {
	void *ctx;
	int (*fact)(void *ctx, const struct cx_fact_kind *k, const void *fact,
		    struct cx_error *err);
	/* Row accounting; where->file is a name inside the release. */
	void (*kept)(void *ctx, const struct cx_where *w);
	void (*reject)(void *ctx, const struct cx_where *w, const char *reason);
	void (*filter)(void *ctx, const struct cx_where *w, const char *rule);
	/* A row was read (before its facts and its outcome), counted apart from
	 * the outcomes so the sum can be checked. */
	void (*read)(void *ctx, const struct cx_where *w);
};

/* Checks a fact (cx_fact_check) and hands it to the sink. */
int cx_emit_fact(const struct cx_sink *s, const struct cx_fact_kind *k, const void *fact,
		 struct cx_error *err);
/* Typed wrappers, one per kind. */
int cx_emit_image(const struct cx_sink *s, const struct cx_image_fact *f, struct cx_error *err);
int cx_emit_study(const struct cx_sink *s, const struct cx_study_fact *f, struct cx_error *err);
int cx_emit_labels(const struct cx_sink *s, const struct cx_labels_fact *f, struct cx_error *err);
int cx_emit_box(const struct cx_sink *s, const struct cx_box_fact *f, struct cx_error *err);
int cx_emit_report(const struct cx_sink *s, const struct cx_report_fact *f, struct cx_error *err);
int cx_emit_qa(const struct cx_sink *s, const struct cx_qa_fact *f, struct cx_error *err);
int cx_emit_image_pair(const struct cx_sink *s, const struct cx_image_pair_fact *f,
		       struct cx_error *err);
int cx_emit_text_pair(const struct cx_sink *s, const struct cx_text_pair_fact *f,
		      struct cx_error *err);
int cx_emit_phrase_box(const struct cx_sink *s, const struct cx_phrase_box_fact *f,
		       struct cx_error *err);
int cx_emit_choice(const struct cx_sink *s, const struct cx_choice_fact *f, struct cx_error *err);
int cx_emit_history_qa(const struct cx_sink *s, const struct cx_history_qa_fact *f,
		       struct cx_error *err);
int cx_emit_span_qa(const struct cx_sink *s, const struct cx_span_qa_fact *f,
		    struct cx_error *err);
int cx_emit_entity(const struct cx_sink *s, const struct cx_entity_fact *f, struct cx_error *err);
int cx_emit_candidate(const struct cx_sink *s, const struct cx_candidate_fact *f,
		      struct cx_error *err);
int cx_emit_explanation(const struct cx_sink *s, const struct cx_explanation_fact *f,
			struct cx_error *err);
int cx_emit_caption(const struct cx_sink *s, const struct cx_caption_fact *f,
		    struct cx_error *err);
int cx_emit_note(const struct cx_sink *s, const struct cx_note_fact *f, struct cx_error *err);

/*
 * Masks released as run-length encodings (SIIM-ACR train-rle.csv): pairs
 * "start length" where the first start is a 0-based pixel offset and every
 * later start the gap after the previous run's end, pixels counted down the
 * columns (column-major) of a width x height mask; "-1" is an empty mask.
 * cx_rle_boxes() gives the bounding box of every 8-connected region of the
 * mask, ordered by x, then y; *boxes is malloc'd (NULL when there are none).
 * Malformed RLE (not numbers, an odd count, a run of length 0 or past the
 * mask's end) is CX_EFORMAT with a message saying which.
 */
int cx_rle_boxes(const char *rle, int width, int height, struct cx_box_fact **boxes, size_t *n,
		 struct cx_error *err);
/* The one box enclosing the whole mask (x, y, w, h set; image, label and
 * frame left to the caller): 1, or 0 for "-1" (no mask), or a negative code
 * with the same messages as cx_rle_boxes(). Streams: no allocation. */
int cx_rle_extent(const char *rle, int width, int height, struct cx_box_fact *box,
		  struct cx_error *err);
/* 1 when rle can only be the absolute variant (each start a pixel offset
 * from the mask's first pixel, not a gap): at least two runs, each starting
 * at or after the end of the one before, fitting the mask, while read as
 * gaps they run past it. A relative stream never passes (its gaps are not
 * increasing offsets); a one-run stream is not decided (both read alike). */
int cx_rle_is_absolute(const char *rle, int width, int height);
/* Emits one box fact (image, label) per region of the mask. */
int cx_emit_rle_boxes(const struct cx_sink *s, const char *image, const char *label,
		      const char *rle, int width, int height, struct cx_error *err);

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

/* The parts of an instance view (struct cx_instance_view, tasks/tasks.h) a
 * rule fills, as bits of its .parts; catalogue/cat-view.c fills exactly
 * those, and every other part of the view is NULL. */
enum cx_view_part {
	CX_PART_LABELS = 1 << 0, /* the labels (image's or study's) and the vocabulary */
	CX_PART_IMAGE = 1 << 1,  /* image_id's view, width and height */
	CX_PART_BOXES = 1 << 2,  /* label, and image_id's boxes of that label (all_boxes:
				    every box of the image, label NULL) */
	CX_PART_REPORT = 1 << 3, /* study_id's report: indication, findings, impression */
	CX_PART_PAIR = 1 << 4,   /* flag; with other_text, the two report texts */
	CX_PART_QA = 1 << 5,     /* qa_id's question, answer and closed */
	CX_PART_IMAGE_PAIR = 1 << 6, /* the finding (label) and its value for the image
				      * pair other_id (the fact's image) and image_id
				      * (the fact's other, the prior) */
	CX_PART_TEXT_PAIR = 1 << 7,  /* the text pair of the instance's key: two texts and
				      * their relation */
	CX_PART_PHRASE = 1 << 8,     /* the phrase (label) and its boxes on image_id, their
				      * category, and the section of the image's study
				      * report that holds the phrase (cx_phrase_section_sql) */
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
	unsigned parts;    /* CX_PART_* bits: the view parts its instances have */
	int image_labels;  /* with CX_PART_LABELS: the image's labels, not the study's */
	int all_boxes;     /* with CX_PART_BOXES: every box of the image, whatever its
			    * label (detection), not the instance label's */
	int other_text;    /* with CX_PART_PAIR: the pair's texts are study_id's report
			    * text and other_id's (a study) */
	/* A documented filter of the rule's own (or NULL): what leaves an item
	 * out, and a SELECT of how many items the rule considered, filter
	 * aside (same parameters as sql, run after the prep; one instance per
	 * item kept). The catalogue stores items less instances in the filtered
	 * table as "<task>: <dropped>": the filter runs once per item. */
	const char *dropped;
	const char *items_sql;
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
extern const struct cx_rule cx_rule_image_pairs;  /* an image, its prior and a finding */
extern const struct cx_rule cx_rule_text_pairs;   /* two texts and their relation */
/* Wave 3, abnormality detection and grounded diagnosis (helper A). */
extern const struct cx_rule cx_rule_detection;    /* an image, all its boxes or none */
extern const struct cx_rule cx_rule_boxes_few;    /* an (image, label) with one or two boxes */
extern const struct cx_rule cx_rule_boxes_few_paired; /* the same, and as many without */
extern const struct cx_rule cx_rule_grounded;     /* the same, with the image's labels */
/* Wave 3, localisation (helper B): an image with boxes of the rule's finding,
 * or without */
extern const struct cx_rule cx_rule_localise_pneumothorax;        /* every negative */
extern const struct cx_rule cx_rule_localise_pneumothorax_capped; /* at most 5,000 */
extern const struct cx_rule cx_rule_localise_rib_fracture;        /* one per positive */
extern const struct cx_rule cx_rule_localise_chest_tube;          /* one per positive */
/* wave 3, helper D: phrases grounded by boxes (MS-CXR) */
extern const struct cx_rule cx_rule_phrase_boxes; /* a phrase and its boxes on an image */
extern const struct cx_rule cx_rule_phrase_text;  /* the same, with the report section
						   * holding the phrase */
/* The section of an image's study report holding a phrase: ?1 the image id,
 * ?2 the phrase; one row, the text of the first of findings, impression, last
 * paragraph and comparison that holds it, NULL for none (the test of
 * cx_rule_phrase_text, and its view's text). */
extern const char cx_phrase_section_sql[];

/* Wave 3, foreign-object detection (helper C). */
extern const struct cx_rule cx_rule_objects;      /* an image, its foreign objects or none */

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
/* 1 when the adapter borrows another source's images: its id_space names
 * another source (its lender, which it also requires). Its image facts then
 * carry no path; the catalogue copies the lender's image of that key
 * (CONTRIBUTING.md, "Adding a source"), and the build reads no image file
 * of its own. */
int cx_adapter_borrows(const struct cx_adapter *a);

extern const struct cx_adapter *const cx_adapters[];
extern const size_t cx_nadapters;
/* The ids as sources.list spells them, parallel to cx_adapters. */
extern const char *const cx_adapter_ids[];
const struct cx_adapter *cx_adapter_find(const char *id);

#endif

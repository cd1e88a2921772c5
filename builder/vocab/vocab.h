/*
 * vocab.h - label vocabularies: the labels a dataset releases, how each is
 * shown in text, and what a label a record does not list means.
 *
 * An adapter names the vocabulary of the label sets it emits (`.labels` in
 * struct cx_adapter); the catalogue stores it (tables vocab and vocab_label,
 * written at the start of each source's build) and hands it to the renderer
 * with every instance (struct cx_instance_view), so the renderer never guesses
 * a vocabulary from a dataset's name. Sizes come from the vocabulary: nothing
 * in the renderer caps the number of labels.
 *
 * This header sits below adapters/ and tasks/ (both include it) and depends
 * on nothing but cx.h. The shared vocabularies are defined in this folder, one
 * file each (chexpert.c, chestxray14.c).
 */
#ifndef CX_VOCAB_H
#define CX_VOCAB_H

#include "cx.h"

/* What a label that a record's label set does not list means. */
enum cx_absent {
	CX_ABSENT_NEGATIVE = 0, /* the finding is not there (lists of positives, blanks read as 0) */
	CX_ABSENT_UNKNOWN = 1,  /* nothing is known: never asked, never the basis of an answer */
};

/* What a label is for, besides being a finding. */
enum cx_label_role {
	CX_ROLE_FINDING = 0, /* a finding: listed, asked about, in choice options */
	CX_ROLE_NONE = 1,    /* "No Finding": the answer when nothing is positive and the
				release gives it as 1 (never inferred); never asked, never
				in a choice question */
	CX_ROLE_OTHER = 2,   /* a catch-all ("Pleural Other"): listed, asked Yes and No
				like a finding, never in a choice question (no wrong
				option may hold it, so no right one does) */
};

/*
 * One label and its forms for grammar. A template's {disease} is "article
 * noun" ("a mass", "edema"); lists and options show `display`.
 */
struct cx_vocab_label {
	const char *name;    /* as released: the key of the labels JSON ("Pleural_Thickening") */
	const char *display; /* in lists and options ("Pleural Thickening") */
	const char *noun;    /* singular, in running text ("pleural thickening", "mass") */
	const char *plural;  /* "masses"; = noun for a mass noun */
	const char *article; /* "a", "an", or "" for a mass noun */
	enum cx_label_role role;
	int uncertain;       /* what a released -1 is read as: 1, 0, or -1 (stays uncertain) */
};

struct cx_vocab {
	const char *id;      /* key in the catalogue, e.g. "chexpert" */
	const char *name;    /* shown in messages, e.g. "CheXpert" */
	enum cx_absent absent;
	const struct cx_vocab_label *labels; /* in the release's order */
	size_t n;
};

/* The vocabularies shared by the adapters (this folder). */
extern const struct cx_vocab cx_vocab_chexpert;    /* CheXpert labeler: CheXpert, MIMIC-CXR */
extern const struct cx_vocab cx_vocab_chestxray14; /* NIH ChestX-ray14 */
extern const struct cx_vocab cx_vocab_cxr_lt;      /* CXR-LT 2023 and 2024 (40 labels) */
extern const struct cx_vocab cx_vocab_tuberculosis; /* NLM-TB: Tuberculosis, Normal */
extern const struct cx_vocab cx_vocab_nodule;       /* JSRT: Nodule, non-nodule */
extern const struct cx_vocab cx_vocab_padchest;     /* PadChest: 190 labels */
extern const struct cx_vocab cx_vocab_chestx_det;   /* ChestX-Det and ChestX-Det10: 13 box classes */
/* PadChest labels about the report or study, not the image: dropped from
 * label sets by the adapter (vocab/padchest.c says why). NULL-ended. */
extern const char *const cx_padchest_report_labels[];
/* Binary vocabularies: one finding (and the release's "normal", if any). */
extern const struct cx_vocab cx_vocab_pneumonia;   /* RSNA Pneumonia: Pneumonia, Normal */
extern const struct cx_vocab cx_vocab_covid19;     /* COVIDx: COVID-19 */
/* VinDr (wave 3): VinDr-CXR's 28 labels, VinDr-PCXR's 15 diagnoses */
extern const struct cx_vocab cx_vocab_vindr_cxr;
extern const struct cx_vocab cx_vocab_vindr_pcxr;

/* The index of the label called name, ignoring case and taking '_' and ' '
 * alike ("pleural thickening" finds "Pleural_Thickening"); -1 when absent. */
int cx_vocab_find(const struct cx_vocab *v, const char *name);
/* The index of the first label of a role, or -1. */
int cx_vocab_find_role(const struct cx_vocab *v, enum cx_label_role role);

/* Names as stored in the catalogue: "negative" / "unknown", "finding" /
 * "none" / "other". The parsers return -1 for any other text. */
const char *cx_vocab_absent_name(enum cx_absent a);
int cx_vocab_absent_parse(const char *s);
const char *cx_vocab_role_name(enum cx_label_role r);
int cx_vocab_role_parse(const char *s);

/* Checks a vocabulary an adapter declares or a catalogue holds: an id and a
 * name, every form present, article "a", "an" or "", uncertain 1, 0 or -1, no
 * two labels with the same name (as cx_vocab_find compares them). */
int cx_vocab_check(const struct cx_vocab *v, struct cx_error *err);

#endif

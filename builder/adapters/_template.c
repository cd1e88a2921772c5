/*
 * _template.c - a copy-me adapter: start a new source from this file.
 *
 * It reads an imaginary release, "Example CXR": one CSV, `example.csv`, one
 * row per image (image file name, patient, view, split, finding), and
 * images under `images/`. It is not registered as a source; it is compiled
 * into tests/unit/t-template.c, which runs it on tests/fixtures/template/,
 * so it cannot rot.
 *
 * To make a real adapter from it (CONTRIBUTING.md, "Adding a source"):
 *  1. copy it to builder/adapters/<id>.c, rename cx_adapter_template to
 *     cx_adapter_<id with '-' as '_'>, and rewrite this comment: what the
 *     release is, the files read, in which order, and why;
 *  2. bind the release's real columns by name (never by position), list
 *     its filter rules in sources/<id>.md, reject everything else that does
 *     not fit with a reason naming the value and the column;
 *  3. add its id to builder/adapters/sources.list, the one registration
 *     list (the adapter table, the build and the tests follow from it).
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/rows.h"
#include "io/release.h"

#define CSV_NAME "example.csv"
#define IMAGE_DIR "images/"

/* The columns read, bound by name by the helper; the order of this list,
 * not of the file, gives the index into row->v. */
enum { C_IMAGE, C_PATIENT, C_VIEW, C_SPLIT, C_FINDING, C_NCOLS };
static const char *const columns[C_NCOLS] = {
	[C_IMAGE] = "Image", [C_PATIENT] = "Patient", [C_VIEW] = "View", [C_SPLIT] = "Split",
	[C_FINDING] = "Finding",
};
/* Optional columns are NULL in row->v when the file lacks them (an older
 * version of the release without Finding, say). */
static const int optional[C_NCOLS] = {[C_FINDING] = 1};

/* What the row functions need besides the row: the sink for facts, and a
 * buffer reused for every image path. */
struct reader {
	const struct cx_sink *sink;
	struct cx_buf path;
};

static enum cx_split parse_split(const char *s)
{
	return !strcmp(s, "train") ? CX_SPLIT_TRAIN
	       : !strcmp(s, "val") ? CX_SPLIT_VAL
	       : !strcmp(s, "test") ? CX_SPLIT_TEST
				    : CX_SPLIT_NONE;
}

/*
 * One row of example.csv. The helper has already rejected rows with the
 * wrong number of fields or bytes that are not UTF-8, and it makes the
 * accounting call with what this function returns: return exactly one
 * outcome, and never call cx_row_kept/cx_row_reject/cx_row_filter here.
 */
static struct cx_outcome example_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *image = row->v[C_IMAGE], *view = row->v[C_VIEW];

	/* A file name taken from the release becomes a path: check it first. */
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "Image", image, CX_NAME_FILE, &o))
		return o;

	/* Rejects name the value and the column. */
	enum cx_split split = parse_split(row->v[C_SPLIT]);
	if (split == CX_SPLIT_NONE)
		return cx_rows_reject(row, "unknown value '%s' in column 'Split'", row->v[C_SPLIT]);

	/* A filter is a rule documented in sources/<id>.md, named in kebab-case:
	 * here, the release also holds CT slices, which no task uses. */
	if (!strcmp(view, "CT"))
		return cx_rows_filter("not-an-x-ray");

	/* The facts: an image, and its labels when the optional column has one. */
	cx_buf_reset(&r->path);
	cx_buf_addf(&r->path, "%s%s", IMAGE_DIR, image);
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = image;
	f.path = r->path.data;
	f.patient = row->v[C_PATIENT];
	f.view = view[0] ? view : NULL;
	f.split = split;
	struct cx_error err = {0};
	const char *finding = row->v[C_FINDING];
	struct cx_label label = {finding, CX_LABEL_POS};
	struct cx_labels_fact lf = {image, 0, &label, 1};
	/* A fact the sink refuses (a duplicate key, say) rejects the row with
	 * the sink's message; the sink takes back what the row had emitted. */
	if (cx_emit_image(r->sink, &f, &err) ||
	    (finding && finding[0] && cx_emit_labels(r->sink, &lf, &err)))
		return cx_rows_reject(row, "%s", err.msg);
	return cx_rows_keep();
}

/* read(): every file in turn, each through a helper. A missing required file
 * is an error from cx_rows_csv() naming it; check optional ones with
 * cx_release_exists() first. */
static int example_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	static const struct cx_csv_spec spec = {
		.file = CSV_NAME,
		.cols = columns,
		.optional = optional,
		.ncols = C_NCOLS,
		.fn = example_row,
	};
	struct reader r = {.sink = sink, .path = CX_BUF_INIT};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = cx_rows_csv(&rows, rel, &spec, err);
	cx_buf_release(&r.path);
	return rc;
}

/* probe(): is this release Example CXR? Cheap, since every release is
 * probed by every adapter: look for the signature file (here, or one folder
 * down, which then becomes the release's root). */
static int example_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, CSV_NAME);
}

/* The task-dataset entries this source feeds, and how instances derive. */
static const struct cx_entry_def entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_image},
	{.task = "view-classification", .rule = &cx_rule_view},
};

const struct cx_adapter cx_adapter_template = {
	.id = "template",              /* = the file stem of a real adapter */
	.dataset = "Example CXR",
	.versions = "1.0",
	.license = "CC0 1.0",
	.access = "public",            /* or "credentialed" */
	.id_space = NULL,              /* "mimic-cxr" for a release built on MIMIC's ids */
	.requires = NULL,              /* sources to build first, e.g. {"mimic-cxr", NULL} */
	/* The vocabulary of the labels it emits (builder/vocab/; a new one gets
	 * a file there). Example CXR's findings are spelled as CheXpert's. */
	.labels = &cx_vocab_chexpert,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = example_probe,
	.read = example_read,
};

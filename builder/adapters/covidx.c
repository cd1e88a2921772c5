/*
 * covidx.c - the COVIDx CXR adapter (COVID-Net; the Kaggle releases CXR-3
 * and CXR-4): the label files train.txt, val.txt (CXR-4 only) and test.txt,
 * and the image folders train/, val/ and test/ they index.
 *
 * A label file has no header; each line is "patientid filename class source",
 * space-separated, but file names may hold spaces ("COVID (1).png"), so a
 * line is read from both ends (cx_rows_ends): the first field is the patient,
 * the last two the class ("positive", "negative") and the source dataset
 * ("cohen", "rsna", and the release's typo "rnsa", ...), and what lies
 * between, spaces and all, is the file name. Each file is the official split
 * of its lines; the layout (CXR-3 or CXR-4) is told by val.txt alone.
 * Extensions come in mixed case (.png, .PNG, .jpg, .JPG, .jpeg) and are used
 * as released. Layout and rules: sources/covidx.md.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/rows.h"
#include "adapters/strset.h"
#include "io/release.h"

/* The label files, each the official split of its lines and the folder of
 * their images. val.txt exists in CXR-4 only. */
static const struct split_file {
	const char *file, *folder;
	enum cx_split split;
	int required;
} split_files[] = {
	{"train.txt", "train", CX_SPLIT_TRAIN, 1},
	{"val.txt", "val", CX_SPLIT_VAL, 0},
	{"test.txt", "test", CX_SPLIT_TEST, 1},
};

struct reader {
	const struct cx_sink *sink;
	const struct split_file *sf;
	struct cx_buf key;
	struct cx_strset seen; /* keys of kept lines: a name listed twice in a split is
				* one image with two answers */
};

/* One line: patient, file name, class, source. */
static struct cx_outcome line_row(void *ctx, struct cx_row *row)
{
	struct reader *r = ctx;
	const char *patient = row->v[0], *name = row->v[1], *cls = row->v[2];
	struct cx_outcome o;
	if (cx_rows_safe_name(row, "file name", name, CX_NAME_FILE, &o))
		return o;
	int positive = !strcmp(cls, "positive");
	if (!positive && strcmp(cls, "negative"))
		return cx_rows_reject(row, "unknown class '%s' (expected positive or negative)",
				      cls);
	cx_buf_reset(&r->key);
	cx_buf_addf(&r->key, "%s/%s", r->sf->folder, name);
	struct cx_image_fact f;
	cx_image_fact_init(&f);
	f.key = r->key.data;
	f.path = r->key.data;
	f.patient = patient;
	f.split = r->sf->split;
	if (cx_strset_has(&r->seen, r->key.data))
		return cx_rows_reject(row, "file name '%s' listed again in %s", name, r->sf->file);
	struct cx_label label = {"COVID-19", positive};
	struct cx_labels_fact lf = {r->key.data, 0, &label, 1};
	struct cx_error err = {0};
	if (cx_emit_image(r->sink, &f, &err) || cx_emit_labels(r->sink, &lf, &err))
		return cx_rows_reject(row, "%s", err.msg);
	cx_strset_add(&r->seen, r->key.data);
	return cx_rows_keep();
}

static int covidx_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	struct reader r = {.sink = sink, .seen = CX_STRSET_INIT};
	struct cx_rows rows = {.sink = sink, .ctx = &r};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < CX_ARRAY_LEN(split_files); i++)
		if (split_files[i].required && !cx_release_exists(rel, split_files[i].file))
			rc = cx_error_set(err, CX_ENOTFOUND,
					  "%s: missing file '%s' (the official %s split, one "
					  "image a line)", cx_release_path(rel),
					  split_files[i].file, split_files[i].folder);
	for (size_t i = 0; rc == 0 && i < CX_ARRAY_LEN(split_files); i++) {
		r.sf = &split_files[i];
		if (!r.sf->required && !cx_release_exists(rel, r.sf->file))
			continue;
		struct cx_ends_spec spec = {.file = r.sf->file, .head = 1, .tail = 2,
					    .fn = line_row};
		rc = cx_rows_ends(&rows, rel, &spec, err);
	}
	cx_buf_release(&r.key);
	cx_strset_release(&r.seen);
	return rc;
}

/*
 * train.txt and test.txt are common names, so the probe also reads the head
 * of test.txt: its first line must end in a COVIDx class and a source word
 * (" positive rsna"). At most 4 KB are read.
 */
static int first_line_is_covidx(struct cx_release *rel)
{
	struct cx_stream *s;
	struct cx_error err = {0};
	if (cx_release_open_file(rel, "test.txt", &s, &err))
		return 0;
	char buf[4096];
	long n = cx_stream_read(s, buf, sizeof(buf) - 1, &err);
	cx_stream_close(s);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	char *last = strrchr(buf, ' ');
	if (!last || last == buf || !last[1])
		return 0;
	*last = '\0';
	char *cls = strrchr(buf, ' ');
	return cls && (!strcmp(cls + 1, "positive") || !strcmp(cls + 1, "negative"));
}

static int covidx_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, "test.txt") && cx_release_exists(rel, "train.txt") &&
	       first_line_is_covidx(rel);
}

static const struct cx_entry_def entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_image},
};

const struct cx_adapter cx_adapter_covidx = {
	.id = "covidx",
	.dataset = "COVIDx CXR",
	.versions = "CXR-3, CXR-4",
	.license = "label files: AGPL-3.0 (COVID-Net); images: the licences of their source "
		   "datasets",
	.access = "public",
	.labels = &cx_vocab_covid19,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = covidx_probe,
	.read = covidx_read,
};

/*
 * jsrt.c - the JSRT adapter (Japanese Society of Radiological Technology
 * chest X-ray database: 154 images with a lung nodule, 93 without).
 *
 * The release is two downloads: All247images.zip (All247images/JPCLN001.IMG
 * ... JPCNN093.IMG: headerless 2048 x 2048 16-bit big-endian files of 12-bit
 * values, which builder/image reads as format "jsrt") and
 * Clinical_Information.zip (Clinical_Information/CLNDAT_EN.txt, the nodule
 * list, and CNNDAT_EN.TXT, the non-nodule list). The lists are not CSV: CR
 * line ends, fields separated by tabs or runs of spaces, free text at the end
 * of a nodule record, and (as reported by their users) records not always
 * separated by a line end. So a record is whatever follows an image name
 * (JPCLN\d{3}.IMG or JPCNN\d{3}.IMG) up to the next one, and its fields are
 * the words of that text (tabs, spaces, commas and line ends separate them).
 * This record loop stays here rather than in adapters/rows.c, since no other
 * release writes its rows this way; each record is accounted for through
 * cx_rows_account(), so the row sum holds as with the helpers.
 *
 * Each record is one row: an image fact (age and sex as listed), its labels
 * in the nodule vocabulary (vocab/nodule.c: Nodule 1 or 0, non-nodule 0 or
 * 1), and for a nodule its box: a square of the listed size centred on the
 * listed pixel, in the 2048 x 2048 frame of the file (0.175 mm a pixel),
 * clipped to the frame. JSRT has no split: every image is train. See
 * sources/jsrt.md for the record layout and the reject rules.
 */
#include "cx.h"

#include <ctype.h>

#include "adapters/adapter.h"
#include "adapters/rows.h"
#include "io/release.h"

#define NODULE_LIST "Clinical_Information/CLNDAT_EN.txt"
#define IMAGE_DIR "All247images/"
#define FRAME 2048
#define MM_PER_PIXEL 0.175
/* The lists are about 15 KB; a file past this is not one of them. */
#define LIST_MAX ((size_t)1 << 20)

/* The non-nodule list's name differs in case between copies. */
static const char *const nonnodule_lists[] = {
	"Clinical_Information/CNNDAT_EN.TXT",
	"Clinical_Information/CNNDAT_EN.txt",
};

/* Length of the image name starting at p (JPCLN001.IMG: 12), or 0. */
static size_t image_name_at(const char *p, const char *end)
{
	if (end - p < 12 || strncmp(p, "JPC", 3) || (strncmp(p + 3, "LN", 2) && strncmp(p + 3, "NN", 2)))
		return 0;
	for (int i = 5; i < 8; i++)
		if (!isdigit((unsigned char)p[i]))
			return 0;
	return strncmp(p + 8, ".IMG", 4) ? 0 : 12;
}

/* The words of a record: separated by tabs, spaces, commas and line ends. */
#define MAX_WORDS 64
struct words {
	char *w[MAX_WORDS];
	size_t n;
	int over; /* more than MAX_WORDS */
};

static void split_words(char *s, struct words *out)
{
	out->n = 0;
	out->over = 0;
	for (char *tok = strtok(s, " \t\r\n\v\f,"); tok; tok = strtok(NULL, " \t\r\n\v\f,")) {
		if (out->n == MAX_WORDS) {
			out->over = 1;
			return;
		}
		out->w[out->n++] = tok;
	}
}

/* A whole number in [lo, hi]; 0 when it is one. */
static int parse_int(const char *s, long lo, long hi, long *out)
{
	return strspn(s, "0123456789") != strlen(s) || cx_parse_long(s, out) || *out < lo ||
	       *out > hi;
}

/* Age in years, or "?" (unknown: -1). */
static int parse_age(const char *s, int *out)
{
	long a;
	if (!strcmp(s, "?")) {
		*out = -1;
		return 0;
	}
	if (parse_int(s, 0, 120, &a))
		return -1;
	*out = (int)a;
	return 0;
}

/* "male", "female", or "?" (unknown). */
static int parse_sex(const char *s, const char **out)
{
	if (!strcmp(s, "male"))
		*out = "M";
	else if (!strcmp(s, "female"))
		*out = "F";
	else if (!strcmp(s, "?"))
		*out = NULL;
	else
		return -1;
	return 0;
}

struct reader {
	struct cx_release *rel;
	const struct cx_sink *sink;
	struct cx_rows rows;
	struct cx_buf path;
	struct cx_buf reason;
};

/* Where an image file is: All247images/<name> as the archive holds it, else
 * <name> at the release's root (images copied out of their folder); the
 * default is the first, which the catalogue refuses if it is missing. */
static void image_path(struct reader *r, const char *name)
{
	cx_buf_reset(&r->path);
	cx_buf_addf(&r->path, "%s%s", IMAGE_DIR, name);
	if (!cx_release_exists(r->rel, r->path.data) && cx_release_exists(r->rel, name)) {
		cx_buf_reset(&r->path);
		cx_buf_adds(&r->path, name);
	}
}

/*
 * The box of a nodule: a square whose side is the listed size (mm) in
 * pixels, centred on the listed pixel, clipped to the frame. The list gives
 * the greatest diameter; a square of that side holds the nodule wherever its
 * long axis points.
 */
static struct cx_box_fact nodule_box(const char *image, long x, long y, double mm)
{
	double side = mm / MM_PER_PIXEL;
	double x0 = x - side / 2, y0 = y - side / 2, x1 = x + side / 2, y1 = y + side / 2;
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > FRAME ? FRAME : x1;
	y1 = y1 > FRAME ? FRAME : y1;
	return (struct cx_box_fact){image, "Nodule", x0, y0, x1 - x0, y1 - y0, FRAME, FRAME};
}

/* The parsed fields of a record. */
struct record {
	const char *name;
	int nodule;
	struct cx_image_fact img;
	long x, y;
	double mm;
};

/* A reject naming the field and its value, kept in r->reason. */
static struct cx_outcome bad(struct reader *r, const char *field, const char *value)
{
	cx_buf_reset(&r->reason);
	cx_buf_addf(&r->reason, "invalid %s '%s'", field, value);
	return (struct cx_outcome){CX_ROW_REJECTED, cx_buf_str(&r->reason)};
}

/* CLNDAT: name, subtlety 1-5, size (mm), age, sex, x, y, malignant|benign,
 * then the location and diagnosis as free text (read, not stored). */
static int parse_nodule(struct reader *r, const struct words *w, struct record *rec,
			struct cx_outcome *o)
{
	long subtle;
	if (w->n < 8) {
		cx_buf_reset(&r->reason);
		cx_buf_addf(&r->reason, "nodule record has %zu fields, expected at least 8 (name, "
			    "subtlety, size, age, sex, x, y, malignancy)", w->n);
		*o = (struct cx_outcome){CX_ROW_REJECTED, cx_buf_str(&r->reason)};
		return -1;
	}
	const char *f = NULL, *v = NULL;
	if (parse_int(v = w->w[1], 1, 5, &subtle))
		f = "subtlety";
	else if (cx_parse_double(v = w->w[2], &rec->mm) || !(rec->mm > 0 && rec->mm <= 100))
		f = "size";
	else if (parse_age(v = w->w[3], &rec->img.age))
		f = "age";
	else if (parse_sex(v = w->w[4], &rec->img.sex))
		f = "sex";
	else if (parse_int(v = w->w[5], 0, FRAME - 1, &rec->x))
		f = "x";
	else if (parse_int(v = w->w[6], 0, FRAME - 1, &rec->y))
		f = "y";
	else if (strcmp(v = w->w[7], "malignant") && strcmp(v, "benign"))
		f = "malignancy";
	if (!f)
		return 0;
	*o = bad(r, f, v);
	return -1;
}

/* CNNDAT: name, age, sex, non-nodule. */
static int parse_plain(struct reader *r, const struct words *w, struct record *rec,
		       struct cx_outcome *o)
{
	if (w->n != 4) {
		cx_buf_reset(&r->reason);
		cx_buf_addf(&r->reason, "non-nodule record has %zu fields, expected 4 (name, age, "
			    "sex, non-nodule)", w->n);
		*o = (struct cx_outcome){CX_ROW_REJECTED, cx_buf_str(&r->reason)};
		return -1;
	}
	const char *f = NULL, *v = NULL;
	if (parse_age(v = w->w[1], &rec->img.age))
		f = "age";
	else if (parse_sex(v = w->w[2], &rec->img.sex))
		f = "sex";
	else if (strcmp(v = w->w[3], "non-nodule"))
		f = "last field (not 'non-nodule')";
	if (!f)
		return 0;
	*o = bad(r, f, v);
	return -1;
}

/* The facts of a parsed record. */
static struct cx_outcome emit_record(struct reader *r, struct record *rec)
{
	char patient[16];
	snprintf(patient, sizeof patient, "%.8s", rec->name);
	image_path(r, rec->name);
	rec->img.key = rec->name;
	rec->img.path = r->path.data;
	rec->img.patient = patient;
	rec->img.split = CX_SPLIT_TRAIN;
	struct cx_label labels[] = {{"Nodule", rec->nodule}, {"non-nodule", !rec->nodule}};
	struct cx_labels_fact lf = {rec->name, 0, labels, 2};
	struct cx_box_fact box = nodule_box(rec->name, rec->x, rec->y, rec->mm);
	struct cx_error err = {0};
	if (cx_emit_image(r->sink, &rec->img, &err) || cx_emit_labels(r->sink, &lf, &err) ||
	    (rec->nodule && cx_emit_box(r->sink, &box, &err))) {
		cx_buf_reset(&r->reason);
		cx_buf_adds(&r->reason, err.msg);
		return (struct cx_outcome){CX_ROW_REJECTED, cx_buf_str(&r->reason)};
	}
	return cx_rows_keep();
}

/* One record: text is NUL-terminated and may be changed. */
static struct cx_outcome record(struct reader *r, char *text, size_t len, int nodule_list)
{
	struct words w;
	if (!cx_utf8_valid(text, len))
		return (struct cx_outcome){CX_ROW_REJECTED, "invalid UTF-8 in the record"};
	split_words(text, &w);
	if (w.over)
		return (struct cx_outcome){CX_ROW_REJECTED, "record has more than 64 fields"};
	struct record rec = {.name = w.w[0]};
	cx_image_fact_init(&rec.img);
	if (strlen(rec.name) != 12)
		return bad(r, "image name (text follows it without a separator)", rec.name);
	rec.nodule = !strncmp(rec.name, "JPCLN", 5);
	if (rec.nodule != nodule_list) {
		cx_buf_reset(&r->reason);
		cx_buf_addf(&r->reason, "image '%s' is %s", rec.name,
			    nodule_list ? "a non-nodule image (JPCNN) in the nodule list"
					: "a nodule image (JPCLN) in the non-nodule list");
		return (struct cx_outcome){CX_ROW_REJECTED, cx_buf_str(&r->reason)};
	}
	struct cx_outcome o;
	if ((nodule_list ? parse_nodule : parse_plain)(r, &w, &rec, &o))
		return o;
	return emit_record(r, &rec);
}

/* Line of byte off in text (CR, LF and CRLF each end a line). */
static long line_of(const char *text, size_t off, size_t *from, long *line)
{
	for (size_t i = *from; i < off; i++)
		if (text[i] == '\n' || (text[i] == '\r' && text[i + 1] != '\n'))
			(*line)++;
	*from = off;
	return *line;
}

static int account(struct reader *r, const char *file, long line, struct cx_outcome o,
		   struct cx_error *err)
{
	return cx_rows_account(&r->rows, file, line, o, err);
}

/* Splits the list into records at every image name and accounts for each;
 * text before the first name, unless blank, is one rejected row. */
static int read_records(struct reader *r, const char *file, char *text, size_t len,
			int nodule_list, struct cx_error *err)
{
	size_t start = 0, from = 0;
	long line = 1;
	int rc = 0, first = 1;
	for (size_t i = 0; rc == 0 && i <= len; i++) {
		if (i < len && !image_name_at(text + i, text + len))
			continue;
		if (first && i > 0 && strspn(text, " \t\r\n\v\f,") < i)
			rc = account(r, file, 1,
				     (struct cx_outcome){CX_ROW_REJECTED,
							 "text before the first image name"}, err);
		else if (!first) {
			long at = line_of(text, start, &from, &line);
			char *rec = cx_strndup(text + start, i - start);
			rc = account(r, file, at, record(r, rec, i - start, nodule_list), err);
			free(rec);
		}
		first = 0;
		start = i;
		if (i < len)
			i += 11;
	}
	return rc;
}

static int read_list(struct reader *r, const char *file, int nodule_list, struct cx_error *err)
{
	struct cx_stream *s;
	int rc = cx_release_open_file(r->rel, file, &s, err);
	if (rc)
		return rc;
	struct cx_buf text = CX_BUF_INIT;
	rc = cx_stream_slurp(s, &text, LIST_MAX, err);
	cx_stream_close(s);
	if (rc == 0 && memchr(text.data ? text.data : "", '\0', text.len))
		rc = cx_error_set(err, CX_EFORMAT, "%s: a NUL byte: not a JSRT clinical list", file);
	if (rc == 0)
		rc = read_records(r, file, text.len ? text.data : (char *)"", text.len, nodule_list,
				  err);
	cx_buf_release(&text);
	return rc;
}

static int jsrt_read(struct cx_release *rel, const struct cx_sink *sink, struct cx_error *err)
{
	struct reader r = {.rel = rel, .sink = sink, .path = CX_BUF_INIT, .reason = CX_BUF_INIT};
	r.rows = (struct cx_rows){.sink = sink, .ctx = &r};
	const char *plain = NULL;
	for (size_t i = 0; i < CX_ARRAY_LEN(nonnodule_lists) && !plain; i++)
		if (cx_release_exists(rel, nonnodule_lists[i]))
			plain = nonnodule_lists[i];
	int rc = read_list(&r, NODULE_LIST, 1, err);
	if (rc == 0 && !plain)
		rc = cx_error_set(err, CX_ENOTFOUND, "%s: missing file '%s' (the non-nodule list)",
				  cx_release_path(rel), nonnodule_lists[0]);
	if (rc == 0)
		rc = read_list(&r, plain, 0, err);
	cx_buf_release(&r.path);
	cx_buf_release(&r.reason);
	return rc;
}

/* The nodule list, here or one folder down. */
static int jsrt_probe(struct cx_release *rel)
{
	return cx_release_locate(rel, NODULE_LIST);
}

static const struct cx_entry_def entries[] = {
	{.task = "image-classification", .rule = &cx_rule_labels_image},
	{.task = "abnormality-grounding", .rule = &cx_rule_boxes},
};

const struct cx_adapter cx_adapter_jsrt = {
	.id = "jsrt",
	.dataset = "JSRT",
	.versions = "All247images, Clinical_Information (English lists)",
	.license = "JSRT database terms: free for research and education after registration, "
		   "no redistribution",
	.access = "credentialed",
	.labels = &cx_vocab_nodule,
	.entries = entries,
	.nentries = CX_ARRAY_LEN(entries),
	.probe = jsrt_probe,
	.read = jsrt_read,
};

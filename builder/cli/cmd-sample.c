/*
 * cmd-sample.c - `chexinstruct sample`: renders N instances of the tasks
 * matching --task, chosen by a seeded hash order, with their images and
 * provenance, as text or JSON, or (--png) as one contact sheet of their
 * images with the boxes drawn (image/sheet.h).
 */
#include "cx.h"

#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>

#include "catalogue/catalogue.h"
#include "cli/cmd.h"
#include "image/sheet.h"
#include "io/release.h"
#include "io/stream.h"
#include "render/render.h"

/* No chest X-ray file comes near this; it bounds what one tile may read. */
#define MAX_IMAGE_BYTES (512u << 20)

static const char help[] =
	"usage: chexinstruct [--catalogue FILE] sample --task T [options]\n"
	"\n"
	"Prints N rendered instances (instruction, answer, options, images,\n"
	"provenance) of every task whose name contains T ('vqa' matches the\n"
	"open-ended and close-ended VQA tasks). A --task or --dataset that names\n"
	"nothing in the catalogue exits 2 with the known names.\n"
	"\n"
	"  --task T           task name or part of one (required)\n"
	"  --dataset D        only this dataset (name or source id)\n"
	"  --split S          only this split: train, val or test\n"
	"  -n N               how many (default 5)\n"
	"  --seed S           the sample seed: which instances are shown, and their\n"
	"                     templates, forms and option order (default 0); it changes\n"
	"                     nothing stored. Not the build seed\n"
	"  --json             print a JSON array\n"
	"  --png FILE         write one PNG contact sheet instead: a thumbnail of every\n"
	"                     image of the sampled instances, boxes drawn with their\n"
	"                     labels, captioned 'dataset | task | answer'; an instance\n"
	"                     without images (report summarization) gets a caption-only\n"
	"                     tile\n"
	"  --templates DIR    templates folder (default: $CHEXINSTRUCT_TEMPLATES, or the\n"
	"                     source tree's templates/)\n"
	"  -h, --help         this help\n";

/* One tile of the contact sheet, owned (the sample item is only valid
 * inside the callback). */
struct tile {
	struct cx_buf bytes;
	char *name, *missing, *caption;
	int width, height;
	struct cx_sheet_box *boxes;
	size_t nboxes;
};

struct out {
	const struct cx_templates *t;
	uint64_t seed;
	int json;
	long shown;
	const char *png;         /* --png FILE, or NULL */
	struct tile *tiles;
	size_t ntiles;
};

static void print_json_item(struct out *o, const struct cx_sample_item *it,
			    const struct cx_rendered *r)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_adds(&b, o->shown ? ",\n {\"entry\": " : "\n {\"entry\": ");
	cx_buf_add_json_str(&b, it->entry);
	cx_buf_adds(&b, ", \"task\": ");
	cx_buf_add_json_str(&b, it->view->task);
	cx_buf_adds(&b, ", \"dataset\": ");
	cx_buf_add_json_str(&b, it->view->dataset);
	cx_buf_adds(&b, ", \"key\": ");
	cx_buf_add_json_str(&b, it->view->key);
	cx_buf_adds(&b, ", \"split\": ");
	cx_buf_add_json_str(&b, it->view->split);
	cx_buf_adds(&b, ", \"images\": [");
	for (size_t i = 0; i < it->nimages; i++) {
		cx_buf_adds(&b, i ? ", " : "");
		cx_buf_add_json_str(&b, it->images[i]);
	}
	cx_buf_adds(&b, "], \"form\": ");
	cx_buf_add_json_str(&b, r->form ? r->form : "");
	cx_buf_addf(&b, ", \"template\": %d, \"instruction\": ", r->template_index);
	cx_buf_add_json_str(&b, cx_buf_str(&r->instruction));
	cx_buf_adds(&b, ", \"answer\": ");
	cx_buf_add_json_str(&b, cx_buf_str(&r->answer));
	cx_buf_adds(&b, ", \"options\": [");
	for (size_t i = 0; i < r->noptions; i++) {
		cx_buf_adds(&b, i ? ", " : "");
		cx_buf_add_json_str(&b, r->options[i]);
	}
	cx_buf_addf(&b, "], \"correct\": %d, \"source\": {\"file\": ", r->correct);
	cx_buf_add_json_str(&b, it->src_file);
	cx_buf_addf(&b, ", \"line\": %ld}}", it->src_line);
	fputs(b.data, stdout);
	cx_buf_release(&b);
}

static void print_text_item(const struct cx_sample_item *it, const struct cx_rendered *r)
{
	printf("== %s %s (%s)\n", it->entry, it->view->key, it->view->split);
	for (size_t i = 0; i < it->nimages; i++)
		printf("image:       %s\n", it->images[i]);
	printf("instruction: %s\n", cx_buf_str(&r->instruction));
	printf("answer:      %s\n", cx_buf_str(&r->answer));
	printf("source:      %s:%ld\n\n", it->src_file, it->src_line);
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Reads image i of an item: a plain file of a folder release, or a member of
 * an archive (one inside the release folder, or the release itself). */
static int read_image(const struct cx_sample_item *it, size_t i, struct cx_buf *out,
		      struct cx_error *err)
{
	struct cx_buf file = CX_BUF_INIT;
	struct cx_stream *s;
	int rc;
	if (it->archives[i][0]) {
		cx_buf_addf(&file, "%s/%s", it->release, it->archives[i]);
		rc = cx_stream_open_member(&s, file.data, it->paths[i], it->images[i], err);
	} else if (is_file(it->release)) {
		rc = cx_stream_open_member(&s, it->release, it->paths[i], it->images[i], err);
	} else {
		cx_buf_addf(&file, "%s/%s", it->release, it->paths[i]);
		rc = cx_stream_open_path(&s, file.data, it->images[i], err);
	}
	cx_buf_release(&file);
	if (rc)
		return rc;
	rc = cx_stream_slurp(s, out, MAX_IMAGE_BYTES, err);
	cx_stream_close(s);
	return rc;
}

/* Adds the item's tiles: one per image (boxes only when the instance shows a
 * single image, the one they are on), or one caption-only tile. */
static void add_tiles(struct out *o, const struct cx_sample_item *it, const struct cx_rendered *r)
{
	const struct cx_instance_view *v = it->view;
	size_t n = it->nimages ? it->nimages : 1;
	o->tiles = cx_realloc(o->tiles, (o->ntiles + n) * sizeof(*o->tiles));
	for (size_t i = 0; i < n; i++) {
		struct tile *t = &o->tiles[o->ntiles++];
		memset(t, 0, sizeof(*t));
		struct cx_buf cap = CX_BUF_INIT;
		cx_buf_addf(&cap, "%s | %s | %s", v->dataset ? v->dataset : "", v->task,
			    cx_buf_str(&r->answer));
		t->caption = cx_buf_detach(&cap);
		if (!it->nimages) {
			t->missing = cx_strdup("text only: no image");
			continue;
		}
		struct cx_error err = {0};
		if (read_image(it, i, &t->bytes, &err)) {
			cx_buf_release(&t->bytes);
			t->missing = cx_strdup(err.msg);
			continue;
		}
		t->name = cx_strdup(it->paths[i]);
		if (it->nimages != 1)
			continue;
		if (v->image) {
			t->width = v->image->width;
			t->height = v->image->height;
		}
		/* a finding's boxes, or a phrase's (MS-CXR) */
		const struct cx_view_box *vbs = v->boxes ? v->boxes->box
					      : v->phrase ? v->phrase->box : NULL;
		size_t nb = v->boxes ? v->boxes->n : v->phrase ? v->phrase->n : 0;
		t->boxes = cx_calloc(nb ? nb : 1, sizeof(*t->boxes));
		for (size_t b = 0; b < nb; b++) {
			const struct cx_view_box *vb = &vbs[b];
			/* Boxes are in their frame's pixels (NIH: 1024 x 1024); the
			 * sheet draws in the file's. */
			double sx = 1, sy = 1;
			if (vb->frame_width > 0 && vb->frame_height > 0 && t->width > 0 &&
			    t->height > 0) {
				sx = (double)t->width / vb->frame_width;
				sy = (double)t->height / vb->frame_height;
			}
			t->boxes[b] = (struct cx_sheet_box){.label = cx_strdup(vb->label),
							    .x = vb->x * sx, .y = vb->y * sy,
							    .w = vb->w * sx, .h = vb->h * sy};
		}
		t->nboxes = nb;
	}
}

static void free_tiles(struct out *o)
{
	for (size_t i = 0; i < o->ntiles; i++) {
		struct tile *t = &o->tiles[i];
		cx_buf_release(&t->bytes);
		free(t->name);
		free(t->missing);
		free(t->caption);
		for (size_t b = 0; b < t->nboxes; b++)
			free((char *)t->boxes[b].label);
		free(t->boxes);
	}
	free(o->tiles);
}

static int write_file(const char *path, const struct cx_buf *b)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int bad = fwrite(b->data, 1, b->len, f) != b->len;
	return fclose(f) != 0 || bad ? -1 : 0;
}

static int write_sheet(struct out *o)
{
	struct cx_sheet_item *items = cx_calloc(o->ntiles ? o->ntiles : 1, sizeof(*items));
	for (size_t i = 0; i < o->ntiles; i++) {
		const struct tile *t = &o->tiles[i];
		items[i] = (struct cx_sheet_item){
			.image = t->missing ? NULL : (const unsigned char *)t->bytes.data,
			.len = t->bytes.len, .name = t->name, .missing = t->missing,
			.image_width = t->width, .image_height = t->height,
			.boxes = t->boxes, .nboxes = t->nboxes, .caption = t->caption};
	}
	struct cx_buf png = CX_BUF_INIT;
	struct cx_error err = {0};
	int status = CX_EXIT_OK;
	if (cx_sheet_render(items, o->ntiles, &png, &err))
		status = cx_fail("%s: %s", o->png, err.msg);
	else if (write_file(o->png, &png))
		status = cx_fail("cannot write '%s': %s", o->png, strerror(errno));
	cx_buf_release(&png);
	free(items);
	return status;
}

static int on_item(void *ctx, const struct cx_sample_item *it, struct cx_error *err)
{
	(void)err;
	struct out *o = ctx;
	struct cx_rendered r;
	struct cx_error rerr = {0};
	cx_rendered_init(&r);
	if (cx_render(o->t, it->view, o->seed, &r, &rerr) != 0) {
		fprintf(stderr, "chexinstruct: %s %s: cannot render: %s\n", it->entry, it->view->key,
			rerr.msg);
	} else if (o->png) {
		add_tiles(o, it, &r);
		o->shown++;
	} else if (o->json) {
		print_json_item(o, it, &r);
		o->shown++;
	} else {
		print_text_item(it, &r);
		o->shown++;
	}
	cx_rendered_release(&r);
	return 0;
}

/* 1 when entry i is the first of e to have this task (datasets: 0), or
 * this dataset (1): the known names are listed once each, in entry order. */
static int first_with(const struct cx_shard_entry *e, size_t i, int datasets)
{
	const char *name = datasets ? e[i].dataset : e[i].task;
	for (size_t j = 0; j < i; j++)
		if (!strcmp(datasets ? e[j].dataset : e[j].task, name))
			return 0;
	return 1;
}

/* An unknown --task or --dataset is a usage error naming the known ones, so
 * that a typo is not mistaken for an empty selection ("no instances match"
 * is left for names that exist but have nothing in common). Returns 0 or the
 * exit status. */
static int check_names(struct cx_cat *cat, const struct cx_sample_query *q)
{
	struct cx_shard_entry *e;
	size_t n;
	struct cx_error err = {0};
	if (cx_cat_shard_entries(cat, &e, &n, &err))
		return cx_fail("%s", err.msg);
	struct cx_buf tasks = CX_BUF_INIT, datasets = CX_BUF_INIT;
	int task_known = 0, dataset_known = !q->dataset;
	for (size_t i = 0; i < n; i++) {
		task_known |= strstr(e[i].task, q->task) != NULL;
		if (q->dataset)
			dataset_known |= !strcmp(e[i].dataset, q->dataset) ||
					 !strcmp(e[i].source, q->dataset);
		if (first_with(e, i, 0))
			cx_buf_addf(&tasks, "%s%s", tasks.len ? ", " : "", e[i].task);
		if (first_with(e, i, 1))
			cx_buf_addf(&datasets, "%s%s (%s)", datasets.len ? ", " : "", e[i].dataset,
				    e[i].source);
	}
	int status = 0;
	if (!task_known)
		status = cx_fail("sample: no task matches '%s'; known tasks: %s", q->task,
				 n ? tasks.data : "none (the catalogue has no instances)");
	else if (!dataset_known)
		status = cx_fail("sample: no dataset '%s'; known datasets: %s", q->dataset,
				 n ? datasets.data : "none (the catalogue has no instances)");
	cx_buf_release(&tasks);
	cx_buf_release(&datasets);
	cx_cat_shard_entries_free(e, n);
	return status ? CX_EXIT_USAGE : 0;
}

static int sample(const struct cx_global *g, const struct cx_sample_query *q, const char *tdir,
		  const char *png)
{
	struct cx_cat *cat;
	struct cx_templates *t;
	struct cx_error err = {0};
	if (cx_templates_load(&t, tdir, &err))
		return cx_fail("%s", err.msg);
	if (cx_cat_open(&cat, g->catalogue, 0, &err)) {
		cx_templates_free(t);
		return cx_fail("%s", err.msg);
	}
	int status = check_names(cat, q);
	if (status) {
		cx_cat_close(cat);
		cx_templates_free(t);
		return status;
	}
	struct out o = {.t = t, .seed = q->seed, .json = q->json && !png, .png = png};
	if (o.json)
		fputs("[", stdout);
	long n = cx_cat_sample(cat, q, on_item, &o, &err);
	if (o.json)
		fputs(o.shown ? "\n]\n" : "]\n", stdout);
	if (png && n > 0)
		status = write_sheet(&o);
	free_tiles(&o);
	if (n < 0)
		status = cx_fail("%s", err.msg);
	else if (n == 0)
		fprintf(stderr, "chexinstruct: no instances match\n");
	cx_cat_close(cat);
	cx_templates_free(t);
	return status;
}

static int cmd_sample(int argc, char **argv, const struct cx_global *g)
{
	static const struct option opts[] = {
		CX_QUERY_OPTS,
		{.name = "png", .has_arg = required_argument, .val = 'P'},
		{.name = "help", .has_arg = no_argument, .val = 'h'},
		{0},
	};
	struct cx_sample_query q = {.n = 5};
	const char *tdir = cx_templates_dir();
	const char *png = NULL;
	long long v;
	int c, took;
	while ((c = getopt_long(argc, argv, "hn:", opts, NULL)) != -1) {
		if ((took = cx_query_opt(c, optarg, &q, &tdir)) != 0) {
			if (took < 0)
				return CX_EXIT_USAGE;
			continue;
		}
		switch (c) {
		case 'P': png = optarg; break;
		case 'n':
			if ((v = cx_opt_number("-n", optarg)) < 0)
				return CX_EXIT_USAGE;
			q.n = (long)v;
			break;
		case 'h': fputs(help, stdout); return CX_EXIT_OK;
		default: return cx_usage(&cx_cmd_sample, "sample: bad option");
		}
	}
	if (optind < argc)
		return cx_usage(&cx_cmd_sample, "sample: unexpected argument '%s'", argv[optind]);
	if (!q.task || !q.task[0])
		return cx_usage(&cx_cmd_sample, "sample: --task is required");
	if (q.split && strcmp(q.split, "train") && strcmp(q.split, "val") && strcmp(q.split, "test"))
		return cx_usage(&cx_cmd_sample, "sample: --split is train, val or test, not '%s'",
				q.split);
	return sample(g, &q, tdir, png);
}

const struct cx_cmd cx_cmd_sample = {
	.name = "sample",
	.summary = "print rendered instances of a task",
	.help = help,
	.run = cmd_sample,
};

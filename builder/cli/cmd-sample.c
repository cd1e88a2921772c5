/*
 * cmd-sample.c - `chexinstruct sample`: renders N instances of the tasks
 * matching --task, chosen by a seeded hash order, with their images and
 * provenance, as text or JSON.
 */
#include "cx.h"

#include <getopt.h>

#include "catalogue/catalogue.h"
#include "cli/cmd.h"
#include "render/render.h"

static const char help[] =
	"usage: chexinstruct [--catalogue FILE] sample --task T [options]\n"
	"\n"
	"Prints N rendered instances (instruction, answer, options, images,\n"
	"provenance) of every task whose name contains T ('vqa' matches the\n"
	"open-ended and close-ended VQA tasks).\n"
	"\n"
	"  --task T           task name or part of one (required)\n"
	"  --dataset D        only this dataset (name or source id)\n"
	"  --split S          only this split: train, val or test\n"
	"  -n N               how many (default 5)\n"
	"  --seed S           which instances and which templates (default 0)\n"
	"  --json             print a JSON array\n"
	"  --templates DIR    templates folder (default: $CHEXINSTRUCT_TEMPLATES, or the\n"
	"                     source tree's templates/)\n"
	"  -h, --help         this help\n";

struct out {
	const struct cx_templates *t;
	uint64_t seed;
	int json;
	long shown;
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

static int sample(const struct cx_global *g, const struct cx_sample_query *q, const char *tdir)
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
	struct out o = {t, q->seed, q->json, 0};
	if (q->json)
		fputs("[", stdout);
	long n = cx_cat_sample(cat, q, on_item, &o, &err);
	if (q->json)
		fputs(o.shown ? "\n]\n" : "]\n", stdout);
	int status = CX_EXIT_OK;
	if (n < 0) {
		status = cx_fail("%s", err.msg);
	} else if (n == 0) {
		struct cx_buf names = CX_BUF_INIT;
		cx_cat_task_names(cat, &names, &err);
		if (!strstr(cx_buf_str(&names), q->task))
			status = cx_fail("no task matches '%s'; known tasks: %s", q->task,
					 cx_buf_str(&names));
		else
			fprintf(stderr, "chexinstruct: no instances match\n");
		cx_buf_release(&names);
	}
	cx_cat_close(cat);
	cx_templates_free(t);
	return status;
}

static int cmd_sample(int argc, char **argv, const struct cx_global *g)
{
	static const struct option opts[] = {
		{"task", required_argument, NULL, 't'},   {"dataset", required_argument, NULL, 'd'},
		{"split", required_argument, NULL, 's'},  {"seed", required_argument, NULL, 'S'},
		{"json", no_argument, NULL, 'j'},         {"templates", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	struct cx_sample_query q = {NULL, NULL, NULL, 5, 0, 0};
	const char *tdir = cx_templates_dir();
	long long v;
	int c;
	while ((c = getopt_long(argc, argv, "hn:", opts, NULL)) != -1) {
		switch (c) {
		case 't': q.task = optarg; break;
		case 'd': q.dataset = optarg; break;
		case 's': q.split = optarg; break;
		case 'j': q.json = 1; break;
		case 'T': tdir = optarg; break;
		case 'n':
			if ((v = cx_opt_number("-n", optarg)) < 0)
				return CX_EXIT_USAGE;
			q.n = (long)v;
			break;
		case 'S':
			if ((v = cx_opt_number("--seed", optarg)) < 0)
				return CX_EXIT_USAGE;
			q.seed = (uint64_t)v;
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
	return sample(g, &q, tdir);
}

const struct cx_cmd cx_cmd_sample = {
	"sample", "print rendered instances of a task", help, cmd_sample,
};

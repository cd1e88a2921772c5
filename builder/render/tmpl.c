/*
 * tmpl.c - the template engine: loads and validates templates/<task>.txt,
 * fingerprints them, picks a template for an instance and fills it in.
 *
 * The format is in templates/README.md. Validation is strict because a bad
 * template would otherwise surface as odd text in millions of instances: an
 * unknown task or form, a placeholder the form does not provide, a missing
 * needed placeholder, an unbalanced brace, a duplicate, or fewer than ten
 * templates in a form all fail the load with "file:line: reason".
 *
 * Filling is a single pass over the template: a value is copied into the
 * output verbatim and never scanned again, so a question or report that
 * itself contains "{findings}" or "}}" comes out exactly as written.
 */
#include "cx.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "render/render.h"
#include "tasks/tasks.h"

#define MIN_TEMPLATES 10
#define MAX_FILE (1 << 20) /* a template file is a few KiB: read whole */

struct form_templates {
	char **text;
	int *line;
	size_t n, cap;
	int header_line; /* of its [form NAME] line, 0 when absent */
};

struct task_templates {
	const struct cx_task *task;
	struct form_templates *forms; /* parallel to task->forms */
};

struct cx_templates {
	struct task_templates *tasks;
	size_t n;
	uint64_t fingerprint;
};

static void free_task(struct task_templates *tt)
{
	for (size_t f = 0; tt->forms && f < tt->task->nforms; f++) {
		for (size_t i = 0; i < tt->forms[f].n; i++)
			free(tt->forms[f].text[i]);
		free(tt->forms[f].text);
		free(tt->forms[f].line);
	}
	free(tt->forms);
}

void cx_templates_free(struct cx_templates *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free_task(&t->tasks[i]);
	free(t->tasks);
	free(t);
}

/* ------------------------------------------------------------------ */
/* Validation                                                         */

/* Checks braces and placeholders of one template; sets why on failure. */
static int check_template(const char *s, const struct cx_task_form *f, char *why, size_t nwhy)
{
	int uses_need[8] = {0};
	for (size_t i = 0; s[i];) {
		if (s[i] == '}') {
			if (s[i + 1] != '}') {
				snprintf(why, nwhy, "unbalanced '}' at column %zu", i + 1);
				return -1;
			}
			i += 2;
			continue;
		}
		if (s[i] != '{') {
			i++;
			continue;
		}
		if (s[i + 1] == '{') {
			i += 2;
			continue;
		}
		size_t j = i + 1;
		while (s[j] && s[j] != '{' && s[j] != '}')
			j++;
		if (s[j] != '}') {
			snprintf(why, nwhy, "unbalanced '{' at column %zu", i + 1);
			return -1;
		}
		int len = (int)(j - i - 1);
		char name[64];
		snprintf(name, sizeof name, "%.*s", len, s + i + 1);
		if (!cx_task_form_allows(f, name) || (size_t)len >= sizeof name) {
			snprintf(why, nwhy, "unknown placeholder {%.*s} in form '%s'",
				 len > 60 ? 60 : len, s + i + 1, f->name);
			return -1;
		}
		for (size_t k = 0; f->need[k] && k < 8; k++)
			if (!strcmp(f->need[k], name))
				uses_need[k] = 1;
		i = j + 1;
	}
	for (size_t k = 0; f->need[k] && k < 8; k++)
		if (!uses_need[k]) {
			snprintf(why, nwhy, "template does not use {%s}", f->need[k]);
			return -1;
		}
	return 0;
}

struct parse {
	const char *path;
	const char *stem;
	struct task_templates tt;
	int form;        /* index of the open form, -1 before the first */
	int seen_header;
	int header_line;
	struct cx_error *err;
};

static int fail(struct parse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parse *p, int line, const char *fmt, ...)
{
	char reason[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	return cx_error_set(p->err, CX_EFORMAT, "%s:%d: %s", p->path, line, reason);
}

static int close_form(struct parse *p)
{
	if (p->form < 0)
		return 0;
	struct form_templates *ft = &p->tt.forms[p->form];
	if (ft->n < MIN_TEMPLATES) {
		return fail(p, ft->header_line, "form '%s' has %zu templates, needs at least %d",
			    p->tt.task->forms[p->form].name, ft->n, MIN_TEMPLATES);
	}
	return 0;
}

static int header(struct parse *p, char *s, int line)
{
	if (strncmp(s, "task ", 5))
		return fail(p, line, "expected 'task <name>' before anything else");
	char *name = cx_trim(s + 5);
	const struct cx_task *t = cx_task_find(name);
	if (!t)
		return fail(p, line, "unknown task '%s'", name);
	if (strcmp(name, p->stem))
		return fail(p, line, "task '%s' in a file named '%s.txt'", name, p->stem);
	p->tt.task = t;
	p->tt.forms = cx_calloc(t->nforms, sizeof *p->tt.forms);
	p->seen_header = 1;
	p->header_line = line;
	return 0;
}

static int section(struct parse *p, char *s, int line)
{
	size_t n = strlen(s);
	if (strncmp(s, "[form ", 6) || s[n - 1] != ']')
		return fail(p, line, "expected '[form <name>]'");
	s[n - 1] = '\0';
	char *name = cx_trim(s + 6);
	if (close_form(p))
		return p->err->code;
	const struct cx_task *t = p->tt.task;
	for (size_t f = 0; f < t->nforms; f++) {
		if (strcmp(t->forms[f].name, name))
			continue;
		if (p->tt.forms[f].header_line)
			return fail(p, line, "form '%s' given twice", name);
		p->tt.forms[f].header_line = line;
		p->form = (int)f;
		return 0;
	}
	return fail(p, line, "unknown form '%s' for task '%s'", name, t->id);
}

static int template_line(struct parse *p, const char *s, int line)
{
	if (p->form < 0)
		return fail(p, line, "template outside a [form <name>] section");
	struct form_templates *ft = &p->tt.forms[p->form];
	char why[200];
	if (check_template(s, &p->tt.task->forms[p->form], why, sizeof why))
		return fail(p, line, "%s", why);
	for (size_t i = 0; i < ft->n; i++)
		if (!strcmp(ft->text[i], s)) {
			return fail(p, line, "duplicate template (same as line %d)", ft->line[i]);
		}
	if (ft->n == ft->cap) {
		ft->cap = ft->cap ? ft->cap * 2 : 16;
		ft->text = cx_realloc(ft->text, ft->cap * sizeof *ft->text);
		ft->line = cx_realloc(ft->line, ft->cap * sizeof *ft->line);
	}
	ft->text[ft->n] = cx_strdup(s);
	ft->line[ft->n++] = line;
	return 0;
}

static int parse_line(struct parse *p, char *s, int line)
{
	if (!cx_utf8_valid(s, strlen(s)))
		return fail(p, line, "not UTF-8");
	cx_trim(s);
	if (!s[0] || s[0] == '#')
		return 0;
	if (!p->seen_header)
		return header(p, s, line);
	if (s[0] == '[')
		return section(p, s, line);
	return template_line(p, s, line);
}

static int parse_text(struct parse *p, char *text)
{
	int line = 0;
	char *s = text;
	while (*s) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		if (parse_line(p, s, ++line))
			return p->err->code;
		if (!nl)
			break;
		s = nl + 1;
	}
	if (!p->seen_header)
		return fail(p, line ? line : 1, "expected 'task <name>' before anything else");
	if (close_form(p))
		return p->err->code;
	for (size_t f = 0; f < p->tt.task->nforms; f++)
		if (!p->tt.forms[f].header_line)
			return fail(p, p->header_line, "no [form %s] section",
				    p->tt.task->forms[f].name);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Loading                                                            */

static int read_file(const char *path, struct cx_buf *b, struct cx_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return cx_error_set(err, CX_EIO, "%s: cannot open: %s", path, strerror(errno));
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		cx_buf_add(b, chunk, n);
		if (b->len > MAX_FILE) {
			fclose(f);
			return cx_error_set(err, CX_ELIMIT, "%s: over %d bytes", path, MAX_FILE);
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return cx_error_set(err, CX_EIO, "%s: read error", path);
	if (memchr(cx_buf_str(b), '\0', b->len))
		return cx_error_set(err, CX_EFORMAT, "%s: has a NUL byte", path);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files named *.txt in dir, sorted. */
static int list_txt(const char *dir, char ***names, size_t *n, struct cx_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return cx_error_set(err, CX_ENOTFOUND, "%s: cannot open the templates folder: %s",
				    dir, strerror(errno));
	struct dirent *e;
	size_t cap = 0;
	*names = NULL;
	*n = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !cx_str_ends(e->d_name, ".txt"))
			continue;
		struct cx_buf path = CX_BUF_INIT;
		cx_buf_addf(&path, "%s/%s", dir, e->d_name);
		struct stat st;
		int regular = stat(path.data, &st) == 0 && S_ISREG(st.st_mode);
		cx_buf_release(&path);
		if (!regular)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = cx_realloc(*names, cap * sizeof **names);
		}
		(*names)[(*n)++] = cx_strdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof **names, by_name);
	return 0;
}

static int load_one(struct cx_templates *t, const char *dir, const char *name,
		    struct cx_error *err)
{
	struct cx_buf path = CX_BUF_INIT, text = CX_BUF_INIT;
	cx_buf_addf(&path, "%s/%s", dir, name);
	char *stem = cx_strndup(name, strlen(name) - 4);
	int rc = read_file(path.data, &text, err);
	if (!rc) {
		t->fingerprint = cx_hash64(cx_buf_str(&text), text.len,
					   cx_hash_str(name, t->fingerprint));
		struct parse p = {path.data, stem, {NULL, NULL}, -1, 0, 0, err};
		rc = parse_text(&p, text.data ? text.data : (char[]){""});
		if (rc)
			free_task(&p.tt);
		else
			t->tasks[t->n++] = p.tt;
	}
	free(stem);
	cx_buf_release(&path);
	cx_buf_release(&text);
	return rc;
}

int cx_templates_load(struct cx_templates **out, const char *dir, struct cx_error *err)
{
	*out = NULL;
	char **names = NULL;
	size_t n = 0;
	if (list_txt(dir, &names, &n, err))
		return err->code;
	int rc = 0;
	if (!n)
		rc = cx_error_set(err, CX_ENOTFOUND, "%s: no template files (*.txt)", dir);
	struct cx_templates *t = cx_calloc(1, sizeof *t);
	t->tasks = cx_calloc(n ? n : 1, sizeof *t->tasks);
	for (size_t i = 0; i < n && !rc; i++)
		rc = load_one(t, dir, names[i], err);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc) {
		cx_templates_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

uint64_t cx_templates_fingerprint(const struct cx_templates *t) { return t->fingerprint; }

static const struct task_templates *find_task(const struct cx_templates *t, const char *task)
{
	for (size_t i = 0; task && i < t->n; i++)
		if (!strcmp(t->tasks[i].task->id, task))
			return &t->tasks[i];
	return NULL;
}

int cx_templates_has_task(const struct cx_templates *t, const char *task)
{
	return find_task(t, task) != NULL;
}

static const struct form_templates *find_form(const struct cx_templates *t, const char *task,
					      const char *form)
{
	const struct task_templates *tt = find_task(t, task);
	for (size_t f = 0; tt && form && f < tt->task->nforms; f++)
		if (!strcmp(tt->task->forms[f].name, form))
			return &tt->forms[f];
	return NULL;
}

size_t cx_templates_count(const struct cx_templates *t, const char *task, const char *form)
{
	const struct form_templates *ft = find_form(t, task, form);
	return ft ? ft->n : 0;
}

const char *cx_templates_text(const struct cx_templates *t, const char *task, const char *form,
			      size_t i)
{
	const struct form_templates *ft = find_form(t, task, form);
	return ft && i < ft->n ? ft->text[i] : NULL;
}

/* ------------------------------------------------------------------ */
/* Rendering                                                          */

void cx_rendered_init(struct cx_rendered *r)
{
	memset(r, 0, sizeof *r);
	r->correct = -1;
	r->template_index = -1;
}

void cx_rendered_release(struct cx_rendered *r)
{
	cx_buf_release(&r->instruction);
	cx_buf_release(&r->answer);
	free(r->form);
	for (size_t i = 0; i < r->noptions; i++)
		free(r->options[i]);
	cx_rendered_init(r);
}

static const char *slot(const struct cx_task_out *o, const char *name, size_t len)
{
	for (size_t i = 0; i < o->nslots; i++)
		if (strlen(o->names[i]) == len && !strncmp(o->names[i], name, len))
			return o->values[i];
	return NULL;
}

/* One pass: values are copied, never rescanned. The template was validated
 * on load, so every '{' not doubled opens a placeholder closed by '}'. */
static int fill(struct cx_buf *b, const char *s, const struct cx_task_out *o,
		const char *options_inline, int *used_options, struct cx_error *err)
{
	while (*s) {
		if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
			cx_buf_addc(b, s[0]);
			s += 2;
			continue;
		}
		if (s[0] != '{') {
			cx_buf_addc(b, *s++);
			continue;
		}
		const char *end = strchr(s, '}');
		size_t len = (size_t)(end - s - 1);
		const char *value = NULL;
		if (len == 7 && !strncmp(s + 1, "options", 7) && options_inline) {
			value = options_inline;
			*used_options = 1;
		} else {
			value = slot(o, s + 1, len);
		}
		if (!value)
			return cx_error_set(err, CX_ERROR, "form '%s' has no value for {%.*s}",
					    o->form, (int)len, s + 1);
		cx_buf_adds(b, value);
		s = end + 1;
	}
	return 0;
}

/* The answer for the right options (bits of right, by shown position), in
 * the shown order, joined with ", ": their texts, markers, or both. */
static void answer_options(const struct cx_task_out *o, enum cx_option_style style,
			   unsigned right, struct cx_rendered *out)
{
	char marker[8];
	for (size_t k = 0; k < out->noptions; k++) {
		if (!(right >> k & 1))
			continue;
		if (out->answer.len)
			cx_buf_adds(&out->answer, ", ");
		cx_option_marker(style, k, marker);
		if (o->mode == CX_ANSWER_TEXT)
			cx_buf_adds(&out->answer, out->options[k]);
		else if (o->mode == CX_ANSWER_MARKER)
			cx_buf_adds(&out->answer, marker);
		else
			cx_buf_addf(&out->answer, "%s %s", marker, out->options[k]);
	}
}

/* Shows the options in the drawn style and order and writes the answer. */
static int with_options(const struct cx_task_out *o, const struct cx_draw *d, const char *tmpl,
			struct cx_rendered *out, struct cx_error *err)
{
	if (o->correct < 0 || (size_t)o->correct >= o->noptions ||
	    (o->right && !(o->right >> o->correct & 1)))
		return cx_error_set(err, CX_ERROR, "form '%s' has options but no right one",
				    o->form);
	unsigned right = o->right ? o->right : 1u << o->correct;
	size_t perm[CX_MAX_OPTIONS];
	cx_option_order(d, o->shuffle, perm, o->noptions);
	enum cx_option_style style = cx_option_style_draw(d);
	for (size_t k = 0; k < o->noptions; k++) {
		out->options[k] = cx_strdup(o->options[perm[k]]);
		if (right >> perm[k] & 1) {
			out->right |= 1u << k;
			if (out->correct < 0)
				out->correct = (int)k;
		}
	}
	out->noptions = o->noptions;
	struct cx_buf inl = CX_BUF_INIT;
	cx_options_format(&inl, style, out->options, out->noptions, 1);
	int used = 0;
	int rc = fill(&out->instruction, tmpl, o, inl.data, &used, err);
	cx_buf_release(&inl);
	if (rc)
		return rc;
	if (!used) {
		cx_buf_adds(&out->instruction, "\nOptions:\n");
		cx_options_format(&out->instruction, style, out->options, out->noptions, 0);
	}
	answer_options(o, style, out->right, out);
	return 0;
}

/* Every value shown is one line: runs of whitespace (a report's line breaks
 * and double spaces, a question's tab) become one space, and ends are
 * trimmed, for every task and source. The catalogue keeps the text as
 * released; only what is shown is squashed. */
static void squash_out(struct cx_task_out *o)
{
	for (size_t i = 0; i < o->nslots; i++)
		if (o->values[i])
			cx_squash(o->values[i]);
	for (size_t i = 0; i < o->noptions; i++)
		cx_squash(o->options[i]);
	if (o->answer.data)
		o->answer.len = cx_squash(o->answer.data);
}

static int render(const struct cx_templates *t, const struct cx_instance_view *v, uint64_t seed,
		  struct cx_task_out *o, struct cx_rendered *out, struct cx_error *err)
{
	const struct cx_task *task = cx_task_find(v->task);
	if (!task)
		return cx_error_set(err, CX_EINVAL, "unknown task '%s'", v->task ? v->task : "");
	const struct task_templates *tt = find_task(t, v->task);
	if (!tt)
		return cx_error_set(err, CX_ENOTFOUND, "no templates for task '%s'", v->task);
	struct cx_draw d;
	cx_draw_init(&d, v, seed);
	if (task->render(v, &d, o, err))
		return err->code;
	squash_out(o);
	const struct form_templates *ft = NULL;
	for (size_t f = 0; f < task->nforms; f++)
		if (o->form && !strcmp(task->forms[f].name, o->form))
			ft = &tt->forms[f];
	if (!ft)
		return cx_error_set(err, CX_ERROR, "task '%s' chose no known form", task->id);
	size_t ti = cx_draw_below(&d, "template", ft->n);
	out->form = cx_strdup(o->form);
	out->template_index = (int)ti;
	out->extractive = cx_task_extractive(task);
	if (o->noptions)
		return with_options(o, &d, ft->text[ti], out, err);
	if (fill(&out->instruction, ft->text[ti], o, NULL, &(int){0}, err))
		return err->code;
	cx_buf_adds(&out->answer, cx_buf_str(&o->answer));
	return 0;
}

int cx_render(const struct cx_templates *t, const struct cx_instance_view *v, uint64_t seed,
	      struct cx_rendered *out, struct cx_error *err)
{
	cx_rendered_release(out);
	struct cx_task_out o;
	cx_task_out_init(&o);
	int rc = render(t, v, seed, &o, out, err);
	cx_task_out_release(&o);
	if (rc)
		cx_rendered_release(out);
	return rc;
}

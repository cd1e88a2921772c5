/*
 * release.c - folders and archives as one stack of layers (see release.h).
 *
 * Only this file and stream.c talk to libarchive. Archive members are found
 * by scanning headers from the start of the archive: archives are streams,
 * and a release is read a handful of files at a time, so a name index (built
 * once, headers only) plus one scan per opened member is the right trade.
 */
#include "cx.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/release.h"
#include "io/stream.h"

struct layer {
	int is_archive;
	char *file;    /* folder path, or archive file path on disk */
	char *relname; /* archive name relative to the release ("" for the folder) */
	char *prefix;  /* root inside the layer: "" or "top/" */
	char **names;  /* archive only: sorted regular member names */
	size_t nnames;
	int indexed;
	int damaged;   /* archive only: its damage is noted */
	char *real;    /* folder only: its realpath(), once a symbolic link needs it */
	struct cx_buf inside; /* folder only: the last folder below it found confined */
};

static void add_name(struct layer *l, size_t *cap, const char *name)
{
	if (l->nnames == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		l->names = cx_realloc(l->names, *cap * sizeof(*l->names));
	}
	l->names[l->nnames++] = cx_strdup(name);
}

struct damage {
	char *file, *reason;
};

struct cx_release {
	struct cx_buf last_name;  /* the last name find_layer() resolved ... */
	struct layer *last_layer; /* ... and where (a build asks twice per image) */
	const char *refused;      /* why find_layer() last refused a name, or NULL */
	char *path;
	struct damage *damage;    /* damaged archives, one each, in the order met */
	size_t ndamage;
	int is_archive;
	int top_only;  /* cx_release_open_top(): no archive layers, no looking down */
	struct layer *layers;
	size_t nlayers;
};

static int is_archive_name(const char *name)
{
	return cx_str_ends(name, ".zip") || cx_str_ends(name, ".tar") ||
	       cx_str_ends(name, ".tar.gz") || cx_str_ends(name, ".tgz");
}

static void add_layer(struct cx_release *rel, int is_archive, const char *file,
		      const char *relname)
{
	rel->layers = cx_realloc(rel->layers, (rel->nlayers + 1) * sizeof(*rel->layers));
	struct layer *l = &rel->layers[rel->nlayers++];
	memset(l, 0, sizeof(*l));
	l->is_archive = is_archive;
	l->file = cx_strdup(file);
	l->relname = cx_strdup(relname);
	l->prefix = cx_strdup("");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Sorted names of a folder's entries (without . and ..). When kinds is not
 * NULL it gets, per name, 'd' or 'f' from the directory entry itself, or 0
 * when the file system does not say (then the caller asks stat). Caller frees
 * both.
 */
static char **list_dir_fd(int dfd, size_t *n, char **kinds)
{
	int fd = dfd >= 0 ? dup(dfd) : -1;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **v = NULL;
	size_t len = 0, cap = 0;
	*n = 0;
	if (kinds)
		*kinds = NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (len == cap) {
			cap = cap ? 2 * cap : 16;
			v = cx_realloc(v, cap * sizeof(*v));
		}
		/* the kind rides after the name's NUL, so sorting keeps them together */
		size_t nl = strlen(e->d_name);
		v[len] = cx_malloc(nl + 2);
		memcpy(v[len], e->d_name, nl + 1);
		v[len][nl + 1] = e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : 0;
		len++;
	}
	closedir(d);
	if (len)
		qsort(v, len, sizeof(*v), cmp_str);
	if (kinds) {
		*kinds = cx_malloc(len ? len : 1);
		for (size_t i = 0; i < len; i++)
			(*kinds)[i] = v[i][strlen(v[i]) + 1];
	}
	*n = len;
	return v;
}

static int open_dir(const char *dir)
{
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static char **list_dir_kinds(const char *dir, size_t *n, char **kinds)
{
	int dfd = open_dir(dir);
	char **v = list_dir_fd(dfd, n, kinds);
	if (dfd >= 0)
		close(dfd);
	return v;
}

static char **list_dir(const char *dir, size_t *n)
{
	return list_dir_kinds(dir, n, NULL);
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int stat_kind(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	return S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : 0;
}

static int open_release(struct cx_release **out, const char *path, int top_only,
			struct cx_error *err)
{
	int kind = stat_kind(path);
	if (!kind)
		return cx_error_set(err, CX_ENOTFOUND, "cannot open release '%s': no such file or folder", path);
	struct cx_release *rel = cx_calloc(1, sizeof(*rel));
	rel->path = cx_strdup(path);
	if (kind == 'f') {
		if (!is_archive_name(path)) {
			cx_release_free(rel);
			return cx_error_set(err, CX_EFORMAT,
					    "'%s' is neither a folder nor a .zip/.tar/.tar.gz/.tgz archive", path);
		}
		rel->is_archive = 1;
		add_layer(rel, 1, path, "");
		*out = rel;
		return 0;
	}
	add_layer(rel, 0, path, "");
	rel->top_only = top_only;
	if (top_only) {
		*out = rel;
		return 0;
	}
	size_t n;
	char **names = list_dir(path, &n);
	struct cx_buf full = CX_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		cx_buf_reset(&full);
		cx_buf_addf(&full, "%s/%s", path, names[i]);
		if (is_archive_name(names[i]) && stat_kind(full.data) == 'f')
			add_layer(rel, 1, full.data, names[i]);
	}
	cx_buf_release(&full);
	free_list(names, n);
	*out = rel;
	return 0;
}

int cx_release_open(struct cx_release **out, const char *path, struct cx_error *err)
{
	return open_release(out, path, 0, err);
}

int cx_release_open_top(struct cx_release **out, const char *path, struct cx_error *err)
{
	if (stat_kind(path) == 'f')
		return cx_error_set(err, CX_EINVAL, "'%s' is a file, not a folder", path);
	return open_release(out, path, 1, err);
}

void cx_release_free(struct cx_release *rel)
{
	if (!rel)
		return;
	for (size_t i = 0; i < rel->nlayers; i++) {
		struct layer *l = &rel->layers[i];
		free(l->file);
		free(l->relname);
		free(l->prefix);
		free(l->real);
		cx_buf_release(&l->inside);
		free_list(l->names, l->nnames);
	}
	free(rel->layers);
	free(rel->path);
	for (size_t i = 0; i < rel->ndamage; i++) {
		free(rel->damage[i].file);
		free(rel->damage[i].reason);
	}
	free(rel->damage);
	cx_buf_release(&rel->last_name);
	free(rel);
}

const char *cx_release_path(const struct cx_release *rel) { return rel->path; }
size_t cx_release_ndamaged(const struct cx_release *rel) { return rel->ndamage; }

void cx_release_damaged(const struct cx_release *rel, size_t i, const char **file,
			const char **reason)
{
	*file = rel->damage[i].file;
	*reason = rel->damage[i].reason;
}
int cx_release_is_archive(const struct cx_release *rel) { return rel->is_archive; }

/* Member names lose a leading "./" so that tar's and zip's spellings agree. */
static const char *member_name(struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	if (!name)
		return "";
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	return name;
}

/* Notes an archive as damaged, once, whichever read found it first. */
static void note_damage(struct cx_release *rel, struct layer *l, const char *why)
{
	if (l->damaged)
		return;
	l->damaged = 1;
	rel->damage = cx_realloc(rel->damage, (rel->ndamage + 1) * sizeof(*rel->damage));
	rel->damage[rel->ndamage].file = cx_strdup(l->file);
	rel->damage[rel->ndamage].reason = cx_strdup(why && why[0] ? why : "unreadable");
	rel->ndamage++;
}

static void index_archive(struct cx_release *rel, struct layer *l)
{
	if (l->indexed)
		return;
	l->indexed = 1;
	char *why = NULL;
	struct archive *ar = cx_archive_reader_why(l->file, &why);
	if (!ar) {
		note_damage(rel, l, why);
		free(why);
		return;
	}
	struct archive_entry *e = NULL;
	struct cx_archive_pos pos = {0};
	size_t cap = 0;
	int r;
	while ((r = cx_archive_next(ar, &e, &pos)) == ARCHIVE_OK)
		if (archive_entry_filetype(e) == AE_IFREG)
			add_name(l, &cap, member_name(e));
	if (r != ARCHIVE_EOF)
		note_damage(rel, l, cx_archive_why(ar));
	archive_read_free(ar);
	if (l->nnames)
		qsort(l->names, l->nnames, sizeof(*l->names), cmp_str);
}

/* ---- names ---- */

/* What is wrong with one '/'-separated component of len bytes, or NULL. */
static const char *part_problem(const char *p, size_t len)
{
	if (len == 0)
		return "an empty component";
	if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
		return len == 1 ? "a '.' component" : "a '..' component";
	if (len > CX_RELEASE_PART_MAX)
		return "a component longer than 255 bytes";
	return NULL;
}

const char *cx_release_name_problem(const char *name, int file_only)
{
	size_t len = strlen(name);
	if (len == 0)
		return "empty";
	if (len > CX_RELEASE_NAME_MAX)
		return "longer than 1024 bytes";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f)
			return "a control byte";
		if (c == '\\')
			return "a backslash";
	}
	if (!cx_utf8_valid(name, len))
		return "not valid UTF-8";
	if (name[0] == '/')
		return "an absolute path";
	for (const char *p = name;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		const char *bad = part_problem(p, n);
		if (bad)
			return bad;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (file_only && strchr(name, '/'))
		return "a '/' in a file name";
	return NULL;
}

/* ---- confinement of folder releases ---- */

/* One object, so that cx_release_find() can tell it from a name problem. */
static const char leads_out[] = "a symbolic link on its path leads out of the release";

/* 1 when path resolves inside the layer's folder, 0 when outside, -1 when it
 * does not resolve (a dangling link: absent, not out). */
static int resolves_inside(struct layer *l, const char *path)
{
	if (!l->real && !(l->real = realpath(l->file, NULL)))
		return -1;
	char *r = realpath(path, NULL);
	if (!r)
		return -1;
	size_t n = strlen(l->real);
	int in = n == 1 || (!strncmp(r, l->real, n) && (r[n] == '/' || r[n] == '\0'));
	free(r);
	return in;
}

/*
 * The kind of path ('f', 'd' or 0), found with lstat: a symbolic link is
 * followed only when it resolves inside the layer's folder; one that leads
 * out sets *out and counts as absent.
 */
static int confined_kind(struct layer *l, const char *path, int *out)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		int in = resolves_inside(l, path);
		if (in == 0)
			*out = 1;
		if (in != 1 || stat(path, &st) != 0)
			return 0;
	}
	return S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : 0;
}

/* Bytes of dir (whole components) that the folder l->inside already covers:
 * every folder on that stretch was found confined. */
static size_t covered(const struct cx_buf *inside, const char *dir, size_t dlen)
{
	const char *o = cx_buf_str(inside);
	size_t i = 0, common = 0;
	while (i < inside->len && i < dlen && o[i] == dir[i]) {
		if (o[i] == '/')
			common = i;
		i++;
	}
	if (i == inside->len && (i == dlen || dir[i] == '/'))
		return i;
	return common;
}

/*
 * Is `full` a regular file inside the folder layer, without leaving it? Each
 * folder on its path is checked with lstat once (a folder sharing its path
 * with the last one found confined is not checked again: images come sorted,
 * so this is about one lstat per image), and a symbolic link only by where it
 * resolves. realpath() of every name would cost a readlink per component.
 */
static int folder_has(struct layer *l, const char *full, int *out)
{
	const char *slash = strrchr(full, '/');
	size_t dlen = slash ? (size_t)(slash - full) : 0;
	size_t at = covered(&l->inside, full, dlen);
	struct cx_buf p = CX_BUF_INIT;
	int ok = 1;
	for (at = at ? at + 1 : 0; ok && at < dlen; at++) {
		const char *sep = memchr(full + at, '/', dlen - at);
		at = sep ? (size_t)(sep - full) : dlen;
		cx_buf_reset(&p);
		cx_buf_addf(&p, "%s/%.*s", l->file, (int)at, full);
		ok = confined_kind(l, p.data, out) == 'd';
	}
	if (ok && dlen) {
		cx_buf_reset(&l->inside);
		cx_buf_add(&l->inside, full, dlen);
	}
	if (ok) {
		cx_buf_reset(&p);
		cx_buf_addf(&p, "%s/%s", l->file, full);
		ok = confined_kind(l, p.data, out) == 'f';
	}
	cx_buf_release(&p);
	return ok;
}

/* Does the layer hold `full` (a name with the layer prefix already added)? */
static int layer_has(struct cx_release *rel, struct layer *l, const char *full)
{
	if (!l->is_archive) {
		int out = 0;
		int ok = folder_has(l, full, &out);
		if (out)
			rel->refused = leads_out;
		return ok;
	}
	index_archive(rel, l);
	return l->nnames && bsearch(&full, l->names, l->nnames, sizeof(char *), cmp_str) != NULL;
}

static int layer_has_name(struct cx_release *rel, struct layer *l, const char *name)
{
	struct cx_buf full = CX_BUF_INIT;
	cx_buf_addf(&full, "%s%s", l->prefix, name);
	int ok = layer_has(rel, l, full.data);
	cx_buf_release(&full);
	return ok;
}

static struct layer *find_layer(struct cx_release *rel, const char *name)
{
	rel->refused = NULL;
	if (rel->last_layer && !strcmp(cx_buf_str(&rel->last_name), name))
		return rel->last_layer;
	if ((rel->refused = cx_release_name_problem(name, 0)))
		return NULL;
	for (size_t i = 0; i < rel->nlayers; i++)
		if (layer_has_name(rel, &rel->layers[i], name)) {
			cx_buf_reset(&rel->last_name);
			cx_buf_adds(&rel->last_name, name);
			rel->last_layer = &rel->layers[i];
			return rel->last_layer;
		}
	return NULL;
}

/* One folder down: the first top folder (in byte order) that holds name. */
static int locate_below(struct cx_release *rel, struct layer *l, const char *name)
{
	if (!l->is_archive) {
		size_t n;
		char **tops = list_dir(l->file, &n);
		int found = 0;
		struct cx_buf p = CX_BUF_INIT;
		for (size_t i = 0; i < n && !found; i++) {
			cx_buf_reset(&p);
			cx_buf_addf(&p, "%s/%s", l->file, tops[i]);
			if (stat_kind(p.data) != 'd')
				continue;
			cx_buf_addf(&p, "/%s", name);
			if (stat_kind(p.data) == 'f') {
				rel->last_layer = NULL; /* names resolve anew under the new root */
				free(l->prefix);
				l->prefix = cx_malloc(strlen(tops[i]) + 2);
				sprintf(l->prefix, "%s/", tops[i]);
				found = 1;
			}
		}
		cx_buf_release(&p);
		free_list(tops, n);
		return found;
	}
	index_archive(rel, l);
	for (size_t i = 0; i < l->nnames; i++) {
		const char *slash = strchr(l->names[i], '/');
		if (slash && !strcmp(slash + 1, name)) {
			rel->last_layer = NULL;
			free(l->prefix);
			l->prefix = cx_strndup(l->names[i], (size_t)(slash - l->names[i]) + 1);
			return 1;
		}
	}
	return 0;
}

int cx_release_locate(struct cx_release *rel, const char *name)
{
	if (find_layer(rel, name))
		return 1;
	if (rel->top_only)
		return 0;
	for (size_t i = 0; i < rel->nlayers; i++)
		if (!rel->layers[i].prefix[0] && locate_below(rel, &rel->layers[i], name))
			return 1;
	return 0;
}

int cx_release_try(struct cx_release *rel, int (*probe)(struct cx_release *rel))
{
	char **saved = cx_malloc(rel->nlayers * sizeof(*saved));
	for (size_t i = 0; i < rel->nlayers; i++)
		saved[i] = cx_strdup(rel->layers[i].prefix);
	int yes = probe(rel) != 0;
	for (size_t i = 0; i < rel->nlayers; i++) {
		struct layer *l = &rel->layers[i];
		if (!yes && strcmp(l->prefix, saved[i]) != 0) {
			free(l->prefix);
			l->prefix = saved[i];
			saved[i] = NULL;
			rel->last_layer = NULL; /* names resolve anew under the old root */
		}
		free(saved[i]);
	}
	free(saved);
	return yes;
}

int cx_release_exists(struct cx_release *rel, const char *name)
{
	return find_layer(rel, name) != NULL;
}

int cx_release_where(struct cx_release *rel, const char *name, struct cx_buf *archive,
		     struct cx_buf *path)
{
	struct layer *l = find_layer(rel, name);
	cx_buf_reset(archive);
	cx_buf_reset(path);
	if (!l)
		return CX_ENOTFOUND;
	cx_buf_adds(archive, l->relname);
	cx_buf_addf(path, "%s%s", l->prefix, name);
	return 0;
}

int cx_release_find(struct cx_release *rel, const char *what, const char *name,
		     struct cx_buf *archive, struct cx_buf *path, struct cx_error *err)
{
	if (cx_release_where(rel, name, archive, path) == 0)
		return 0;
	if (rel->refused == leads_out)
		return cx_error_set(err, CX_ENOTFOUND, "%s '%s': %s", what, name, rel->refused);
	if (rel->refused)
		return cx_error_set(err, CX_EINVAL, "%s '%s' is not a safe name: %s", what, name,
				    rel->refused);
	if (rel->ndamage)
		return cx_error_set(err, CX_ENOTFOUND, "missing %s '%s' (an archive of the release"
				    " is damaged: %s)", what, name, rel->damage[0].file);
	return cx_error_set(err, CX_ENOTFOUND, "missing %s '%s'", what, name);
}

void cx_release_where_unchecked(struct cx_release *rel, const char *name, struct cx_buf *archive,
				struct cx_buf *path)
{
	struct layer *l = &rel->layers[0];
	cx_buf_reset(archive);
	cx_buf_reset(path);
	cx_buf_adds(archive, l->relname);
	cx_buf_addf(path, "%s%s", l->prefix, name);
}

int cx_release_open_file(struct cx_release *rel, const char *name, struct cx_stream **out,
			 struct cx_error *err)
{
	struct layer *l = find_layer(rel, name);
	if (!l)
		return cx_error_set(err, CX_ENOTFOUND, "%s: missing file '%s'", rel->path, name);
	struct cx_buf full = CX_BUF_INIT;
	struct cx_buf display = CX_BUF_INIT;
	cx_buf_addf(&full, "%s%s", l->prefix, name);
	int rc;
	if (!l->is_archive) {
		cx_buf_addf(&display, "%s/%s", l->file, full.data);
		rc = cx_stream_open_path(out, display.data, display.data, err);
	} else {
		cx_buf_addf(&display, "%s:%s", l->file, full.data);
		rc = cx_stream_open_member(out, l->file, full.data, display.data, err);
	}
	cx_buf_release(&full);
	cx_buf_release(&display);
	return rc;
}

struct walk {
	const char *pattern;
	cx_walk_fn fn;
	void *ctx;
	struct cx_error *err;
	struct cx_release *rel;
	struct layer *l;
};

static int walk_folder(struct walk *w, const char *dir, const char *rel, const char *pat)
{
	const char *slash = strchr(pat, '/');
	size_t clen = slash ? (size_t)(slash - pat) : strlen(pat);
	char *comp = cx_strndup(pat, clen);
	size_t n;
	char *kinds;
	int dfd = open_dir(dir); /* files are opened from it by name */
	char **names = list_dir_fd(dfd, &n, &kinds);
	int rc = 0;
	struct cx_buf path = CX_BUF_INIT, name = CX_BUF_INIT;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (fnmatch(comp, names[i], FNM_PATHNAME | FNM_PERIOD) != 0)
			continue;
		cx_buf_reset(&path);
		cx_buf_addf(&path, "%s/%s", dir, names[i]);
		cx_buf_reset(&name);
		cx_buf_addf(&name, "%s%s%s", rel, rel[0] ? "/" : "", names[i]);
		int out = 0;
		int kind = kinds[i] ? kinds[i] : confined_kind(w->l, path.data, &out);
		if (out)
			rc = w->fn(w->ctx, name.data, NULL); /* fn refuses it */
		else if (slash && kind == 'd') {
			rc = walk_folder(w, path.data, name.data, slash + 1);
		} else if (!slash && kind == 'f') {
			struct cx_stream *s;
			rc = cx_stream_open_at(&s, dfd, names[i], path.data, w->err);
			if (rc == 0) {
				rc = w->fn(w->ctx, name.data, s);
				cx_stream_close(s);
			}
		}
	}
	cx_buf_release(&path);
	cx_buf_release(&name);
	free_list(names, n);
	free(kinds);
	free(comp);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* 1 when an indexed layer has no member the pattern matches (skip the scan). */
static int index_rules_out(struct layer *l, const char *pattern)
{
	if (!l->indexed)
		return 0;
	size_t plen = strlen(l->prefix);
	for (size_t i = 0; i < l->nnames; i++)
		if (!strncmp(l->names[i], l->prefix, plen) &&
		    fnmatch(pattern, l->names[i] + plen, FNM_PATHNAME | FNM_PERIOD) == 0)
			return 0;
	return 1;
}

/*
 * One pass over an archive. A layer not indexed yet gets its name index from
 * this same pass, so that a later cx_release_exists() costs no second
 * decompression of a large archive (OpenI's 1.4 GB of PNGs, say).
 */
static int walk_archive(struct walk *w, struct layer *l, int whole)
{
	if (!whole && index_rules_out(l, w->pattern))
		return 0;
	int indexing = !l->indexed;
	size_t cap = l->nnames;
	char *why = NULL;
	struct archive *ar = cx_archive_reader_why(l->file, &why);
	if (!ar) {
		note_damage(w->rel, l, why);
		cx_error_set(w->err, CX_EFORMAT, "%s: damaged archive: %s", l->file, why);
		free(why);
		return CX_EFORMAT;
	}
	struct archive_entry *e = NULL;
	struct cx_archive_pos pos = {0};
	int rc = 0, r = ARCHIVE_OK;
	size_t plen = strlen(l->prefix);
	while (rc == 0 && (r = cx_archive_next(ar, &e, &pos)) == ARCHIVE_OK) {
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		const char *full = member_name(e);
		const char *name = full;
		if (indexing)
			add_name(l, &cap, full);
		if (!whole) {
			if (strncmp(full, l->prefix, plen) != 0)
				continue;
			name = full + plen;
			if (fnmatch(w->pattern, name, FNM_PATHNAME | FNM_PERIOD) != 0)
				continue;
		}
		struct cx_stream *s;
		struct cx_buf display = CX_BUF_INIT;
		cx_buf_addf(&display, "%s:%s", l->file, full);
		rc = cx_stream_wrap_entry(&s, ar, display.data, w->err);
		cx_buf_release(&display);
		if (rc == 0) {
			rc = w->fn(w->ctx, name, s);
			cx_stream_close(s);
		}
	}
	if (rc == 0 && r != ARCHIVE_EOF && r != ARCHIVE_OK) {
		note_damage(w->rel, l, cx_archive_why(ar));
		rc = cx_error_set(w->err, CX_EFORMAT, "%s: damaged archive: %s", l->file,
				  cx_archive_why(ar));
	}
	if (indexing && rc == 0 && r == ARCHIVE_EOF) {
		/* a whole pass: the index is complete */
		l->indexed = 1;
		if (l->nnames)
			qsort(l->names, l->nnames, sizeof(*l->names), cmp_str);
	} else if (indexing) {
		free_list(l->names, l->nnames);
		l->names = NULL;
		l->nnames = 0;
	}
	archive_read_free(ar);
	return rc;
}

int cx_release_walk(struct cx_release *rel, const char *pattern, cx_walk_fn fn, void *ctx,
		    struct cx_error *err)
{
	struct walk w = {pattern, fn, ctx, err, rel, NULL};
	for (size_t i = 0; i < rel->nlayers; i++) {
		struct layer *l = &rel->layers[i];
		int rc;
		w.l = l;
		if (l->is_archive) {
			rc = walk_archive(&w, l, 0);
		} else {
			struct cx_buf root = CX_BUF_INIT;
			cx_buf_addf(&root, "%s%s%.*s", l->file, l->prefix[0] ? "/" : "",
				    (int)(l->prefix[0] ? strlen(l->prefix) - 1 : 0), l->prefix);
			rc = walk_folder(&w, root.data, "", pattern);
			cx_buf_release(&root);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int cx_release_walk_archive(struct cx_release *rel, const char *archive, cx_walk_fn fn, void *ctx,
			    struct cx_error *err)
{
	struct walk w = {"*", fn, ctx, err, rel, NULL};
	for (size_t i = 0; i < rel->nlayers; i++)
		if (rel->layers[i].is_archive && !strcmp(rel->layers[i].relname, archive))
			return walk_archive(&w, &rel->layers[i], 1);
	return cx_error_set(err, CX_ENOTFOUND, "%s: no archive '%s'", rel->path, archive);
}

/*
 * discover.c - finds the releases a build reads, and which source each is.
 *
 * Every probe runs through cx_release_try(), so a probe that says no leaves
 * the release as it found it (io/release.h): CheXpert's probe finding an
 * unrelated notes/train.csv inside a VQA-RAD folder cannot send VQA-RAD's
 * probe, which runs after it, to look inside notes/.
 */
#include "cx.h"

#include <dirent.h>
#include <sys/stat.h>

#include "build/build.h"
#include "io/release.h"

static int is_archive_name(const char *name)
{
	return cx_str_ends(name, ".zip") || cx_str_ends(name, ".tar") ||
	       cx_str_ends(name, ".tgz") || cx_str_ends(name, ".tar.gz");
}

static void note_damage(struct cx_build *b, const char *msg)
{
	b->damaged = cx_realloc(b->damaged, (b->ndamaged + 1) * sizeof(*b->damaged));
	b->damaged[b->ndamaged++] = cx_strdup(msg);
}

static int take(struct cx_build_source *s, struct cx_release *rel, const char *path)
{
	if (s->rel || !cx_release_try(rel, s->adapter->probe))
		return 0;
	s->rel = rel;
	s->path = cx_strdup(path);
	return 1;
}

/*
 * Offers one candidate release to the sources not found yet: `first` (when
 * not NULL) before the others, which follow in build order. The first whose
 * probe says yes keeps it. A damaged archive that nothing recognised is
 * noted: a truncated download must not pass for "no such release".
 */
static void probe_candidate(struct cx_build *b, const char *path, struct cx_build_source *first)
{
	struct cx_release *rel;
	struct cx_error err = {0};
	if (cx_release_open(&rel, path, &err) != 0)
		return;
	if (first && take(first, rel, path))
		return;
	for (size_t i = 0; i < b->n; i++)
		if (&b->src[i] != first && take(&b->src[i], rel, path))
			return;
	for (size_t i = 0; i < cx_release_ndamaged(rel); i++) {
		const char *file, *why;
		cx_release_damaged(rel, i, &file, &why);
		struct cx_buf msg = CX_BUF_INIT;
		cx_buf_addf(&msg, "%s: damaged archive: %s", file, why);
		note_damage(b, msg.data);
		cx_buf_release(&msg);
	}
	cx_release_free(rel);
}

/* The source whose probe recognises the folder's own top-level files (its
 * signature is not one folder down, nor inside one of its archives), or NULL:
 * then the folder is a folder of releases. */
static struct cx_build_source *top_level_release(struct cx_build *b, const char *dir)
{
	struct cx_release *top;
	struct cx_error err = {0};
	if (cx_release_open_top(&top, dir, &err) != 0)
		return NULL;
	struct cx_build_source *hit = NULL;
	for (size_t i = 0; i < b->n && !hit; i++)
		if (cx_release_try(top, b->src[i].adapter->probe))
			hit = &b->src[i];
	cx_release_free(top);
	return hit;
}

static int is_candidate(const char *dir, const char *name, struct cx_buf *path)
{
	if (name[0] == '.')
		return 0;
	cx_buf_reset(path);
	cx_buf_addf(path, "%s/%s", dir, name);
	struct stat st;
	if (stat(path->data, &st) != 0)
		return 0;
	return S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && is_archive_name(name));
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int discover_entries(struct cx_build *b, const char *dir, struct cx_error *err)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	if (n < 0)
		return cx_error_set(err, CX_EIO, "cannot read sources folder '%s'", dir);
	struct cx_buf path = CX_BUF_INIT;
	for (int i = 0; i < n; i++) {
		if (is_candidate(dir, names[i]->d_name, &path))
			probe_candidate(b, path.data, NULL);
		free(names[i]);
	}
	free(names);
	cx_buf_release(&path);
	return 0;
}

int cx_build_discover(struct cx_build *b, const char *path, struct cx_error *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return cx_error_set(err, CX_ENOTFOUND, "cannot read sources '%s': no such file or folder",
				    path);
	if (S_ISDIR(st.st_mode)) {
		struct cx_build_source *one = top_level_release(b, path);
		if (!one)
			return discover_entries(b, path, err);
		probe_candidate(b, path, one);
		return 0;
	}
	if (!S_ISREG(st.st_mode) || !is_archive_name(path))
		return cx_error_set(err, CX_EFORMAT,
				    "'%s' is neither a folder nor a .zip/.tar/.tar.gz/.tgz archive", path);
	probe_candidate(b, path, NULL);
	return 0;
}

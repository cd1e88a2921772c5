/*
 * order.c - the sources of a build in build order, and the --only selection.
 *
 * A source that requires another (CXR-LT needs MIMIC-CXR's images in the
 * catalogue) is built after it. The order is a depth-first topological sort
 * that otherwise keeps the table's order, so the registration list alone
 * decides among independent sources and the output stays deterministic.
 */
#include "cx.h"

#include "build/build.h"
#include "io/release.h"

enum { UNSEEN = 0, VISITING, PLACED };

struct sorter {
	const struct cx_adapter *const *table;
	size_t n;
	int *mark;
	struct cx_build *b;
	struct cx_error *err;
};

static long table_index(const struct sorter *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->table[i]->id, id))
			return (long)i;
	return -1;
}

static int place(struct sorter *s, size_t i)
{
	if (s->mark[i] == PLACED)
		return 0;
	const struct cx_adapter *a = s->table[i];
	if (s->mark[i] == VISITING)
		return cx_error_set(s->err, CX_EINVAL, "adapter %s: its requirements form a cycle",
				    a->id);
	s->mark[i] = VISITING;
	for (const char *const *r = a->requires; r && *r; r++) {
		long j = table_index(s, *r);
		if (j < 0)
			return cx_error_set(s->err, CX_EINVAL,
					    "adapter %s requires '%s', which is no registered source",
					    a->id, *r);
		int rc = place(s, (size_t)j);
		if (rc)
			return rc;
	}
	s->mark[i] = PLACED;
	s->b->src[s->b->n++] = (struct cx_build_source){.adapter = a, .selected = 1};
	return 0;
}

int cx_build_init(struct cx_build *b, const struct cx_adapter *const *table, size_t n,
		  struct cx_error *err)
{
	memset(b, 0, sizeof(*b));
	b->src = cx_calloc(n ? n : 1, sizeof(*b->src));
	struct sorter s = {table, n, cx_calloc(n ? n : 1, sizeof(int)), b, err};
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = place(&s, i);
	free(s.mark);
	if (rc)
		cx_build_free(b);
	return rc;
}

void cx_build_free(struct cx_build *b)
{
	for (size_t i = 0; i < b->n; i++) {
		cx_release_free(b->src[i].rel);
		free(b->src[i].path);
	}
	free(b->src);
	for (size_t i = 0; i < b->ndamaged; i++)
		free(b->damaged[i]);
	free(b->damaged);
	memset(b, 0, sizeof(*b));
}

struct cx_build_source *cx_build_find(struct cx_build *b, const char *id)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->src[i].adapter->id, id))
			return &b->src[i];
	return NULL;
}

int cx_build_select(struct cx_build *b, const char *only, struct cx_error *err)
{
	if (!only)
		return 0;
	b->only = 1;
	for (size_t i = 0; i < b->n; i++)
		b->src[i].selected = 0;
	char *copy = cx_strdup(only), *save = NULL;
	int rc = 0, named = 0;
	for (char *id = strtok_r(copy, ",", &save); id && !rc; id = strtok_r(NULL, ",", &save)) {
		struct cx_build_source *s = cx_build_find(b, id);
		if (s)
			s->selected = named = 1;
		else
			rc = cx_error_set(err, CX_EINVAL, "--only: unknown source '%s'", id);
	}
	free(copy);
	if (!rc && !named)
		rc = cx_error_set(err, CX_EINVAL, "--only: no source named");
	return rc;
}

int cx_build_wanted(const struct cx_build_source *s)
{
	return s->selected && s->rel;
}

int cx_build_check_found(const struct cx_build *b, const char *where, struct cx_error *err)
{
	struct cx_buf missing = CX_BUF_INIT;
	size_t nfound = 0, nmissing = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct cx_build_source *s = &b->src[i];
		if (s->rel)
			nfound++;
		else if (s->selected && b->only)
			cx_buf_addf(&missing, "%s%s", nmissing++ ? ", " : "", s->adapter->id);
	}
	int rc = 0;
	if (nmissing)
		rc = cx_error_set(err, CX_ENOTFOUND, "--only: no release of %s found at %s",
				  missing.data, where);
	else if (!nfound)
		rc = cx_error_set(err, CX_ENOTFOUND, "no release of a known source found at %s",
				  where);
	cx_buf_release(&missing);
	return rc;
}

/*
 * strset.c - an open-addressing hash set of strings (see strset.h). Kept
 * under 50% full, so probe chains stay short; memory is one pointer per slot
 * plus the copies.
 */
#include "cx.h"

#include "adapters/strset.h"

/* The slot holding s, or the empty slot where it would go. */
static size_t find_slot(char *const *slot, size_t cap, const char *s)
{
	size_t i = (size_t)cx_hash_str(s, 0) & (cap - 1);
	while (slot[i] && strcmp(slot[i], s) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static void grow(struct cx_strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 64;
	char **slot = cx_calloc(cap, sizeof(*slot));
	for (size_t i = 0; i < set->cap; i++)
		if (set->slot[i])
			slot[find_slot(slot, cap, set->slot[i])] = set->slot[i];
	free(set->slot);
	set->slot = slot;
	set->cap = cap;
}

int cx_strset_add(struct cx_strset *set, const char *s)
{
	if (2 * (set->n + 1) > set->cap)
		grow(set);
	size_t i = find_slot(set->slot, set->cap, s);
	if (set->slot[i])
		return 0;
	set->slot[i] = cx_strdup(s);
	set->n++;
	return 1;
}

int cx_strset_has(const struct cx_strset *set, const char *s)
{
	return set->cap && set->slot[find_slot(set->slot, set->cap, s)] != NULL;
}

void cx_strset_release(struct cx_strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
	set->slot = NULL;
	set->cap = set->n = 0;
}

/*
 * registry.c - the table of source adapters, generated from the one
 * registration list, builder/adapters/sources.list: meson turns it into
 * cx-sources.h, whose CX_SOURCE_LIST names each adapter (symbol
 * cx_adapter_<id with '_' for '-'>) in list order. Adding a source adds its
 * id to that list and nothing here (see CONTRIBUTING.md). The build orders
 * sources by their declared requirements (builder/build/order.c) and
 * otherwise keeps this order.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "cx-sources.h"

#define CX_SOURCE(sym, id) extern const struct cx_adapter cx_adapter_##sym;
CX_SOURCE_LIST
#undef CX_SOURCE

const struct cx_adapter *const cx_adapters[] = {
#define CX_SOURCE(sym, id) &cx_adapter_##sym,
	CX_SOURCE_LIST
#undef CX_SOURCE
};

const size_t cx_nadapters = CX_ARRAY_LEN(cx_adapters);

/* The ids as the list spells them, parallel to cx_adapters, so a test can
 * check each adapter's own id against its registration. */
const char *const cx_adapter_ids[] = {
#define CX_SOURCE(sym, id) id,
	CX_SOURCE_LIST
#undef CX_SOURCE
};

const struct cx_adapter *cx_adapter_find(const char *id)
{
	for (size_t i = 0; i < cx_nadapters; i++)
		if (!strcmp(cx_adapters[i]->id, id))
			return cx_adapters[i];
	return NULL;
}

int cx_adapter_borrows(const struct cx_adapter *a)
{
	return a->id_space && strcmp(a->id_space, a->id) != 0;
}

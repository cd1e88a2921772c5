/*
 * registry.c - the table of source adapters. Adding a source adds one line
 * here and one extern below (see CONTRIBUTING.md). Order is build order:
 * a source that refers to another's studies comes after it.
 */
#include "cx.h"

#include "adapters/adapter.h"

extern const struct cx_adapter cx_adapter_mimic_cxr;
extern const struct cx_adapter cx_adapter_chexpert;
extern const struct cx_adapter cx_adapter_nih_chestxray14;
extern const struct cx_adapter cx_adapter_openi;
extern const struct cx_adapter cx_adapter_vqa_rad;
extern const struct cx_adapter cx_adapter_slake;

const struct cx_adapter *const cx_adapters[] = {
	&cx_adapter_mimic_cxr,
	&cx_adapter_chexpert,
	&cx_adapter_nih_chestxray14,
	&cx_adapter_openi,
	&cx_adapter_vqa_rad,
	&cx_adapter_slake,
};

const size_t cx_nadapters = CX_ARRAY_LEN(cx_adapters);

const struct cx_adapter *cx_adapter_find(const char *id)
{
	for (size_t i = 0; i < cx_nadapters; i++)
		if (!strcmp(cx_adapters[i]->id, id))
			return cx_adapters[i];
	return NULL;
}

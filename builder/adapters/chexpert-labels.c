/*
 * chexpert-labels.c - see chexpert-labels.h. Blank and 0 are kept apart:
 * "not mentioned" is not "negative" (the uncertain-label rule of the
 * renderer treats them alike, but the catalogue keeps the release's facts).
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "adapters/chexpert-labels.h"

const char *const cx_chexpert_labels[CX_CHEXPERT_NLABELS] = {
	"No Finding",       "Enlarged Cardiomediastinum", "Cardiomegaly",
	"Lung Opacity",     "Lung Lesion",                "Edema",
	"Consolidation",    "Pneumonia",                  "Atelectasis",
	"Pneumothorax",     "Pleural Effusion",           "Pleural Other",
	"Fracture",         "Support Devices",
};

int cx_chexpert_cell(const char *cell, int *value)
{
	if (!cell[0])
		return 0;
	static const struct {
		const char *text;
		int value;
	} forms[] = {
		{"1.0", 1}, {"1", 1}, {"0.0", 0}, {"0", 0}, {"-1.0", -1}, {"-1", -1},
	};
	for (size_t i = 0; i < CX_ARRAY_LEN(forms); i++)
		if (!strcmp(cell, forms[i].text)) {
			*value = forms[i].value;
			return 1;
		}
	return -1;
}

int cx_chexpert_row(const char *const *cells, struct cx_label *out, int *bad)
{
	int n = 0;
	for (int i = 0; i < CX_CHEXPERT_NLABELS; i++) {
		int value, got = cx_chexpert_cell(cells[i], &value);
		if (got < 0) {
			*bad = i;
			return -1;
		}
		if (got == 1)
			out[n++] = (struct cx_label){cx_chexpert_labels[i], value};
	}
	return n;
}

/*
 * fuzz-mix.c - the mix file of `shard --mix` (shard/mix.c) on arbitrary
 * bytes, against five synthetic entries (three datasets, three tasks, one
 * held out). The first byte picks the target split and the available
 * counts. A file it refuses gets one line naming it; a file it takes gives
 * counts that are never negative, never above a cap, zero where nothing is
 * available, and shares between 0 and 1; each label rule names an entry
 * and keeps between none and all of a group, never above its cap.
 */
#include "fuzz.h"

#include <math.h>

#include "shard/mix.h"

#define N 5

static struct cx_shard_entry entries[N] = {
	{1, "[Image Classification] [MIMIC-CXR]", "image-classification", "MIMIC-CXR",
	 "mimic-cxr", "coarse", 0, {0}},
	{2, "[Image Classification] [CheXpert]", "image-classification", "CheXpert", "chexpert",
	 "coarse", 0, {0}},
	{3, "[Open-Ended VQA] [SLAKE]", "open-ended-vqa", "SLAKE", "slake", "qa", 0, {0}},
	{4, "[Close-Ended VQA] [SLAKE]", "close-ended-vqa", "SLAKE", "slake", "qa", 0, {0}},
	{5, "[Findings Generation] [OpenI]", "findings-generation", "OpenI", "openi", "text", 1,
	 {0}},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const int64_t avails[4][N] = {
		{190126, 223, 0, 17, 3},
		{1, 1, 1, 1, 1},
		{0, 0, 0, 0, 0},
		{INT64_C(1) << 40, 5, INT64_C(1) << 50, 0, 9},
	};
	const int64_t *avail = avails[(data[0] >> 2) & 3];
	const char *path = fuzz_write("mix.json", data + 1, size - 1);
	struct cx_mix m;
	struct cx_error err = {0};
	if (cx_mix_load(&m, path, entries, N, data[0] & 3, &err) != 0) {
		if (!fuzz_error_ok(&err))
			abort();
		cx_mix_release(&m);
		return 0;
	}
	int64_t counts[N];
	double requested[N];
	cx_mix_counts(&m, avail, N, counts, requested);
	for (size_t i = 0; i < N; i++) {
		if (counts[i] < 0 || (m.cap[i] >= 0 && counts[i] > m.cap[i]) ||
		    (avail[i] == 0 && counts[i] != 0))
			abort();
		if (!(requested[i] >= 0 && requested[i] <= 1.0000001))
			abort();
	}
	for (size_t i = 0; i < m.nlabels; i++) {
		const struct cx_mix_label *l = &m.labels[i];
		if (l->entry >= N || !l->label || !l->label[0])
			abort();
		static const int64_t groups[] = {0, 1, 7, 60361, INT64_C(1) << 40};
		for (size_t g = 0; g < CX_ARRAY_LEN(groups); g++) {
			int64_t keep = cx_mix_label_keep(l, groups[g]);
			if (keep < 0 || keep > groups[g] || (l->cap >= 0 && keep > l->cap))
				abort();
		}
	}
	cx_mix_release(&m);
	return 0;
}

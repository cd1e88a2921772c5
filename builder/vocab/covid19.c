/*
 * covid19.c - COVIDx CXR's binary vocabulary: "COVID-19", 1 for a line of
 * class "positive" and 0 for "negative" (the CXR-3 and CXR-4 label files).
 * Every image has its class, so the label is always given; there is no
 * "normal" class in these releases (negatives include other pneumonias), so
 * no role-none label, and no uncertain value.
 */
#include "cx.h"

#include "vocab/vocab.h"

static const struct cx_vocab_label labels[] = {
	{"COVID-19", "COVID-19", "COVID-19", "COVID-19", "", CX_ROLE_FINDING, -1},
};

const struct cx_vocab cx_vocab_covid19 = {
	.id = "covidx",
	.name = "COVIDx",
	.absent = CX_ABSENT_NEGATIVE,
	.labels = labels,
	.n = CX_ARRAY_LEN(labels),
};

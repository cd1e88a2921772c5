/*
 * chestx-det.h - the reader shared by the two Deepwise releases on NIH
 * ChestX-ray14 images, ChestX-Det10 and ChestX-Det (chestx-det.c): a JSON list
 * of {file_name, syms, boxes[, polygons]} per split. What differs between
 * them is a spec: file names, classes, and whether polygons are released.
 */
#ifndef CX_CHESTX_DET_H
#define CX_CHESTX_DET_H

#include "cx.h"

#include "adapters/adapter.h"

struct cx_release;

struct cx_deepwise_spec {
	const char *train_json, *test_json;
	const char *const *classes; /* the release's class names, NULL-ended */
	int polygons;               /* 1: every record carries "polygons" */
};

/* The folders the images of a split may sit in, first match wins: the
 * download's zip name (train_data.zip) or its plain name. */
int cx_deepwise_read(struct cx_release *rel, const struct cx_sink *sink,
		     const struct cx_deepwise_spec *spec, struct cx_error *err);

/* 1 when the release's train file starts with a record holding "syms"
 * (train.json and test.json are common names: SLAKE has both). */
int cx_deepwise_probe(struct cx_release *rel, const char *train_json);

#endif

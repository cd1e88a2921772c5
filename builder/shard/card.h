/*
 * card.h - the dataset card (README.md) of a shard set, made from its
 * manifest (card.c).
 */
#ifndef CX_SHARD_CARD_H
#define CX_SHARD_CARD_H

#include "cx.h"

/* Appends the card of the set whose manifest.json text is given. */
int cx_shard_card(const char *manifest, struct cx_buf *out, struct cx_error *err);
/* The citation of a source's release, or NULL when none is recorded. */
const char *cx_card_citation(const char *source);

#endif

/*
 * json-scan.h - a validating scan of one JSON object that finds a few
 * top-level members without building a tree (json-scan.c): a fast path
 * before cJSON, for text read once per record.
 */
#ifndef CX_UTIL_JSON_SCAN_H
#define CX_UTIL_JSON_SCAN_H

#include <stddef.h>

#define CX_JSCAN_DEPTH 64

enum { CX_JSCAN_ABSENT, CX_JSCAN_STRING, CX_JSCAN_OTHER };

/* A member asked for by name: its kind, and for a string the raw bytes
 * between its quotes (escaped: they hold an escape, so differ from the
 * string's value). */
struct cx_json_member {
	const char *key;
	size_t keylen;  /* set by the scan */
	int kind;
	const char *value;
	size_t len;
	int escaped;
};

/* 1 when text[0..n) is exactly one JSON object (RFC 8259, whitespace
 * around it) nested at most CX_JSCAN_DEPTH deep with no \u escape, and
 * m[0..nm) then hold the first top-level member of each name; 0 otherwise:
 * the text may still be JSON that cJSON reads, and the caller asks it. */
int cx_json_scan_object(const char *text, size_t n, struct cx_json_member *m, size_t nm);

#endif

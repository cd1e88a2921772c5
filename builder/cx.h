/*
 * cx.h - first include of every file in builder/.
 *
 * Common types, the error convention and the allocation wrappers. Nothing here
 * knows about datasets, SQLite or the command line.
 *
 * Error convention (after libgit2): functions return int, 0 is success, a
 * negative CX_E* code is failure, and the message goes into a caller-owned
 * struct cx_error. cx_error_set() returns the code so a function can end with
 * `return cx_error_set(err, CX_EFORMAT, "...")`.
 */
#ifndef CX_H
#define CX_H

#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CX_VERSION "0.1.0"

enum {
	CX_OK = 0,
	CX_ERROR = -1,     /* anything else */
	CX_ENOTFOUND = -2, /* a file, member or key that is not there */
	CX_EFORMAT = -3,   /* input that does not follow its format */
	CX_EIO = -4,       /* read or write failure */
	CX_EDB = -5,       /* SQLite said no */
	CX_ELIMIT = -6,    /* input over a documented size limit */
	CX_EINVAL = -7,    /* a caller passed something it should not */
};

struct cx_error {
	int code;
	char msg[512];
};

int cx_error_set(struct cx_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cx_error_clear(struct cx_error *err);

/* Allocation that cannot fail: out of memory aborts (we are a program). */
void *cx_malloc(size_t n);
void *cx_calloc(size_t n, size_t size);
void *cx_realloc(void *p, size_t n);
char *cx_strdup(const char *s);
char *cx_strndup(const char *s, size_t n);

/*
 * struct cx_buf - a growable byte buffer, always NUL-terminated.
 * Invariant: data[len] == '\0' once anything was added; data may be NULL
 * while cap == 0. cx_buf_detach() hands the bytes to the caller.
 */
struct cx_buf {
	char *data;
	size_t len;
	size_t cap;
};

#define CX_BUF_INIT {NULL, 0, 0}
void cx_buf_grow(struct cx_buf *b, size_t extra);
void cx_buf_add(struct cx_buf *b, const void *p, size_t n);
void cx_buf_adds(struct cx_buf *b, const char *s);
void cx_buf_addc(struct cx_buf *b, char c);
void cx_buf_addf(struct cx_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cx_buf_reset(struct cx_buf *b);
void cx_buf_release(struct cx_buf *b);
char *cx_buf_detach(struct cx_buf *b);
/* Appends s as a JSON string literal, quotes included. */
void cx_buf_add_json_str(struct cx_buf *b, const char *s);
/* Returns the content as a C string ("" when empty). */
const char *cx_buf_str(const struct cx_buf *b);

/* CX_ASAN / CX_TSAN: built under AddressSanitizer / ThreadSanitizer (gcc
 * says so by __SANITIZE_*__, clang by __has_feature), for code that must
 * behave differently there (the DICOM worker's memory limit, memory tests). */
#if defined(__SANITIZE_ADDRESS__)
#define CX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CX_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define CX_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CX_TSAN 1
#endif
#endif

/* Text helpers (util/text.c). */
/* Trims ASCII spaces, tabs, CR and LF from both ends in place; returns s. */
char *cx_trim(char *s);
/* Collapses every run of whitespace (ASCII space, tab, CR, LF, VT, FF, and
 * U+00A0) to one space and drops it at both ends, in place; returns the new
 * length (as the official build's re.sub("\s+", " "), plus trimming). What the
 * renderer does to every value it shows (catalogue text stays as released). */
size_t cx_squash(char *s);
/* 1 when text holds part once both are read as cx_squash shows them (a
 * report's line breaks and double spaces as one space): MS-CXR's phrases
 * are looked for in report sections this way. 0 when either is NULL or
 * part is empty after squashing. */
int cx_squashed_holds(const char *text, const char *part);
/* The bytes of the whitespace cx_squash collapses at p: 1 for ASCII (C's
 * isspace() in the C locale), 2 for U+00A0 (a no-break space, which the
 * official build's \s also matches), 0 for none. Inline: the text key of
 * every MIMIC-CXR report calls it once a byte. */
static inline size_t cx_space_len(const char *p)
{
	unsigned char c = (unsigned char)p[0];
	if (c == ' ' || (c >= '\t' && c <= '\r'))
		return 1;
	return c == 0xC2 && (unsigned char)p[1] == 0xA0 ? 2 : 0;
}
int cx_str_starts(const char *s, const char *prefix);
int cx_str_ends(const char *s, const char *suffix);
/* 1 when s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
int cx_utf8_valid(const char *s, size_t n);
/* The same, and no NUL byte: a field or line read as text (one pass where
 * strlen then cx_utf8_valid made two). */
int cx_text_valid(const char *s, size_t n);
/* Parses a whole decimal integer; 0 on success. */
int cx_parse_long(const char *s, long *out);
/* Parses a whole decimal float; 0 on success. */
int cx_parse_double(const char *s, double *out);
/* The line and column (1-based, in bytes) of at in text, as a JSON syntax
 * error names the place where cJSON stopped (at NULL or out of text: its end). */
void cx_text_place(const char *text, const char *at, long *line, long *column);

/* A box coordinate v in pixels of a frame side of size pixels as an integer
 * 0..100, the official way: trunc(v / size x 1000) clamped to 0..999, then
 * /10 rounded half to even (util/box.c). */
int cx_box_coord(double v, double size);

/* Reads a whole regular file of at most max bytes into b (util/file.c). */
int cx_read_file(const char *path, size_t max, struct cx_buf *b, struct cx_error *err);

/* 64-bit xxHash (XXH3) of a byte string with a seed. */
uint64_t cx_hash64(const void *p, size_t n, uint64_t seed);
uint64_t cx_hash_str(const char *s, uint64_t seed);

#define CX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif

/*
 * image.h - decoding every release's image format to pixels, normalising them
 * to 8 bits, resizing, re-encoding and hashing (builder/image/).
 *
 * Formats: JPEG (TurboJPEG), PNG 1-16 bit (libpng), DICOM (GDCM, behind the C
 * function in dicom.h) and JSRT's headerless 2048x2048 12-bit big-endian .IMG.
 * Every decoder reads the size from the header first and refuses images over
 * CX_IMAGE_MAX_PIXELS before it allocates anything (a PNG bomb is a 100-byte
 * file claiming 100000x100000 pixels); DICOM also has a cap on decoded bytes
 * and is decoded in a worker process (dicom.h).
 */
#ifndef CX_IMAGE_H
#define CX_IMAGE_H

#include "cx.h"

/* An encoded image's format (the shard writers record it per image). */
enum cx_image_type { CX_IMAGE_JPEG = 1, CX_IMAGE_PNG = 2 };

/* The pixel-count cap: 100 megapixels. The largest chest X-rays are about
 * 4300x4300 (18.5 MP); 100 MP leaves room for odd scanners while bounding a
 * decode to 200 MB (16-bit grey) or 300 MB (8-bit RGB). */
#define CX_IMAGE_MAX_PIXELS (100u * 1000u * 1000u)

/* JSRT raw files: no header, 2048x2048 unsigned 16-bit big-endian samples
 * holding 12-bit values, 0 = white (inverted like MONOCHROME1). */
#define CX_JSRT_SIDE 2048
#define CX_JSRT_BYTES ((size_t)CX_JSRT_SIDE * CX_JSRT_SIDE * 2)

/* What a DICOM header says about how to display the stored values. */
struct cx_dicom_display {
	int is_dicom;
	double slope, intercept;   /* Modality LUT: value = stored * slope + intercept */
	int has_window;
	double centre, width;      /* VOI window (first one when several are given) */
};

/*
 * Decoded pixels. depth 8: one byte per sample; depth 16: one host-endian
 * uint16_t per sample (signed DICOM data is stored as int16_t, see
 * is_signed). Rows are stride bytes apart; channels are interleaved.
 */
struct cx_pixels {
	int width, height;
	int channels;      /* 1 or 3 */
	int depth;         /* 8 or 16 */
	size_t stride;
	unsigned char *data;
	/* How to display the samples (set by the decoders, read by normalise.c). */
	int bits_stored;   /* significant bits (12 for most 16-bit X-rays) */
	int is_signed;     /* DICOM PixelRepresentation 1 */
	int invert;        /* MONOCHROME1 and JSRT: 0 is white */
	struct cx_dicom_display dicom;
};

/* Which format the bytes are, from their magic (or for JSRT the name ending
 * in .IMG and the exact size): "jpeg", "png", "dicom", "jsrt", or NULL. */
const char *cx_image_sniff(const unsigned char *in, size_t n, const char *name_hint);

/* Decodes in[0..n). name_hint (a file name, may be NULL) is only needed for
 * JSRT. Errors: CX_EFORMAT (corrupt, truncated, unsupported), CX_ELIMIT (over
 * the pixel cap). out is zeroed on error. */
int cx_image_decode(const unsigned char *in, size_t n, const char *name_hint,
		    struct cx_pixels *out, struct cx_error *err);

/* The same, but a JPEG may be decoded at 1/2, 1/4 or 1/8 scale (TurboJPEG's
 * DCT-domain scaling) as long as the result stays at least min_w x min_h.
 * Other formats ignore the hint. */
int cx_image_decode_scaled(const unsigned char *in, size_t n, const char *name_hint,
			   int min_w, int min_h, struct cx_pixels *out, struct cx_error *err);

void cx_pixels_release(struct cx_pixels *p);

/* Allocates an 8-bit image (zeroed). */
void cx_pixels_alloc(struct cx_pixels *p, int width, int height, int channels);

/*
 * Normalisation (normalise.c) to 8-bit grey or RGB, the form every later step
 * works on: Modality LUT, VOI window (or the percentile rule), inversion of
 * MONOCHROME1, 16 -> 8 bits, RGB -> grey when the colour image is grey.
 * Replaces *p in place. Deterministic: integer arithmetic after the LUT.
 */
void cx_image_normalise(struct cx_pixels *p);

/* Output size for a longest (shortest = 0) or shortest (shortest = 1) side
 * of size pixels, aspect kept, each side at least 1. */
void cx_image_fit(int w, int h, int size, int shortest, int *ow, int *oh);

/* Area-filter resize of an 8-bit image to ow x oh (resize.c). */
void cx_image_resize(const struct cx_pixels *in, int ow, int oh, struct cx_pixels *out);

/* Encodes an 8-bit image as JPEG (quality 1-100) or PNG (encode.c). */
int cx_image_encode(const struct cx_pixels *p, enum cx_image_type type, int quality,
		    struct cx_buf *out, struct cx_error *err);

struct cx_transcode_opts {
	int size;                  /* target side in pixels; 0 keeps the size */
	int shortest;              /* 1: size is the shortest side, 0: the longest */
	enum cx_image_type format; /* CX_IMAGE_JPEG or CX_IMAGE_PNG */
	int quality;               /* JPEG quality 1-100 (0: 90) */
	int enlarge;               /* 1: scale a smaller image up to size; 0: it keeps
				    * its own size (re-encoded all the same) */
};

/* The size an image of w x h is written at under o (cx_image_fit, or w x h
 * when o asks for no resize, or for a larger image without o->enlarge). */
void cx_image_choose_size(int w, int h, const struct cx_transcode_opts *o, int *ow, int *oh);

/* Decode (scaled when it can), normalise, resize and encode. Appends the
 * encoded bytes to out and says which type they are. */
int cx_image_transcode(const unsigned char *in, size_t n, const char *name_hint,
		       const struct cx_transcode_opts *o, struct cx_buf *out,
		       enum cx_image_type *type, struct cx_error *err);

/* Hashes of an image (hash.c): *pixel is XXH3-64 of the normalised pixels
 * (with their size and channel count), the same however the image was
 * encoded losslessly; *dhash is a 64-bit difference hash of the grey image
 * shrunk to 9x8, for near duplicates (Hamming distance). */
int cx_image_pixel_hash(const unsigned char *in, size_t n, const char *name_hint,
			uint64_t *pixel, uint64_t *dhash, struct cx_error *err);
/* The dHash of 8-bit normalised pixels. */
uint64_t cx_image_dhash(const struct cx_pixels *p);
int cx_hamming64(uint64_t a, uint64_t b);

#endif

/*
 * hash.c - the two image hashes of the catalogue. The pixel hash is XXH3-64
 * of the normalised 8-bit pixels, prefixed by width, height and channels: a
 * PNG re-saved by another dataset, or a DICOM turned into a lossless PNG,
 * hashes the same. The perceptual hash is a dHash: the grey image shrunk to
 * 9x8 by the area filter, one bit per horizontal neighbour pair (1 when the
 * left one is brighter), row by row, most significant bit first. Near
 * duplicates (re-encoded, resized, slightly windowed) differ in few bits.
 */
#include "cx.h"

#include <xxhash.h>

#include "image/image.h"

int cx_hamming64(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}

uint64_t cx_image_dhash(const struct cx_pixels *p)
{
	struct cx_pixels grey = *p, small;
	unsigned char *tmp = NULL;
	if (p->channels == 3) {
		size_t n = (size_t)p->width * p->height;
		tmp = cx_malloc(n + 1);
		for (size_t k = 0; k < n; k++) {
			const unsigned char *q = p->data + (size_t)(k / p->width) * p->stride +
						 (k % p->width) * 3;
			tmp[k] = (unsigned char)((77u * q[0] + 150u * q[1] + 29u * q[2] + 128u) >> 8);
		}
		grey.data = tmp;
		grey.channels = 1;
		grey.stride = (size_t)p->width;
	}
	cx_image_resize(&grey, 9, 8, &small);
	uint64_t h = 0;
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 8; x++) {
			const unsigned char *r = small.data + (size_t)y * small.stride;
			h = h << 1 | (r[x] > r[x + 1]);
		}
	cx_pixels_release(&small);
	free(tmp);
	return h;
}

int cx_image_pixel_hash(const unsigned char *in, size_t n, const char *name_hint,
			uint64_t *pixel, uint64_t *dhash, struct cx_error *err)
{
	struct cx_pixels px;
	int rc = cx_image_decode(in, n, name_hint, &px, err);
	if (rc)
		return rc;
	cx_image_normalise(&px);
	char head[64];
	int hn = snprintf(head, sizeof head, "%dx%dx%d:", px.width, px.height, px.channels);
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		abort();
	XXH3_64bits_reset(st);
	XXH3_64bits_update(st, head, (size_t)hn);
	for (int y = 0; y < px.height; y++)
		XXH3_64bits_update(st, px.data + (size_t)y * px.stride,
				   (size_t)px.width * px.channels);
	*pixel = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	*dhash = cx_image_dhash(&px);
	cx_pixels_release(&px);
	return 0;
}

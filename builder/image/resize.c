/*
 * resize.c - area-filter resizing of 8-bit images. Each output pixel is the
 * mean of the source area it covers, fractional edges weighted by their
 * overlap. The weights are exact integers (source pixel i spans
 * [i*out, (i+1)*out), output pixel o spans [o*in, (o+1)*in)), so the result
 * is the same on every machine; for the large reductions of chest X-rays
 * (2500 -> 512) the area filter is the right anti-aliasing filter and has no
 * ringing around wires and edges, unlike Lanczos. Enlarging (rare: small
 * images) degenerates to pixel replication.
 */
#include "cx.h"

#include "image/image.h"

struct taps {
	int *first;       /* first source index of each output index */
	int *count;       /* how many source indices it reads */
	uint32_t *w;      /* their weights, packed; they sum to `in` */
	size_t *at;       /* where each output's weights start in w */
};

static void make_taps(int in, int out, struct taps *t)
{
	t->first = cx_malloc(sizeof(int) * out);
	t->count = cx_malloc(sizeof(int) * out);
	t->at = cx_malloc(sizeof(size_t) * out);
	t->w = cx_malloc(sizeof(uint32_t) * ((size_t)in + out + 1));
	size_t k = 0;
	for (int o = 0; o < out; o++) {
		uint64_t a = (uint64_t)o * in, b = (uint64_t)(o + 1) * in;
		int i0 = (int)(a / out), i1 = (int)((b + out - 1) / out);
		t->first[o] = i0;
		t->count[o] = i1 - i0;
		t->at[o] = k;
		for (int i = i0; i < i1; i++) {
			uint64_t s = (uint64_t)i * out, e = (uint64_t)(i + 1) * out;
			uint64_t lo = s > a ? s : a, hi = e < b ? e : b;
			t->w[k++] = (uint32_t)(hi - lo);
		}
	}
}

static void free_taps(struct taps *t)
{
	free(t->first);
	free(t->count);
	free(t->at);
	free(t->w);
}

void cx_image_fit(int w, int h, int size, int shortest, int *ow, int *oh)
{
	int big = w >= h ? w : h, small = w >= h ? h : w;
	int ref = shortest ? small : big;
	if (size <= 0 || ref <= 0) {
		*ow = w;
		*oh = h;
		return;
	}
	/* Rounded to nearest: other = dim * size / ref. */
	int64_t nw = ((int64_t)w * size * 2 + ref) / (2 * (int64_t)ref);
	int64_t nh = ((int64_t)h * size * 2 + ref) / (2 * (int64_t)ref);
	*ow = nw < 1 ? 1 : (int)nw;
	*oh = nh < 1 ? 1 : (int)nh;
}

void cx_image_resize(const struct cx_pixels *in, int ow, int oh, struct cx_pixels *out)
{
	int ch = in->channels, iw = in->width, ih = in->height;
	struct taps tx, ty;
	make_taps(iw, ow, &tx);
	make_taps(ih, oh, &ty);
	/* Horizontal pass into 16-bit fixed point (value * 256). */
	size_t mrow = (size_t)ow * ch;
	uint16_t *mid = cx_malloc(sizeof(uint16_t) * mrow * ih);
	for (int y = 0; y < ih; y++) {
		const unsigned char *src = in->data + (size_t)y * in->stride;
		uint16_t *dst = mid + (size_t)y * mrow;
		for (int o = 0; o < ow; o++) {
			const uint32_t *w = tx.w + tx.at[o];
			for (int c = 0; c < ch; c++) {
				uint64_t acc = 0;
				const unsigned char *s = src + (size_t)tx.first[o] * ch + c;
				for (int i = 0; i < tx.count[o]; i++)
					acc += (uint64_t)w[i] * s[(size_t)i * ch];
				dst[(size_t)o * ch + c] = (uint16_t)((acc * 256 + iw / 2) / iw);
			}
		}
	}
	/* Vertical pass, row by row of the output. */
	cx_pixels_alloc(out, ow, oh, ch);
	uint64_t *acc = cx_malloc(sizeof(uint64_t) * mrow);
	uint64_t div = (uint64_t)ih * 256;
	for (int o = 0; o < oh; o++) {
		memset(acc, 0, sizeof(uint64_t) * mrow);
		const uint32_t *w = ty.w + ty.at[o];
		for (int i = 0; i < ty.count[o]; i++) {
			const uint16_t *row = mid + (size_t)(ty.first[o] + i) * mrow;
			for (size_t x = 0; x < mrow; x++)
				acc[x] += (uint64_t)w[i] * row[x];
		}
		unsigned char *dst = out->data + (size_t)o * out->stride;
		for (size_t x = 0; x < mrow; x++)
			dst[x] = (unsigned char)((acc[x] + div / 2) / div);
	}
	free(acc);
	free(mid);
	free_taps(&tx);
	free_taps(&ty);
}

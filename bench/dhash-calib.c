/*
 * dhash-calib.c - the numbers behind dedup's default threshold
 * (CONTRIBUTING.md, "Near-duplicate threshold"). Given image files that are
 * all different pictures, prints the distribution of dHash distances between
 * every two of them ("different patients"), then re-encodes each one
 * (cx_image_transcode: JPEG at quality 95, 75 and 50, PNG, and resized to
 * 3/4 and 1/2 of its longest side) and prints the distances between each
 * image and its own versions ("the same image").
 *
 *     dhash-calib [--list] FILE...
 *
 * --list also prints "dhash HEX FILE" per file, to split the pairs by
 * patient (or anything else) afterwards.
 */
#include "cx.h"

#include "image/image.h"

static void show(const char *what, const long *hist)
{
	printf("%s\n", what);
	for (int d = 0; d <= 64; d++)
		if (hist[d])
			printf("  distance %2d: %ld\n", d, hist[d]);
}

int main(int argc, char **argv)
{
	int list = argc > 1 && !strcmp(argv[1], "--list");
	if (list) {
		argv++;
		argc--;
	}
	int n = argc - 1;
	if (n < 2) {
		fprintf(stderr, "usage: dhash-calib [--list] FILE FILE...\n");
		return 2;
	}
	uint64_t *h = cx_calloc((size_t)n, sizeof(*h));
	long diff[65] = {0}, same[65] = {0};
	struct cx_buf b = CX_BUF_INIT, t = CX_BUF_INIT;
	struct cx_error err = {0};
	static const struct cx_transcode_opts vs[] = {
		{0, 0, CX_IMAGE_JPEG, 95, 0}, {0, 0, CX_IMAGE_JPEG, 75, 0},
		{0, 0, CX_IMAGE_JPEG, 50, 0}, {0, 0, CX_IMAGE_PNG, 0, 0},
		{-3, 0, CX_IMAGE_JPEG, 90, 0}, {-2, 0, CX_IMAGE_JPEG, 90, 0},
	};
	for (int i = 0; i < n; i++) {
		uint64_t px, ph;
		if (cx_read_file(argv[i + 1], (size_t)1 << 30, &b, NULL) ||
		    cx_image_pixel_hash((unsigned char *)b.data, b.len, argv[i + 1], &px, &h[i], &err)) {
			fprintf(stderr, "%s: %s\n", argv[i + 1], err.msg);
			return 1;
		}
		if (list)
			printf("dhash %016llx %s\n", (unsigned long long)h[i], argv[i + 1]);
		struct cx_pixels p;
		if (cx_image_decode((unsigned char *)b.data, b.len, argv[i + 1], &p, &err))
			return 1;
		int side = p.width > p.height ? p.width : p.height;
		cx_pixels_release(&p);
		for (size_t k = 0; k < CX_ARRAY_LEN(vs); k++) {
			struct cx_transcode_opts o = vs[k];
			/* negative sizes: 3/4 and 1/2 of the longest side */
			if (o.size < 0)
				o.size = o.size == -3 ? side * 3 / 4 : side / 2;
			enum cx_image_type type;
			cx_buf_reset(&t);
			if (cx_image_transcode((unsigned char *)b.data, b.len, argv[i + 1], &o, &t,
					       &type, &err) ||
			    cx_image_pixel_hash((unsigned char *)t.data, t.len, NULL, &px, &ph, &err)) {
				fprintf(stderr, "%s: %s\n", argv[i + 1], err.msg);
				return 1;
			}
			same[cx_hamming64(h[i], ph)]++;
		}
		for (int j = 0; j < i; j++)
			diff[cx_hamming64(h[i], h[j])]++;
	}
	show("different images (every pair)", diff);
	show("the same image re-encoded or resized", same);
	cx_buf_release(&b);
	cx_buf_release(&t);
	free(h);
	return 0;
}

/*
 * transcode-rate.c - how fast cx_image_transcode turns full-size chest X-rays
 * into the shards' small JPEGs, on one core. Every file is read into memory
 * first so that only decode + normalise + resize + encode is timed; then all
 * files are transcoded `rounds` times. A benchmark tool, not a test
 * (bench/bench-images.sh runs it).
 *
 *     transcode-rate SIZE QUALITY ROUNDS FILE...
 */
#include "cx.h"

#include <time.h>

#include "image/image.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long size, quality, rounds;
	if (argc < 5 || cx_parse_long(argv[1], &size) || cx_parse_long(argv[2], &quality) ||
	    cx_parse_long(argv[3], &rounds) || size < 1 || rounds < 1) {
		fprintf(stderr, "usage: transcode-rate SIZE QUALITY ROUNDS FILE...\n");
		return 2;
	}
	int n = argc - 4;
	struct cx_buf *in = cx_malloc((size_t)n * sizeof *in);
	double in_bytes = 0, out_bytes = 0;
	for (int i = 0; i < n; i++) {
		in[i] = (struct cx_buf)CX_BUF_INIT;
		if (cx_read_file(argv[4 + i], (size_t)1 << 30, &in[i], NULL)) {
			fprintf(stderr, "transcode-rate: cannot read %s\n", argv[4 + i]);
			return 1;
		}
		in_bytes += (double)in[i].len;
	}
	struct cx_transcode_opts o = {(int)size, 0, CX_IMAGE_JPEG, (int)quality, 0};
	struct cx_buf out = CX_BUF_INIT;
	struct cx_error err = {0};
	double t0 = now();
	for (long r = 0; r < rounds; r++)
		for (int i = 0; i < n; i++) {
			enum cx_image_type type;
			cx_buf_reset(&out);
			if (cx_image_transcode((const unsigned char *)in[i].data, in[i].len,
					       argv[4 + i], &o, &out, &type, &err)) {
				fprintf(stderr, "transcode-rate: %s: %s\n", argv[4 + i], err.msg);
				return 1;
			}
			out_bytes += (double)out.len;
		}
	double s = now() - t0;
	double images = (double)n * (double)rounds;
	printf("%d files x %ld rounds: %.0f images in %.2f s: %.2f images/s, %.1f MB/s of input, "
	       "%.1f ms/image, mean output %.0f bytes\n", n, rounds, images, s, images / s,
	       in_bytes * (double)rounds / s / 1e6, 1000 * s / images, out_bytes / images);
	for (int i = 0; i < n; i++)
		cx_buf_release(&in[i]);
	free(in);
	cx_buf_release(&out);
	return 0;
}

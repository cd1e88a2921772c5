/*
 * rle-rate.c - how fast SIIM-ACR's masks are decoded into boxes (issue 13's
 * speed figure). Writes a SIIM-shaped train-rle.csv at real scale: 12,954
 * rows over 12,047 images, 3,576 of them masks on 2,669 images (the
 * public copy's counts), each mask a crescent or a blob on the 1024 x 1024
 * grid in SIIM's relative, column-major RLE, 40-300 columns wide with one or
 * two runs per column: 191 runs a mask on average, as the real masks have
 * (at most 1,148).
 * Then reads the file back line by line and times, per row, cx_rle_extent
 * (the one enclosing box the adapters emit) and cx_rle_boxes (a box per
 * 8-connected region, with union-find), reporting rows/s and runs/s of
 * each. With --empty-dicoms it also writes an empty dicom-images-train/s/s/<id>.dcm
 * per image, so that `adapter-rate siim-acr DIR` and `chexinstruct build
 * --no-image-check` read the file through the adapter. A benchmark tool,
 * not a test; deterministic (a fixed seed).
 *
 *     build/bench/rle-rate DIR [--empty-dicoms]
 *     build/bench/rle-rate --read train-rle.csv    (time a file of your own)
 */
#include "cx.h"

#include <errno.h>
#include <sys/stat.h>
#include <time.h>

#include "adapters/adapter.h"

#define GRID 1024
#define ROWS 12954
#define IMAGES 12047
#define MASKS 3576
#define POSITIVE 2669

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static int below(int n) { return (int)(next() % (uint32_t)n); }

/* One mask: per column x in [x0, x0 + w), the rows of a crescent (an
 * ellipse's upper rim, thickness t) and, in one mask of eight, a second
 * piece lower down (two runs in that column). Written as relative RLE. */
static void mask(struct cx_buf *b)
{
	int w = 40 + below(260), x0 = below(GRID - w), cy = 150 + below(500);
	int ry = 60 + below(300), t = 8 + below(60), two = below(8) == 0;
	long end = 0;
	for (int x = x0; x < x0 + w; x++) {
		double u = (x - x0 - w / 2.0) / (w / 2.0);
		int top = cy - (int)(ry * (1 - u * u)), len = t + below(4);
		if (top < 0)
			top = 0;
		if (top + len > GRID)
			len = GRID - top;
		long p = (long)x * GRID + top;
		cx_buf_addf(b, "%s%ld %d", end || x > x0 ? " " : "", p - end, len);
		end = p + len;
		if (two && top + len + 40 + 20 < GRID) {
			p = (long)x * GRID + top + len + 40;
			cx_buf_addf(b, " %ld %d", p - end, 20);
			end = p + 20;
		}
	}
}

static void mkdirs(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", dir);
	for (char *s = path + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(path, 0755);
			*s = '/';
		}
	mkdir(path, 0755);
}

/* The image id of image i (SIIM's SOP UID shape). */
static void image_id(char *out, size_t n, int i)
{
	snprintf(out, n, "1.2.276.0.7230010.3.1.4.8323329.%d.1517875%03d.%d", 1000 + i, i % 1000,
		 100000 + i * 7);
}

static int write_release(const char *dir, int empty_dicoms)
{
	char path[4096], id[128];
	snprintf(path, sizeof path, "%s/train-rle.csv", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return fprintf(stderr, "rle-rate: %s: %s\n", path, strerror(errno)), 1;
	fputs("ImageId, EncodedPixels\n", f);
	struct cx_buf b = CX_BUF_INIT;
	int masks = 0;
	for (int i = 0; i < IMAGES; i++) {
		image_id(id, sizeof id, i);
		/* the first POSITIVE images hold the masks: one each, the extra
		 * MASKS - POSITIVE spread over them as second and third masks */
		int n = i < POSITIVE ? 1 + (i < MASKS - POSITIVE) : 0;
		for (int k = 0; k < n; k++, masks++) {
			cx_buf_reset(&b);
			mask(&b);
			fprintf(f, "%s,%s\n", id, b.data);
		}
		if (!n)
			fprintf(f, "%s,-1\n", id);
		if (empty_dicoms) {
			snprintf(path, sizeof path, "%s/dicom-images-train/s/s/%s.dcm", dir, id);
			FILE *s = fopen(path, "w");
			if (s)
				fclose(s);
		}
	}
	cx_buf_release(&b);
	fclose(f);
	fprintf(stderr, "rle-rate: wrote %d rows (%d masks)\n", IMAGES + masks - POSITIVE,
		masks);
	return 0;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU: the machine is shared */
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Decodes every row with one of the two functions; rows, spaces (runs),
 * masks and boxes, and the seconds it took. */
static int decode_file(const char *csv, int regions, long *rows, long *runs, long *masks,
		       long *boxes, double *secs)
{
	FILE *f = fopen(csv, "r");
	if (!f)
		return fprintf(stderr, "rle-rate: %s: %s\n", csv, strerror(errno)), 1;
	char *line = NULL;
	size_t cap = 0;
	*rows = *runs = *boxes = 0;
	double t0 = now();
	for (ssize_t n; (n = getline(&line, &cap, f)) > 0;) {
		char *comma = strchr(line, ',');
		if (!comma || !strncmp(line, "ImageId", 7))
			continue;
		struct cx_error err = {0};
		(*rows)++;
		*masks += strncmp(comma + 1, "-1", 2) != 0;
		for (const char *p = comma + 1; *p; p++)
			*runs += *p == ' ';
		if (regions) {
			struct cx_box_fact *b;
			size_t nb;
			if (cx_rle_boxes(comma + 1, GRID, GRID, &b, &nb, &err))
				return fprintf(stderr, "rle-rate: %s\n", err.msg), 1;
			*boxes += (long)nb;
			free(b);
		} else {
			struct cx_box_fact b;
			int rc = cx_rle_extent(comma + 1, GRID, GRID, &b, &err);
			if (rc < 0)
				return fprintf(stderr, "rle-rate: %s\n", err.msg), 1;
			*boxes += rc;
		}
	}
	*secs = now() - t0;
	free(line);
	fclose(f);
	return 0;
}

/* Decodes every row with one of the two functions; rows, runs and boxes. */
static int decode_all(const char *csv, int regions, long *rows, long *runs, long *boxes,
		      double *secs)
{
	long masks = 0;
	int rc = decode_file(csv, regions, rows, runs, &masks, boxes, secs);
	*runs = (*runs + masks) / 2; /* "a b c d": 3 spaces, 2 runs; a -1 row none */
	return rc;
}

int main(int argc, char **argv)
{
	int read_only = argc == 3 && !strcmp(argv[1], "--read");
	if (argc < 2 || argc > 3 || (argc == 3 && !read_only && strcmp(argv[2], "--empty-dicoms"))) {
		fprintf(stderr, "usage: rle-rate DIR [--empty-dicoms] | rle-rate --read FILE\n");
		return 2;
	}
	char dir[4096], csv[4200];
	if (read_only) {
		snprintf(csv, sizeof csv, "%s", argv[2]);
	} else {
		snprintf(dir, sizeof dir, "%s/dicom-images-train/s/s", argv[1]);
		mkdirs(argc == 3 ? dir : argv[1]);
		if (write_release(argv[1], argc == 3))
			return 1;
		snprintf(csv, sizeof csv, "%s/train-rle.csv", argv[1]);
	}
	for (int regions = 0; regions < 2; regions++) {
		long rows, runs, boxes;
		double best = 1e9, secs;
		for (int rep = 0; rep < 5; rep++) {
			if (decode_all(csv, regions, &rows, &runs, &boxes, &secs))
				return 1;
			best = secs < best ? secs : best;
		}
		printf("%-32s %6ld rows %8ld runs %5ld boxes  best of 5: %.3f CPU s"
		       "  %.0f rows/s  %.1f M runs/s\n",
		       regions ? "cx_rle_boxes (regions)" : "cx_rle_extent (adapters' box)", rows,
		       runs, boxes, best, rows / best, runs / best / 1e6);
	}
	return 0;
}

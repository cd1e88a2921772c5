/*
 * sheet.c - the contact sheet of `sample --png`: a grid of CX_SHEET_COLUMNS
 * cells; each cell is the image normalised and fitted into a square
 * thumbnail (area filter), its boxes scaled from image pixels to thumbnail
 * pixels and drawn as 2-pixel rectangles with their label, and up to
 * CX_SHEET_CAPTION_LINES caption lines, wrapped at the cell width.
 */
#include "cx.h"

#include "image/image.h"
#include "image/sheet.h"

#define PAD 8
#define CELL_H (CX_SHEET_THUMB + 4 + CX_SHEET_CAPTION_LINES * CX_FONT_H)

static const unsigned char palette[][3] = {
	{255, 64, 64}, {64, 255, 64}, {64, 200, 255}, {255, 230, 0}, {255, 64, 255}, {255, 150, 0},
};
static const unsigned char white[3] = {235, 235, 235};
static const unsigned char dim[3] = {150, 150, 150};

struct canvas {
	unsigned char *rgb;
	int w, h;
};

static void columns_rows(size_t n, int *cols, int *rows)
{
	*cols = n < CX_SHEET_COLUMNS ? (n ? (int)n : 1) : CX_SHEET_COLUMNS;
	*rows = (int)((n + (size_t)*cols - 1) / (size_t)*cols);
}

void cx_sheet_size(size_t n, int *width, int *height)
{
	int cols, rows;
	columns_rows(n, &cols, &rows);
	*width = PAD + cols * (CX_SHEET_THUMB + PAD);
	*height = PAD + rows * (CELL_H + PAD);
}

static void fill(struct canvas *c, int x, int y, int w, int h, const unsigned char col[3])
{
	for (int j = y < 0 ? 0 : y; j < y + h && j < c->h; j++)
		for (int i = x < 0 ? 0 : x; i < x + w && i < c->w; i++)
			memcpy(c->rgb + ((size_t)j * c->w + i) * 3, col, 3);
}

static void rect(struct canvas *c, int x0, int y0, int x1, int y1, const unsigned char col[3])
{
	fill(c, x0, y0, x1 - x0 + 1, 2, col);
	fill(c, x0, y1 - 1, x1 - x0 + 1, 2, col);
	fill(c, x0, y0, 2, y1 - y0 + 1, col);
	fill(c, x1 - 1, y0, 2, y1 - y0 + 1, col);
}

/* Text clipped to the cell [cx, cx + THUMB). */
static void text_in(struct canvas *c, int cx, int x, int y, const char *s,
		    const unsigned char col[3])
{
	int room = (cx + CX_SHEET_THUMB - x) / CX_FONT_W;
	if (room <= 0)
		return;
	size_t len = strlen(s);
	char *t = cx_strndup(s, len < (size_t)room ? len : (size_t)room);
	cx_font_draw(c->rgb, c->w, c->h, x, y, t, col);
	free(t);
}

/* Wraps the caption at word boundaries into the lines under the thumbnail;
 * the last line ends in "..." when text is left over. */
static void caption(struct canvas *c, int cx, int y, const char *s)
{
	size_t per = CX_SHEET_THUMB / CX_FONT_W;
	for (int line = 0; line < CX_SHEET_CAPTION_LINES && *s; line++) {
		size_t len = strlen(s), take = len;
		if (len > per) {
			take = per;
			while (take > per / 2 && s[take] != ' ')
				take--;
			if (s[take] != ' ')
				take = per;
		}
		char *t = cx_strndup(s, take);
		if (line == CX_SHEET_CAPTION_LINES - 1 && take < len && take >= 3)
			memcpy(t + take - 3, "...", 3);
		cx_font_draw(c->rgb, c->w, c->h, cx, y + line * CX_FONT_H, t, line ? dim : white);
		free(t);
		s += take;
		while (*s == ' ')
			s++;
	}
}

static void paste(struct canvas *c, const struct cx_pixels *p, int x, int y)
{
	for (int j = 0; j < p->height; j++)
		for (int i = 0; i < p->width; i++) {
			const unsigned char *s = p->data + (size_t)j * p->stride + (size_t)i * p->channels;
			unsigned char *d = c->rgb + ((size_t)(y + j) * c->w + x + i) * 3;
			d[0] = s[0];
			d[1] = p->channels == 3 ? s[1] : s[0];
			d[2] = p->channels == 3 ? s[2] : s[0];
		}
}

static void boxes(struct canvas *c, const struct cx_sheet_item *it, int cx, int x, int y,
		  double sx, double sy)
{
	for (size_t b = 0; b < it->nboxes; b++) {
		const struct cx_sheet_box *bx = &it->boxes[b];
		const unsigned char *col = palette[b % CX_ARRAY_LEN(palette)];
		int x0 = x + (int)(bx->x * sx), y0 = y + (int)(bx->y * sy);
		int x1 = x + (int)((bx->x + bx->w) * sx), y1 = y + (int)((bx->y + bx->h) * sy);
		rect(c, x0, y0, x1, y1, col);
		if (!bx->label)
			continue;
		int ty = y0 - CX_FONT_H - 1 >= y ? y0 - CX_FONT_H - 1 : y0 + 3;
		int tw = (int)strlen(bx->label) * CX_FONT_W + 2;
		static const unsigned char black[3] = {0, 0, 0};
		if (x0 + tw > cx + CX_SHEET_THUMB)
			tw = cx + CX_SHEET_THUMB - x0;
		fill(c, x0, ty, tw, CX_FONT_H, black);
		text_in(c, cx, x0 + 1, ty, bx->label, col);
	}
}

static void cell(struct canvas *c, const struct cx_sheet_item *it, int cx, int cy)
{
	static const unsigned char black[3] = {0, 0, 0}, grey[3] = {70, 70, 70};
	fill(c, cx, cy, CX_SHEET_THUMB, CX_SHEET_THUMB, black);
	struct cx_pixels px, th;
	struct cx_error err = {0};
	const char *why = it->missing ? it->missing : "no image";
	if (it->image && cx_image_decode(it->image, it->len, it->name, &px, &err) == 0) {
		cx_image_normalise(&px);
		int tw, tht;
		cx_image_fit(px.width, px.height, CX_SHEET_THUMB, 0, &tw, &tht);
		cx_image_resize(&px, tw, tht, &th);
		int x = cx + (CX_SHEET_THUMB - tw) / 2, y = cy + (CX_SHEET_THUMB - tht) / 2;
		paste(c, &th, x, y);
		double ow = it->image_width > 0 ? it->image_width : px.width;
		double oh = it->image_height > 0 ? it->image_height : px.height;
		boxes(c, it, cx, x, y, tw / ow, tht / oh);
		cx_pixels_release(&th);
		cx_pixels_release(&px);
	} else {
		fill(c, cx, cy, CX_SHEET_THUMB, CX_SHEET_THUMB, grey);
		text_in(c, cx, cx + 4, cy + 4, it->image ? err.msg : why, white);
	}
	caption(c, cx, cy + CX_SHEET_THUMB + 4, it->caption ? it->caption : "");
}

int cx_sheet_render(const struct cx_sheet_item *items, size_t n, struct cx_buf *out,
		    struct cx_error *err)
{
	struct canvas c;
	int cols, rows;
	cx_sheet_size(n, &c.w, &c.h);
	columns_rows(n, &cols, &rows);
	c.rgb = cx_malloc((size_t)c.w * c.h * 3 + 1);
	memset(c.rgb, 24, (size_t)c.w * c.h * 3);
	for (size_t i = 0; i < n; i++) {
		int col = (int)(i % (size_t)cols), row = (int)(i / (size_t)cols);
		cell(&c, &items[i], PAD + col * (CX_SHEET_THUMB + PAD), PAD + row * (CELL_H + PAD));
	}
	struct cx_pixels p = {c.w, c.h, 3, 8, (size_t)c.w * 3, c.rgb, 8, 0, 0, {0}};
	int rc = cx_image_encode(&p, CX_IMAGE_PNG, 0, out, err);
	free(c.rgb);
	return rc;
}

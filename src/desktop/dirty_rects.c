/* Dirty pages to rectangles: one pass over the mode's rows, no pixel read. */
#include "desktop/dirty_rects.h"
#include "core/guest_mem.h"

#include <limits.h>

#define BITS_PER_WORD	(8 * sizeof(unsigned long))
#define PIXEL_BYTES	(BOCHS_BPP / 8)

static int page_dirty(const unsigned long *bitmap, size_t words, uint64_t page)
{
	if (page / BITS_PER_WORD >= words)
		return 0;
	return (bitmap[page / BITS_PER_WORD] >> (page % BITS_PER_WORD)) & 1;
}

/* The columns [*x0, *x1) of row @y that dirty pages hold; false if none. */
static int row_span(const unsigned long *bitmap, size_t words, const struct display_scanout *s,
		    unsigned y, unsigned *x0, unsigned *x1)
{
	uint64_t start = s->offset + (uint64_t)y * s->stride;
	uint64_t end = start + (uint64_t)s->width * PIXEL_BYTES;
	uint64_t page;

	*x0 = UINT_MAX;
	*x1 = 0;
	for (page = start / GUEST_PAGE_SIZE; page * GUEST_PAGE_SIZE < end; page++) {
		uint64_t a = page * GUEST_PAGE_SIZE, b = a + GUEST_PAGE_SIZE;

		if (!page_dirty(bitmap, words, page))
			continue;
		a = a > start ? a : start;
		b = b < end ? b : end;
		if ((a - start) / PIXEL_BYTES < *x0)
			*x0 = (unsigned)((a - start) / PIXEL_BYTES);
		if ((b - start + PIXEL_BYTES - 1) / PIXEL_BYTES > *x1)
			*x1 = (unsigned)((b - start + PIXEL_BYTES - 1) / PIXEL_BYTES);
	}
	return *x1 > *x0;
}

static void put_rect(struct fb_rect *out, unsigned *n, unsigned max, const struct fb_rect *r)
{
	struct fb_rect *last;
	unsigned x1, y1;

	if (*n < max) {
		out[(*n)++] = *r;
		return;
	}
	/* Out of room: the last rectangle grows to hold this one too. */
	last = &out[max - 1];
	x1 = last->x + last->w > r->x + r->w ? last->x + last->w : r->x + r->w;
	y1 = last->y + last->h > r->y + r->h ? last->y + last->h : r->y + r->h;
	last->x = last->x < r->x ? last->x : r->x;
	last->y = last->y < r->y ? last->y : r->y;
	last->w = x1 - last->x;
	last->h = y1 - last->y;
}

unsigned dirty_rects(const unsigned long *bitmap, size_t words, const struct display_scanout *s,
		     struct fb_rect *out, unsigned max)
{
	struct fb_rect cur = { 0 };
	unsigned n = 0, y, x0, x1;
	int open = 0;

	if (!s->enabled || !max)
		return 0;
	for (y = 0; y < s->height; y++) {
		if (!row_span(bitmap, words, s, y, &x0, &x1)) {
			if (open)
				put_rect(out, &n, max, &cur);
			open = 0;
			continue;
		}
		if (!open) {
			cur = (struct fb_rect){ x0, y, x1 - x0, 1 };
			open = 1;
			continue;
		}
		/* The row below the open rectangle: it widens to hold both. */
		if (x0 < cur.x) {
			cur.w += cur.x - x0;
			cur.x = x0;
		}
		if (x1 > cur.x + cur.w)
			cur.w = x1 - cur.x;
		cur.h++;
	}
	if (open)
		put_rect(out, &n, max, &cur);
	return n;
}

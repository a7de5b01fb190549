/*
 * From the dirty log to the screen: the framebuffer pages the guest wrote
 * become the rectangles of the mode they hold (each page covers part of a
 * row or a few rows), rows next to each other merged into one rectangle.
 */
#ifndef VESSEL_DESKTOP_DIRTY_RECTS_H
#define VESSEL_DESKTOP_DIRTY_RECTS_H

#include "display/bochs_regs.h"

#include <stddef.h>

#define DIRTY_RECTS_MAX		32

struct fb_rect {
	unsigned x, y, w, h;
};

/*
 * The rectangles of scanout @s that the pages set in @bitmap (@words words,
 * bit n the framebuffer's page n) cover, at most @max (further ones are
 * merged into the last); returns how many.
 */
unsigned dirty_rects(const unsigned long *bitmap, size_t words, const struct display_scanout *s,
		     struct fb_rect *out, unsigned max);

#endif

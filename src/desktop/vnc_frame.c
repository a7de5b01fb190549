/*
 * The screen libvncserver encodes from: a copy of what the guest shows,
 * brought up to date only where the dirty log says the guest wrote, and
 * only where those pages' pixels changed. On the server's thread only, so
 * the copy and the encoders never race.
 */
#include "desktop/vnc_internal.h"
#include "display/bochs_display.h"

#include <stdlib.h>
#include <string.h>

#define IDLE_TICK_NS		500000000ull	/* a still screen is looked at twice a second */
#define BLOCK_PIXELS		16	/* compared at once, with memcmp */
#define BITS_PER_LONG		(8 * sizeof(unsigned long))

/*
 * Pixels [i, i + n) of a row, known to differ from the shadow: halved
 * until blocks of BLOCK_PIXELS, each half compared with memcmp and only
 * those that differ looked into, so a small change in a long row costs
 * about two passes of the row at memcmp's speed and a dozen calls (a
 * call per block cost more than the comparison). The depth is log2 of
 * the row's blocks. The changed pixels are copied, their span kept in
 * *first, *last.
 */
static void refresh_split(const uint32_t *src, uint32_t *dst, unsigned i, unsigned n,
			  unsigned *first, unsigned *last)
{
	unsigned half, k;

	if (n <= BLOCK_PIXELS) {
		for (k = i; k < i + n; k++) {
			if (src[k] == dst[k])
				continue;
			if (*first == UINT32_MAX)
				*first = k;
			*last = k;
		}
		memcpy(dst + i, src + i, (size_t)n * 4);
		return;
	}
	half = (n / 2 + BLOCK_PIXELS - 1) / BLOCK_PIXELS * BLOCK_PIXELS;
	if (memcmp(src + i, dst + i, (size_t)half * 4))
		refresh_split(src, dst, i, half, first, last);
	if (memcmp(src + i + half, dst + i + half, (size_t)(n - half) * 4))
		refresh_split(src, dst, i + half, n - half, first, last);
}

/*
 * Pixels [x, x + n) of one row copied into the shadow where they differ;
 * the span that changed in *first, *last. The guest may be writing them: a
 * torn frame is redrawn at the next tick, as its pages are dirty again.
 */
static void refresh_span(const uint32_t *src, uint32_t *dst, unsigned x, unsigned n,
			 unsigned *first, unsigned *last)
{
	if (memcmp(src + x, dst + x, (size_t)n * 4))
		refresh_split(src, dst, x, n, first, last);
}

/*
 * The shadow holds the guest's pixels as they are (0x00RRGGBB, in the
 * guest's byte order): libvncserver translates for each viewer anyway.
 * rfbNewFramebuffer sets its default format, so this follows every call.
 */
void vnc_frame_set_format(struct vnc_server *s, bool big_endian)
{
	rfbPixelFormat *f = &s->screen->serverFormat;
	rfbClientIteratorPtr it;
	rfbClientPtr cl;

	f->redShift = 16;
	f->greenShift = 8;
	f->blueShift = 0;
	f->bigEndian = big_endian;
	it = rfbGetClientIterator(s->screen);
	while ((cl = rfbClientIteratorNext(it)))
		s->screen->setTranslateFunction(cl);
	rfbReleaseClientIterator(it);
}

/* The framebuffer pages that hold pixels [x0, x1] of row @y changed (hot_pages.h). */
static void mark_changed(struct vnc_server *s, unsigned y, unsigned x0, unsigned x1)
{
	const struct display_scanout *m = &s->mode;
	uint64_t row = m->offset + (uint64_t)y * m->stride;
	uint64_t page = (row + (uint64_t)x0 * 4) / GUEST_PAGE_SIZE;
	uint64_t last = (row + (uint64_t)x1 * 4 + 3) / GUEST_PAGE_SIZE;

	for (; page <= last && page / BITS_PER_LONG < dirty_log_words(&s->log); page++)
		s->changed_pages[page / BITS_PER_LONG] |= 1ul << (page % BITS_PER_LONG);
}

/*
 * Copy @r of the guest's screen into the shadow and tell libvncserver the
 * part that changed: a dirty page whose pixels are what they were costs
 * the viewers nothing.
 */
static void refresh(struct vnc_server *s, const struct fb_rect *r)
{
	const uint8_t *fb = bochs_display_fb(s->disp);
	unsigned x0 = UINT32_MAX, x1 = 0, y0 = UINT32_MAX, y1 = 0, y;
	const struct display_scanout *m = &s->mode;

	for (y = r->y; y < r->y + r->h; y++) {
		const uint32_t *src = (const uint32_t *)(fb + m->offset + (uint64_t)y * m->stride);
		uint32_t *dst = (uint32_t *)(s->shadow + (size_t)y * m->width * 4);
		unsigned first = UINT32_MAX, last = 0;

		refresh_span(src, dst, r->x, r->w, &first, &last);
		if (first == UINT32_MAX)
			continue;
		mark_changed(s, y, first, last);
		x0 = first < x0 ? first : x0;
		x1 = last + 1 > x1 ? last + 1 : x1;
		y0 = y < y0 ? y : y0;
		y1 = y + 1;
	}
	if (y0 == UINT32_MAX)
		return;
	rfbMarkRectAsModified(s->screen, (int)x0, (int)y0, (int)x1, (int)y1);
	s->changed = true;
}

static void refresh_all(struct vnc_server *s)
{
	struct fb_rect all = { 0, 0, s->mode.width, s->mode.height };

	if (s->mode.enabled)
		refresh(s, &all);
}

/* A new mode (or the first): the screen takes its size, every viewer is told. */
static int set_mode(struct vnc_server *s, const struct display_scanout *now)
{
	unsigned w = now->enabled ? now->width : s->pref_width;
	unsigned h = now->enabled ? now->height : s->pref_height;
	uint8_t *old = s->shadow, *buf;
	bool resized = w != (unsigned)s->screen->width || h != (unsigned)s->screen->height;

	if (resized) {
		buf = calloc((size_t)w * h, 4);
		if (!buf)
			return -1;
		rfbNewFramebuffer(s->screen, (char *)buf, (int)w, (int)h, 8, 3, 4);
		s->shadow = buf;
		free(old);
	} else if (!now->enabled) {
		memset(s->shadow, 0, (size_t)w * h * 4);
		rfbMarkRectAsModified(s->screen, 0, 0, (int)w, (int)h);
	}
	if (resized || now->big_endian != (bool)s->screen->serverFormat.bigEndian) {
		vnc_frame_set_format(s, now->big_endian);
		rfbMarkRectAsModified(s->screen, 0, 0, (int)w, (int)h);
	}
	s->changed = true;
	s->mode = *now;
	s->mode.width = w;
	s->mode.height = h;
	vnc_input_set_size(&s->input, w, h);
	refresh_all(s);
	return 0;
}

/*
 * The hot pages (hot_pages.h) come back from every sync while kept, and
 * are compared again each frame: what the guest wrote into them after this
 * sync is seen at the next one, as for any page.
 */
void vnc_frame(struct vnc_server *s)
{
	struct fb_rect rects[DIRTY_RECTS_MAX];
	struct display_scanout now;
	unsigned n, i;

	bochs_display_scanout(s->disp, &now);
	if (dirty_log_sync_keep(&s->log, s->bitmap, s->hot.keep, NULL))
		return;
	memset(s->changed_pages, 0, dirty_log_words(&s->log) * sizeof(unsigned long));
	if (now.generation != s->mode.generation) {
		set_mode(s, &now);
	} else {
		n = dirty_rects(s->bitmap, dirty_log_words(&s->log), &s->mode, rects,
				DIRTY_RECTS_MAX);
		for (i = 0; i < n; i++)
			refresh(s, &rects[i]);
	}
	hot_pages_update(&s->hot, s->bitmap, s->changed_pages);
}

/* A new viewer gets the screen as it is now: the copy is brought up to date first. */
void vnc_frame_new_viewer(struct vnc_server *s)
{
	struct display_scanout now;

	bochs_display_scanout(s->disp, &now);
	if (dirty_log_sync_keep(&s->log, s->bitmap, s->hot.keep, NULL) == 0 &&
	    now.generation == s->mode.generation)
		refresh_all(s);
	else
		set_mode(s, &now);
	s->tick = s->period;
	s->still_frames = 0;
}

/*
 * The next tick: the fps's frame time while the screen changes; after a
 * second without a change, twice the last one each frame, up to
 * IDLE_TICK_NS (a still screen costs a dirty-log sync a few times a second,
 * its first change is seen at most that late).
 */
uint64_t vnc_next_tick(struct vnc_server *s)
{
	if (s->changed) {
		s->still_frames = 0;
		s->tick = s->period;
	} else if (++s->still_frames > s->opts.fps && s->tick < IDLE_TICK_NS) {
		s->tick = s->tick * 2 < IDLE_TICK_NS ? s->tick * 2 : IDLE_TICK_NS;
	}
	s->changed = false;
	return s->tick;
}

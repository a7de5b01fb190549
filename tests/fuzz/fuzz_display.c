/*
 * libFuzzer target: what a guest and a viewer control on the desktop path.
 * The input is a sequence of operations: guest accesses to bochs-display's
 * MMIO BAR (EDID, DISPI, QEMU's registers), dirty pages of the framebuffer
 * turned into rectangles of the mode the guest set, and a viewer's RFB
 * events (key, pointer, cut text, desktop size) and first bytes. Whatever
 * the order, an enabled mode lies inside the framebuffer, every rectangle
 * inside the mode, and every pointer inside the router's axes.
 */
#include "core/input.h"
#include "desktop/dirty_rects.h"
#include "desktop/vnc_input.h"
#include "desktop/vnc_listen.h"
#include "desktop/vnc_options.h"
#include "display/bochs_regs.h"

#include <stdlib.h>
#include <string.h>

#define FB_SIZE		(16ull << 20)
#define FB_WORDS	(FB_SIZE / 4096 / 64)

enum op_kind {
	OP_MMIO_WRITE, OP_MMIO_READ, OP_DIRTY, OP_KEY, OP_POINTER, OP_CUT_TEXT, OP_RESIZE,
	OP_CLASSIFY, OP_OPTIONS, OP_KINDS
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink_key(void *opaque, unsigned code, bool down)
{
	(void)opaque;
	(void)down;
	if (!code || code > 0x2ff)
		abort();
}

static void sink_pointer(void *opaque, unsigned x, unsigned y, unsigned buttons)
{
	(void)opaque;
	if (x > INPUT_ABS_MAX || y > INPUT_ABS_MAX || buttons > 0x1f)
		abort();
}

struct cursor {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct cursor *c, unsigned n)
{
	uint64_t v = 0;

	while (n-- && c->left) {
		v = v << 8 | *c->p++;
		c->left--;
	}
	return v;
}

static void check_scanout(const struct bochs_regs *r, struct display_scanout *s)
{
	bochs_regs_scanout(r, s);
	if (!s->enabled)
		return;
	if (!s->width || !s->height || s->width > BOCHS_MAX_WIDTH ||
	    s->height > BOCHS_MAX_HEIGHT || s->stride < s->width * 4 ||
	    s->offset + (uint64_t)(s->height - 1) * s->stride + s->width * 4ull > FB_SIZE)
		abort();
}

static void dirty_op(struct cursor *c, const struct display_scanout *s, unsigned long *bitmap)
{
	struct fb_rect r[DIRTY_RECTS_MAX];
	unsigned n, i, pages = (unsigned)take(c, 1);

	memset(bitmap, 0, FB_WORDS * sizeof(unsigned long));
	for (i = 0; i < pages; i++) {
		uint64_t page = take(c, 2) % (FB_SIZE / 4096);

		bitmap[page / 64] |= 1ul << (page % 64);
	}
	n = dirty_rects(bitmap, FB_WORDS, s, r, 1 + (unsigned)take(c, 1) % DIRTY_RECTS_MAX);
	for (i = 0; i < n; i++)
		if (!r[i].w || !r[i].h || r[i].x + r[i].w > s->width || r[i].y + r[i].h > s->height)
			abort();
}

static void text_op(struct cursor *c, enum op_kind kind, struct vnc_input *in)
{
	size_t len = (size_t)take(c, 1);
	char buf[256];
	struct vnc_options o;
	struct error err;

	if (len > c->left)
		len = c->left;
	memcpy(buf, c->p, len);
	buf[len] = '\0';
	c->p += len;
	c->left -= len;
	if (kind == OP_CUT_TEXT)
		vnc_input_cut_text(in, buf, (int)len);
	else if (kind == OP_CLASSIFY)
		vnc_conn_classify(buf, len);
	else
		vnc_options_parse(buf, &o, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long bitmap[FB_WORDS];
	struct vnc_input_sink sink = { sink_key, sink_pointer, NULL };
	struct cursor c = { data, size };
	struct display_scanout s;
	struct bochs_regs r;
	struct vnc_input in;

	bochs_regs_init(&r, FB_SIZE, 320 + (unsigned)take(&c, 1) * 6, 200 + (unsigned)take(&c, 1) * 3);
	vnc_input_init(&in, &sink);
	while (c.left) {
		enum op_kind kind = (enum op_kind)(take(&c, 1) % OP_KINDS);
		unsigned len = 1u << (take(&c, 1) % 4);
		uint64_t off = take(&c, 2) % (BOCHS_MMIO_SIZE + 8);

		switch (kind) {
		case OP_MMIO_WRITE:
			bochs_regs_write(&r, off, take(&c, len), len);
			break;
		case OP_MMIO_READ:
			bochs_regs_read(&r, off, len);
			break;
		case OP_DIRTY:
			check_scanout(&r, &s);
			dirty_op(&c, &s, bitmap);
			break;
		case OP_KEY:
			vnc_input_key(&in, off & 1, (uint32_t)take(&c, 4));
			break;
		case OP_POINTER:
			check_scanout(&r, &s);
			vnc_input_set_size(&in, s.width, s.height);
			vnc_input_pointer(&in, (int)take(&c, 1), (int)(int16_t)take(&c, 2),
					  (int)(int16_t)take(&c, 2));
			break;
		case OP_RESIZE:
			vnc_input_desktop_size(&in, (int)take(&c, 2), (int)take(&c, 2), (int)len);
			break;
		default:
			text_op(&c, kind, &in);
			break;
		}
		check_scanout(&r, &s);
	}
	return 0;
}

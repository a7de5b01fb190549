/*
 * The DISPI register model. A write that would leave an enabled mode outside
 * the framebuffer (too large, a bad depth, an offset past the end) is
 * refused and counted: the registers keep their last good values, so the
 * display server never reads past the framebuffer.
 */
#include "display/bochs_regs.h"

#include <string.h>

void bochs_regs_reset(struct bochs_regs *r)
{
	memset(r->dispi, 0, sizeof(r->dispi));
	r->dispi[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
	r->big_endian = false;
	r->generation++;
}

void bochs_regs_init(struct bochs_regs *r, uint64_t fb_size, unsigned pref_width,
		     unsigned pref_height)
{
	memset(r, 0, sizeof(*r));
	r->fb_size = fb_size;
	edid_build(r->edid, pref_width, pref_height);
	bochs_regs_reset(r);
}

static unsigned virt_width(const uint16_t *d)
{
	return d[VBE_DISPI_INDEX_VIRT_WIDTH] > d[VBE_DISPI_INDEX_XRES] ?
	       d[VBE_DISPI_INDEX_VIRT_WIDTH] : d[VBE_DISPI_INDEX_XRES];
}

bool bochs_regs_valid(const struct bochs_regs *r, const uint16_t d[VBE_DISPI_INDEX_NB])
{
	uint64_t stride = (uint64_t)virt_width(d) * (BOCHS_BPP / 8);
	uint64_t x = d[VBE_DISPI_INDEX_X_OFFSET], y = d[VBE_DISPI_INDEX_Y_OFFSET];

	if (d[VBE_DISPI_INDEX_ID] != VBE_DISPI_ID5 || d[VBE_DISPI_INDEX_VIDEO_MEMORY_64K])
		return false;
	if (!(d[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED))
		return true;
	if (d[VBE_DISPI_INDEX_BPP] != BOCHS_BPP || !d[VBE_DISPI_INDEX_XRES] ||
	    !d[VBE_DISPI_INDEX_YRES] || d[VBE_DISPI_INDEX_XRES] > BOCHS_MAX_WIDTH ||
	    d[VBE_DISPI_INDEX_YRES] > BOCHS_MAX_HEIGHT)
		return false;
	if (x + d[VBE_DISPI_INDEX_XRES] > virt_width(d))
		return false;
	/* Every row shown, offsets included, lies inside the framebuffer. */
	return (y + d[VBE_DISPI_INDEX_YRES]) * stride + x * (BOCHS_BPP / 8) <= r->fb_size;
}

static uint16_t dispi_read(const struct bochs_regs *r, unsigned index)
{
	const uint16_t *d = r->dispi;
	uint64_t stride;

	switch (index) {
	case VBE_DISPI_INDEX_VIDEO_MEMORY_64K:
		return (uint16_t)(r->fb_size >> 16);
	case VBE_DISPI_INDEX_VIRT_WIDTH:
		return (uint16_t)virt_width(d);
	case VBE_DISPI_INDEX_VIRT_HEIGHT:
		/* As Bochs: the rows the memory holds at this width (what panning may use). */
		stride = (uint64_t)virt_width(d) * (BOCHS_BPP / 8);
		if (!stride)
			return d[index];
		return (uint16_t)(r->fb_size / stride > 0xffff ? 0xffff : r->fb_size / stride);
	case VBE_DISPI_INDEX_ENABLE:
		/* GETCAPS asks for the maxima in XRES, YRES and BPP; it is not a state. */
		return d[index] & (uint16_t)~VBE_DISPI_GETCAPS;
	case VBE_DISPI_INDEX_XRES:
		return d[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS ? BOCHS_MAX_WIDTH : d[index];
	case VBE_DISPI_INDEX_YRES:
		return d[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS ? BOCHS_MAX_HEIGHT : d[index];
	case VBE_DISPI_INDEX_BPP:
		return d[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS ? BOCHS_BPP : d[index];
	default:
		return d[index];
	}
}

static void dispi_write(struct bochs_regs *r, unsigned index, uint16_t val)
{
	uint16_t next[VBE_DISPI_INDEX_NB];

	/* ID, the memory size and BANK (no banked VGA window here) are read-only. */
	if (index == VBE_DISPI_INDEX_ID || index == VBE_DISPI_INDEX_VIDEO_MEMORY_64K ||
	    index == VBE_DISPI_INDEX_BANK) {
		r->refused += index == VBE_DISPI_INDEX_BANK && val != 0;
		return;
	}
	memcpy(next, r->dispi, sizeof(next));
	next[index] = val;
	if (!bochs_regs_valid(r, next)) {
		r->refused++;
		return;
	}
	if (index == VBE_DISPI_INDEX_ENABLE && (val & VBE_DISPI_ENABLED) &&
	    !(r->dispi[index] & VBE_DISPI_ENABLED))
		r->mode_sets++;
	memcpy(r->dispi, next, sizeof(next));
	r->generation++;
}

static uint64_t qext_read(const struct bochs_regs *r, uint64_t off)
{
	if (off == BOCHS_QEXT_REG_SIZE)
		return BOCHS_QEXT_SIZE;
	if (off == BOCHS_QEXT_REG_BYTEORDER)
		return r->big_endian ? BOCHS_QEXT_BIG_ENDIAN : BOCHS_QEXT_LITTLE_ENDIAN;
	return 0;
}

uint64_t bochs_regs_read(const struct bochs_regs *r, uint64_t off, unsigned len)
{
	uint64_t v = 0;
	unsigned i;

	if (len != 1 && len != 2 && len != 4 && len != 8)
		return ~0ull;
	if (off < BOCHS_VGA_OFF) {
		/* The EDID block, then zeros up to the VGA area: bytes in any width. */
		for (i = 0; i < len; i++)
			if (off + i < EDID_BLOCK_SIZE)
				v |= (uint64_t)r->edid[off + i] << (8 * i);
		return v;
	}
	if (off >= BOCHS_DISPI_OFF && off < BOCHS_DISPI_OFF + 2 * VBE_DISPI_INDEX_NB) {
		if (len != 2 || off % 2)
			return ~0ull;
		return dispi_read(r, (unsigned)(off - BOCHS_DISPI_OFF) / 2);
	}
	if (off >= BOCHS_QEXT_OFF && off < BOCHS_QEXT_OFF + BOCHS_QEXT_SIZE) {
		if (len != 4 || off % 4)
			return ~0ull;
		return qext_read(r, off - BOCHS_QEXT_OFF);
	}
	return ~0ull;
}

void bochs_regs_write(struct bochs_regs *r, uint64_t off, uint64_t val, unsigned len)
{
	if (off >= BOCHS_VGA_OFF && off < BOCHS_VGA_OFF + BOCHS_VGA_SIZE)
		return;	/* Linux unblanks through the attribute register: nothing to do */
	if (off >= BOCHS_DISPI_OFF && off < BOCHS_DISPI_OFF + 2 * VBE_DISPI_INDEX_NB &&
	    len == 2 && off % 2 == 0) {
		dispi_write(r, (unsigned)(off - BOCHS_DISPI_OFF) / 2, (uint16_t)val);
		return;
	}
	if (off == BOCHS_QEXT_OFF + BOCHS_QEXT_REG_BYTEORDER && len == 4) {
		if (val == BOCHS_QEXT_BIG_ENDIAN || val == BOCHS_QEXT_LITTLE_ENDIAN) {
			r->big_endian = val == BOCHS_QEXT_BIG_ENDIAN;
			r->generation++;
			return;
		}
	}
	r->refused++;
}

void bochs_regs_scanout(const struct bochs_regs *r, struct display_scanout *s)
{
	const uint16_t *d = r->dispi;
	unsigned bytes = BOCHS_BPP / 8;

	*s = (struct display_scanout){ .generation = r->generation, .big_endian = r->big_endian };
	if (!(d[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED))
		return;
	s->enabled = true;
	s->width = d[VBE_DISPI_INDEX_XRES];
	s->height = d[VBE_DISPI_INDEX_YRES];
	s->stride = virt_width(d) * bytes;
	s->offset = (uint64_t)d[VBE_DISPI_INDEX_Y_OFFSET] * s->stride +
		    (uint64_t)d[VBE_DISPI_INDEX_X_OFFSET] * bytes;
}

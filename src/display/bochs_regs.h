/*
 * bochs-display's MMIO BAR as a register model, without PCI or KVM: the
 * EDID block, the DISPI (Bochs VBE) registers and QEMU's extended
 * registers, at the offsets Linux's bochs DRM driver uses
 * (drivers/gpu/drm/tiny/bochs.c). Everything a guest writes is checked: the
 * registers describe a mode inside the framebuffer whenever it is enabled.
 */
#ifndef VESSEL_DISPLAY_BOCHS_REGS_H
#define VESSEL_DISPLAY_BOCHS_REGS_H

#include "display/edid.h"

#include <stdbool.h>
#include <stdint.h>

#define BOCHS_MMIO_SIZE		0x1000
#define BOCHS_EDID_OFF		0x000
#define BOCHS_VGA_OFF		0x400	/* VGA ioports 0x3c0-0x3df: bochs-display has no VGA */
#define BOCHS_VGA_SIZE		0x20
#define BOCHS_DISPI_OFF		0x500
#define BOCHS_QEXT_OFF		0x600

/* DISPI register indices (Bochs vbe.h); each is 16 bits at BOCHS_DISPI_OFF + 2 * index. */
#define VBE_DISPI_INDEX_ID		0x0
#define VBE_DISPI_INDEX_XRES		0x1
#define VBE_DISPI_INDEX_YRES		0x2
#define VBE_DISPI_INDEX_BPP		0x3
#define VBE_DISPI_INDEX_ENABLE		0x4
#define VBE_DISPI_INDEX_BANK		0x5
#define VBE_DISPI_INDEX_VIRT_WIDTH	0x6
#define VBE_DISPI_INDEX_VIRT_HEIGHT	0x7
#define VBE_DISPI_INDEX_X_OFFSET	0x8
#define VBE_DISPI_INDEX_Y_OFFSET	0x9
#define VBE_DISPI_INDEX_VIDEO_MEMORY_64K 0xa
#define VBE_DISPI_INDEX_NB		0xb

#define VBE_DISPI_ID5			0xb0c5
#define VBE_DISPI_ENABLED		0x01
#define VBE_DISPI_GETCAPS		0x02
#define VBE_DISPI_8BIT_DAC		0x20
#define VBE_DISPI_LFB_ENABLED		0x40
#define VBE_DISPI_NOCLEARMEM		0x80

/* QEMU's extended registers (docs/specs/standard-vga.rst): size, then byte order. */
#define BOCHS_QEXT_REG_SIZE		0x0
#define BOCHS_QEXT_REG_BYTEORDER	0x4
#define BOCHS_QEXT_SIZE			8
#define BOCHS_QEXT_LITTLE_ENDIAN	0x1e1e1e1e
#define BOCHS_QEXT_BIG_ENDIAN		0xbebebebe

#define BOCHS_MAX_WIDTH		1920
#define BOCHS_MAX_HEIGHT	1080
#define BOCHS_BPP		32
/* --display's bounds and default: the preferred mode in the EDID. */
#define DISPLAY_MIN_WIDTH	320
#define DISPLAY_MIN_HEIGHT	200
#define DISPLAY_DEFAULT_WIDTH	1024
#define DISPLAY_DEFAULT_HEIGHT	768	/* the one depth offered: what Linux's driver uses */

/* What is on the screen: the framebuffer's bytes [offset, offset + stride * height). */
struct display_scanout {
	bool enabled;
	unsigned width, height;
	unsigned stride;		/* bytes a row */
	uint64_t offset;
	bool big_endian;		/* pixels as 0xAARRGGBB in big-endian byte order */
	uint32_t generation;		/* changes with any of the above */
};

struct bochs_regs {
	uint16_t dispi[VBE_DISPI_INDEX_NB];
	bool big_endian;
	uint8_t edid[EDID_BLOCK_SIZE];
	uint64_t fb_size;
	uint32_t generation;
	uint64_t mode_sets;	/* modes enabled */
	uint64_t refused;	/* guest writes refused: a mode that does not fit, a bad value */
};

void bochs_regs_init(struct bochs_regs *r, uint64_t fb_size, unsigned pref_width,
		     unsigned pref_height);
/* Power-on state; the EDID and the framebuffer's size stay. */
void bochs_regs_reset(struct bochs_regs *r);
/* One guest access at @off in the BAR, @len 1, 2, 4 or 8 bytes, little-endian. */
uint64_t bochs_regs_read(const struct bochs_regs *r, uint64_t off, unsigned len);
void bochs_regs_write(struct bochs_regs *r, uint64_t off, uint64_t val, unsigned len);
void bochs_regs_scanout(const struct bochs_regs *r, struct display_scanout *s);
/* Whether @dispi (a saved or restored register set) is one the guest could have made. */
bool bochs_regs_valid(const struct bochs_regs *r, const uint16_t dispi[VBE_DISPI_INDEX_NB]);

#endif

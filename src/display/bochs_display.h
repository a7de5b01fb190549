/*
 * bochs-display (PCI 1234:1111, QEMU's -device bochs-display): BAR0 the
 * framebuffer, a device-memory region that is a KVM slot of its own (the
 * guest draws at memory speed, and its writes are in the dirty log); BAR2
 * the registers of bochs_regs.h.
 */
#ifndef VESSEL_DISPLAY_BOCHS_DISPLAY_H
#define VESSEL_DISPLAY_BOCHS_DISPLAY_H

#include "core/device.h"
#include "core/error.h"
#include "core/guest_mem.h"
#include "core/kvm.h"
#include "display/bochs_regs.h"
#include "hw/pci.h"

#include <pthread.h>

#define BOCHS_VENDOR_ID		0x1234
#define BOCHS_DEVICE_ID		0x1111
#define BOCHS_CLASS_DISPLAY	0x038000	/* display controller, other */
#define BOCHS_FB_BAR		0
#define BOCHS_MMIO_BAR		2
/* 1920x1080x32 twice (double buffering) fits; a power of two, as a BAR is. */
#define BOCHS_FB_SIZE		(16ull << 20)

struct bochs_display {
	struct pci_device pci;
	struct guest_mem *gm;
	struct kvm *kvm;
	struct guest_mem_region *fb;
	pthread_mutex_t lock;		/* the registers */
	struct bochs_regs regs;
	uint64_t fb_moves, fb_moves_refused;
};

/*
 * The device with a preferred mode of @width x @height (its EDID); the
 * framebuffer's region is made once the bus gave BAR0 its address.
 */
int bochs_display_init(struct bochs_display *d, struct guest_mem *gm, struct kvm *kvm,
		       unsigned width, unsigned height, struct error *err);
/* After pci_bus_add: the framebuffer's memory slot where BAR0 is. */
int bochs_display_map(struct bochs_display *d, struct error *err);

/* What the guest shows now; from any thread. */
void bochs_display_scanout(struct bochs_display *d, struct display_scanout *s);
/* The framebuffer's bytes (BOCHS_FB_SIZE of them) and where the guest sees them. */
const uint8_t *bochs_display_fb(const struct bochs_display *d);
uint64_t bochs_display_fb_gpa(struct bochs_display *d);

extern const struct device_ops bochs_display_device_ops;

#endif

/*
 * bochs-display on the PCI bus. The framebuffer is guest memory the VMM
 * never copies: the display server reads it through the dirty log, and
 * saved state holds only the registers (the framebuffer's bytes go with
 * the rest of the guest's memory).
 */
#include "display/bochs_display.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void mmio_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct bochs_display *d = opaque;
	uint64_t v;

	pthread_mutex_lock(&d->lock);
	v = bochs_regs_read(&d->regs, off, len);
	pthread_mutex_unlock(&d->lock);
	memcpy(data, &v, len);
}

static void mmio_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct bochs_display *d = opaque;
	uint64_t v = 0;

	memcpy(&v, data, len);
	pthread_mutex_lock(&d->lock);
	bochs_regs_write(&d->regs, off, v, len);
	pthread_mutex_unlock(&d->lock);
}

static const struct io_dev_ops mmio_ops = { mmio_read, mmio_write };

/*
 * The framebuffer BAR's accesses reach here only while its slot is not where
 * the BAR is (a move KVM refused): served from the same memory, slowly.
 */
static void fb_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct bochs_display *d = opaque;

	if (!d->fb || off + len > d->fb->size) {
		memset(data, 0xff, len);
		return;
	}
	memcpy(data, d->fb->hva + off, len);
}

static void fb_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct bochs_display *d = opaque;

	if (!d->fb || off + len > d->fb->size)
		return;
	memcpy(d->fb->hva + off, data, len);
	gm_mark_dirty_hva(d->gm, d->fb->hva + off, len);
}

static const struct io_dev_ops fb_ops = { fb_read, fb_write };

/* The guest placed BAR0 elsewhere: the slot follows it (the bus lock is held). */
static void bar_moved(struct pci_device *pci, unsigned n)
{
	struct bochs_display *d = pci->opaque;
	const struct pci_bar *b = &pci->bars[n];
	struct error err;

	if (n != BOCHS_FB_BAR || !d->fb || !b->mapped || b->addr == d->fb->gpa)
		return;
	/* Onto RAM or another region: counted, not logged (the guest could repeat it). */
	if (guest_mem_move_device(d->gm, d->kvm, d->fb, b->addr, &err)) {
		d->fb_moves_refused++;
		return;
	}
	d->fb_moves++;
	pthread_mutex_lock(&d->lock);
	d->regs.generation++;	/* the log starts afresh: viewers get a whole frame */
	pthread_mutex_unlock(&d->lock);
}

static const struct pci_device_ops pci_ops = { .bar_moved = bar_moved };

int bochs_display_init(struct bochs_display *d, struct guest_mem *gm, struct kvm *kvm,
		       unsigned width, unsigned height, struct error *err)
{
	struct pci_device *p = &d->pci;

	d->gm = gm;
	d->kvm = kvm;
	if (pthread_mutex_init(&d->lock, NULL))
		return error_set(err, ENOMEM, "bochs-display: cannot create its lock");
	bochs_regs_init(&d->regs, BOCHS_FB_SIZE, width, height);
	pci_device_init(p, BOCHS_VENDOR_ID, BOCHS_DEVICE_ID, BOCHS_CLASS_DISPLAY,
			0x1af4, 0x1100);	/* QEMU's subsystem ids, as Linux expects none */
	p->cfg[PCI_REVISION_ID] = 2;
	p->ops = &pci_ops;
	p->opaque = d;
	pci_device_set_bar(p, BOCHS_FB_BAR, PCI_BAR_MEM32, BOCHS_FB_SIZE, &fb_ops, d);
	p->cfg[PCI_BASE_ADDRESS_0] |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	pci_device_set_bar(p, BOCHS_MMIO_BAR, PCI_BAR_MEM32, BOCHS_MMIO_SIZE, &mmio_ops, d);
	return 0;
}

int bochs_display_map(struct bochs_display *d, struct error *err)
{
	uint32_t bar;
	uint64_t gpa;

	memcpy(&bar, d->pci.cfg + PCI_BASE_ADDRESS_0 + 4 * BOCHS_FB_BAR, 4);
	gpa = bar & ~0xfull;
	d->fb = guest_mem_add_device(d->gm, "bochs-display framebuffer", gpa, BOCHS_FB_SIZE);
	if (!d->fb)
		return error_set(err, ENOSPC,
				 "bochs-display: no memory slot for its framebuffer at 0x%llx",
				 (unsigned long long)gpa);
	return kvm_set_memory_region(d->kvm, d->fb, d->fb->size, err);
}

void bochs_display_scanout(struct bochs_display *d, struct display_scanout *s)
{
	pthread_mutex_lock(&d->lock);
	bochs_regs_scanout(&d->regs, s);
	pthread_mutex_unlock(&d->lock);
}

const uint8_t *bochs_display_fb(const struct bochs_display *d)
{
	return d->fb->hva;
}

uint64_t bochs_display_fb_gpa(struct bochs_display *d)
{
	return __atomic_load_n(&d->fb->gpa, __ATOMIC_ACQUIRE);
}

static void dev_reset(void *dev)
{
	struct bochs_display *d = dev;

	pthread_mutex_lock(&d->lock);
	bochs_regs_reset(&d->regs);
	pthread_mutex_unlock(&d->lock);
}

/* Version 1: the DISPI registers and the framebuffer's byte order. */
static int dev_save(void *dev, struct state_writer *w)
{
	struct bochs_display *d = dev;
	unsigned i;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < VBE_DISPI_INDEX_NB; i++)
		state_put_u16(w, d->regs.dispi[i]);
	state_put_bool(w, d->regs.big_endian);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static int dev_restore(void *dev, struct state_reader *r, uint32_t version)
{
	struct bochs_display *d = dev;
	uint16_t dispi[VBE_DISPI_INDEX_NB];
	bool big_endian;
	unsigned i;

	(void)version;
	for (i = 0; i < VBE_DISPI_INDEX_NB; i++)
		dispi[i] = state_get_u16(r);
	big_endian = state_get_bool(r);
	if (!bochs_regs_valid(&d->regs, dispi))
		state_reject(r);
	if (state_reader_done(r))
		return -1;
	pthread_mutex_lock(&d->lock);
	memcpy(d->regs.dispi, dispi, sizeof(dispi));
	d->regs.big_endian = big_endian;
	d->regs.generation++;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static void dev_metrics(void *dev, device_metric_fn emit, void *opaque)
{
	struct bochs_display *d = dev;
	struct display_scanout s;

	bochs_display_scanout(d, &s);
	emit(opaque, "width", s.enabled ? s.width : 0);
	emit(opaque, "height", s.enabled ? s.height : 0);
	emit(opaque, "mode_sets", d->regs.mode_sets);
	emit(opaque, "refused_writes", d->regs.refused);
	emit(opaque, "fb_moves", d->fb_moves);
	emit(opaque, "fb_moves_refused", d->fb_moves_refused);
}

static void dev_destroy(void *dev)
{
	struct bochs_display *d = dev;

	pthread_mutex_destroy(&d->lock);
	free(d);
}

const struct device_ops bochs_display_device_ops = {
	.kind = "bochs-display",
	.state_version = 1,
	.reset = dev_reset,
	.save = dev_save,
	.restore = dev_restore,
	.metrics = dev_metrics,
	.destroy = dev_destroy,
};

#include "machine/intc.h"
#include "core/layout.h"
#include "core/log.h"
#include "iommu/dmar.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

static void kvm_line(void *opaque, unsigned gsi, int level)
{
	struct vm *vm = opaque;

	if (kvm_irq_line(&vm->kvm, gsi, level) < 0)
		pr_debug("KVM_IRQ_LINE %u: %s", gsi, strerror(errno));
}

static void ioapic_line(void *opaque, unsigned gsi, int level)
{
	ioapic_set_irq(opaque, gsi, level);
}

/* Firmware leaves the 8259s initialized and masked; guests route through the IOAPIC. */
static int mask_pics(struct vm *vm)
{
	unsigned chip;

	for (chip = KVM_IRQCHIP_PIC_MASTER; chip <= KVM_IRQCHIP_PIC_SLAVE; chip++) {
		struct kvm_irqchip c = { .chip_id = chip };

		if (ioctl(vm->kvm.vm_fd, KVM_GET_IRQCHIP, &c) < 0)
			return -1;
		c.chip.pic.imr = 0xff;
		c.chip.pic.irq_base = chip == KVM_IRQCHIP_PIC_MASTER ? 0x20 : 0x28;
		c.chip.pic.init_state = 0;
		if (ioctl(vm->kvm.vm_fd, KVM_SET_IRQCHIP, &c) < 0)
			return -1;
	}
	return 0;
}

static int remap(void *opaque, uint16_t sid, uint64_t *addr, uint32_t *data, bool record)
{
	struct intc *ic = opaque;
	struct vtd_msi_msg out;

	if (vtd_remap_msi(ic->vtd, sid, *addr, *data, &out, record))
		return -1;
	*addr = out.addr;
	*data = out.data;
	return 0;
}

static void ioapic_send(void *opaque, uint64_t addr, uint32_t data)
{
	struct intc *ic = opaque;

	if (ic->vtd && remap(ic, DMAR_IOAPIC_SID, &addr, &data, true))
		return;
	if (kvm_signal_msi(&ic->vm->kvm, addr, data) < 0)
		pr_debug("KVM_SIGNAL_MSI from the IOAPIC: %s", strerror(errno));
}

/* KVM learns which vectors are level-triggered IOAPIC ones from these routes. */
static void ioapic_route(void *opaque, unsigned pin, uint64_t addr, uint32_t data)
{
	struct intc *ic = opaque;

	if (!ic->routes)
		return;
	if (ic->vtd && remap(ic, DMAR_IOAPIC_SID, &addr, &data, false))
		addr = data = 0;	/* blocked: no vector to watch */
	irq_routes_set_msi(ic->routes, pin, addr, data);
}

static void ioapic_eoi_exit(void *opaque, uint8_t vector)
{
	ioapic_eoi(opaque, vector);
}

int intc_create(struct intc *ic, struct vm *vm, bool split, uint8_t ioapic_id)
{
	struct ioapic_msi_sink sink = { ioapic_send, ioapic_route, ic };

	memset(ic, 0, sizeof(*ic));
	ic->vm = vm;
	if (!split)
		return kvm_create_irqchip(&vm->kvm) || mask_pics(vm) ? -1 : 0;
	if (kvm_create_split_irqchip(&vm->kvm, IOAPIC_PINS))
		return -1;
	ic->ioapic = calloc(1, sizeof(*ic->ioapic));
	if (!ic->ioapic)
		return -1;
	ioapic_init(ic->ioapic, ioapic_id, &sink);
	if (ioapic_attach(ic->ioapic, &vm->mmio, IOAPIC_ADDR)) {
		pr_err("the IOAPIC's registers overlap another device");
		return -1;
	}
	vm->ioapic_eoi = ioapic_eoi_exit;
	vm->ioapic_opaque = ic->ioapic;
	return 0;
}

void intc_connect(struct intc *ic, struct irq_routes *routes, struct vtd *vtd)
{
	ic->routes = routes;
	ic->vtd = vtd;
	ic->remapper = (struct msi_remapper){ remap, ic };
}

void intc_destroy(struct intc *ic)
{
	free(ic->ioapic);
	ic->ioapic = NULL;
}

struct irq_line intc_line(struct intc *ic, unsigned gsi)
{
	if (ic->ioapic)
		return (struct irq_line){ ioapic_line, ic->ioapic, gsi };
	return (struct irq_line){ kvm_line, ic->vm, gsi };
}

const struct msi_remapper *intc_remapper(struct intc *ic)
{
	return ic->vtd ? &ic->remapper : NULL;
}

void intc_refresh(struct intc *ic)
{
	if (ic->ioapic)
		ioapic_refresh_routes(ic->ioapic);
}

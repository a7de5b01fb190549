/*
 * The machine's interrupt controllers. Without an IOMMU: KVM's in-kernel
 * irqchip (PIC, IOAPIC, local APICs). With one: KVM's split irqchip, the
 * IOAPIC in the VMM, and every interrupt message through VT-d's interrupt
 * remapping — the in-kernel IOAPIC cannot read remappable-format entries.
 */
#ifndef VESSEL_MACHINE_INTC_H
#define VESSEL_MACHINE_INTC_H

#include "core/irq_routes.h"
#include "core/vm.h"
#include "hw/ioapic.h"
#include "hw/irq.h"
#include "iommu/vtd.h"
#include "machine/msi.h"

struct intc {
	struct vm *vm;
	struct ioapic *ioapic;		/* NULL: the IOAPIC is KVM's */
	struct irq_routes *routes;
	struct vtd *vtd;		/* NULL: no interrupt remapping */
	struct msi_remapper remapper;
};

/* Before any vCPU exists. @split: the VMM's IOAPIC (for interrupt remapping). */
int intc_create(struct intc *ic, struct vm *vm, bool split, uint8_t ioapic_id);
/* Once the GSI routes and the remapping unit exist (@vtd may be NULL). */
void intc_connect(struct intc *ic, struct irq_routes *routes, struct vtd *vtd);
void intc_destroy(struct intc *ic);

/* The line a device raises for GSI @gsi. */
struct irq_line intc_line(struct intc *ic, unsigned gsi);
/* How device MSIs are remapped, or NULL. */
const struct msi_remapper *intc_remapper(struct intc *ic);
/* The remapping tables changed: the IOAPIC's messages are looked up again. */
void intc_refresh(struct intc *ic);

#endif

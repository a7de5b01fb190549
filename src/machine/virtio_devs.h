/*
 * The paravirtual devices a VM gets from its command line, plugged into the
 * PCI bus with MSI-X vectors routed through KVM and doorbells on ioeventfds.
 */
#ifndef VESSEL_MACHINE_VIRTIO_DEVS_H
#define VESSEL_MACHINE_VIRTIO_DEVS_H

#include "core/vm.h"
#include "hw/pci.h"
#include "machine/machine.h"
#include "machine/msi.h"
#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/rng.h"

struct virtio_devs {
	struct vm *vm;
	struct pci_bus *pci;
	struct irq_routes *routes;
	struct irq_line intx;		/* INTx template: the bus sets the GSI */
	const struct dma_translator *iommu;	/* NULL: devices address guest RAM directly */
	const struct msi_remapper *remap;	/* NULL: no interrupt remapping */
	struct virtio_rng *rng;
	struct virtio_console *console;
	struct virtio_blk *blk[MACHINE_MAX_DISKS];
	unsigned nr_blk;
	struct msi_vectors msi[MACHINE_MAX_DISKS + 2];
	unsigned nr_msi;
};

/* @out: where a virtio console's output goes. */
int virtio_devs_build(struct virtio_devs *vs, const struct machine_config *cfg, struct vm *vm,
		      struct pci_bus *pci, struct irq_routes *routes, const struct irq_line *intx,
		      const struct dma_translator *iommu, const struct msi_remapper *remap,
		      const struct virtio_console_sink *out);
void virtio_devs_destroy(struct virtio_devs *vs);
/* Interrupt remapping changed: every device's messages are looked up again. */
void virtio_devs_refresh_msi(struct virtio_devs *vs);

#endif

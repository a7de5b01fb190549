/* MSI-X vectors of one device, delivered through KVM routes and irqfds. */
#ifndef VESSEL_MACHINE_MSI_H
#define VESSEL_MACHINE_MSI_H

#include "core/irq_routes.h"
#include "hw/msix.h"

#define MSI_MAX_VECTORS 16

struct msi_vectors {
	struct irq_routes *routes;
	unsigned nr;
	uint32_t gsi[MSI_MAX_VECTORS];
	int efd[MSI_MAX_VECTORS];
};

/* Allocate @nr routed vectors and fill @sink to drive them. */
int msi_vectors_init(struct msi_vectors *mv, struct irq_routes *routes, unsigned nr,
		     struct msix_sink *sink);
void msi_vectors_destroy(struct msi_vectors *mv);

#endif

/* MSI-X vectors of one device, delivered through KVM routes and irqfds. */
#ifndef VESSEL_MACHINE_MSI_H
#define VESSEL_MACHINE_MSI_H

#include "core/irq_routes.h"
#include "hw/msix.h"

#include <stdbool.h>

#define MSI_MAX_VECTORS 16

/* Interrupt remapping between a device's messages and KVM (an IOMMU's). */
struct msi_remapper {
	/* Rewrite the message; -1 if blocked. @record logs the fault (at delivery). */
	int (*remap)(void *opaque, uint16_t sid, uint64_t *addr, uint32_t *data, bool record);
	void *opaque;
};

struct msi_vectors {
	struct irq_routes *routes;
	unsigned nr;
	uint32_t gsi[MSI_MAX_VECTORS];
	int efd[MSI_MAX_VECTORS];
	const struct msi_remapper *remap;	/* NULL: messages go to KVM as written */
	uint16_t sid;				/* the device's requester id */
	uint64_t addr[MSI_MAX_VECTORS];		/* as the device wrote them */
	uint32_t data[MSI_MAX_VECTORS];
	bool blocked[MSI_MAX_VECTORS];
};

/* Allocate @nr routed vectors and fill @sink to drive them. */
int msi_vectors_init(struct msi_vectors *mv, struct irq_routes *routes, unsigned nr,
		     struct msix_sink *sink);
void msi_vectors_destroy(struct msi_vectors *mv);

/* Remap the device's messages from now on; @sid is its bus/device/function. */
void msi_vectors_set_remap(struct msi_vectors *mv, const struct msi_remapper *remap, uint16_t sid);
/* Look every message up again (the remapping tables changed). */
void msi_vectors_refresh(struct msi_vectors *mv);

#endif

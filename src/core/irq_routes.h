/*
 * KVM's GSI routing table, kept whole in the VMM because KVM_SET_GSI_ROUTING
 * replaces it whole: the in-kernel irqchip pins first, then one MSI route per
 * vector a device registers, each fed by an irqfd.
 */
#ifndef VESSEL_CORE_IRQ_ROUTES_H
#define VESSEL_CORE_IRQ_ROUTES_H

#include "core/kvm.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct kvm_irq_routing_entry;

struct irq_routes {
	pthread_mutex_t lock;
	struct kvm *kvm;
	struct kvm_irq_routing_entry *entries;
	unsigned nr, cap;
	uint32_t next_gsi;
	bool held;		/* changes wait for irq_routes_release */
	bool dirty;		/* KVM's table is behind this one */
};

int irq_routes_init(struct irq_routes *r, struct kvm *kvm, bool split);
void irq_routes_destroy(struct irq_routes *r);

/* A new MSI route (address 0, data 0 until set) and an eventfd that raises it. */
int irq_routes_add_msi(struct irq_routes *r, uint32_t *gsi, int *efd);
int irq_routes_set_msi(struct irq_routes *r, uint32_t gsi, uint64_t addr, uint32_t data);

/*
 * Each KVM_SET_GSI_ROUTING replaces the whole table and waits for KVM's
 * readers (1-5 ms measured here): while held, changes only mark the table
 * dirty, and release gives KVM the table once. A machine holds its routes
 * from creation until its vCPUs start, so that building the devices and
 * restoring their records cost one commit, not one per vector and pin.
 */
void irq_routes_hold(struct irq_routes *r);
int irq_routes_release(struct irq_routes *r);
/* Before an interrupt goes out through an irqfd: KVM must have its route. */
int irq_routes_sync(struct irq_routes *r);

#endif

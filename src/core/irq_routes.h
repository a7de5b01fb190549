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
	bool held, changed;	/* commits deferred to irq_routes_release */
};

int irq_routes_init(struct irq_routes *r, struct kvm *kvm, bool split);
void irq_routes_destroy(struct irq_routes *r);

/* A new MSI route (address 0, data 0 until set) and an eventfd that raises it. */
int irq_routes_add_msi(struct irq_routes *r, uint32_t *gsi, int *efd);
int irq_routes_set_msi(struct irq_routes *r, uint32_t gsi, uint64_t addr, uint32_t data);

/*
 * Many changes at once (a restore sets every route): held, they reach KVM in
 * one KVM_SET_GSI_ROUTING at the release, not one each (each waits for an
 * SRCU grace period in the kernel, milliseconds on a busy host).
 */
void irq_routes_hold(struct irq_routes *r);
int irq_routes_release(struct irq_routes *r);

#endif

#include "core/irq_routes.h"
#include "core/log.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define IOAPIC_PINS	24
#define PIC_PINS	16

static struct kvm_irq_routing_entry *grow(struct irq_routes *r)
{
	struct kvm_irq_routing_entry *e;

	if (r->nr == r->cap) {
		unsigned cap = r->cap ? r->cap * 2 : 64;

		e = realloc(r->entries, cap * sizeof(*e));
		if (!e)
			return NULL;
		r->entries = e;
		r->cap = cap;
	}
	e = &r->entries[r->nr++];
	memset(e, 0, sizeof(*e));
	return e;
}

static int commit_now(struct irq_routes *r)
{
	struct kvm_irq_routing *table;
	size_t size = sizeof(*table) + r->nr * sizeof(r->entries[0]);
	int ret;

	table = calloc(1, size);
	if (!table)
		return -1;
	table->nr = r->nr;
	memcpy(table->entries, r->entries, r->nr * sizeof(r->entries[0]));
	ret = ioctl(r->kvm->vm_fd, KVM_SET_GSI_ROUTING, table);
	if (ret < 0)
		pr_err("KVM_SET_GSI_ROUTING: %s", strerror(errno));
	free(table);
	if (ret < 0)
		return -1;
	__atomic_store_n(&r->dirty, false, __ATOMIC_RELEASE);
	return 0;
}

/* The lock held. */
static int commit(struct irq_routes *r)
{
	if (!r->held)
		return commit_now(r);
	__atomic_store_n(&r->dirty, true, __ATOMIC_RELEASE);
	return 0;
}

void irq_routes_hold(struct irq_routes *r)
{
	pthread_mutex_lock(&r->lock);
	r->held = true;
	pthread_mutex_unlock(&r->lock);
}

int irq_routes_release(struct irq_routes *r)
{
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	r->held = false;
	if (r->dirty)
		ret = commit_now(r);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_routes_sync(struct irq_routes *r)
{
	int ret = 0;

	if (!__atomic_load_n(&r->dirty, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&r->lock);
	if (r->dirty)
		ret = commit_now(r);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

/*
 * The routes KVM sets up by default: GSI n to IOAPIC pin n, and to the PICs
 * below 16. With a split irqchip the pins are MSI routes instead, mirroring
 * the VMM's IOAPIC, so that KVM knows which vectors need EOI exits.
 */
int irq_routes_init(struct irq_routes *r, struct kvm *kvm, bool split)
{
	uint32_t gsi;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->kvm = kvm;
	r->next_gsi = IOAPIC_PINS;
	for (gsi = 0; gsi < IOAPIC_PINS; gsi++) {
		struct kvm_irq_routing_entry *e = grow(r);

		if (!e)
			return -1;
		if (split) {
			e->gsi = gsi;
			e->type = KVM_IRQ_ROUTING_MSI;
			continue;
		}
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e->u.irqchip.pin = gsi;
		if (gsi >= PIC_PINS)
			continue;
		e = grow(r);
		if (!e)
			return -1;
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
		e->u.irqchip.pin = gsi % 8;
	}
	return 0;
}

void irq_routes_destroy(struct irq_routes *r)
{
	free(r->entries);
	r->entries = NULL;
	r->nr = r->cap = 0;
	pthread_mutex_destroy(&r->lock);
}

int irq_routes_add_msi(struct irq_routes *r, uint32_t *gsi, int *efd)
{
	struct kvm_irqfd irqfd = { 0 };
	struct kvm_irq_routing_entry *e;
	int ret = -1;

	*efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (*efd < 0) {
		pr_err("eventfd: %s", strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&r->lock);
	e = grow(r);
	if (!e)
		goto out;
	e->gsi = r->next_gsi++;
	e->type = KVM_IRQ_ROUTING_MSI;
	if (commit(r))
		goto out;
	irqfd.fd = (uint32_t)*efd;
	irqfd.gsi = e->gsi;
	if (ioctl(r->kvm->vm_fd, KVM_IRQFD, &irqfd) < 0) {
		pr_err("KVM_IRQFD: %s", strerror(errno));
		goto out;
	}
	*gsi = e->gsi;
	ret = 0;
out:
	pthread_mutex_unlock(&r->lock);
	if (ret) {
		close(*efd);
		*efd = -1;
	}
	return ret;
}

int irq_routes_set_msi(struct irq_routes *r, uint32_t gsi, uint64_t addr, uint32_t data)
{
	unsigned i;
	int ret = -1;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->nr; i++) {
		struct kvm_irq_routing_entry *e = &r->entries[i];

		if (e->gsi != gsi || e->type != KVM_IRQ_ROUTING_MSI)
			continue;
		if (e->u.msi.address_lo == (uint32_t)addr &&
		    e->u.msi.address_hi == (uint32_t)(addr >> 32) && e->u.msi.data == data) {
			ret = 0;
			break;
		}
		e->u.msi.address_lo = (uint32_t)addr;
		e->u.msi.address_hi = (uint32_t)(addr >> 32);
		e->u.msi.data = data;
		ret = commit(r);
		break;
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

/*
 * An I/O APIC (82093AA, version 0x20 with the EOI register) in the VMM, for
 * KVM's split irqchip: each pin's redirection entry becomes an MSI message,
 * in compatibility or remappable format, that the machine delivers (through
 * the IOMMU's interrupt remapping when there is one).
 */
#ifndef VESSEL_HW_IOAPIC_H
#define VESSEL_HW_IOAPIC_H

#include "core/device.h"
#include "core/io_bus.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_PINS		24
#define IOAPIC_MMIO_SIZE	0x100

struct ioapic_msi_sink {
	/* Deliver the message a pin's entry makes. */
	void (*send)(void *opaque, uint64_t addr, uint32_t data);
	/* Pin @pin's entry now makes this message (KVM mirrors it for EOI exits). */
	void (*route)(void *opaque, unsigned pin, uint64_t addr, uint32_t data);
	void *opaque;
};

struct ioapic {
	pthread_mutex_t lock;
	uint8_t id;
	uint8_t reset_id;		/* the id the machine gave it */
	uint32_t regsel;
	uint64_t rte[IOAPIC_PINS];
	bool line[IOAPIC_PINS];
	struct ioapic_msi_sink sink;
};

void ioapic_init(struct ioapic *io, uint8_t id, const struct ioapic_msi_sink *sink);
int ioapic_attach(struct ioapic *io, struct io_bus *mmio, uint64_t addr);

/* A device drives pin @pin to @level (1: asserted). */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);
/* A CPU ended a level-triggered interrupt with @vector (KVM_EXIT_IOAPIC_EOI). */
void ioapic_eoi(struct ioapic *io, uint8_t vector);
/* Recompute every pin's message, after an interrupt-remapping change. */
void ioapic_refresh_routes(struct ioapic *io);

/*
 * Its registry hooks (the device is the struct ioapic, the machine's to
 * free): reset, and a record (version 1) of the id, IOREGSEL, every
 * redirection entry and the pins' levels.
 */
extern const struct device_ops ioapic_device_ops;

#endif

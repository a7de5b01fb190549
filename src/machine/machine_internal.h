/* The parts of one machine, shared by the files of machine/ and nobody else. */
#ifndef VESSEL_MACHINE_MACHINE_INTERNAL_H
#define VESSEL_MACHINE_MACHINE_INTERNAL_H

#include "boot/boot.h"
#include "core/event_loop.h"
#include "core/input.h"
#include "core/state.h"
#include "core/vcpu_regs.h"
#include "core/vm.h"
#include "hw/acpi_pm.h"
#include "hw/pci.h"
#include "hw/pvpanic.h"
#include "iommu/dmar.h"
#include "iommu/vtd.h"
#include "machine/console.h"
#include "machine/intc.h"
#include "machine/machine.h"
#include "machine/msi.h"
#include "machine/registry.h"

#include <pthread.h>
#include <stdint.h>

struct uart16550;

struct virtio_console;

struct machine {
	const struct machine_config *cfg;	/* the creator's, for the machine's whole life */
	enum machine_state state;
	struct vm vm;
	struct event_loop *loop;	/* the thread that waits on the machine runs it */
	struct event_watch *exit_watch;
	struct console console;
	bool console_ready;
	struct registry devices;
	struct input_router input;	/* the input devices register here at realize */
	struct mem_layout layout;
	struct e820_entry e820[E820_MAX];
	unsigned e820_entries;
	struct uart16550 *uart;		/* host input goes to one of these two */
	struct virtio_console *hvc;
	struct bochs_display *display;
	struct acpi_pm pm;
	struct pvpanic pvpanic;
	struct pci_bus pci;
	bool pci_ready;
	struct irq_routes routes;
	bool routes_ready;
	struct intc intc;
	struct vtd *vtd;
	struct dma_translator vtd_xlate;
	/* Each PCI device's MSI-X vectors, freed once the devices are gone. */
	struct msi_vectors *msi[REGISTRY_MAX_DEVICES];
	unsigned nr_msi;
	uint8_t dmar[DMAR_TABLE_LEN];
	uint8_t mcfg[PCI_MCFG_LEN];
	const uint8_t *kernel;
	size_t kernel_size;
	bool kernel_mapped;
	char *cmdline;
	uint64_t started_ns;
	/* Serializes state changes (pause, resume, stop) from any thread. */
	pthread_mutex_t lock;
	const struct machine_observer *observer;
	/* Every vCPU's and KVM's interrupt controllers' and PIT's state at power-on (reset.c). */
	struct state_writer power_on;
};

/* Tell the observer, if any, of @ev. */
void machine_notify(struct machine *m, enum machine_event ev, int status);

/* The firmware's part: ACPI tables, the kernel in RAM, vCPU 0 at its entry. */
int machine_boot(struct machine *m, bool ram_fresh, struct error *err);
/* Keep the power-on state of the vCPUs and of KVM's devices, before the boot sets vCPU 0's. */
int machine_save_reset_state(struct machine *m, struct error *err);

/*
 * KVM's in-kernel PIC, IOAPIC (unless the irqchip is split) and PIT (with
 * --pit), as machine_state_save's record has them (machine_state.c).
 */
int machine_chips_save(struct machine *m, struct state_writer *w, struct error *err);
int machine_chips_load(struct machine *m, struct state_reader *r, struct error *err);

/* Create every device the configuration asks for, in the registry (devices.c). */
int machine_realize_devices(struct machine *m, struct error *err);

#endif

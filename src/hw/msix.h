/*
 * MSI-X (PCI Local Bus 3.0, 6.8.2): the capability, the vector table and the
 * pending-bit array, with per-vector and function masking. Delivery and route
 * updates go through callbacks (KVM irqfd and GSI routing in a VM).
 */
#ifndef VESSEL_HW_MSIX_H
#define VESSEL_HW_MSIX_H

#include "core/io_bus.h"
#include "core/state.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define MSIX_ENTRY_SIZE		16
#define MSIX_MAX_VECTORS	2048

struct pci_device;

struct msix_sink {
	/* The guest changed vector @v's message; future deliveries use it. */
	void (*route)(void *opaque, unsigned v, uint64_t addr, uint32_t data);
	/* Deliver vector @v now. */
	void (*fire)(void *opaque, unsigned v);
	void *opaque;
};

struct msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct msix {
	pthread_mutex_t lock;
	struct pci_device *dev;
	unsigned cap;			/* capability offset in config space */
	unsigned nr;
	struct msix_entry *table;
	uint64_t *pba;
	struct msix_sink sink;
	bool enabled, function_mask;
};

/*
 * Add the capability to @dev with @nr vectors, the table at @table_off and
 * the PBA at @pba_off of BAR @bar. The BAR's accesses in those ranges go to
 * msix_table_read/write.
 */
int msix_init(struct msix *m, struct pci_device *dev, unsigned nr, unsigned bar,
	      uint32_t table_off, uint32_t pba_off, const struct msix_sink *sink);
void msix_destroy(struct msix *m);

/* Config space was written: the control word may have changed. */
void msix_config_written(struct msix *m);

/* Accesses to the table (@off from the table start) and to the PBA. */
void msix_table_read(struct msix *m, uint64_t off, void *data, unsigned len);
void msix_table_write(struct msix *m, uint64_t off, const void *data, unsigned len);
void msix_pba_read(struct msix *m, uint64_t off, void *data, unsigned len);

/* Raise vector @v: delivered, or left pending while masked. False if MSI-X is off. */
bool msix_notify(struct msix *m, unsigned v);

bool msix_enabled(struct msix *m);

/*
 * The vector table and the PBA in a saved record (version 1: each entry's
 * address, data and control words, then the pending bits). Load checks the
 * record against this function's vector count and reserved bits, apply
 * installs it (the enable and mask bits come from config space, applied
 * first) and routes every vector anew. A load that fails frees what it took.
 */
struct msix_saved {
	struct msix_entry *table;
	uint64_t *pba;
};

void msix_save(struct msix *m, struct state_writer *w);
int msix_load(struct msix *m, struct state_reader *r, struct msix_saved *s);
void msix_apply(struct msix *m, struct msix_saved *s);
void msix_saved_free(struct msix_saved *s);

#endif

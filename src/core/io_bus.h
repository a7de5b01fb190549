/*
 * An address space of device registers (the PIO ports or the MMIO space):
 * guest accesses are dispatched to the device that claims the address.
 */
#ifndef VESSEL_CORE_IO_BUS_H
#define VESSEL_CORE_IO_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct io_dev_ops {
	/* @off is relative to the registered base; @len is 1, 2, 4 or 8. */
	void (*read)(void *opaque, uint64_t off, void *data, unsigned len);
	void (*write)(void *opaque, uint64_t off, const void *data, unsigned len);
};

struct io_range {
	uint64_t base;
	uint64_t len;
	const struct io_dev_ops *ops;
	void *opaque;
};

struct io_bus {
	pthread_rwlock_t lock;
	struct io_range *ranges;	/* sorted by base, never overlapping */
	unsigned nr, cap;
};

void io_bus_init(struct io_bus *bus);
void io_bus_destroy(struct io_bus *bus);

/* Returns 0, or -1 if the range overlaps one already registered. */
int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		    const struct io_dev_ops *ops, void *opaque);
int io_bus_unregister(struct io_bus *bus, uint64_t base);

/*
 * Dispatch one access. Returns false when nothing claims the address: reads
 * then see all ones, as on a bus with no device answering.
 */
bool io_bus_access(struct io_bus *bus, uint64_t addr, void *data, unsigned len,
		   bool is_write);

#endif

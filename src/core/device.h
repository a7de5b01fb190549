/*
 * What the machine may ask of any device, through its registry: each device
 * keeps these hooks beside its own code, and the machine (assembly, reset,
 * pause, snapshots, teardown) never learns a device's internals. Every hook
 * is optional.
 */
#ifndef VESSEL_CORE_DEVICE_H
#define VESSEL_CORE_DEVICE_H

#include "core/state.h"

#include <stdbool.h>
#include <stdint.h>

struct aml;

/* One counter a device keeps, by name ("rx_packets"), reported as it stands. */
typedef void (*device_metric_fn)(void *opaque, const char *name, uint64_t value);

struct device_ops {
	const char *kind;		/* names the device's saved records: "uart16550" */
	bool stateless;			/* nothing to save: no record, no save hook needed */
	uint32_t state_version;		/* of what save writes; restore takes 1 up to this */
	/* Back to the state at power-on (a guest reset, a restore's first step). */
	void (*reset)(void *dev);
	/* No guest-visible progress and no DMA until resume; in-flight work finished. */
	void (*pause)(void *dev);
	int (*resume)(void *dev);
	/* The device's state, while paused; restore gets what save wrote, of @version. */
	int (*save)(void *dev, struct state_writer *w);
	int (*restore)(void *dev, struct state_reader *r, uint32_t version);
	/* Its entry in the DSDT's \_SB scope. */
	void (*acpi)(void *dev, struct aml *a);
	/* Each counter the device keeps, from any thread (counters are read racily, never torn). */
	void (*metrics)(void *dev, device_metric_fn emit, void *opaque);
	void (*destroy)(void *dev);
};

#endif

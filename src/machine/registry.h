/*
 * The machine's devices, each with its hooks (core/device.h): the one list
 * the machine walks to reset, pause, save, describe in ACPI and tear down.
 * Devices are kept in the order they were realized; teardown and resume
 * run in reverse.
 */
#ifndef VESSEL_MACHINE_REGISTRY_H
#define VESSEL_MACHINE_REGISTRY_H

#include "core/device.h"
#include "core/error.h"
#include "core/state.h"

#define REGISTRY_MAX_DEVICES	64
#define DEVICE_NAME_MAX		32

struct aml;

struct device_entry {
	const struct device_ops *ops;
	void *dev;
	char name[DEVICE_NAME_MAX];	/* kind and instance: "virtio-blk.1" */
	unsigned instance;		/* among the devices of its kind, from 0 */
};

struct registry {
	struct device_entry devs[REGISTRY_MAX_DEVICES];
	unsigned nr;
};

void registry_init(struct registry *reg);
/* Take @dev; on failure (the registry is full) it is destroyed at once. */
int registry_add(struct registry *reg, const struct device_ops *ops, void *dev,
		 struct error *err);
/* The first device of @kind with @instance, or NULL. */
struct device_entry *registry_find(struct registry *reg, const char *kind, unsigned instance);

void registry_reset(struct registry *reg);
void registry_pause(struct registry *reg);
int registry_resume(struct registry *reg, struct error *err);
void registry_acpi(struct registry *reg, struct aml *a);
/* For each device with counters: @begin with its name ("virtio-net.0"), then each counter. */
void registry_metrics(struct registry *reg, void (*begin)(void *opaque, const char *name),
		      device_metric_fn emit, void *opaque);
/* Destroy every device, the last realized first. */
void registry_destroy(struct registry *reg);

/*
 * Every device's state as records (kind, instance, version, length, bytes),
 * the machine paused. A device with state but no save hook makes the whole
 * save fail: a snapshot that silently lost a device would not be one.
 */
int registry_save(struct registry *reg, struct state_writer *w, struct error *err);
/* Records back into the devices; each device with state must get exactly one. */
int registry_restore(struct registry *reg, struct state_reader *r, struct error *err);

#endif

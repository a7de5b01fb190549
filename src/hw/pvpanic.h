/* The pvpanic device (QEMU's ACPI id QEMU0001): the guest reports a panic. */
#ifndef VESSEL_HW_PVPANIC_H
#define VESSEL_HW_PVPANIC_H

#include "core/device.h"

#include <stdint.h>

#define PVPANIC_PORT		0x505
#define PVPANIC_PANICKED	0x01
#define PVPANIC_CRASH_LOADED	0x02

struct aml;
struct io_bus;

struct pvpanic {
	void (*panicked)(void *opaque, uint8_t events);
	void *opaque;
};

int pvpanic_attach(struct pvpanic *p, struct io_bus *pio);
/* Its registry hooks: its DSDT entry (PEVT, QEMU0001). */
extern const struct device_ops pvpanic_device_ops;

#endif

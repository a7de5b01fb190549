/*
 * The hardware-reduced ACPI sleep and reset registers (ACPI 6.4, 4.8.3.7
 * and 4.8.3.6): soft-off and reset requests from the guest.
 */
#ifndef VESSEL_HW_ACPI_PM_H
#define VESSEL_HW_ACPI_PM_H

#include "core/device.h"

#include <stdint.h>

#define ACPI_PM_PORT		0x600
#define ACPI_SLEEP_CONTROL_PORT	(ACPI_PM_PORT + 0)
#define ACPI_SLEEP_STATUS_PORT	(ACPI_PM_PORT + 1)
#define ACPI_RESET_PORT		(ACPI_PM_PORT + 2)
#define ACPI_RESET_VALUE	0x01
#define ACPI_S5_SLP_TYP		5

struct io_bus;

enum acpi_pm_event { ACPI_PM_POWEROFF, ACPI_PM_RESET };

struct acpi_pm {
	void (*event)(void *opaque, enum acpi_pm_event ev);
	void *opaque;
};

int acpi_pm_attach(struct acpi_pm *pm, struct io_bus *pio);
void acpi_pm_write(struct acpi_pm *pm, uint16_t port, uint8_t val);

/* Its registry hooks: none but its name; ACPI describes it in the FADT. */
extern const struct device_ops acpi_pm_device_ops;

#endif

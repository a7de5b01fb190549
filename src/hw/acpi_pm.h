/*
 * The hardware-reduced ACPI sleep and reset registers (ACPI 6.4, 4.8.3.7
 * and 4.8.3.6): soft-off and reset requests from the guest; and the power
 * button, which hardware-reduced ACPI signals through a Generic Event
 * Device (5.6.9): an interrupt whose _EVT method reads the event register
 * and notifies the control-method power button (4.8.2.2.1.2).
 */
#ifndef VESSEL_HW_ACPI_PM_H
#define VESSEL_HW_ACPI_PM_H

#include "core/device.h"
#include "hw/irq.h"

#include <pthread.h>
#include <stdint.h>

#define ACPI_PM_PORT		0x600
#define ACPI_SLEEP_CONTROL_PORT	(ACPI_PM_PORT + 0)
#define ACPI_SLEEP_STATUS_PORT	(ACPI_PM_PORT + 1)
#define ACPI_RESET_PORT		(ACPI_PM_PORT + 2)
#define ACPI_GED_EVENT_PORT	(ACPI_PM_PORT + 3)	/* read: the pending events, cleared */
#define ACPI_PM_PORTS		4
#define ACPI_RESET_VALUE	0x01
#define ACPI_S5_SLP_TYP		5
#define ACPI_GED_GSI		9	/* the line PC firmware gives the SCI */
#define ACPI_GED_PWRBTN		0x01	/* event bit: the power button was pressed */

struct io_bus;

enum acpi_pm_event { ACPI_PM_POWEROFF, ACPI_PM_RESET };

struct acpi_pm {
	void (*event)(void *opaque, enum acpi_pm_event ev);
	void *opaque;
	struct irq_line ged_irq;	/* level-triggered, high while events are pending */
	pthread_mutex_t lock;		/* the host presses, a vCPU reads */
	uint8_t ged_pending;
};

/* @ged_irq: the GED's interrupt line (ACPI_GED_GSI). */
int acpi_pm_init(struct acpi_pm *pm, const struct irq_line *ged_irq);
int acpi_pm_attach(struct acpi_pm *pm, struct io_bus *pio);
void acpi_pm_write(struct acpi_pm *pm, uint16_t port, uint8_t val);
uint8_t acpi_pm_read(struct acpi_pm *pm, uint16_t port);
/* Press the power button, from any thread: the guest's OS decides what follows. */
void acpi_pm_power_button(struct acpi_pm *pm);

/* Its registry hooks: pending events are its state; its GED and button go in the DSDT. */
extern const struct device_ops acpi_pm_device_ops;

#endif

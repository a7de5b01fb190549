#include "hw/acpi_pm.h"
#include "core/io_bus.h"

#include <string.h>

#define SLP_EN		0x20
#define SLP_TYP(v)	(((v) >> 2) & 7)

void acpi_pm_write(struct acpi_pm *pm, uint16_t port, uint8_t val)
{
	if (port == ACPI_SLEEP_CONTROL_PORT && (val & SLP_EN) &&
	    SLP_TYP(val) == ACPI_S5_SLP_TYP)
		pm->event(pm->opaque, ACPI_PM_POWEROFF);
	else if (port == ACPI_RESET_PORT && val == ACPI_RESET_VALUE)
		pm->event(pm->opaque, ACPI_PM_RESET);
}

static void pm_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	(void)opaque;
	(void)off;
	memset(data, 0, len);	/* sleep status: no wake event */
}

static void pm_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	(void)len;
	acpi_pm_write(opaque, (uint16_t)(ACPI_PM_PORT + off), *(const uint8_t *)data);
}

static const struct io_dev_ops acpi_pm_ops = {
	.read = pm_read,
	.write = pm_write,
};

int acpi_pm_attach(struct acpi_pm *pm, struct io_bus *pio)
{
	return io_bus_register(pio, ACPI_PM_PORT, 3, &acpi_pm_ops, pm);
}

/* The registers only pass requests on: nothing to reset or save. */
const struct device_ops acpi_pm_device_ops = {
	.kind = "acpi-pm",
	.stateless = true,
};

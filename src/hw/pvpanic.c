#include "hw/pvpanic.h"
#include "acpi/aml.h"
#include "core/io_bus.h"

#include <string.h>

static void pv_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	(void)opaque;
	(void)off;
	memset(data, 0, len);
	/* The events this device understands. */
	*(uint8_t *)data = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
}

static void pv_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct pvpanic *p = opaque;
	uint8_t ev = *(const uint8_t *)data;

	(void)off;
	(void)len;
	if (ev & (PVPANIC_PANICKED | PVPANIC_CRASH_LOADED))
		p->panicked(p->opaque, ev);
}

static const struct io_dev_ops pvpanic_ops = {
	.read = pv_read,
	.write = pv_write,
};

int pvpanic_attach(struct pvpanic *p, struct io_bus *pio)
{
	return io_bus_register(pio, PVPANIC_PORT, 1, &pvpanic_ops, p);
}

static void pvpanic_acpi(void *dev, struct aml *a)
{
	const struct aml_io_range io = { PVPANIC_PORT, 1 };

	(void)dev;
	aml_fixed_device(a, "PEVT", "QEMU0001", -1, &io, 1, -1);
}

/* Stateless: nothing to reset or save. */
const struct device_ops pvpanic_device_ops = {
	.kind = "pvpanic",
	.stateless = true,
	.acpi = pvpanic_acpi,
};

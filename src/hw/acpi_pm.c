#include "hw/acpi_pm.h"
#include "acpi/aml.h"
#include "core/io_bus.h"

#include <string.h>

#define SLP_EN		0x20
#define SLP_TYP(v)	(((v) >> 2) & 7)
#define NOTIFY_STATUS_CHANGE	0x80	/* a power button's "pressed" (ACPI 6.4, 5.6.6) */
#define PM_STATE_VERSION	1

int acpi_pm_init(struct acpi_pm *pm, const struct irq_line *ged_irq)
{
	pm->ged_irq = *ged_irq;
	pm->ged_pending = 0;
	return pthread_mutex_init(&pm->lock, NULL) ? -1 : 0;
}

void acpi_pm_write(struct acpi_pm *pm, uint16_t port, uint8_t val)
{
	if (port == ACPI_SLEEP_CONTROL_PORT && (val & SLP_EN) &&
	    SLP_TYP(val) == ACPI_S5_SLP_TYP)
		pm->event(pm->opaque, ACPI_PM_POWEROFF);
	else if (port == ACPI_RESET_PORT && val == ACPI_RESET_VALUE)
		pm->event(pm->opaque, ACPI_PM_RESET);
}

/* Reading the event register takes the events and lowers the line. */
uint8_t acpi_pm_read(struct acpi_pm *pm, uint16_t port)
{
	uint8_t v;

	if (port != ACPI_GED_EVENT_PORT)
		return 0;	/* sleep status: no wake event */
	pthread_mutex_lock(&pm->lock);
	v = pm->ged_pending;
	pm->ged_pending = 0;
	irq_line_set(&pm->ged_irq, 0);
	pthread_mutex_unlock(&pm->lock);
	return v;
}

void acpi_pm_power_button(struct acpi_pm *pm)
{
	pthread_mutex_lock(&pm->lock);
	pm->ged_pending |= ACPI_GED_PWRBTN;
	irq_line_set(&pm->ged_irq, 1);
	pthread_mutex_unlock(&pm->lock);
}

static void pm_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	memset(data, 0, len);
	*(uint8_t *)data = acpi_pm_read(opaque, (uint16_t)(ACPI_PM_PORT + off));
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
	return io_bus_register(pio, ACPI_PM_PORT, ACPI_PM_PORTS, &acpi_pm_ops, pm);
}

static void pm_reset(void *dev)
{
	struct acpi_pm *pm = dev;

	pthread_mutex_lock(&pm->lock);
	pm->ged_pending = 0;
	irq_line_set(&pm->ged_irq, 0);
	pthread_mutex_unlock(&pm->lock);
}

static int pm_save(void *dev, struct state_writer *w)
{
	struct acpi_pm *pm = dev;
	uint8_t v;

	pthread_mutex_lock(&pm->lock);
	v = pm->ged_pending;
	pthread_mutex_unlock(&pm->lock);
	state_put_u8(w, v);
	return w->failed ? -1 : 0;
}

static int pm_restore(void *dev, struct state_reader *r, uint32_t version)
{
	struct acpi_pm *pm = dev;
	uint8_t v;

	(void)version;
	v = state_get_u8(r);
	if (r->failed || (v & ~ACPI_GED_PWRBTN)) {
		state_reject(r);
		return -1;
	}
	pthread_mutex_lock(&pm->lock);
	pm->ged_pending = v;
	irq_line_set(&pm->ged_irq, v != 0);
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

/*
 * Device(PWRB) { _HID PNP0C0C }
 * Device(GED0) { _HID ACPI0013, _CRS Interrupt(Level, ActiveHigh) { 9 },
 *   OperationRegion(GEDR, SystemIO, 0x603, 1), Field(GEDR) { GEDS, 8 },
 *   Method(_EVT, 1) { Store(GEDS, Local0); If (And(Local0, 1)) { Notify(PWRB, 0x80) } } }
 */
static void pm_acpi(void *dev, struct aml *a)
{
	static const char *const fields[] = { "GEDS" };
	static const uint8_t bits[] = { 8 };

	(void)dev;
	aml_device(a, "PWRB");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0C0C");
	aml_close(a);

	aml_device(a, "GED0");
	aml_name(a, "_HID");
	aml_string(a, "ACPI0013");
	aml_name(a, "_CRS");
	aml_buffer(a);
	aml_res_interrupt(a, ACPI_GED_GSI, true, false);
	aml_res_end(a);
	aml_close(a);
	aml_opregion_io(a, "GEDR", ACPI_GED_EVENT_PORT, 1);
	aml_field_bytes(a, "GEDR", fields, bits, 1);
	aml_method(a, "_EVT", 1);
	aml_store(a);
	aml_name_ref(a, "GEDS");
	aml_local(a, 0);
	aml_if(a);
	aml_and(a);
	aml_local(a, 0);
	aml_integer(a, ACPI_GED_PWRBTN);
	aml_integer(a, 0);	/* no target */
	aml_notify(a, "PWRB", NOTIFY_STATUS_CHANGE);
	aml_close(a);
	aml_close(a);
	aml_close(a);
}

static void pm_destroy(void *dev)
{
	struct acpi_pm *pm = dev;

	pthread_mutex_destroy(&pm->lock);
}

const struct device_ops acpi_pm_device_ops = {
	.kind = "acpi-pm",
	.state_version = PM_STATE_VERSION,
	.reset = pm_reset,
	.save = pm_save,
	.restore = pm_restore,
	.acpi = pm_acpi,
	.destroy = pm_destroy,
};

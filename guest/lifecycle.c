/*
 * Modes the VMM's lifecycle tests drive: vessel.test=ticker prints a numbered
 * line about every millisecond (a paused VM stops counting), vessel.test=dirty
 * writes known pages in two phases (the dirty log must show exactly those),
 * vessel.test=power-button waits for the ACPI power button and powers off.
 */
#include "guest.h"

#define DIRTY_BASE	(64ul << 20)	/* above the guest's image, below the smallest RAM size */
#define TICK_CYCLES	2000000ull
#define COM1_DATA	0x3f8
#define COM1_LSR	0x3fd
#define LSR_DR		0x01
#define GED_VECTOR	44
#define GED_PWRBTN	0x01

void run_ticker(void)
{
	uint64_t n = 0;

	for (;;) {
		uint64_t end;

		con_printf("vessel-guest: tick %lu\n", n++);
		end = rdtsc() + TICK_CYCLES;
		while (rdtsc() < end)
			cpu_relax();
	}
}

/* A byte from the host on COM1 lets the guest go on. */
static void wait_host(void)
{
	while (!(inb(COM1_LSR) & LSR_DR))
		cpu_relax();
	(void)inb(COM1_DATA);
}

static void write_pages(const unsigned *pages, unsigned n, uint8_t v)
{
	unsigned i;

	for (i = 0; i < n; i++)
		*(volatile uint8_t *)(DIRTY_BASE + (uint64_t)pages[i] * 4096 + 123) = v;
}

void run_dirty(const struct acpi_info *acpi)
{
	static const unsigned first[] = { 0, 2, 4, 6, 300 };
	static const unsigned second[] = { 1, 3, 301 };

	write_pages(first, 5, 0xa5);
	con_printf("vessel-guest: dirty: phase 1 at 0x%lx: pages 0 2 4 6 300\n", DIRTY_BASE);
	wait_host();
	write_pages(second, 3, 0x5a);
	con_printf("vessel-guest: dirty: phase 2 at 0x%lx: pages 1 3 301\n", DIRTY_BASE);
	wait_host();
	con_printf("vessel-guest: dirty: done, powering off\n");
	acpi_poweroff(acpi);
}

static volatile uint32_t pressed;
static uint16_t ged_port;

/* What the GED's _EVT does: read (and so clear) the events; the button is bit 0. */
static void ged_irq(unsigned vector)
{
	(void)vector;
	if (inb(ged_port) & GED_PWRBTN)
		pressed = 1;
	lapic_eoi();
}

void run_power_button(const struct acpi_info *acpi)
{
	if (!acpi->ged_port)
		guest_panic("vessel.test=power-button: no Generic Event Device in the DSDT");
	ged_port = acpi->ged_port;
	irq_set_handler(GED_VECTOR, ged_irq);
	irq_route(acpi->ged_gsi, GED_VECTOR, lapic_id());
	con_printf("vessel-guest: power-button: GED at port 0x%x, gsi %u: waiting\n",
		   (unsigned)acpi->ged_port, acpi->ged_gsi);
	while (!pressed)
		__asm__ volatile("sti; hlt; cli");
	con_printf("vessel-guest: power-button: pressed, powering off\n");
	acpi_poweroff(acpi);
}

/*
 * vessel.test=reset-state: what a reset must put back to its power-on state,
 * printed as found at boot, then changed, so that a reset from the host
 * (PUT /vm/reset) shows the same line again on the next boot: the PIT's
 * channel 0 mode, the 8259s' masks, an IOAPIC redirection entry, the
 * kvmclock MSR (KVM writes the guest's clock into the page it names) and
 * MSR_STAR. Interrupts stay off throughout: nothing the changes start fires.
 */
#include "guest.h"

#define PIT_CH0			0x40
#define PIT_CMD			0x43
#define PIT_READBACK_STATUS0	0xe2	/* read-back: status only, channel 0 (8254 data sheet) */
#define PIT_CH0_MODE2		0x34	/* channel 0, lobyte/hibyte, mode 2, binary */
#define PIT_STATUS_MODE		0x3f	/* RW mode, mode, BCD: not the output or null count */
#define PIC_MASTER_IMR		0x21
#define PIC_SLAVE_IMR		0xa1
#define IOREGSEL		0x00
#define IOWIN			0x10
#define RESET_PIN		9	/* no device uses it */
#define IOAPIC_REDTBL_LO(n)	(0x10 + 2 * (n))
#define REDIR_MASKED		(1u << 16)
#define MSR_STAR		0xc0000081
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01

static uint8_t clock_page[4096] __attribute__((aligned(4096)));

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static uint32_t ioapic_read(uint64_t base, uint32_t reg)
{
	mmio_write32(base + IOREGSEL, reg);
	return mmio_read32(base + IOWIN);
}

static void ioapic_write(uint64_t base, uint32_t reg, uint32_t v)
{
	mmio_write32(base + IOREGSEL, reg);
	mmio_write32(base + IOWIN, v);
}

static uint8_t pit_status(void)
{
	outb(PIT_CMD, PIT_READBACK_STATUS0);
	return inb(PIT_CH0) & PIT_STATUS_MODE;
}

static void report(uint64_t ioapic)
{
	con_printf("vessel-guest: reset-state: pit 0x%x pic 0x%x/0x%x ioapic 0x%x "
		   "kvmclock 0x%lx star 0x%lx\n", pit_status(), inb(PIC_MASTER_IMR),
		   inb(PIC_SLAVE_IMR), ioapic_read(ioapic, IOAPIC_REDTBL_LO(RESET_PIN)),
		   rdmsr(MSR_KVM_SYSTEM_TIME_NEW), rdmsr(MSR_STAR));
}

void run_reset_state(const struct acpi_info *acpi)
{
	uint64_t ioapic = acpi->ioapic_addr ? acpi->ioapic_addr : 0xfec00000;

	report(ioapic);
	outb(PIT_CMD, PIT_CH0_MODE2);
	outb(PIT_CH0, 0x00);
	outb(PIT_CH0, 0x10);
	outb(PIC_MASTER_IMR, 0xfb);
	outb(PIC_SLAVE_IMR, 0xbf);
	ioapic_write(ioapic, IOAPIC_REDTBL_LO(RESET_PIN), REDIR_MASKED | 0x55);
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)clock_page | 1);
	wrmsr(MSR_STAR, 0x0023001000000000ull);
	con_printf("vessel-guest: reset-state: changed\n");
	report(ioapic);
	for (;;)
		__asm__ volatile("cli; hlt");
}

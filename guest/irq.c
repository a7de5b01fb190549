/* IDT, local APIC and IOAPIC: enough to take device interrupts. */
#include "guest.h"

#define NR_VECTORS	48
#define LAPIC_ID	0x020
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define LAPIC_ICR_LOW	0x300
#define LAPIC_ICR_HIGH	0x310
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define SVR_ENABLE	0x100
/* Inside the IDT; bits 3:0 all ones as P6-family APICs require (SDM Vol. 3 10.9). */
#define SPURIOUS_VECTOR	47
#define ICR_PENDING	(1u << 12)
#define LVT_MASKED	(1u << 16)
#define IOREGSEL	0x00
#define IOWIN		0x10
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))

struct __attribute__((packed)) idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};

extern const uint64_t isr_table[NR_VECTORS];

static struct idt_entry idt[NR_VECTORS];
static void (*handlers[NR_VECTORS])(unsigned vector);
static uint64_t lapic_base = 0xfee00000;
static uint64_t ioapic_base = 0xfec00000;

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?", "#TS", "#NP",
	"#SS", "#GP", "#PF", "?", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static void load_idt(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} ptr = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(ptr));
}

void isr_dispatch(struct isr_frame *f);

void isr_dispatch(struct isr_frame *f)
{
	unsigned v = (unsigned)f->vector;

	if (f->cs & 3) {
		user_trap(f);
		return;
	}
	/* A spurious interrupt is not in service: no EOI (SDM Vol. 3 10.9). */
	if (v == SPURIOUS_VECTOR)
		return;
	if (v < NR_VECTORS && handlers[v]) {
		handlers[v](v);
		return;
	}
	if (v < 32) {
		con_printf("vessel-guest: exception %s (vector %u, error 0x%lx) at rip 0x%lx\n",
			   exception_names[v] ? exception_names[v] : "?", v, f->error, f->rip);
		guest_panic("unexpected exception");
	}
	lapic_eoi();
}

static void set_gate(unsigned v, uint64_t addr)
{
	idt[v].off_lo = (uint16_t)addr;
	idt[v].sel = 0x10;
	idt[v].ist = 0;
	idt[v].type = 0x8e;	/* present, DPL 0, 64-bit interrupt gate */
	idt[v].off_mid = (uint16_t)(addr >> 16);
	idt[v].off_hi = (uint32_t)(addr >> 32);
}

static uint32_t lapic_read(unsigned reg)
{
	return mmio_read32(lapic_base + reg);
}

static void lapic_write(unsigned reg, uint32_t v)
{
	mmio_write32(lapic_base + reg, v);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

unsigned lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_send_ipi(unsigned apic_id, uint32_t icr_low)
{
	unsigned spins = 0;

	lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
	lapic_write(LAPIC_ICR_LOW, icr_low);
	while ((lapic_read(LAPIC_ICR_LOW) & ICR_PENDING) && spins++ < 1000000)
		cpu_relax();
}

static void lapic_enable(void)
{
	lapic_write(LAPIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
	/* No 8259 in use: ExtINT masked, NMI as delivered by firmware. */
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED | 0x700);
	lapic_write(LAPIC_LVT_LINT1, 0x400);
}

void irq_init(const struct acpi_info *info)
{
	unsigned v;

	if (info->lapic_addr)
		lapic_base = info->lapic_addr;
	if (info->ioapic_addr)
		ioapic_base = info->ioapic_addr;
	for (v = 0; v < NR_VECTORS; v++)
		set_gate(v, isr_table[v]);
	load_idt();
	lapic_enable();
}

void irq_route(unsigned gsi, unsigned vector, unsigned apic_id)
{
	/* Fixed delivery, physical destination, edge triggered, active high. */
	mmio_write32(ioapic_base + IOREGSEL, IOAPIC_REDTBL(gsi) + 1);
	mmio_write32(ioapic_base + IOWIN, apic_id << 24);
	mmio_write32(ioapic_base + IOREGSEL, IOAPIC_REDTBL(gsi));
	mmio_write32(ioapic_base + IOWIN, vector);
}

void irq_set_handler(unsigned vector, void (*fn)(unsigned vector))
{
	if (vector < NR_VECTORS)
		handlers[vector] = fn;
}

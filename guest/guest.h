/* The built-in guest's small freestanding library. */
#ifndef VESSEL_GUEST_H
#define VESSEL_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MAX_CPUS 64

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* One CMOS (RTC) register. */
uint8_t cmos(uint8_t reg);

/* TSC ticks in one second of the RTC; 0 if the RTC does not tick. */
uint64_t tsc_hz(void);
/* Spin until the TSC reaches @tsc. */
void settle_until(uint64_t tsc);

/* Serial console (COM1, polled). */
void con_putc(char c);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ACPI: what the guest learns from the tables the VMM built. */
struct acpi_info {
	uint64_t rsdp;
	char tables[16][5];
	unsigned nr_tables;
	unsigned nr_cpus;
	uint8_t apic_ids[GUEST_MAX_CPUS];
	uint32_t lapic_addr;
	uint32_t ioapic_addr;
	uint8_t sleep_control_space;	/* GAS address space: 0 memory, 1 I/O */
	uint64_t sleep_control_addr;
	uint32_t pm1a_cnt;		/* PM1a control port (fixed hardware), 0 if none */
	int has_i8042;			/* FADT IA-PC boot flags say an 8042 exists */
	int s5_slp_typ;		/* -1 if \_S5 is missing */
	uint64_t ecam_base;	/* from MCFG, 0 if none */
	uint64_t dmar_base;	/* the VT-d unit's registers from DMAR, 0 if none */
	unsigned nr_devices;	/* Device() objects in the DSDT */
	char device_ids[16][9];
	uint16_t ged_port;	/* the Generic Event Device's event register, 0 if none */
	uint32_t ged_gsi;	/* and its interrupt */
};

int acpi_parse(uint64_t rsdp, struct acpi_info *info);
void acpi_poweroff(const struct acpi_info *info) __attribute__((noreturn));

/* Lifecycle test modes (lifecycle.c). */
void run_ticker(void) __attribute__((noreturn));
void run_dirty(const struct acpi_info *acpi) __attribute__((noreturn));
void run_power_button(const struct acpi_info *acpi) __attribute__((noreturn));
/* vessel.test=churn (churn.c): @mib MiB dirtied a sweep, 0: the default. */
void run_churn(const struct acpi_info *acpi, unsigned mib, uint64_t ram_end)
	__attribute__((noreturn));
/* @period: TSC cycles a count (0: a few ms), vessel.counterperiod= */
void run_counter(const struct acpi_info *acpi, uint64_t period) __attribute__((noreturn));
/* vessel.test=reset-state (reset_state.c): the state a reset must put back. */
void run_reset_state(const struct acpi_info *acpi) __attribute__((noreturn));

/* Interrupts: IDT, local APIC and IOAPIC. */
struct isr_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Run @fn(@arg) in CPL3 (interrupts off) until it returns. */
void user_run(void (*fn)(void *), void *arg);
/* An exception taken in CPL3: fn's return, or a panic. */
void user_trap(const struct isr_frame *f);

void irq_init(const struct acpi_info *info);
void irq_route(unsigned gsi, unsigned vector, unsigned apic_id);
void irq_set_handler(unsigned vector, void (*fn)(unsigned vector));
void lapic_eoi(void);
unsigned lapic_id(void);
void lapic_send_ipi(unsigned apic_id, uint32_t icr_low);

/* PCI through ECAM, and the virtio devices the guest drives. */
struct pci_dev {
	unsigned slot;
	uint16_t vendor, device;
	uint32_t class_code;
};

unsigned pci_scan(const struct acpi_info *info, struct pci_dev *devs, unsigned max);
uint32_t pci_read32(unsigned slot, unsigned off);
void pci_write16(unsigned slot, unsigned off, uint16_t v);
int virtio_rng_check(unsigned slot);
int virtio_blk_check(unsigned slot, int selftest);
int iommu_check(const struct acpi_info *info, unsigned blk_slot, uint64_t ram_top);
/* vessel.test=blkbench: the four patterns of bench/blk-guest on the disk at @slot. */
int blk_bench(const struct acpi_info *acpi, unsigned slot, unsigned seconds);
int virtio_console_check(unsigned slot, int echo);
/*
 * virtio-net: report it; with @addr (vessel.test=net) ARP and ping @peer from
 * @addr, through the IOMMU where there is one.
 */
int virtio_net_check(const struct acpi_info *acpi, unsigned slot, const char *addr,
		     const char *peer, int link_test);
int net_parse_ip(const char *s, uint8_t ip[4]);
/* vessel.test=net-user: what the host set up for the guest to reach. */
struct net_user_opts {
	unsigned echo_port;	/* vessel.echoport=: UDP echo at the gateway's port */
	unsigned fwd_port;	/* vessel.fwdport=: wait for a forwarded datagram there */
	int ping_optional;	/* vessel.pingopt: no echo reply is no failure (passt) */
};

/*
 * vessel.test=net-user: on a user-mode network (libslirp's, passt's), DHCP,
 * ARP and ping the gateway, a UDP echo through it to the host's echo port,
 * and with a forward port an echo of a datagram the host forwards there.
 */
int virtio_net_user_check(const struct acpi_info *acpi, unsigned slot,
			  const struct net_user_opts *o);

/*
 * vessel.test=display: program the bochs-display at @slot, draw the test
 * pattern; with @redraw_hz, redraw the small square that many times a
 * second, else report viewer input until @quit_key, then power off.
 */
void run_display(const struct acpi_info *acpi, unsigned slot, unsigned redraw_hz,
		 unsigned quit_key) __attribute__((noreturn));

/* Secondary CPUs. */
unsigned smp_boot(const struct acpi_info *info, uint8_t *online_ids);
void ap_main(unsigned cpu);

/* Long enough for any interrupt on the slowest host seen (emulated kernel mode). */
#define IRQ_WAIT_CYCLES	(10ull * 1000 * 1000 * 1000)

/* Wait, interrupts enabled, until *flag is non-zero or @cycles TSC cycles pass; returns *flag. */
uint32_t wait_flag(volatile uint32_t *flag, uint64_t cycles);

void guest_panic(const char *what) __attribute__((noreturn));

#endif

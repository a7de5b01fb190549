/*
 * The built-in guest: checks what the VMM provides and prints a report on
 * the serial console, then powers off through ACPI. A failed check ends in
 * a pvpanic crash report, so the VMM exits with its crash status.
 */
#include "guest.h"
#include "input.h"
#include "net.h"

#define COM1		0x3f8
#define COM1_GSI	4
#define UART_VECTOR	36
#define UART_IER	1
#define UART_IIR	2
#define UART_FCR	2
#define UART_MCR	4
#define UART_SCR	7
#define IER_THRI	0x02
#define MCR_OUT2	0x08
#define PVPANIC_PORT	0x505

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

static struct acpi_info acpi;
static uint64_t ram_end;	/* the end of the highest RAM range */
static volatile uint32_t uart_irqs;
static unsigned failures;

void guest_panic(const char *what)
{
	con_printf("vessel-guest: FAIL: %s\n", what);
	outb(PVPANIC_PORT, 1);	/* harmless where no pvpanic device listens */
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void check(int ok, const char *what)
{
	if (!ok) {
		con_printf("vessel-guest: check failed: %s\n", what);
		failures++;
	}
}

static const char *e820_name(uint32_t type)
{
	switch (type) {
	case 1: return "ram";
	case 2: return "reserved";
	case 3: return "acpi";
	case 4: return "nvs";
	default: return "other";
	}
}

static uint64_t report_memory(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *e = (const void *)si->memmap_paddr;
	uint64_t ram = 0;
	uint32_t i;

	for (i = 0; i < si->memmap_entries; i++) {
		if (!e[i].size)
			continue;
		con_printf("vessel-guest: memory: %016lx-%016lx %s\n", e[i].addr,
			   e[i].addr + e[i].size - 1, e820_name(e[i].type));
		if (e[i].type == 1)
			ram += e[i].size;
		if (e[i].type == 1 && e[i].addr + e[i].size > ram_end)
			ram_end = e[i].addr + e[i].size;
	}
	con_printf("vessel-guest: memory: %lu MiB of RAM\n", ram >> 20);
	return ram;
}

static void report_acpi(void)
{
	unsigned i;

	check(acpi_parse(acpi.rsdp, &acpi) == 0, "ACPI tables (RSDP, XSDT, checksums)");
	con_printf("vessel-guest: acpi: rsdp 0x%lx, tables:", acpi.rsdp);
	for (i = 0; i < acpi.nr_tables; i++)
		con_printf(" %s", acpi.tables[i]);
	con_printf("\nvessel-guest: acpi: devices:");
	for (i = 0; i < acpi.nr_devices; i++)
		con_printf(" %s", acpi.device_ids[i]);
	con_printf("\nvessel-guest: acpi: %u cpus in MADT, ioapic 0x%x, S5 type %d\n",
		   acpi.nr_cpus, acpi.ioapic_addr, acpi.s5_slp_typ);
	check(acpi.nr_cpus > 0 && (acpi.sleep_control_addr || acpi.pm1a_cnt) &&
	      acpi.s5_slp_typ >= 0, "MADT, FADT sleep register (or PM1a control) and \\_S5");
}

static void uart_irq(unsigned vector)
{
	(void)vector;
	/* Reading IIR acknowledges the THR-empty interrupt; then stop asking for it. */
	inb(COM1 + UART_IIR);
	outb(COM1 + UART_IER, 0);
	uart_irqs++;
	lapic_eoi();
}

static void check_uart(void)
{
	int is_16550a;

	outb(COM1 + UART_SCR, 0x5a);
	check(inb(COM1 + UART_SCR) == 0x5a, "UART scratch register");
	outb(COM1 + UART_FCR, 0x07);
	is_16550a = (inb(COM1 + UART_IIR) & 0xc0) == 0xc0;
	check(is_16550a, "UART FIFO (16550A)");

	irq_set_handler(UART_VECTOR, uart_irq);
	irq_route(COM1_GSI, UART_VECTOR, lapic_id());
	outb(COM1 + UART_MCR, MCR_OUT2);
	__asm__ volatile("sti");
	outb(COM1 + UART_IER, IER_THRI);
	wait_flag(&uart_irqs, IRQ_WAIT_CYCLES);
	__asm__ volatile("cli");
	con_printf("vessel-guest: uart: %s at 0x3f8, irq %u -> vector %u: %s\n",
		   is_16550a ? "16550A" : "8250", COM1_GSI, UART_VECTOR,
		   uart_irqs ? "delivered" : "NOT delivered");
	check(uart_irqs == 1, "UART interrupt through the IOAPIC");
}

static unsigned bcd(uint8_t v, int binary)
{
	return binary ? v : (unsigned)((v >> 4) * 10 + (v & 15));
}

uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void check_rtc(void)
{
	int bin = cmos(0x0b) & 0x04;
	unsigned year = bcd(cmos(0x32), bin) * 100 + bcd(cmos(0x09), bin);

	con_printf("vessel-guest: rtc: %04u-%02u-%02u %02u:%02u:%02u UTC\n", year,
		   bcd(cmos(0x08), bin), bcd(cmos(0x07), bin), bcd(cmos(0x04), bin),
		   bcd(cmos(0x02), bin), bcd(cmos(0x00), bin));
	check(year >= 2024 && (cmos(0x0d) & 0x80), "RTC date and valid-time flag");
}

static void check_i8042(void)
{
	unsigned spins = 0;
	uint8_t r;

	if (!acpi.has_i8042) {
		con_printf("vessel-guest: i8042: absent (FADT)\n");
		return;
	}
	outb(0x64, 0xaa);	/* controller self test */
	while (!(inb(0x64) & 1) && spins++ < 1000)
		cpu_relax();
	r = inb(0x60);
	con_printf("vessel-guest: i8042: self test 0x%x\n", r);
	check(r == 0x55, "i8042 self test");
}

static int has_device(const char *id)
{
	unsigned i;

	for (i = 0; i < acpi.nr_devices; i++)
		if (!memcmp(acpi.device_ids[i], id, 9))
			return 1;
	return 0;
}

static int streq(const char *a, const char *b);
static int disk_test;	/* vessel.disktest: the disks may be written */
static char mode[32];	/* vessel.test= */
static int echoed;	/* echo mode served by virtio-console */
static char net_addr[16], net_peer[16];	/* vessel.netaddr=, vessel.netpeer= */
static unsigned nics;		/* virtio-net devices found */
static struct net_user_opts net_user;	/* vessel.echoport=, vessel.fwdport=, vessel.pingopt */

static void report_pci(void)
{
	struct pci_dev devs[32];
	unsigned n, i;

	if (!acpi.ecam_base) {
		con_printf("vessel-guest: pci: no MCFG table\n");
		return;
	}
	n = pci_scan(&acpi, devs, 32);
	check(n > 0, "PCI host bridge through ECAM");
	for (i = 0; i < n; i++) {
		con_printf("vessel-guest: pci: 00:%02x.0 %04x:%04x class %06x\n", devs[i].slot,
			   devs[i].vendor, devs[i].device, devs[i].class_code);
		if (devs[i].vendor == 0x1af4 && devs[i].device == 0x1044)
			check(virtio_rng_check(devs[i].slot) == 0, "virtio-rng returns random bytes");
		if (devs[i].vendor == 0x1af4 && devs[i].device == 0x1043) {
			echoed = streq(mode, "echo");
			check(virtio_console_check(devs[i].slot, echoed) == 0,
			      "virtio-console transmits (and echoes)");
		}
		if (devs[i].vendor == 0x1af4 && devs[i].device == 0x1041 && !nics &&
		    streq(mode, "net-user")) {
			nics++;
			check(virtio_net_user_check(&acpi, devs[i].slot, &net_user) == 0,
			      "virtio-net: DHCP, ARP, ping and UDP on the user-mode network");
		} else if (devs[i].vendor == 0x1af4 && devs[i].device == 0x1041) {
			int first = !nics++;
			int test = first && streq(mode, "net");
			int link = first && streq(mode, "net-link");

			check(virtio_net_check(&acpi, devs[i].slot, test ? net_addr : 0,
					       net_peer, link) == 0,
			      test ? "virtio-net: ARP and ping the peer" :
			      link ? "virtio-net: link down and up, told by interrupt" :
				     "virtio-net starts");
		}
		if (devs[i].vendor == 0x1af4 && devs[i].device == 0x1042) {
			check(virtio_blk_check(devs[i].slot, disk_test) == 0,
			      disk_test ? "virtio-blk self-test" : "virtio-blk reads");
			if (disk_test && acpi.dmar_base)
				check(iommu_check(&acpi, devs[i].slot, ram_end) == 0,
				      "DMA remapping of virtio-blk through the IOMMU");
		}
	}
}

static void report_cpus(void)
{
	uint8_t ids[GUEST_MAX_CPUS];
	unsigned n = smp_boot(&acpi, ids), i;

	con_printf("vessel-guest: cpus: %u online, apic ids:", n);
	for (i = 0; i < n; i++)
		con_printf(" %u", ids[i]);
	con_printf("\n");
	check(n == acpi.nr_cpus, "every CPU of the MADT came online");
}

/* The value of @key ("vessel.test=") on the command line, or "". */
static void option(const char *cmdline, const char *key, char *out, size_t len)
{
	const char *p = cmdline;
	size_t n = 0, klen = 0;

	while (key[klen])
		klen++;
	out[0] = '\0';
	for (; p && *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && !memcmp(p, key, klen)) {
			p += klen;
			while (p[n] && p[n] != ' ' && n + 1 < len) {
				out[n] = p[n];
				n++;
			}
			out[n] = '\0';
			return;
		}
	}
}

/* Whether @word appears on the command line as a whole word. */
static int has_word(const char *cmdline, const char *word)
{
	size_t n = 0;
	const char *p;

	while (word[n])
		n++;
	for (p = cmdline; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !memcmp(p, word, n) &&
		    (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Read one line from the serial port (polled) and print it back. */
static void echo_line(void)
{
	char line[80];
	size_t n = 0;

	con_printf("vessel-guest: echo: ready\n");
	for (;;) {
		char c;

		while (!(inb(COM1 + 5) & 0x01))
			cpu_relax();
		c = (char)inb(COM1);
		if (c == '\r' || c == '\n')
			break;
		if (n + 1 < sizeof(line))
			line[n++] = c;
	}
	line[n] = '\0';
	con_printf("vessel-guest: echo: got \"%s\"\n", line);
}

/* Ways to end that the VMM's exit statuses must tell apart. */
static void run_test_mode(const char *mode)
{
	static const struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} no_idt = { 0, 0 };

	if (streq(mode, "echo")) {
		if (!echoed)
			echo_line();
	} else if (streq(mode, "reset")) {
		con_printf("vessel-guest: resetting through the ACPI reset register\n");
		outb(0x602, 0x01);
	} else if (streq(mode, "i8042-reset")) {
		con_printf("vessel-guest: resetting through the i8042\n");
		outb(0x64, 0xfe);
	} else if (streq(mode, "panic")) {
		guest_panic("panic requested on the command line");
	} else if (streq(mode, "triple-fault")) {
		con_printf("vessel-guest: triple fault\n");
		__asm__ volatile("lidt %0; int $3" : : "m"(no_idt));
	} else if (streq(mode, "hang")) {
		con_printf("vessel-guest: waiting forever\n");
		for (;;)
			__asm__ volatile("sti; hlt");
	}
}

/*
 * vessel.test=blkbench [vessel.benchtime=SECONDS]: the benchmark on the first
 * virtio-blk disk, which it overwrites, so only with vessel.disktest.
 */
/* The decimal number @key gives, or 0. */
static unsigned number(const char *cmdline, const char *key)
{
	char v[12];
	unsigned i, n = 0;

	option(cmdline, key, v, sizeof(v));
	for (i = 0; v[i] >= '0' && v[i] <= '9'; i++)
		n = n * 10 + (unsigned)(v[i] - '0');
	return n;
}

static void run_blkbench(const char *cmdline)
{
	struct pci_dev devs[32];
	char secs[8];
	unsigned n, i, seconds = 0;

	option(cmdline, "vessel.benchtime=", secs, sizeof(secs));
	for (i = 0; secs[i] >= '0' && secs[i] <= '9'; i++)
		seconds = seconds * 10 + (unsigned)(secs[i] - '0');
	if (!seconds)
		seconds = 10;
	if (!disk_test)
		guest_panic("vessel.test=blkbench overwrites the disk: it needs vessel.disktest");
	n = acpi.ecam_base ? pci_scan(&acpi, devs, 32) : 0;
	for (i = 0; i < n; i++) {
		if (devs[i].vendor != 0x1af4 || devs[i].device != 0x1042)
			continue;
		if (blk_bench(&acpi, devs[i].slot, seconds))
			guest_panic("the block benchmark failed");
		con_printf("vessel-guest: blkbench: done, powering off\n");
		acpi_poweroff(&acpi);
	}
	guest_panic("vessel.test=blkbench: no virtio-blk disk on the PCI bus");
}

/*
 * vessel.test=netbench [vessel.benchtime=SECONDS] [vessel.netaddr=IP]
 * [vessel.netpeer=IP] [vessel.echoport=PORT]: the network benchmark on the
 * first virtio-net NIC (netbench.c); the peer's UDP port defaults to 9.
 */
static void run_netbench(const char *cmdline)
{
	struct netbench_opts o = { .seconds = number(cmdline, "vessel.benchtime="),
				   .port = (uint16_t)number(cmdline, "vessel.echoport=") };
	struct pci_dev devs[32];
	unsigned n, i;

	memset(o.peer, 0, sizeof(o.peer));
	if (net_parse_ip(net_addr[0] ? net_addr : "10.0.2.15", o.addr) ||
	    (net_peer[0] && net_parse_ip(net_peer, o.peer)))
		guest_panic("vessel.test=netbench: vessel.netaddr= and vessel.netpeer= need "
			    "IPv4 addresses");
	if (!o.seconds)
		o.seconds = 5;
	if (!o.port)
		o.port = 9;
	n = acpi.ecam_base ? pci_scan(&acpi, devs, 32) : 0;
	for (i = 0; i < n; i++) {
		if (devs[i].vendor != 0x1af4 || devs[i].device != 0x1041)
			continue;
		if (net_bench(&acpi, devs[i].slot, &o))
			guest_panic("the network benchmark failed");
		con_printf("vessel-guest: netbench: done, powering off\n");
		acpi_poweroff(&acpi);
	}
	guest_panic("vessel.test=netbench: no virtio-net NIC on the PCI bus");
}

/* vessel.test=display [vessel.redraw=HZ]: the pattern on the first bochs-display. */
static void run_display_mode(const char *cmdline)
{
	struct pci_dev devs[32];
	unsigned n, i;

	n = acpi.ecam_base ? pci_scan(&acpi, devs, 32) : 0;
	for (i = 0; i < n; i++)
		if (devs[i].vendor == 0x1234 && devs[i].device == 0x1111)
			run_display(&acpi, devs[i].slot, number(cmdline, "vessel.redraw="),
				    number(cmdline, "vessel.quitkey=") ?: GUEST_KEY_ESC);
	guest_panic("vessel.test=display: no bochs-display on the PCI bus (--display)");
}

void guest_main(uint32_t start_info);

void guest_main(uint32_t start_info)
{
	const struct hvm_start_info *si = (const void *)(uint64_t)start_info;
	const char *cmdline;

	con_printf("vessel-guest: hello from the built-in guest\n");
	if (si->magic != 0x336ec578)
		guest_panic("no PVH start info");
	cmdline = si->cmdline_paddr ? (const char *)si->cmdline_paddr : "";
	con_printf("vessel-guest: cmdline: \"%s\"\n", cmdline);
	option(cmdline, "vessel.test=", mode, sizeof(mode));
	disk_test = has_word(cmdline, "vessel.disktest");
	option(cmdline, "vessel.netaddr=", net_addr, sizeof(net_addr));
	option(cmdline, "vessel.netpeer=", net_peer, sizeof(net_peer));
	net_user.echo_port = number(cmdline, "vessel.echoport=");
	net_user.fwd_port = number(cmdline, "vessel.fwdport=");
	net_user.ping_optional = has_word(cmdline, "vessel.pingopt");
	report_memory(si);
	acpi.rsdp = si->rsdp_paddr;
	report_acpi();
	/* A trivial guest (benchmarks): the VMM's own cost, not the checks'. */
	if (streq(mode, "poweroff")) {
		con_printf("vessel-guest: powering off at once\n");
		acpi_poweroff(&acpi);
	}
	if (streq(mode, "ticker"))
		run_ticker();
	if (streq(mode, "dirty"))
		run_dirty(&acpi);
	if (streq(mode, "reset-state"))
		run_reset_state(&acpi);
	irq_init(&acpi);
	if (streq(mode, "input")) {
		/* vessel.test=input [vessel.quitkey=CODE]: report viewer input until the key. */
		unsigned quit = number(cmdline, "vessel.quitkey=");

		input_report_until_quit(&acpi, quit ? quit : GUEST_KEY_ESC, 0, 0);
		acpi_poweroff(&acpi);
	}
	if (streq(mode, "power-button"))
		run_power_button(&acpi);
	if (streq(mode, "counter"))
		run_counter(&acpi, number(cmdline, "vessel.counterperiod="));
	if (streq(mode, "churn"))
		run_churn(&acpi, number(cmdline, "vessel.churnmib="), ram_end);
	if (streq(mode, "blkbench"))
		run_blkbench(cmdline);
	if (streq(mode, "netbench"))
		run_netbench(cmdline);
	if (streq(mode, "display"))
		run_display_mode(cmdline);
	check_uart();
	check_rtc();
	check_i8042();
	con_printf("vessel-guest: pvpanic: %s\n", has_device("QEMU0001") ? "present" : "absent");
	report_pci();
	check(!streq(mode, "net") || nics, "vessel.test=net: a virtio-net NIC on the PCI bus");
	check(!streq(mode, "net-user") || nics,
	      "vessel.test=net-user: a virtio-net NIC on the PCI bus");
	report_cpus();
	if (failures)
		guest_panic("some checks failed");
	run_test_mode(mode);
	con_printf("vessel-guest: all checks passed, powering off\n");
	acpi_poweroff(&acpi);
}

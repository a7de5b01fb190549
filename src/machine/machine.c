#include "machine/machine.h"
#include "machine/console.h"
#include "boot/acpi.h"
#include "boot/boot.h"
#include "boot/cpuid.h"
#include "core/log.h"
#include "core/quirks.h"
#include "core/vm.h"
#include "hw/acpi_pm.h"
#include "hw/i8042.h"
#include "hw/pci.h"
#include "hw/pvpanic.h"
#include "hw/rtc.h"
#include "hw/uart16550.h"
#include "machine/msi.h"
#include "machine/intc.h"
#include "machine/virtio_devs.h"
#include "iommu/dmar.h"
#include "iommu/vtd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_LINUX_CMDLINE "console=ttyS0 panic=-1"
#define DEFAULT_LINUX_CMDLINE_HVC "console=hvc0 panic=-1"
#define PCI_INTX_GSI_BASE 16	/* IOAPIC pins 16-19 take PCI INTA-INTD */

extern const uint8_t vessel_guest_start[], vessel_guest_end[];

struct machine {
	const struct machine_config *cfg;
	struct vm vm;
	struct mem_layout layout;
	struct e820_entry e820[E820_MAX];
	unsigned e820_entries;
	struct uart16550 *uart;
	struct i8042 *kbd;
	struct rtc *rtc;
	struct acpi_pm pm;
	struct pvpanic pvpanic;
	struct console console;
	struct pci_bus pci;
	bool pci_ready;
	struct irq_routes routes;
	bool routes_ready;
	struct virtio_devs virtio;
	struct intc intc;
	struct vtd *vtd;
	struct dma_translator vtd_xlate;
	uint8_t dmar[DMAR_TABLE_LEN];
	uint8_t mcfg[PCI_MCFG_LEN];
	const uint8_t *kernel;
	size_t kernel_size;
	bool kernel_mapped;
	char *cmdline;
};

const uint8_t *builtin_guest(size_t *size)
{
	*size = (size_t)(vessel_guest_end - vessel_guest_start);
	return vessel_guest_start;
}

void machine_config_defaults(struct machine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = MACHINE_DEFAULT_MEM;
	cfg->cpus = 1;
	cfg->backing = GUEST_MEM_ANON;
	cfg->host_quirks = true;
}

static void console_write(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	while (len) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* stdout is gone: the guest's output has nowhere to go */
		buf += n;
		len -= (size_t)n;
	}
}

static void kbd_reset(void *opaque)
{
	vm_request_exit(opaque, VM_EXIT_RESET);
}

static void pm_event(void *opaque, enum acpi_pm_event ev)
{
	vm_request_exit(opaque, ev == ACPI_PM_POWEROFF ? VM_EXIT_POWEROFF : VM_EXIT_RESET);
}

static void guest_panicked(void *opaque, uint8_t events)
{
	if (events & PVPANIC_PANICKED) {
		pr_err("the guest reported a kernel panic (pvpanic)");
		vm_request_exit(opaque, VM_EXIT_CRASH);
	} else {
		pr_info("the guest loaded a crash kernel after a panic (pvpanic)");
	}
}

static int load_kernel_file(struct machine *m)
{
	const char *path = m->cfg->kernel_path;
	struct stat st;
	void *p;
	int fd;

	if (!path) {
		m->kernel = builtin_guest(&m->kernel_size);
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_err("--kernel %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size == 0) {
		pr_err("--kernel %s: not a regular, non-empty file", path);
		close(fd);
		return -1;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		pr_err("--kernel %s: %s", path, strerror(errno));
		return -1;
	}
	m->kernel = p;
	m->kernel_size = (size_t)st.st_size;
	m->kernel_mapped = true;
	return 0;
}

/* An unreadable initrd is the user's mistake: say so before touching KVM. */
static int check_initrd(const char *path)
{
	struct stat st;

	if (!path)
		return 0;
	if (stat(path, &st)) {
		pr_err("--initrd %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || access(path, R_OK)) {
		pr_err("--initrd %s: not a readable regular file", path);
		return -1;
	}
	return 0;
}

/* Bad disk images are the user's mistake too: opened once here, before KVM. */
static int check_disks(const struct machine_config *cfg)
{
	unsigned i;

	for (i = 0; i < cfg->nr_disks; i++) {
		struct disk d;

		const struct blk_options *o = &cfg->disks[i].opts;

		if (disk_open(&d, o->path, o->readonly, o->direct))
			return -1;
		disk_close(&d);
	}
	return 0;
}

static int setup_memory(struct machine *m)
{
	struct guest_mem_range ranges[2];
	unsigned n = 0, i;

	layout_compute(m->cfg->mem_size, &m->layout);
	ranges[n++] = (struct guest_mem_range){ 0, m->layout.low_ram_end };
	if (m->layout.high_ram_size)
		ranges[n++] = (struct guest_mem_range){ HIGH_RAM_START, m->layout.high_ram_size };
	if (guest_mem_init(&m->vm.mem, ranges, n, m->cfg->backing, m->cfg->hugetlbfs))
		return -1;
	for (i = 0; i < n; i++) {
		const struct guest_mem_region *r = &m->vm.mem.regions[i];

		if (kvm_set_user_memory(&m->vm.kvm, i, r->gpa, r->size, r->hva))
			return -1;
	}
	m->e820_entries = e820_build(&m->layout, m->e820);
	return 0;
}

static int setup_devices(struct machine *m)
{
	struct irq_line com1 = intc_line(&m->intc, COM1_IRQ);
	struct irq_line kbd = intc_line(&m->intc, I8042_KBD_IRQ);
	struct uart_sink sink = { console_write, NULL };

	m->uart = uart16550_create(&com1, &sink);
	m->kbd = i8042_create(&kbd, kbd_reset, &m->vm);
	m->rtc = rtc_create(NULL);
	if (!m->uart || !m->kbd || !m->rtc) {
		pr_err("out of memory");
		return -1;
	}
	m->pm = (struct acpi_pm){ pm_event, &m->vm };
	m->pvpanic = (struct pvpanic){ guest_panicked, &m->vm };
	if (uart16550_attach(m->uart, &m->vm.pio, COM1_PORT) ||
	    i8042_attach(m->kbd, &m->vm.pio) || rtc_attach(m->rtc, &m->vm.pio) ||
	    acpi_pm_attach(&m->pm, &m->vm.pio) || pvpanic_attach(&m->pvpanic, &m->vm.pio)) {
		pr_err("device I/O ports overlap");
		return -1;
	}
	return 0;
}

static void vtd_send_msi(void *opaque, uint64_t addr, uint32_t data)
{
	struct vm *vm = opaque;

	if (kvm_signal_msi(&vm->kvm, addr, data) < 0)
		pr_debug("KVM_SIGNAL_MSI for the IOMMU: %s", strerror(errno));
}

static void remapping_changed(void *opaque)
{
	struct machine *m = opaque;

	intc_refresh(&m->intc);
	virtio_devs_refresh_msi(&m->virtio);
}

/* The VT-d unit: its registers, and the translator every device's DMA goes through. */
static int setup_iommu(struct machine *m)
{
	struct vtd_msi_sink sink = { vtd_send_msi, &m->vm };

	m->vtd = calloc(1, sizeof(*m->vtd));
	if (!m->vtd)
		return -1;
	vtd_init(m->vtd, &m->vm.mem, &sink, m->cfg->iommu_caching_mode);
	if (vtd_attach(m->vtd, &m->vm.mmio)) {
		pr_err("the IOMMU's registers overlap another device");
		return -1;
	}
	vtd_translator(m->vtd, &m->vtd_xlate);
	vtd_set_ir_listener(m->vtd, remapping_changed, m);
	dmar_build(m->dmar, VTD_BASE_ADDR, (uint8_t)m->cfg->cpus, true);
	return 0;
}

/* The PCI root bus and the paravirtual devices on it. */
static int setup_pci(struct machine *m)
{
	uint64_t mmio64 = (HIGH_RAM_START + m->layout.high_ram_size + GiB - 1) & ~(GiB - 1);
	struct irq_line intx = intc_line(&m->intc, 0);
	struct virtio_console_sink out = { console_write, NULL };

	if (pci_bus_init(&m->pci, &m->vm.pio, &m->vm.mmio, mmio64, PCI_INTX_GSI_BASE))
		return -1;
	m->pci_ready = true;
	if (pci_bus_attach_ports(&m->pci, PCI_ECAM_START)) {
		pr_err("PCI configuration ports overlap another device");
		return -1;
	}
	if (irq_routes_init(&m->routes, &m->vm.kvm, m->intc.ioapic != NULL))
		return -1;
	m->routes_ready = true;
	if (m->cfg->iommu && setup_iommu(m))
		return -1;
	intc_connect(&m->intc, &m->routes, m->vtd);
	return virtio_devs_build(&m->virtio, m->cfg, &m->vm, &m->pci, &m->routes, &intx,
				 m->vtd ? &m->vtd_xlate : NULL, intc_remapper(&m->intc), &out);
}

static void dsdt_devices(struct aml *a, void *opaque)
{
	struct machine *m = opaque;

	pci_bus_acpi(&m->pci, a, PCI_ECAM_START);
	uart16550_acpi(a, COM1_PORT, COM1_IRQ);
	i8042_acpi(a);
	rtc_acpi(a);
	pvpanic_acpi(a);
}

static int setup_acpi(struct machine *m)
{
	struct acpi_config c = {
		.nr_cpus = m->cfg->cpus,
		.ioapic_addr = IOAPIC_ADDR,
		.lapic_addr = LAPIC_ADDR,
		.sleep_control_port = ACPI_SLEEP_CONTROL_PORT,
		.sleep_status_port = ACPI_SLEEP_STATUS_PORT,
		.reset_port = ACPI_RESET_PORT,
		.reset_value = ACPI_RESET_VALUE,
		.s5_slp_typ = ACPI_S5_SLP_TYP,
		.dsdt_devices = dsdt_devices,
		.opaque = m,
		.extra = { m->mcfg, m->dmar },
		.nr_extra = m->vtd ? 2 : 1,
	};
	uint8_t *area = gm_ptr(&m->vm.mem, ACPI_TABLES_ADDR, ACPI_TABLES_SIZE);

	pci_mcfg(m->mcfg, PCI_ECAM_START);
	if (!area || !acpi_build(&c, area, ACPI_TABLES_SIZE, ACPI_TABLES_ADDR)) {
		pr_err("cannot build the ACPI tables");
		return -1;
	}
	return 0;
}

/* The kernel command line, with the host's quirk parameters in front. */
static int build_cmdline(struct machine *m)
{
	const char *user = m->cfg->cmdline;
	const char *params = "";

	if (!user)
		user = !m->cfg->kernel_path ? "" :
		       m->cfg->console == CONSOLE_VIRTIO ? DEFAULT_LINUX_CMDLINE_HVC :
							   DEFAULT_LINUX_CMDLINE;
	if (m->cfg->kernel_path && m->vm.emulation_quirks)
		params = quirks_linux_params();
	if (asprintf(&m->cmdline, "%s%s%s", params, *params ? " " : "", user) < 0) {
		m->cmdline = NULL;
		pr_err("out of memory");
		return -1;
	}
	return 0;
}

static int load_and_boot(struct machine *m)
{
	struct boot_setup setup;
	struct boot_config bc = {
		.kernel = m->kernel,
		.kernel_size = m->kernel_size,
		.kernel_name = m->cfg->kernel_path ? m->cfg->kernel_path : "built-in guest",
		.initrd_path = m->cfg->initrd_path,
		.cmdline = m->cmdline,
		.rsdp_addr = ACPI_TABLES_ADDR,
		.layout = &m->layout,
		.e820 = m->e820,
		.e820_entries = m->e820_entries,
		.ram_zeroed = true,	/* mapped anew in setup_memory, nothing written yet above 1 MiB */
	};

	if (boot_load(&m->vm.mem, &bc, &setup))
		return -1;
	/* Said only once the kernel is in place, so a bad image still fails with one line. */
	if (m->cfg->kernel_path && m->vm.emulation_quirks) {
		const char *host = NULL;

		quirks_detect(&host);
		pr_info("host quirks: this host's KVM is %s; adding kernel parameters \"%s\" "
			"(--no-host-quirks turns this off)", host, quirks_linux_params());
	}
	return boot_set_regs(&m->vm.mem, m->vm.vcpus[0].fd, &setup);
}

static int build(struct machine *m)
{
	const struct machine_config *cfg = m->cfg;

	if (load_kernel_file(m) || check_initrd(cfg->initrd_path) || check_disks(cfg))
		return -1;
	/* Check the image before touching KVM, so a bad file fails fast. */
	if (boot_detect(m->kernel, m->kernel_size) == BOOT_KIND_UNKNOWN) {
		pr_err("%s: not a kernel vessel can boot (neither an ELF with a PVH entry nor a "
		       "Linux bzImage)", cfg->kernel_path);
		return -1;
	}
	if (kvm_open(&m->vm.kvm, cfg->kvm_path))
		return -1;
	m->vm.emulation_quirks = cfg->host_quirks && quirks_detect(NULL);
	if (setup_memory(m) || intc_create(&m->intc, &m->vm, cfg->iommu, (uint8_t)cfg->cpus))
		return -1;
	if (cfg->pit && kvm_create_pit(&m->vm.kvm))
		return -1;
	if (vm_create_vcpus(&m->vm, cfg->cpus) || cpuid_setup(&m->vm))
		return -1;
	if (setup_devices(m) || setup_pci(m) || setup_acpi(m) || build_cmdline(m))
		return -1;
	return load_and_boot(m);
}

static int exit_status(enum vm_exit why, int sig)
{
	switch (why) {
	case VM_EXIT_POWEROFF:
		return EXIT_GUEST_POWEROFF;
	case VM_EXIT_RESET:
		return EXIT_GUEST_RESET;
	case VM_EXIT_CRASH:
		return EXIT_GUEST_CRASH;
	case VM_EXIT_SIGNAL:
		return EXIT_SIGNAL_BASE + sig;
	default:
		return EXIT_VMM_ERROR;
	}
}

static void teardown(struct machine *m)
{
	virtio_devs_destroy(&m->virtio);
	if (m->vtd) {
		struct vtd_stats st;

		vtd_stats(m->vtd, &st);
		if (st.iotlb_hits + st.iotlb_misses + st.faults)
			pr_info("IOMMU: IOTLB %llu hits, %llu misses (%.1f%% hits); %llu faults",
				(unsigned long long)st.iotlb_hits,
				(unsigned long long)st.iotlb_misses,
				100.0 * (double)st.iotlb_hits /
					(double)(st.iotlb_hits + st.iotlb_misses + !(st.iotlb_hits + st.iotlb_misses)),
				(unsigned long long)st.faults);
		vtd_destroy(m->vtd);
		free(m->vtd);
	}
	if (m->routes_ready)
		irq_routes_destroy(&m->routes);
	intc_destroy(&m->intc);
	if (m->pci_ready)
		pci_bus_destroy(&m->pci);
	vm_destroy(&m->vm);
	uart16550_destroy(m->uart);
	i8042_destroy(m->kbd);
	rtc_destroy(m->rtc);
	if (m->kernel_mapped)
		munmap((void *)m->kernel, m->kernel_size);
	free(m->cmdline);
}

static size_t uart_receive(void *u, const uint8_t *buf, size_t len)
{
	return uart16550_receive(u, buf, len);
}

static size_t uart_room(void *u)
{
	return uart16550_rx_room(u);
}

static int uart_room_fd(void *u)
{
	return uart16550_rx_room_fd(u);
}

static size_t hvc_receive(void *c, const uint8_t *buf, size_t len)
{
	return virtio_console_receive(c, buf, len);
}

static size_t hvc_room(void *c)
{
	return virtio_console_rx_room(c);
}

static int hvc_room_fd(void *c)
{
	return virtio_console_room_fd(c);
}

/* Host input goes to the console the command line chose. */
static struct console_input console_input(struct machine *m)
{
	if (m->virtio.console)
		return (struct console_input){ hvc_receive, hvc_room, hvc_room_fd,
					       m->virtio.console };
	return (struct console_input){ uart_receive, uart_room, uart_room_fd, m->uart };
}

int machine_run(const struct machine_config *cfg)
{
	struct machine m;
	int sig = 0, status;

	memset(&m, 0, sizeof(m));
	m.cfg = cfg;
	if (vm_init(&m.vm) || build(&m)) {
		teardown(&m);
		return EXIT_VMM_ERROR;
	}
	if (console_init(&m.console)) {
		teardown(&m);
		return EXIT_VMM_ERROR;
	}
	if (vm_start(&m.vm) == 0) {
		struct console_input in = console_input(&m);

		sig = console_loop(&m.console, &m.vm, &in);
	}
	vm_join(&m.vm);
	console_restore(&m.console);
	status = exit_status(vm_exit_reason(&m.vm), sig);
	if (status == EXIT_GUEST_RESET)
		pr_info("the guest asked for a reset; vessel exits with status %d", status);
	teardown(&m);
	return status;
}

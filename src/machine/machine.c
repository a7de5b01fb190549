#include "machine/machine_internal.h"
#include "acpi/acpi.h"
#include "core/clock.h"
#include "core/cpuid.h"
#include "core/log.h"
#include "core/quirks.h"
#include "hw/uart16550.h"
#include "virtio/console.h"
#include "virtio/net.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_LINUX_CMDLINE "console=ttyS0 panic=-1"
#define DEFAULT_LINUX_CMDLINE_HVC "console=hvc0 panic=-1"
#define PCI_INTX_GSI_BASE 16	/* IOAPIC pins 16-19 take PCI INTA-INTD */

extern const uint8_t vessel_guest_start[], vessel_guest_end[];

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
	cfg->host_console = true;
}

static int load_kernel_file(struct machine *m, struct error *err)
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
	if (fd < 0)
		return error_set(err, errno, "--kernel %s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return error_set(err, EINVAL, "--kernel %s: not a regular, non-empty file", path);
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return error_set(err, errno, "--kernel %s: %s", path, strerror(errno));
	m->kernel = p;
	m->kernel_size = (size_t)st.st_size;
	m->kernel_mapped = true;
	return 0;
}

/* An unreadable initrd is the user's mistake: say so before touching KVM. */
static int check_initrd(const char *path, struct error *err)
{
	struct stat st;

	if (!path)
		return 0;
	if (stat(path, &st))
		return error_set(err, errno, "--initrd %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || access(path, R_OK))
		return error_set(err, EACCES, "--initrd %s: not a readable regular file", path);
	return 0;
}

/* Bad disk images are the user's mistake too: opened once here, before KVM. */
static int check_disks(const struct machine_config *cfg)
{
	unsigned i;

	for (i = 0; i < cfg->nr_disks; i++) {
		const struct blk_options *o = &cfg->disks[i].opts;
		struct disk d;

		if ((o->lock_later ? disk_open_unlocked : disk_open)(&d, o->path, o->readonly,
								     o->direct))
			return -1;
		disk_close(&d);
	}
	return 0;
}

static int setup_memory(struct machine *m, struct error *err)
{
	struct guest_mem_range ranges[2];
	unsigned n = 0, i;

	layout_compute(m->cfg->mem_size, &m->layout);
	ranges[n++] = (struct guest_mem_range){ 0, m->layout.low_ram_end };
	if (m->layout.high_ram_size)
		ranges[n++] = (struct guest_mem_range){ HIGH_RAM_START, m->layout.high_ram_size };
	if (m->cfg->restore_memory ?
	    guest_mem_init(&m->vm.mem, ranges, n, GUEST_MEM_FILE, m->cfg->restore_memory) :
	    guest_mem_init(&m->vm.mem, ranges, n, m->cfg->backing, m->cfg->hugetlbfs))
		return -1;
	for (i = 0; i < m->vm.mem.nr_regions; i++) {
		const struct guest_mem_region *r = &m->vm.mem.regions[i];

		if (kvm_set_memory_region(&m->vm.kvm, r, r->size, err))
			return -1;
	}
	m->e820_entries = e820_build(&m->layout, m->e820);
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
	unsigned i;

	intc_refresh(&m->intc);
	for (i = 0; i < m->nr_msi; i++)
		msi_vectors_refresh(m->msi[i]);
}

/* The VT-d unit: its registers, and the translator every device's DMA goes through. */
static int setup_iommu(struct machine *m, struct error *err)
{
	struct vtd_msi_sink sink = { vtd_send_msi, &m->vm };

	m->vtd = calloc(1, sizeof(*m->vtd));
	if (!m->vtd)
		return error_set(err, ENOMEM, "out of memory");
	vtd_init(m->vtd, &m->vm.mem, &sink, m->cfg->iommu_caching_mode);
	if (vtd_attach(m->vtd, &m->vm.mmio))
		return error_set(err, EBUSY, "the IOMMU's registers overlap another device");
	vtd_translator(m->vtd, &m->vtd_xlate);
	vtd_set_ir_listener(m->vtd, remapping_changed, m);
	/* First in the registry: reset before the devices behind it, and "vtd.0" in metrics. */
	if (registry_add(&m->devices, &vtd_device_ops, m->vtd, err))
		return -1;
	dmar_build(m->dmar, VTD_BASE_ADDR, (uint8_t)m->cfg->cpus, true);
	return 0;
}

/* The PCI root bus, interrupt routes and the IOMMU the devices will sit behind. */
static int setup_pci(struct machine *m, struct error *err)
{
	uint64_t mmio64 = (HIGH_RAM_START + m->layout.high_ram_size + GiB - 1) & ~(GiB - 1);

	if (pci_bus_init(&m->pci, &m->vm.pio, &m->vm.mmio, mmio64, PCI_INTX_GSI_BASE))
		return error_set(err, ENOMEM, "cannot create the PCI bus");
	m->pci_ready = true;
	if (pci_bus_attach_ports(&m->pci, PCI_ECAM_START))
		return error_set(err, EBUSY, "PCI configuration ports overlap another device");
	if (irq_routes_init(&m->routes, &m->vm.kvm, m->intc.ioapic != NULL))
		return -1;
	m->routes_ready = true;
	irq_routes_hold(&m->routes);
	if (m->cfg->iommu && setup_iommu(m, err))
		return -1;
	intc_connect(&m->intc, &m->routes, m->vtd);
	return 0;
}

static void dsdt_devices(struct aml *a, void *opaque)
{
	struct machine *m = opaque;

	registry_acpi(&m->devices, a);
}

static int setup_acpi(struct machine *m, struct error *err)
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
	if (!area || !acpi_build(&c, area, ACPI_TABLES_SIZE, ACPI_TABLES_ADDR))
		return error_set(err, ENOSPC, "cannot build the ACPI tables");
	return 0;
}

/* The kernel command line, with the host's quirk parameters in front. */
static int build_cmdline(struct machine *m, struct error *err)
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
		return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int load_and_boot(struct machine *m, bool ram_fresh)
{
	struct boot_setup setup;
	struct vcpu_regs regs;
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
		.ram_zeroed = ram_fresh,	/* mapped anew in setup_memory: nothing written yet */
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
	if (vcpu_regs_get(m->vm.vcpus[0].fd, &regs, NULL) ||
	    boot_entry_regs(&m->vm.mem, &setup, &regs))
		return -1;
	return vcpu_regs_set(m->vm.vcpus[0].fd, &regs, NULL);
}

int machine_boot(struct machine *m, bool ram_fresh, struct error *err)
{
	/* A restored machine never booted: it has no kernel or command line yet. */
	if (!m->kernel && load_kernel_file(m, err))
		return -1;
	if (!m->cmdline && build_cmdline(m, err))
		return -1;
	if (setup_acpi(m, err))
		return -1;
	return load_and_boot(m, ram_fresh) ? error_set(err, EIO, "cannot load the kernel") : 0;
}

static int build(struct machine *m, struct error *err)
{
	const struct machine_config *cfg = m->cfg;

	if (!cfg->restore &&
	    (load_kernel_file(m, err) || check_initrd(cfg->initrd_path, err)))
		return -1;
	if (check_disks(cfg))
		return -1;
	/* Check the image before touching KVM, so a bad file fails fast. */
	if (!cfg->restore && boot_detect(m->kernel, m->kernel_size) == BOOT_KIND_UNKNOWN)
		return error_set(err, ENOEXEC, "%s: not a kernel vessel can boot (neither an ELF "
				 "with a PVH entry nor a Linux bzImage)", cfg->kernel_path);
	if (kvm_open(&m->vm.kvm, cfg->kvm_path))
		return -1;
	m->vm.emulation_quirks = cfg->host_quirks && quirks_detect(NULL);
	/*
	 * KVM's split irqchip (local APICs in the kernel, the IOAPIC here) unless the
	 * in-kernel PIT needs KVM's IOAPIC: creating KVM's PIC and IOAPIC leaves the
	 * kernel cleanup to wait for at exit (7-23 ms measured, against 0.3-2 ms).
	 */
	if (setup_memory(m, err) ||
	    intc_create(&m->intc, &m->vm, cfg->iommu || !cfg->pit, (uint8_t)cfg->cpus))
		return -1;
	if (cfg->pit && kvm_create_pit(&m->vm.kvm))
		return -1;
	if (vm_create_vcpus(&m->vm, cfg->cpus) || cpuid_setup(&m->vm) ||
	    machine_save_reset_state(m, err))
		return -1;
	if (setup_pci(m, err) || machine_realize_devices(m, err))
		return -1;
	/* A restored guest's memory holds its tables and kernel, maybe reused since. */
	if (cfg->restore)
		return 0;
	if (setup_acpi(m, err) || build_cmdline(m, err))
		return -1;
	return load_and_boot(m, true);
}

static void vm_exited(void *arg, uint32_t events)
{
	struct machine *m = arg;

	(void)events;
	event_loop_stop(m->loop);
}

/* Host input goes to the console the configuration chose. */
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

static struct console_input console_input(struct machine *m)
{
	if (m->hvc)
		return (struct console_input){ hvc_receive, hvc_room, hvc_room_fd, m->hvc };
	return (struct console_input){ uart_receive, uart_room, uart_room_fd, m->uart };
}

size_t machine_console_input(struct machine *m, const uint8_t *buf, size_t len)
{
	struct console_input in = console_input(m);

	return in.receive(in.opaque, buf, len);
}

struct bochs_display *machine_display(struct machine *m)
{
	return m->display;
}

void machine_input_key(struct machine *m, unsigned code, bool down)
{
	input_route_key(&m->input, code, down);
}

void machine_input_pointer(struct machine *m, unsigned x, unsigned y, unsigned buttons)
{
	input_route_pointer(&m->input, x, y, buttons);
}

static int setup_loop(struct machine *m, struct error *err)
{
	m->loop = event_loop_create();
	if (!m->loop)
		return error_set(err, errno, "cannot create the event loop: %s", strerror(errno));
	m->exit_watch = event_loop_add_fd(m->loop, m->vm.exit_efd, EPOLLIN, vm_exited, m);
	if (!m->exit_watch)
		return error_set(err, errno, "cannot watch the VM: %s", strerror(errno));
	return 0;
}

static void print_iommu_stats(struct vtd *v)
{
	struct vtd_stats st;
	unsigned long long lookups;

	vtd_stats(v, &st);
	lookups = (unsigned long long)(st.iotlb_hits + st.iotlb_misses);
	if (!lookups && !st.faults)
		return;
	pr_info("IOMMU: IOTLB %llu hits, %llu misses (%.1f%% hits); %llu faults",
		(unsigned long long)st.iotlb_hits, (unsigned long long)st.iotlb_misses,
		100.0 * (double)st.iotlb_hits / (double)(lookups + !lookups),
		(unsigned long long)st.faults);
}

static void teardown(struct machine *m)
{
	unsigned i;

	registry_destroy(&m->devices);
	for (i = 0; i < m->nr_msi; i++) {
		msi_vectors_destroy(m->msi[i]);
		free(m->msi[i]);
	}
	if (m->vtd) {
		print_iommu_stats(m->vtd);
		vtd_destroy(m->vtd);
		free(m->vtd);
	}
	if (m->routes_ready)
		irq_routes_destroy(&m->routes);
	intc_destroy(&m->intc);
	if (m->pci_ready)
		pci_bus_destroy(&m->pci);
	vm_destroy(&m->vm);
	event_loop_destroy(m->loop);
	if (m->kernel_mapped)
		munmap((void *)m->kernel, m->kernel_size);
	free(m->cmdline);
	state_writer_free(&m->power_on);
}

struct machine *machine_create(const struct machine_config *cfg, struct error *err)
{
	struct machine *m = calloc(1, sizeof(*m));
	int r;

	if (!m) {
		error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	m->cfg = cfg;
	pthread_mutex_init(&m->lock, NULL);
	registry_init(&m->devices);
	input_router_init(&m->input);
	/* Layers below report with pr_err: their reason lands in @err. */
	log_capture_errors(err);
	r = vm_init(&m->vm) || build(m, err) || setup_loop(m, err);
	log_capture_errors(NULL);
	if (r) {
		if (err && !err->msg[0])
			error_set(err, EIO, "cannot create the VM");
		teardown(m);
		pthread_mutex_destroy(&m->lock);
		free(m);
		return NULL;
	}
	m->state = MACHINE_CREATED;
	return m;
}

static int pause_locked(struct machine *m, struct error *err)
{
	if (m->state == MACHINE_PAUSED)
		return 0;
	if (m->state != MACHINE_RUNNING)
		return error_set(err, EBUSY, "the VM is not running");
	if (vm_pause(&m->vm)) {
		vm_resume(&m->vm);
		return error_set(err, ESRCH, "the VM stopped while pausing");
	}
	registry_pause(&m->devices);
	m->state = MACHINE_PAUSED;
	machine_notify(m, MACHINE_EVENT_PAUSED, 0);
	return 0;
}

int machine_start(struct machine *m, struct error *err)
{
	struct console_input in = console_input(m);

	if (m->state != MACHINE_CREATED)
		return error_set(err, EBUSY, "the VM was started already");
	/* The routes the devices and their records set up, to KVM in one table. */
	if (irq_routes_release(&m->routes))
		return error_set(err, EIO, "cannot set up the interrupt routes");
	if (m->cfg->host_console) {
		if (console_init(&m->console))
			return error_set(err, errno, "cannot set up the console: %s", strerror(errno));
		m->console_ready = true;
		if (console_attach(&m->console, m->loop, &m->vm, &in))
			return error_set(err, errno, "cannot serve the console: %s", strerror(errno));
	}
	pthread_mutex_lock(&m->lock);
	m->started_ns = now_ns();
	/* Parked before their first KVM_RUN: the pause below waits for them. */
	if (m->cfg->start_paused)
		m->vm.pause = true;
	if (vm_start(&m->vm)) {
		m->state = MACHINE_STOPPED;
		pthread_mutex_unlock(&m->lock);
		return error_set(err, EAGAIN, "cannot start the vCPU threads");
	}
	m->state = MACHINE_RUNNING;
	if (m->cfg->start_paused && pause_locked(m, err)) {
		pthread_mutex_unlock(&m->lock);
		return -1;
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

void machine_notify(struct machine *m, enum machine_event ev, int status)
{
	if (m->observer)
		m->observer->event(m->observer->opaque, ev, status);
}

void machine_set_observer(struct machine *m, const struct machine_observer *o)
{
	m->observer = o;
}

int machine_pause(struct machine *m, struct error *err)
{
	int r;

	pthread_mutex_lock(&m->lock);
	r = pause_locked(m, err);
	pthread_mutex_unlock(&m->lock);
	return r;
}

static int resume_locked(struct machine *m, struct error *err)
{
	if (m->state == MACHINE_RUNNING)
		return 0;
	if (m->state != MACHINE_PAUSED)
		return error_set(err, EBUSY, "the VM is not paused");
	if (registry_resume(&m->devices, err)) {
		vm_request_exit(&m->vm, VM_EXIT_ERROR);
		vm_resume(&m->vm);
		m->state = MACHINE_STOPPED;
		return -1;
	}
	vm_resume(&m->vm);
	m->state = MACHINE_RUNNING;
	machine_notify(m, MACHINE_EVENT_RESUMED, 0);
	return 0;
}

int machine_resume(struct machine *m, struct error *err)
{
	int r;

	pthread_mutex_lock(&m->lock);
	r = resume_locked(m, err);
	pthread_mutex_unlock(&m->lock);
	return r;
}

void machine_stop(struct machine *m)
{
	vm_request_exit(&m->vm, VM_EXIT_SIGNAL);
}

void machine_stop_migrated(struct machine *m)
{
	vm_request_exit(&m->vm, VM_EXIT_MIGRATED);
}

int machine_throttle(struct machine *m, unsigned us, struct error *err)
{
	int r = 0;

	pthread_mutex_lock(&m->lock);
	if (m->state != MACHINE_RUNNING) {
		r = error_set(err, EBUSY, "the VM is not running");
	} else if (vm_pause(&m->vm)) {
		r = error_set(err, ESRCH, "the VM stopped");
	} else {
		usleep(us);
	}
	if (m->state == MACHINE_RUNNING)
		vm_resume(&m->vm);
	pthread_mutex_unlock(&m->lock);
	return r;
}

static int exit_status(enum vm_exit why, int sig)
{
	switch (why) {
	case VM_EXIT_MIGRATED:
		return EXIT_MIGRATED;
	case VM_EXIT_POWEROFF:
		return EXIT_GUEST_POWEROFF;
	case VM_EXIT_RESET:
		return EXIT_GUEST_RESET;
	case VM_EXIT_CRASH:
		return EXIT_GUEST_CRASH;
	case VM_EXIT_SIGNAL:
		return sig ? EXIT_SIGNAL_BASE + sig : EXIT_SIGNAL_BASE + SIGTERM;
	default:
		return EXIT_VMM_ERROR;
	}
}

static void set_stopped(struct machine *m)
{
	pthread_mutex_lock(&m->lock);
	m->state = MACHINE_STOPPED;
	pthread_mutex_unlock(&m->lock);
}

int machine_wait(struct machine *m)
{
	int status;

	bool ran = m->state == MACHINE_RUNNING || m->state == MACHINE_PAUSED;

	if (ran) {
		if (event_loop_run(m->loop))
			vm_request_exit(&m->vm, VM_EXIT_ERROR);
		/* No pause or resume from now on: the vCPUs are on their way out. */
		set_stopped(m);
		/* A paused VM asked to stop: its vCPUs leave their parking now. */
		vm_resume(&m->vm);
		vm_join(&m->vm);
	}
	if (m->console_ready) {
		console_restore(&m->console);
		m->console_ready = false;
	}
	set_stopped(m);
	status = exit_status(vm_exit_reason(&m->vm), m->console.signal);
	if (status == EXIT_GUEST_RESET)
		pr_info("the guest asked for a reset; vessel exits with status %d", status);
	if (ran)
		machine_notify(m, MACHINE_EVENT_SHUTDOWN, status);
	return status;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	if (m->state == MACHINE_RUNNING || m->state == MACHINE_PAUSED) {
		machine_stop(m);
		machine_wait(m);
	}
	if (m->console_ready)
		console_restore(&m->console);
	teardown(m);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

enum machine_state machine_state(struct machine *m)
{
	enum machine_state s;

	pthread_mutex_lock(&m->lock);
	s = m->state;
	pthread_mutex_unlock(&m->lock);
	return s;
}

uint64_t machine_uptime_ns(struct machine *m)
{
	uint64_t started;

	pthread_mutex_lock(&m->lock);
	started = m->state == MACHINE_CREATED ? 0 : m->started_ns;
	pthread_mutex_unlock(&m->lock);
	return started ? now_ns() - started : 0;
}

const struct machine_config *machine_config(struct machine *m)
{
	return m->cfg;
}

const struct kvm_cpuid2 *machine_supported_cpuid(struct machine *m)
{
	return m->vm.supported_cpuid;
}

void machine_metrics(struct machine *m, void (*begin)(void *opaque, const char *name),
		     device_metric_fn emit, void *opaque)
{
	registry_metrics(&m->devices, begin, emit, opaque);
	begin(opaque, "input");
	emit(opaque, "routed", __atomic_load_n(&m->input.routed, __ATOMIC_RELAXED));
	emit(opaque, "dropped", __atomic_load_n(&m->input.dropped, __ATOMIC_RELAXED));
}

void machine_vcpu_exits(struct machine *m,
			void (*fn)(void *opaque, unsigned vcpu, const char *reason, uint64_t n),
			void *opaque)
{
	unsigned i, k;

	for (i = 0; i < m->vm.nr_vcpus; i++)
		for (k = 0; k < VCPU_EXIT_KINDS; k++)
			fn(opaque, i, vcpu_exit_names[k],
			   __atomic_load_n(&m->vm.vcpus[i].exits[k], __ATOMIC_RELAXED));
}

int machine_disks_lock(struct machine *m, struct error *err)
{
	struct device_entry *e;
	unsigned i;

	for (i = 0; (e = registry_find(&m->devices, virtio_blk_device_ops.kind, i)); i++)
		if (virtio_blk_lock(e->dev))
			return error_set(err, EBUSY, "--disk %s: another process holds its lock",
					 m->cfg->disks[i].opts.path);
	return 0;
}

void machine_disks_unlock(struct machine *m)
{
	struct device_entry *e;
	unsigned i;

	for (i = 0; (e = registry_find(&m->devices, virtio_blk_device_ops.kind, i)); i++)
		virtio_blk_unlock(e->dev);
}

int machine_net_set_link(struct machine *m, unsigned index, bool up, struct error *err)
{
	struct device_entry *e = registry_find(&m->devices, virtio_net_device_ops.kind, index);

	if (!e)
		return error_set(err, ENODEV, "no NIC net%u (the VM has %u)", index,
				 m->cfg->nr_nics);
	virtio_net_set_link(e->dev, up);
	return 0;
}

struct event_loop *machine_loop(struct machine *m)
{
	return m->loop;
}

int machine_dirty_log_open(struct machine *m, uint64_t gpa, struct dirty_log *log,
			   struct error *err)
{
	struct guest_mem_region *r = guest_mem_find(&m->vm.mem, gpa);

	if (!r)
		return error_set(err, EINVAL, "no guest memory at 0x%llx", (unsigned long long)gpa);
	return dirty_log_open(log, &m->vm.kvm, &m->vm.mem, r, err);
}

int machine_run(const struct machine_config *cfg)
{
	struct error err = { 0 };
	struct machine *m = machine_create(cfg, &err);
	int status;

	if (!m) {
		pr_err("%s", err.msg);
		return EXIT_VMM_ERROR;
	}
	if (machine_start(m, &err)) {
		pr_err("%s", err.msg);
		machine_destroy(m);
		return EXIT_VMM_ERROR;
	}
	status = machine_wait(m);
	machine_destroy(m);
	return status;
}

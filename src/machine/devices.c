/*
 * The device kinds a machine can have, in the order they are realized (the
 * DSDT lists them so): each realize function makes the instances the
 * configuration asks for and hands them to the registry. A new kind is a
 * file of its own and one line in the table below.
 */
#include "machine/machine_internal.h"
#include "core/log.h"
#include "display/bochs_display.h"
#include "hw/i8042.h"
#include "hw/rtc.h"
#include "hw/uart16550.h"
#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/input.h"
#include "virtio/net.h"
#include "virtio/rng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct device_kind {
	const char *name;
	int (*realize)(struct machine *m, struct error *err);
};

/* The guest's console output, from the UART or virtio-console. */
static void console_output(void *opaque, const uint8_t *buf, size_t len)
{
	struct machine *m = opaque;
	const struct machine_output *o = &m->cfg->output;

	if (o->write) {
		o->write(o->opaque, buf, len);
		return;
	}
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

static int realize_uart(struct machine *m, struct error *err)
{
	struct irq_line com1 = intc_line(&m->intc, COM1_IRQ);
	struct uart_sink sink = { console_output, m };

	m->uart = uart16550_create(&com1, &sink);
	if (!m->uart)
		return error_set(err, ENOMEM, "uart16550: out of memory");
	if (registry_add(&m->devices, &uart16550_device_ops, m->uart, err)) {
		m->uart = NULL;
		return -1;
	}
	if (uart16550_attach(m->uart, &m->vm.pio, COM1_PORT))
		return error_set(err, EBUSY, "uart16550: its I/O ports overlap another device");
	return 0;
}

static void kbd_reset(void *opaque)
{
	vm_request_exit(opaque, VM_EXIT_RESET);
}

static int realize_i8042(struct machine *m, struct error *err)
{
	struct irq_line kbd = intc_line(&m->intc, I8042_KBD_IRQ);
	struct irq_line aux = intc_line(&m->intc, I8042_AUX_IRQ);
	struct i8042 *k = i8042_create(&kbd, &aux, kbd_reset, &m->vm);

	if (!k)
		return error_set(err, ENOMEM, "i8042: out of memory");
	if (registry_add(&m->devices, &i8042_device_ops, k, err))
		return -1;
	if (i8042_attach(k, &m->vm.pio))
		return error_set(err, EBUSY, "i8042: its I/O ports overlap another device");
	if (input_router_add(&m->input, &i8042_keyboard_sink, k, I8042_INPUT_PRIORITY) ||
	    input_router_add(&m->input, &i8042_mouse_sink, k, I8042_INPUT_PRIORITY))
		return error_set(err, ENOSPC, "i8042: too many input devices");
	return 0;
}

static int realize_rtc(struct machine *m, struct error *err)
{
	struct rtc *r = rtc_create(NULL);

	if (!r)
		return error_set(err, ENOMEM, "rtc: out of memory");
	if (registry_add(&m->devices, &rtc_device_ops, r, err))
		return -1;
	if (rtc_attach(r, &m->vm.pio))
		return error_set(err, EBUSY, "rtc: its I/O ports overlap another device");
	return 0;
}

static void pm_event(void *opaque, enum acpi_pm_event ev)
{
	vm_request_exit(opaque, ev == ACPI_PM_POWEROFF ? VM_EXIT_POWEROFF : VM_EXIT_RESET);
}

static int realize_acpi_pm(struct machine *m, struct error *err)
{
	m->pm = (struct acpi_pm){ pm_event, &m->vm };
	if (registry_add(&m->devices, &acpi_pm_device_ops, &m->pm, err))
		return -1;
	if (acpi_pm_attach(&m->pm, &m->vm.pio))
		return error_set(err, EBUSY, "acpi-pm: its I/O ports overlap another device");
	return 0;
}

static void guest_panicked(void *opaque, uint8_t events)
{
	struct machine *m = opaque;

	if (events & PVPANIC_PANICKED) {
		pr_err("the guest reported a kernel panic (pvpanic)");
		machine_notify(m, MACHINE_EVENT_PANIC, 0);
		vm_request_exit(&m->vm, VM_EXIT_CRASH);
	} else {
		pr_info("the guest loaded a crash kernel after a panic (pvpanic)");
	}
}

static int realize_pvpanic(struct machine *m, struct error *err)
{
	m->pvpanic = (struct pvpanic){ guest_panicked, m };
	if (registry_add(&m->devices, &pvpanic_device_ops, &m->pvpanic, err))
		return -1;
	if (pvpanic_attach(&m->pvpanic, &m->vm.pio))
		return error_set(err, EBUSY, "pvpanic: its I/O port overlaps another device");
	return 0;
}

static int realize_pci_host(struct machine *m, struct error *err)
{
	return registry_add(&m->devices, &pci_host_device_ops, &m->pci, err);
}

static int doorbell_bind(void *opaque, uint64_t addr, int efd, bool assign)
{
	struct vm *vm = opaque;

	return kvm_ioeventfd(&vm->kvm, addr, efd, assign);
}

/* Vectors for a virtio device with @nr_queues queues, kept by the machine, not the device. */
static struct msi_vectors *virtio_env(struct machine *m, unsigned nr_queues,
				      struct virtio_pci_env *env, struct error *err)
{
	struct msi_vectors *mv;

	if (m->nr_msi == REGISTRY_MAX_DEVICES) {
		error_set(err, ENOSPC, "too many PCI devices");
		return NULL;
	}
	mv = calloc(1, sizeof(*mv));
	if (!mv) {
		error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	m->msi[m->nr_msi++] = mv;
	*env = (struct virtio_pci_env){ .doorbell = { doorbell_bind, &m->vm },
					.iommu = m->vtd != NULL };
	if (msi_vectors_init(mv, &m->routes, nr_queues + 1, &env->msix)) {
		error_set(err, ENOSPC, "no interrupt routes left for another device");
		return NULL;
	}
	return mv;
}

/* Into a PCI slot, with DMA and interrupts for the requester id the slot gives it. */
static int virtio_plug(struct machine *m, struct virtio_dev *vd, struct msi_vectors *mv,
		       const char *kind, struct error *err)
{
	struct irq_line intx = intc_line(&m->intc, 0);
	int slot = pci_bus_add(&m->pci, &vd->pci, &intx);

	if (slot < 0)
		return error_set(err, ENOSPC, "%s: no free PCI slot", kind);
	dma_space_init(&vd->dma, &m->vm.mem, m->vtd ? &m->vtd_xlate : NULL, (uint16_t)(slot << 3));
	msi_vectors_set_remap(mv, intc_remapper(&m->intc), (uint16_t)(slot << 3));
	return 0;
}

/* The terminal's size for the guest's hvc0, when stdout is a terminal. */
static void terminal_size(uint16_t *cols, uint16_t *rows)
{
	struct winsize ws;

	*cols = *rows = 0;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

static int realize_virtio_console(struct machine *m, struct error *err)
{
	struct virtio_console_sink out = { console_output, m };
	struct virtio_pci_env env;
	struct msi_vectors *mv;
	struct virtio_console *c;
	uint16_t cols, rows;

	if (m->cfg->console != CONSOLE_VIRTIO)
		return 0;
	terminal_size(&cols, &rows);
	mv = virtio_env(m, 2, &env, err);
	if (!mv)
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return error_set(err, ENOMEM, "virtio-console: out of memory");
	/* Registered before its init: a half-made device is destroyed like a whole one. */
	if (registry_add(&m->devices, &virtio_console_device_ops, c, err))
		return -1;
	if (virtio_console_init(c, &env, &out, cols, rows))
		return error_set(err, errno, "virtio-console: cannot create the device");
	m->hvc = c;
	return virtio_plug(m, &c->vd, mv, "virtio-console", err);
}

static int realize_virtio_blk(struct machine *m, struct error *err)
{
	unsigned i;

	for (i = 0; i < m->cfg->nr_disks; i++) {
		const struct blk_options *o = &m->cfg->disks[i].opts;
		struct virtio_pci_env env;
		struct msi_vectors *mv = virtio_env(m, o->queues, &env, err);
		struct virtio_blk *b;

		if (!mv)
			return -1;
		b = calloc(1, sizeof(*b));
		if (!b)
			return error_set(err, ENOMEM, "virtio-blk: out of memory");
		if (registry_add(&m->devices, &virtio_blk_device_ops, b, err))
			return -1;
		if (virtio_blk_init(b, o, &env))
			return error_set(err, EIO, "--disk %s: cannot create the device", o->path);
		if (virtio_plug(m, &b->vd, mv, "virtio-blk", err))
			return -1;
	}
	return 0;
}

static int realize_virtio_rng(struct machine *m, struct error *err)
{
	struct virtio_pci_env env;
	struct msi_vectors *mv;
	struct virtio_rng *r;

	if (!m->cfg->rng)
		return 0;
	mv = virtio_env(m, 1, &env, err);
	if (!mv)
		return -1;
	r = calloc(1, sizeof(*r));
	if (!r)
		return error_set(err, ENOMEM, "virtio-rng: out of memory");
	if (registry_add(&m->devices, &virtio_rng_device_ops, r, err))
		return -1;
	if (virtio_rng_init(r, &env))
		return error_set(err, errno, "virtio-rng: cannot create the device");
	return virtio_plug(m, &r->vd, mv, "virtio-rng", err);
}

static int realize_virtio_net(struct machine *m, struct error *err)
{
	unsigned i;

	for (i = 0; i < m->cfg->nr_nics; i++) {
		struct virtio_pci_env env;
		struct msi_vectors *mv = virtio_env(m, 2 * m->cfg->nics[i].queues + 1, &env, err);
		struct virtio_net *n;

		if (!mv)
			return -1;
		n = calloc(1, sizeof(*n));
		if (!n)
			return error_set(err, ENOMEM, "virtio-net: out of memory");
		if (registry_add(&m->devices, &virtio_net_device_ops, n, err))
			return -1;
		if (virtio_net_init(n, &m->cfg->nics[i], i, &env, err) ||
		    virtio_plug(m, &n->vd, mv, "virtio-net", err))
			return -1;
	}
	return 0;
}

static int realize_display(struct machine *m, struct error *err)
{
	struct irq_line intx = intc_line(&m->intc, 0);
	struct bochs_display *d;

	if (!m->cfg->display_width)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return error_set(err, ENOMEM, "bochs-display: out of memory");
	if (bochs_display_init(d, &m->vm.mem, &m->vm.kvm, m->cfg->display_width,
			       m->cfg->display_height, err)) {
		free(d);
		return -1;
	}
	if (registry_add(&m->devices, &bochs_display_device_ops, d, err))
		return -1;
	if (pci_bus_add(&m->pci, &d->pci, &intx) < 0)
		return error_set(err, ENOSPC, "bochs-display: no free PCI slot");
	if (bochs_display_map(d, err))
		return -1;
	m->display = d;
	return 0;
}

/* A keyboard and a tablet, each a sink of the machine's input router. */
static int realize_virtio_input(struct machine *m, struct error *err)
{
	static const enum virtio_input_kind kinds[] = { VIRTIO_INPUT_KEYBOARD, VIRTIO_INPUT_TABLET };
	unsigned i;

	if (m->cfg->input != INPUT_VIRTIO)
		return 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct virtio_pci_env env;
		struct msi_vectors *mv = virtio_env(m, 2, &env, err);
		struct virtio_input *in;

		if (!mv)
			return -1;
		in = calloc(1, sizeof(*in));
		if (!in)
			return error_set(err, ENOMEM, "virtio-input: out of memory");
		if (registry_add(&m->devices, &virtio_input_device_ops, in, err))
			return -1;
		if (virtio_input_init(in, kinds[i], 0, &env))
			return error_set(err, errno, "virtio-input: cannot create the device");
		if (virtio_plug(m, &in->vd, mv, "virtio-input", err))
			return -1;
		if (input_router_add(&m->input, virtio_input_sink_ops(in), in,
				     VIRTIO_INPUT_PRIORITY))
			return error_set(err, ENOSPC, "virtio-input: too many input devices");
	}
	return 0;
}

static const struct device_kind device_kinds[] = {
	{ "pci-host", realize_pci_host },
	{ "uart16550", realize_uart },
	{ "i8042", realize_i8042 },
	{ "rtc", realize_rtc },
	{ "pvpanic", realize_pvpanic },
	{ "acpi-pm", realize_acpi_pm },
	{ "virtio-console", realize_virtio_console },
	{ "virtio-blk", realize_virtio_blk },
	{ "virtio-net", realize_virtio_net },
	{ "virtio-rng", realize_virtio_rng },
	{ "bochs-display", realize_display },
	{ "virtio-input", realize_virtio_input },
};

int machine_realize_devices(struct machine *m, struct error *err)
{
	size_t i;

	for (i = 0; i < sizeof(device_kinds) / sizeof(device_kinds[0]); i++)
		if (device_kinds[i].realize(m, err))
			return -1;
	return 0;
}

/*
 * libFuzzer target: device records are snapshot-file input. Every kind of
 * device with a record (the UART, the i8042, the RTC, the PCI host bridge,
 * the IOAPIC, the VT-d unit, virtio rng, console, blk, net and input) is built once
 * and driven a little so that its record is not all zeroes; the input picks
 * a device (its first byte) and is XORed over that device's record, so that
 * all zeroes is a valid record and every mutation a near one, truncations
 * and extensions included. A record restore accepts must save again to
 * bytes that restore accepts in turn and that save back unchanged; crashes,
 * leaks, hangs and that failing are the bugs.
 */
#include "fuzz_common.h"
#include "fuzz_sinks.h"

#include "backend/net_backend.h"
#include "core/io_bus.h"
#include "core/layout.h"
#include "hw/i8042.h"
#include "hw/ioapic.h"
#include "hw/pci.h"
#include "hw/rtc.h"
#include "hw/uart16550.h"
#include "iommu/vtd.h"
#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/input.h"
#include "virtio/net.h"
#include "virtio/rng.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MEM		(1 << 20)
#define MAX_RECORD	8192

struct target {
	const struct device_ops *ops;
	void *dev;
	struct state_writer saved;
};

enum { T_UART, T_I8042, T_RTC, T_PCI_HOST, T_IOAPIC, T_VTD, T_RNG, T_CONSOLE, T_BLK, T_NET,
       T_INPUT, NR_TARGETS };

static struct {
	struct io_bus pio, mmio;
	struct guest_mem gm;
	struct pci_bus pci;
	struct ioapic ioapic;
	struct vtd vtd;
	struct virtio_rng rng;
	struct virtio_console console;
	struct virtio_blk blk;
	struct virtio_net net;
	struct virtio_input input;
	struct target t[NR_TARGETS];
} m;

static void add(unsigned i, const struct device_ops *ops, void *dev)
{
	m.t[i].ops = ops;
	m.t[i].dev = dev;
}

static void plug(struct virtio_dev *vd, const struct irq_line *intx)
{
	if (pci_bus_add(&m.pci, &vd->pci, intx) < 0)
		abort();
	dma_space_init(&vd->dma, &m.gm, NULL, (uint16_t)(vd->pci.slot << 3));
}

static char *disk_image(void)
{
	static char path[] = "/tmp/vessel-fuzz-state-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || ftruncate(fd, 1 << 20))
		abort();
	close(fd);
	return path;
}

static void platform_devices(void)
{
	struct irq_line com1 = { fuzz_line_set, &m.ioapic, COM1_IRQ };
	struct irq_line kbd = { fuzz_line_set, &m.ioapic, I8042_KBD_IRQ };
	struct irq_line aux = { fuzz_line_set, &m.ioapic, I8042_AUX_IRQ };
	struct uart_sink out = { fuzz_sink_write, NULL };
	struct uart16550 *uart = uart16550_create(&com1, &out);
	struct i8042 *k = i8042_create(&kbd, &aux, fuzz_kbd_reset, NULL);
	struct rtc *rtc = rtc_create(fuzz_fixed_now);
	uint8_t b = 'x';

	if (!uart || !k || !rtc)
		abort();
	uart16550_receive(uart, &b, 1);
	add(T_UART, &uart16550_device_ops, uart);
	add(T_I8042, &i8042_device_ops, k);
	add(T_RTC, &rtc_device_ops, rtc);
	add(T_PCI_HOST, &pci_host_device_ops, &m.pci);
	add(T_IOAPIC, &ioapic_device_ops, &m.ioapic);
	add(T_VTD, &vtd_device_ops, &m.vtd);
}

static void virtio_devices(void)
{
	struct virtio_pci_env env = { .msix = { fuzz_msi_route, fuzz_msi_fire, NULL } };
	struct virtio_console_sink out = { fuzz_sink_write, NULL };
	struct blk_options bo = { .path = disk_image(), .serial = "fuzz", .queues = 2,
				  .sync_io = true };
	struct irq_line intx = { fuzz_line_set, &m.ioapic, 0 };
	struct net_options no;
	struct error err = { 0 };

	if (virtio_rng_init(&m.rng, &env) || virtio_console_init(&m.console, &env, &out, 80, 25) ||
	    virtio_blk_init(&m.blk, &bo, &env) || net_options_parse(&no, "user", &err) ||
	    virtio_net_init(&m.net, &no, 0, &env, &err) ||
	    virtio_input_init(&m.input, VIRTIO_INPUT_KEYBOARD, 0, &env))
		abort();
	unlink(bo.path);
	plug(&m.rng.vd, &intx);
	plug(&m.console.vd, &intx);
	plug(&m.blk.vd, &intx);
	plug(&m.net.vd, &intx);
	plug(&m.input.vd, &intx);
	virtio_console_receive(&m.console, (const uint8_t *)"hello", 5);
	add(T_RNG, &virtio_rng_device_ops, &m.rng);
	add(T_CONSOLE, &virtio_console_device_ops, &m.console);
	add(T_BLK, &virtio_blk_device_ops, &m.blk);
	add(T_NET, &virtio_net_device_ops, &m.net);
	add(T_INPUT, &virtio_input_device_ops, &m.input);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ioapic_msi_sink ioapic_sink = { fuzz_msi_send, fuzz_msi_route, NULL };
	struct vtd_msi_sink vtd_sink = { fuzz_msi_send, NULL };
	unsigned i;

	(void)argc;
	(void)argv;
	fuzz_guest_mem(&m.gm, MEM);
	io_bus_init(&m.pio);
	io_bus_init(&m.mmio);
	if (pci_bus_init(&m.pci, &m.pio, &m.mmio, 8 * GiB, 16))
		abort();
	ioapic_init(&m.ioapic, 0, &ioapic_sink);
	vtd_init(&m.vtd, &m.gm, &vtd_sink, false);
	platform_devices();
	virtio_devices();
	for (i = 0; i < NR_TARGETS; i++) {
		if (m.t[i].ops->pause)
			m.t[i].ops->pause(m.t[i].dev);
		state_writer_init(&m.t[i].saved);
		if (m.t[i].ops->save(m.t[i].dev, &m.t[i].saved) || m.t[i].saved.failed)
			abort();
	}
	return 0;
}

static int restore(struct target *t, const uint8_t *buf, size_t len)
{
	struct state_reader r;

	state_reader_init(&r, buf, len);
	if (t->ops->restore(t->dev, &r, t->ops->state_version))
		return -1;
	return state_reader_done(&r);
}

static void save(struct target *t, struct state_writer *w)
{
	state_writer_init(w);
	if (t->ops->save(t->dev, w) || w->failed)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t rec[MAX_RECORD];
	struct state_writer once, twice;
	struct target *t;
	size_t i;

	if (size < 1 || size - 1 > MAX_RECORD)
		return 0;
	t = &m.t[data[0] % NR_TARGETS];
	for (i = 0; i + 1 < size; i++)
		rec[i] = data[i + 1] ^ (i < t->saved.len ? t->saved.buf[i] : 0);
	if (restore(t, rec, size - 1))
		return 0;
	/* Accepted: what the device saves now is a record it accepts, and saves unchanged. */
	save(t, &once);
	if (restore(t, once.buf, once.len))
		__builtin_trap();
	save(t, &twice);
	if (once.len != twice.len || memcmp(once.buf, twice.buf, once.len))
		__builtin_trap();
	state_writer_free(&once);
	state_writer_free(&twice);
	return 0;
}

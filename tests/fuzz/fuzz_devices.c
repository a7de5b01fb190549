/*
 * libFuzzer target: the emulated platform devices' registers are guest input.
 * A machine's worth of them (COM1, the i8042, the RTC, the I/O APIC, the PCI
 * host bridge's ports and ECAM window, and a PCI device with I/O, 32- and
 * 64-bit BARs, the last holding an MSI-X table and PBA) is wired as in
 * src/machine: interrupt lines go to the I/O APIC. The input is a sequence of
 * guest accesses to those registers, mixed with the host events a device
 * raises (received bytes, key presses, interrupts, EOIs). Accesses that hit
 * nothing are fine; crashes, leaks and hangs are not.
 */
#include "fuzz_common.h"
#include "fuzz_sinks.h"

#include "core/layout.h"
#include "core/io_bus.h"
#include "core/log.h"
#include "hw/i8042.h"
#include "hw/ioapic.h"
#include "hw/msix.h"
#include "hw/pci.h"
#include "hw/rtc.h"
#include "hw/uart16550.h"

#include <stdlib.h>
#include <string.h>

#define INTX_GSI_BASE	16
#define MMIO64_START	(8 * GiB)
#define TEST_VECTORS	64
#define MSIX_TABLE	0x0000u
#define MSIX_PBA	0x1000u
#define IO_BAR		0	/* BAR numbers and sizes of the test device */
#define IO_BAR_SIZE	0x100u
#define MEM32_BAR	1
#define MEM32_BAR_SIZE	0x1000u
#define MSIX_BAR	2	/* 64-bit: BARs 2 and 3 */
#define MSIX_BAR_SIZE	0x2000u

enum op_kind { OP_PIO_WRITE, OP_PIO_READ, OP_MMIO_WRITE, OP_MMIO_READ, OP_HOST, OP_KINDS };

struct platform {
	struct io_bus pio, mmio;
	struct ioapic ioapic;
	struct uart16550 *uart;
	struct i8042 *kbd;
	struct rtc *rtc;
	struct pci_bus pci;
	struct pci_device dev;
	struct msix msix;
	uint8_t scratch[IO_BAR_SIZE + MEM32_BAR_SIZE];
};


/* The MSI-X BAR: the table, then the PBA (as virtio_pci lays out its BAR). */
static void msix_bar_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct platform *p = opaque;

	if (off < MSIX_PBA)
		msix_table_read(&p->msix, off - MSIX_TABLE, data, len);
	else
		msix_pba_read(&p->msix, off - MSIX_PBA, data, len);
}

static void msix_bar_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct platform *p = opaque;

	if (off < MSIX_PBA)
		msix_table_write(&p->msix, off - MSIX_TABLE, data, len);
}

/* The other BARs: plain registers, so that moving them around has something to hit. */
static void regs_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	memcpy(data, (uint8_t *)opaque + off, len);
}

static void regs_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	memcpy((uint8_t *)opaque + off, data, len);
}

static const struct io_dev_ops msix_bar_ops = { msix_bar_read, msix_bar_write };
static const struct io_dev_ops regs_ops = { regs_read, regs_write };

static void dev_config_written(struct pci_device *d, unsigned off, unsigned len)
{
	struct platform *p = d->opaque;
	unsigned cap = p->msix.cap;

	if (off < cap + 4 && off + len > cap + 2)
		msix_config_written(&p->msix);
}

static const struct pci_device_ops dev_ops = { .config_written = dev_config_written };

static int platform_init(struct platform *p)
{
	struct ioapic_msi_sink ioapic_sink = { fuzz_msi_send, fuzz_msi_route, NULL };
	struct msix_sink msix_sink = { fuzz_msi_route, fuzz_msi_fire, NULL };
	struct irq_line com1 = { fuzz_line_set, &p->ioapic, COM1_IRQ };
	struct irq_line kbd = { fuzz_line_set, &p->ioapic, I8042_KBD_IRQ };
	struct irq_line aux = { fuzz_line_set, &p->ioapic, I8042_AUX_IRQ };
	struct irq_line intx = { fuzz_line_set, &p->ioapic, 0 };
	struct uart_sink out = { fuzz_sink_write, NULL };

	memset(p, 0, sizeof(*p));
	io_bus_init(&p->pio);
	io_bus_init(&p->mmio);
	ioapic_init(&p->ioapic, 0, &ioapic_sink);
	p->uart = uart16550_create(&com1, &out);
	p->kbd = i8042_create(&kbd, &aux, fuzz_kbd_reset, NULL);
	p->rtc = rtc_create(fuzz_fixed_now);
	if (!p->uart || !p->kbd || !p->rtc || ioapic_attach(&p->ioapic, &p->mmio, IOAPIC_ADDR) ||
	    uart16550_attach(p->uart, &p->pio, COM1_PORT) || i8042_attach(p->kbd, &p->pio) ||
	    rtc_attach(p->rtc, &p->pio) ||
	    pci_bus_init(&p->pci, &p->pio, &p->mmio, MMIO64_START, INTX_GSI_BASE) ||
	    pci_bus_attach_ports(&p->pci, PCI_ECAM_START))
		return -1;
	pci_device_init(&p->dev, 0x1b36, 0x0005, 0xff0000, 0x1b36, 0x0005);
	p->dev.ops = &dev_ops;
	p->dev.opaque = p;
	pci_device_set_bar(&p->dev, IO_BAR, PCI_BAR_IO, IO_BAR_SIZE, &regs_ops, p->scratch);
	pci_device_set_bar(&p->dev, MEM32_BAR, PCI_BAR_MEM32, MEM32_BAR_SIZE, &regs_ops,
			   p->scratch + IO_BAR_SIZE);
	pci_device_set_bar(&p->dev, MSIX_BAR, PCI_BAR_MEM64, MSIX_BAR_SIZE, &msix_bar_ops, p);
	if (msix_init(&p->msix, &p->dev, TEST_VECTORS, MSIX_BAR, MSIX_TABLE, MSIX_PBA,
		      &msix_sink))
		return -1;
	return pci_bus_add(&p->pci, &p->dev, &intx) < 0 ? -1 : 0;
}

static void platform_destroy(struct platform *p)
{
	msix_destroy(&p->msix);
	pci_bus_destroy(&p->pci);
	rtc_destroy(p->rtc);
	i8042_destroy(p->kbd);
	uart16550_destroy(p->uart);
	io_bus_destroy(&p->mmio);
	io_bus_destroy(&p->pio);
}

/* Where a guest access lands: one register block, chosen by @sel, plus @off. */
static uint64_t pio_addr(const struct platform *p, unsigned sel, uint16_t off)
{
	switch (sel % 6) {
	case 0:
		return COM1_PORT + off % UART_NR_PORTS;
	case 1:
		return off & 1 ? I8042_CMD_PORT : I8042_DATA_PORT;
	case 2:
		return 0x70 + off % 2;
	case 3:
		return 0xcf8 + off % 8;
	case 4:
		return p->dev.bars[IO_BAR].addr + off % IO_BAR_SIZE;
	default:
		return off;
	}
}

static uint64_t mmio_addr(const struct platform *p, unsigned sel, uint16_t off)
{
	switch (sel % 5) {
	case 0:
		return IOAPIC_ADDR + off % IOAPIC_MMIO_SIZE;
	case 1:
		/* Bus 0, devices 0-15, the whole 4 KiB of each. */
		return PCI_ECAM_START + off;
	case 2:
		return p->dev.bars[MSIX_BAR].addr + off % MSIX_BAR_SIZE;
	case 3:
		return p->dev.bars[MEM32_BAR].addr + off % MEM32_BAR_SIZE;
	default:
		return PCI_MMIO32_START + ((uint64_t)off << 12);
	}
}

static void host_event(struct platform *p, unsigned sel, uint16_t arg)
{
	uint8_t byte = (uint8_t)arg;

	switch (sel % 6) {
	case 0:
		uart16550_receive(p->uart, &byte, 1);
		break;
	case 1:
		if (arg & 0x8000)
			i8042_mouse_sink.pointer(p->kbd, (arg & 0xff) << 7, (arg & 0x7f00) >> 1,
						 arg & 0x1f);
		else
			i8042_keyboard_sink.key(p->kbd, byte, arg & 0x100);
		break;
	case 2:
		ioapic_set_irq(&p->ioapic, arg % (IOAPIC_PINS + 2), arg >> 15);
		break;
	case 3:
		ioapic_eoi(&p->ioapic, byte);
		break;
	case 4:
		msix_notify(&p->msix, arg % (TEST_VECTORS + 2));
		break;
	default:
		pci_device_set_intx(&p->dev, arg & 1);
		break;
	}
}

/*
 * Each step is 3 bytes: kind (3 bits), target (3 bits) and log2 of the access
 * width (2 bits); a 16-bit offset or argument; then, for writes, 8 value bytes.
 */
static size_t step(struct platform *p, const uint8_t *data, size_t size)
{
	unsigned kind, sel, len;
	uint64_t val = 0;
	uint16_t off;
	size_t used = 3;

	if (size < used)
		return size;
	kind = (data[0] & 7) % OP_KINDS;
	sel = (data[0] >> 3) & 7;
	len = 1u << (data[0] >> 6);
	memcpy(&off, data + 1, 2);
	if (kind == OP_PIO_WRITE || kind == OP_MMIO_WRITE) {
		memcpy(&val, data + used, size - used < 8 ? size - used : 8);
		used = size - used < 8 ? size : used + 8;
	}
	switch (kind) {
	case OP_PIO_WRITE:
	case OP_PIO_READ:
		io_bus_access(&p->pio, pio_addr(p, sel, off), &val, len > 4 ? 4 : len,
			      kind == OP_PIO_WRITE);
		break;
	case OP_MMIO_WRITE:
	case OP_MMIO_READ:
		io_bus_access(&p->mmio, mmio_addr(p, sel, off), &val, len,
			      kind == OP_MMIO_WRITE);
		break;
	default:
		host_event(p, sel, off);
		break;
	}
	return used;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_quiet(true);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct platform p;
	size_t i = 0;

	if (platform_init(&p))
		abort();
	while (i < size)
		i += step(&p, data + i, size - i);
	platform_destroy(&p);
	return 0;
}

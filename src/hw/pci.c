#include "hw/pci.h"
#include "acpi/acpi.h"
#include "acpi/aml.h"
#include "core/layout.h"

#include <stdlib.h>
#include <string.h>

#define CONFIG_ADDRESS_PORT	0xcf8
#define CONFIG_DATA_PORT	0xcfc
#define CF8_ENABLE		0x80000000u
#define PCI_FIRST_CAP		0x40
#define PCI_HEADER_END		0x40
#define ECAM_BUS_SHIFT		20
#define ECAM_DEVFN_SHIFT	12

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint32_t cfg_read32(const struct pci_device *d, unsigned off)
{
	uint32_t v;

	memcpy(&v, d->cfg + off, 4);
	return v;
}

static void cfg_write32(struct pci_device *d, unsigned off, uint32_t v)
{
	memcpy(d->cfg + off, &v, 4);
}

static void set_wmask(struct pci_device *d, unsigned off, unsigned len, uint32_t mask)
{
	memcpy(d->wmask + off, &mask, len);
}

void pci_device_init(struct pci_device *d, uint16_t vendor, uint16_t device,
		     uint32_t class_code, uint16_t subsys_vendor, uint16_t subsys_id)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->cfg + PCI_VENDOR_ID, &vendor, 2);
	memcpy(d->cfg + PCI_DEVICE_ID, &device, 2);
	d->cfg[PCI_CLASS_PROG] = (uint8_t)class_code;
	d->cfg[PCI_CLASS_DEVICE] = (uint8_t)(class_code >> 8);
	d->cfg[PCI_CLASS_DEVICE + 1] = (uint8_t)(class_code >> 16);
	memcpy(d->cfg + PCI_SUBSYSTEM_VENDOR_ID, &subsys_vendor, 2);
	memcpy(d->cfg + PCI_SUBSYSTEM_ID, &subsys_id, 2);
	d->cfg[PCI_INTERRUPT_PIN] = 1;	/* INTA# */
	set_wmask(d, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		  PCI_COMMAND_INTX_DISABLE);
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	d->next_cap_off = PCI_FIRST_CAP;
	pthread_mutex_init(&d->intx_lock, NULL);
}

void pci_device_set_bar(struct pci_device *d, unsigned n, enum pci_bar_kind kind,
			uint64_t size, const struct io_dev_ops *ops, void *opaque)
{
	struct pci_bar *b = &d->bars[n];
	unsigned off = PCI_BASE_ADDRESS_0 + 4 * n;
	uint32_t flags = 0;

	b->kind = kind;
	b->size = size;
	b->ops = ops;
	b->opaque = opaque;
	if (kind == PCI_BAR_IO)
		flags = PCI_BASE_ADDRESS_SPACE_IO;
	else if (kind == PCI_BAR_MEM64)
		flags = PCI_BASE_ADDRESS_MEM_TYPE_64;
	cfg_write32(d, off, flags);
	/* Address bits below the size read as zero: that is how the guest sizes a BAR. */
	set_wmask(d, off, 4, (uint32_t)~(size - 1) & (kind == PCI_BAR_IO ? ~3u : ~15u));
	if (kind == PCI_BAR_MEM64)
		set_wmask(d, off + 4, 4, (uint32_t)(~(size - 1) >> 32));
}

unsigned pci_device_add_cap(struct pci_device *d, uint8_t id, unsigned len)
{
	unsigned off = d->next_cap_off;

	if (off + len > 256)
		return 0;
	d->cfg[off] = id;
	d->cfg[off + 1] = 0;
	if (d->last_cap)
		d->cfg[d->last_cap + 1] = (uint8_t)off;
	else
		d->cfg[PCI_CAPABILITY_LIST] = (uint8_t)off;
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	d->last_cap = (uint8_t)off;
	d->next_cap_off = (uint8_t)align_up(off + len, 4);
	return off;
}

/* Where BAR @b (number @n) is programmed in the config bytes @cfg. */
static uint64_t bar_address_in(const uint8_t *cfg, const struct pci_bar *b, unsigned n)
{
	unsigned off = PCI_BASE_ADDRESS_0 + 4 * n;
	uint32_t lo, hi;

	memcpy(&lo, cfg + off, 4);
	memcpy(&hi, cfg + off + 4, 4);
	if (b->kind == PCI_BAR_IO)
		return lo & ~3ull;
	if (b->kind == PCI_BAR_MEM64)
		return (lo & ~15ull) | (uint64_t)hi << 32;
	return lo & ~15ull;
}

static uint64_t bar_address(const struct pci_device *d, unsigned n)
{
	return bar_address_in(d->cfg, &d->bars[n], n);
}

static bool bar_decoded(const struct pci_device *d, const struct pci_bar *b)
{
	uint16_t cmd;

	memcpy(&cmd, d->cfg + PCI_COMMAND, 2);
	if (b->kind == PCI_BAR_IO)
		return cmd & PCI_COMMAND_IO;
	return cmd & PCI_COMMAND_MEMORY;
}

/* Put each BAR on its bus where the guest placed it, if decoding is on. */
static void update_bars(struct pci_device *d)
{
	unsigned n;

	for (n = 0; n < PCI_NR_BARS; n++) {
		struct pci_bar *b = &d->bars[n];
		struct io_bus *bus = b->kind == PCI_BAR_IO ? d->bus->pio : d->bus->mmio;
		uint64_t addr, old;
		bool want, was;

		if (b->kind == PCI_BAR_NONE)
			continue;
		addr = bar_address(d, n);
		want = bar_decoded(d, b) && addr != 0;
		was = b->mapped;
		old = b->addr;
		if (b->mapped && (!want || addr != b->addr)) {
			io_bus_unregister(bus, b->addr);
			b->mapped = false;
		}
		/* A BAR moved onto another range stays off the bus: its accesses read ones. */
		if (want && !b->mapped && io_bus_register(bus, addr, b->size, b->ops, b->opaque) == 0) {
			b->addr = addr;
			b->mapped = true;
		}
		if ((was != b->mapped || old != b->addr) && d->ops && d->ops->bar_moved)
			d->ops->bar_moved(d, n);
	}
}

/*
 * Drive the pin from the device's level and COMMAND's disable bit; intx_lock
 * held. The line follows the OR of every device on the pin, and changes only
 * when that does: a device asserting twice costs the interrupt controller nothing.
 */
static void update_intx(struct pci_device *d)
{
	struct pci_bus *bus = d->bus;
	bool assert = d->intx_level && !d->intx_disabled;
	unsigned pin = (d->intx.gsi - bus->intx_gsi_base) % PCI_INTX_PINS;

	if (assert == d->intx_asserted)
		return;
	d->intx_asserted = assert;
	pthread_mutex_lock(&bus->pin_lock);
	if (assert ? bus->pin_count[pin]++ == 0 : --bus->pin_count[pin] == 0)
		irq_line_set(&d->intx, assert);
	pthread_mutex_unlock(&bus->pin_lock);
}

/* Called with the bus lock held, after a write to COMMAND. */
static void command_written(struct pci_device *d)
{
	uint16_t cmd;

	memcpy(&cmd, d->cfg + PCI_COMMAND, 2);
	pthread_mutex_lock(&d->intx_lock);
	d->intx_disabled = cmd & PCI_COMMAND_INTX_DISABLE;
	update_intx(d);
	pthread_mutex_unlock(&d->intx_lock);
}

/*
 * Devices raise INTx from their own locked sections, so the pin has its own
 * lock, taken after the bus lock and never before it.
 */
void pci_device_set_intx(struct pci_device *d, bool level)
{
	pthread_mutex_lock(&d->intx_lock);
	d->intx_level = level;
	if (d->bus)
		update_intx(d);
	pthread_mutex_unlock(&d->intx_lock);
}

/* STATUS's interrupt bit reflects the device's level, disabled or not (PCI 3.0, 6.2.3). */
static uint32_t status_bits(struct pci_device *d, unsigned off, unsigned len)
{
	bool level;

	if (off > PCI_STATUS || off + len <= PCI_STATUS)
		return 0;
	pthread_mutex_lock(&d->intx_lock);
	level = d->intx_level;
	pthread_mutex_unlock(&d->intx_lock);
	return level ? (uint32_t)PCI_STATUS_INTERRUPT << (8 * (PCI_STATUS - off)) : 0;
}

static struct pci_device *device_at(struct pci_bus *bus, unsigned devfn)
{
	/* Bus 0, function 0 only: every device here is single-function. */
	if (devfn >= 256 || (devfn & 7))
		return NULL;
	return bus->devs[devfn >> 3];
}

uint32_t pci_config_read(struct pci_bus *bus, unsigned devfn, unsigned off, unsigned len)
{
	struct pci_device *d;
	uint32_t v = 0xffffffff;

	if (len > 4 || off + len > PCI_CFG_SIZE)
		return v;
	pthread_mutex_lock(&bus->lock);
	d = device_at(bus, devfn);
	if (d) {
		if (d->ops && d->ops->config_read)
			d->ops->config_read(d, off, len);
		v = 0;
		memcpy(&v, d->cfg + off, len);
		v |= status_bits(d, off, len);
	}
	pthread_mutex_unlock(&bus->lock);
	return v;
}

void pci_config_write(struct pci_bus *bus, unsigned devfn, unsigned off, unsigned len,
		      uint32_t val)
{
	struct pci_device *d;
	unsigned i;

	if (len > 4 || off + len > PCI_CFG_SIZE)
		return;
	pthread_mutex_lock(&bus->lock);
	d = device_at(bus, devfn);
	if (!d)
		goto out;
	for (i = 0; i < len; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i)), m = d->wmask[off + i];

		d->cfg[off + i] = (uint8_t)((d->cfg[off + i] & ~m) | (b & m));
		d->cfg[off + i] &= (uint8_t)~(b & d->w1c[off + i]);
	}
	if (off < PCI_BASE_ADDRESS_0 + 4 * PCI_NR_BARS && off + len > PCI_COMMAND)
		update_bars(d);
	if (off <= PCI_COMMAND + 1 && off + len > PCI_COMMAND)
		command_written(d);
	if (d->ops && d->ops->config_written)
		d->ops->config_written(d, off, len);
out:
	pthread_mutex_unlock(&bus->lock);
}

static void assign_bars(struct pci_bus *bus, struct pci_device *d)
{
	unsigned n;

	for (n = 0; n < PCI_NR_BARS; n++) {
		struct pci_bar *b = &d->bars[n];
		unsigned off = PCI_BASE_ADDRESS_0 + 4 * n;
		uint64_t addr;

		if (b->kind == PCI_BAR_NONE)
			continue;
		if (b->kind == PCI_BAR_IO) {
			addr = align_up(bus->next_io, b->size);
			bus->next_io = addr + b->size;
		} else {
			/* Below 4 GiB even for 64-bit BARs, where every guest reaches them. */
			addr = align_up(bus->next_mmio32, b->size);
			bus->next_mmio32 = addr + b->size;
		}
		cfg_write32(d, off, cfg_read32(d, off) | (uint32_t)addr);
		if (b->kind == PCI_BAR_MEM64)
			cfg_write32(d, off + 4, (uint32_t)(addr >> 32));
	}
}

int pci_bus_add(struct pci_bus *bus, struct pci_device *d, const struct irq_line *intx_set)
{
	unsigned slot;

	pthread_mutex_lock(&bus->lock);
	for (slot = 1; slot < PCI_MAX_DEVICES && bus->devs[slot]; slot++)
		;
	if (slot == PCI_MAX_DEVICES) {
		pthread_mutex_unlock(&bus->lock);
		return -1;
	}
	pthread_mutex_lock(&d->intx_lock);
	d->bus = bus;
	d->slot = slot;
	d->intx = *intx_set;
	d->intx.gsi = bus->intx_gsi_base + (slot + d->cfg[PCI_INTERRUPT_PIN] - 1) % PCI_INTX_PINS;
	d->cfg[PCI_INTERRUPT_LINE] = (uint8_t)d->intx.gsi;
	pthread_mutex_unlock(&d->intx_lock);
	assign_bars(bus, d);
	bus->devs[slot] = d;
	pthread_mutex_unlock(&bus->lock);
	return (int)slot;
}

void pci_device_save(struct pci_device *d, struct state_writer *w)
{
	pthread_mutex_lock(&d->bus->lock);
	state_put(w, d->cfg, PCI_SAVED_CFG);
	pthread_mutex_unlock(&d->bus->lock);
}

static bool in_window(uint64_t addr, uint64_t size, uint64_t start, uint64_t end)
{
	return addr >= start && addr <= end && size <= end - addr;
}

/* A programmed BAR lies inside a window the bridge decodes (its _CRS); 0 is unassigned. */
static bool bar_allowed(const struct pci_bus *bus, const struct pci_bar *b, uint64_t addr)
{
	if (!addr)
		return true;
	if (b->kind == PCI_BAR_IO)
		return in_window(addr, b->size, PCI_IO_START, PCI_IO_END);
	if (in_window(addr, b->size, PCI_MMIO32_START, PCI_MMIO32_END))
		return true;
	return b->kind == PCI_BAR_MEM64 &&
	       in_window(addr, b->size, bus->mmio64_start, bus->mmio64_start + PCI_MMIO64_SIZE);
}

int pci_device_load(struct pci_device *d, struct state_reader *r, struct pci_saved *s)
{
	unsigned i, n;

	if (state_get(r, s->cfg, PCI_SAVED_CFG))
		return -1;
	for (i = 0; i < PCI_SAVED_CFG; i++)
		if ((s->cfg[i] ^ d->cfg[i]) & ~d->wmask[i]) {
			state_invalid(r, "PCI config byte 0x%02x: read-only bits 0x%02x, this device "
				      "has 0x%02x", i, s->cfg[i] & ~d->wmask[i] & 0xff,
				      d->cfg[i] & ~d->wmask[i] & 0xff);
			return -1;
		}
	for (n = 0; n < PCI_NR_BARS; n++) {
		uint64_t addr;

		if (d->bars[n].kind == PCI_BAR_NONE)
			continue;
		addr = bar_address_in(s->cfg, &d->bars[n], n);
		if (!bar_allowed(d->bus, &d->bars[n], addr)) {
			state_invalid(r, "BAR %u at 0x%llx (0x%llx bytes) is outside the bridge's "
				      "windows", n, (unsigned long long)addr,
				      (unsigned long long)d->bars[n].size);
			return -1;
		}
	}
	return 0;
}

void pci_device_apply(struct pci_device *d, const struct pci_saved *s)
{
	unsigned i;

	pthread_mutex_lock(&d->bus->lock);
	for (i = 0; i < PCI_SAVED_CFG; i++)
		d->cfg[i] = (uint8_t)((d->cfg[i] & ~d->wmask[i]) | (s->cfg[i] & d->wmask[i]));
	update_bars(d);
	command_written(d);
	pthread_mutex_unlock(&d->bus->lock);
}

static void cf8_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct pci_bus *bus = opaque;
	uint32_t v;

	pthread_mutex_lock(&bus->lock);
	v = bus->cf8;
	pthread_mutex_unlock(&bus->lock);
	memcpy(data, (uint8_t *)&v + off, len);
}

static void cf8_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct pci_bus *bus = opaque;

	if (off != 0 || len != 4)
		return;	/* only dword accesses address the configuration space */
	pthread_mutex_lock(&bus->lock);
	memcpy(&bus->cf8, data, 4);
	pthread_mutex_unlock(&bus->lock);
}

/* Decode 0xcf8 into devfn and register; false when disabled or not bus 0. */
static bool cf8_target(struct pci_bus *bus, uint64_t off, unsigned *devfn, unsigned *reg)
{
	uint32_t a;

	pthread_mutex_lock(&bus->lock);
	a = bus->cf8;
	pthread_mutex_unlock(&bus->lock);
	if (!(a & CF8_ENABLE) || ((a >> 16) & 0xff) != 0)
		return false;
	*devfn = (a >> 8) & 0xff;
	*reg = (a & 0xfc) | (unsigned)off;
	return true;
}

static void cfc_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	unsigned devfn, reg;
	uint32_t v = 0xffffffff;

	if (cf8_target(opaque, off, &devfn, &reg))
		v = pci_config_read(opaque, devfn, reg, len);
	memcpy(data, &v, len);
}

static void cfc_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	unsigned devfn, reg;
	uint32_t v = 0;

	memcpy(&v, data, len);
	if (cf8_target(opaque, off, &devfn, &reg))
		pci_config_write(opaque, devfn, reg, len, v);
}

static void ecam_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	uint32_t v = 0xffffffff;

	if ((off >> ECAM_BUS_SHIFT) == 0 && len <= 4)
		v = pci_config_read(opaque, (unsigned)(off >> ECAM_DEVFN_SHIFT),
				    (unsigned)(off & 0xfff), len);
	memset(data, 0xff, len);
	memcpy(data, &v, len < 4 ? len : 4);
}

static void ecam_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	uint32_t v = 0;

	if ((off >> ECAM_BUS_SHIFT) != 0 || len > 4)
		return;
	memcpy(&v, data, len);
	pci_config_write(opaque, (unsigned)(off >> ECAM_DEVFN_SHIFT), (unsigned)(off & 0xfff),
			 len, v);
}

static const struct io_dev_ops cf8_ops = { cf8_read, cf8_write };
static const struct io_dev_ops cfc_ops = { cfc_read, cfc_write };
static const struct io_dev_ops ecam_ops = { ecam_read, ecam_write };

int pci_bus_init(struct pci_bus *bus, struct io_bus *pio, struct io_bus *mmio,
		 uint64_t mmio64_start, unsigned intx_gsi_base)
{
	memset(bus, 0, sizeof(*bus));
	pthread_mutex_init(&bus->lock, NULL);
	pthread_mutex_init(&bus->pin_lock, NULL);
	bus->pio = pio;
	bus->mmio = mmio;
	bus->mmio64_start = mmio64_start;
	bus->next_io = PCI_IO_START;
	bus->next_mmio32 = PCI_MMIO32_START;
	bus->next_mmio64 = mmio64_start;
	bus->intx_gsi_base = intx_gsi_base;
	/* Slot 0: the host bridge (class 06.00.00), with the generic PCIe host id of 1b36. */
	bus->devs[0] = calloc(1, sizeof(*bus->devs[0]));
	if (!bus->devs[0])
		return -1;
	pci_device_init(bus->devs[0], 0x1b36, 0x0008, 0x060000, 0x1b36, 0x0008);
	bus->devs[0]->cfg[PCI_INTERRUPT_PIN] = 0;
	bus->devs[0]->bus = bus;
	return 0;
}

void pci_bus_destroy(struct pci_bus *bus)
{
	free(bus->devs[0]);
	bus->devs[0] = NULL;
	pthread_mutex_destroy(&bus->lock);
	pthread_mutex_destroy(&bus->pin_lock);
}

int pci_bus_attach_ports(struct pci_bus *bus, uint64_t ecam_base)
{
	if (io_bus_register(bus->pio, CONFIG_ADDRESS_PORT, 4, &cf8_ops, bus) ||
	    io_bus_register(bus->pio, CONFIG_DATA_PORT, 4, &cfc_ops, bus))
		return -1;
	return io_bus_register(bus->mmio, ecam_base, PCI_ECAM_SIZE, &ecam_ops, bus);
}

static void prt_entry(struct aml *a, unsigned slot, unsigned pin, unsigned gsi)
{
	aml_package(a, 4);
	aml_integer(a, ((uint64_t)slot << 16) | 0xffff);
	aml_integer(a, pin);
	aml_integer(a, 0);
	aml_integer(a, gsi);
	aml_close(a);
}

static void pci_bus_acpi(void *dev, struct aml *a)
{
	struct pci_bus *bus = dev;
	unsigned slot, pin;

	aml_device(a, "PCI0");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0A08");
	aml_name(a, "_CID");
	aml_eisaid(a, "PNP0A03");
	aml_name(a, "_SEG");
	aml_integer(a, 0);
	aml_name(a, "_BBN");
	aml_integer(a, 0);
	aml_name(a, "_UID");
	aml_integer(a, 0);

	aml_name(a, "_CRS");
	aml_buffer(a);
	aml_res_bus_numbers(a, 0, 0);
	aml_res_io_window(a, 0x0000, CONFIG_ADDRESS_PORT - 1);
	aml_res_io_window(a, CONFIG_DATA_PORT + 4, PCI_IO_END - 1);
	aml_res_mem32_window(a, PCI_MMIO32_START, PCI_MMIO32_END - 1);
	aml_res_mem64_window(a, bus->mmio64_start, bus->mmio64_start + PCI_MMIO64_SIZE - 1);
	aml_res_end(a);
	aml_close(a);

	/* Legacy INTx: slot s pin p (0 = INTA) goes to GSI base + (s + p) % 4. */
	aml_name(a, "_PRT");
	aml_package(a, (PCI_MAX_DEVICES - 1) * PCI_INTX_PINS);
	for (slot = 1; slot < PCI_MAX_DEVICES; slot++)
		for (pin = 0; pin < PCI_INTX_PINS; pin++)
			prt_entry(a, slot, pin, bus->intx_gsi_base + (slot + pin) % PCI_INTX_PINS);
	aml_close(a);
	aml_close(a);
}

/* Version 1: the configuration address latch (0xcf8); each device saves its own space. */
static int pci_host_save(void *dev, struct state_writer *w)
{
	struct pci_bus *bus = dev;

	pthread_mutex_lock(&bus->lock);
	state_put_u32(w, bus->cf8);
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

static int pci_host_restore(void *dev, struct state_reader *r, uint32_t version)
{
	struct pci_bus *bus = dev;
	uint32_t cf8 = state_get_u32(r);

	(void)version;
	if (state_reader_done(r))
		return -1;
	pthread_mutex_lock(&bus->lock);
	bus->cf8 = cf8;
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

static void pci_host_reset(void *dev)
{
	struct pci_bus *bus = dev;

	pthread_mutex_lock(&bus->lock);
	bus->cf8 = 0;
	pthread_mutex_unlock(&bus->lock);
}

/* The host bridge's registry hooks (the bus is the machine's: no destroy). */
const struct device_ops pci_host_device_ops = {
	.kind = "pci-host",
	.state_version = 1,
	.reset = pci_host_reset,
	.save = pci_host_save,
	.restore = pci_host_restore,
	.acpi = pci_bus_acpi,
};

void pci_mcfg(uint8_t out[PCI_MCFG_LEN], uint64_t ecam_base)
{
	memset(out, 0, PCI_MCFG_LEN);
	memcpy(out + 44, &ecam_base, 8);	/* segment 0, buses 0 to 255 */
	out[54] = 0;
	out[55] = (uint8_t)((PCI_ECAM_SIZE >> ECAM_BUS_SHIFT) - 1);
	acpi_header(out, "MCFG", PCI_MCFG_LEN, 1);
}

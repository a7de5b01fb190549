/*
 * PCI: a host bridge with one root bus, configuration space through ECAM and
 * the legacy 0xcf8/0xcfc ports, and BARs mapped where the guest places them.
 * PCI Local Bus 3.0 and PCI Express Base 4.0 are the references.
 */
#ifndef VESSEL_HW_PCI_H
#define VESSEL_HW_PCI_H

#include "core/device.h"
#include "core/io_bus.h"
#include "hw/irq.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PCI_CFG_SIZE		4096	/* PCIe extended configuration space */
#define PCI_MAX_DEVICES		32
#define PCI_NR_BARS		6
#define PCI_INTX_PINS		4	/* INTA-INTD */

/* Type 0 header offsets (PCI 3.0, 6.1). */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CLASS_DEVICE	0x0a
#define PCI_HEADER_TYPE		0x0e
#define PCI_BASE_ADDRESS_0	0x10
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

#define PCI_COMMAND_IO		0x0001
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_COMMAND_MASTER	0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_INTERRUPT	0x0008
#define PCI_STATUS_CAP_LIST	0x0010

#define PCI_BASE_ADDRESS_SPACE_IO	0x01
#define PCI_BASE_ADDRESS_MEM_TYPE_64	0x04
#define PCI_BASE_ADDRESS_MEM_PREFETCH	0x08

#define PCI_CAP_ID_MSIX		0x11
#define PCI_CAP_ID_VNDR		0x09

/* Guest-physical windows the bridge decodes for BARs. */
#define PCI_IO_START		0x1000
#define PCI_IO_END		0x10000
#define PCI_MMIO64_SIZE		(64ull << 30)

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
	enum pci_bar_kind kind;
	uint64_t size;		/* a power of two */
	uint64_t addr;		/* where the guest placed it */
	bool mapped;		/* registered on the bus at addr */
	const struct io_dev_ops *ops;
	void *opaque;
};

struct pci_device;

struct pci_device_ops {
	/* After the guest wrote config space [off, off+len): capabilities react here. */
	void (*config_written)(struct pci_device *d, unsigned off, unsigned len);
	/* Reads of config space [off, off+len) about to be served (e.g. MSI-X state). */
	void (*config_read)(struct pci_device *d, unsigned off, unsigned len);
	/* BAR @n went on or off the bus, or moved; the bus lock is held. */
	void (*bar_moved)(struct pci_device *d, unsigned n);
};

struct pci_device {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];	/* bits the guest may write */
	uint8_t w1c[PCI_CFG_SIZE];	/* bits a guest write of 1 clears */
	struct pci_bar bars[PCI_NR_BARS];
	const struct pci_device_ops *ops;
	void *opaque;
	struct pci_bus *bus;
	unsigned slot;
	uint8_t last_cap;		/* offset of the last capability added */
	uint8_t next_cap_off;		/* where the next capability goes */
	pthread_mutex_t intx_lock;	/* the pin's state below */
	struct irq_line intx;
	bool intx_level;
	bool intx_disabled;		/* COMMAND's INTx disable bit */
	bool intx_asserted;		/* what the device drives onto its bus pin */
};

struct pci_bus {
	pthread_mutex_t lock;
	struct pci_device *devs[PCI_MAX_DEVICES];
	struct io_bus *pio;
	struct io_bus *mmio;
	uint32_t cf8;
	uint64_t mmio64_start;		/* above RAM */
	uint64_t next_io, next_mmio32, next_mmio64;
	unsigned intx_gsi_base;		/* INTA of slot n goes to GSI base + n % 4 */
	/* Pins are shared by slots and wire-ORed: how many devices assert each. */
	pthread_mutex_t pin_lock;	/* innermost: taken under a device's intx_lock */
	unsigned pin_count[PCI_INTX_PINS];
};

int pci_bus_init(struct pci_bus *bus, struct io_bus *pio, struct io_bus *mmio,
		 uint64_t mmio64_start, unsigned intx_gsi_base);
void pci_bus_destroy(struct pci_bus *bus);

/* Fill identity fields of a new device's header. */
void pci_device_init(struct pci_device *d, uint16_t vendor, uint16_t device,
		     uint32_t class_code, uint16_t subsys_vendor, uint16_t subsys_id);

/* Declare BAR @n; the bus assigns it an address when the device is added. */
void pci_device_set_bar(struct pci_device *d, unsigned n, enum pci_bar_kind kind,
			uint64_t size, const struct io_dev_ops *ops, void *opaque);

/* Append a capability of @len bytes (ID and next pointer included); returns its offset. */
unsigned pci_device_add_cap(struct pci_device *d, uint8_t id, unsigned len);

/* Place the device in a free slot, assign its BARs; returns the slot or -1. */
int pci_bus_add(struct pci_bus *bus, struct pci_device *d, const struct irq_line *intx_set);

/* Level of the device's INTx pin (ignored while INTx is disabled in COMMAND). */
void pci_device_set_intx(struct pci_device *d, bool level);

/* Configuration access by bus/device/function and register offset. */
uint32_t pci_config_read(struct pci_bus *bus, unsigned devfn, unsigned off, unsigned len);
void pci_config_write(struct pci_bus *bus, unsigned devfn, unsigned off, unsigned len,
		      uint32_t val);

int pci_bus_attach_ports(struct pci_bus *bus, uint64_t ecam_base);

/*
 * A device's configuration space in a saved record (version 1: the 256
 * bytes of the header and capabilities, as the guest programmed them). Load
 * checks every read-only bit against this device and each BAR against the
 * bridge's windows; apply writes the guest-writable bits back and puts the
 * BARs on the bus where they were, as a guest's own writes would.
 */
#define PCI_SAVED_CFG		256

struct pci_saved {
	uint8_t cfg[PCI_SAVED_CFG];
};

void pci_device_save(struct pci_device *d, struct state_writer *w);
int pci_device_load(struct pci_device *d, struct state_reader *r, struct pci_saved *s);
void pci_device_apply(struct pci_device *d, const struct pci_saved *s);

/* The host bridge's registry hooks (the device is the struct pci_bus): PCI0 in the DSDT. */
extern const struct device_ops pci_host_device_ops;

/* The MCFG table for the ECAM window (PCI Firmware 3.2, 4.1.2); @out holds 60 bytes. */
#define PCI_MCFG_LEN 60
void pci_mcfg(uint8_t out[PCI_MCFG_LEN], uint64_t ecam_base);

#endif

/* PCI configuration space through ECAM (the MCFG table's window), bus 0. */
#include "guest.h"

static uint64_t ecam;

static volatile uint8_t *cfg(unsigned slot, unsigned off)
{
	return (volatile uint8_t *)(ecam + ((uint64_t)slot << 15) + off);
}

uint32_t pci_read32(unsigned slot, unsigned off)
{
	return *(volatile uint32_t *)cfg(slot, off);
}

void pci_write16(unsigned slot, unsigned off, uint16_t v)
{
	*(volatile uint16_t *)cfg(slot, off) = v;
}

unsigned pci_scan(const struct acpi_info *info, struct pci_dev *devs, unsigned max)
{
	unsigned slot, n = 0;

	ecam = info->ecam_base;
	if (!ecam)
		return 0;
	for (slot = 0; slot < 32 && n < max; slot++) {
		uint32_t id = pci_read32(slot, 0);

		if ((id & 0xffff) == 0xffff)
			continue;
		devs[n].slot = slot;
		devs[n].vendor = (uint16_t)id;
		devs[n].device = (uint16_t)(id >> 16);
		devs[n].class_code = pci_read32(slot, 8) >> 8;
		n++;
	}
	return n;
}

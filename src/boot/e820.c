#include "core/layout.h"

void layout_compute(uint64_t ram_size, struct mem_layout *l)
{
	l->ram_size = ram_size;
	if (ram_size <= MMIO_HOLE_START) {
		l->low_ram_end = ram_size;
		l->high_ram_size = 0;
	} else {
		l->low_ram_end = MMIO_HOLE_START;
		l->high_ram_size = ram_size - MMIO_HOLE_START;
	}
}

static unsigned add(struct e820_entry *map, unsigned n, uint64_t addr, uint64_t size,
		    uint32_t type)
{
	if (size == 0 || n >= E820_MAX)
		return n;
	map[n] = (struct e820_entry){ addr, size, type };
	return n + 1;
}

unsigned e820_build(const struct mem_layout *l, struct e820_entry map[E820_MAX])
{
	unsigned n = 0;

	n = add(map, n, 0, EBDA_START, E820_RAM);
	/* EBDA, VGA window and BIOS area; the ACPI tables live in the last part. */
	n = add(map, n, EBDA_START, ACPI_TABLES_ADDR - EBDA_START, E820_RESERVED);
	n = add(map, n, ACPI_TABLES_ADDR, ACPI_TABLES_SIZE, E820_ACPI);
	n = add(map, n, HIGH_MEM_START, l->low_ram_end - HIGH_MEM_START, E820_RAM);
	/* Linux wants the ECAM window reserved before it trusts MCFG. */
	n = add(map, n, PCI_ECAM_START, PCI_ECAM_SIZE, E820_RESERVED);
	n = add(map, n, HIGH_RAM_START, l->high_ram_size, E820_RAM);
	return n;
}

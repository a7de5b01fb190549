/*
 * The guest-physical memory map of an x86 PC as vessel builds it: low RAM,
 * a 32-bit MMIO hole below 4 GiB, the rest of RAM above 4 GiB.
 */
#ifndef VESSEL_CORE_LAYOUT_H
#define VESSEL_CORE_LAYOUT_H

#include <stdint.h>

#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* Fixed addresses in the first megabyte, used only while booting. */
#define BOOT_GDT_ADDR		0x500ull
#define BOOT_START_INFO_ADDR	0x6000ull	/* PVH hvm_start_info + memmap + modlist */
#define BOOT_PARAMS_ADDR	0x7000ull	/* Linux zero page */
#define BOOT_PML4_ADDR		0x9000ull	/* identity page tables for 64-bit entry */
#define BOOT_PDPT_ADDR		0xa000ull
#define BOOT_PD_ADDR		0xb000ull	/* four page directories: 4 GiB of 2 MiB pages */
#define BOOT_CMDLINE_ADDR	0x20000ull
#define BOOT_CMDLINE_MAX	0x10000ull
#define EBDA_START		0x9fc00ull
#define BIOS_AREA_END		0x100000ull
#define ACPI_TABLES_ADDR	0xe0000ull	/* RSDP first, where the legacy scan finds it */
#define ACPI_TABLES_SIZE	0x20000ull
#define HIGH_MEM_START		0x100000ull	/* kernels load from 1 MiB up */

/* The 32-bit MMIO hole. */
#define MMIO_HOLE_START		0xc0000000ull
#define MMIO_HOLE_END		0x100000000ull
#define PCI_MMIO32_START	0xc0000000ull
#define PCI_MMIO32_END		0xe0000000ull
#define PCI_ECAM_START		0xe0000000ull
#define PCI_ECAM_SIZE		0x10000000ull	/* 256 buses */
#define IOAPIC_ADDR		0xfec00000ull
#define LAPIC_ADDR		0xfee00000ull
#define HIGH_RAM_START		0x100000000ull

/* Smallest guest that vessel builds: boot structures plus a kernel. */
#define MIN_RAM_SIZE		(8 * MiB)

struct mem_layout {
	uint64_t ram_size;
	uint64_t low_ram_end;	/* RAM [0, low_ram_end) */
	uint64_t high_ram_size;	/* RAM [4 GiB, 4 GiB + high_ram_size) */
};

void layout_compute(uint64_t ram_size, struct mem_layout *l);

/* e820 entry types: ACPI 6.4, 15.1 (Table 15.1). */
enum e820_type {
	E820_RAM = 1,
	E820_RESERVED = 2,
	E820_ACPI = 3,
};

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

#define E820_MAX 16

/* Fill @map from @l; returns the number of entries. */
unsigned e820_build(const struct mem_layout *l, struct e820_entry map[E820_MAX]);

#endif

/* The PVH boot ABI: xen/include/public/arch-x86/hvm/start_info.h. */
#ifndef VESSEL_BOOT_PVH_H
#define VESSEL_BOOT_PVH_H

#include <stdint.h>

#define XEN_HVM_START_MAGIC_VALUE	0x336ec578u
#define XEN_ELFNOTE_PHYS32_ENTRY	18

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;	/* 1: memmap fields present */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

#endif

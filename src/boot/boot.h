/* Loading a kernel into guest memory and setting the boot vCPU's state. */
#ifndef VESSEL_BOOT_BOOT_H
#define VESSEL_BOOT_BOOT_H

#include "core/layout.h"
#include "core/guest_mem.h"
#include "core/vcpu_regs.h"

#include <stddef.h>
#include <stdint.h>

enum boot_mode {
	BOOT_PVH,	/* 32-bit flat protected mode, ebx = hvm_start_info */
	BOOT_LINUX64,	/* Linux 64-bit boot protocol, rsi = boot_params */
};

enum boot_kind {
	BOOT_KIND_ELF_PVH,
	BOOT_KIND_BZIMAGE,
	BOOT_KIND_UNKNOWN,
};

struct boot_config {
	const uint8_t *kernel;	/* the kernel image */
	size_t kernel_size;
	const char *kernel_name;	/* for messages */
	const char *initrd_path;	/* NULL: none */
	const char *cmdline;
	uint64_t rsdp_addr;
	const struct mem_layout *layout;
	const struct e820_entry *e820;
	unsigned e820_entries;
	bool ram_zeroed;	/* RAM is fresh: a loader need not clear a kernel's .bss */
};

struct boot_setup {
	enum boot_mode mode;
	uint64_t entry;
	uint64_t arg;
};

enum boot_kind boot_detect(const uint8_t *image, size_t size);

/* Load kernel, initrd and command line. Returns 0, or -1 after printing why. */
int boot_load(struct guest_mem *gm, const struct boot_config *cfg, struct boot_setup *out);

/*
 * The boot vCPU's entry state for @s, on top of its reset state in @r
 * (writes the GDT and page tables it needs to guest memory).
 */
int boot_entry_regs(struct guest_mem *gm, const struct boot_setup *s, struct vcpu_regs *r);

/* Internal to src/boot: */
int pvh_load(struct guest_mem *gm, const struct boot_config *cfg, struct boot_setup *out);
int bzimage_load(struct guest_mem *gm, const struct boot_config *cfg, struct boot_setup *out);

struct initrd_place {
	uint64_t addr;
	uint64_t size;
};

/*
 * Read the initrd into the highest page-aligned RAM below @limit and above
 * @kernel_end. size 0 when there is no initrd.
 */
int initrd_load(struct guest_mem *gm, const struct boot_config *cfg, uint64_t limit,
		uint64_t kernel_end, struct initrd_place *out);

int cmdline_store(struct guest_mem *gm, const struct boot_config *cfg, uint64_t max_len);

#endif

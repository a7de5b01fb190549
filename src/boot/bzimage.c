/* Linux bzImage through the 64-bit boot protocol: Documentation/arch/x86/boot.rst. */
#include "boot/boot.h"
#include "core/log.h"

#include <asm/bootparam.h>
#include <string.h>

#define SETUP_HDR_OFFSET	0x1f1
#define HDRS_MAGIC		0x53726448u	/* "HdrS" */
#define BOOT_FLAG_MAGIC		0xaa55
#define MIN_BOOT_PROTOCOL	0x020c		/* 2.12: xloadflags, 64-bit entry */
#define LOADER_TYPE_UNDEFINED	0xff
#define STARTUP_64_OFFSET	0x200
#define DEFAULT_LOAD_ADDR	0x1000000ull	/* 16 MiB, Linux's usual pref_address */

static int read_header(const struct boot_config *cfg, struct setup_header *hdr)
{
	size_t len;

	if (cfg->kernel_size < SETUP_HDR_OFFSET + 0x10 + 2) {
		pr_err("%s: too small to be a bzImage", cfg->kernel_name);
		return -1;
	}
	/* The byte at 0x201 gives the header's end, relative to 0x202. */
	len = 0x202 + cfg->kernel[0x201] - SETUP_HDR_OFFSET;
	if (len > sizeof(*hdr))
		len = sizeof(*hdr);
	if (SETUP_HDR_OFFSET + len > cfg->kernel_size) {
		pr_err("%s: truncated setup header", cfg->kernel_name);
		return -1;
	}
	memset(hdr, 0, sizeof(*hdr));
	memcpy(hdr, cfg->kernel + SETUP_HDR_OFFSET, len);
	if (hdr->header != HDRS_MAGIC || hdr->boot_flag != BOOT_FLAG_MAGIC) {
		pr_err("%s: not a Linux bzImage (no HdrS signature)", cfg->kernel_name);
		return -1;
	}
	if (hdr->version < MIN_BOOT_PROTOCOL || !(hdr->xloadflags & XLF_KERNEL_64)) {
		pr_err("%s: kernel boot protocol %u.%02u without a 64-bit entry; vessel needs 2.12+",
		       cfg->kernel_name, hdr->version >> 8, hdr->version & 0xff);
		return -1;
	}
	return 0;
}

static uint64_t choose_load_addr(const struct setup_header *hdr)
{
	if (hdr->relocatable_kernel && hdr->pref_address >= HIGH_MEM_START)
		return hdr->pref_address;
	if (hdr->relocatable_kernel)
		return DEFAULT_LOAD_ADDR;
	return hdr->code32_start ? hdr->code32_start : HIGH_MEM_START;
}

static void fill_e820(struct boot_params *bp, const struct boot_config *cfg)
{
	unsigned i;

	for (i = 0; i < cfg->e820_entries && i < E820_MAX_ENTRIES_ZEROPAGE; i++) {
		bp->e820_table[i].addr = cfg->e820[i].addr;
		bp->e820_table[i].size = cfg->e820[i].size;
		bp->e820_table[i].type = cfg->e820[i].type;
	}
	bp->e820_entries = (uint8_t)i;
}

int bzimage_load(struct guest_mem *gm, const struct boot_config *cfg, struct boot_setup *out)
{
	struct boot_params bp;
	struct setup_header *hdr = &bp.hdr;
	struct initrd_place rd;
	size_t setup_size, pm_size;
	uint64_t load, mem_end, initrd_max;
	uint8_t *dst;

	memset(&bp, 0, sizeof(bp));
	if (read_header(cfg, hdr))
		return -1;
	setup_size = ((size_t)(hdr->setup_sects ? hdr->setup_sects : 4) + 1) * 512;
	if (setup_size >= cfg->kernel_size) {
		pr_err("%s: setup code claims the whole file", cfg->kernel_name);
		return -1;
	}
	pm_size = cfg->kernel_size - setup_size;
	load = choose_load_addr(hdr);
	if (hdr->relocatable_kernel && hdr->kernel_alignment > 1)
		load = (load + hdr->kernel_alignment - 1) & ~((uint64_t)hdr->kernel_alignment - 1);
	/* The kernel decompresses in place and needs init_size bytes from there. */
	mem_end = load + (hdr->init_size > pm_size ? hdr->init_size : pm_size);
	dst = gm_ptr(gm, load, mem_end - load);
	if (!dst || mem_end > cfg->layout->low_ram_end) {
		pr_err("%s needs %llu MiB of RAM from %llu MiB: raise --memory", cfg->kernel_name,
		       (unsigned long long)((mem_end - load) >> 20),
		       (unsigned long long)(load >> 20));
		return -1;
	}
	memcpy(dst, cfg->kernel + setup_size, pm_size);

	initrd_max = hdr->initrd_addr_max ? (uint64_t)hdr->initrd_addr_max + 1 : 0x38000000ull;
	if (hdr->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G)
		initrd_max = cfg->layout->low_ram_end;
	if (initrd_load(gm, cfg, initrd_max, mem_end, &rd))
		return -1;
	if (cmdline_store(gm, cfg, hdr->cmdline_size ? (uint64_t)hdr->cmdline_size + 1 : 256))
		return -1;

	hdr->type_of_loader = LOADER_TYPE_UNDEFINED;
	hdr->loadflags |= CAN_USE_HEAP;
	hdr->heap_end_ptr = 0xfe00;
	hdr->code32_start = (uint32_t)load;
	hdr->cmd_line_ptr = (uint32_t)BOOT_CMDLINE_ADDR;
	hdr->ramdisk_image = (uint32_t)rd.addr;
	hdr->ramdisk_size = (uint32_t)rd.size;
	bp.acpi_rsdp_addr = cfg->rsdp_addr;
	fill_e820(&bp, cfg);
	if (gm_write(gm, BOOT_PARAMS_ADDR, &bp, sizeof(bp))) {
		pr_err("guest memory too small for the boot parameters");
		return -1;
	}
	out->mode = BOOT_LINUX64;
	out->entry = load + STARTUP_64_OFFSET;
	out->arg = BOOT_PARAMS_ADDR;
	return 0;
}

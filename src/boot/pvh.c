/* ELF kernels booted through the PVH entry point. */
#include "boot/boot.h"
#include "boot/pvh.h"
#include "core/log.h"

#include <elf.h>
#include <string.h>

#define NOTE_ALIGN(x) (((x) + 3u) & ~(uint64_t)3)

struct pvh_area {
	struct hvm_start_info info;
	struct hvm_modlist_entry mod;
	struct hvm_memmap_table_entry memmap[E820_MAX];
};

static bool in_file(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

/* Search one note area for XEN_ELFNOTE_PHYS32_ENTRY. */
static int find_entry_note(const uint8_t *p, uint64_t len, uint64_t *entry)
{
	uint64_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_off, desc_off, next;

		memcpy(&nh, p + off, sizeof(nh));
		name_off = off + sizeof(nh);
		desc_off = name_off + NOTE_ALIGN(nh.n_namesz);
		next = desc_off + NOTE_ALIGN(nh.n_descsz);
		if (desc_off > len || next > len)
			return -1;
		if (nh.n_namesz == 4 && !memcmp(p + name_off, "Xen", 4) &&
		    nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY) {
			uint32_t e32;
			uint64_t e64;

			if (nh.n_descsz == 4) {
				memcpy(&e32, p + desc_off, 4);
				*entry = e32;
				return 0;
			}
			if (nh.n_descsz == 8) {
				memcpy(&e64, p + desc_off, 8);
				*entry = e64;
				return 0;
			}
			return -1;
		}
		off = next;
	}
	return -1;
}

static int check_ehdr(const struct boot_config *cfg, Elf64_Ehdr *eh)
{
	if (cfg->kernel_size < sizeof(*eh)) {
		pr_err("%s: truncated ELF header", cfg->kernel_name);
		return -1;
	}
	memcpy(eh, cfg->kernel, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64) {
		pr_err("%s: not a 64-bit little-endian x86-64 ELF file", cfg->kernel_name);
		return -1;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    !in_file(cfg->kernel_size, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))) {
		pr_err("%s: ELF program headers are missing or out of the file", cfg->kernel_name);
		return -1;
	}
	return 0;
}

/* Load PT_LOAD segments, find the PVH note; @end gets the highest loaded address. */
static int load_segments(struct guest_mem *gm, const struct boot_config *cfg,
			 const Elf64_Ehdr *eh, uint64_t *entry, uint64_t *end)
{
	bool have_entry = false;
	unsigned i;

	*end = 0;
	for (i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		uint8_t *dst;

		memcpy(&ph, cfg->kernel + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (!in_file(cfg->kernel_size, ph.p_offset, ph.p_filesz)) {
			pr_err("%s: ELF segment %u lies outside the file", cfg->kernel_name, i);
			return -1;
		}
		if (ph.p_type == PT_NOTE && !have_entry)
			have_entry = !find_entry_note(cfg->kernel + ph.p_offset, ph.p_filesz, entry);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		dst = ph.p_filesz <= ph.p_memsz ? gm_ptr(gm, ph.p_paddr, ph.p_memsz) : NULL;
		if (!dst || ph.p_paddr < HIGH_MEM_START) {
			pr_err("%s: ELF segment %u (0x%llx, %llu bytes) does not fit in guest RAM "
			       "above 1 MiB: raise --memory or check the file",
			       cfg->kernel_name, i, (unsigned long long)ph.p_paddr,
			       (unsigned long long)ph.p_memsz);
			return -1;
		}
		memcpy(dst, cfg->kernel + ph.p_offset, ph.p_filesz);
		/* Clearing fresh RAM would only make every page of a large .bss resident. */
		if (!cfg->ram_zeroed)
			memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (ph.p_paddr + ph.p_memsz > *end)
			*end = ph.p_paddr + ph.p_memsz;
	}
	if (!have_entry) {
		pr_err("%s: ELF file has no PVH entry point (Xen note XEN_ELFNOTE_PHYS32_ENTRY); "
		       "build the kernel with CONFIG_PVH or give a bzImage", cfg->kernel_name);
		return -1;
	}
	if (*end == 0) {
		pr_err("%s: ELF file has no loadable segment", cfg->kernel_name);
		return -1;
	}
	return 0;
}

int pvh_load(struct guest_mem *gm, const struct boot_config *cfg, struct boot_setup *out)
{
	struct pvh_area a;
	struct initrd_place rd;
	Elf64_Ehdr eh;
	uint64_t entry = 0, end;
	unsigned i;

	if (check_ehdr(cfg, &eh) || load_segments(gm, cfg, &eh, &entry, &end))
		return -1;
	if (initrd_load(gm, cfg, cfg->layout->low_ram_end, end, &rd))
		return -1;
	if (cmdline_store(gm, cfg, BOOT_CMDLINE_MAX))
		return -1;

	memset(&a, 0, sizeof(a));
	a.info.magic = XEN_HVM_START_MAGIC_VALUE;
	a.info.version = 1;
	a.info.cmdline_paddr = BOOT_CMDLINE_ADDR;
	a.info.rsdp_paddr = cfg->rsdp_addr;
	a.info.memmap_paddr = BOOT_START_INFO_ADDR + offsetof(struct pvh_area, memmap);
	a.info.memmap_entries = cfg->e820_entries;
	for (i = 0; i < cfg->e820_entries && i < E820_MAX; i++) {
		a.memmap[i].addr = cfg->e820[i].addr;
		a.memmap[i].size = cfg->e820[i].size;
		a.memmap[i].type = cfg->e820[i].type;
	}
	if (rd.size) {
		a.info.nr_modules = 1;
		a.info.modlist_paddr = BOOT_START_INFO_ADDR + offsetof(struct pvh_area, mod);
		a.mod.paddr = rd.addr;
		a.mod.size = rd.size;
	}
	if (gm_write(gm, BOOT_START_INFO_ADDR, &a, sizeof(a))) {
		pr_err("guest memory too small for the PVH start info");
		return -1;
	}
	out->mode = BOOT_PVH;
	out->entry = entry;
	out->arg = BOOT_START_INFO_ADDR;
	return 0;
}

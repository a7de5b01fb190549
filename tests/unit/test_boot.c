/* Boot-param building: bzImage and PVH ELF loading into real guest memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "boot/boot.h"
#include "boot/pvh.h"
#include "machine/machine.h"

#include <asm/bootparam.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAM (64 * MiB)

struct fixture {
	struct guest_mem gm;
	struct mem_layout layout;
	struct e820_entry e820[E820_MAX];
	struct boot_config cfg;
	char initrd[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct guest_mem_range r = { 0, RAM };

	if (!f || guest_mem_init(&f->gm, &r, 1, GUEST_MEM_ANON, NULL))
		return -1;
	layout_compute(RAM, &f->layout);
	f->cfg.layout = &f->layout;
	f->cfg.e820 = f->e820;
	f->cfg.e820_entries = e820_build(&f->layout, f->e820);
	f->cfg.kernel_name = "test-kernel";
	f->cfg.cmdline = "console=ttyS0 quiet";
	f->cfg.rsdp_addr = ACPI_TABLES_ADDR;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->initrd[0])
		unlink(f->initrd);
	guest_mem_destroy(&f->gm);
	free(f);
	return 0;
}

static void make_initrd(struct fixture *f, size_t size, uint8_t fill)
{
	uint8_t *buf = malloc(size);
	FILE *fp;
	int fd;

	strcpy(f->initrd, "/tmp/vessel-test-initrd-XXXXXX");
	fd = mkstemp(f->initrd);
	assert_true(fd >= 0);
	close(fd);
	memset(buf, fill, size);
	fp = fopen(f->initrd, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, size, fp), size);
	fclose(fp);
	free(buf);
	f->cfg.initrd_path = f->initrd;
}

/* A minimal bzImage: 4 setup sectors, then @payload bytes of kernel. */
static uint8_t *make_bzimage(size_t payload, size_t *size, uint16_t version)
{
	size_t setup_size = 5 * 512;
	uint8_t *img = calloc(1, setup_size + payload);
	struct setup_header h;

	memset(&h, 0, sizeof(h));
	h.setup_sects = 4;
	h.boot_flag = 0xaa55;
	h.jump = 0x6aeb;	/* header end at 0x202 + 0x6a */
	h.header = 0x53726448;
	h.version = version;
	h.relocatable_kernel = 1;
	h.kernel_alignment = 0x200000;
	h.xloadflags = XLF_KERNEL_64;
	h.cmdline_size = 255;
	h.initrd_addr_max = 0x37ffffff;
	h.pref_address = 0x1000000;
	h.init_size = 0x400000;
	memcpy(img + 0x1f1, &h, sizeof(h));
	memset(img + setup_size, 0xab, payload);
	*size = setup_size + payload;
	return img;
}

static void test_bzimage(void **state)
{
	struct fixture *f = *state;
	struct boot_setup s;
	struct boot_params bp;
	size_t size;
	uint8_t *img = make_bzimage(8192, &size, 0x020f);
	const uint8_t *k;

	make_initrd(f, 3 * 4096 + 17, 0x5a);
	f->cfg.kernel = img;
	f->cfg.kernel_size = size;
	assert_int_equal(boot_detect(img, size), BOOT_KIND_BZIMAGE);
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), 0);
	assert_int_equal(s.mode, BOOT_LINUX64);
	assert_int_equal(s.entry, 0x1000000 + 0x200);
	assert_int_equal(s.arg, BOOT_PARAMS_ADDR);

	k = gm_ptr(&f->gm, 0x1000000, 8192);
	assert_non_null(k);
	assert_int_equal(k[0], 0xab);
	assert_int_equal(k[8191], 0xab);

	assert_int_equal(gm_read(&f->gm, BOOT_PARAMS_ADDR, &bp, sizeof(bp)), 0);
	assert_int_equal(bp.hdr.header, 0x53726448);
	assert_int_equal(bp.hdr.type_of_loader, 0xff);
	assert_true(bp.hdr.loadflags & CAN_USE_HEAP);
	assert_int_equal(bp.hdr.code32_start, 0x1000000);
	assert_int_equal(bp.hdr.cmd_line_ptr, BOOT_CMDLINE_ADDR);
	assert_string_equal((const char *)gm_ptr(&f->gm, BOOT_CMDLINE_ADDR, 20),
			    "console=ttyS0 quiet");
	assert_int_equal(bp.acpi_rsdp_addr, ACPI_TABLES_ADDR);
	assert_int_equal(bp.e820_entries, f->cfg.e820_entries);
	assert_int_equal(bp.e820_table[0].addr, 0);
	assert_int_equal(bp.e820_table[0].type, E820_RAM);

	/* The initrd: page aligned, above the kernel's init_size, in RAM, intact. */
	assert_int_equal(bp.hdr.ramdisk_size, 3 * 4096 + 17);
	assert_int_equal(bp.hdr.ramdisk_image & 0xfff, 0);
	assert_true(bp.hdr.ramdisk_image >= 0x1000000 + 0x400000);
	assert_true(bp.hdr.ramdisk_image + bp.hdr.ramdisk_size <= RAM);
	k = gm_ptr(&f->gm, bp.hdr.ramdisk_image, bp.hdr.ramdisk_size);
	assert_int_equal(k[0], 0x5a);
	assert_int_equal(k[bp.hdr.ramdisk_size - 1], 0x5a);
	free(img);
}

static void test_bzimage_rejects(void **state)
{
	struct fixture *f = *state;
	struct boot_setup s;
	size_t size;
	uint8_t *img = make_bzimage(4096, &size, 0x020b);
	char longline[300];

	f->cfg.kernel = img;
	f->cfg.kernel_size = size;
	/* Protocol 2.11: no 64-bit entry point. */
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);
	free(img);

	img = make_bzimage(4096, &size, 0x020f);
	f->cfg.kernel = img;
	f->cfg.kernel_size = 0x1f1 + 8;	/* truncated header */
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);

	f->cfg.kernel_size = size;
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	f->cfg.cmdline = longline;	/* longer than cmdline_size */
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);
	f->cfg.cmdline = "ok";

	img[0x202] = 'X';	/* no HdrS: not a kernel at all */
	assert_int_equal(boot_detect(img, size), BOOT_KIND_UNKNOWN);
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);
	free(img);
}

static void test_bzimage_too_big_for_ram(void **state)
{
	struct fixture *f = *state;
	struct boot_setup s;
	size_t size;
	uint8_t *img = make_bzimage(4096, &size, 0x020f);
	struct setup_header *h = (struct setup_header *)(img + 0x1f1);

	h->init_size = 60 * MiB;	/* from 16 MiB on, in 64 MiB of RAM */
	f->cfg.kernel = img;
	f->cfg.kernel_size = size;
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);
	free(img);
}

static void test_initrd_too_big(void **state)
{
	struct fixture *f = *state;
	struct boot_setup s;
	size_t size;
	uint8_t *img = make_bzimage(4096, &size, 0x020f);

	make_initrd(f, 48 * MiB, 1);	/* 64 MiB RAM, kernel up to 20 MiB */
	f->cfg.kernel = img;
	f->cfg.kernel_size = size;
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);
	free(img);
}

static void test_missing_initrd(void **state)
{
	struct fixture *f = *state;
	struct boot_setup s;
	size_t size;
	uint8_t *img = make_bzimage(4096, &size, 0x020f);

	f->cfg.initrd_path = "/nonexistent/initrd.img";
	f->cfg.kernel = img;
	f->cfg.kernel_size = size;
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);
	free(img);
}

/* A minimal PVH ELF: one segment at @paddr, one Xen entry note. */
struct mini_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	Elf64_Nhdr nh;
	char name[4];
	uint32_t entry;
	uint8_t code[64];
};

static void make_elf(struct mini_elf *e, uint64_t paddr, uint64_t memsz, int with_note)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_machine = EM_X86_64;
	e->eh.e_phoff = offsetof(struct mini_elf, ph);
	e->eh.e_phentsize = sizeof(Elf64_Phdr);
	e->eh.e_phnum = 2;
	e->ph[0].p_type = PT_LOAD;
	e->ph[0].p_offset = offsetof(struct mini_elf, code);
	e->ph[0].p_paddr = paddr;
	e->ph[0].p_filesz = sizeof(e->code);
	e->ph[0].p_memsz = memsz;
	e->ph[1].p_type = with_note ? PT_NOTE : PT_NULL;
	e->ph[1].p_offset = offsetof(struct mini_elf, nh);
	e->ph[1].p_filesz = sizeof(e->nh) + 4 + 4;
	e->nh.n_namesz = 4;
	e->nh.n_descsz = 4;
	e->nh.n_type = XEN_ELFNOTE_PHYS32_ENTRY;
	memcpy(e->name, "Xen", 4);
	e->entry = (uint32_t)paddr + 0x10;
	memset(e->code, 0x90, sizeof(e->code));
}

static void test_pvh(void **state)
{
	struct fixture *f = *state;
	struct mini_elf e;
	struct boot_setup s;
	struct hvm_start_info si;
	struct hvm_memmap_table_entry mm[E820_MAX];
	struct hvm_modlist_entry mod;
	const uint8_t *p;

	make_elf(&e, 0x200000, 4096, 1);
	make_initrd(f, 5000, 0x77);
	f->cfg.kernel = (const uint8_t *)&e;
	f->cfg.kernel_size = sizeof(e);
	/* Dirty the bss area first: the loader must clear it. */
	memset(gm_ptr(&f->gm, 0x200000, 4096), 0xee, 4096);
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), 0);
	assert_int_equal(s.mode, BOOT_PVH);
	assert_int_equal(s.entry, 0x200010);
	assert_int_equal(s.arg, BOOT_START_INFO_ADDR);
	p = gm_ptr(&f->gm, 0x200000, 4096);
	assert_int_equal(p[0], 0x90);
	assert_int_equal(p[63], 0x90);
	assert_int_equal(p[64], 0);
	assert_int_equal(p[4095], 0);

	assert_int_equal(gm_read(&f->gm, BOOT_START_INFO_ADDR, &si, sizeof(si)), 0);
	assert_int_equal(si.magic, XEN_HVM_START_MAGIC_VALUE);
	assert_int_equal(si.version, 1);
	assert_int_equal(si.rsdp_paddr, ACPI_TABLES_ADDR);
	assert_string_equal((const char *)gm_ptr(&f->gm, si.cmdline_paddr, 1), "console=ttyS0 quiet");
	assert_int_equal(si.memmap_entries, f->cfg.e820_entries);
	assert_int_equal(gm_read(&f->gm, si.memmap_paddr, mm, si.memmap_entries * sizeof(mm[0])), 0);
	assert_int_equal(mm[0].addr, 0);
	assert_int_equal(mm[0].size, 0x9fc00);
	assert_int_equal(mm[0].type, E820_RAM);
	assert_int_equal(si.nr_modules, 1);
	assert_int_equal(gm_read(&f->gm, si.modlist_paddr, &mod, sizeof(mod)), 0);
	assert_int_equal(mod.size, 5000);
	assert_int_equal(mod.paddr & 0xfff, 0);
	assert_int_equal(*(uint8_t *)gm_ptr(&f->gm, mod.paddr, 1), 0x77);
}

static void test_pvh_rejects(void **state)
{
	struct fixture *f = *state;
	struct mini_elf e;
	struct boot_setup s;

	f->cfg.kernel = (const uint8_t *)&e;
	f->cfg.kernel_size = sizeof(e);

	make_elf(&e, 0x200000, 4096, 0);	/* no PVH note */
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);

	make_elf(&e, RAM - 1024, 4096, 1);	/* runs past the end of RAM */
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);

	make_elf(&e, 0x200000, 4096, 1);
	e.ph[0].p_filesz = 1 << 20;		/* file data past the end of the file */
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);

	make_elf(&e, 0x200000, 4096, 1);
	e.eh.e_machine = EM_AARCH64;
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);

	make_elf(&e, 0x200000, 4096, 1);
	e.eh.e_phnum = 60000;			/* headers past the end of the file */
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);

	make_elf(&e, 0x200000, 4096, 1);
	e.nh.n_descsz = 0x7ffffff0;		/* note runs past its segment */
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), -1);
}

static void test_builtin_guest(void **state)
{
	struct fixture *f = *state;
	struct boot_setup s;
	size_t size;

	f->cfg.kernel = builtin_guest(&size);
	f->cfg.kernel_size = size;
	assert_true(size > 4096);
	assert_int_equal(boot_detect(f->cfg.kernel, size), BOOT_KIND_ELF_PVH);
	assert_int_equal(boot_load(&f->gm, &f->cfg, &s), 0);
	assert_int_equal(s.mode, BOOT_PVH);
	assert_int_equal(s.entry, 0x100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bzimage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bzimage_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bzimage_too_big_for_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_initrd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvh_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtin_guest, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

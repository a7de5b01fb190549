#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/dma.h"
#include "core/guest_mem.h"

#include <stdlib.h>
#include <string.h>

#define MiB (1ull << 20)

static void test_bounds(void **state)
{
	struct guest_mem gm;
	struct guest_mem_range r[2] = { { 0, 16 * MiB }, { 1ull << 32, 8 * MiB } };
	uint8_t buf[16] = "0123456789abcdef", back[16];

	(void)state;
	assert_int_equal(guest_mem_init(&gm, r, 2, GUEST_MEM_ANON, NULL), 0);
	assert_int_equal(gm_ram_size(&gm), 24 * MiB);
	assert_non_null(gm_ptr(&gm, 0, 16 * MiB));
	assert_null(gm_ptr(&gm, 0, 16 * MiB + 1));
	assert_null(gm_ptr(&gm, 16 * MiB, 1));			/* in the gap */
	assert_null(gm_ptr(&gm, 16 * MiB - 8, 16));		/* straddles the end */
	assert_non_null(gm_ptr(&gm, (1ull << 32) + 8 * MiB - 1, 1));
	assert_null(gm_ptr(&gm, (1ull << 32) + 8 * MiB - 1, 2));
	assert_null(gm_ptr(&gm, UINT64_MAX - 4, 16));		/* wraps */
	assert_null(gm_ptr(&gm, 8, UINT64_MAX));
	assert_true(gm_is_ram(&gm, 0x1000, 0x1000));

	assert_int_equal(gm_write(&gm, (1ull << 32) + 100, buf, sizeof(buf)), 0);
	assert_int_equal(gm_read(&gm, (1ull << 32) + 100, back, sizeof(back)), 0);
	assert_memory_equal(buf, back, sizeof(buf));
	memset(back, 0, sizeof(back));
	assert_int_equal(gm_read(&gm, 16 * MiB - 8, back, sizeof(back)), -1);
	assert_int_equal(gm_write(&gm, 16 * MiB - 8, buf, sizeof(buf)), -1);
	/* A failed access copies nothing. */
	assert_int_equal(*(uint8_t *)gm_ptr(&gm, 16 * MiB - 8, 1), 0);
	guest_mem_destroy(&gm);
}

static void test_regions_do_not_alias(void **state)
{
	struct guest_mem gm;
	struct guest_mem_range r[2] = { { 0, MiB }, { 1ull << 32, MiB } };

	(void)state;
	assert_int_equal(guest_mem_init(&gm, r, 2, GUEST_MEM_ANON, NULL), 0);
	*(uint8_t *)gm_ptr(&gm, MiB - 1, 1) = 1;
	*(uint8_t *)gm_ptr(&gm, 1ull << 32, 1) = 2;
	assert_int_equal(*(uint8_t *)gm_ptr(&gm, MiB - 1, 1), 1);
	assert_int_equal(*(uint8_t *)gm_ptr(&gm, 1ull << 32, 1), 2);
	guest_mem_destroy(&gm);
}

static void test_hugetlbfs_errors(void **state)
{
	struct guest_mem gm;
	struct guest_mem_range r = { 0, 16 * MiB };

	(void)state;
	/* /tmp is no hugetlbfs: a clear error, not a silent fallback. */
	assert_int_equal(guest_mem_init(&gm, &r, 1, GUEST_MEM_HUGETLBFS, "/tmp"), -1);
	assert_int_equal(guest_mem_init(&gm, &r, 1, GUEST_MEM_HUGETLBFS, "/nonexistent"), -1);
}

static void test_bad_region_counts(void **state)
{
	struct guest_mem gm;
	struct guest_mem_range r[GUEST_MEM_MAX_RAM + 1] = { { 0, MiB } };

	(void)state;
	assert_int_equal(guest_mem_init(&gm, r, 0, GUEST_MEM_ANON, NULL), -1);
	assert_int_equal(guest_mem_init(&gm, r, GUEST_MEM_MAX_RAM + 1, GUEST_MEM_ANON, NULL), -1);
}

/* Device memory: a slot of its own, never overlapping, never reached through gm_ptr. */
static void test_device_regions(void **state)
{
	struct guest_mem gm;
	struct guest_mem_range r = { 0, 16 * MiB };
	struct guest_mem_region *fb, *rom;

	(void)state;
	assert_int_equal(guest_mem_init(&gm, &r, 1, GUEST_MEM_ANON, NULL), 0);
	assert_null(guest_mem_add_device(&gm, "fb", 8 * MiB, MiB));	/* inside RAM */
	assert_null(guest_mem_add_device(&gm, "fb", 0xe0000001, MiB));	/* not page-aligned */
	assert_null(guest_mem_add_device(&gm, "fb", UINT64_MAX & ~4095ull, MiB)); /* wraps */
	fb = guest_mem_add_device(&gm, "fb", 0xe0000000, 4 * MiB);
	assert_non_null(fb);
	assert_int_equal(fb->kind, GUEST_MEM_DEVICE);
	assert_int_equal(fb->slot, 1);
	assert_null(guest_mem_add_device(&gm, "rom", 0xe0000000 + 4 * MiB - 4096, 8192));
	rom = guest_mem_add_device(&gm, "rom", 0xf0000000, 65536);
	assert_non_null(rom);
	assert_int_equal(rom->slot, 2);
	fb = guest_mem_find(&gm, 0xe0000000 + 5);
	assert_non_null(fb);
	assert_string_equal(fb->name, "fb");
	fb->hva[0] = 7;			/* its own zeroed mapping */
	assert_null(gm_ptr(&gm, 0xe0000000, 1));
	assert_int_equal(gm_ram_size(&gm), 16 * MiB);
	/* A removed region's slot is the next one given out. */
	guest_mem_remove_device(&gm, fb);
	assert_null(guest_mem_find(&gm, 0xe0000000));
	fb = guest_mem_add_device(&gm, "fb2", 0xd0000000, MiB);
	assert_non_null(fb);
	assert_int_equal(fb->slot, 1);
	guest_mem_destroy(&gm);
}

static bool dirty(const struct guest_mem_region *r, uint64_t off)
{
	uint64_t page = off / 4096;

	return r->vmm_dirty[page / 64] >> (page % 64) & 1;
}

/* What the VMM writes for a device is logged while the region's writes are, and only then. */
static void test_vmm_writes_logged(void **state)
{
	struct guest_mem gm;
	struct guest_mem_range r = { 0, 16 * MiB };
	struct dma_space ds;
	struct guest_mem_region *ram;
	struct iovec iov[4];
	uint8_t buf[8192] = { 1 };

	(void)state;
	assert_int_equal(guest_mem_init(&gm, &r, 1, GUEST_MEM_ANON, NULL), 0);
	ram = &gm.regions[0];
	dma_space_init(&ds, &gm, NULL, 0);
	ram->vmm_dirty = calloc(16 * MiB / 4096 / 64, 8);
	assert_int_equal(dma_write(&ds, 0x10000, buf, 1), 0);
	assert_false(dirty(ram, 0x10000));		/* not logging */
	__atomic_store_n(&ram->logging, true, __ATOMIC_RELEASE);
	assert_int_equal(dma_write(&ds, 0x20ffe, buf, 4), 0);	/* straddles two pages */
	assert_true(dirty(ram, 0x20000));
	assert_true(dirty(ram, 0x21000));
	assert_false(dirty(ram, 0x22000));
	assert_int_equal(dma_write16(&ds, 0x30000, 0xabcd), 0);
	assert_true(dirty(ram, 0x30000));
	assert_int_equal(gm_write(&gm, 0x40000, buf, 8192), 0);
	assert_true(dirty(ram, 0x41000));
	/* Reads leave no mark; a mapping is marked once the device says it wrote. */
	assert_int_equal(dma_read(&ds, 0x50000, buf, 16), 0);
	assert_false(dirty(ram, 0x50000));
	assert_int_equal(dma_map_iov(&ds, 0x60000, 4096, true, iov, 4), 1);
	assert_false(dirty(ram, 0x60000));
	dma_mark_written(&ds, iov, 1);
	assert_true(dirty(ram, 0x60000));
	assert_false(dirty(ram, 0x61000));
	guest_mem_destroy(&gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_regions_do_not_alias),
		cmocka_unit_test(test_hugetlbfs_errors),
		cmocka_unit_test(test_bad_region_counts),
		cmocka_unit_test(test_device_regions),
		cmocka_unit_test(test_vmm_writes_logged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

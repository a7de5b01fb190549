#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/guest_mem.h"

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
	struct guest_mem_range r[GUEST_MEM_MAX_REGIONS + 1] = { { 0, MiB } };

	(void)state;
	assert_int_equal(guest_mem_init(&gm, r, 0, GUEST_MEM_ANON, NULL), -1);
	assert_int_equal(guest_mem_init(&gm, r, GUEST_MEM_MAX_REGIONS + 1, GUEST_MEM_ANON, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_regions_do_not_alias),
		cmocka_unit_test(test_hugetlbfs_errors),
		cmocka_unit_test(test_bad_region_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

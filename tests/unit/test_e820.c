#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/layout.h"

static uint64_t ram_in(const struct e820_entry *m, unsigned n)
{
	uint64_t total = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		if (m[i].type == E820_RAM)
			total += m[i].size;
	return total;
}

static void assert_sorted_disjoint(const struct e820_entry *m, unsigned n)
{
	unsigned i;

	for (i = 1; i < n; i++)
		assert_true(m[i - 1].addr + m[i - 1].size <= m[i].addr);
}

static void test_small_guest(void **state)
{
	struct mem_layout l;
	struct e820_entry m[E820_MAX];
	unsigned n, i;

	(void)state;
	layout_compute(256 * MiB, &l);
	assert_int_equal(l.low_ram_end, 256 * MiB);
	assert_int_equal(l.high_ram_size, 0);
	n = e820_build(&l, m);
	assert_sorted_disjoint(m, n);
	/* Low RAM below the EBDA, then RAM from 1 MiB; the BIOS area is not RAM. */
	assert_int_equal(m[0].addr, 0);
	assert_int_equal(m[0].size, 0x9fc00);
	assert_int_equal(m[0].type, E820_RAM);
	for (i = 0; i < n; i++)
		if (m[i].type == E820_RAM)
			assert_true(m[i].addr + m[i].size <= 0x9fc00 || m[i].addr >= MiB);
	assert_int_equal(ram_in(m, n), 256 * MiB - (MiB - 0x9fc00));
	/* The ACPI tables' area is described, and ECAM is reserved. */
	for (i = 0; i < n && m[i].addr != ACPI_TABLES_ADDR; i++)
		;
	assert_true(i < n);
	assert_int_equal(m[i].type, E820_ACPI);
	for (i = 0; i < n && m[i].addr != PCI_ECAM_START; i++)
		;
	assert_true(i < n);
	assert_int_equal(m[i].type, E820_RESERVED);
}

static void test_large_guest_splits_around_hole(void **state)
{
	struct mem_layout l;
	struct e820_entry m[E820_MAX];
	unsigned n, i;

	(void)state;
	layout_compute(6 * GiB, &l);
	assert_int_equal(l.low_ram_end, MMIO_HOLE_START);
	assert_int_equal(l.high_ram_size, 6 * GiB - MMIO_HOLE_START);
	n = e820_build(&l, m);
	assert_sorted_disjoint(m, n);
	assert_int_equal(ram_in(m, n), 6 * GiB - (MiB - 0x9fc00));
	for (i = 0; i < n; i++) {
		if (m[i].type != E820_RAM)
			continue;
		/* No RAM in the 32-bit MMIO hole. */
		assert_true(m[i].addr + m[i].size <= MMIO_HOLE_START || m[i].addr >= MMIO_HOLE_END);
	}
	assert_int_equal(m[n - 1].addr, HIGH_RAM_START);
	assert_int_equal(m[n - 1].size, 6 * GiB - MMIO_HOLE_START);
}

static void test_exactly_hole_start(void **state)
{
	struct mem_layout l;

	(void)state;
	layout_compute(MMIO_HOLE_START, &l);
	assert_int_equal(l.low_ram_end, MMIO_HOLE_START);
	assert_int_equal(l.high_ram_size, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_guest),
		cmocka_unit_test(test_large_guest_splits_around_hole),
		cmocka_unit_test(test_exactly_hole_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

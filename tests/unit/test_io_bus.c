#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/io_bus.h"

#include <string.h>

struct dev {
	uint64_t last_off;
	uint32_t last_val;
	unsigned writes;
};

static void dev_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	(void)opaque;
	memset(data, (int)(0x10 + off), len);
}

static void dev_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct dev *d = opaque;

	d->last_off = off;
	d->last_val = 0;
	memcpy(&d->last_val, data, len);
	d->writes++;
}

static const struct io_dev_ops ops = { dev_read, dev_write };

static void test_dispatch(void **state)
{
	struct io_bus bus;
	struct dev a = { 0 }, b = { 0 };
	uint32_t v = 0x1234;
	uint8_t r;

	(void)state;
	io_bus_init(&bus);
	assert_int_equal(io_bus_register(&bus, 0x3f8, 8, &ops, &a), 0);
	assert_int_equal(io_bus_register(&bus, 0x60, 1, &ops, &b), 0);
	assert_true(io_bus_access(&bus, 0x3fa, &v, 2, true));
	assert_int_equal(a.last_off, 2);
	assert_int_equal(a.last_val, 0x1234);
	assert_true(io_bus_access(&bus, 0x3ff, &r, 1, false));
	assert_int_equal(r, 0x17);
	assert_true(io_bus_access(&bus, 0x60, &r, 1, false));
	assert_int_equal(r, 0x10);
	assert_int_equal(b.writes, 0);
	io_bus_destroy(&bus);
}

static void test_unclaimed_reads_ones(void **state)
{
	struct io_bus bus;
	struct dev a = { 0 };
	uint32_t v = 0;

	(void)state;
	io_bus_init(&bus);
	assert_int_equal(io_bus_register(&bus, 0x3f8, 8, &ops, &a), 0);
	assert_false(io_bus_access(&bus, 0x80, &v, 4, false));
	assert_int_equal(v, 0xffffffff);
	/* An access running past the device's end is not the device's. */
	assert_false(io_bus_access(&bus, 0x3fe, &v, 4, true));
	assert_int_equal(a.writes, 0);
	io_bus_destroy(&bus);
}

static void test_overlap_and_unregister(void **state)
{
	struct io_bus bus;
	struct dev a = { 0 };
	unsigned i;

	(void)state;
	io_bus_init(&bus);
	assert_int_equal(io_bus_register(&bus, 0x100, 0x10, &ops, &a), 0);
	assert_int_equal(io_bus_register(&bus, 0x10f, 1, &ops, &a), -1);
	assert_int_equal(io_bus_register(&bus, 0xf8, 0x10, &ops, &a), -1);
	assert_int_equal(io_bus_register(&bus, 0x110, 1, &ops, &a), 0);
	assert_int_equal(io_bus_register(&bus, UINT64_MAX, 2, &ops, &a), -1);	/* wraps */
	assert_int_equal(io_bus_register(&bus, 0, 0, &ops, &a), -1);
	assert_int_equal(io_bus_unregister(&bus, 0x100), 0);
	assert_int_equal(io_bus_unregister(&bus, 0x100), -1);
	assert_int_equal(io_bus_register(&bus, 0x100, 0x10, &ops, &a), 0);
	/* Many ranges, registered out of order, stay sorted and found. */
	for (i = 0; i < 100; i++)
		assert_int_equal(io_bus_register(&bus, 0x10000 + (99 - i) * 0x10, 8, &ops, &a), 0);
	for (i = 0; i < 100; i++) {
		uint8_t r;

		assert_true(io_bus_access(&bus, 0x10000 + i * 0x10 + 3, &r, 1, false));
		assert_false(io_bus_access(&bus, 0x10000 + i * 0x10 + 9, &r, 1, false));
	}
	io_bus_destroy(&bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_unclaimed_reads_ones),
		cmocka_unit_test(test_overlap_and_unregister),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* AML encoding against byte sequences from the ACPI specification's grammar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "acpi/aml.h"

#include <string.h>

static void expect(struct aml *a, const uint8_t *want, size_t n)
{
	assert_int_equal(a->error, 0);
	assert_int_equal(a->len, n);
	assert_memory_equal(a->buf, want, n);
}

static void test_integers(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x01, 0xff, 0x0a, 0x05, 0x0b, 0x34, 0x12,
		0x0c, 0x78, 0x56, 0x34, 0x12,
		0x0e, 0x01, 0, 0, 0, 0, 0, 0, 0x80,
	};
	struct aml a;

	(void)state;
	aml_init(&a);
	aml_integer(&a, 0);
	aml_integer(&a, 1);
	aml_integer(&a, UINT64_MAX);
	aml_integer(&a, 5);
	aml_integer(&a, 0x1234);
	aml_integer(&a, 0x12345678);
	aml_integer(&a, 0x8000000000000001ull);
	expect(&a, want, sizeof(want));
	aml_free(&a);
}

static void test_name_and_eisaid(void **state)
{
	/* Name(_HID, EisaId("PNP0501")): PNP0501 encodes as 0x0105D041. */
	static const uint8_t want[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	struct aml a;

	(void)state;
	aml_init(&a);
	aml_name(&a, "_HID");
	aml_eisaid(&a, "PNP0501");
	expect(&a, want, sizeof(want));
	aml_free(&a);
}

static void test_paths(void **state)
{
	static const uint8_t want[] = {
		0x08, '\\', '_', 'S', '5', '_', 0x00,
		0x08, '\\', 0x2e, '_', 'S', 'B', '_', 'C', 'O', 'M', '1', 0x00,
		0x08, 'R', 'T', 'C', '_', 0x0d, 'a', 0x00,
	};
	struct aml a;

	(void)state;
	aml_init(&a);
	aml_name(&a, "\\_S5");
	aml_integer(&a, 0);
	aml_name(&a, "\\_SB.COM1");
	aml_integer(&a, 0);
	aml_name(&a, "RTC");
	aml_string(&a, "a");
	expect(&a, want, sizeof(want));
	aml_free(&a);
}

static void test_package_and_device(void **state)
{
	/* Device(DEV0) { Name(X, Package(2) { 1, 2 }) } */
	static const uint8_t want[] = {
		0x5b, 0x82, 0x10, 'D', 'E', 'V', '0',
		0x08, 'X', '_', '_', '_', 0x12, 0x05, 0x02, 0x01, 0x0a, 0x02,
	};
	struct aml a;

	(void)state;
	aml_init(&a);
	aml_device(&a, "DEV0");
	aml_name(&a, "X");
	aml_package(&a, 2);
	aml_integer(&a, 1);
	aml_integer(&a, 2);
	aml_close(&a);
	aml_close(&a);
	expect(&a, want, sizeof(want));
	aml_free(&a);
}

static void test_buffer_size_and_long_pkglength(void **state)
{
	uint8_t bytes[100];
	struct aml a;

	(void)state;
	memset(bytes, 0x42, sizeof(bytes));
	aml_init(&a);
	aml_buffer(&a);
	aml_bytes(&a, bytes, sizeof(bytes));
	aml_close(&a);
	/* 11 PkgLength(2 bytes: 0x40 | low nibble, high) BufferSize(0a 64) data */
	assert_int_equal(a.error, 0);
	assert_int_equal(a.len, 1 + 2 + 2 + 100);
	assert_int_equal(a.buf[0], 0x11);
	assert_int_equal(a.buf[1], 0x40 | ((2 + 2 + 100) & 0xf));
	assert_int_equal(a.buf[2], (2 + 2 + 100) >> 4);
	assert_int_equal(a.buf[3], 0x0a);
	assert_int_equal(a.buf[4], 100);
	assert_int_equal(a.buf[5], 0x42);
	aml_free(&a);
}

static void test_misuse_is_an_error(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a);
	aml_close(&a);		/* nothing open */
	assert_int_equal(a.error, 1);
	aml_free(&a);

	aml_init(&a);
	aml_name(&a, "TOOLONG");
	assert_int_equal(a.error, 1);
	aml_free(&a);

	aml_init(&a);
	aml_eisaid(&a, "PNP05");
	assert_int_equal(a.error, 1);
	aml_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_name_and_eisaid),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_package_and_device),
		cmocka_unit_test(test_buffer_size_and_long_pkglength),
		cmocka_unit_test(test_misuse_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

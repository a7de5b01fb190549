#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/size.h"

static void test_suffixes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("512M", 1, &v), 0);
	assert_int_equal(v, 512ull << 20);
	assert_int_equal(parse_size("4g", 1, &v), 0);
	assert_int_equal(v, 4ull << 30);
	assert_int_equal(parse_size("64K", 1, &v), 0);
	assert_int_equal(v, 64ull << 10);
	assert_int_equal(parse_size("1T", 1, &v), 0);
	assert_int_equal(v, 1ull << 40);
	assert_int_equal(parse_size("2GiB", 1, &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(parse_size("3MB", 1, &v), 0);
	assert_int_equal(v, 3ull << 20);
}

static void test_default_unit(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("1024", 1ull << 20, &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(parse_size("0", 1ull << 20, &v), 0);
	assert_int_equal(v, 0);
}

static void test_bad_sizes(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(parse_size("", 1, &v), -1);
	assert_int_equal(parse_size("M", 1, &v), -1);
	assert_int_equal(parse_size("12X", 1, &v), -1);
	assert_int_equal(parse_size("-5M", 1, &v), -1);
	assert_int_equal(parse_size("5 M", 1, &v), -1);
	assert_int_equal(parse_size("5MX", 1, &v), -1);
	assert_int_equal(parse_size("99999999999999999999", 1, &v), -1);
	assert_int_equal(parse_size("17179869184G", 1, &v), -1);	/* 2^64 bytes */
	assert_int_equal(parse_size(NULL, 1, &v), -1);
	assert_int_equal(v, 7);
}

static void test_uint(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_uint("254", 254, &v), 0);
	assert_int_equal(v, 254);
	assert_int_equal(parse_uint("255", 254, &v), -1);
	assert_int_equal(parse_uint("1x", 254, &v), -1);
	assert_int_equal(parse_uint("", 254, &v), -1);
	assert_int_equal(parse_uint("+1", 254, &v), -1);
	assert_int_equal(parse_uint("18446744073709551616", UINT64_MAX, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suffixes),
		cmocka_unit_test(test_default_unit),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_uint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

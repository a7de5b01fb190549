#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/rtc.h"

static time_t fake_now;

static time_t now(void)
{
	return fake_now;
}

static void test_reads_host_time_bcd(void **state)
{
	struct rtc *r;

	(void)state;
	fake_now = 1795476645;	/* 2026-11-23 23:30:45 UTC, a Monday */
	r = rtc_create(now);
	assert_int_equal(rtc_read(r, 0x00), 0x45);
	assert_int_equal(rtc_read(r, 0x02), 0x30);
	assert_int_equal(rtc_read(r, 0x04), 0x23);
	assert_int_equal(rtc_read(r, 0x06), 0x02);
	assert_int_equal(rtc_read(r, 0x07), 0x23);
	assert_int_equal(rtc_read(r, 0x08), 0x11);
	assert_int_equal(rtc_read(r, 0x09), 0x26);
	assert_int_equal(rtc_read(r, 0x32), 0x20);
	assert_true(rtc_read(r, 0x0d) & 0x80);
	assert_false(rtc_read(r, 0x0a) & 0x80);	/* never mid-update */
	fake_now += 61;
	assert_int_equal(rtc_read(r, 0x02), 0x31);
	rtc_destroy(r);
}

static void test_binary_and_12h(void **state)
{
	struct rtc *r;

	(void)state;
	fake_now = 1795476645;
	r = rtc_create(now);
	rtc_write(r, 0x0b, 0x04);	/* binary, 12-hour */
	assert_int_equal(rtc_read(r, 0x00), 45);
	assert_int_equal(rtc_read(r, 0x04), 0x80 | 11);	/* 11 PM */
	rtc_destroy(r);
}

static void test_guest_sets_time(void **state)
{
	struct rtc *r;

	(void)state;
	fake_now = 1795476645;
	r = rtc_create(now);
	rtc_write(r, 0x0b, 0x82);	/* SET, 24h, BCD */
	rtc_write(r, 0x04, 0x08);	/* 08 hours */
	rtc_write(r, 0x09, 0x30);	/* year 2030 */
	rtc_write(r, 0x0b, 0x02);	/* run */
	assert_int_equal(rtc_read(r, 0x04), 0x08);
	assert_int_equal(rtc_read(r, 0x09), 0x30);
	fake_now += 3600;		/* the offset from the host clock stays */
	assert_int_equal(rtc_read(r, 0x04), 0x09);
	rtc_destroy(r);
}

static void test_cmos_ram(void **state)
{
	struct rtc *r = rtc_create(now);

	(void)state;
	rtc_write(r, 0x40, 0x99);
	assert_int_equal(rtc_read(r, 0x40), 0x99);
	assert_int_equal(rtc_read(r, 0xc0), 0x99);	/* index wraps at 128 */
	rtc_write(r, 0x0d, 0x00);			/* read-only */
	assert_true(rtc_read(r, 0x0d) & 0x80);
	rtc_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_host_time_bcd),
		cmocka_unit_test(test_binary_and_12h),
		cmocka_unit_test(test_guest_sets_time),
		cmocka_unit_test(test_cmos_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

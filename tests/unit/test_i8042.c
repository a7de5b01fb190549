#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/i8042.h"

static int resets, level, aux_level;

static void on_reset(void *opaque)
{
	(void)opaque;
	resets++;
}

static void irq(void *opaque, unsigned gsi, int l)
{
	(void)opaque;
	if (gsi == I8042_AUX_IRQ)
		aux_level = l;
	else
		level = l;
}

static struct i8042 *make(void)
{
	struct irq_line l = { irq, NULL, I8042_KBD_IRQ }, aux = { irq, NULL, I8042_AUX_IRQ };

	resets = level = aux_level = 0;
	return i8042_create(&l, &aux, on_reset, NULL);
}

static void test_self_test(void **state)
{
	struct i8042 *k = make();

	(void)state;
	assert_int_equal(i8042_read(k, 0x64) & 0x15, 0x14);	/* empty, self-tested, unlocked */
	i8042_write(k, 0x64, 0xaa);
	assert_true(i8042_read(k, 0x64) & 0x01);
	assert_int_equal(i8042_read(k, 0x60), 0x55);
	assert_false(i8042_read(k, 0x64) & 0x01);
	i8042_write(k, 0x64, 0xab);
	assert_int_equal(i8042_read(k, 0x60), 0x00);
	i8042_destroy(k);
}

static void test_command_byte_and_irq(void **state)
{
	struct i8042 *k = make();

	(void)state;
	i8042_write(k, 0x64, 0x60);
	i8042_write(k, 0x60, 0x00);	/* interrupts off */
	i8042_write(k, 0x64, 0x20);
	assert_int_equal(level, 0);
	assert_int_equal(i8042_read(k, 0x60), 0x00);
	i8042_write(k, 0x64, 0x60);
	i8042_write(k, 0x60, 0x01);	/* keyboard interrupt on */
	i8042_write(k, 0x60, 0xff);	/* keyboard reset: ACK, BAT OK */
	assert_int_equal(level, 1);
	assert_int_equal(i8042_read(k, 0x60), 0xfa);
	assert_int_equal(i8042_read(k, 0x60), 0xaa);
	assert_int_equal(level, 0);
	i8042_keyboard_sink.key(k, 28, true);	/* KEY_ENTER, untranslated: set 2 */
	assert_int_equal(level, 1);
	assert_int_equal(i8042_read(k, 0x60), 0x5a);
	i8042_destroy(k);
}

static void test_keyboard_identify_and_leds(void **state)
{
	struct i8042 *k = make();

	(void)state;
	i8042_write(k, 0x60, 0xf2);
	assert_int_equal(i8042_read(k, 0x60), 0xfa);
	assert_int_equal(i8042_read(k, 0x60), 0xab);
	assert_int_equal(i8042_read(k, 0x60), 0x41);	/* 0x83 through the translation */
	i8042_write(k, 0x60, 0xed);
	assert_int_equal(i8042_read(k, 0x60), 0xfa);
	i8042_write(k, 0x60, 0x07);	/* LED bits: a parameter, not a command */
	assert_int_equal(i8042_read(k, 0x60), 0xfa);
	i8042_write(k, 0x60, 0xf0);
	i8042_write(k, 0x60, 0x00);	/* query the scan code set */
	assert_int_equal(i8042_read(k, 0x60), 0xfa);
	assert_int_equal(i8042_read(k, 0x60), 0xfa);
	assert_int_equal(i8042_read(k, 0x60), 0x41);	/* set 2, translated (as hardware does) */
	i8042_destroy(k);
}

static void test_reset_paths(void **state)
{
	struct i8042 *k = make();

	(void)state;
	i8042_write(k, 0x64, 0xfe);	/* pulse the reset line */
	assert_int_equal(resets, 1);
	i8042_write(k, 0x64, 0xff);	/* pulse nothing: no reset */
	assert_int_equal(resets, 1);
	i8042_write(k, 0x64, 0xd1);
	i8042_write(k, 0x60, 0x02);	/* output port with the reset bit low */
	assert_int_equal(resets, 2);
	i8042_destroy(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_test),
		cmocka_unit_test(test_command_byte_and_irq),
		cmocka_unit_test(test_keyboard_identify_and_leds),
		cmocka_unit_test(test_reset_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

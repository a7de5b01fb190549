#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/i8042.h"
#include "hw/ps2_keycodes.h"

#include <string.h>

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

/* Read @n bytes from the data port and compare; each must (or must not) come from aux. */
static void expect_bytes(struct i8042 *k, const uint8_t *want, unsigned n, bool aux)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		uint8_t st = i8042_read(k, 0x64);

		assert_true(st & 0x01);
		assert_int_equal(!!(st & 0x20), aux);
		assert_int_equal(i8042_read(k, 0x60), want[i]);
	}
}

#define EXPECT(k, aux, ...) do { \
	const uint8_t w_[] = { __VA_ARGS__ }; \
	expect_bytes(k, w_, sizeof(w_), aux); \
} while (0)

static void assert_empty(struct i8042 *k)
{
	assert_false(i8042_read(k, 0x64) & 0x01);
}

static void press(struct i8042 *k, unsigned code, bool down)
{
	i8042_keyboard_sink.key(k, code, down);
}

/* Linux numbers the keys of the first 88 set 1 codes as set 1 does: an independent check. */
static void test_set2_table_against_set1(void **state)
{
	uint8_t seq[PS2_SEQ_MAX];
	unsigned code, n;

	(void)state;
	for (code = 1; code <= 88; code++) {
		if (code == 84 || code == 85)
			continue;	/* no key at set 1 0x54, 0x55 */
		n = ps2_set2_sequence(code, true, seq);
		assert_int_equal(n, 1);
		assert_int_equal(ps2_translate(seq[0]), code);
		n = ps2_set2_sequence(code, false, seq);
		assert_int_equal(n, 2);
		assert_int_equal(seq[0], 0xf0);
	}
	assert_int_equal(ps2_set2_sequence(0, true, seq), 0);
	assert_int_equal(ps2_set2_sequence(84, true, seq), 0);
	assert_int_equal(ps2_set2_sequence(0x2ff, true, seq), 0);
	assert_int_equal(ps2_set2_sequence(100000, true, seq), 0);
}

static void test_set2_sequences(void **state)
{
	static const uint8_t a[] = { 0x1c }, a_up[] = { 0xf0, 0x1c }, f7[] = { 0x83 };
	static const uint8_t up[] = { 0xe0, 0x75 }, rctrl_up[] = { 0xe0, 0xf0, 0x14 };
	static const uint8_t pause[] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77 };
	static const uint8_t prtsc[] = { 0xe0, 0x12, 0xe0, 0x7c };
	static const uint8_t prtsc_up[] = { 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12 };
	uint8_t seq[PS2_SEQ_MAX];

	(void)state;
	assert_int_equal(ps2_set2_sequence(30, true, seq), 1);
	assert_memory_equal(seq, a, 1);
	assert_int_equal(ps2_set2_sequence(30, false, seq), 2);
	assert_memory_equal(seq, a_up, 2);
	assert_int_equal(ps2_set2_sequence(65, true, seq), 1);
	assert_memory_equal(seq, f7, 1);
	assert_int_equal(ps2_set2_sequence(103, true, seq), 2);
	assert_memory_equal(seq, up, 2);
	assert_int_equal(ps2_set2_sequence(97, false, seq), 3);
	assert_memory_equal(seq, rctrl_up, 3);
	assert_int_equal(ps2_set2_sequence(KEY_PAUSE, true, seq), 8);
	assert_memory_equal(seq, pause, 8);
	assert_int_equal(ps2_set2_sequence(KEY_PAUSE, false, seq), 0);
	assert_int_equal(ps2_set2_sequence(KEY_SYSRQ, true, seq), 4);
	assert_memory_equal(seq, prtsc, 4);
	assert_int_equal(ps2_set2_sequence(KEY_SYSRQ, false, seq), 6);
	assert_memory_equal(seq, prtsc_up, 6);
	assert_int_equal(ps2_translate(0x83), 0x41);
	assert_int_equal(ps2_translate(0xfa), 0xfa);	/* replies pass */
	assert_int_equal(ps2_translate(0xe0), 0xe0);
}

/* At power-on the controller translates: the CPU reads set 1. */
static void test_translated_keys(void **state)
{
	struct i8042 *k = make();

	(void)state;
	press(k, 30, true);
	press(k, 30, false);
	EXPECT(k, false, 0x1e, 0x9e);
	press(k, 103, true);
	press(k, 103, false);
	EXPECT(k, false, 0xe0, 0x48, 0xe0, 0xc8);
	press(k, KEY_SYSRQ, true);
	press(k, KEY_SYSRQ, false);
	EXPECT(k, false, 0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa);
	press(k, KEY_PAUSE, true);
	press(k, KEY_PAUSE, false);
	EXPECT(k, false, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
	assert_empty(k);
	i8042_destroy(k);
}

static void test_keyboard_set1_and_scanning(void **state)
{
	struct i8042 *k = make();

	(void)state;
	i8042_write(k, 0x64, 0x60);
	i8042_write(k, 0x60, 0x05);	/* no translation */
	i8042_write(k, 0x60, 0xf0);
	i8042_write(k, 0x60, 0x01);
	EXPECT(k, false, 0xfa, 0xfa);
	press(k, 97, true);
	press(k, 97, false);
	EXPECT(k, false, 0xe0, 0x1d, 0xe0, 0x9d);	/* the keyboard itself in set 1 */
	i8042_write(k, 0x60, 0xf0);
	i8042_write(k, 0x60, 0x00);
	EXPECT(k, false, 0xfa, 0xfa, 0x01);
	i8042_write(k, 0x60, 0xf0);
	i8042_write(k, 0x60, 0x03);	/* set 3 is refused */
	EXPECT(k, false, 0xfa, 0xfe);
	i8042_write(k, 0x60, 0xf5);	/* disable: keys are not sent */
	EXPECT(k, false, 0xfa);
	assert_false(i8042_keyboard_sink.ready(k));
	press(k, 30, true);
	assert_empty(k);
	i8042_write(k, 0x60, 0xf4);
	EXPECT(k, false, 0xfa);
	assert_true(i8042_keyboard_sink.ready(k));
	press(k, 30, true);
	EXPECT(k, false, 0x1c);	/* F5 restored the default, set 2 */
	i8042_write(k, 0x64, 0xad);
	assert_false(i8042_keyboard_sink.ready(k));
	i8042_destroy(k);
}

/* A full keyboard buffer drops whole keys, never half a sequence. */
static void test_keyboard_overrun(void **state)
{
	struct i8042 *k = make();
	unsigned i;

	(void)state;
	for (i = 0; i < 20; i++)
		press(k, 103, true);	/* 2 bytes each */
	for (i = 0; i < 16; i++) {	/* E0 in the output buffer, then 31 of the 32 bytes */
		assert_int_equal(i8042_read(k, 0x60), 0xe0);
		assert_int_equal(i8042_read(k, 0x60), 0x48);
	}
	assert_empty(k);
	i8042_destroy(k);
}

static void aux(struct i8042 *k, uint8_t v)
{
	i8042_write(k, 0x64, 0xd4);
	i8042_write(k, 0x60, v);
}

static struct i8042 *make_mouse(void)
{
	struct i8042 *k = make();

	i8042_write(k, 0x64, 0x60);
	i8042_write(k, 0x60, 0x47);	/* both interrupts, translation */
	i8042_write(k, 0x64, 0xa8);
	aux(k, 0xff);
	EXPECT(k, true, 0xfa, 0xaa, 0x00);
	return k;
}

static void test_aux_port_commands(void **state)
{
	struct i8042 *k = make();
	uint8_t cb;

	(void)state;
	i8042_write(k, 0x64, 0x20);
	cb = i8042_read(k, 0x60);
	assert_true(cb & 0x20);		/* aux off at power-on */
	i8042_write(k, 0x64, 0xa9);
	EXPECT(k, false, 0x00);
	/* Linux's AUX_LOOP probe, with the port off: the byte comes back as the mouse's. */
	i8042_write(k, 0x64, 0xd3);
	i8042_write(k, 0x60, 0x5a);
	EXPECT(k, true, 0x5a);
	/* The mouse's own bytes wait while the port is off. */
	i8042_write(k, 0x64, 0xd4);
	i8042_write(k, 0x60, 0xf2);
	assert_empty(k);
	i8042_write(k, 0x64, 0xa8);
	EXPECT(k, true, 0xfa, 0x00);
	i8042_write(k, 0x64, 0x20);
	assert_false(i8042_read(k, 0x60) & 0x20);
	i8042_write(k, 0x64, 0xa7);
	i8042_write(k, 0x64, 0x20);
	assert_true(i8042_read(k, 0x60) & 0x20);
	i8042_destroy(k);
}

static void test_mouse_id_knock_and_status(void **state)
{
	struct i8042 *k = make_mouse();

	(void)state;
	aux(k, 0xf2);
	EXPECT(k, true, 0xfa, 0x00);
	aux(k, 0xf3);
	aux(k, 200);
	aux(k, 0xf3);
	aux(k, 100);
	aux(k, 0xf3);
	aux(k, 80);
	EXPECT(k, true, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
	aux(k, 0xf2);
	EXPECT(k, true, 0xfa, 0x03);
	aux(k, 0xe8);
	aux(k, 0x03);
	aux(k, 0xe8);
	aux(k, 0x07);	/* no such resolution */
	EXPECT(k, true, 0xfa, 0xfa, 0xfa, 0xfc);
	aux(k, 0xe7);
	aux(k, 0xf4);
	aux(k, 0xe9);
	EXPECT(k, true, 0xfa, 0xfa, 0xfa, 0x30, 0x03, 80);	/* enabled, 2:1; res 3; 80/s */
	aux(k, 0xf6);	/* defaults: disabled, 1:1, 100/s, 4 counts/mm */
	aux(k, 0xe9);
	EXPECT(k, true, 0xfa, 0xfa, 0x00, 0x02, 100);
	aux(k, 0x42);	/* no such command */
	EXPECT(k, true, 0xfe);
	aux(k, 0xee);	/* wrap: echoes until EC */
	aux(k, 0x42);
	aux(k, 0xec);
	aux(k, 0xf2);
	EXPECT(k, true, 0xfa, 0x42, 0xfa, 0xfa, 0x03);
	i8042_destroy(k);
}

static void test_mouse_packets(void **state)
{
	struct i8042 *k = make_mouse();

	(void)state;
	assert_false(i8042_mouse_sink.ready(k));
	i8042_mouse_sink.pointer(k, 3200, 6400, INPUT_BTN_LEFT);
	assert_empty(k);		/* not enabled: the motion waits */
	aux(k, 0xf4);
	assert_true(i8042_mouse_sink.ready(k));
	assert_int_equal(aux_level, 1);
	/* 100 counts right, 200 down (PS/2: -200, y sign), left held. */
	EXPECT(k, true, 0xfa, 0x29, 100, 0x38);
	assert_int_equal(aux_level, 0);
	assert_int_equal(level, 0);
	i8042_mouse_sink.pointer(k, 0, 0, INPUT_BTN_RIGHT | INPUT_BTN_MIDDLE);
	EXPECT(k, true, 0x1e, 0x9c, 200);	/* x sign; -100, +200; right, middle */
	i8042_mouse_sink.pointer(k, 31, 31, INPUT_BTN_RIGHT | INPUT_BTN_MIDDLE);
	assert_empty(k);		/* under a count: nothing moved */
	/* A long move becomes packets of at most 255 counts that sum to it. */
	i8042_mouse_sink.pointer(k, INPUT_ABS_MAX, 0, 0);
	EXPECT(k, true, 0x08, 255, 0, 0x08, 255, 0, 0x08, 255, 0, 0x08, 255, 0, 0x08, 3, 0);
	assert_empty(k);
	i8042_destroy(k);
}

static void test_mouse_wheel_and_remote(void **state)
{
	struct i8042 *k = make_mouse();

	(void)state;
	aux(k, 0xf3);
	aux(k, 200);
	aux(k, 0xf3);
	aux(k, 100);
	aux(k, 0xf3);
	aux(k, 80);
	aux(k, 0xf4);
	EXPECT(k, true, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
	i8042_mouse_sink.pointer(k, 0, 0, INPUT_BTN_WHEEL_UP);
	EXPECT(k, true, 0x08, 0, 0, 0xff);	/* 4 bytes: up is -1 */
	i8042_mouse_sink.pointer(k, 0, 0, 0);
	assert_empty(k);
	i8042_mouse_sink.pointer(k, 0, 0, INPUT_BTN_WHEEL_DOWN);
	EXPECT(k, true, 0x08, 0, 0, 0x01);
	aux(k, 0xf0);	/* remote: packets only when asked */
	EXPECT(k, true, 0xfa);
	i8042_mouse_sink.pointer(k, 320, 0, 0);
	assert_empty(k);
	aux(k, 0xeb);
	EXPECT(k, true, 0xfa, 0x08, 10, 0, 0);
	aux(k, 0xeb);
	EXPECT(k, true, 0xfa, 0x08, 0, 0, 0);	/* asked again: no motion */
	i8042_destroy(k);
}

/* Keyboard bytes go first and raise IRQ 1; the mouse's raise IRQ 12, edge by edge. */
static void test_two_ports_two_irqs(void **state)
{
	struct i8042 *k = make_mouse();

	(void)state;
	aux(k, 0xf4);
	EXPECT(k, true, 0xfa);
	i8042_mouse_sink.pointer(k, 320, 320, 0);
	press(k, 30, true);
	assert_int_equal(aux_level, 1);	/* the packet's first byte was loaded first */
	assert_int_equal(level, 0);
	EXPECT(k, true, 0x28);		/* 10 right, 10 down */
	assert_int_equal(level, 1);	/* the controller takes the keyboard's byte next */
	assert_int_equal(aux_level, 0);
	EXPECT(k, false, 0x1e);
	assert_int_equal(aux_level, 1);
	EXPECT(k, true, 10, 0xf6);
	assert_int_equal(level, 0);
	assert_int_equal(aux_level, 0);
	i8042_destroy(k);
}

static void roundtrip(struct i8042 *from, struct i8042 *to)
{
	struct state_writer w;
	struct state_reader r;

	state_writer_init(&w);
	assert_int_equal(i8042_device_ops.save(from, &w), 0);
	state_reader_init(&r, w.buf, w.len);
	assert_int_equal(i8042_device_ops.restore(to, &r, i8042_device_ops.state_version), 0);
	state_writer_free(&w);
}

static void test_save_restore(void **state)
{
	struct i8042 *a = make_mouse(), *b = make();
	struct state_writer w;
	struct state_reader r;

	(void)state;
	assert_int_equal(i8042_device_ops.state_version, 2);
	aux(a, 0xf3);
	aux(a, 200);
	aux(a, 0xf3);
	aux(a, 100);
	aux(a, 0xf3);
	aux(a, 80);
	aux(a, 0xf4);
	EXPECT(a, true, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
	i8042_mouse_sink.pointer(a, 640, 0, INPUT_BTN_LEFT);
	press(a, 30, true);
	roundtrip(a, b);
	EXPECT(b, true, 0x09);
	EXPECT(b, false, 0x1e);
	EXPECT(b, true, 20, 0, 0);
	i8042_mouse_sink.pointer(b, 0, 0, 0);
	EXPECT(b, true, 0x18, 0xec, 0, 0);	/* the mouse went on from where it was */
	assert_empty(b);
	/* Truncated, or with set 3 (after the controller's 6 bytes and empty queues): refused. */
	state_writer_init(&w);
	assert_int_equal(i8042_device_ops.save(b, &w), 0);
	state_reader_init(&r, w.buf, w.len - 1);
	assert_int_not_equal(i8042_device_ops.restore(a, &r, 2), 0);
	w.buf[9] = 3;
	state_reader_init(&r, w.buf, w.len);
	assert_int_not_equal(i8042_device_ops.restore(a, &r, 2), 0);
	w.buf[9] = 2;
	state_reader_init(&r, w.buf, w.len);
	assert_int_equal(i8042_device_ops.restore(a, &r, 2), 0);
	state_writer_free(&w);
	i8042_destroy(a);
	i8042_destroy(b);
}

/* Version 1: one output queue of bytes as the CPU reads them, no mouse. */
static void test_restore_v1(void **state)
{
	uint8_t v1[] = { 0x15, 0x45, 0x03, 0, 0, 2, 2, 0xfa, 0xaa };
	struct i8042 *k = make();
	struct state_reader r;

	(void)state;
	state_reader_init(&r, v1, sizeof(v1));
	assert_int_equal(i8042_device_ops.restore(k, &r, 1), 0);
	assert_int_equal(level, 1);
	EXPECT(k, false, 0xfa, 0xaa);
	assert_empty(k);
	press(k, 30, true);
	EXPECT(k, false, 0x1e);
	v1[5] = 3;	/* set 3: not this keyboard's */
	state_reader_init(&r, v1, sizeof(v1));
	assert_int_not_equal(i8042_device_ops.restore(k, &r, 1), 0);
	v1[5] = 2;
	v1[6] = 17;	/* more than version 1's queue held */
	state_reader_init(&r, v1, sizeof(v1));
	assert_int_not_equal(i8042_device_ops.restore(k, &r, 1), 0);
	i8042_destroy(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_test),
		cmocka_unit_test(test_command_byte_and_irq),
		cmocka_unit_test(test_keyboard_identify_and_leds),
		cmocka_unit_test(test_reset_paths),
		cmocka_unit_test(test_set2_table_against_set1),
		cmocka_unit_test(test_set2_sequences),
		cmocka_unit_test(test_translated_keys),
		cmocka_unit_test(test_keyboard_set1_and_scanning),
		cmocka_unit_test(test_keyboard_overrun),
		cmocka_unit_test(test_aux_port_commands),
		cmocka_unit_test(test_mouse_id_knock_and_status),
		cmocka_unit_test(test_mouse_packets),
		cmocka_unit_test(test_mouse_wheel_and_remote),
		cmocka_unit_test(test_two_ports_two_irqs),
		cmocka_unit_test(test_save_restore),
		cmocka_unit_test(test_restore_v1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

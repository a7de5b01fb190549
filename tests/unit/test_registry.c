/* The device registry: hook order, and device state saved and restored as versioned records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/i8042.h"
#include "hw/pvpanic.h"
#include "hw/rtc.h"
#include "hw/uart16550.h"
#include "machine/registry.h"

#include <stdlib.h>
#include <string.h>

/* A device that records which hook ran on it, in one shared log. */
static char calls[256];

struct recorder {
	char id;
};

static void note(void *dev, char what)
{
	size_t n = strlen(calls);

	calls[n] = what;
	calls[n + 1] = ((struct recorder *)dev)->id;
	calls[n + 2] = '\0';
}

static void rec_reset(void *dev) { note(dev, 'r'); }
static void rec_pause(void *dev) { note(dev, 'p'); }
static int rec_resume(void *dev) { note(dev, 'u'); return 0; }
static void rec_destroy(void *dev) { note(dev, 'd'); }

static const struct device_ops recorder_ops = {
	.kind = "recorder",
	.stateless = true,
	.reset = rec_reset,
	.pause = rec_pause,
	.resume = rec_resume,
	.destroy = rec_destroy,
};

static void test_hook_order(void **state)
{
	struct recorder a = { 'a' }, b = { 'b' }, c = { 'c' };
	struct registry reg;

	(void)state;
	calls[0] = '\0';
	registry_init(&reg);
	assert_int_equal(registry_add(&reg, &recorder_ops, &a, NULL), 0);
	assert_int_equal(registry_add(&reg, &recorder_ops, &b, NULL), 0);
	assert_int_equal(registry_add(&reg, &recorder_ops, &c, NULL), 0);
	assert_string_equal(reg.devs[2].name, "recorder.2");
	assert_ptr_equal(registry_find(&reg, "recorder", 1)->dev, &b);
	assert_null(registry_find(&reg, "recorder", 3));
	registry_reset(&reg);
	registry_pause(&reg);
	assert_int_equal(registry_resume(&reg, NULL), 0);
	registry_destroy(&reg);
	/* Realized order for reset and pause; the reverse for resume and teardown. */
	assert_string_equal(calls, "rarbrcpapbpcucubuadcdbda");
	assert_int_equal(reg.nr, 0);
}

static void test_full(void **state)
{
	struct recorder r = { 'x' };
	struct registry reg;
	struct error err = { 0 };
	unsigned i;

	(void)state;
	registry_init(&reg);
	for (i = 0; i < REGISTRY_MAX_DEVICES; i++)
		assert_int_equal(registry_add(&reg, &recorder_ops, &r, NULL), 0);
	calls[0] = '\0';
	/* One too many: refused, and the device destroyed at once (nothing leaks). */
	assert_int_equal(registry_add(&reg, &recorder_ops, &r, &err), -1);
	assert_non_null(strstr(err.msg, "more than"));
	assert_string_equal(calls, "dx");
	reg.nr = 0;
}

struct machine_devs {
	struct registry reg;
	struct uart16550 *uart;
	struct rtc *rtc;
	struct i8042 *kbd;
	struct pvpanic pvpanic;
};

static void make(struct machine_devs *m)
{
	struct irq_line com1 = { .gsi = COM1_IRQ }, kbd = { .gsi = I8042_KBD_IRQ };
	struct uart_sink sink = { 0 };

	memset(m, 0, sizeof(*m));
	registry_init(&m->reg);
	m->uart = uart16550_create(&com1, &sink);
	m->rtc = rtc_create(NULL);
	m->kbd = i8042_create(&kbd, &kbd, NULL, NULL);
	assert_int_equal(registry_add(&m->reg, &uart16550_device_ops, m->uart, NULL), 0);
	assert_int_equal(registry_add(&m->reg, &rtc_device_ops, m->rtc, NULL), 0);
	assert_int_equal(registry_add(&m->reg, &i8042_device_ops, m->kbd, NULL), 0);
	assert_int_equal(registry_add(&m->reg, &pvpanic_device_ops, &m->pvpanic, NULL), 0);
}

/* A guest's view of the devices, as the registers read back. */
static void program(struct machine_devs *m)
{
	uart16550_write(m->uart, 3, 0x83);	/* DLAB, 8 bits */
	uart16550_write(m->uart, 0, 0x01);	/* 115200 baud */
	uart16550_write(m->uart, 3, 0x03);
	uart16550_write(m->uart, 2, 0x01);	/* FIFO on */
	uart16550_write(m->uart, 1, 0x01);	/* RDI */
	uart16550_write(m->uart, 7, 0x5a);
	assert_int_equal(uart16550_receive(m->uart, (const uint8_t *)"hey", 3), 3);
	rtc_write(m->rtc, 0x0b, 0x06);		/* binary, 24 h */
	rtc_write(m->rtc, 0x20, 0x77);		/* a CMOS byte of its own */
	i8042_keyboard_sink.key(m->kbd, 28, true);	/* KEY_ENTER: set 1 0x1c, translated */
}

static void check(struct machine_devs *m)
{
	assert_int_equal(uart16550_read(m->uart, 7), 0x5a);
	assert_int_equal(uart16550_read(m->uart, 3), 0x03);
	assert_int_equal(uart16550_read(m->uart, 2) & 0xcf, 0xc4);	/* FIFO on, RDI pending */
	assert_int_equal(uart16550_read(m->uart, 0), 'h');
	assert_int_equal(uart16550_read(m->uart, 0), 'e');
	assert_int_equal(uart16550_read(m->uart, 0), 'y');
	assert_int_equal(uart16550_read(m->uart, 5) & 0x01, 0);
	assert_int_equal(rtc_read(m->rtc, 0x0b) & 0x06, 0x06);
	assert_int_equal(rtc_read(m->rtc, 0x20), 0x77);
	assert_int_equal(i8042_read(m->kbd, I8042_DATA_PORT), 0x1c);
}

static void save(struct machine_devs *m, struct state_writer *w)
{
	state_writer_init(w);
	assert_int_equal(registry_save(&m->reg, w, NULL), 0);
	assert_false(w->failed);
}

static void test_save_restore(void **state)
{
	struct machine_devs a, b;
	struct state_writer w;
	struct state_reader r;

	(void)state;
	make(&a);
	program(&a);
	save(&a, &w);
	make(&b);
	state_reader_init(&r, w.buf, w.len);
	assert_int_equal(registry_restore(&b.reg, &r, NULL), 0);
	check(&b);
	/* Reset brings the power-on state back. */
	registry_reset(&b.reg);
	assert_int_equal(uart16550_read(b.uart, 7), 0);
	assert_int_equal(uart16550_read(b.uart, 5) & 0x01, 0);
	state_writer_free(&w);
	registry_destroy(&a.reg);
	registry_destroy(&b.reg);
}

static int restore_bytes(const uint8_t *buf, size_t len, struct error *err)
{
	struct machine_devs m;
	struct state_reader r;
	int ret;

	make(&m);
	state_reader_init(&r, buf, len);
	ret = registry_restore(&m.reg, &r, err);
	registry_destroy(&m.reg);
	return ret;
}

/* Every truncation of a good record set is refused with a reason, never half applied. */
static void test_truncated(void **state)
{
	struct machine_devs a;
	struct state_writer w;
	size_t n;

	(void)state;
	make(&a);
	program(&a);
	save(&a, &w);
	for (n = 0; n < w.len; n++) {
		struct error err = { 0 };

		assert_int_equal(restore_bytes(w.buf, n, &err), -1);
		assert_true(err.msg[0] != '\0');
	}
	state_writer_free(&w);
	registry_destroy(&a.reg);
}

/* Byte offsets in the first record (the UART's): count, kind length, "uart16550", instance, version. */
#define OFF_KIND	5
#define OFF_VERSION	(4 + 1 + 9 + 4)

static void test_bad_records(void **state)
{
	struct machine_devs a;
	struct state_writer w;
	struct error err = { 0 };
	uint8_t *copy;

	(void)state;
	make(&a);
	save(&a, &w);
	copy = malloc(w.len + 1);
	assert_memory_equal(w.buf + OFF_KIND, "uart16550", 9);

	memcpy(copy, w.buf, w.len);
	copy[OFF_VERSION] = 9;			/* a newer device than this vessel knows */
	assert_int_equal(restore_bytes(copy, w.len, &err), -1);
	assert_non_null(strstr(err.msg, "state version 9"));

	memcpy(copy, w.buf, w.len);
	copy[OFF_KIND] = 'v';			/* "vart16550": not in this machine */
	assert_int_equal(restore_bytes(copy, w.len, &err), -1);
	assert_non_null(strstr(err.msg, "not in this machine"));

	memcpy(copy, w.buf, w.len);
	copy[w.len] = 0;			/* a stray byte after the last record */
	assert_int_equal(restore_bytes(copy, w.len + 1, &err), -1);
	assert_non_null(strstr(err.msg, "after the last record"));

	free(copy);
	state_writer_free(&w);
	registry_destroy(&a.reg);
}

static const struct device_ops unsaveable_ops = { .kind = "unsaveable", .state_version = 1 };

/* A device with state but no way to save it fails the whole save, by name. */
static void test_unsaveable(void **state)
{
	struct registry reg;
	struct state_writer w;
	struct error err = { 0 };
	int dummy;

	(void)state;
	registry_init(&reg);
	assert_int_equal(registry_add(&reg, &unsaveable_ops, &dummy, NULL), 0);
	state_writer_init(&w);
	assert_int_equal(registry_save(&reg, &w, &err), -1);
	assert_non_null(strstr(err.msg, "unsaveable.0"));
	state_writer_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_order),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_save_restore),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_unsaveable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

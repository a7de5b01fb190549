/* The 16550A register model, as Linux's 8250 driver and the built-in guest use it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/uart16550.h"

#include <string.h>

struct probe {
	int level, changes;
	char out[64];
	size_t out_len;
};

static void irq(void *opaque, unsigned gsi, int level)
{
	struct probe *p = opaque;

	assert_int_equal(gsi, COM1_IRQ);
	p->level = level;
	p->changes++;
}

static void sink(void *opaque, const uint8_t *buf, size_t len)
{
	struct probe *p = opaque;

	memcpy(p->out + p->out_len, buf, len);
	p->out_len += len;
}

static struct uart16550 *make(struct probe *p)
{
	struct irq_line l = { irq, p, COM1_IRQ };
	struct uart_sink s = { sink, p };

	memset(p, 0, sizeof(*p));
	return uart16550_create(&l, &s);
}

static void test_transmit(void **state)
{
	struct probe p;
	struct uart16550 *u = make(&p);

	(void)state;
	assert_int_equal(uart16550_read(u, 5) & 0x60, 0x60);	/* THRE | TEMT */
	uart16550_write(u, 0, 'h');
	uart16550_write(u, 0, 'i');
	assert_int_equal(p.out_len, 2);
	assert_memory_equal(p.out, "hi", 2);
	assert_int_equal(p.changes, 0);	/* no interrupt enabled, none raised */
	uart16550_destroy(u);
}

static void test_divisor_latch(void **state)
{
	struct probe p;
	struct uart16550 *u = make(&p);

	(void)state;
	uart16550_write(u, 3, 0x80);	/* DLAB */
	uart16550_write(u, 0, 0x01);
	uart16550_write(u, 1, 0x00);
	assert_int_equal(uart16550_read(u, 0), 0x01);
	assert_int_equal(uart16550_read(u, 1), 0x00);
	uart16550_write(u, 3, 0x03);	/* 8N1, DLAB off */
	assert_int_equal(p.out_len, 0);	/* divisor writes are not data */
	uart16550_write(u, 1, 0x0f);
	assert_int_equal(uart16550_read(u, 1), 0x0f);
	uart16550_destroy(u);
}

static void test_thre_interrupt(void **state)
{
	struct probe p;
	struct uart16550 *u = make(&p);

	(void)state;
	assert_int_equal(uart16550_read(u, 2) & 0x0f, 0x01);	/* nothing pending */
	uart16550_write(u, 1, 0x02);	/* enable THRI with THR empty: raised at once */
	assert_int_equal(p.level, 1);
	assert_int_equal(uart16550_read(u, 2) & 0x0f, 0x02);
	/* That read acknowledged it. */
	assert_int_equal(p.level, 0);
	assert_int_equal(uart16550_read(u, 2) & 0x0f, 0x01);
	uart16550_write(u, 0, 'x');	/* transmitting empties THR again: raised */
	assert_int_equal(p.level, 1);
	uart16550_write(u, 1, 0x00);
	assert_int_equal(p.level, 0);
	uart16550_destroy(u);
}

static void test_receive_fifo(void **state)
{
	struct probe p;
	struct uart16550 *u = make(&p);
	uint8_t data[20];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)('a' + i);
	/* Without the FIFO the receiver holds one byte. */
	assert_int_equal(uart16550_rx_room(u), 1);
	uart16550_write(u, 2, 0x07);	/* FIFO on, both cleared */
	assert_int_equal(uart16550_read(u, 2) & 0xc0, 0xc0);	/* 16550A */
	assert_int_equal(uart16550_rx_room(u), UART_FIFO_SIZE);
	uart16550_write(u, 1, 0x01);	/* RDI */
	assert_int_equal(uart16550_receive(u, data, sizeof(data)), UART_FIFO_SIZE);
	assert_int_equal(p.level, 1);
	assert_int_equal(uart16550_read(u, 2) & 0x0f, 0x04);
	for (i = 0; i < UART_FIFO_SIZE; i++) {
		assert_true(uart16550_read(u, 5) & 0x01);	/* DR */
		assert_int_equal(uart16550_read(u, 0), 'a' + i);
	}
	assert_false(uart16550_read(u, 5) & 0x01);
	assert_int_equal(p.level, 0);
	assert_int_equal(uart16550_rx_room(u), UART_FIFO_SIZE);
	uart16550_destroy(u);
}

static void test_loopback_and_msr(void **state)
{
	struct probe p;
	struct uart16550 *u = make(&p);

	(void)state;
	/* Linux's autoconfig: loopback with RTS and OUT2 must read CTS and DCD. */
	uart16550_write(u, 4, 0x10 | 0x0a);
	assert_int_equal(uart16550_read(u, 6) & 0xf0, 0x90);
	uart16550_write(u, 0, 'z');
	assert_int_equal(p.out_len, 0);	/* looped back, not sent */
	assert_true(uart16550_read(u, 5) & 0x01);
	assert_int_equal(uart16550_read(u, 0), 'z');
	assert_int_equal(uart16550_receive(u, (const uint8_t *)"q", 1), 0);
	uart16550_write(u, 4, 0x00);
	assert_int_equal(uart16550_read(u, 6) & 0xb0, 0xb0);	/* DCD, DSR, CTS */
	uart16550_destroy(u);
}

static void test_scratch_and_overrun(void **state)
{
	struct probe p;
	struct uart16550 *u = make(&p);

	(void)state;
	uart16550_write(u, 7, 0xa5);
	assert_int_equal(uart16550_read(u, 7), 0xa5);
	/* Loopback bytes past a full holding register set overrun. */
	uart16550_write(u, 4, 0x10);
	uart16550_write(u, 0, '1');
	uart16550_write(u, 0, '2');
	assert_int_equal(uart16550_read(u, 5) & 0x03, 0x03);	/* DR | OE */
	assert_int_equal(uart16550_read(u, 5) & 0x02, 0x00);	/* OE clears on read */
	uart16550_destroy(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transmit),
		cmocka_unit_test(test_divisor_latch),
		cmocka_unit_test(test_thre_interrupt),
		cmocka_unit_test(test_receive_fifo),
		cmocka_unit_test(test_loopback_and_msr),
		cmocka_unit_test(test_scratch_and_overrun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

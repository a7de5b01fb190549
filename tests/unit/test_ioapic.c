/* The VMM's IOAPIC: edge and level pins, remote IRR and EOI, masking, message formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/ioapic.h"

#include <string.h>

#define BASE 0xfec00000ull

static struct io_bus bus;
static struct ioapic io;
static unsigned sent;
static uint64_t last_addr, route_addr[IOAPIC_PINS];
static uint32_t last_data, route_data[IOAPIC_PINS];

static void send(void *opaque, uint64_t addr, uint32_t data)
{
	(void)opaque;
	sent++;
	last_addr = addr;
	last_data = data;
}

static void route(void *opaque, unsigned pin, uint64_t addr, uint32_t data)
{
	(void)opaque;
	route_addr[pin] = addr;
	route_data[pin] = data;
}

static void wr(unsigned reg, uint32_t v)
{
	uint32_t sel = reg;

	io_bus_access(&bus, BASE, &sel, 4, true);
	io_bus_access(&bus, BASE + 0x10, &v, 4, true);
}

static uint32_t rd(unsigned reg)
{
	uint32_t sel = reg, v = 0;

	io_bus_access(&bus, BASE, &sel, 4, true);
	io_bus_access(&bus, BASE + 0x10, &v, 4, false);
	return v;
}

static int setup(void **state)
{
	struct ioapic_msi_sink sink = { send, route, NULL };

	(void)state;
	io_bus_init(&bus);
	ioapic_init(&io, 2, &sink);
	sent = 0;
	return ioapic_attach(&io, &bus, BASE);
}

static int teardown(void **state)
{
	(void)state;
	io_bus_destroy(&bus);
	return 0;
}

static void test_identity(void **state)
{
	(void)state;
	assert_int_equal(rd(0) >> 24, 2);
	assert_int_equal(rd(1), 0x20 | 23 << 16);
	assert_true(rd(0x10) & (1u << 16));	/* pins start masked */
}

static void test_edge(void **state)
{
	(void)state;
	wr(0x10 + 2 * 4 + 1, 1u << 24);	/* destination APIC 1 */
	wr(0x10 + 2 * 4, 0x34);		/* vector 0x34, edge, unmasked */
	assert_int_equal(route_addr[4], 0xfee01000);
	ioapic_set_irq(&io, 4, true);
	assert_int_equal(sent, 1);
	assert_int_equal(last_addr, 0xfee01000);
	assert_int_equal(last_data, 0x34);
	ioapic_set_irq(&io, 4, true);	/* no new edge */
	assert_int_equal(sent, 1);
	ioapic_set_irq(&io, 4, false);
	ioapic_set_irq(&io, 4, true);
	assert_int_equal(sent, 2);
}

static void test_level_and_eoi(void **state)
{
	(void)state;
	wr(0x10 + 2 * 9, 0x45 | 1u << 15 | 1u << 16);	/* level, masked */
	ioapic_set_irq(&io, 9, true);
	assert_int_equal(sent, 0);
	wr(0x10 + 2 * 9, 0x45 | 1u << 15);		/* unmasking delivers the asserted line */
	assert_int_equal(sent, 1);
	assert_int_equal(last_data, 0x45 | 3 << 14);
	assert_true(rd(0x10 + 2 * 9) & (1u << 14));	/* remote IRR */
	ioapic_eoi(&io, 0x45);				/* still asserted: again */
	assert_int_equal(sent, 2);
	ioapic_set_irq(&io, 9, false);
	ioapic_eoi(&io, 0x45);
	assert_int_equal(sent, 2);
	assert_false(rd(0x10 + 2 * 9) & (1u << 14));
}

static void test_remappable_format(void **state)
{
	(void)state;
	/* Handle 0x8005: bits 63:49 hold handle[14:0], bit 11 handle[15], bit 48 the format. */
	wr(0x10 + 2 * 3 + 1, 5u << 17 | 1u << 16);
	wr(0x10 + 2 * 3, 0x50 | 1u << 11);
	ioapic_set_irq(&io, 3, true);
	assert_int_equal(last_addr, 0xfee00000u | 5 << 5 | 1 << 4 | 1 << 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_and_eoi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remappable_format, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

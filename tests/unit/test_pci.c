/* PCI configuration space: identity, BAR sizing and placement, capabilities, both access paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/layout.h"
#include "hw/pci.h"

#include <string.h>

struct fixture {
	struct io_bus pio, mmio;
	struct pci_bus bus;
	struct pci_device dev;
	unsigned bar_reads;
	int intx_level;
	int gsi_level[24];
	unsigned gsi_sets[24];		/* calls that reached the interrupt controller */
};

static void bar_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct fixture *f = opaque;

	f->bar_reads++;
	memset(data, (int)(0xa0 + off), len);
}

static const struct io_dev_ops bar_ops = { bar_read, NULL };

static void intx(void *opaque, unsigned gsi, int level)
{
	struct fixture *f = opaque;

	f->intx_level = level;
	f->gsi_level[gsi % 24] = level;
	f->gsi_sets[gsi % 24]++;
}

static int setup(void **state)
{
	static struct fixture f;
	struct irq_line line = { intx, &f, 0 };

	memset(&f, 0, sizeof(f));
	io_bus_init(&f.pio);
	io_bus_init(&f.mmio);
	if (pci_bus_init(&f.bus, &f.pio, &f.mmio, 0x1000000000ull, 16) ||
	    pci_bus_attach_ports(&f.bus, PCI_ECAM_START))
		return -1;
	pci_device_init(&f.dev, 0x1af4, 0x1042, 0x010000, 0x1af4, 2);
	pci_device_set_bar(&f.dev, 0, PCI_BAR_MEM64, 0x4000, &bar_ops, &f);
	pci_device_set_bar(&f.dev, 2, PCI_BAR_IO, 0x40, &bar_ops, &f);
	if (pci_bus_add(&f.bus, &f.dev, &line) != 1)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pci_bus_destroy(&f->bus);
	io_bus_destroy(&f->pio);
	io_bus_destroy(&f->mmio);
	return 0;
}

#define DEVFN 0x08	/* slot 1, function 0 */

static void test_identity_and_absent_slots(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pci_config_read(&f->bus, DEVFN, PCI_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(pci_config_read(&f->bus, DEVFN, PCI_DEVICE_ID, 2), 0x1042);
	assert_int_equal(pci_config_read(&f->bus, DEVFN, PCI_REVISION_ID, 4) >> 8, 0x010000);
	assert_int_equal(pci_config_read(&f->bus, 0, PCI_CLASS_DEVICE, 2), 0x0600);
	assert_int_equal(pci_config_read(&f->bus, 0x10, PCI_VENDOR_ID, 4), 0xffffffff);
	assert_int_equal(pci_config_read(&f->bus, DEVFN + 1, PCI_VENDOR_ID, 4), 0xffffffff);
	/* Identity registers are read-only. */
	pci_config_write(&f->bus, DEVFN, PCI_VENDOR_ID, 4, 0x12345678);
	assert_int_equal(pci_config_read(&f->bus, DEVFN, PCI_VENDOR_ID, 2), 0x1af4);
}

static void test_bar_sizing(void **state)
{
	struct fixture *f = *state;
	uint32_t lo, hi;

	/* The guest's probe: write all ones, read back the size mask and the type bits. */
	pci_config_write(&f->bus, DEVFN, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	pci_config_write(&f->bus, DEVFN, PCI_BASE_ADDRESS_0 + 4, 4, 0xffffffff);
	lo = pci_config_read(&f->bus, DEVFN, PCI_BASE_ADDRESS_0, 4);
	hi = pci_config_read(&f->bus, DEVFN, PCI_BASE_ADDRESS_0 + 4, 4);
	assert_int_equal(lo, 0xffffc004);	/* 16 KiB, 64-bit memory */
	assert_int_equal(hi, 0xffffffff);
	pci_config_write(&f->bus, DEVFN, PCI_BASE_ADDRESS_0 + 8, 4, 0xffffffff);
	assert_int_equal(pci_config_read(&f->bus, DEVFN, PCI_BASE_ADDRESS_0 + 8, 4), 0xffffffc1);
	/* Unused BARs read zero whatever is written. */
	pci_config_write(&f->bus, DEVFN, PCI_BASE_ADDRESS_0 + 16, 4, 0xffffffff);
	assert_int_equal(pci_config_read(&f->bus, DEVFN, PCI_BASE_ADDRESS_0 + 16, 4), 0);
}

static void test_bar_mapping_follows_command_and_address(void **state)
{
	struct fixture *f = *state;
	uint32_t bar = pci_config_read(&f->bus, DEVFN, PCI_BASE_ADDRESS_0, 4) & ~15u;
	uint8_t b;

	assert_true(bar >= PCI_MMIO32_START && bar < PCI_MMIO32_END);	/* assigned at add */
	assert_false(io_bus_access(&f->mmio, bar, &b, 1, false));	/* decode off */
	pci_config_write(&f->bus, DEVFN, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_true(io_bus_access(&f->mmio, bar + 3, &b, 1, false));
	assert_int_equal(b, 0xa3);
	/* The guest moves the BAR: the old address goes dark, the new one answers. */
	pci_config_write(&f->bus, DEVFN, PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	assert_false(io_bus_access(&f->mmio, bar, &b, 1, false));
	assert_true(io_bus_access(&f->mmio, 0xd0000000, &b, 1, false));
	pci_config_write(&f->bus, DEVFN, PCI_COMMAND, 2, 0);
	assert_false(io_bus_access(&f->mmio, 0xd0000000, &b, 1, false));
	/* I/O BAR through the I/O enable bit. */
	bar = pci_config_read(&f->bus, DEVFN, PCI_BASE_ADDRESS_0 + 8, 4) & ~3u;
	pci_config_write(&f->bus, DEVFN, PCI_COMMAND, 2, PCI_COMMAND_IO);
	assert_true(io_bus_access(&f->pio, bar + 0x3f, &b, 1, false));
	assert_false(io_bus_access(&f->pio, bar + 0x40, &b, 1, false));
}

static uint8_t other_bar_byte;

static void other_bar_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	(void)opaque;
	(void)off;
	memset(data, other_bar_byte, len);
}

static const struct io_dev_ops other_bar_ops = { other_bar_read, NULL };

static uint32_t bar0(struct fixture *f, unsigned devfn)
{
	return pci_config_read(&f->bus, devfn, PCI_BASE_ADDRESS_0, 4) & ~15u;
}

/*
 * Restored one after the other, two devices whose BARs the guest swapped
 * around: the first cannot go where the second still is, and goes there once
 * the second has moved on. Read-only bits and BARs off the windows are refused.
 */
static void test_restore_config(void **state)
{
	struct fixture *f = *state;
	struct pci_device other;
	struct irq_line line = { intx, f, 0 };
	struct state_writer w1, w2;
	struct state_reader r;
	struct pci_saved s1, s2;
	uint32_t x, y, z = 0xd0000000u;
	uint8_t b;

	pci_device_init(&other, 0x1af4, 0x1042, 0x010000, 0x1af4, 2);
	pci_device_set_bar(&other, 0, PCI_BAR_MEM64, 0x4000, &other_bar_ops, NULL);
	assert_int_equal(pci_bus_add(&f->bus, &other, &line), 2);
	other_bar_byte = 0x5a;
	x = bar0(f, DEVFN);
	y = bar0(f, 0x10);
	pci_config_write(&f->bus, DEVFN, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	pci_config_write(&f->bus, 0x10, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);

	/* The records: the first device at y, the second at z. */
	state_writer_init(&w1);
	state_writer_init(&w2);
	pci_device_save(&f->dev, &w1);
	pci_device_save(&other, &w2);
	memcpy(w1.buf + PCI_BASE_ADDRESS_0, &(uint32_t){ y | PCI_BASE_ADDRESS_MEM_TYPE_64 }, 4);
	memcpy(w2.buf + PCI_BASE_ADDRESS_0, &(uint32_t){ z | PCI_BASE_ADDRESS_MEM_TYPE_64 }, 4);
	state_reader_init(&r, w1.buf, w1.len);
	assert_int_equal(pci_device_load(&f->dev, &r, &s1), 0);
	state_reader_init(&r, w2.buf, w2.len);
	assert_int_equal(pci_device_load(&other, &r, &s2), 0);

	pci_device_apply(&f->dev, &s1);
	assert_true(io_bus_access(&f->mmio, y, &b, 1, false));
	assert_int_equal(b, 0x5a);			/* still the second device */
	assert_false(io_bus_access(&f->mmio, x, &b, 1, false));
	pci_device_apply(&other, &s2);
	assert_true(io_bus_access(&f->mmio, z, &b, 1, false));
	assert_int_equal(b, 0x5a);
	assert_true(io_bus_access(&f->mmio, y + 3, &b, 1, false));
	assert_int_equal(b, 0xa3);			/* the first, where the guest had it */

	w1.buf[PCI_DEVICE_ID] ^= 1;
	state_reader_init(&r, w1.buf, w1.len);
	assert_int_equal(pci_device_load(&f->dev, &r, &s1), -1);
	assert_non_null(strstr(r.reason, "read-only"));
	w1.buf[PCI_DEVICE_ID] ^= 1;
	memcpy(w1.buf + PCI_BASE_ADDRESS_0, &(uint32_t){ 0x80000004u }, 4);	/* in RAM */
	state_reader_init(&r, w1.buf, w1.len);
	assert_int_equal(pci_device_load(&f->dev, &r, &s1), -1);
	assert_non_null(strstr(r.reason, "outside"));
	state_writer_free(&w1);
	state_writer_free(&w2);
}

static void test_config_mechanisms_agree(void **state)
{
	struct fixture *f = *state;
	uint32_t addr = 0x80000000u | (DEVFN << 8) | PCI_VENDOR_ID, v = 0;

	/* 0xcf8/0xcfc */
	assert_true(io_bus_access(&f->pio, 0xcf8, &addr, 4, true));
	assert_true(io_bus_access(&f->pio, 0xcfc, &v, 4, false));
	assert_int_equal(v, 0x10421af4);
	assert_true(io_bus_access(&f->pio, 0xcfe, &v, 2, false));
	assert_int_equal(v & 0xffff, 0x1042);
	/* ECAM: bus 0, device 1 */
	assert_true(io_bus_access(&f->mmio, PCI_ECAM_START + (1 << 15), &v, 4, false));
	assert_int_equal(v, 0x10421af4);
	/* Other buses have nothing. */
	assert_true(io_bus_access(&f->mmio, PCI_ECAM_START + (1 << 20), &v, 4, false));
	assert_int_equal(v, 0xffffffff);
	addr = 0; /* disabled: reads float */
	assert_true(io_bus_access(&f->pio, 0xcf8, &addr, 4, true));
	assert_true(io_bus_access(&f->pio, 0xcfc, &v, 4, false));
	assert_int_equal(v, 0xffffffff);
}

static void test_capabilities_and_intx(void **state)
{
	struct fixture *f = *state;
	unsigned a = pci_device_add_cap(&f->dev, PCI_CAP_ID_VNDR, 16);
	unsigned b = pci_device_add_cap(&f->dev, PCI_CAP_ID_MSIX, 12);

	assert_true(pci_config_read(&f->bus, DEVFN, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	assert_int_equal(pci_config_read(&f->bus, DEVFN, PCI_CAPABILITY_LIST, 1), a);
	assert_int_equal(pci_config_read(&f->bus, DEVFN, a + 1, 1), b);
	assert_int_equal(pci_config_read(&f->bus, DEVFN, b, 1), PCI_CAP_ID_MSIX);
	assert_int_equal(pci_config_read(&f->bus, DEVFN, b + 1, 1), 0);

	pci_device_set_intx(&f->dev, true);
	assert_int_equal(f->intx_level, 1);
	assert_true(pci_config_read(&f->bus, DEVFN, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	pci_config_write(&f->bus, DEVFN, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(f->intx_level, 0);
	pci_config_write(&f->bus, DEVFN, PCI_COMMAND, 2, 0);
	assert_int_equal(f->intx_level, 1);
	pci_device_set_intx(&f->dev, false);
	assert_int_equal(f->intx_level, 0);
	assert_int_equal(pci_config_read(&f->bus, DEVFN, PCI_INTERRUPT_LINE, 1), 16 + (1 + 0) % 4);
}

/* Slots 1 and 5 share INTA's GSI: the line is the OR of both, and moves only on a change. */
static void test_shared_intx_pin(void **state)
{
	struct fixture *f = *state;
	struct irq_line line = { intx, f, 0 };
	static struct pci_device more[4];
	unsigned i, gsi = 16 + 1 % 4;

	for (i = 0; i < 4; i++) {
		pci_device_init(&more[i], 0x1af4, 0x1044, 0xff0000, 0x1af4, 4);
		assert_int_equal(pci_bus_add(&f->bus, &more[i], &line), (int)i + 2);
	}
	assert_int_equal(pci_config_read(&f->bus, 5 << 3, PCI_INTERRUPT_LINE, 1), gsi);
	pci_device_set_intx(&f->dev, true);
	pci_device_set_intx(&f->dev, true);
	pci_device_set_intx(&more[3], true);
	assert_int_equal(f->gsi_level[gsi], 1);
	assert_int_equal(f->gsi_sets[gsi], 1);
	pci_device_set_intx(&f->dev, false);
	assert_int_equal(f->gsi_level[gsi], 1);	/* slot 5 still asserts it */
	/* INTx disabled in slot 5's COMMAND takes its share off the line. */
	pci_config_write(&f->bus, 5 << 3, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(f->gsi_level[gsi], 0);
	pci_device_set_intx(&more[3], false);
	pci_config_write(&f->bus, 5 << 3, PCI_COMMAND, 2, 0);
	assert_int_equal(f->gsi_level[gsi], 0);
	assert_int_equal(f->gsi_sets[gsi], 2);
	assert_int_equal(f->gsi_sets[16 + 2 % 4], 0);	/* slot 2's line never moved */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_and_absent_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar_sizing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar_mapping_follows_command_and_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restore_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_mechanisms_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capabilities_and_intx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_intx_pin, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

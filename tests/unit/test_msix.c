/* MSI-X: masking, pending bits, function mask, route updates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/msix.h"
#include "hw/pci.h"

#include <string.h>

struct probe {
	unsigned fired[4];
	unsigned routes;
	uint64_t addr;
	uint32_t data;
};

static void route(void *opaque, unsigned v, uint64_t addr, uint32_t data)
{
	struct probe *p = opaque;

	(void)v;
	p->routes++;
	p->addr = addr;
	p->data = data;
}

static void fire(void *opaque, unsigned v)
{
	struct probe *p = opaque;

	p->fired[v]++;
}

static void set_ctrl(struct pci_device *d, struct msix *m, uint16_t ctrl)
{
	memcpy(d->cfg + m->cap + 2, &ctrl, 2);
	msix_config_written(m);
}

static void write32(struct msix *m, unsigned v, unsigned field, uint32_t val)
{
	msix_table_write(m, v * 16 + field, &val, 4);
}

static void test_msix(void **state)
{
	struct pci_device d;
	struct msix m;
	struct probe p = { 0 };
	struct msix_sink sink = { route, fire, &p };
	uint64_t pba = 0;
	uint32_t v32;

	(void)state;
	pci_device_init(&d, 0x1af4, 0x1042, 0, 0, 0);
	assert_int_equal(msix_init(&m, &d, 4, 1, 0, 0x800, &sink), 0);
	assert_int_equal(d.cfg[m.cap], PCI_CAP_ID_MSIX);
	assert_int_equal(d.cfg[m.cap + 2], 3);			/* table size - 1 */
	assert_int_equal(d.cfg[m.cap + 4], 1);			/* BIR 1, offset 0 */

	/* Disabled: the caller falls back to INTx. */
	assert_false(msix_notify(&m, 0));
	set_ctrl(&d, &m, 0x8000);
	/* Vectors start masked: notifying sets the pending bit only. */
	assert_true(msix_notify(&m, 2));
	assert_int_equal(p.fired[2], 0);
	msix_pba_read(&m, 0, &pba, 8);
	assert_int_equal(pba, 1u << 2);

	write32(&m, 2, 0, 0xfee00000);
	write32(&m, 2, 8, 0x4041);
	assert_int_equal(p.routes, 2);
	assert_int_equal(p.addr, 0xfee00000);
	assert_int_equal(p.data, 0x4041);
	/* Unmasking delivers what was pending, once. */
	write32(&m, 2, 12, 0);
	assert_int_equal(p.fired[2], 1);
	msix_pba_read(&m, 0, &pba, 8);
	assert_int_equal(pba, 0);
	assert_true(msix_notify(&m, 2));
	assert_int_equal(p.fired[2], 2);

	/* Function mask holds every vector. */
	set_ctrl(&d, &m, 0xc000);
	assert_true(msix_notify(&m, 2));
	assert_int_equal(p.fired[2], 2);
	set_ctrl(&d, &m, 0x8000);
	assert_int_equal(p.fired[2], 3);

	/* Reserved control bits read as zero; bad sizes and offsets are ignored. */
	write32(&m, 1, 12, 0xfffffffe);
	msix_table_read(&m, 1 * 16 + 12, &v32, 4);
	assert_int_equal(v32, 0);
	msix_table_read(&m, 4 * 16, &v32, 4);
	assert_int_equal(v32, 0xffffffff);
	msix_table_write(&m, 2, &v32, 2);
	assert_false(msix_notify(&m, 9));
	msix_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

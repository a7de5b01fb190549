/*
 * Device records: a virtio device driven through its PCI function as a
 * driver would, saved, restored into a fresh instance that then carries on
 * where the first stopped; the IOAPIC and the VT-d unit likewise; and
 * records a hostile file could hold, each rejected with its reason and
 * leaving the device as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/layout.h"
#include "hw/ioapic.h"
#include "hw/pci.h"
#include "iommu/vtd.h"
#include "virtio/rng.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEM		(1 << 20)
#define DEVFN		0x08		/* slot 1 */
#define QSZ		8
#define DESC		0x1000
#define AVAIL		0x2000
#define USED		0x3000
#define BUF		0x10000
#define MSI_ADDR	0xfee00000u
#define QUEUE_DATA	0x41
#define CONFIG_DATA	0x42
#define MOVED_BAR	0xc0010000u

/* Common configuration (virtio 1.2, 4.1.4.3) and the BAR's other areas. */
#define CC_GFSELECT	8
#define CC_GF		12
#define CC_MSIX		16
#define CC_NUMQ		18
#define CC_STATUS	20
#define CC_Q_SELECT	22
#define CC_Q_SIZE	24
#define CC_Q_MSIX	26
#define CC_Q_ENABLE	28
#define CC_Q_DESC	32
#define CC_Q_AVAIL	40
#define CC_Q_USED	48
#define NOTIFY_OFF	0x3000
#define MSIX_TABLE_OFF	0x4000

/* Where the rng's record keeps what the corrupt records change (docs/machine.md). */
#define REC_BAR4	0x20
#define REC_MSIX	256
#define REC_MSIX_CTRL0	(REC_MSIX + 2 + 12)
#define REC_VIRTIO	(REC_MSIX + 2 + 2 * 16 + 8)
#define REC_FEATURES	(REC_VIRTIO + 2)
#define REC_STATUS	(REC_VIRTIO + 18)
#define REC_CFG_VECTOR	(REC_VIRTIO + 21)
#define REC_QUEUE	(REC_VIRTIO + 25)
#define REC_Q_SIZE	(REC_QUEUE + 0)
#define REC_Q_VECTOR	(REC_QUEUE + 2)
#define REC_Q_ENABLED	(REC_QUEUE + 4)
#define REC_Q_DESC	(REC_QUEUE + 5)
#define REC_Q_LAST	(REC_QUEUE + 29)
#define REC_LEN		(REC_QUEUE + 37)

static struct guest_mem gm;

struct msi_probe {
	uint64_t addr[2];
	uint32_t data[2];
	unsigned fired[2];
};

/* One machine's worth: buses, a PCI root, one virtio-rng. */
struct side {
	struct io_bus pio, mmio;
	struct pci_bus bus;
	struct virtio_rng rng;
	struct msi_probe msi;
};

static struct side a, b;

static void route(void *opaque, unsigned v, uint64_t addr, uint32_t data)
{
	struct msi_probe *p = opaque;

	if (v < 2) {
		p->addr[v] = addr;
		p->data[v] = data;
	}
}

static void fire(void *opaque, unsigned v)
{
	struct msi_probe *p = opaque;

	if (v < 2)
		__atomic_fetch_add(&p->fired[v], 1, __ATOMIC_RELAXED);
}

static void intx(void *opaque, unsigned gsi, int level)
{
	(void)opaque;
	(void)gsi;
	(void)level;
}

static void side_init(struct side *s)
{
	struct irq_line line = { intx, s, 0 };
	struct virtio_pci_env env = { .msix = { route, fire, &s->msi } };

	memset(s, 0, sizeof(*s));
	io_bus_init(&s->pio);
	io_bus_init(&s->mmio);
	assert_int_equal(pci_bus_init(&s->bus, &s->pio, &s->mmio, 0x1000000000ull, 16), 0);
	assert_int_equal(virtio_rng_init(&s->rng, &env), 0);
	assert_int_equal(pci_bus_add(&s->bus, &s->rng.vd.pci, &line), 1);
	dma_space_init(&s->rng.vd.dma, &gm, NULL, DEVFN);
}

static void side_destroy(struct side *s)
{
	virtio_rng_destroy(&s->rng);
	pci_bus_destroy(&s->bus);
	io_bus_destroy(&s->pio);
	io_bus_destroy(&s->mmio);
}

static uint64_t bar_addr(struct side *s)
{
	uint32_t lo = pci_config_read(&s->bus, DEVFN, PCI_BASE_ADDRESS_0 + 16, 4);
	uint32_t hi = pci_config_read(&s->bus, DEVFN, PCI_BASE_ADDRESS_0 + 20, 4);

	return (lo & ~15ull) | (uint64_t)hi << 32;
}

static bool bar_access(struct side *s, uint64_t off, uint64_t *v, unsigned len, bool write)
{
	return io_bus_access(&s->mmio, bar_addr(s) + off, v, len, write);
}

static void bar_write(struct side *s, uint64_t off, uint64_t v, unsigned len)
{
	assert_true(bar_access(s, off, &v, len, true));
}

static uint64_t bar_read(struct side *s, uint64_t off, unsigned len)
{
	uint64_t v = 0;

	assert_true(bar_access(s, off, &v, len, false));
	return v;
}

static unsigned msix_cap(struct side *s)
{
	unsigned c = pci_config_read(&s->bus, DEVFN, PCI_CAPABILITY_LIST, 1);

	while (c && pci_config_read(&s->bus, DEVFN, c, 1) != PCI_CAP_ID_MSIX)
		c = pci_config_read(&s->bus, DEVFN, c + 1, 1);
	assert_int_not_equal(c, 0);
	return c;
}

static void set_vector(struct side *s, unsigned v, uint32_t data)
{
	bar_write(s, MSIX_TABLE_OFF + 16 * v, MSI_ADDR, 4);
	bar_write(s, MSIX_TABLE_OFF + 16 * v + 4, 0, 4);
	bar_write(s, MSIX_TABLE_OFF + 16 * v + 8, data, 4);
	bar_write(s, MSIX_TABLE_OFF + 16 * v + 12, 0, 4);
}

/* What a driver does to bring queue 0 up (virtio 1.2, 3.1.1), with MSI-X on. */
static void driver_init(struct side *s)
{
	pci_config_write(&s->bus, DEVFN, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	pci_config_write(&s->bus, DEVFN, msix_cap(s) + 2, 2, 0x8000);
	set_vector(s, 0, QUEUE_DATA);
	set_vector(s, 1, CONFIG_DATA);
	bar_write(s, CC_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
	bar_write(s, CC_GFSELECT, 1, 4);
	bar_write(s, CC_GF, 1, 4);		/* VIRTIO_F_VERSION_1 */
	bar_write(s, CC_STATUS, 0xb, 1);	/* | FEATURES_OK */
	bar_write(s, CC_MSIX, 1, 2);
	bar_write(s, CC_Q_SELECT, 0, 2);
	bar_write(s, CC_Q_SIZE, QSZ, 2);
	bar_write(s, CC_Q_MSIX, 0, 2);
	bar_write(s, CC_Q_DESC, DESC, 8);
	bar_write(s, CC_Q_AVAIL, AVAIL, 8);
	bar_write(s, CC_Q_USED, USED, 8);
	bar_write(s, CC_Q_ENABLE, 1, 2);
	bar_write(s, CC_STATUS, 0xf, 1);	/* | DRIVER_OK */
}

/* Descriptor @head: one device-writable buffer of 16 bytes; offered and kicked. */
static void offer(struct side *s, uint16_t head)
{
	uint64_t addr = BUF + 0x100 * head;
	uint32_t len = 16;
	uint16_t flags = VIRTQ_DESC_F_WRITE, next = 0, idx;

	gm_write(&gm, DESC + 16 * head, &addr, 8);
	gm_write(&gm, DESC + 16 * head + 8, &len, 4);
	gm_write(&gm, DESC + 16 * head + 12, &flags, 2);
	gm_write(&gm, DESC + 16 * head + 14, &next, 2);
	gm_read(&gm, AVAIL + 2, &idx, 2);
	gm_write(&gm, AVAIL + 4 + 2 * (idx % QSZ), &head, 2);
	idx++;
	gm_write(&gm, AVAIL + 2, &idx, 2);
	bar_write(s, NOTIFY_OFF, 0, 2);
}

static uint16_t used_idx(void)
{
	uint16_t idx;

	gm_read(&gm, USED + 2, &idx, 2);
	return idx;
}

/* The device's thread uses buffers on its own: wait for it, up to 5 s. */
static void wait_used(uint16_t want)
{
	struct timespec ms = { 0, 1000000 };
	unsigned i;

	for (i = 0; i < 5000 && used_idx() != want; i++)
		nanosleep(&ms, NULL);
	assert_int_equal(used_idx(), want);
}

static void save(struct side *s, struct state_writer *w)
{
	state_writer_init(w);
	assert_int_equal(virtio_rng_device_ops.save(&s->rng, w), 0);
	assert_false(w->failed);
}

static int restore(struct side *s, const uint8_t *buf, size_t len, char *reason)
{
	struct state_reader r;
	int ret;

	state_reader_init(&r, buf, len);
	ret = virtio_rng_device_ops.restore(&s->rng, &r, 1);
	if (!ret)
		ret = state_reader_done(&r);
	if (reason)
		strcpy(reason, r.reason);
	return ret;
}

static struct state_writer saved;

static int setup(void **state)
{
	struct guest_mem_range r = { 0, MEM };

	(void)state;
	if (guest_mem_init(&gm, &r, 1, GUEST_MEM_ANON, NULL))
		return -1;
	side_init(&a);
	driver_init(&a);
	offer(&a, 0);
	wait_used(1);
	/* The guest moved the BAR since: the restored one must be there too. */
	pci_config_write(&a.bus, DEVFN, PCI_BASE_ADDRESS_0 + 16, 4, MOVED_BAR);
	virtio_rng_device_ops.pause(&a.rng);
	save(&a, &saved);
	side_init(&b);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	side_destroy(&a);
	side_destroy(&b);
	state_writer_free(&saved);
	guest_mem_destroy(&gm);
	return 0;
}

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(saved.len, REC_LEN);
	assert_int_equal(bar_addr(&a), MOVED_BAR);
	assert_int_equal(saved.buf[REC_STATUS], 0xf);
	assert_int_equal(saved.buf[REC_Q_SIZE], QSZ);
}

/* Saved, restored into a fresh device, saved again: the same bytes; the device is live. */
static void test_restore_into_fresh_device(void **state)
{
	struct state_writer again;
	uint32_t elem[2];

	(void)state;
	assert_int_equal(restore(&b, saved.buf, saved.len, NULL), 0);
	save(&b, &again);
	assert_int_equal(again.len, saved.len);
	assert_memory_equal(again.buf, saved.buf, saved.len);
	state_writer_free(&again);

	/* The BAR where the guest had moved it, and nothing where it was at first. */
	assert_int_equal(bar_addr(&b), MOVED_BAR);
	assert_int_equal(bar_read(&b, CC_NUMQ, 2), 1);
	assert_int_equal(bar_read(&b, CC_STATUS, 1), 0xf);
	{
		uint64_t v;

		assert_false(io_bus_access(&b.mmio, PCI_MMIO32_START + CC_NUMQ, &v, 2, false));
	}
	/* Every vector routed anew from the restored table. */
	assert_int_equal(b.msi.addr[0], MSI_ADDR);
	assert_int_equal(b.msi.data[0], QUEUE_DATA);
	assert_int_equal(b.msi.data[1], CONFIG_DATA);

	/* The queue goes on from the saved index: the next chain is the next one used. */
	offer(&b, 1);
	wait_used(2);
	gm_read(&gm, USED + 4 + 8 * 1, elem, 8);
	assert_int_equal(elem[0], 1);
	assert_int_equal(elem[1], 16);
	gm_read(&gm, USED + 4, elem, 8);
	assert_int_equal(elem[0], 0);
	assert_true(__atomic_load_n(&b.msi.fired[0], __ATOMIC_RELAXED) >= 1);
	virtio_rng_device_ops.pause(&b.rng);
}

/* Reset (a restore's first step), restore: the same record again. */
static void test_reset_then_restore(void **state)
{
	struct state_writer again;

	(void)state;
	virtio_rng_device_ops.reset(&a.rng);
	assert_int_equal(bar_read(&a, CC_STATUS, 1), 0);
	assert_int_equal(restore(&a, saved.buf, saved.len, NULL), 0);
	save(&a, &again);
	assert_memory_equal(again.buf, saved.buf, saved.len);
	state_writer_free(&again);
}

struct corruption {
	size_t off;
	unsigned len;
	uint64_t value;
	const char *reason;
};

static const struct corruption corruptions[] = {
	{ 0, 1, 0xf5, "read-only" },				/* the vendor id */
	{ REC_BAR4, 4, 0x10000004, "outside the bridge's windows" },
	{ REC_MSIX_CTRL0, 4, 2, "reserved control bits" },
	{ REC_FEATURES, 8, 1ull << 40 | 1ull << 32, "driver features" },
	{ REC_STATUS, 1, 0x1f, "device status" },
	{ REC_CFG_VECTOR, 2, 5, "configuration MSI-X vector" },
	{ REC_Q_SIZE, 2, 3, "queue 0 (size 3)" },
	{ REC_Q_SIZE, 2, 128, "queue 0 (size 128)" },
	{ REC_Q_VECTOR, 2, 2, "queue 0: MSI-X vector 2" },
	{ REC_Q_ENABLED, 1, 2, "a boolean" },
	{ REC_Q_DESC, 8, DESC + 8, "misaligned" },
	{ REC_Q_DESC, 8, UINT64_MAX - 15, "wraps" },
	{ REC_Q_LAST, 2, 2, "taken and not used" },
};

/* Each a value a file could hold; refused by name, and the live device left as it was. */
static void test_corrupt_records(void **state)
{
	struct state_writer before, after;
	uint8_t copy[REC_LEN + 1];
	char reason[STATE_REASON_MAX];
	size_t i, n;

	(void)state;
	save(&b, &before);
	for (i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]); i++) {
		const struct corruption *c = &corruptions[i];

		memcpy(copy, saved.buf, saved.len);
		memcpy(copy + c->off, &c->value, c->len);
		assert_int_equal(restore(&b, copy, saved.len, reason), -1);
		if (!strstr(reason, c->reason))
			fail_msg("corruption %zu: reason \"%s\", not \"%s\"", i, reason, c->reason);
	}
	for (n = 0; n < saved.len; n++)
		assert_int_equal(restore(&b, saved.buf, n, NULL), -1);
	memcpy(copy, saved.buf, saved.len);
	copy[saved.len] = 0;
	assert_int_equal(restore(&b, copy, saved.len + 1, NULL), -1);
	save(&b, &after);
	assert_memory_equal(after.buf, before.buf, before.len);
	state_writer_free(&before);
	state_writer_free(&after);
}

static void ioapic_msg(void *opaque, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)addr;
	(void)data;
}

static void ioapic_route(void *opaque, unsigned pin, uint64_t addr, uint32_t data)
{
	uint32_t *routes = opaque;

	(void)addr;
	if (pin < IOAPIC_PINS)
		routes[pin] = data;
}

static void ioapic_reg(struct ioapic *io, struct io_bus *bus, uint32_t reg, uint32_t v)
{
	io_bus_access(bus, IOAPIC_ADDR, &reg, 4, true);
	io_bus_access(bus, IOAPIC_ADDR + 0x10, &v, 4, true);
	(void)io;
}

static void test_ioapic(void **state)
{
	uint32_t routes_a[IOAPIC_PINS] = { 0 }, routes_b[IOAPIC_PINS] = { 0 };
	struct ioapic_msi_sink sa = { ioapic_msg, ioapic_route, routes_a };
	struct ioapic_msi_sink sb = { ioapic_msg, ioapic_route, routes_b };
	struct ioapic x, y;
	struct io_bus bus;
	struct state_writer w, w2;
	struct state_reader r;
	uint8_t copy[256];

	(void)state;
	io_bus_init(&bus);
	ioapic_init(&x, 2, &sa);
	ioapic_init(&y, 2, &sb);
	assert_int_equal(ioapic_attach(&x, &bus, IOAPIC_ADDR), 0);
	ioapic_reg(&x, &bus, 0x10 + 2 * 4, 0x8031);		/* pin 4: level, vector 0x31 */
	ioapic_set_irq(&x, 4, true);				/* delivered: remote IRR */
	state_writer_init(&w);
	assert_int_equal(ioapic_device_ops.save(&x, &w), 0);
	state_reader_init(&r, w.buf, w.len);
	assert_int_equal(ioapic_device_ops.restore(&y, &r, 1), 0);
	assert_int_equal(routes_b[4] & 0xff, 0x31);
	state_writer_init(&w2);
	ioapic_device_ops.save(&y, &w2);
	assert_memory_equal(w.buf, w2.buf, w.len);
	/* Pin 4 waits for its EOI on the restored one too: no second delivery before it. */
	assert_true(y.rte[4] & (1ull << 14));

	assert_true(w.len <= sizeof(copy));
	memcpy(copy, w.buf, w.len);
	copy[2 + 8 * 3 + 1] |= 0x10;				/* pin 3: delivery status */
	state_reader_init(&r, copy, w.len);
	assert_int_equal(ioapic_device_ops.restore(&y, &r, 1), -1);
	assert_non_null(strstr(r.reason, "pin 3"));
	memcpy(copy, w.buf, w.len);
	copy[0] = 0x10;						/* an id of 5 bits */
	state_reader_init(&r, copy, w.len);
	assert_int_equal(ioapic_device_ops.restore(&y, &r, 1), -1);
	state_writer_free(&w);
	state_writer_free(&w2);
	io_bus_destroy(&bus);
}

static void vtd_msg(void *opaque, uint64_t addr, uint32_t data)
{
	(void)opaque;
	(void)addr;
	(void)data;
}

static void ir_changed(void *opaque)
{
	(*(unsigned *)opaque)++;
}

static void vtd_write(struct io_bus *bus, unsigned reg, uint64_t v, unsigned len)
{
	assert_true(io_bus_access(bus, VTD_BASE_ADDR + reg, &v, len, true));
}

static void test_vtd(void **state)
{
	struct vtd_msi_sink sink = { vtd_msg, NULL };
	struct vtd *x = calloc(1, sizeof(*x)), *y = calloc(1, sizeof(*y)), *z = calloc(1, sizeof(*z));
	struct io_bus bus;
	struct state_writer w, w2;
	struct state_reader r;
	unsigned changes = 0;
	uint8_t *copy;

	(void)state;
	io_bus_init(&bus);
	vtd_init(x, &gm, &sink, false);
	vtd_init(y, &gm, &sink, false);
	vtd_init(z, &gm, &sink, true);
	vtd_set_ir_listener(y, ir_changed, &changes);
	assert_int_equal(vtd_attach(x, &bus), 0);
	vtd_write(&bus, DMAR_RTADDR_REG, 0x40000, 8);
	vtd_write(&bus, DMAR_GCMD_REG, DMA_GCMD_SRTP, 4);
	vtd_write(&bus, DMAR_IQA_REG, 0x50000, 8);
	vtd_write(&bus, DMAR_GCMD_REG, DMA_GCMD_QIE, 4);
	vtd_write(&bus, DMAR_IRTA_REG, 0x60000 | 7, 8);
	vtd_write(&bus, DMAR_GCMD_REG, DMA_GCMD_QIE | DMA_GCMD_SIRTP, 4);
	vtd_write(&bus, DMAR_GCMD_REG, DMA_GCMD_QIE | DMA_GCMD_IRE | DMA_GCMD_TE, 4);
	vtd_write(&bus, DMAR_FEADDR_REG, 0xfee01000, 4);
	/* A cached translation the restored unit must not keep. */
	y->iotlb[0].valid = true;

	state_writer_init(&w);
	assert_int_equal(vtd_device_ops.save(x, &w), 0);
	state_reader_init(&r, w.buf, w.len);
	assert_int_equal(vtd_device_ops.restore(y, &r, 1), 0);
	assert_int_equal(y->rtaddr, 0x40000);
	assert_int_equal(y->irta, 0x60000 | 7);
	assert_int_equal(y->gsts, x->gsts);
	assert_true(y->gsts & DMA_GSTS_IRES);
	assert_false(y->iotlb[0].valid);
	assert_int_equal(changes, 1);
	state_writer_init(&w2);
	vtd_device_ops.save(y, &w2);
	assert_memory_equal(w.buf, w2.buf, w.len);

	/* Another caching mode is another unit. */
	state_reader_init(&r, w.buf, w.len);
	assert_int_equal(vtd_device_ops.restore(z, &r, 1), -1);
	assert_non_null(strstr(r.reason, "capabilities"));
	/* The invalidation queue's tail past its end (4 KiB, QS 0). */
	copy = malloc(w.len);
	memcpy(copy, w.buf, w.len);
	memcpy(copy + w.len - 20 - 16 - 8, &(uint64_t){ 0x1000 }, 8);
	state_reader_init(&r, copy, w.len);
	assert_int_equal(vtd_device_ops.restore(y, &r, 1), -1);
	assert_non_null(strstr(r.reason, "invalidation queue"));
	free(copy);
	vtd_device_ops.reset(y);
	assert_int_equal(y->gsts, 0);
	state_writer_free(&w);
	state_writer_free(&w2);
	vtd_destroy(x);
	vtd_destroy(y);
	vtd_destroy(z);
	free(x);
	free(y);
	free(z);
	io_bus_destroy(&bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_restore_into_fresh_device),
		cmocka_unit_test(test_reset_then_restore),
		cmocka_unit_test(test_corrupt_records),
		cmocka_unit_test(test_ioapic),
		cmocka_unit_test(test_vtd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* A minimal virtio 1.x PCI driver: find the structures, negotiate, run one queue. */
#include "virtio.h"

#define CAP_VNDR	0x09
#define CAP_MSIX	0x11
#define CFG_COMMON	1
#define CFG_NOTIFY	2
#define CFG_DEVICE	4
#define STATUS_ACK	1
#define STATUS_DRIVER	2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8
#define STATUS_NEEDS_RESET 64
#define DESC_F_NEXT	1
#define MSIX_ENABLE	0x8000
#define WAIT_CYCLES	(10ull * 1000 * 1000 * 1000)

static uint64_t bar_base(unsigned slot, unsigned bar)
{
	uint64_t lo = pci_read32(slot, 0x10 + 4 * bar);

	if ((lo & 6) == 4)
		return (lo & ~15ull) | ((uint64_t)pci_read32(slot, 0x14 + 4 * bar) << 32);
	return lo & ~15ull;
}

/* Walk the capability list; a malformed list ends after 48 steps. */
static unsigned find_cap(unsigned slot, uint8_t id, int vndr_type)
{
	unsigned off = pci_read32(slot, 0x34) & 0xfc, guard = 0;

	while (off && guard++ < 48) {
		uint32_t h = pci_read32(slot, off);

		if ((h & 0xff) == id && (vndr_type < 0 || ((h >> 24) & 0xff) == (unsigned)vndr_type))
			return off;
		off = (h >> 8) & 0xfc;
	}
	return 0;
}

static uint64_t cfg_addr(unsigned slot, unsigned type)
{
	unsigned c = find_cap(slot, CAP_VNDR, (int)type);

	if (!c)
		return 0;
	return bar_base(slot, pci_read32(slot, c + 4) & 0xff) + pci_read32(slot, c + 8);
}

int vdev_init(struct vdev *d, unsigned slot, uint32_t features, uint32_t *offered)
{
	volatile struct virtio_common *c;
	unsigned notify_cap;

	memset(d, 0, sizeof(*d));
	d->slot = slot;
	pci_write16(slot, 4, 0x0006);	/* memory decode, bus master */
	d->common = c = (volatile struct virtio_common *)cfg_addr(slot, CFG_COMMON);
	d->device_cfg = (volatile uint8_t *)cfg_addr(slot, CFG_DEVICE);
	d->notify = cfg_addr(slot, CFG_NOTIFY);
	notify_cap = find_cap(slot, CAP_VNDR, CFG_NOTIFY);
	d->msix_cap = find_cap(slot, CAP_MSIX, -1);
	if (!c || !d->notify || !notify_cap)
		return -1;
	d->notify_mult = pci_read32(slot, notify_cap + 16);
	if (d->msix_cap) {
		uint32_t t = pci_read32(slot, d->msix_cap + 4);

		d->msix_table = bar_base(slot, t & 7) + (t & ~7u);
	}
	c->status = 0;
	c->status = STATUS_ACK | STATUS_DRIVER;
	c->dfselect = 1;
	if (!(c->df & VIRTIO_F_VERSION_1_HI))
		return -1;
	c->dfselect = 0;
	*offered = c->df;
	c->gfselect = 0;
	c->gf = features & *offered;
	c->dfselect = 1;
	c->gfselect = 1;
	c->gf = VIRTIO_F_VERSION_1_HI | (c->df & VIRTIO_F_ACCESS_PLATFORM_HI);
	c->status = STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK;
	return c->status & STATUS_FEATURES_OK ? 0 : -1;
}

static struct vdev *msix_owner[48];

static void msix_irq(unsigned vector)
{
	if (msix_owner[vector])
		msix_owner[vector]->irqs++;
	lapic_eoi();
}

/* Table entry 0 to @vector on this CPU, then MSI-X on (PCI 3.0, 6.8.2). */
static void msix_setup(struct vdev *d, unsigned vector)
{
	volatile uint32_t *e = (volatile uint32_t *)d->msix_table;
	uint32_t ctrl = pci_read32(d->slot, d->msix_cap);

	msix_owner[vector] = d;
	irq_set_handler(vector, msix_irq);
	e[0] = 0xfee00000u | (lapic_id() << 12);
	e[1] = 0;
	e[2] = vector;
	e[3] = 0;	/* unmasked */
	pci_write16(d->slot, d->msix_cap + 2, (uint16_t)((ctrl >> 16) | MSIX_ENABLE));
}

int vdev_queue(struct vdev *d, unsigned q, uint16_t size, uint64_t desc, uint64_t avail,
	       uint64_t used, int vector)
{
	volatile struct virtio_common *c = d->common;

	if (q >= VDEV_MAX_QUEUES || q >= c->numq)
		return -1;
	c->q_select = (uint16_t)q;
	if (c->q_size < size)
		return -1;
	c->q_size = size;
	c->q_desc = desc + d->ring_dma_offset;
	c->q_avail = avail + d->ring_dma_offset;
	c->q_used = used + d->ring_dma_offset;
	c->q_msix = vector >= 0 ? 0 : 0xffff;
	if (vector >= 0 && c->q_msix != 0)
		return -1;	/* the device refused the vector */
	d->q_notify_off[q] = c->q_notify_off;
	c->q_enable = 1;
	return 0;
}

int vdev_driver_ok(struct vdev *d)
{
	volatile struct virtio_common *c = d->common;

	c->status = STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK;
	return c->status & STATUS_NEEDS_RESET ? -1 : 0;
}

int vdev_start(struct vdev *d, struct vring **rings, unsigned nq, int vector)
{
	unsigned q;

	if (nq > VDEV_MAX_QUEUES || nq > d->common->numq)
		return -1;
	if (vector >= 0) {
		if (!d->msix_table)
			return -1;
		msix_setup(d, (unsigned)vector);
	}
	d->use_irq = vector >= 0;
	for (q = 0; q < nq; q++) {
		struct vring *ring = rings[q];

		memset(ring, 0, sizeof(*ring));
		d->rings[q] = ring;
		if (vdev_queue(d, q, VQ_SIZE, (uint64_t)ring->desc, (uint64_t)&ring->avail,
			       (uint64_t)&ring->used, vector))
			return -1;
	}
	return vdev_driver_ok(d);
}

volatile uint16_t *vdev_notify_reg(const struct vdev *d, unsigned q)
{
	return (volatile uint16_t *)(d->notify + (uint64_t)d->q_notify_off[q] * d->notify_mult);
}

int vdev_post(struct vdev *d, unsigned q, const struct vbuf *bufs, unsigned n)
{
	struct vring *r = q < VDEV_MAX_QUEUES ? d->rings[q] : 0;
	unsigned i;

	if (!r || n == 0 || n > VQ_SIZE)
		return -1;
	for (i = 0; i < n; i++) {
		r->desc[i].addr = (uint64_t)bufs[i].addr;
		r->desc[i].len = bufs[i].len;
		r->desc[i].flags = (uint16_t)(bufs[i].flags | (i + 1 < n ? DESC_F_NEXT : 0));
		r->desc[i].next = (uint16_t)(i + 1);
	}
	r->avail.ring[r->avail.idx % VQ_SIZE] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	r->avail.idx++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*vdev_notify_reg(d, q) = (uint16_t)q;
	return 0;
}

int vdev_wait(struct vdev *d, unsigned q, uint64_t cycles)
{
	struct vring *r = d->rings[q];
	volatile uint16_t *idx = &r->used.idx;
	uint64_t start = rdtsc();
	uint16_t slot;

	while (*idx == d->last_used[q]) {
		if (cycles != VDEV_FOREVER && rdtsc() - start > cycles)
			return -1;
		if (d->use_irq)
			__asm__ volatile("sti; hlt; cli");	/* the MSI-X interrupt wakes us */
		else
			cpu_relax();
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	slot = d->last_used[q] % VQ_SIZE;
	d->last_used[q]++;
	return r->used.ring[slot].id == 0 ? (int)r->used.ring[slot].len : -1;
}

int vdev_transfer(struct vdev *d, unsigned q, const struct vbuf *bufs, unsigned n)
{
	if (vdev_post(d, q, bufs, n))
		return -1;
	return vdev_wait(d, q, WAIT_CYCLES);
}

void vdev_reset(struct vdev *d)
{
	d->common->status = 0;
}

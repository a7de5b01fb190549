/* A minimal virtio 1.x PCI driver: find the structures, negotiate, use one queue polled. */
#include "guest.h"

#define CAP_VNDR	0x09
#define CFG_COMMON	1
#define CFG_NOTIFY	2
#define STATUS_ACK	1
#define STATUS_DRIVER	2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8
#define DESC_F_WRITE	2
#define QSZ		8
#define WAIT_CYCLES	(10ull * 1000 * 1000 * 1000)

struct virtio_common {
	uint32_t dfselect, df, gfselect, gf;
	uint16_t msix, numq;
	uint8_t status, cfggen;
	uint16_t q_select, q_size, q_msix, q_enable, q_notify_off;
	uint64_t q_desc, q_avail, q_used;
} __attribute__((packed));

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static struct vq_desc desc[QSZ] __attribute__((aligned(4096)));
static struct { uint16_t flags, idx, ring[QSZ], used_event; } avail __attribute__((aligned(4096)));
static struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[QSZ]; uint16_t avail_event; }
	used __attribute__((aligned(4096)));
static uint8_t buf[32] __attribute__((aligned(64)));

static uint64_t bar_base(unsigned slot, unsigned bar)
{
	uint64_t lo = pci_read32(slot, 0x10 + 4 * bar);

	if ((lo & 6) == 4)
		return (lo & ~15ull) | ((uint64_t)pci_read32(slot, 0x14 + 4 * bar) << 32);
	return lo & ~15ull;
}

/* The address of the capability of @type, and its notify multiplier if asked. */
static uint64_t find_cfg(unsigned slot, uint8_t type, uint32_t *mult)
{
	unsigned off = pci_read32(slot, 0x34) & 0xfc, guard = 0;

	while (off && guard++ < 48) {
		uint32_t h = pci_read32(slot, off);

		if ((h & 0xff) == CAP_VNDR && ((h >> 24) & 0xff) == type) {
			unsigned bar = pci_read32(slot, off + 4) & 0xff;

			if (mult)
				*mult = pci_read32(slot, off + 16);
			return bar_base(slot, bar) + pci_read32(slot, off + 8);
		}
		off = (h >> 8) & 0xfc;
	}
	return 0;
}

int virtio_rng_check(unsigned slot)
{
	volatile struct virtio_common *c;
	uint64_t notify;
	uint32_t mult = 0;
	unsigned i, nonzero = 0;

	pci_write16(slot, 4, 0x0006);	/* memory decode, bus master */
	c = (volatile struct virtio_common *)find_cfg(slot, CFG_COMMON, 0);
	notify = find_cfg(slot, CFG_NOTIFY, &mult);
	if (!c || !notify)
		return -1;
	c->status = 0;
	c->status = STATUS_ACK | STATUS_DRIVER;
	c->dfselect = 1;
	if (!(c->df & 1))		/* VIRTIO_F_VERSION_1 */
		return -1;
	c->gfselect = 0;
	c->gf = 0;
	c->gfselect = 1;
	c->gf = 1;
	c->status = STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK;
	if (!(c->status & STATUS_FEATURES_OK))
		return -1;
	c->q_select = 0;
	if (c->q_size < QSZ)
		return -1;
	c->q_size = QSZ;
	c->q_desc = (uint64_t)desc;
	c->q_avail = (uint64_t)&avail;
	c->q_used = (uint64_t)&used;
	c->q_enable = 1;
	c->status = STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK;

	desc[0].addr = (uint64_t)buf;
	desc[0].len = sizeof(buf);
	desc[0].flags = DESC_F_WRITE;
	avail.ring[0] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	avail.idx = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*(volatile uint16_t *)(notify + c->q_notify_off * mult) = 0;
	wait_flag((volatile uint32_t *)&used, WAIT_CYCLES);	/* flags and idx */
	if (used.idx != 1 || used.ring[0].id != 0)
		return -1;
	con_printf("vessel-guest: virtio-rng: %u bytes:", used.ring[0].len);
	for (i = 0; i < 8; i++)
		con_printf(" %02x", buf[i]);
	con_printf("\n");
	for (i = 0; i < sizeof(buf); i++)
		nonzero += buf[i] != 0;
	c->status = 0;
	return used.ring[0].len == sizeof(buf) && nonzero > 16 ? 0 : -1;
}

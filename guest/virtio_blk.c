/*
 * virtio-blk: report the disk; in self-test mode (vessel.disktest on the
 * command line, never by default) write a pattern, flush, read it back.
 */
#include "virtio.h"

#define BLK_T_FLUSH		4
#define BLK_T_GET_ID		8
#define BLK_T_WRITE_ZEROES	13
#define BLK_F_BLK_SIZE		(1u << 6)
#define BLK_F_FLUSH		(1u << 9)
#define BLK_F_WRITE_ZEROES	(1u << 14)
#define BLK_VECTOR		41
#define TEST_SECTOR		8	/* the pattern's place: tests/vm check it on the host */
#define ZERO_SECTOR		16
#define TEST_BYTES		4096

struct blk_range {
	uint64_t sector;
	uint32_t num_sectors, flags;
};

static struct vring ring;
static struct vring *rings[] = { &ring };
static struct blk_hdr hdr;
static uint8_t data[TEST_BYTES] __attribute__((aligned(4096)));
static volatile uint8_t status;

/* One request; returns its status byte, or -1 when the device did not answer. */
int blk_request(struct vdev *d, uint32_t type, uint64_t sector, void *buf, uint32_t len,
		uint16_t data_flags)
{
	struct vbuf b[3];
	unsigned n = 0;

	hdr.type = type;
	hdr.reserved = 0;
	hdr.sector = sector;
	b[n++] = (struct vbuf){ &hdr, sizeof(hdr), 0 };
	if (len)
		b[n++] = (struct vbuf){ buf, len, data_flags };
	b[n++] = (struct vbuf){ (void *)&status, 1, VQ_F_WRITE };
	status = 0xff;
	if (vdev_transfer(d, 0, b, n) < 0)
		return -1;
	return status;
}

static uint8_t pattern(unsigned i)
{
	return (uint8_t)(i * 7 + (i >> 9) * 13 + 0x5a);
}

static int self_test(struct vdev *d, uint32_t features, uint64_t capacity)
{
	struct blk_range range = { ZERO_SECTOR, TEST_BYTES / 512, 0 };
	unsigned i;

	if (features & BLK_F_RO) {
		int st = blk_request(d, BLK_T_OUT, TEST_SECTOR, data, TEST_BYTES, 0);

		con_printf("vessel-guest: virtio-blk: read-only disk: write status %d\n", st);
		return st == BLK_S_IOERR ? 0 : -1;
	}
	if (capacity < ZERO_SECTOR + TEST_BYTES / 512)
		return -1;
	for (i = 0; i < TEST_BYTES; i++)
		data[i] = pattern(i);
	if (blk_request(d, BLK_T_OUT, TEST_SECTOR, data, TEST_BYTES, 0) != BLK_S_OK ||
	    blk_request(d, BLK_T_FLUSH, 0, 0, 0, 0) != BLK_S_OK)
		return -1;
	memset(data, 0, TEST_BYTES);
	if (blk_request(d, BLK_T_IN, TEST_SECTOR, data, TEST_BYTES, VQ_F_WRITE) != BLK_S_OK)
		return -1;
	for (i = 0; i < TEST_BYTES; i++)
		if (data[i] != pattern(i))
			return -1;
	if (blk_request(d, BLK_T_IN, capacity, data, 512, VQ_F_WRITE) != BLK_S_IOERR)
		return -1;	/* past the end must fail */
	if (features & BLK_F_WRITE_ZEROES) {
		memset(data, 0xee, TEST_BYTES);
		if (blk_request(d, BLK_T_OUT, ZERO_SECTOR, data, TEST_BYTES, 0) != BLK_S_OK ||
		    blk_request(d, BLK_T_WRITE_ZEROES, 0, &range, sizeof(range), 0) != BLK_S_OK ||
		    blk_request(d, BLK_T_IN, ZERO_SECTOR, data, TEST_BYTES, VQ_F_WRITE) != BLK_S_OK)
			return -1;
		for (i = 0; i < TEST_BYTES; i++)
			if (data[i])
				return -1;
	}
	con_printf("vessel-guest: virtio-blk: wrote, flushed and read back %u bytes at sector %u\n",
		   TEST_BYTES, TEST_SECTOR);
	return 0;
}

uint64_t blk_capacity(const struct vdev *d)
{
	return *(volatile uint32_t *)d->device_cfg |
	       (uint64_t)*(volatile uint32_t *)(d->device_cfg + 4) << 32;
}

int blk_start(struct vdev *d, unsigned slot, uint32_t *offered, uint64_t *capacity)
{
	if (vdev_init(d, slot, BLK_F_RO | BLK_F_BLK_SIZE | BLK_F_FLUSH | BLK_F_WRITE_ZEROES,
		      offered))
		return -1;
	*capacity = blk_capacity(d);
	return vdev_start(d, rings, 1, BLK_VECTOR);
}

/* No interrupts: the driver polls the used ring (the counter's disk). */
int blk_start_polled(struct vdev *d, unsigned slot, uint32_t *offered, uint64_t *capacity)
{
	if (vdev_init(d, slot, BLK_F_RO | BLK_F_FLUSH, offered))
		return -1;
	*capacity = blk_capacity(d);
	return vdev_start(d, rings, 1, -1);
}

int virtio_blk_check(unsigned slot, int selftest)
{
	struct vdev d;
	char serial[21];
	uint32_t offered;
	uint64_t capacity;
	int ok;

	if (blk_start(&d, slot, &offered, &capacity))
		return -1;
	memset(serial, 0, sizeof(serial));
	ok = blk_request(&d, BLK_T_GET_ID, 0, serial, 20, VQ_F_WRITE) == BLK_S_OK &&
	     blk_request(&d, BLK_T_IN, 0, data, 512, VQ_F_WRITE) == BLK_S_OK;
	if (ok)
		wait_flag(&d.irqs, IRQ_WAIT_CYCLES);	/* the used ring may beat the MSI-X */
	con_printf("vessel-guest: virtio-blk 00:%02x.0: %lu sectors (%lu MiB), serial \"%s\"%s, "
		   "%u MSI-X interrupts\n", slot, capacity, capacity >> 11, serial,
		   offered & BLK_F_RO ? ", read-only" : "", d.irqs);
	if (ok && selftest)
		ok = self_test(&d, offered, capacity) == 0;
	ok = ok && d.irqs > 0;
	vdev_reset(&d);
	return ok ? 0 : -1;
}

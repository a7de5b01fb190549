/*
 * A unit test's guest: 1 MiB of RAM at address 0 seen through an identity
 * DMA space, and the driver's side of a split virtqueue of QSZ entries at
 * fixed addresses in it (virtio 1.x, 2.7).
 */
#ifndef VESSEL_TEST_VRING_H
#define VESSEL_TEST_VRING_H

#include "core/dma.h"
#include "core/guest_mem.h"

#include <stdint.h>
#include <string.h>

#define QSZ	8
#define DESC	0x1000
#define AVAIL	0x2000
#define USED	0x3000
#define MEM	(1 << 20)

static inline int test_guest_init(struct guest_mem *gm, struct dma_space *ds)
{
	struct guest_mem_range r = { 0, MEM };

	if (guest_mem_init(gm, &r, 1, GUEST_MEM_ANON, NULL))
		return -1;
	dma_space_init(ds, gm, NULL, 0x08);
	return 0;
}

static inline void vring_put_desc(struct guest_mem *gm, unsigned i, uint64_t addr, uint32_t len,
				  uint16_t flags, uint16_t next)
{
	uint8_t d[16];

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
	gm_write(gm, DESC + 16 * i, d, 16);
}

static inline void vring_offer(struct guest_mem *gm, uint16_t head)
{
	uint16_t idx;

	gm_read(gm, AVAIL + 2, &idx, 2);
	gm_write(gm, AVAIL + 4 + 2 * (idx % QSZ), &head, 2);
	idx++;
	gm_write(gm, AVAIL + 2, &idx, 2);
}

static inline uint16_t vring_used_idx(struct guest_mem *gm)
{
	uint16_t idx;

	gm_read(gm, USED + 2, &idx, 2);
	return idx;
}

#endif

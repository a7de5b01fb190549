/* The built-in guest's virtio 1.x PCI driver core: one device, small rings. */
#ifndef VESSEL_GUEST_VIRTIO_H
#define VESSEL_GUEST_VIRTIO_H

#include "guest.h"

#define VQ_SIZE		16
#define VDEV_MAX_QUEUES	5
#define VDEV_FOREVER	(~0ull)
#define VQ_F_WRITE	2	/* device-writable buffer */
#define VIRTIO_F_VERSION_1_HI 1	/* bit 32: bit 0 of the high word */
#define VIRTIO_F_ACCESS_PLATFORM_HI 2	/* bit 33: DMA addresses go through the IOMMU */

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

struct vring {
	struct vq_desc desc[VQ_SIZE] __attribute__((aligned(4096)));
	struct { uint16_t flags, idx, ring[VQ_SIZE], used_event; } avail __attribute__((aligned(4096)));
	struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[VQ_SIZE]; uint16_t avail_event; }
		used __attribute__((aligned(4096)));
};

struct vbuf {
	void *addr;
	uint32_t len;
	uint16_t flags;
};

struct vdev {
	unsigned slot;
	volatile struct virtio_common *common;
	volatile uint8_t *device_cfg;
	uint64_t notify;
	uint32_t notify_mult;
	uint64_t msix_table;	/* 0: no MSI-X capability */
	unsigned msix_cap;
	struct vring *rings[VDEV_MAX_QUEUES];
	uint16_t q_notify_off[VDEV_MAX_QUEUES];
	uint16_t last_used[VDEV_MAX_QUEUES];
	int use_irq;
	volatile uint32_t irqs;	/* MSI-X interrupts taken */
	uint64_t ring_dma_offset;	/* device address of a ring = its address + this (IOMMU) */
};

/* Reset the device and negotiate VERSION_1 plus the low @features it offers. */
int vdev_init(struct vdev *d, unsigned slot, uint32_t features, uint32_t *offered);
/*
 * Queues 0..@nq-1 on @rings; with @vector >= 0 their completions raise MSI-X
 * table entry 0 as @vector on this CPU, otherwise the driver polls. Then DRIVER_OK.
 */
int vdev_start(struct vdev *d, struct vring **rings, unsigned nq, int vector);
/* Where the driver writes to notify queue @q (virtio 1.2, 4.1.4.4). */
volatile uint16_t *vdev_notify_reg(const struct vdev *d, unsigned q);
/* Post one chain of @n buffers on queue @q and kick (one chain in flight per queue). */
int vdev_post(struct vdev *d, unsigned q, const struct vbuf *bufs, unsigned n);
/* Wait up to @cycles for queue @q's chain; returns the used length or -1. */
int vdev_wait(struct vdev *d, unsigned q, uint64_t cycles);
/* Post and wait. */
int vdev_transfer(struct vdev *d, unsigned q, const struct vbuf *bufs, unsigned n);
void vdev_reset(struct vdev *d);

/* virtio-blk, for the tests that drive it (the IOMMU's). */
#define BLK_T_IN		0
#define BLK_T_OUT		1
#define BLK_S_OK		0
#define BLK_S_IOERR		1
#define BLK_F_RO		(1u << 5)

struct blk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

int blk_start(struct vdev *d, unsigned slot, uint32_t *offered, uint64_t *capacity);
int blk_start_polled(struct vdev *d, unsigned slot, uint32_t *offered, uint64_t *capacity);
/* The disk's size in 512-byte sectors, from the device configuration. */
uint64_t blk_capacity(const struct vdev *d);
int blk_request(struct vdev *d, uint32_t type, uint64_t sector, void *buf, uint32_t len,
		uint16_t data_flags);

/*
 * DMA remapping on for the device at @slot: IOVA iommu_window() + n * 4 KiB is
 * page n of @len bytes at @buf (at most 2 MiB). Returns 0, or -1 on failure.
 */
int iommu_map_window(const struct acpi_info *info, unsigned slot, const void *buf, uint64_t len);
uint64_t iommu_window(void);

#endif

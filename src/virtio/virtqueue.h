/*
 * Split virtqueues (virtio 1.2, 2.7), device side. Everything in the rings
 * is written by a guest that may be hostile: chains are bounded, indices
 * checked, and guest memory reached only through the device's DMA space.
 */
#ifndef VESSEL_VIRTIO_VIRTQUEUE_H
#define VESSEL_VIRTIO_VIRTQUEUE_H

#include "core/dma.h"

#include <stdbool.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE		1024
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
#define VIRTQ_MAX_SEGS		VIRTQ_MAX_SIZE

struct virtq_seg {
	uint64_t addr;
	uint32_t len;
	bool write;		/* device-writable */
};

struct virtq_chain {
	uint16_t head;
	unsigned nr;
	unsigned nr_out;	/* device-readable segments come first */
	struct virtq_seg segs[VIRTQ_MAX_SEGS];
};

struct virtqueue {
	uint16_t size;		/* a power of two, at most VIRTQ_MAX_SIZE */
	uint64_t desc, avail, used;
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t signalled_used;	/* used_idx at the last interrupt */
	bool signalled_valid;
	bool event_idx;		/* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;		/* VIRTIO_F_INDIRECT_DESC negotiated */
	bool notify_off;	/* the device polls: the driver was asked not to kick */
	const struct dma_space *dma;
};

enum vq_pop_result { VQ_EMPTY = 0, VQ_CHAIN = 1, VQ_BROKEN = -1 };

void vq_init(struct virtqueue *vq, const struct dma_space *dma, uint16_t size,
	     uint64_t desc, uint64_t avail, uint64_t used, bool event_idx, bool indirect);

/* Take the next available chain. VQ_BROKEN: the guest broke the ring's rules. */
enum vq_pop_result vq_pop(struct virtqueue *vq, struct virtq_chain *c);

/*
 * Give the last @n chains taken back to the ring, unused: the next vq_pop
 * reads them again (a device that found them too few for its work).
 */
void vq_unpop(struct virtqueue *vq, unsigned n);

/* Return a chain with @len bytes written into it. */
int vq_push(struct virtqueue *vq, uint16_t head, uint32_t len);

/* Whether the driver wants an interrupt for what was pushed (2.7.7, 2.7.10). */
bool vq_should_notify(struct virtqueue *vq);

/* Ask the driver to notify us after any new buffer (2.7.7, 2.7.10). */
int vq_enable_notify(struct virtqueue *vq);

/*
 * Ask the driver not to notify us: the device polls the ring meanwhile. Until
 * vq_enable_notify(), an empty vq_pop() leaves the request standing.
 */
int vq_disable_notify(struct virtqueue *vq);

/* Whether the driver made a buffer available that vq_pop() has not taken (errors: true). */
bool vq_has_avail(const struct virtqueue *vq);

#endif

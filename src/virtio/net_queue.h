/*
 * One virtio-net queue pair's ring work, without the transport or threads:
 * transmit chains become frames for the backend, and the backend's frames go
 * into receive buffers (virtio 1.2, 5.1.6). Everything in the rings is the
 * guest's and may be hostile; the caller holds the device lock and tells a
 * broken ring (-1) to the transport. The fuzz targets drive this directly.
 */
#ifndef VESSEL_VIRTIO_NET_QUEUE_H
#define VESSEL_VIRTIO_NET_QUEUE_H

#include "backend/net_backend.h"
#include "virtio/virtqueue.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#define NET_QUEUE_SIZE		256
#define NET_MAX_IOV		128
#define NET_BATCH		64	/* frames a turn, then the thread does its other work */
/* The largest frame either way: 64 KiB of segmented payload, its headers and a VLAN tag. */
#define NET_MAX_FRAME		(65536 + 14 + 4)

/* Counters a control API can read at any time (relaxed atomics). */
struct net_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t tx_packets, tx_bytes, tx_dropped;
	uint64_t kicks, interrupts;
};

struct net_used {
	uint16_t head;
	uint32_t len;
};

struct net_queue {
	const struct dma_space *dma;
	struct net_backend *be;
	unsigned index;			/* the pair's number: its queue in the backend */
	struct net_stats *stats;
	uint64_t features;		/* negotiated: set at DRIVER_OK, under the device lock */
	bool more;			/* a batch ended with work left: come back soon */
	struct virtq_chain chain;
	struct iovec iov[NET_MAX_IOV];
	struct iovec hdr_iov[NET_MAX_IOV];	/* the first receive chain, for num_buffers */
	unsigned hdr_nr;
	struct net_used used[NET_QUEUE_SIZE];
	uint8_t *frame;			/* a received frame, header first, waiting */
	size_t frame_len;		/* 0: none waiting */
};

int net_queue_init(struct net_queue *p, const struct dma_space *dma, struct net_backend *be,
		   unsigned index, struct net_stats *stats);
void net_queue_destroy(struct net_queue *p);

/*
 * Send what the driver queued on @vq, or take what the backend has into the
 * driver's buffers on @vq (a frame that must wait for buffers is kept). As a
 * virtio_queue_serve body: 1 if buffers were used, 0 if not, -1 if the driver
 * broke the ring. p->more says a batch ended before the work did.
 */
int net_queue_tx(struct net_queue *p, struct virtqueue *vq);
/* Whether the backend has no room for a frame now (its tx_fd says when it has). */
bool net_queue_tx_full(struct net_queue *p);
int net_queue_rx(struct net_queue *p, struct virtqueue *vq);

#endif

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
#define NET_ETH_OVERHEAD	(14 + 4)	/* an Ethernet header and a VLAN tag */
/* The largest frame either way: 64 KiB of segmented payload, its headers and a VLAN tag. */
#define NET_MAX_FRAME		(65536 + NET_ETH_OVERHEAD)

/* Counters a control API can read at any time (relaxed atomics). */
struct net_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t tx_packets, tx_bytes, tx_dropped;
	uint64_t kicks, interrupts;
};

/* A receive chain held for the frame being read: its iovecs are p->iov[iov..iov+nio). */
struct net_rx_buf {
	uint16_t head;
	unsigned iov, nio;
	uint64_t cap;
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
	/* Receive chains held while frames are read, mapped into iov: rx[rx_first..nr_rx). */
	struct net_rx_buf rx[NET_QUEUE_SIZE];
	unsigned rx_first, nr_rx, nr_rx_iov;
	uint64_t rx_room;		/* what they take */
	bool rx_fault;			/* the next receive chain faulted: broken once a frame needs it */
	uint8_t *frame;			/* a frame read past the buffers, header first, waiting */
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
/* The driver is ready with @features (DRIVER_OK): nothing from before it is kept. */
void net_queue_start(struct net_queue *p, uint64_t features);

#endif

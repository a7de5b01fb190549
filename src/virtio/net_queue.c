#include "virtio/net_queue.h"
#include "core/log.h"
#include "virtio/net_hdr.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define NET_ETH_HLEN		14	/* the shortest frame sent: an Ethernet header */

static void count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* Copy @len bytes from @src into @iov from byte @skip on; returns how many fit. */
static size_t iov_from_buf(const struct iovec *iov, unsigned n, size_t skip, const void *src,
			   size_t len)
{
	size_t done = 0;
	unsigned i;

	for (i = 0; i < n && done < len; i++) {
		size_t k;

		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - skip;
		if (k > len - done)
			k = len - done;
		memcpy((char *)iov[i].iov_base + skip, (const char *)src + done, k);
		done += k;
		skip = 0;
	}
	return done;
}

static size_t iov_to_buf(const struct iovec *iov, unsigned n, void *dst, size_t len)
{
	size_t done = 0;
	unsigned i;

	for (i = 0; i < n && done < len; i++) {
		size_t k = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;

		memcpy((char *)dst + done, iov[i].iov_base, k);
		done += k;
	}
	return done;
}

/* Host iovecs in @iov (at most @max) for every segment of @c; -1 if one faults or they do not fit. */
static int map_chain(struct net_queue *p, const struct virtq_chain *c, bool write,
		     struct iovec *iov, unsigned max, uint64_t *total)
{
	const struct dma_space *dma = p->dma;
	unsigned i, n = 0;

	*total = 0;
	for (i = 0; i < c->nr; i++) {
		int k = dma_map_iov(dma, c->segs[i].addr, c->segs[i].len, write, iov + n, max - n);

		if (k < 0)
			return -1;
		n += (unsigned)k;
		*total += c->segs[i].len;
	}
	return (int)n;
}

/* Send one chain's frame; the chain is used either way, a bad frame counted as dropped. */
static int tx_one(struct net_queue *p, struct virtqueue *vq)
{
	struct net_backend *be = p->be;
	struct virtio_net_hdr h;
	uint64_t total;
	int nr;

	if (p->chain.nr_out != p->chain.nr)
		return -1;	/* a transmit buffer the device would write (5.1.6.2) */
	nr = map_chain(p, &p->chain, false, p->iov, NET_MAX_IOV, &total);
	if (nr < 0)
		return -1;
	if (total < VIRTIO_NET_HDR_LEN + NET_ETH_HLEN ||
	    total > VIRTIO_NET_HDR_LEN + NET_MAX_FRAME) {
		count(&p->stats->tx_dropped, 1);
		return vq_push(vq, p->chain.head, 0);
	}
	iov_to_buf(p->iov, (unsigned)nr, &h, sizeof(h));
	total -= VIRTIO_NET_HDR_LEN;
	if (!net_hdr_tx_ok(&h, total, be->vnet_hdr ? net_hdr_offloads(p->features, false) : 0)) {
		count(&p->stats->tx_dropped, 1);
		return vq_push(vq, p->chain.head, 0);
	}
	if (!be->vnet_hdr) {
		/* The backend takes bare frames: the header goes (it asks for nothing). */
		struct iovec *iov = p->iov;
		size_t skip = VIRTIO_NET_HDR_LEN;

		while (nr && skip >= iov->iov_len) {
			skip -= iov->iov_len;
			iov++;
			nr--;
		}
		iov->iov_base = (char *)iov->iov_base + skip;
		iov->iov_len -= skip;
		memmove(p->iov, iov, (size_t)nr * sizeof(*iov));
	}
	if (be->ops->tx(be, p->index, p->iov, (unsigned)nr) < 0) {
		count(&p->stats->tx_dropped, 1);
	} else {
		count(&p->stats->tx_packets, 1);
		count(&p->stats->tx_bytes, total);
	}
	return vq_push(vq, p->chain.head, 0);
}

bool net_queue_tx_full(struct net_queue *p)
{
	return p->be->ops->tx_full && p->be->ops->tx_full(p->be, p->index);
}

int net_queue_tx(struct net_queue *p, struct virtqueue *vq)
{
	unsigned i;
	int used = 0;

	for (i = 0; i < NET_BATCH; i++) {
		enum vq_pop_result pr;

		/* The frames wait in the ring until the backend has room (it says when). */
		if (net_queue_tx_full(p))
			return used;
		pr = vq_pop(vq, &p->chain);
		if (pr == VQ_EMPTY)
			return used;
		if (pr == VQ_BROKEN || tx_one(p, vq))
			return -1;
		used = 1;
	}
	p->more = true;
	return used;
}

enum rx_result { RX_WAIT, RX_DONE, RX_DROPPED, RX_BROKEN };

#define RX_MAX		(VIRTIO_NET_HDR_LEN + NET_MAX_FRAME)	/* the longest frame, header first */

/* Give back the receive chains still held, unused: the next pop takes them again. */
static void rx_release(struct net_queue *p, struct virtqueue *vq)
{
	vq_unpop(vq, p->nr_rx - p->rx_first);
	p->rx_first = p->nr_rx = p->nr_rx_iov = 0;
	p->rx_room = 0;
}

/* Move the chains held to the front of p->rx and their iovecs to the front of p->iov. */
static void rx_compact(struct net_queue *p)
{
	unsigned i, base;

	if (!p->rx_first)
		return;
	base = p->nr_rx > p->rx_first ? p->rx[p->rx_first].iov : p->nr_rx_iov;
	memmove(p->iov, p->iov + base, (p->nr_rx_iov - base) * sizeof(*p->iov));
	memmove(p->rx, p->rx + p->rx_first, (p->nr_rx - p->rx_first) * sizeof(*p->rx));
	p->nr_rx -= p->rx_first;
	p->nr_rx_iov -= base;
	p->rx_first = 0;
	for (i = 0; i < p->nr_rx; i++)
		p->rx[i].iov -= base;
}

/* Hold one more receive chain, mapped. RX_DROPPED: no room left to hold it. */
static enum rx_result rx_hold_one(struct net_queue *p, struct virtqueue *vq)
{
	uint16_t last = vq->last_avail;
	enum vq_pop_result pr;
	uint64_t cap;
	int nio;

	if (p->rx_fault && p->nr_rx == p->rx_first)
		return RX_BROKEN;		/* it faulted once: not mapped again */
	if (p->nr_rx == NET_QUEUE_SIZE)
		rx_compact(p);
	if (p->nr_rx == NET_QUEUE_SIZE)
		return RX_DROPPED;
	pr = vq_pop(vq, &p->chain);
	if (pr == VQ_EMPTY)
		return RX_WAIT;			/* the driver kicks when it adds buffers */
	if (pr == VQ_BROKEN || p->chain.nr_out) {
		/* Left where it is: the ring is given up on when a frame needs it. */
		vq_unpop(vq, (uint16_t)(vq->last_avail - last));
		return RX_BROKEN;		/* receive buffers are device-writable only */
	}
	nio = map_chain(p, &p->chain, true, p->iov + p->nr_rx_iov, NET_MAX_IOV - p->nr_rx_iov,
			&cap);
	if (nio < 0 && p->rx_first) {
		rx_compact(p);
		nio = map_chain(p, &p->chain, true, p->iov + p->nr_rx_iov,
				NET_MAX_IOV - p->nr_rx_iov, &cap);
	}
	if (nio < 0) {
		vq_unpop(vq, 1);
		/* A chain that faults, or has more pieces than any frame may use. */
		if (p->nr_rx != p->rx_first)
			return RX_DROPPED;
		p->rx_fault = true;
		return RX_BROKEN;
	}
	p->rx[p->nr_rx++] = (struct net_rx_buf){ p->chain.head, p->nr_rx_iov, (unsigned)nio, cap };
	p->nr_rx_iov += (unsigned)nio;
	p->rx_room += cap;
	return RX_DONE;
}

/*
 * Hold the driver's receive buffers until they take @want bytes: one chain,
 * or with MRG_RXBUF as many as it takes (5.1.6.4). RX_DONE: they do; RX_WAIT:
 * the ring ran dry first; RX_DROPPED: no more can be held (the whole ring, all
 * the iovecs, or one chain without MRG_RXBUF), or the first is shorter than
 * the header.
 */
static enum rx_result rx_hold(struct net_queue *p, struct virtqueue *vq, uint64_t want)
{
	bool mrg = p->features & (1ull << VIRTIO_NET_F_MRG_RXBUF);

	while (p->rx_room < want) {
		unsigned held = p->nr_rx - p->rx_first;
		enum rx_result r;

		if (held == vq->size || (held && !mrg))
			return RX_DROPPED;
		r = rx_hold_one(p, vq);
		if (r != RX_DONE)
			return r;
	}
	return p->rx[p->rx_first].cap < VIRTIO_NET_HDR_LEN ? RX_DROPPED : RX_DONE;
}

/* Tell the dirty log about the first @len bytes of the held buffers. */
static void rx_mark(struct net_queue *p, size_t len)
{
	unsigned i;

	for (i = p->rx[p->rx_first].iov; i < p->nr_rx_iov && len; i++) {
		struct iovec v = p->iov[i];

		if (v.iov_len > len)
			v.iov_len = len;
		dma_mark_written(p->dma, &v, 1);
		len -= v.iov_len;
	}
}

/* Whether the frame's header (@hdr) can go to the driver, made fit for it. */
static bool rx_hdr_ok(struct net_queue *p, struct virtio_net_hdr *hdr)
{
	return net_hdr_rx_fix(hdr, net_hdr_offloads(p->features, true));
}

/*
 * The frame of @len bytes is in the held buffers: its header (@hdr, fit for
 * the driver) given num_buffers, the buffers it filled used.
 */
static enum rx_result rx_finish(struct net_queue *p, struct virtqueue *vq,
				struct virtio_net_hdr *hdr, size_t len)
{
	const struct net_rx_buf *first = &p->rx[p->rx_first];
	size_t left = len;
	unsigned used;

	for (used = 0; left; used++)
		left -= left < first[used].cap ? left : first[used].cap;
	hdr->num_buffers = (uint16_t)used;
	iov_from_buf(p->iov + first->iov, first->nio, 0, hdr, sizeof(*hdr));
	rx_mark(p, len);
	for (left = len; used; used--) {
		const struct net_rx_buf *b = &p->rx[p->rx_first++];
		uint32_t k = (uint32_t)(left < b->cap ? left : b->cap);

		if (vq_push(vq, b->head, k))
			return RX_BROKEN;
		p->rx_room -= b->cap;
		left -= k;
	}
	count(&p->stats->rx_packets, 1);
	count(&p->stats->rx_bytes, len - VIRTIO_NET_HDR_LEN);
	return RX_DONE;
}

/* The backend's next frame into @iov: its length with the header, 0 if none waits, -1 if dropped. */
static ssize_t rx_read(struct net_queue *p, struct iovec *iov, unsigned n, size_t room)
{
	struct net_backend *be = p->be;
	size_t skip = be->vnet_hdr ? 0 : VIRTIO_NET_HDR_LEN;
	ssize_t r = be->ops->rx(be, p->index, iov, n);

	if (r == -EAGAIN || r == -EINTR)
		return 0;
	if (r < 0) {
		pr_debug("%s: receive: %s", be->name, strerror((int)-r));
		return r == -EMSGSIZE ? -1 : 0;
	}
	/* Shorter than its header, or longer than the room (a tap truncates it). */
	if ((size_t)r + skip <= VIRTIO_NET_HDR_LEN || (size_t)r + skip > room)
		return -1;
	return r + (ssize_t)skip;
}

/*
 * Straight into the held buffers, which take the longest frame: its header
 * first, or its place left for one built here when the backend has none.
 */
static enum rx_result rx_direct(struct net_queue *p, struct virtqueue *vq)
{
	const struct net_rx_buf *first = &p->rx[p->rx_first];
	size_t skip = p->be->vnet_hdr ? 0 : VIRTIO_NET_HDR_LEN;
	struct iovec *iov = p->iov + first->iov;
	unsigned n = p->nr_rx_iov - first->iov;
	struct virtio_net_hdr h;
	struct iovec saved;
	ssize_t len;

	while (skip >= iov->iov_len) {
		skip -= iov->iov_len;
		iov++;
		n--;
	}
	saved = *iov;
	iov->iov_base = (char *)iov->iov_base + skip;
	iov->iov_len -= skip;
	len = rx_read(p, iov, n, p->rx_room);
	*iov = saved;
	if (!len)
		return RX_WAIT;
	if (len > 0 && p->be->vnet_hdr)
		iov_to_buf(p->iov + first->iov, first->nio, &h, sizeof(h));
	else
		memset(&h, 0, sizeof(h));
	if (len < 0 || !rx_hdr_ok(p, &h)) {
		rx_mark(p, p->rx_room);		/* what it wrote before it was dropped */
		return RX_DROPPED;
	}
	return rx_finish(p, vq, &h, (size_t)len);
}

/* Into p->frame: a frame the held buffers may not take waits there, never written partly. */
static enum rx_result rx_bounce(struct net_queue *p)
{
	size_t skip = p->be->vnet_hdr ? 0 : VIRTIO_NET_HDR_LEN;
	struct iovec iov = { p->frame + skip, RX_MAX - skip };
	ssize_t len = rx_read(p, &iov, 1, RX_MAX);

	if (len <= 0)
		return len ? RX_DROPPED : RX_WAIT;
	if (skip)
		memset(p->frame, 0, skip);
	p->frame_len = (size_t)len;
	return RX_DONE;
}

/* The frame in p->frame into the driver's buffers once they take all of it. */
static enum rx_result rx_copy(struct net_queue *p, struct virtqueue *vq)
{
	struct virtio_net_hdr *h = (struct virtio_net_hdr *)p->frame;
	const struct net_rx_buf *first;
	enum rx_result r;

	if (!rx_hdr_ok(p, h))
		return RX_DROPPED;
	r = rx_hold(p, vq, p->frame_len);
	if (r != RX_DONE)
		return r;
	first = &p->rx[p->rx_first];
	iov_from_buf(p->iov + first->iov, p->nr_rx_iov - first->iov, 0, p->frame, p->frame_len);
	return rx_finish(p, vq, h, p->frame_len);
}

/*
 * One frame from the backend into the driver's buffers. While the ring holds
 * buffers for the longest frame (MRG_RXBUF, or a driver's large buffers), the
 * frame is read straight into them and used there; else it comes through
 * p->frame, so that one larger than the buffers never touches them.
 */
static enum rx_result rx_one(struct net_queue *p, struct virtqueue *vq)
{
	enum rx_result r;

	if (!p->frame_len) {
		r = rx_hold(p, vq, RX_MAX);
		if (r == RX_DONE)
			return rx_direct(p, vq);
		/* A broken ring is told when a frame needs the chain that breaks it. */
		if (r != RX_BROKEN && p->nr_rx == p->rx_first)
			return RX_WAIT;
		r = rx_bounce(p);
		if (r != RX_DONE)
			return r;
	}
	return rx_copy(p, vq);
}

int net_queue_rx(struct net_queue *p, struct virtqueue *vq)
{
	unsigned i;
	int used = 0;

	for (i = 0; i < NET_BATCH; i++) {
		switch (rx_one(p, vq)) {
		case RX_WAIT:
			rx_release(p, vq);
			return used;
		case RX_BROKEN:
			rx_release(p, vq);
			return -1;
		case RX_DROPPED:
			count(&p->stats->rx_dropped, 1);
			break;
		case RX_DONE:
			used = 1;
			break;
		}
		p->frame_len = 0;
	}
	rx_release(p, vq);
	p->more = true;
	return used;
}

void net_queue_start(struct net_queue *p, uint64_t features)
{
	p->features = features;
	p->frame_len = 0;
	p->rx_fault = false;
}

int net_queue_init(struct net_queue *p, const struct dma_space *dma, struct net_backend *be,
		   unsigned index, struct net_stats *stats)
{
	memset(p, 0, sizeof(*p));
	p->dma = dma;
	p->be = be;
	p->index = index;
	p->stats = stats;
	p->frame = malloc(VIRTIO_NET_HDR_LEN + NET_MAX_FRAME);
	return p->frame ? 0 : -1;
}

void net_queue_destroy(struct net_queue *p)
{
	free(p->frame);
	p->frame = NULL;
}

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

/* The first @len bytes of @iov, in place: how many entries they take. */
static unsigned iov_trim(struct iovec *iov, unsigned n, size_t len)
{
	unsigned i;

	for (i = 0; i < n && len; i++) {
		if (iov[i].iov_len > len)
			iov[i].iov_len = len;
		len -= iov[i].iov_len;
	}
	return i;
}

/* Host iovecs for every segment of @c; -1 if one faults or there are too many pieces. */
static int map_chain(struct net_queue *p, const struct virtq_chain *c, bool write,
		     uint64_t *total)
{
	const struct dma_space *dma = p->dma;
	unsigned i, n = 0;

	*total = 0;
	for (i = 0; i < c->nr; i++) {
		int k = dma_map_iov(dma, c->segs[i].addr, c->segs[i].len, write, p->iov + n,
				    NET_MAX_IOV - n);

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
	nr = map_chain(p, &p->chain, false, &total);
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

/* Take the next frame from the backend into p->frame; false if none waits. */
static bool rx_read(struct net_queue *p)
{
	struct net_backend *be = p->be;
	size_t hdr = be->vnet_hdr ? 0 : VIRTIO_NET_HDR_LEN;
	struct iovec iov = { p->frame + hdr, VIRTIO_NET_HDR_LEN + NET_MAX_FRAME - hdr };

	for (;;) {
		ssize_t r = be->ops->rx(be, p->index, &iov, 1);

		if (r == -EAGAIN || r == -EINTR)
			return false;
		if (r < 0) {
			pr_debug("%s: receive: %s", be->name, strerror((int)-r));
			return false;
		}
		if ((size_t)r + hdr > VIRTIO_NET_HDR_LEN) {
			if (hdr)
				memset(p->frame, 0, hdr);
			p->frame_len = (size_t)r + hdr;
			return true;
		}
		count(&p->stats->rx_dropped, 1);	/* shorter than its header */
	}
}

enum rx_result { RX_WAIT, RX_DONE, RX_DROPPED, RX_BROKEN };

/* The bytes the device may write into @c: 0 if it has a readable segment (never for receive). */
static uint64_t chain_room(const struct virtq_chain *c)
{
	uint64_t room = 0;
	unsigned i;

	if (c->nr_out)
		return 0;
	for (i = 0; i < c->nr; i++)
		room += c->segs[i].len;
	return room;
}

/*
 * Whether the available buffers take a frame of @len bytes: one chain, or
 * with MRG_RXBUF as many as it takes (5.1.6.4). The chains are only looked
 * at and given back, so nothing is written unless all of the frame fits;
 * but a first chain that takes the whole frame (the common case) stays
 * taken in p->chain (*@held), so it is not walked twice.
 */
static enum rx_result rx_room(struct net_queue *p, struct virtqueue *vq, size_t len,
			      bool mrg, bool *held)
{
	enum rx_result r = RX_DONE;
	uint64_t room = 0;
	unsigned nr = 0;

	*held = false;
	while (room < len) {
		enum vq_pop_result pr;
		uint64_t k;

		if (nr == vq->size) {
			r = RX_DROPPED;		/* larger than the whole ring */
			break;
		}
		pr = vq_pop(vq, &p->chain);
		if (pr == VQ_EMPTY) {
			r = RX_WAIT;		/* the driver kicks when it adds buffers */
			break;
		}
		nr++;
		if (pr == VQ_BROKEN || p->chain.nr_out)
			return RX_BROKEN;	/* receive buffers are device-writable only */
		k = chain_room(&p->chain);
		if ((nr == 1 && k < VIRTIO_NET_HDR_LEN) || (!mrg && k < len)) {
			r = RX_DROPPED;		/* a frame larger than the buffer */
			break;
		}
		room += k;
	}
	if (r == RX_DONE && nr == 1) {
		*held = true;
		return r;
	}
	vq_unpop(vq, nr);
	return r;
}

/*
 * p->frame into the driver's buffers, once rx_room said they take it. A
 * chain that holds less the second time round was changed while available,
 * which breaks the ring.
 */
static enum rx_result rx_deliver(struct net_queue *p, struct virtqueue *vq)
{
	bool mrg = p->features & (1ull << VIRTIO_NET_F_MRG_RXBUF);
	struct virtio_net_hdr *h = (struct virtio_net_hdr *)p->frame;
	size_t off = 0, len = p->frame_len;
	enum rx_result r;
	unsigned nr = 0, i;
	bool held;

	if (!net_hdr_rx_fix(h, net_hdr_offloads(p->features, true)))
		return RX_DROPPED;
	r = rx_room(p, vq, len, mrg, &held);
	if (r != RX_DONE)
		return r;
	h->num_buffers = 1;
	while (off < len) {
		uint64_t cap;
		size_t k;
		int nio;

		if (nr == vq->size)
			return RX_BROKEN;
		if ((nr || !held) && (vq_pop(vq, &p->chain) != VQ_CHAIN || p->chain.nr_out))
			return RX_BROKEN;
		nio = map_chain(p, &p->chain, true, &cap);
		if (nio < 0 || (!nr && cap < VIRTIO_NET_HDR_LEN) || (!mrg && cap < len))
			return RX_BROKEN;
		if (!nr) {
			memcpy(p->hdr_iov, p->iov, (size_t)nio * sizeof(*p->iov));
			p->hdr_nr = (unsigned)nio;
		}
		k = iov_from_buf(p->iov, (unsigned)nio, 0, p->frame + off, len - off);
		dma_mark_written(p->dma, p->iov, iov_trim(p->iov, (unsigned)nio, k));
		p->used[nr++] = (struct net_used){ p->chain.head, (uint32_t)k };
		off += k;
	}
	if (nr > 1) {
		uint16_t nb = (uint16_t)nr;

		iov_from_buf(p->hdr_iov, p->hdr_nr, offsetof(struct virtio_net_hdr, num_buffers),
			     &nb, sizeof(nb));
	}
	for (i = 0; i < nr; i++)
		if (vq_push(vq, p->used[i].head, p->used[i].len))
			return RX_BROKEN;
	count(&p->stats->rx_packets, 1);
	count(&p->stats->rx_bytes, len - VIRTIO_NET_HDR_LEN);
	return RX_DONE;
}

int net_queue_rx(struct net_queue *p, struct virtqueue *vq)
{
	unsigned i;
	int used = 0;

	for (i = 0; i < NET_BATCH; i++) {
		if (!p->frame_len && !rx_read(p))
			return used;
		switch (rx_deliver(p, vq)) {
		case RX_WAIT:
			return used;
		case RX_BROKEN:
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
	p->more = true;
	return used;
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

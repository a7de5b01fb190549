#include "virtio/net.h"
#include "core/log.h"
#include "virtio/net_hdr.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#define VIRTIO_ID_NET		1
#define PCI_CLASS_NETWORK	0x0200
#define NET_QUEUE_SIZE		256
#define NET_RXQ			0
#define NET_TXQ			1
#define NET_MAX_IOV		128
#define NET_BATCH		64	/* frames a turn, then the thread looks at its other work */
/* The largest frame either way: 64 KiB of segmented payload, its headers and a VLAN tag. */
#define NET_MAX_FRAME		(65536 + 14 + 4)
#define NET_ETH_HLEN		14	/* the shortest frame sent: an Ethernet header */
#define NET_STATUS_LINK_UP	1

/* struct virtio_net_config offsets (5.1.4). */
#define CFG_MAC			0
#define CFG_STATUS		6
#define CFG_MAX_PAIRS		8
#define CFG_MTU			10

struct net_used {
	uint16_t head;
	uint32_t len;
};

struct net_queue_pair {
	struct virtio_net *net;
	struct virtio_worker worker;
	bool worker_ready;
	bool again[2];			/* the thread kicked itself: not the driver's kick */
	struct virtq_chain chain;
	struct iovec iov[NET_MAX_IOV];
	struct iovec hdr_iov[NET_MAX_IOV];	/* the first receive chain, for num_buffers */
	unsigned hdr_nr;
	struct net_used used[NET_QUEUE_SIZE];
	uint8_t *frame;			/* a received frame, header first, waiting for buffers */
	size_t frame_len;		/* 0: none waiting */
};

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
static int map_chain(struct net_queue_pair *p, const struct virtq_chain *c, bool write,
		     uint64_t *total)
{
	const struct dma_space *dma = &p->net->vd.dma;
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

/* Serve queue @q under the device lock; interrupt the driver or give up on the device. */
static void serve_queue(struct net_queue_pair *p, unsigned q,
			int (*serve)(struct net_queue_pair *p, struct virtqueue *vq))
{
	struct virtio_net *n = p->net;
	struct virtio_dev *vd = &n->vd;
	int r = 0;

	pthread_mutex_lock(&vd->lock);
	if (virtio_queue_live(vd, q))
		r = serve(p, &vd->queues[q].vq);
	pthread_mutex_unlock(&vd->lock);
	if (r < 0) {
		pr_debug("net%u: queue %u: the driver broke the ring; device needs a reset",
			 n->index, q);
		virtio_needs_reset(vd);
	} else if (r > 0 && virtio_notify_queue(vd, q)) {
		count(&n->stats.interrupts, 1);
	}
}

/* Send one chain's frame; the chain is used either way, a bad frame counted as dropped. */
static int tx_one(struct net_queue_pair *p, struct virtqueue *vq)
{
	struct virtio_net *n = p->net;
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
		count(&n->stats.tx_dropped, 1);
		return vq_push(vq, p->chain.head, 0);
	}
	iov_to_buf(p->iov, (unsigned)nr, &h, sizeof(h));
	total -= VIRTIO_NET_HDR_LEN;
	if (!net_hdr_tx_ok(&h, total, n->be->vnet_hdr ? net_hdr_offloads(n->vd.guest_features,
									  false) : 0)) {
		count(&n->stats.tx_dropped, 1);
		return vq_push(vq, p->chain.head, 0);
	}
	if (!n->be->vnet_hdr) {
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
	if (n->be->ops->tx(n->be, p->iov, (unsigned)nr) < 0) {
		count(&n->stats.tx_dropped, 1);
	} else {
		count(&n->stats.tx_packets, 1);
		count(&n->stats.tx_bytes, total);
	}
	return vq_push(vq, p->chain.head, 0);
}

static int tx_serve(struct net_queue_pair *p, struct virtqueue *vq)
{
	unsigned i;
	int used = 0;

	for (i = 0; i < NET_BATCH; i++) {
		enum vq_pop_result pr = vq_pop(vq, &p->chain);

		if (pr == VQ_EMPTY)
			return used;
		if (pr == VQ_BROKEN || tx_one(p, vq))
			return -1;
		used = 1;
	}
	p->again[NET_TXQ] = true;
	worker_kick(&p->worker, NET_TXQ);
	return used;
}

/* Take the next frame from the backend into p->frame; false if none waits. */
static bool rx_read(struct net_queue_pair *p)
{
	struct net_backend *be = p->net->be;
	size_t hdr = be->vnet_hdr ? 0 : VIRTIO_NET_HDR_LEN;
	struct iovec iov = { p->frame + hdr, VIRTIO_NET_HDR_LEN + NET_MAX_FRAME - hdr };

	for (;;) {
		ssize_t r = be->ops->rx(be, &iov, 1);

		if (r == -EAGAIN || r == -EINTR)
			return false;
		if (r < 0) {
			pr_debug("net%u: receive: %s", p->net->index, strerror((int)-r));
			return false;
		}
		if ((size_t)r + hdr > VIRTIO_NET_HDR_LEN) {
			if (hdr)
				memset(p->frame, 0, hdr);
			p->frame_len = (size_t)r + hdr;
			return true;
		}
		count(&p->net->stats.rx_dropped, 1);	/* shorter than its header */
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
 * at and given back, so nothing is written unless all of the frame fits.
 */
static enum rx_result rx_room(struct net_queue_pair *p, struct virtqueue *vq, size_t len,
			      bool mrg)
{
	enum rx_result r = RX_DONE;
	uint64_t room = 0;
	unsigned nr = 0;

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
	vq_unpop(vq, nr);
	return r;
}

/*
 * p->frame into the driver's buffers, once rx_room said they take it. A
 * chain that holds less the second time round was changed while available,
 * which breaks the ring.
 */
static enum rx_result rx_deliver(struct net_queue_pair *p, struct virtqueue *vq)
{
	struct virtio_net *n = p->net;
	bool mrg = virtio_has_feature(&n->vd, VIRTIO_NET_F_MRG_RXBUF);
	struct virtio_net_hdr *h = (struct virtio_net_hdr *)p->frame;
	size_t off = 0, len = p->frame_len;
	enum rx_result r;
	unsigned nr = 0, i;

	if (!net_hdr_rx_fix(h, net_hdr_offloads(n->vd.guest_features, true)))
		return RX_DROPPED;
	r = rx_room(p, vq, len, mrg);
	if (r != RX_DONE)
		return r;
	h->num_buffers = 1;
	while (off < len) {
		uint64_t cap;
		size_t k;
		int nio;

		if (nr == vq->size || vq_pop(vq, &p->chain) != VQ_CHAIN || p->chain.nr_out)
			return RX_BROKEN;
		nio = map_chain(p, &p->chain, true, &cap);
		if (nio < 0 || (!nr && cap < VIRTIO_NET_HDR_LEN) || (!mrg && cap < len))
			return RX_BROKEN;
		if (!nr) {
			memcpy(p->hdr_iov, p->iov, (size_t)nio * sizeof(*p->iov));
			p->hdr_nr = (unsigned)nio;
		}
		k = iov_from_buf(p->iov, (unsigned)nio, 0, p->frame + off, len - off);
		dma_mark_written(&n->vd.dma, p->iov, iov_trim(p->iov, (unsigned)nio, k));
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
	count(&n->stats.rx_packets, 1);
	count(&n->stats.rx_bytes, len - VIRTIO_NET_HDR_LEN);
	return RX_DONE;
}

static int rx_serve(struct net_queue_pair *p, struct virtqueue *vq)
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
			count(&p->net->stats.rx_dropped, 1);
			break;
		case RX_DONE:
			used = 1;
			break;
		}
		p->frame_len = 0;
	}
	/* The backend's fd is edge-triggered: come back for what is left. */
	p->again[NET_RXQ] = true;
	worker_kick(&p->worker, NET_RXQ);
	return used;
}

static void qp_kicked(void *opaque, unsigned q)
{
	struct net_queue_pair *p = opaque;

	if (!p->again[q])
		count(&p->net->stats.kicks, 1);
	p->again[q] = false;
	serve_queue(p, q, q == NET_RXQ ? rx_serve : tx_serve);
}

static void backend_ready(void *opaque, uint32_t events)
{
	(void)events;
	serve_queue(opaque, NET_RXQ, rx_serve);
}

static void net_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtio_net *n = vd->opaque;

	worker_kick(&n->qp->worker, q);
}

static int net_queue_fd(struct virtio_dev *vd, unsigned q)
{
	struct virtio_net *n = vd->opaque;

	return worker_queue_fd(&n->qp->worker, q);
}

/* DRIVER_OK: the backend may now hand over what the driver accepts. */
static int net_activate(struct virtio_dev *vd)
{
	struct virtio_net *n = vd->opaque;
	unsigned off = net_hdr_offloads(vd->guest_features, true);

	if (n->be->ops->set_offload(n->be, off)) {
		pr_debug("net%u: the backend refused offloads 0x%x", n->index, off);
		return -1;
	}
	return 0;
}

static void net_config_read(struct virtio_dev *vd, uint64_t off, void *data, unsigned len)
{
	struct virtio_net *n = vd->opaque;

	if (off + len <= sizeof(n->config))
		memcpy(data, n->config + off, len);
}

static const struct virtio_dev_ops net_ops = {
	.activate = net_activate,
	.notify = net_notify,
	.queue_fd = net_queue_fd,
	.config_read = net_config_read,
};

static uint64_t build_config(struct virtio_net *n)
{
	uint16_t status = NET_STATUS_LINK_UP, pairs = 1, mtu = (uint16_t)n->mtu;

	memcpy(n->config + CFG_MAC, n->mac, NET_MAC_LEN);
	memcpy(n->config + CFG_STATUS, &status, 2);
	memcpy(n->config + CFG_MAX_PAIRS, &pairs, 2);
	memcpy(n->config + CFG_MTU, &mtu, 2);
	return (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
	       (1ull << VIRTIO_NET_F_MTU) | (1ull << VIRTIO_NET_F_MRG_RXBUF) |
	       (n->be->vnet_hdr ? net_hdr_features(n->be->offloads) : 0);
}

static int start_queue_pair(struct virtio_net *n)
{
	struct net_queue_pair *p = calloc(1, sizeof(*p));

	if (!p)
		return -1;
	n->qp = p;
	p->net = n;
	p->frame = malloc(VIRTIO_NET_HDR_LEN + NET_MAX_FRAME);
	if (!p->frame || worker_init(&p->worker, 2, qp_kicked, p))
		return -1;
	p->worker_ready = true;
	/*
	 * Edge-triggered: a frame that waits for buffers must not wake the thread
	 * again and again; the driver's kick brings it back when buffers come.
	 */
	if (event_loop_add_fd(p->worker.loop, n->be->rx_fd, EPOLLIN | EPOLLET, backend_ready,
			      p) == NULL)
		return -1;
	return worker_start(&p->worker);
}

static void format_mac(const uint8_t *m, char *out)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int virtio_net_init(struct virtio_net *n, const struct net_options *o, unsigned index,
		    const struct virtio_pci_env *env, struct error *err)
{
	char mac[18];

	memset(n, 0, sizeof(*n));
	n->index = index;
	n->mtu = o->mtu;
	n->be = net_backend_open(o, err);
	if (!n->be)
		return -1;
	if (o->has_mac)
		memcpy(n->mac, o->mac, NET_MAC_LEN);
	else
		net_default_mac(index, n->be->name, n->mac);
	if (virtio_pci_init(&n->vd, VIRTIO_ID_NET, PCI_CLASS_NETWORK, 2, NET_QUEUE_SIZE,
			    build_config(n), sizeof(n->config), &net_ops, n, env))
		return error_set(err, EINVAL, "net%u: cannot create the PCI function", index);
	if (start_queue_pair(n))
		return error_set(err, errno, "net%u: cannot start its I/O thread", index);
	format_mac(n->mac, mac);
	pr_debug("net%u: %s, mac %s, mtu %u, offloads 0x%x%s", index, n->be->name, mac, n->mtu,
		 n->be->offloads, n->be->vnet_hdr ? "" : ", no vnet header");
	return 0;
}

static void print_stats(const struct virtio_net *n)
{
	const struct net_stats *s = &n->stats;

	pr_debug("net%u (%s): rx %llu packets %llu bytes %llu dropped, tx %llu packets "
		 "%llu bytes %llu dropped, %llu kicks, %llu interrupts", n->index, n->be->name,
		 (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
		 (unsigned long long)s->rx_dropped, (unsigned long long)s->tx_packets,
		 (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_dropped,
		 (unsigned long long)s->kicks, (unsigned long long)s->interrupts);
}

void virtio_net_destroy(struct virtio_net *n)
{
	if (n->qp) {
		if (n->qp->worker_ready)
			worker_destroy(&n->qp->worker);
		free(n->qp->frame);
		free(n->qp);
	}
	if (n->be)
		print_stats(n);
	net_backend_close(n->be);
	virtio_pci_destroy(&n->vd);
}

static void net_dev_reset(void *dev)
{
	struct virtio_net *n = dev;

	virtio_pci_reset(&n->vd);
}

static void net_pause(void *dev)
{
	struct virtio_net *n = dev;

	worker_stop(&n->qp->worker);
}

static int net_resume(void *dev)
{
	struct virtio_net *n = dev;

	return worker_start(&n->qp->worker);
}

static void net_dev_destroy(void *dev)
{
	virtio_net_destroy(dev);
	free(dev);
}

const struct device_ops virtio_net_device_ops = {
	.kind = "virtio-net",
	.reset = net_dev_reset,
	.pause = net_pause,
	.resume = net_resume,
	.destroy = net_dev_destroy,
};

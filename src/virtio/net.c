#include "virtio/net.h"
#include "core/log.h"
#include "virtio/net_hdr.h"
#include "virtio/net_queue.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#define VIRTIO_ID_NET		1
#define PCI_CLASS_NETWORK	0x0200
#define NET_RXQ			0
#define NET_TXQ			1
#define NET_STATUS_LINK_UP	1

/* struct virtio_net_config offsets (5.1.4). */
#define CFG_MAC			0
#define CFG_STATUS		6
#define CFG_MAX_PAIRS		8
#define CFG_MTU			10

struct net_queue_pair {
	struct virtio_net *net;
	struct virtio_worker worker;
	bool worker_ready;
	bool again[2];			/* the thread kicked itself: not the driver's kick */
	struct net_queue q;
};

static void count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* Serve queue @q under the device lock; interrupt the driver or give up on the device. */
static void serve_queue(struct net_queue_pair *p, unsigned q)
{
	struct virtio_net *n = p->net;
	struct virtio_dev *vd = &n->vd;
	int r = 0;

	pthread_mutex_lock(&vd->lock);
	if (virtio_queue_live(vd, q))
		r = q == NET_RXQ ? net_queue_rx(&p->q, &vd->queues[q].vq) :
				   net_queue_tx(&p->q, &vd->queues[q].vq);
	pthread_mutex_unlock(&vd->lock);
	/* A batch left work (the backend's fd is edge-triggered): come back for it. */
	if (p->q.more) {
		p->q.more = false;
		p->again[q] = true;
		worker_kick(&p->worker, q);
	}
	if (r < 0) {
		pr_debug("net%u: queue %u: the driver broke the ring; device needs a reset",
			 n->index, q);
		virtio_needs_reset(vd);
	} else if (r > 0 && virtio_notify_queue(vd, q)) {
		count(&n->stats.interrupts, 1);
	}
}

static void qp_kicked(void *opaque, unsigned q)
{
	struct net_queue_pair *p = opaque;

	if (!p->again[q])
		count(&p->net->stats.kicks, 1);
	p->again[q] = false;
	serve_queue(p, q);
}

static void backend_ready(void *opaque, uint32_t events)
{
	(void)events;
	serve_queue(opaque, NET_RXQ);
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
	n->qp->q.features = vd->guest_features;
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
	if (net_queue_init(&p->q, &n->vd.dma, n->be, &n->stats) ||
	    worker_init(&p->worker, 2, qp_kicked, p))
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
		net_queue_destroy(&n->qp->q);
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

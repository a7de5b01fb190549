#include "virtio/net.h"
#include "core/log.h"
#include "virtio/net_ctrl.h"
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
#define NET_STATUS_LINK_UP	1
#define NET_STATUS_ANNOUNCE	2	/* VIRTIO_NET_S_ANNOUNCE */

/* struct virtio_net_config offsets (5.1.4). */
#define CFG_MAC			0
#define CFG_STATUS		6
#define CFG_MAX_PAIRS		8
#define CFG_MTU			10

/* A pair's I/O thread wakes for these; pair 0's also for the control queue. */
#define WQ_RX			0
#define WQ_TX			1
#define WQ_CTRL			2

struct net_queue_pair {
	struct virtio_net *net;
	unsigned index;
	struct virtio_worker worker;
	bool worker_ready;
	bool again[3];			/* the thread kicked itself: not the driver's kick */
	struct net_queue q;
};

static void count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* The control queue's index: after every pair with MQ, else after the first (5.1.2). */
static unsigned ctrl_vq(const struct virtio_net *n)
{
	if (!virtio_has_feature(&n->vd, VIRTIO_NET_F_CTRL_VQ))
		return ~0u;
	return virtio_has_feature(&n->vd, VIRTIO_NET_F_MQ) ? 2 * n->nr_pairs : 2;
}

/* Read the command's bytes; -1 if the chain is not a command and an ack buffer. */
static int ctrl_read(struct virtio_net *n, const struct virtq_chain *c, uint8_t *cmd,
		     size_t *len)
{
	unsigned i;

	*len = 0;
	if (c->nr_out == c->nr || c->segs[c->nr_out].len < 1)
		return -1;
	for (i = 0; i < c->nr_out; i++) {
		if (c->segs[i].len > NET_CTRL_MAX_CMD - *len) {
			*len = NET_CTRL_MAX_CMD + 1;	/* too long: refused, not read */
			return 0;
		}
		if (dma_read(&n->vd.dma, c->segs[i].addr, cmd + *len, c->segs[i].len))
			return -1;
		*len += c->segs[i].len;
	}
	return 0;
}

/* Apply a command's new state: the backend's queues first, as they can fail. */
static uint8_t ctrl_apply(struct virtio_net *n, const struct net_ctrl_state *s)
{
	if (s->pairs != n->ctrl.pairs && n->be->ops->set_queues &&
	    n->be->ops->set_queues(n->be, s->pairs))
		return VIRTIO_NET_ERR;
	if (memcmp(s->mac, n->ctrl.mac, NET_MAC_LEN))
		memcpy(n->config + CFG_MAC, s->mac, NET_MAC_LEN);
	if (s->announce != n->ctrl.announce) {
		uint16_t status = NET_STATUS_LINK_UP | (s->announce ? NET_STATUS_ANNOUNCE : 0);

		memcpy(n->config + CFG_STATUS, &status, 2);
	}
	n->ctrl = *s;
	return VIRTIO_NET_OK;
}

static int ctrl_serve(struct virtio_net *n, struct virtqueue *vq)
{
	uint8_t cmd[NET_CTRL_MAX_CMD];
	struct virtq_chain *c = &n->qp[0].q.chain;
	int used = 0;

	for (;;) {
		enum vq_pop_result pr = vq_pop(vq, c);
		struct net_ctrl_state s = n->ctrl;
		uint8_t ack = VIRTIO_NET_ERR;
		size_t len;

		if (pr == VQ_EMPTY)
			return used;
		if (pr == VQ_BROKEN || ctrl_read(n, c, cmd, &len))
			return -1;
		if (len <= NET_CTRL_MAX_CMD && net_ctrl_command(&s, cmd, len) == VIRTIO_NET_OK)
			ack = ctrl_apply(n, &s);
		pr_debug("net%u: control command %u.%u: %s", n->index, len ? cmd[0] : 0,
			 len > 1 ? cmd[1] : 0, ack == VIRTIO_NET_OK ? "ok" : "refused");
		if (dma_write(&n->vd.dma, c->segs[c->nr_out].addr, &ack, 1) ||
		    vq_push(vq, c->head, 1))
			return -1;
		used = 1;
	}
}

/*
 * Serve virtio queue @q under the device lock; interrupt the driver or give
 * up on the device. Returns as the queue's work does: 1 if it used buffers.
 */
static int serve_queue(struct net_queue_pair *p, unsigned q)
{
	struct virtio_net *n = p->net;
	struct virtio_dev *vd = &n->vd;
	struct virtqueue *vq = &vd->queues[q].vq;
	int r = 0;

	pthread_mutex_lock(&vd->lock);
	/* The last queue is the control queue only if the driver took CTRL_VQ. */
	if (virtio_queue_live(vd, q)) {
		if (q == ctrl_vq(n))
			r = ctrl_serve(n, vq);
		else if (q >= 2 * n->nr_pairs)
			r = 0;
		else if (q % 2 == 0)
			r = net_queue_rx(&n->qp[q / 2].q, vq);
		else
			r = net_queue_tx(&n->qp[q / 2].q, vq);
	}
	pthread_mutex_unlock(&vd->lock);
	/* A batch left work (the backend's fd is edge-triggered): come back for it. */
	if (q / 2 < n->nr_pairs && n->qp[q / 2].q.more) {
		n->qp[q / 2].q.more = false;
		p->again[q % 2] = true;
		worker_again(&p->worker, q % 2);
	}
	if (r < 0) {
		pr_debug("net%u: queue %u: the driver broke the ring; device needs a reset",
			 n->index, q);
		virtio_needs_reset(vd);
	} else if (r > 0 && virtio_notify_queue(vd, q)) {
		count(&n->stats.interrupts, 1);
	}
	return r;
}

static void qp_kicked(void *opaque, unsigned wq)
{
	struct net_queue_pair *p = opaque;

	if (!p->again[wq])
		count(&p->net->stats.kicks, 1);
	p->again[wq] = false;
	serve_queue(p, wq == WQ_CTRL ? 2 * p->net->nr_pairs : 2 * p->index + wq);
}

static void backend_ready(void *opaque, uint32_t events)
{
	struct net_queue_pair *p = opaque;

	(void)events;
	serve_queue(p, 2 * p->index);
}

/* The backend has room for frames again: what waits in the transmit ring. */
static void backend_tx_room(void *opaque, uint32_t events)
{
	struct net_queue_pair *p = opaque;

	(void)events;
	serve_queue(p, 2 * p->index + 1);
}

/* Polling: the pair's transmit queue, and the backend for frames (a read that may find none). */
static bool net_poll(void *opaque)
{
	struct net_queue_pair *p = opaque;
	bool tx = serve_queue(p, 2 * p->index + 1) > 0;

	return serve_queue(p, 2 * p->index) > 0 || tx;
}

/*
 * While the pair's thread is awake the driver need not kick (virtio 1.2,
 * 2.7.10): the thread looks at the rings itself. Before it sleeps, work that
 * raced in: transmit buffers, or buffers for a frame that waits for them.
 */
static bool net_set_quiet(void *opaque, bool quiet)
{
	struct net_queue_pair *p = opaque;
	struct virtio_dev *vd = &p->net->vd;
	unsigned q, rx = 2 * p->index, tx = rx + 1;
	bool raced = false;
	int err = 0;

	pthread_mutex_lock(&vd->lock);
	for (q = rx; q <= tx; q++) {
		if (!virtio_queue_live(vd, q))
			continue;
		err |= quiet ? vq_disable_notify(&vd->queues[q].vq) :
			       vq_enable_notify(&vd->queues[q].vq);
	}
	if (!quiet && !err)
		raced = (virtio_queue_live(vd, tx) && vq_has_avail(&vd->queues[tx].vq) &&
			 !net_queue_tx_full(&p->q)) ||
			(virtio_queue_live(vd, rx) && p->q.frame_len &&
			 vq_has_avail(&vd->queues[rx].vq));
	pthread_mutex_unlock(&vd->lock);
	if (err) {
		virtio_needs_reset(vd);
		return false;
	}
	return raced;
}

/* The pair whose thread serves virtio queue @q, and its queue there. */
static struct net_queue_pair *queue_owner(struct virtio_net *n, unsigned q, unsigned *wq)
{
	if (q >= 2 * n->nr_pairs) {
		*wq = WQ_CTRL;
		return &n->qp[0];
	}
	*wq = q % 2;
	return &n->qp[q / 2];
}

static void net_notify(struct virtio_dev *vd, unsigned q)
{
	unsigned wq;
	struct net_queue_pair *p = queue_owner(vd->opaque, q, &wq);

	worker_kick(&p->worker, wq);
}

static int net_queue_fd(struct virtio_dev *vd, unsigned q)
{
	unsigned wq;
	struct net_queue_pair *p = queue_owner(vd->opaque, q, &wq);

	return worker_queue_fd(&p->worker, wq);
}

/* DRIVER_OK: one pair until the driver asks for more; the offloads it accepts. */
static int net_activate(struct virtio_dev *vd)
{
	struct virtio_net *n = vd->opaque;
	unsigned off = net_hdr_offloads(vd->guest_features, true), i;

	if (n->be->ops->set_offload(n->be, off)) {
		pr_debug("net%u: the backend refused offloads 0x%x", n->index, off);
		return -1;
	}
	if (n->be->ops->set_queues && n->be->ops->set_queues(n->be, 1))
		return -1;
	n->ctrl.pairs = 1;
	for (i = 0; i < n->nr_pairs; i++)
		n->qp[i].q.features = vd->guest_features;
	return 0;
}

/* A driver's reset undoes its commands: the MAC it set, its pairs, its RX mode. */
static void net_reset(struct virtio_dev *vd)
{
	struct virtio_net *n = vd->opaque;

	memcpy(n->config + CFG_MAC, n->mac, NET_MAC_LEN);
	n->ctrl = (struct net_ctrl_state){ .max_pairs = n->nr_pairs, .pairs = 1 };
	memcpy(n->ctrl.mac, n->mac, NET_MAC_LEN);
}

static void net_config_read(struct virtio_dev *vd, uint64_t off, void *data, unsigned len)
{
	struct virtio_net *n = vd->opaque;

	if (off + len <= sizeof(n->config))
		memcpy(data, n->config + off, len);
}

/* Frames are sent and taken whole on the pairs' threads: stopping them leaves none half-done. */
static void net_pause(struct virtio_dev *vd)
{
	struct virtio_net *n = vd->opaque;
	unsigned i;

	for (i = 0; i < n->nr_started; i++)
		worker_stop(&n->qp[i].worker);
}

static int net_resume(struct virtio_dev *vd)
{
	struct virtio_net *n = vd->opaque;
	unsigned i;

	for (i = 0; i < n->nr_started; i++)
		if (worker_start(&n->qp[i].worker))
			return -1;
	return 0;
}

/*
 * Version 1: the queue pairs the device has and the driver uses, the MAC the
 * driver set, the link status and the RX mode. A frame the backend gave that
 * waits for receive buffers is not saved: it is lost, as on a wire.
 */
static void net_save(struct virtio_dev *vd, struct state_writer *w)
{
	struct virtio_net *n = vd->opaque;
	uint16_t status;

	pthread_mutex_lock(&vd->lock);
	memcpy(&status, n->config + CFG_STATUS, 2);
	state_put_u16(w, (uint16_t)n->nr_pairs);
	state_put_u16(w, (uint16_t)n->ctrl.pairs);
	state_put(w, n->ctrl.mac, NET_MAC_LEN);
	state_put_u16(w, status);
	state_put_bool(w, n->ctrl.promisc);
	state_put_bool(w, n->ctrl.allmulti);
	pthread_mutex_unlock(&vd->lock);
}

static int net_check(struct virtio_net *n, struct state_reader *r, unsigned nr_pairs,
		     const struct net_ctrl_state *s, uint16_t status)
{
	if (nr_pairs != n->nr_pairs) {
		state_invalid(r, "net%u: %u queue pairs saved, this NIC has %u", n->index,
			      nr_pairs, n->nr_pairs);
		return -1;
	}
	if (s->pairs < 1 || s->pairs > n->nr_pairs) {
		state_invalid(r, "net%u: %u queue pairs in use of %u", n->index, s->pairs,
			      n->nr_pairs);
		return -1;
	}
	if (s->mac[0] & 1) {
		state_invalid(r, "net%u: a multicast MAC address", n->index);
		return -1;
	}
	if (status & ~NET_STATUS_LINK_UP) {
		state_invalid(r, "net%u: link status 0x%x", n->index, status);
		return -1;
	}
	return 0;
}

static int net_restore(struct virtio_dev *vd, struct state_reader *r, bool apply)
{
	struct virtio_net *n = vd->opaque;
	struct net_ctrl_state s = { .max_pairs = n->nr_pairs };
	unsigned nr_pairs = state_get_u16(r);
	uint16_t status;
	int err = 0;

	s.pairs = state_get_u16(r);
	state_get(r, s.mac, NET_MAC_LEN);
	status = state_get_u16(r);
	s.promisc = state_get_bool(r);
	s.allmulti = state_get_bool(r);
	if (r->failed || net_check(n, r, nr_pairs, &s, status))
		return -1;
	if (!apply)
		return 0;
	pthread_mutex_lock(&vd->lock);
	/* Activation (the transport's restore) left the backend at one pair. */
	if (s.pairs != n->ctrl.pairs && n->be->ops->set_queues &&
	    n->be->ops->set_queues(n->be, s.pairs))
		err = -1;
	memcpy(n->config + CFG_MAC, s.mac, NET_MAC_LEN);
	memcpy(n->config + CFG_STATUS, &status, 2);
	n->ctrl = s;
	pthread_mutex_unlock(&vd->lock);
	if (err)
		state_invalid(r, "net%u: the backend cannot use %u queue pairs again", n->index,
			      s.pairs);
	return err;
}

static const struct virtio_dev_ops net_ops = {
	.activate = net_activate,
	.reset = net_reset,
	.notify = net_notify,
	.queue_fd = net_queue_fd,
	.config_read = net_config_read,
	.pause = net_pause,
	.resume = net_resume,
	.save = net_save,
	.restore = net_restore,
};

static uint64_t build_config(struct virtio_net *n)
{
	uint16_t status = NET_STATUS_LINK_UP, pairs = (uint16_t)n->nr_pairs;
	uint16_t mtu = (uint16_t)n->mtu;

	memcpy(n->config + CFG_MAC, n->mac, NET_MAC_LEN);
	memcpy(n->config + CFG_STATUS, &status, 2);
	memcpy(n->config + CFG_MAX_PAIRS, &pairs, 2);
	memcpy(n->config + CFG_MTU, &mtu, 2);
	return (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
	       (1ull << VIRTIO_NET_F_MTU) | (1ull << VIRTIO_NET_F_MRG_RXBUF) |
	       (1ull << VIRTIO_NET_F_CTRL_VQ) | (1ull << VIRTIO_NET_F_CTRL_RX) |
	       (1ull << VIRTIO_NET_F_CTRL_MAC_ADDR) | (1ull << VIRTIO_NET_F_GUEST_ANNOUNCE) |
	       (n->nr_pairs > 1 ? 1ull << VIRTIO_NET_F_MQ : 0) |
	       (n->be->vnet_hdr ? net_hdr_features(n->be->offloads) : 0);
}

/*
 * The cable: STATUS's LINK_UP (5.1.4), and a configuration change interrupt
 * for a driver that runs (5.1.4.2: the driver re-reads the status then).
 */
void virtio_net_set_link(struct virtio_net *n, bool up)
{
	struct virtio_dev *vd = &n->vd;
	uint16_t status, was;
	bool tell;

	pthread_mutex_lock(&vd->lock);
	memcpy(&was, n->config + CFG_STATUS, 2);
	status = up ? (uint16_t)(was | NET_STATUS_LINK_UP) : (uint16_t)(was & ~NET_STATUS_LINK_UP);
	memcpy(n->config + CFG_STATUS, &status, 2);
	tell = status != was && (vd->status & VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&vd->lock);
	if (tell)
		virtio_notify_config(vd);
}

bool virtio_net_link(struct virtio_net *n)
{
	uint16_t status;

	pthread_mutex_lock(&n->vd.lock);
	memcpy(&status, n->config + CFG_STATUS, 2);
	pthread_mutex_unlock(&n->vd.lock);
	return status & NET_STATUS_LINK_UP;
}

static int start_queue_pair(struct virtio_net *n, unsigned i, unsigned poll_us)
{
	struct net_queue_pair *p = &n->qp[i];

	p->net = n;
	p->index = i;
	if (net_queue_init(&p->q, &n->vd.dma, n->be, i, &n->stats) ||
	    worker_init(&p->worker, i == 0 ? 3 : 2, qp_kicked, p))
		return -1;
	p->worker_ready = true;
	/*
	 * Edge-triggered: a frame that waits for buffers must not wake the thread
	 * again and again; the driver's kick brings it back when buffers come.
	 */
	if (event_loop_add_fd(p->worker.loop, n->be->rx_fd[i], EPOLLIN | EPOLLET, backend_ready,
			      p) == NULL)
		return -1;
	/* Each write to it is an edge: it needs no draining (a counter that never fills). */
	if (n->be->ops->tx_full &&
	    event_loop_add_fd(p->worker.loop, n->be->tx_fd[i], EPOLLIN | EPOLLET, backend_tx_room,
			      p) == NULL)
		return -1;
	worker_set_poll(&p->worker, (uint64_t)poll_us * 1000, net_poll, net_set_quiet, p);
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
	unsigned i;

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
	n->nr_pairs = n->be->nr_queues;
	if (virtio_pci_init(&n->vd, VIRTIO_ID_NET, PCI_CLASS_NETWORK, 2 * n->nr_pairs + 1,
			    NET_QUEUE_SIZE, build_config(n), sizeof(n->config), &net_ops, n, env))
		return error_set(err, EINVAL, "net%u: cannot create the PCI function", index);
	n->qp = calloc(n->nr_pairs, sizeof(*n->qp));
	if (!n->qp)
		return error_set(err, ENOMEM, "net%u: out of memory", index);
	for (i = 0; i < n->nr_pairs; i++) {
		n->nr_started = i + 1;
		if (start_queue_pair(n, i, o->poll_us))
			return error_set(err, errno, "net%u: cannot start the I/O thread of queue "
					 "pair %u", index, i);
	}
	format_mac(n->mac, mac);
	pr_debug("net%u: %s, mac %s, mtu %u, %u queue pair(s), offloads 0x%x%s", index,
		 n->be->name, mac, n->mtu, n->nr_pairs, n->be->offloads,
		 n->be->vnet_hdr ? "" : ", no vnet header");
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
	unsigned i;

	for (i = 0; i < n->nr_started; i++) {
		if (n->qp[i].worker_ready)
			worker_destroy(&n->qp[i].worker);
		net_queue_destroy(&n->qp[i].q);
	}
	free(n->qp);
	if (n->be)
		print_stats(n);
	net_backend_close(n->be);
	virtio_pci_destroy(&n->vd);
}

static void net_dev_destroy(void *dev)
{
	virtio_net_destroy(dev);
	free(dev);
}

static uint64_t read_count(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void net_metrics(void *dev, device_metric_fn emit, void *opaque)
{
	const struct net_stats *s = &((struct virtio_net *)dev)->stats;

	emit(opaque, "rx_packets", read_count(&s->rx_packets));
	emit(opaque, "rx_bytes", read_count(&s->rx_bytes));
	emit(opaque, "rx_dropped", read_count(&s->rx_dropped));
	emit(opaque, "tx_packets", read_count(&s->tx_packets));
	emit(opaque, "tx_bytes", read_count(&s->tx_bytes));
	emit(opaque, "tx_dropped", read_count(&s->tx_dropped));
	emit(opaque, "kicks", read_count(&s->kicks));
	emit(opaque, "interrupts", read_count(&s->interrupts));
}

_Static_assert(offsetof(struct virtio_net, vd) == 0, "the registry's hooks take a virtio_dev");

const struct device_ops virtio_net_device_ops = {
	.kind = "virtio-net",
	VIRTIO_DEVICE_HOOKS,
	.metrics = net_metrics,
	.destroy = net_dev_destroy,
};

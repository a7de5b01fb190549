/*
 * virtio-net (virtio 1.2, 5.1) on a host backend (backend/net_backend.h):
 * one receive and one transmit queue per queue pair, each pair served by an
 * I/O thread that also watches the backend's queue, and a control queue.
 */
#ifndef VESSEL_VIRTIO_NET_H
#define VESSEL_VIRTIO_NET_H

#include "backend/net_backend.h"
#include "core/device.h"
#include "core/error.h"
#include "virtio/net_ctrl.h"
#include "virtio/net_queue.h"
#include "virtio/virtio_pci.h"
#include "virtio/worker.h"

#define VIRTIO_NET_CONFIG_SIZE	12	/* mac, status, max_virtqueue_pairs, mtu */

struct net_queue_pair;

struct virtio_net {
	struct virtio_dev vd;
	unsigned index;			/* among the machine's NICs: net0, net1, ... */
	struct net_backend *be;
	uint8_t mac[NET_MAC_LEN];
	unsigned mtu;
	struct net_stats stats;
	unsigned nr_pairs;
	unsigned nr_started;		/* pairs whose thread exists: torn down at the end */
	struct net_queue_pair *qp;
	struct net_ctrl_state ctrl;	/* under the device lock */
	uint8_t config[VIRTIO_NET_CONFIG_SIZE];
};

/* Open the backend and build NIC @index; -1 with @err saying why. */
int virtio_net_init(struct virtio_net *n, const struct net_options *o, unsigned index,
		    const struct virtio_pci_env *env, struct error *err);
void virtio_net_destroy(struct virtio_net *n);
/* The link as the host says it is (up at creation), from any thread. */
void virtio_net_set_link(struct virtio_net *n, bool up);
bool virtio_net_link(struct virtio_net *n);

/* Its registry hooks: the transport's (virtio_device_*), metrics, destroy (and free). */
extern const struct device_ops virtio_net_device_ops;

#endif

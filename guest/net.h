/*
 * The built-in guest's virtio-net driver as its tests share it
 * (virtio_net.c): one NIC, frames built in its transmit buffer behind the
 * virtio-net header, polled for in CPL0.
 */
#ifndef VESSEL_GUEST_NET_H
#define VESSEL_GUEST_NET_H

#include "virtio.h"

#define ETH_ARP			0x0806
#define ETH_IP			0x0800

struct net {
	struct vdev d;
	uint8_t mac[6], peer_mac[6];
	uint8_t addr[4], peer[4];
	unsigned ctrlq;		/* the control queue: after the pairs (virtio 1.2, 5.1.2) */
};

enum want { WANT_ARP, WANT_ECHO };

void net_put16(uint8_t *p, uint16_t v);
uint16_t net_get16(const uint8_t *p);
/* The Internet checksum (RFC 1071) of @len bytes. */
uint16_t net_csum(const uint8_t *p, unsigned len);
/* An Ethernet header to @dst in the transmit buffer; returns where the payload goes. */
uint8_t *net_eth(struct net *n, const uint8_t *dst, uint16_t type);
/* Send the frame net_eth began, with @len payload bytes. */
int net_send(struct net *n, unsigned len);
int net_send_arp(struct net *n, uint16_t op, const uint8_t *tha, const uint8_t *tpa);
int net_send_echo(struct net *n, uint16_t seq);
int net_post_rx(struct net *n, uint32_t len);
/* Receive until an ARP reply from the peer, or its echo reply @seq, comes: 1, else -1. */
int net_wait_for(struct net *n, enum want want, uint16_t seq);
/* The next frame (without its virtio-net header) copied to @buf: its length, or -1. */
int net_recv(struct net *n, uint8_t *buf, unsigned size, uint64_t cycles);

/* vessel.test=net-user (net_user.c), on a started NIC. */
int net_user_run(struct net *n, const struct net_user_opts *o);

/*
 * Start the NIC at @slot, resolve @peer by ARP from @addr (which also tells a
 * user-mode network our MAC), and reset it: the NIC's MAC and the peer's.
 */
int virtio_net_resolve(unsigned slot, const uint8_t addr[4], const uint8_t peer[4],
		       uint8_t mac[6], uint8_t peer_mac[6]);

/* vessel.test=netbench (netbench.c) on the NIC at @slot; see there. */
struct netbench_opts {
	unsigned seconds;
	uint8_t addr[4], peer[4];	/* peer 0.0.0.0: a tap's sink, no ARP */
	uint16_t port;			/* the peer's UDP port */
};
int net_bench(const struct acpi_info *acpi, unsigned slot, const struct netbench_opts *o);

#endif

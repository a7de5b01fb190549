/*
 * virtio-net's control queue commands (virtio 1.2, 5.1.6.5): what a command
 * asks for, checked against what the device offers, as a change of state the
 * device then applies. Pure, for the device and its unit tests.
 */
#ifndef VESSEL_VIRTIO_NET_CTRL_H
#define VESSEL_VIRTIO_NET_CTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTIO_NET_F_CTRL_VQ		17
#define VIRTIO_NET_F_CTRL_RX		18
#define VIRTIO_NET_F_GUEST_ANNOUNCE	21
#define VIRTIO_NET_F_MQ			22
#define VIRTIO_NET_F_CTRL_MAC_ADDR	23

#define VIRTIO_NET_OK			0
#define VIRTIO_NET_ERR			1

#define VIRTIO_NET_CTRL_RX		0
#define VIRTIO_NET_CTRL_MAC		1
#define VIRTIO_NET_CTRL_ANNOUNCE	3
#define VIRTIO_NET_CTRL_MQ		4

#define NET_CTRL_MAX_CMD		1024	/* a MAC table of up to 80 entries a list */

struct net_ctrl_state {
	unsigned max_pairs;		/* what the device has */
	unsigned pairs;			/* what the driver uses */
	bool promisc, allmulti;
	bool announce;			/* VIRTIO_NET_S_ANNOUNCE: the driver should announce */
	uint8_t mac[6];
};

/*
 * Apply the command in @cmd (class, command, data) to @s; returns the ack,
 * VIRTIO_NET_OK or VIRTIO_NET_ERR (and @s unchanged).
 */
uint8_t net_ctrl_command(struct net_ctrl_state *s, const uint8_t *cmd, size_t len);

#endif

/*
 * The header in front of every virtio-net frame (virtio 1.2, 5.1.6): checking
 * what a guest sends, and making what a backend received fit what the driver
 * negotiated. Pure functions, for the device and its unit tests.
 */
#ifndef VESSEL_VIRTIO_NET_HDR_H
#define VESSEL_VIRTIO_NET_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_CSUM		0
#define VIRTIO_NET_F_GUEST_CSUM		1
#define VIRTIO_NET_F_MTU		3
#define VIRTIO_NET_F_MAC		5
#define VIRTIO_NET_F_GUEST_TSO4		7
#define VIRTIO_NET_F_GUEST_TSO6		8
#define VIRTIO_NET_F_GUEST_ECN		9
#define VIRTIO_NET_F_GUEST_UFO		10
#define VIRTIO_NET_F_HOST_TSO4		11
#define VIRTIO_NET_F_HOST_TSO6		12
#define VIRTIO_NET_F_HOST_ECN		13
#define VIRTIO_NET_F_HOST_UFO		14
#define VIRTIO_NET_F_MRG_RXBUF		15
#define VIRTIO_NET_F_STATUS		16

#define VIRTIO_NET_HDR_F_NEEDS_CSUM	1
#define VIRTIO_NET_HDR_F_DATA_VALID	2

#define VIRTIO_NET_HDR_GSO_NONE		0
#define VIRTIO_NET_HDR_GSO_TCPV4	1
#define VIRTIO_NET_HDR_GSO_UDP		3
#define VIRTIO_NET_HDR_GSO_TCPV6	4
#define VIRTIO_NET_HDR_GSO_ECN		0x80

/* struct virtio_net_hdr_v1: little-endian, 12 bytes with VERSION_1. */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

#define VIRTIO_NET_HDR_LEN	sizeof(struct virtio_net_hdr)

/* The NET_OFF_* set that negotiated @features give: the guest's (@rx) or the device's. */
unsigned net_hdr_offloads(uint64_t features, bool rx);

/* The feature bits to offer for a backend's NET_OFF_* @offloads. */
uint64_t net_hdr_features(unsigned offloads);

/*
 * Whether a frame of @len bytes (after the header) the guest sent with @h
 * asks only for what @offloads allow, with fields that fit the frame.
 */
bool net_hdr_tx_ok(const struct virtio_net_hdr *h, size_t len, unsigned offloads);

/*
 * Make a received header fit a driver that accepts @offloads: false if the
 * frame needs one it does not (it is dropped). num_buffers is the caller's.
 */
bool net_hdr_rx_fix(struct virtio_net_hdr *h, unsigned offloads);

#endif

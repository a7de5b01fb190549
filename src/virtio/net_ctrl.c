#include "virtio/net_ctrl.h"

#include <string.h>

/* Commands of each class (5.1.6.5.1, 5.1.6.5.2, 5.1.6.5.5). */
#define CTRL_RX_PROMISC			0
#define CTRL_RX_ALLMULTI		1
#define CTRL_MAC_TABLE_SET		0
#define CTRL_MAC_ADDR_SET		1
#define CTRL_ANNOUNCE_ACK		0
#define CTRL_MQ_VQ_PAIRS_SET		0

/*
 * RX mode: the device passes every frame the backend gives (a tap delivers
 * what the host's stack sends it), so promiscuous and all-multicast only
 * have to be remembered.
 */
static uint8_t rx_mode(struct net_ctrl_state *s, uint8_t cmd, const uint8_t *d, size_t len)
{
	if (len != 1 || d[0] > 1)
		return VIRTIO_NET_ERR;
	if (cmd == CTRL_RX_PROMISC)
		s->promisc = d[0];
	else if (cmd == CTRL_RX_ALLMULTI)
		s->allmulti = d[0];
	else
		return VIRTIO_NET_ERR;
	return VIRTIO_NET_OK;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Two tables (unicast, multicast), each a count and its addresses, and nothing after. */
static uint8_t mac_table(const uint8_t *d, size_t len)
{
	size_t off = 0;
	unsigned t;

	for (t = 0; t < 2; t++) {
		uint32_t n;

		if (len - off < 4)
			return VIRTIO_NET_ERR;
		n = le32(d + off);
		off += 4;
		if (n > (len - off) / 6)
			return VIRTIO_NET_ERR;
		off += 6 * (size_t)n;
	}
	return off == len ? VIRTIO_NET_OK : VIRTIO_NET_ERR;
}

static uint8_t mac(struct net_ctrl_state *s, uint8_t cmd, const uint8_t *d, size_t len)
{
	if (cmd == CTRL_MAC_TABLE_SET)
		return mac_table(d, len);
	if (cmd != CTRL_MAC_ADDR_SET || len != 6 || (d[0] & 1))
		return VIRTIO_NET_ERR;
	memcpy(s->mac, d, 6);
	return VIRTIO_NET_OK;
}

static uint8_t mq(struct net_ctrl_state *s, uint8_t cmd, const uint8_t *d, size_t len)
{
	unsigned pairs;

	if (cmd != CTRL_MQ_VQ_PAIRS_SET || len != 2)
		return VIRTIO_NET_ERR;
	pairs = (unsigned)d[0] | (unsigned)d[1] << 8;
	if (pairs < 1 || pairs > s->max_pairs)
		return VIRTIO_NET_ERR;
	s->pairs = pairs;
	return VIRTIO_NET_OK;
}

/* The driver announced itself (5.1.6.5.4): the device's request is done. */
static uint8_t announce(struct net_ctrl_state *s, uint8_t cmd, size_t len)
{
	if (cmd != CTRL_ANNOUNCE_ACK || len != 0)
		return VIRTIO_NET_ERR;
	s->announce = false;
	return VIRTIO_NET_OK;
}

uint8_t net_ctrl_command(struct net_ctrl_state *s, const uint8_t *cmd, size_t len)
{
	if (len < 2)
		return VIRTIO_NET_ERR;
	switch (cmd[0]) {
	case VIRTIO_NET_CTRL_RX:
		return rx_mode(s, cmd[1], cmd + 2, len - 2);
	case VIRTIO_NET_CTRL_MAC:
		return mac(s, cmd[1], cmd + 2, len - 2);
	case VIRTIO_NET_CTRL_ANNOUNCE:
		return announce(s, cmd[1], len - 2);
	case VIRTIO_NET_CTRL_MQ:
		return mq(s, cmd[1], cmd + 2, len - 2);
	default:
		return VIRTIO_NET_ERR;
	}
}

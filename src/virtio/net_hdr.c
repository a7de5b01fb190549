#include "virtio/net_hdr.h"
#include "backend/net_backend.h"

/* NET_OFF_* against the guest's (rx) and the device's (tx) feature bits. */
static const struct {
	unsigned off;
	unsigned guest, host;
} bits[] = {
	{ NET_OFF_CSUM, VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_CSUM },
	{ NET_OFF_TSO4, VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_HOST_TSO4 },
	{ NET_OFF_TSO6, VIRTIO_NET_F_GUEST_TSO6, VIRTIO_NET_F_HOST_TSO6 },
	{ NET_OFF_ECN, VIRTIO_NET_F_GUEST_ECN, VIRTIO_NET_F_HOST_ECN },
	{ NET_OFF_UFO, VIRTIO_NET_F_GUEST_UFO, VIRTIO_NET_F_HOST_UFO },
};

#define NR_BITS (sizeof(bits) / sizeof(bits[0]))

unsigned net_hdr_offloads(uint64_t features, bool rx)
{
	unsigned off = 0, i;

	for (i = 0; i < NR_BITS; i++)
		if (features & (1ull << (rx ? bits[i].guest : bits[i].host)))
			off |= bits[i].off;
	/* Segmentation needs checksum offload (5.1.3.1): without it, none. */
	return off & NET_OFF_CSUM ? off : 0;
}

uint64_t net_hdr_features(unsigned offloads)
{
	uint64_t f = 0;
	unsigned i;

	if (!(offloads & NET_OFF_CSUM))
		return 0;
	for (i = 0; i < NR_BITS; i++)
		if (offloads & bits[i].off)
			f |= (1ull << bits[i].guest) | (1ull << bits[i].host);
	return f;
}

/* The offload a GSO type needs, 0 for none, or ~0u for a type that does not exist. */
static unsigned gso_needs(uint8_t gso_type)
{
	unsigned ecn = gso_type & VIRTIO_NET_HDR_GSO_ECN ? NET_OFF_ECN : 0;

	switch (gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return ecn ? ~0u : 0;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return NET_OFF_TSO4 | ecn;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return NET_OFF_TSO6 | ecn;
	case VIRTIO_NET_HDR_GSO_UDP:
		return ecn ? ~0u : NET_OFF_UFO;
	default:
		return ~0u;
	}
}

static bool allowed(unsigned needs, unsigned offloads)
{
	return needs != ~0u && (needs & ~offloads) == 0;
}

bool net_hdr_tx_ok(const struct virtio_net_hdr *h, size_t len, unsigned offloads)
{
	unsigned needs = gso_needs(h->gso_type);

	if (h->flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return false;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (!(offloads & NET_OFF_CSUM) ||
		    (size_t)h->csum_start + h->csum_offset + 2 > len)
			return false;
	}
	if (!allowed(needs, offloads))
		return false;
	/* A segmented frame needs a segment size and its checksum offloaded (5.1.6.2.1). */
	return !needs || (h->gso_size && (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM));
}

bool net_hdr_rx_fix(struct virtio_net_hdr *h, unsigned offloads)
{
	if (!allowed(gso_needs(h->gso_type), offloads))
		return false;
	if (!(offloads & NET_OFF_CSUM)) {
		/* Without GUEST_CSUM flags must be 0 (5.1.6.3.1): a partial checksum cannot be. */
		if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			return false;
		h->flags = 0;
	}
	h->flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID;
	return true;
}

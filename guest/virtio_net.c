/*
 * virtio-net: report the NIC; with vessel.test=net resolve a peer by ARP and
 * ping it, checking the checksums of what comes back, check that a frame
 * larger than the receive buffer is dropped without touching the buffer, and
 * then, with MRG_RXBUF, that a 3 KiB echo reply comes merged from three 1 KiB
 * buffers (so the peer's MTU must be above 3042), through the control queue
 * with two queue pairs that an echo sent on the second is answered and that
 * a MAC the driver sets lasts until a reset, and that a receive buffer outside
 * memory gets the device marked NEEDS_RESET. The packet loop is
 * polled in CPL0: a few frames, plain C.
 */
#include "net.h"

#define NET_F_MTU		(1u << 3)
#define NET_F_MAC		(1u << 5)
#define NET_F_MRG_RXBUF		(1u << 15)
#define NET_F_STATUS		(1u << 16)
#define NET_F_CTRL_VQ		(1u << 17)
#define NET_F_MQ		(1u << 22)
#define NET_HDR_LEN		12
#define NET_RXQ			0
#define NET_TXQ			1
#define NET_RXQ1		2
#define NET_TXQ1		3
#define MQ_PAIRS		2
#define BUF_LEN			4096
#define MRG_BUFS		4
#define MRG_BUF_LEN		1024
#define BIG_PAYLOAD		3000
#define SMALL_RX_LEN		40	/* a header and less than any frame */
#define ECHO_ID			0x7e55
#define ECHO_PAYLOAD		56
#define LINK_VECTOR		45	/* the configuration change interrupt, vessel.test=net-link */
#define NET_S_LINK_UP		1
#define FRAME_CYCLES		(4ull * 1000 * 1000 * 1000)
#define DROP_CYCLES		(2ull * 1000 * 1000 * 1000)
#define MAX_FRAMES		32
#define STATUS_NEEDS_RESET	64
#define NOWHERE			0x7ff000000000ull	/* neither RAM nor mapped IOVA */

/* Everything the device reads or writes, in one place for an IOMMU window. */
static struct net_area {
	struct vring rx, tx, rx1, tx1, ctrl;
	uint8_t rxbuf[BUF_LEN] __attribute__((aligned(4096)));
	uint8_t rxbuf1[BUF_LEN];
	uint8_t txbuf[BUF_LEN];
	uint8_t mrgbuf[MRG_BUFS][MRG_BUF_LEN];
	uint8_t cmd[8];
	uint8_t ack;
} area __attribute__((aligned(4096)));
static struct vring *rings[] = { &area.rx, &area.tx, &area.rx1, &area.tx1, &area.ctrl };
static uint64_t dma_offset;	/* device address = address + dma_offset (IOMMU) */
static uint8_t frame[BUF_LEN];

void net_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint16_t net_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The Internet checksum (RFC 1071) of @len bytes; 0 over data that carries a valid one. */
uint16_t net_csum(const uint8_t *p, unsigned len)
{
	uint32_t s = 0;
	unsigned i;

	for (i = 0; i + 1 < len; i += 2)
		s += net_get16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* "a.b.c.d" into @ip; -1 if malformed. */
int net_parse_ip(const char *s, uint8_t ip[4])
{
	unsigned i;

	for (i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || v > 255 || *s != (i < 3 ? '.' : '\0'))
			return -1;
		ip[i] = (uint8_t)v;
		s++;
	}
	return 0;
}

/* Ethernet header to @dst at area.txbuf + NET_HDR_LEN; returns where the payload goes. */
uint8_t *net_eth(struct net *n, const uint8_t *dst, uint16_t type)
{
	uint8_t *f = area.txbuf + NET_HDR_LEN;

	memset(area.txbuf, 0, NET_HDR_LEN);
	memcpy(f, dst, 6);
	memcpy(f + 6, n->mac, 6);
	net_put16(f + 12, type);
	return f + 14;
}

static void *dev_addr(void *p)
{
	return (void *)((uint64_t)p + dma_offset);
}

static int send_on(struct net *n, unsigned q, unsigned len)
{
	struct vbuf b = { dev_addr(area.txbuf), NET_HDR_LEN + 14 + len, 0 };

	return vdev_transfer(&n->d, q, &b, 1) < 0 ? -1 : 0;
}

int net_send(struct net *n, unsigned len)
{
	return send_on(n, NET_TXQ, len);
}

int net_send_arp(struct net *n, uint16_t op, const uint8_t *tha, const uint8_t *tpa)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = net_eth(n, op == 1 ? bcast : tha, ETH_ARP);

	net_put16(a, 1);		/* Ethernet */
	net_put16(a + 2, ETH_IP);
	a[4] = 6;
	a[5] = 4;
	net_put16(a + 6, op);
	memcpy(a + 8, n->mac, 6);
	memcpy(a + 14, n->addr, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, tpa, 4);
	return net_send(n, 28);
}

static int send_echo_on(struct net *n, unsigned q, uint16_t seq, unsigned payload)
{
	uint8_t *ip = net_eth(n, n->peer_mac, ETH_IP), *icmp = ip + 20;
	unsigned i;

	memset(ip, 0, 20);
	ip[0] = 0x45;
	net_put16(ip + 2, (uint16_t)(20 + 8 + payload));
	ip[8] = 64;		/* TTL */
	ip[9] = 1;		/* ICMP */
	memcpy(ip + 12, n->addr, 4);
	memcpy(ip + 16, n->peer, 4);
	net_put16(ip + 10, net_csum(ip, 20));
	icmp[0] = 8;		/* echo request */
	icmp[1] = 0;
	net_put16(icmp + 2, 0);
	net_put16(icmp + 4, ECHO_ID);
	net_put16(icmp + 6, seq);
	for (i = 0; i < payload; i++)
		icmp[8 + i] = (uint8_t)i;
	net_put16(icmp + 2, net_csum(icmp, 8 + payload));
	return send_on(n, q, 20 + 8 + payload);
}

int net_send_echo(struct net *n, uint16_t seq)
{
	return send_echo_on(n, NET_TXQ, seq, ECHO_PAYLOAD);
}

int net_post_rx(struct net *n, uint32_t len)
{
	struct vbuf b = { dev_addr(area.rxbuf), len, VQ_F_WRITE };

	return vdev_post(&n->d, NET_RXQ, &b, 1);
}

/*
 * One received frame of @len bytes: answer ARP requests for our address,
 * and return 1 for what we wait for (@seq: the echo's), 0 for anything else.
 */
static int handle(struct net *n, const uint8_t *f, int len, enum want want, uint16_t seq)
{
	const uint8_t *ip = f + 14, *icmp;
	unsigned ihl;

	if (len < 14 + 28)
		return 0;
	if (net_get16(f + 12) == ETH_ARP) {
		if (net_get16(ip + 6) == 1 && !memcmp(ip + 24, n->addr, 4))
			net_send_arp(n, 2, ip + 8, ip + 14);
		if (want != WANT_ARP || net_get16(ip + 6) != 2 || memcmp(ip + 14, n->peer, 4))
			return 0;
		memcpy(n->peer_mac, ip + 8, 6);
		con_printf("vessel-guest: net: arp reply from %u.%u.%u.%u: "
			   "%02x:%02x:%02x:%02x:%02x:%02x\n", n->peer[0], n->peer[1], n->peer[2], n->peer[3], n->peer_mac[0],
			   n->peer_mac[1], n->peer_mac[2], n->peer_mac[3], n->peer_mac[4],
			   n->peer_mac[5]);
		return 1;
	}
	if (want != WANT_ECHO || net_get16(f + 12) != ETH_IP || ip[9] != 1 ||
	    memcmp(ip + 12, n->peer, 4))
		return 0;
	ihl = (ip[0] & 15u) * 4;
	icmp = ip + ihl;
	if (ihl < 20 || (int)(14 + net_get16(ip + 2)) > len || icmp[0] != 0 ||
	    net_get16(icmp + 4) != ECHO_ID || net_get16(icmp + 6) != seq)
		return 0;
	con_printf("vessel-guest: net: echo reply from %u.%u.%u.%u: seq %u, %u bytes, "
		   "checksums %s\n", n->peer[0], n->peer[1], n->peer[2], n->peer[3], seq,
		   net_get16(ip + 2) - ihl, net_csum(ip, ihl) == 0 &&
		   net_csum(icmp, net_get16(ip + 2) - ihl) == 0 ? "ok" : "BAD");
	return net_csum(ip, ihl) == 0 && net_csum(icmp, net_get16(ip + 2) - ihl) == 0 ? 1 : -1;
}

/* Receive until what we want comes (1), or give up after MAX_FRAMES or a timeout (-1). */
int net_wait_for(struct net *n, enum want want, uint16_t seq)
{
	unsigned i;

	for (i = 0; i < MAX_FRAMES; i++) {
		int len = vdev_wait(&n->d, NET_RXQ, FRAME_CYCLES), r;

		if (len < NET_HDR_LEN)
			return -1;
		if (area.rxbuf[10] != 1 || area.rxbuf[11] != 0)
			return -1;	/* num_buffers is 1 without MRG_RXBUF (5.1.6.4) */
		r = handle(n, area.rxbuf + NET_HDR_LEN, len - NET_HDR_LEN, want, seq);
		if (net_post_rx(n, BUF_LEN))
			return -1;
		if (r)
			return r;
	}
	return -1;
}

int net_recv(struct net *n, uint8_t *buf, unsigned size, uint64_t cycles)
{
	int len = vdev_wait(&n->d, NET_RXQ, cycles);

	if (len < 0)
		return -1;	/* nothing came: the buffer is still the device's */
	if (len < NET_HDR_LEN || (unsigned)len - NET_HDR_LEN > size)
		len = -1;
	else
		memcpy(buf, area.rxbuf + NET_HDR_LEN, (unsigned)(len -= NET_HDR_LEN));
	return net_post_rx(n, BUF_LEN) ? -1 : len;
}

/*
 * A receive buffer too small for any frame: the reply to an echo is dropped,
 * the buffer stays available and untouched. Then it grows (the device reads
 * the descriptor again) and the next echo's reply arrives in it.
 */
static int check_drop(struct net *n)
{
	unsigned i;

	/* The buffer wait_for left available shrinks in place (nothing arrives meanwhile). */
	area.rx.desc[0].len = SMALL_RX_LEN;
	memset(area.rxbuf, 0xaa, BUF_LEN);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (net_send_echo(n, 1))
		return -1;
	if (vdev_wait(&n->d, NET_RXQ, DROP_CYCLES) >= 0)
		return -1;
	for (i = 0; i < BUF_LEN; i++)
		if (area.rxbuf[i] != 0xaa)
			return -1;
	con_printf("vessel-guest: net: a frame larger than the buffer was dropped, the "
		   "buffer untouched\n");
	area.rx.desc[0].len = BUF_LEN;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*vdev_notify_reg(&n->d, NET_RXQ) = NET_RXQ;
	return net_send_echo(n, 2) || net_wait_for(n, WANT_ECHO, 2) != 1 ? -1 : 0;
}

/* Buffer @id (one chain each) available again. */
static void post_mrg(unsigned id)
{
	area.rx.desc[id] = (struct vq_desc){ (uint64_t)dev_addr(area.mrgbuf[id]), MRG_BUF_LEN,
					     VQ_F_WRITE, 0 };
	area.rx.avail.ring[area.rx.avail.idx % VQ_SIZE] = (uint16_t)id;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	area.rx.avail.idx++;
}

/* Until the device used @count more receive chains; -1 on a timeout. */
static int wait_used(struct net *n, uint16_t count)
{
	volatile uint16_t *idx = &area.rx.used.idx;
	uint64_t start = rdtsc();

	while ((uint16_t)(*idx - n->d.last_used[NET_RXQ]) < count) {
		if (rdtsc() - start > FRAME_CYCLES)
			return -1;
		cpu_relax();
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return 0;
}

/* One frame from num_buffers merged buffers into frame[]: its length, or -1. */
static int recv_merged(struct net *n, unsigned *nbufs)
{
	uint16_t last = n->d.last_used[NET_RXQ], nb, i;
	unsigned len = 0, id;

	if (wait_used(n, 1))
		return -1;
	id = area.rx.used.ring[last % VQ_SIZE].id;
	if (id >= MRG_BUFS)
		return -1;
	nb = (uint16_t)(area.mrgbuf[id][10] | area.mrgbuf[id][11] << 8);
	if (!nb || nb > MRG_BUFS || wait_used(n, nb))
		return -1;
	for (i = 0; i < nb; i++) {
		unsigned eid = area.rx.used.ring[(uint16_t)(last + i) % VQ_SIZE].id;
		unsigned elen = area.rx.used.ring[(uint16_t)(last + i) % VQ_SIZE].len;
		unsigned skip = i ? 0 : NET_HDR_LEN;

		if (eid >= MRG_BUFS || elen > MRG_BUF_LEN || elen < skip)
			return -1;
		memcpy(frame + len, area.mrgbuf[eid] + skip, elen - skip);
		len += elen - skip;
		post_mrg(eid);
	}
	n->d.last_used[NET_RXQ] = (uint16_t)(last + nb);
	*vdev_notify_reg(&n->d, NET_RXQ) = NET_RXQ;
	*nbufs = nb;
	return (int)len;
}

/* MRG_RXBUF: four 1 KiB receive buffers, and an echo whose reply needs three of them. */
static int check_mrg(struct net *n)
{
	unsigned i, nb = 0;

	for (i = 0; i < MRG_BUFS; i++)
		post_mrg(i);
	*vdev_notify_reg(&n->d, NET_RXQ) = NET_RXQ;
	if (send_echo_on(n, NET_TXQ, 3, BIG_PAYLOAD))
		return -1;
	for (i = 0; i < MAX_FRAMES; i++) {
		int len = recv_merged(n, &nb), r;

		if (len < 0)
			return -1;
		r = handle(n, frame, len, WANT_ECHO, 3);
		if (r < 0)
			return -1;
		if (r) {
			con_printf("vessel-guest: net: mergeable buffers: a %d-byte frame in %u "
				   "buffers\n", len, nb);
			return nb == 3 ? 0 : -1;
		}
	}
	return -1;
}

static int run_test(struct net *n)
{
	static const uint8_t zero[6];

	if (net_post_rx(n, BUF_LEN) || net_send_arp(n, 1, zero, n->peer) ||
	    net_wait_for(n, WANT_ARP, 0) != 1)
		return -1;
	if (net_send_echo(n, 0) || net_wait_for(n, WANT_ECHO, 0) != 1)
		return -1;
	return check_drop(n);
}

/* The second session: the driver again, with MRG_RXBUF. */
static int run_mrg_test(struct net *n, unsigned slot)
{
	uint32_t offered;

	vdev_reset(&n->d);
	if (vdev_init(&n->d, slot, NET_F_MAC | NET_F_MRG_RXBUF, &offered) ||
	    !(offered & NET_F_MRG_RXBUF))
		return -1;
	n->d.ring_dma_offset = dma_offset;
	if (vdev_start(&n->d, rings, 2, -1))
		return -1;
	return check_mrg(n);
}

/* With an IOMMU, the device reaches the area only through IOVAs in its window. */
static int map_area(const struct acpi_info *acpi, unsigned slot)
{
	if (!acpi->dmar_base)
		return 0;
	if (iommu_map_window(acpi, slot, &area, sizeof(area)))
		return -1;
	dma_offset = iommu_window() - (uint64_t)&area;
	con_printf("vessel-guest: net: DMA through the IOMMU, IOVA 0x%lx for 0x%lx\n",
		   iommu_window(), (uint64_t)&area);
	return 0;
}

/* One control command of @len bytes in area.cmd: its ack, or -1. */
static int ctrl(struct net *n, unsigned len)
{
	struct vbuf b[2] = { { dev_addr(area.cmd), len, 0 },
			     { dev_addr(&area.ack), 1, VQ_F_WRITE } };

	area.ack = 0xff;
	if (vdev_transfer(&n->d, n->ctrlq, b, 2) != 1)
		return -1;
	return area.ack;
}

static int set_pairs(struct net *n, uint16_t pairs)
{
	area.cmd[0] = 4;	/* VIRTIO_NET_CTRL_MQ */
	area.cmd[1] = 0;	/* VQ_PAIRS_SET */
	area.cmd[2] = (uint8_t)pairs;
	area.cmd[3] = (uint8_t)(pairs >> 8);
	return ctrl(n, 4);
}

/* Until a frame comes on either receive queue: that queue, or -1. */
static int wait_either(struct net *n)
{
	uint64_t start = rdtsc();

	for (;;) {
		if (area.rx.used.idx != n->d.last_used[NET_RXQ])
			return NET_RXQ;
		if (area.rx1.used.idx != n->d.last_used[NET_RXQ1])
			return NET_RXQ1;
		if (rdtsc() - start > FRAME_CYCLES)
			return -1;
		cpu_relax();
	}
}

/*
 * The driver sets a MAC; a command of no class is refused; after a reset the
 * device has its own MAC again.
 */
static int check_mac(struct net *n, unsigned slot)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	uint32_t offered;

	area.cmd[0] = 1;	/* VIRTIO_NET_CTRL_MAC */
	area.cmd[1] = 1;	/* MAC_ADDR_SET */
	memcpy(area.cmd + 2, mac, 6);
	if (ctrl(n, 8) != 0 || memcmp((const void *)n->d.device_cfg, mac, 6))
		return -1;
	area.cmd[0] = 9;	/* no such class */
	if (ctrl(n, 2) != 1)
		return -1;
	vdev_reset(&n->d);
	if (vdev_init(&n->d, slot, NET_F_MAC, &offered) ||
	    memcmp((const void *)n->d.device_cfg, n->mac, 6))
		return -1;
	con_printf("vessel-guest: net: control queue: MAC set to 02:00:00:00:00:99, the "
		   "device's own again after a reset\n");
	return 0;
}

/*
 * Two queue pairs through the control queue: more pairs than the device has
 * are refused, two accepted; then an echo sent on the second pair is answered
 * on one of the two receive queues.
 */
static int check_mq(struct net *n)
{
	struct vbuf b0 = { dev_addr(area.rxbuf), BUF_LEN, VQ_F_WRITE };
	struct vbuf b1 = { dev_addr(area.rxbuf1), BUF_LEN, VQ_F_WRITE };
	unsigned i;

	if (set_pairs(n, MQ_PAIRS + 1) != 1 || set_pairs(n, MQ_PAIRS) != 0)
		return -1;
	if (vdev_post(&n->d, NET_RXQ, &b0, 1) || vdev_post(&n->d, NET_RXQ1, &b1, 1))
		return -1;
	if (send_echo_on(n, NET_TXQ1, 5, ECHO_PAYLOAD))
		return -1;
	for (i = 0; i < MAX_FRAMES; i++) {
		int q = wait_either(n), len, r;
		uint8_t *buf = q == NET_RXQ1 ? area.rxbuf1 : area.rxbuf;

		if (q < 0)
			return -1;
		len = vdev_wait(&n->d, (unsigned)q, FRAME_CYCLES);
		if (len < NET_HDR_LEN)
			return -1;
		r = handle(n, buf + NET_HDR_LEN, len - NET_HDR_LEN, WANT_ECHO, 5);
		if (r < 0 || vdev_post(&n->d, (unsigned)q, q == NET_RXQ1 ? &b1 : &b0, 1))
			return -1;
		if (r) {
			con_printf("vessel-guest: net: %u queue pairs: echo sent on the second, "
				   "answered on receive queue %d\n", MQ_PAIRS, q / 2);
			return 0;
		}
	}
	return -1;
}

/* The driver again, with the control queue: MQ with two pairs, MAC commands. */
static int run_ctrl_test(struct net *n, unsigned slot)
{
	uint32_t offered;
	uint16_t max = 1;

	vdev_reset(&n->d);
	if (vdev_init(&n->d, slot, NET_F_MAC | NET_F_CTRL_VQ | NET_F_MQ, &offered) ||
	    !(offered & NET_F_CTRL_VQ))
		return -1;
	if (offered & NET_F_MQ)
		max = *(volatile uint16_t *)(n->d.device_cfg + 8);
	if (max > MQ_PAIRS) {
		con_printf("vessel-guest: net: %u queue pairs: no control queue test "
			   "(it drives up to %u)\n", max, MQ_PAIRS);
		return 0;
	}
	n->ctrlq = 2u * max;
	n->d.ring_dma_offset = dma_offset;
	if (vdev_start(&n->d, rings, n->ctrlq + 1, -1))
		return -1;
	if (max == MQ_PAIRS && check_mq(n))
		return -1;
	return check_mac(n, slot);
}

/*
 * A hostile driver: a receive buffer outside memory, and a buffer on a queue
 * that is nothing without CTRL_VQ. The device must give up on itself
 * (NEEDS_RESET) when a frame comes for the first, ignore the second, and
 * vessel run on.
 */
static int run_broken_test(struct net *n, unsigned slot)
{
	struct vbuf b = { (void *)NOWHERE, BUF_LEN, VQ_F_WRITE };
	uint64_t start = rdtsc();
	uint32_t offered;
	uint8_t status;

	vdev_reset(&n->d);
	if (vdev_init(&n->d, slot, NET_F_MAC, &offered))
		return -1;
	n->d.ring_dma_offset = dma_offset;
	/* Also a buffer on the queue after the pair, no control queue without CTRL_VQ. */
	if (vdev_start(&n->d, rings, 3, -1) || vdev_post(&n->d, 2, &b, 1) ||
	    vdev_post(&n->d, NET_RXQ, &b, 1) || net_send_echo(n, 4))
		return -1;
	while (!((status = n->d.common->status) & STATUS_NEEDS_RESET) &&
	       rdtsc() - start < FRAME_CYCLES)
		cpu_relax();
	con_printf("vessel-guest: net: a receive buffer outside memory: status 0x%x%s\n", status,
		   status & STATUS_NEEDS_RESET ? ", the device needs a reset" : "");
	return status & STATUS_NEEDS_RESET ? 0 : -1;
}

/*
 * vessel.test=net-link: the host takes the link down and up again; each
 * change comes as a configuration change interrupt (virtio 1.2, 4.1.4.5) with
 * a new generation and STATUS (5.1.4.2).
 */
static int run_link_test(struct net *n)
{
	volatile uint16_t *status = (volatile uint16_t *)(n->d.device_cfg + 6);
	uint32_t seen = n->d.irqs;
	int saw_down = 0;

	n->d.common->msix = 0;
	if (n->d.common->msix != 0)
		return -1;
	con_printf("vessel-guest: net-link: watching, link %s\n",
		   *status & NET_S_LINK_UP ? "up" : "down");
	for (;;) {
		uint8_t gen;
		int up;

		while (n->d.irqs == seen)
			__asm__ volatile("sti; hlt; cli");
		seen = n->d.irqs;
		gen = n->d.common->cfggen;
		up = *status & NET_S_LINK_UP;
		con_printf("vessel-guest: net-link: config interrupt, generation %u, link %s\n",
			   gen, up ? "up" : "down");
		if (!up)
			saw_down = 1;
		else if (saw_down)
			return 0;
	}
}

int virtio_net_check(const struct acpi_info *acpi, unsigned slot, const char *addr,
		     const char *peer, int link_test)
{
	struct net n;
	uint32_t offered;
	uint16_t status, mtu;
	int r = 0;

	/* First no MRG_RXBUF: one buffer a frame, so that a small one makes the device drop. */
	if (vdev_init(&n.d, slot, NET_F_MAC | NET_F_STATUS | NET_F_MTU, &offered) ||
	    !(offered & NET_F_MAC))
		return -1;
	memcpy(n.mac, (const void *)n.d.device_cfg, 6);
	status = *(volatile uint16_t *)(n.d.device_cfg + 6);
	mtu = *(volatile uint16_t *)(n.d.device_cfg + 10);
	con_printf("vessel-guest: virtio-net 00:%02x.0: mac %02x:%02x:%02x:%02x:%02x:%02x, "
		   "link %s, mtu %u, features 0x%x\n", slot, n.mac[0], n.mac[1], n.mac[2], n.mac[3],
		   n.mac[4], n.mac[5], status & 1 ? "up" : "down", mtu, offered);
	if (addr && map_area(acpi, slot))
		return -1;
	n.d.ring_dma_offset = dma_offset;
	if (vdev_start(&n.d, rings, 2, link_test ? LINK_VECTOR : -1))
		return -1;
	if (link_test)
		r = run_link_test(&n);
	if (addr) {
		if (net_parse_ip(addr, n.addr) || net_parse_ip(peer, n.peer)) {
			con_printf("vessel-guest: net: vessel.netaddr= and vessel.netpeer= need "
				   "IPv4 addresses\n");
			r = -1;
		} else {
			r = run_test(&n);
			if (!r)
				r = run_mrg_test(&n, slot);
			if (!r)
				r = run_ctrl_test(&n, slot);
			if (!r)
				r = run_broken_test(&n, slot);
		}
	}
	vdev_reset(&n.d);
	return r;
}

int virtio_net_user_check(const struct acpi_info *acpi, unsigned slot,
			  const struct net_user_opts *o)
{
	struct net n;
	uint32_t offered;
	int r;

	memset(&n, 0, sizeof(n));
	if (vdev_init(&n.d, slot, NET_F_MAC | NET_F_STATUS | NET_F_MTU, &offered) ||
	    !(offered & NET_F_MAC))
		return -1;
	memcpy(n.mac, (const void *)n.d.device_cfg, 6);
	if (map_area(acpi, slot))
		return -1;
	n.d.ring_dma_offset = dma_offset;
	if (vdev_start(&n.d, rings, 2, -1) || net_post_rx(&n, BUF_LEN))
		return -1;
	r = net_user_run(&n, o);
	vdev_reset(&n.d);
	return r;
}

int virtio_net_resolve(unsigned slot, const uint8_t addr[4], const uint8_t peer[4],
		       uint8_t mac[6], uint8_t peer_mac[6])
{
	static const uint8_t zero[6];
	struct net n;
	uint32_t offered;
	int r = -1;

	memset(&n, 0, sizeof(n));
	/* MRG_RXBUF: QEMU sets num_buffers only with it, which net_wait_for checks. */
	if (vdev_init(&n.d, slot, NET_F_MAC | NET_F_MRG_RXBUF, &offered) || !(offered & NET_F_MAC))
		return -1;
	memcpy(n.mac, (const void *)n.d.device_cfg, 6);
	memcpy(n.addr, addr, 4);
	memcpy(n.peer, peer, 4);
	if (!vdev_start(&n.d, rings, 2, -1) && !net_post_rx(&n, BUF_LEN) &&
	    !net_send_arp(&n, 1, zero, n.peer) && net_wait_for(&n, WANT_ARP, 0) == 1) {
		memcpy(mac, n.mac, 6);
		memcpy(peer_mac, n.peer_mac, 6);
		r = 0;
	}
	vdev_reset(&n.d);
	return r;
}

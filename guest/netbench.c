/*
 * vessel.test=netbench: virtio-net throughput from a polled driver whose
 * packet loop runs in CPL3 (as blkbench's), so that on hosts which emulate a
 * guest's kernel mode the VMM's device path is what is measured. Rings of
 * 256 entries, EVENT_IDX and MRG_RXBUF where the device offers them, and no
 * interrupts (a polled driver asks for none, virtio 1.2, 2.7.7 and 2.7.10).
 *
 * The host peer is bench/net-peer.c. TX: UDP frames to the peer, as fast as
 * the device takes them, 64 and 1514 bytes (1500-byte IP packets), and 64 KiB
 * TCP frames segmented by the host (HOST_TSO4, the GSO request in the
 * virtio_net_hdr) where the device offers it. RX: the guest asks the peer
 * (a "VNB RX" datagram) to flood it with frames of one size for the test's
 * time, and counts what arrives from the first frame to the last. After
 * each TX test a "VNB END" datagram tells the peer to report what it got;
 * the peer acknowledges each command ("VNB ACK"), which is sent again until
 * it does. Prints, for bench/blk-sample.py and the tests:
 *   BENCH-BEGIN <test>
 *   BENCH <test> ops=PACKETS bytes=N usec=N kicks=N
 *   NETBENCH <test> frame=N packets=N bytes=N usec=N pps=N gbps=N.NNN kicks=N errors=N
 * (bytes: whole Ethernet frames, without the virtio_net_hdr; kicks: the
 * notifications the device did not suppress, each a VM exit).
 *
 * On a tap (no vessel.netpeer=) the peer listens to the tap itself: frames
 * go to a made-up unicast MAC, which the host's stack drops after its packet
 * sockets saw them. On a user-mode network the peer is a UDP socket on the
 * host, reached through the gateway (vessel.netpeer=10.0.2.2), whose MAC
 * the guest learns by ARP in CPL0 first.
 */
#include "net.h"

#define F_CSUM			(1u << 0)
#define F_MAC			(1u << 5)
#define F_HOST_TSO4		(1u << 11)
#define F_MRG_RXBUF		(1u << 15)
#define F_STATUS		(1u << 16)
#define F_EVENT_IDX		(1u << 29)	/* VIRTIO_F_EVENT_IDX */
#define NB_QSIZE		256
#define NB_RXQ			0
#define NB_TXQ			1
#define NB_RXBUF		2048
#define NET_HDR_LEN		12
#define HDR_F_NEEDS_CSUM	1
#define GSO_TCPV4		1
#define FRAME_SMALL		64
#define FRAME_MTU		1514
#define FRAME_TSO		(14 + 65535)	/* the largest IPv4 packet */
#define TSO_MSS			1448
#define IP_TCP			6
#define IP_UDP			17
#define NB_SPORT		40001	/* the guest's port: the peer floods it */
#define AVAIL_F_NO_INTERRUPT	1
#define USED_F_NO_NOTIFY	1
#define STALL_SECONDS		5	/* nothing moving this long ends a test */
#define QUIET_DIV		4	/* RX: a quarter second without frames ends the drain */
#define CTL_MAX			96
#define CTL_TRIES		10	/* a second each */

struct nb_ring {
	struct vq_desc desc[NB_QSIZE];
	struct { uint16_t flags, idx, ring[NB_QSIZE], used_event; } avail
		__attribute__((aligned(4096)));
	struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[NB_QSIZE];
		 uint16_t avail_event; } used __attribute__((aligned(4096)));
} __attribute__((aligned(4096)));

static struct nb_area {
	struct nb_ring rx, tx;
	uint8_t ctl[NET_HDR_LEN + CTL_MAX] __attribute__((aligned(64)));
	uint8_t frame[NET_HDR_LEN + FRAME_TSO] __attribute__((aligned(4096)));
	uint8_t rxbuf[NB_QSIZE][NB_RXBUF] __attribute__((aligned(4096)));
} area;

/* The driver's side of one queue; touched by CPL3 loops and the CPL0 code between. */
struct nb_queue {
	volatile struct nb_ring *r;
	volatile uint16_t *notify;
	uint16_t index, avail_idx, last_used;
};

/* One test; filled in CPL0, run in CPL3 by tx_loop or rx_loop. */
struct nb_job {
	struct nb_queue *q;
	int event_idx;
	uint32_t frame_len;		/* TX: what each chain carries, less the header */
	uint16_t port;			/* RX: frames to the guest's port count */
	uint64_t cycles, stall, quiet;
	uint64_t packets, bytes, kicks, errors, elapsed;
};

struct nb {
	struct vdev d;
	struct nb_queue rxq, txq;
	int event_idx;
	uint8_t mac[6], peer_mac[6];
	uint8_t addr[4], peer[4];
	uint16_t port;
	uint64_t hz;
	unsigned seconds;
};

static struct nb bench;
static struct nb_job job;

/* virtio 1.2, 2.7.10: whether moving the index from @old to @new passes @event. */
static int need_event(uint16_t event, uint16_t new, uint16_t old)
{
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

/* No interrupts: with EVENT_IDX, a used_event half the index space ahead. */
static void quiet_irqs(struct nb_job *j)
{
	if (j->event_idx)
		j->q->r->avail.used_event = (uint16_t)(j->q->last_used + 0x8000);
	else
		j->q->r->avail.flags = AVAIL_F_NO_INTERRUPT;
}

static void post(struct nb_queue *q, uint16_t id)
{
	q->r->avail.ring[q->avail_idx % NB_QSIZE] = id;
	q->avail_idx++;
}

/* Publish what post() queued since @old; kick unless the device asked not to. */
static void publish(struct nb_job *j, uint16_t old)
{
	volatile struct nb_ring *r = j->q->r;
	int kick;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	r->avail.idx = j->q->avail_idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	kick = j->event_idx ? need_event(r->used.avail_event, j->q->avail_idx, old) :
			      !(r->used.flags & USED_F_NO_NOTIFY);
	if (kick) {
		*j->q->notify = j->q->index;
		j->kicks++;
	}
}

/*
 * Runs in CPL3: keep every descriptor in flight, each a whole frame, until
 * the time is up; count what completes in that time, then drain.
 */
static void tx_loop(void *arg)
{
	struct nb_job *j = arg;
	struct nb_queue *q = j->q;
	volatile struct nb_ring *r = q->r;
	uint64_t start = rdtsc(), end = start + j->cycles, seen = start, now = start;
	uint16_t id, old = q->avail_idx;
	unsigned inflight = 0;

	quiet_irqs(j);
	for (id = 0; id < NB_QSIZE; id++, inflight++)
		post(q, id);
	publish(j, old);
	while (inflight) {
		uint16_t used = r->used.idx;

		now = rdtsc();
		if (used == q->last_used) {
			if (now - seen > j->stall) {
				j->errors += inflight;
				break;
			}
			cpu_relax();
			continue;
		}
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		seen = now;
		old = q->avail_idx;
		while (q->last_used != used) {
			id = (uint16_t)r->used.ring[q->last_used % NB_QSIZE].id;
			q->last_used++;
			if (id >= NB_QSIZE) {
				j->errors++;
				continue;
			}
			if (now < end) {
				j->packets++;
				post(q, id);
			} else {
				inflight--;
			}
		}
		quiet_irqs(j);
		if (q->avail_idx != old)
			publish(j, old);
	}
	j->elapsed = (now < end ? now : end) - start;
	j->bytes = j->packets * j->frame_len;
}

/* A received frame for the guest's port (UDP over IPv4 without options)? */
static int ours(const uint8_t *f, uint32_t len, uint16_t port)
{
	return len >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[14] == 0x45 && f[23] == IP_UDP &&
	       f[36] == (uint8_t)(port >> 8) && f[37] == (uint8_t)port;
}

/* One used receive buffer, counted if it is ours; -1 if the device made it up. */
static int rx_take(struct nb_job *j, uint16_t id, uint32_t len)
{
	const uint8_t *b = area.rxbuf[id];

	if (id >= NB_QSIZE || len < NET_HDR_LEN || len > NB_RXBUF)
		return -1;
	/* num_buffers: a frame that fits one buffer takes one (5.1.6.4). */
	if (b[10] != 1 || b[11] != 0)
		j->errors++;
	if (ours(b + NET_HDR_LEN, len - NET_HDR_LEN, j->port)) {
		j->packets++;
		j->bytes += len - NET_HDR_LEN;
	}
	return 0;
}

/*
 * Runs in CPL3: every receive buffer posted; from the first frame of the
 * peer's flood to its last (a quarter second without one), count the frames
 * and give each buffer straight back.
 */
static void rx_loop(void *arg)
{
	struct nb_job *j = arg;
	struct nb_queue *q = j->q;
	volatile struct nb_ring *r = q->r;
	uint64_t start = 0, seen = rdtsc(), now;

	quiet_irqs(j);
	for (;;) {
		uint16_t used = r->used.idx, old;

		now = rdtsc();
		if (used == q->last_used) {
			if (now - seen > (start ? j->quiet : j->stall))
				break;
			cpu_relax();
			continue;
		}
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!start)
			start = now;
		seen = now;
		old = q->avail_idx;
		while (q->last_used != used) {
			uint16_t id = (uint16_t)r->used.ring[q->last_used % NB_QSIZE].id;
			uint32_t len = r->used.ring[q->last_used % NB_QSIZE].len;

			q->last_used++;
			if (rx_take(j, id, len)) {
				j->errors++;
				continue;
			}
			post(q, id);
		}
		quiet_irqs(j);
		publish(j, old);
		if (now - start > j->cycles + j->stall)
			break;	/* a peer that never stops */
	}
	if (!start)
		j->errors++;	/* nothing came */
	j->elapsed = start ? seen - start : 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * An IPv4 frame of @len bytes to the peer at @f (the virtio_net_hdr before
 * it zeroed): Ethernet and IP headers; returns where the IP payload begins.
 */
static uint8_t *build_ip(const struct nb *b, uint8_t *f, unsigned len, uint8_t proto)
{
	uint8_t *ip = f + 14;

	memset(f - NET_HDR_LEN, 0, NET_HDR_LEN + 14 + 20);
	memcpy(f, b->peer_mac, 6);
	memcpy(f + 6, b->mac, 6);
	put16(f + 12, ETH_IP);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(len - 14));
	put16(ip + 6, 0x4000);	/* don't fragment */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, b->addr, 4);
	memcpy(ip + 16, b->peer, 4);
	put16(ip + 10, net_csum(ip, 20));
	return ip + 20;
}

/* A UDP frame of @len bytes to the peer's port, no checksum (RFC 768 allows it). */
static void build_udp(const struct nb *b, uint8_t *f, unsigned len)
{
	uint8_t *udp = build_ip(b, f, len, IP_UDP);

	put16(udp, NB_SPORT);
	put16(udp + 2, b->port);
	put16(udp + 4, (uint16_t)(len - 34));
	put16(udp + 6, 0);
}

/*
 * A 64 KiB TCP frame for the host to cut into MSS-sized segments: GSO TCPV4
 * with a partial checksum (virtio 1.2, 5.1.6.2), the checksum field holding
 * the pseudo-header's sum as the host's segmentation expects.
 */
static void build_tso(const struct nb *b, uint8_t *f, unsigned len)
{
	uint8_t *tcp = build_ip(b, f, len, IP_TCP), *h = f - NET_HDR_LEN;
	uint32_t s = 0;
	unsigned i;

	memset(tcp, 0, 20);
	put16(tcp, NB_SPORT);
	put16(tcp + 2, b->port);
	tcp[12] = 5 << 4;	/* 20-byte header */
	tcp[13] = 0x18;		/* PSH, ACK */
	put16(tcp + 14, 0xffff);
	for (i = 0; i < 4; i += 2)
		s += (uint32_t)(b->addr[i] << 8 | b->addr[i + 1]) +
		     (uint32_t)(b->peer[i] << 8 | b->peer[i + 1]);
	s += IP_TCP + len - 34;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	put16(tcp + 16, (uint16_t)s);
	h[0] = HDR_F_NEEDS_CSUM;
	h[1] = GSO_TCPV4;
	h[2] = 54;		/* hdr_len: Ethernet, IP and TCP headers */
	h[4] = (uint8_t)TSO_MSS;
	h[5] = TSO_MSS >> 8;
	h[6] = 34;		/* csum_start: the TCP header */
	h[8] = 16;		/* csum_offset: its checksum field */
}

static char *put_dec(char *p, uint64_t v)
{
	char t[24];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* Wait (CPL0, polled) until the device used everything posted on @q; -1 on a stall. */
static int tx_drained(struct nb *b, struct nb_queue *q)
{
	uint64_t start = rdtsc();

	while (q->r->used.idx != q->avail_idx)
		if (rdtsc() - start > b->hz * STALL_SECONDS)
			return -1;
	q->last_used = q->avail_idx;
	return 0;
}

/*
 * Until the peer answers (CPL0, polled): "VNB ACK", or with @flood any frame
 * for the guest's port. The buffers go back as they are looked at.
 */
static int wait_reply(struct nb *b, int flood, uint64_t cycles)
{
	struct nb_queue *q = &b->rxq;
	uint64_t start = rdtsc();
	int got = 0;

	while (!got && rdtsc() - start < cycles) {
		uint16_t id;
		uint32_t len;
		const uint8_t *f;

		if (q->r->used.idx == q->last_used)
			continue;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		id = (uint16_t)q->r->used.ring[q->last_used % NB_QSIZE].id;
		len = q->r->used.ring[q->last_used % NB_QSIZE].len;
		q->last_used++;
		if (id >= NB_QSIZE)
			return -1;
		f = area.rxbuf[id] + NET_HDR_LEN;
		if (len >= NET_HDR_LEN && ours(f, len - NET_HDR_LEN, NB_SPORT))
			got = flood || (len >= NET_HDR_LEN + 49 && !memcmp(f + 42, "VNB ACK", 7));
		post(q, id);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		q->r->avail.idx = q->avail_idx;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		*q->notify = q->index;
	}
	return got ? 0 : -1;
}

/* One datagram to the peer, "VNB " and @text (CPL0, polled), until it answers. */
static int send_ctl(struct nb *b, const char *text, int flood)
{
	struct nb_queue *q = &b->txq;
	uint8_t *f = area.ctl + NET_HDR_LEN;
	char *p;
	unsigned len, i;

	memset(area.ctl, 0, sizeof(area.ctl));
	p = put_str(put_str((char *)f + 42, "VNB "), text);
	len = (unsigned)(p - (char *)f);
	if (len < 60)
		len = 60;	/* the shortest Ethernet frame, padded with zeros */
	build_udp(b, f, len);
	for (i = 0; i < CTL_TRIES; i++) {
		q->r->desc[0] = (struct vq_desc){ (uint64_t)area.ctl, NET_HDR_LEN + len, 0, 0 };
		post(q, 0);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		q->r->avail.idx = q->avail_idx;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		*q->notify = q->index;	/* a driver may always notify */
		if (tx_drained(b, q))
			return -1;
		if (!wait_reply(b, flood, b->hz))
			return 0;
	}
	con_printf("vessel-guest: netbench: the peer does not answer \"VNB %s\"\n", text);
	return -1;
}

static void report(struct nb *b, const char *name, unsigned frame, const struct nb_job *j)
{
	uint64_t usec = j->elapsed / (b->hz / 1000000), mbit = usec ? j->bytes * 8 / usec : 0;

	con_printf("BENCH %s ops=%lu bytes=%lu usec=%lu kicks=%lu\n", name, j->packets, j->bytes,
		   usec, j->kicks);
	con_printf("NETBENCH %s frame=%u packets=%lu bytes=%lu usec=%lu pps=%lu gbps=%lu.%03lu "
		   "kicks=%lu errors=%lu\n", name, frame, j->packets, j->bytes, usec,
		   usec ? j->packets * 1000000 / usec : 0, mbit / 1000, mbit % 1000, j->kicks,
		   j->errors);
	/* Quiet for a moment: a host-side sampler reads the VMM's threads before they move on. */
	settle_until(rdtsc() + b->hz / 5);
}

static void new_job(struct nb *b, struct nb_queue *q)
{
	job = (struct nb_job){
		.q = q, .event_idx = b->event_idx, .port = NB_SPORT,
		.cycles = b->hz * b->seconds, .stall = b->hz * STALL_SECONDS,
		.quiet = b->hz / QUIET_DIV,
	};
}

static int run_tx(struct nb *b, const char *name, unsigned frame, int tso)
{
	char text[32];
	unsigned i;

	if (tso)
		build_tso(b, area.frame + NET_HDR_LEN, frame);
	else
		build_udp(b, area.frame + NET_HDR_LEN, frame);
	for (i = 0; i < NB_QSIZE; i++)
		b->txq.r->desc[i] = (struct vq_desc){ (uint64_t)area.frame, NET_HDR_LEN + frame,
						      0, 0 };
	new_job(b, &b->txq);
	job.frame_len = frame;
	con_printf("BENCH-BEGIN %s\n", name);
	user_run(tx_loop, &job);
	report(b, name, frame, &job);
	if (job.errors)
		con_printf("vessel-guest: netbench: %s: %lu frames stalled (device status 0x%x)\n",
			   name, job.errors, b->d.common->status);
	/* The peer says what it got; the ring is empty again first. */
	*put_str(put_str(text, "END "), name) = '\0';
	if (tx_drained(b, &b->txq) || send_ctl(b, text, 0))
		return -1;
	return job.errors ? -1 : 0;
}

static int run_rx(struct nb *b, const char *name, unsigned frame)
{
	char text[48], *p;

	con_printf("BENCH-BEGIN %s\n", name);
	new_job(b, &b->rxq);
	/* "RX USEC FRAME": the flood is the test's window. */
	p = put_dec(put_str(text, "RX "), (uint64_t)b->seconds * 1000000);
	*put_dec(put_str(p, " "), frame) = '\0';
	if (send_ctl(b, text, 1))
		return -1;
	user_run(rx_loop, &job);
	report(b, name, frame, &job);
	if (job.errors)
		con_printf("vessel-guest: netbench: %s: %lu errors (device status 0x%x)\n", name,
			   job.errors, b->d.common->status);
	return job.errors || !job.packets ? -1 : 0;
}

static int start_queue(struct nb *b, struct nb_queue *q, volatile struct nb_ring *r,
		       unsigned index)
{
	memset((void *)r, 0, sizeof(*r));
	*q = (struct nb_queue){ .r = r, .index = (uint16_t)index };
	if (vdev_queue(&b->d, index, NB_QSIZE, (uint64_t)r->desc, (uint64_t)&r->avail,
		       (uint64_t)&r->used, -1))
		return -1;
	q->notify = vdev_notify_reg(&b->d, index);
	return 0;
}

/* Every receive buffer available, before DRIVER_OK, so nothing waits for one. */
static void post_rx(struct nb *b)
{
	unsigned i;

	for (i = 0; i < NB_QSIZE; i++) {
		b->rxq.r->desc[i] = (struct vq_desc){ (uint64_t)area.rxbuf[i], NB_RXBUF, VQ_F_WRITE,
						      0 };
		post(&b->rxq, (uint16_t)i);
	}
	b->rxq.r->avail.idx = b->rxq.avail_idx;
}

static int start(struct nb *b, unsigned slot, uint32_t *features)
{
	uint32_t want = F_MAC | F_STATUS | F_MRG_RXBUF | F_EVENT_IDX, offered;

	if (vdev_init(&b->d, slot, 0, &offered))
		return -1;
	if ((offered & (F_CSUM | F_HOST_TSO4)) == (F_CSUM | F_HOST_TSO4))
		want |= F_CSUM | F_HOST_TSO4;	/* TSO4 needs CSUM (5.1.3.1) */
	if (vdev_init(&b->d, slot, want, &offered))
		return -1;
	*features = want & offered;
	b->event_idx = !!(*features & F_EVENT_IDX);
	if (!(*features & F_MAC))
		return -1;
	memcpy(b->mac, (const void *)b->d.device_cfg, 6);
	if (start_queue(b, &b->rxq, &area.rx, NB_RXQ) || start_queue(b, &b->txq, &area.tx, NB_TXQ))
		return -1;
	post_rx(b);
	return vdev_driver_ok(&b->d);
}

static const struct {
	const char *name;
	unsigned frame;
	int rx, tso;
} tests[] = {
	{ "tx-64", FRAME_SMALL, 0, 0 },
	{ "tx-1500", FRAME_MTU, 0, 0 },
	{ "tx-64k", FRAME_TSO, 0, 1 },
	{ "rx-64", FRAME_SMALL, 1, 0 },
	{ "rx-1500", FRAME_MTU, 1, 0 },
};

int net_bench(const struct acpi_info *acpi, unsigned slot, const struct netbench_opts *o)
{
	static const uint8_t sink_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t sink_ip[4] = { 10, 0, 2, 1 };
	struct nb *b = &bench;
	uint32_t features;
	unsigned i;
	int ok = 1;

	memset(b, 0, sizeof(*b));
	b->hz = tsc_hz();
	b->seconds = o->seconds;
	b->port = o->port;
	memcpy(b->addr, o->addr, 4);
	if (b->hz < 1000000) {
		con_printf("vessel-guest: netbench: the RTC does not tick, no time base\n");
		return -1;
	}
	if (acpi->dmar_base) {
		con_printf("vessel-guest: netbench: runs without an IOMMU\n");
		return -1;
	}
	if (o->peer[0]) {
		memcpy(b->peer, o->peer, 4);
		if (virtio_net_resolve(slot, b->addr, b->peer, b->mac, b->peer_mac))
			return -1;
	} else {
		memcpy(b->peer, sink_ip, 4);
		memcpy(b->peer_mac, sink_mac, 6);
	}
	if (start(b, slot, &features))
		return -1;
	con_printf("vessel-guest: netbench: TSC %lu MHz, %u s per test, features 0x%x: "
		   "event_idx %s, mrg_rxbuf %s, tso4 %s\n", b->hz / 1000000, b->seconds, features,
		   features & F_EVENT_IDX ? "on" : "off", features & F_MRG_RXBUF ? "on" : "off",
		   features & F_HOST_TSO4 ? "on" : "off");
	for (i = 0; ok && i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (tests[i].tso && !(features & F_HOST_TSO4)) {
			con_printf("vessel-guest: netbench: %s: skipped, the device offers no "
				   "HOST_TSO4\n", tests[i].name);
			continue;
		}
		ok = (tests[i].rx ? run_rx(b, tests[i].name, tests[i].frame) :
				    run_tx(b, tests[i].name, tests[i].frame, tests[i].tso)) == 0;
	}
	vdev_reset(&b->d);
	return ok ? 0 : -1;
}

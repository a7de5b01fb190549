/*
 * vessel.test=net-user: the guest on a user-mode network (libslirp). It asks
 * for an address by DHCP (RFC 2131: DISCOVER, OFFER, REQUEST, ACK, with the
 * options of RFC 2132), resolves the gateway by ARP and pings it (libslirp
 * answers echo requests to its own address), sends a UDP datagram to the
 * gateway at vessel.echoport=, which libslirp hands to the host's
 * 127.0.0.1:PORT, and checks the echo. With vessel.fwdport= it then waits for
 * a datagram the host forwards to that port (hostfwd=udp:...) and echoes it
 * back to its sender. On passt's network the addresses are the host's (its
 * own, its gateway's), and an echo request goes to the real gateway through
 * a ping socket the host may not allow: vessel.pingopt says so. A few frames,
 * polled in CPL0, plain C.
 */
#include "net.h"

#define FRAME_CYCLES		(4ull * 1000 * 1000 * 1000)
#define RX_ROUNDS		32	/* frames or timeouts before giving up */
#define ECHO_ROUNDS		6	/* restrict=on: the echo never comes */
#define FWD_ROUNDS		40	/* the host's first datagram may take a while */
#define FRAME_MAX		2048
#define IP_UDP			17
#define BOOTP_LEN		300	/* the smallest BOOTP message (RFC 951) */
#define BOOTP_OPTIONS		240	/* after the magic cookie (RFC 2131, 3) */
#define DHCP_DISCOVER		1
#define DHCP_OFFER		2
#define DHCP_REQUEST		3
#define DHCP_ACK		5
#define ECHO_SPORT		40000

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t bcast_ip[4] = { 255, 255, 255, 255 };
static const uint8_t zero[6];
static const uint8_t cookie[4] = { 99, 130, 83, 99 };
static uint8_t rxframe[FRAME_MAX];

struct udp_in {
	uint8_t src_mac[6];
	uint8_t src[4];
	uint16_t sport, dport;
	const uint8_t *data;
	unsigned len;
	int csum_ok;
};

struct lease {
	uint8_t addr[4], server[4], router[4], dns[4];
};

static uint32_t sum16(uint32_t s, const uint8_t *p, unsigned len)
{
	unsigned i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

/* The UDP checksum over the pseudo-header of @ip and @len bytes at @udp (RFC 768). */
static uint16_t udp_csum(const uint8_t *ip, const uint8_t *udp, unsigned len)
{
	uint32_t s = sum16(IP_UDP + len, ip + 12, 8);

	s = sum16(s, udp, len);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void print_ip(const char *before, const uint8_t *ip)
{
	con_printf("%s%u.%u.%u.%u", before, ip[0], ip[1], ip[2], ip[3]);
}

static int send_udp(struct net *n, const uint8_t *mac, const uint8_t *dst, uint16_t sport,
		    uint16_t dport, const uint8_t *data, unsigned len)
{
	uint8_t *ip = net_eth(n, mac, ETH_IP), *udp = ip + 20;
	uint16_t c;

	memset(ip, 0, 28);
	ip[0] = 0x45;
	net_put16(ip + 2, (uint16_t)(28 + len));
	ip[8] = 64;
	ip[9] = IP_UDP;
	memcpy(ip + 12, n->addr, 4);
	memcpy(ip + 16, dst, 4);
	net_put16(ip + 10, net_csum(ip, 20));
	net_put16(udp, sport);
	net_put16(udp + 2, dport);
	net_put16(udp + 4, (uint16_t)(8 + len));
	memcpy(udp + 8, data, len);
	c = udp_csum(ip, udp, 8 + len);
	net_put16(udp + 6, c ? c : 0xffff);
	return net_send(n, 28 + len);
}

/* Answer an ARP request for our address (libslirp asks before it sends to us). */
static void answer_arp(struct net *n, const uint8_t *f, int len)
{
	const uint8_t *a = f + 14;

	if (len >= 14 + 28 && net_get16(f + 12) == ETH_ARP && net_get16(a + 6) == 1 &&
	    memcmp(n->addr, zero, 4) && !memcmp(a + 24, n->addr, 4))
		net_send_arp(n, 2, a + 8, a + 14);
}

/* A whole, unfragmented UDP datagram in @f: 0 and @u filled, else -1. */
static int parse_udp(const uint8_t *f, int len, struct udp_in *u)
{
	const uint8_t *ip = f + 14, *udp;
	unsigned ihl, total, ulen;

	if (len < 14 + 28 || net_get16(f + 12) != ETH_IP || ip[9] != IP_UDP)
		return -1;
	ihl = (ip[0] & 15u) * 4;
	total = net_get16(ip + 2);
	if (ihl < 20 || total > (unsigned)len - 14 || total < ihl + 8 ||
	    (net_get16(ip + 6) & 0x3fff) || net_csum(ip, ihl))
		return -1;
	udp = ip + ihl;
	ulen = net_get16(udp + 4);
	if (ulen < 8 || ulen > total - ihl)
		return -1;
	memcpy(u->src_mac, f + 6, 6);
	memcpy(u->src, ip + 12, 4);
	u->sport = net_get16(udp);
	u->dport = net_get16(udp + 2);
	u->data = udp + 8;
	u->len = ulen - 8;
	u->csum_ok = net_get16(udp + 6) == 0 || udp_csum(ip, udp, ulen) == 0;
	return 0;
}

/* Receive until a datagram to @dport comes (0), answering ARP meanwhile; -1 after @rounds. */
static int wait_udp(struct net *n, uint16_t dport, struct udp_in *u, unsigned rounds)
{
	unsigned i;

	for (i = 0; i < rounds; i++) {
		int len = net_recv(n, rxframe, sizeof(rxframe), FRAME_CYCLES);

		if (len < 0)
			continue;
		answer_arp(n, rxframe, len);
		if (!parse_udp(rxframe, len, u) && u->dport == dport)
			return 0;
	}
	return -1;
}

static int send_dhcp(struct net *n, uint8_t type, uint32_t xid, const struct lease *l)
{
	uint8_t b[BOOTP_LEN], *o = b + BOOTP_OPTIONS;

	memset(b, 0, sizeof(b));
	b[0] = 1;		/* BOOTREQUEST */
	b[1] = 1;		/* Ethernet */
	b[2] = 6;
	memcpy(b + 4, &xid, 4);
	net_put16(b + 10, 0x8000);	/* broadcast the reply: we have no address yet */
	memcpy(b + 28, n->mac, 6);
	memcpy(b + 236, cookie, 4);
	*o++ = 53;
	*o++ = 1;
	*o++ = type;
	if (type == DHCP_REQUEST) {
		*o++ = 50;	/* the address offered */
		*o++ = 4;
		memcpy(o, l->addr, 4);
		o += 4;
		*o++ = 54;	/* from this server */
		*o++ = 4;
		memcpy(o, l->server, 4);
		o += 4;
	}
	*o++ = 55;		/* mask, router, DNS */
	*o++ = 3;
	*o++ = 1;
	*o++ = 3;
	*o++ = 6;
	*o = 255;
	return send_udp(n, bcast_mac, bcast_ip, 68, 67, b, sizeof(b));
}

/* The message type of a reply to @xid, its options read into @l; 0 if it is none. */
static int read_dhcp(const struct udp_in *u, uint32_t xid, struct lease *l)
{
	const uint8_t *d = u->data, *o, *end = u->data + u->len;
	int type = 0;

	if (u->sport != 67 || u->len < BOOTP_OPTIONS + 4 || d[0] != 2 || memcmp(d + 4, &xid, 4) ||
	    memcmp(d + 236, cookie, 4))
		return 0;
	memcpy(l->addr, d + 16, 4);
	o = d + BOOTP_OPTIONS;
	while (o < end && *o != 255) {
		if (*o == 0) {	/* a pad is one byte */
			o++;
			continue;
		}
		if (o + 2 > end || o + 2 + o[1] > end)
			return 0;
		if (o[0] == 53 && o[1] == 1)
			type = o[2];
		if (o[0] == 54 && o[1] == 4)
			memcpy(l->server, o + 2, 4);
		if (o[0] == 3 && o[1] >= 4)
			memcpy(l->router, o + 2, 4);
		if (o[0] == 6 && o[1] >= 4)
			memcpy(l->dns, o + 2, 4);
		o += o[1] + 2;
	}
	return type;
}

static int wait_dhcp(struct net *n, uint32_t xid, int type, struct lease *l)
{
	struct udp_in u;
	unsigned i;

	for (i = 0; i < RX_ROUNDS; i++)
		if (!wait_udp(n, 68, &u, 1) && read_dhcp(&u, xid, l) == type)
			return 0;
	return -1;
}

static int dhcp(struct net *n, struct lease *l)
{
	uint32_t xid = (uint32_t)rdtsc();

	memset(l, 0, sizeof(*l));
	if (send_dhcp(n, DHCP_DISCOVER, xid, l) || wait_dhcp(n, xid, DHCP_OFFER, l))
		return -1;
	print_ip("vessel-guest: net: dhcp offer ", l->addr);
	print_ip(" from ", l->server);
	con_printf("\n");
	if (send_dhcp(n, DHCP_REQUEST, xid, l) || wait_dhcp(n, xid, DHCP_ACK, l))
		return -1;
	print_ip("vessel-guest: net: dhcp lease ", l->addr);
	print_ip(" from ", l->server);
	print_ip(", router ", l->router);
	print_ip(", dns ", l->dns);
	con_printf("\n");
	return 0;
}

/* A datagram to the gateway at @port comes back from the host's echo server. */
static int udp_echo(struct net *n, unsigned port)
{
	static const uint8_t msg[] = "vessel udp echo through slirp";
	struct udp_in u;
	unsigned i;

	if (send_udp(n, n->peer_mac, n->peer, ECHO_SPORT, (uint16_t)port, msg, sizeof(msg)))
		return -1;
	for (i = 0; i < ECHO_ROUNDS; i++)
		if (!wait_udp(n, ECHO_SPORT, &u, 1) && u.sport == port &&
		    !memcmp(u.src, n->peer, 4))
			break;
	if (i == ECHO_ROUNDS)
		return -1;
	print_ip("vessel-guest: net: udp echo from ", u.src);
	con_printf(":%u, %u bytes, checksum %s, %s\n", u.sport, u.len, u.csum_ok ? "ok" : "BAD",
		   u.len == sizeof(msg) && !memcmp(u.data, msg, sizeof(msg)) ? "ok" : "DIFFERENT");
	return u.csum_ok && u.len == sizeof(msg) && !memcmp(u.data, msg, sizeof(msg)) ? 0 : -1;
}

/* The host's datagram to @port (through hostfwd), echoed to whoever sent it. */
static int forwarded_echo(struct net *n, unsigned port)
{
	struct udp_in u;

	con_printf("vessel-guest: net: waiting for a datagram on udp port %u\n", port);
	if (wait_udp(n, (uint16_t)port, &u, FWD_ROUNDS) || !u.csum_ok)
		return -1;
	if (send_udp(n, u.src_mac, u.src, (uint16_t)port, u.sport, u.data, u.len))
		return -1;
	print_ip("vessel-guest: net: udp from ", u.src);
	con_printf(":%u to port %u, %u bytes, echoed\n", u.sport, port, u.len);
	return 0;
}

int net_user_run(struct net *n, const struct net_user_opts *o)
{
	struct lease l;

	if (dhcp(n, &l))
		return -1;
	memcpy(n->addr, l.addr, 4);
	/* restrict=on: libslirp names no router; its own address is the server's. */
	memcpy(n->peer, memcmp(l.router, zero, 4) ? l.router : l.server, 4);
	if (net_send_arp(n, 1, zero, n->peer) || net_wait_for(n, WANT_ARP, 0) != 1)
		return -1;
	if (net_send_echo(n, 0))
		return -1;
	if (net_wait_for(n, WANT_ECHO, 0) != 1) {
		print_ip("vessel-guest: net: no echo reply from ", n->peer);
		con_printf("%s\n", o->ping_optional ? " (optional here)" : "");
		if (!o->ping_optional)
			return -1;
	}
	if (o->echo_port && udp_echo(n, o->echo_port))
		return -1;
	return o->fwd_port ? forwarded_echo(n, o->fwd_port) : 0;
}

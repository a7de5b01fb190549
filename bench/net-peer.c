/*
 * The host's end of the built-in guest's netbench (guest/netbench.c): sinks
 * and counts what the guest sends, and floods the guest when it asks.
 *   net-peer packet IFNAME   on a tap's host side: an AF_PACKET socket that
 *                            sees every frame the guest sends there
 *   net-peer udp PORT        a UDP socket on 127.0.0.1:PORT (0: any free
 *                            port), which a user-mode network's gateway
 *                            reaches (the guest sends to 10.0.2.2:PORT)
 * The guest's datagrams that begin "VNB " are commands, each answered with
 * "VNB ACK" (the guest sends again until it comes): "VNB END NAME" prints
 * what came since the last END ("PEER NAME frames=N bytes=N usec=N
 * dropped=N": usec from the first frame to the last; dropped: frames the
 * host delivered that this socket had no room for, counted in frames), and
 * "VNB RX USEC FRAME" sends FRAME-byte frames (UDP, to the sender) as fast
 * as the host takes them for USEC microseconds ("PEER flood ..."). Frames
 * and datagrams move in batches (recvmmsg, sendmmsg) so the peer keeps up.
 * Runs until it is killed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH		64
#define RX_SNAP		256		/* bytes of each frame looked at */
#define MAX_FRAME	1514
#define HDRS		42		/* Ethernet, IPv4, UDP */
#define SOCK_BUF	(8 << 20)
#define CMD_MAX		64

struct peer {
	int fd;
	int packet;			/* AF_PACKET on a tap, else UDP */
	uint64_t frames, bytes, first, last;
	uint32_t ovfl, ovfl_base;	/* UDP: the socket's drops, now and at the last END */
	uint64_t ctl[BATCH][(CMSG_SPACE(sizeof(uint32_t)) + 7) / 8];
	uint8_t rx[BATCH][RX_SNAP];
	struct sockaddr_in from[BATCH];
	uint8_t tx[MAX_FRAME];
};

static uint64_t now_usec(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

static void die(const char *what)
{
	fprintf(stderr, "net-peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint16_t ip_csum(const uint8_t *p, unsigned len)
{
	uint32_t s = 0;
	unsigned i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The guest's frame @f turned round: @len bytes of UDP from where it went to where it came. */
static void reply_frame(uint8_t *out, const uint8_t *f, unsigned len)
{
	uint8_t *ip = out + 14, *udp = ip + 20;

	memset(out, 0, len);
	memcpy(out, f + 6, 6);
	memcpy(out + 6, f, 6);
	put16(out + 12, ETH_P_IP);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(len - 14));
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, f + 30, 4);
	memcpy(ip + 16, f + 26, 4);
	put16(ip + 10, ip_csum(ip, 20));
	memcpy(udp, f + 36, 2);
	memcpy(udp + 2, f + 34, 2);
	put16(udp + 4, (uint16_t)(len - 34));
}

/* Send @len-byte frames (or datagrams of their payload, to @to) for @usec. */
static void flood(struct peer *p, const uint8_t *f, const struct sockaddr_in *to,
		  unsigned len, uint64_t usec)
{
	struct mmsghdr m[BATCH];
	struct iovec iov;
	uint64_t start = now_usec(), sent = 0, end = start + usec, t;
	unsigned i;

	if (len < 60 || len > MAX_FRAME) {
		printf("PEER flood refused: frame %u\n", len);
		return;
	}
	if (p->packet) {
		reply_frame(p->tx, f, len);
		iov = (struct iovec){ p->tx, len };
	} else {
		memset(p->tx, 0, len);
		iov = (struct iovec){ p->tx, len - HDRS };
	}
	memset(m, 0, sizeof(m));
	for (i = 0; i < BATCH; i++) {
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
		if (!p->packet) {
			m[i].msg_hdr.msg_name = (void *)to;
			m[i].msg_hdr.msg_namelen = sizeof(*to);
		}
	}
	while ((t = now_usec()) < end) {
		int r = sendmmsg(p->fd, m, BATCH, 0);

		if (r > 0)
			sent += (unsigned)r;
		else if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			die("sendmmsg");
	}
	printf("PEER flood frame=%u frames=%llu usec=%llu\n", len, (unsigned long long)sent,
	       (unsigned long long)(t - start));
}

/* "VNB ACK" to the sender of frame @f or @from. */
static void ack(struct peer *p, const uint8_t *f, const struct sockaddr_in *from)
{
	static const char text[] = "VNB ACK";
	unsigned len = HDRS + sizeof(text) - 1;

	if (p->packet) {
		reply_frame(p->tx, f, len < 60 ? 60 : len);
		memcpy(p->tx + HDRS, text, sizeof(text) - 1);
		if (send(p->fd, p->tx, len < 60 ? 60 : len, 0) < 0)
			die("send");
	} else if (sendto(p->fd, text, sizeof(text) - 1, 0, (const struct sockaddr *)from,
			  sizeof(*from)) < 0) {
		die("sendto");
	}
}

/* Frames the socket had no room for since the last END. */
static uint64_t dropped(struct peer *p)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);
	uint32_t n = p->ovfl - p->ovfl_base;

	p->ovfl_base = p->ovfl;
	if (!p->packet)
		return n;
	/* PACKET_STATISTICS counts since it was last read. */
	return getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) ? 0 : st.tp_drops;
}

/* "VNB ..." at @cmd (@n bytes) from frame @f or sender @from. */
static void command(struct peer *p, const char *cmd, size_t n, const uint8_t *f,
		    const struct sockaddr_in *from)
{
	char text[CMD_MAX + 1], name[CMD_MAX + 1];
	unsigned long long usec;
	unsigned frame;

	if (n > CMD_MAX)
		n = CMD_MAX;
	memcpy(text, cmd, n);
	text[n] = '\0';
	if (sscanf(text, "VNB END %64s", name) == 1) {
		ack(p, f, from);
		printf("PEER %s frames=%llu bytes=%llu usec=%llu dropped=%llu\n", name,
		       (unsigned long long)p->frames, (unsigned long long)p->bytes,
		       (unsigned long long)(p->last - p->first), (unsigned long long)dropped(p));
		p->frames = p->bytes = p->first = p->last = 0;
	} else if (sscanf(text, "VNB RX %llu %u", &usec, &frame) == 2) {
		ack(p, f, from);
		flood(p, f, from, frame, usec);
	} else {
		printf("PEER unknown command \"%s\"\n", text);
	}
	fflush(stdout);
}

/* A guest's IPv4 UDP frame whose payload is a command: where it begins, else NULL. */
static const char *frame_command(const uint8_t *f, size_t len, size_t *n)
{
	if (len < HDRS + 4 || f[12] != 0x08 || f[13] != 0x00 || f[14] != 0x45 ||
	    f[23] != IPPROTO_UDP || memcmp(f + HDRS, "VNB ", 4))
		return NULL;
	*n = (len < RX_SNAP ? len : RX_SNAP) - HDRS;
	return (const char *)f + HDRS;
}

/* SO_RXQ_OVFL: the socket's drops so far, with each datagram. */
static void overflow(struct peer *p, struct msghdr *h)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
			memcpy(&p->ovfl, CMSG_DATA(c), sizeof(p->ovfl));
}

static void serve(struct peer *p)
{
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	unsigned i;

	memset(m, 0, sizeof(m));
	for (i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ p->rx[i], RX_SNAP };
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	for (;;) {
		int r;

		uint64_t t;

		for (i = 0; i < BATCH && !p->packet; i++) {
			m[i].msg_hdr.msg_name = &p->from[i];
			m[i].msg_hdr.msg_namelen = sizeof(p->from[i]);
			m[i].msg_hdr.msg_control = p->ctl[i];
			m[i].msg_hdr.msg_controllen = sizeof(p->ctl[i]);
		}
		/* MSG_TRUNC: msg_len is the whole frame's length, however little is copied. */
		r = recvmmsg(p->fd, m, BATCH, MSG_WAITFORONE | MSG_TRUNC, NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("recvmmsg");
		t = now_usec();
		for (i = 0; i < (unsigned)r; i++) {
			size_t len = m[i].msg_len, n;
			const char *cmd;

			if (p->packet) {
				cmd = frame_command(p->rx[i], len, &n);
			} else {
				overflow(p, &m[i].msg_hdr);
				n = len < RX_SNAP ? len : RX_SNAP;
				cmd = n >= 4 && !memcmp(p->rx[i], "VNB ", 4) ? (char *)p->rx[i] :
									       NULL;
				len += HDRS;
			}
			if (cmd) {
				command(p, cmd, n, p->rx[i], &p->from[i]);
				continue;
			}
			if (!p->frames++)
				p->first = t;
			p->last = t;
			p->bytes += len;
		}
	}
}

static void open_packet(struct peer *p, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int one = 1, buf = SOCK_BUF;

	p->packet = 1;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex)
		die(ifname);
	p->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (p->fd < 0)
		die("socket(AF_PACKET)");
	/* Not our own flood back, and no queueing discipline in its way. */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		die("setsockopt(SOL_PACKET)");
	setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind");
	dropped(p);	/* from now on */
	printf("net-peer: on %s\n", ifname);
}

static void open_udp(struct peer *p, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int buf = SOCK_BUF, one = 1;

	a.sin_port = htons((uint16_t)atoi(port));
	p->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (p->fd < 0)
		die("socket(AF_INET)");
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(p->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)))
		die("setsockopt(SO_RXQ_OVFL)");
	if (bind(p->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(p->fd, (struct sockaddr *)&a, &alen))
		die("bind");
	printf("net-peer: udp port %u\n", ntohs(a.sin_port));
}

int main(int argc, char **argv)
{
	static struct peer p;

	if (argc != 3 || (strcmp(argv[1], "packet") && strcmp(argv[1], "udp"))) {
		fprintf(stderr, "usage: net-peer packet IFNAME | net-peer udp PORT\n");
		return 2;
	}
	if (!strcmp(argv[1], "packet"))
		open_packet(&p, argv[2]);
	else
		open_udp(&p, argv[2]);
	fflush(stdout);
	serve(&p);
	return 0;
}

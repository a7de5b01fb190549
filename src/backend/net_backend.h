/*
 * The host side of a NIC: where a virtio-net device's frames go and come
 * from. A backend is a set of ops over its own state; the device never
 * learns which kind it talks to. tap is the first kind; user-mode networking
 * (libslirp on a thread of its own) and passt (frames over a unix socket)
 * fit the same shape: they hand received frames over through rx, and make
 * rx_fd readable (an eventfd) when one is waiting.
 */
#ifndef VESSEL_BACKEND_NET_BACKEND_H
#define VESSEL_BACKEND_NET_BACKEND_H

#include "core/error.h"
#include "core/module.h"

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define NET_MAC_LEN		6
#define NET_DEFAULT_MTU		1500
#define NET_MIN_MTU		68		/* IPv4's minimum (RFC 791) */
#define NET_MAX_MTU		65535
#define NET_MAX_NICS		8
#define NET_MAX_QUEUES		4		/* queue pairs a NIC can have */
#define NET_POLL_US		32		/* as virtio-blk's: QEMU's poll-max-ns */
#define NET_MAX_POLL_US		1000

/* Offloads a backend can honour, in both directions (frames behind a vnet header). */
#define NET_OFF_CSUM		(1u << 0)	/* partial checksums */
#define NET_OFF_TSO4		(1u << 1)
#define NET_OFF_TSO6		(1u << 2)
#define NET_OFF_ECN		(1u << 3)	/* TSO with ECN (CWR) */
#define NET_OFF_UFO		(1u << 4)

#define NET_MAX_FWDS		16		/* hostfwd= per user NIC */
#define NET_USER_MAX_MTU	65521		/* libslirp's IF_MTU_MAX */

enum net_kind { NET_TAP, NET_USER, NET_PASST };

/* One hostfwd= (user, passt): the host's HOSTADDR:HOSTPORT forwarded to the guest's GUESTPORT. */
struct net_fwd {
	bool udp;
	struct in_addr host;		/* 127.0.0.1 unless an address is given */
	uint16_t host_port;
	uint16_t guest_port;
};

/* user: the virtual network (QEMU's defaults unless net=/dns= say otherwise). */
struct net_user {
	struct in_addr net, mask;	/* 10.0.2.0/24 */
	struct in_addr host;		/* the gateway and host: net + 2 */
	struct in_addr dhcp_start;	/* the first lease: net + 15 */
	struct in_addr dns;		/* net + 3, or dns= */
	bool restrict_on;		/* the guest reaches nothing outside, only forwards in */
};

/* One --net: the argument's text, split in place, and what it says. */
struct net_options {
	char spec[256];
	enum net_kind kind;
	const char *ifname;		/* tap,ifname=NAME; NULL with fd= */
	int fd;				/* tap,fd=N; -1 with ifname= */
	uint8_t mac[NET_MAC_LEN];
	bool has_mac;			/* mac= given: else the default of net_default_mac */
	unsigned mtu;
	unsigned queues;		/* queue pairs: tap queues (IFF_MULTI_QUEUE) */
	unsigned poll_us;		/* the longest a pair's thread polls before sleeping */
	struct net_fwd fwd[NET_MAX_FWDS];	/* user, passt: hostfwd= */
	unsigned nr_fwds;
	struct net_user user;		/* kind NET_USER */
	const char *socket;		/* passt,socket=PATH: a passt already running */
};

/*
 * Parse "tap,ifname=NAME[,queues=N][,mac=M][,mtu=N][,poll=USEC]",
 * "tap,fd=N[,...]", "user[,hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-:GUESTPORT]...
 * [,net=CIDR][,dns=ADDR][,restrict=on|off][,mac=M][,mtu=N][,poll=USEC]" or
 * "passt[,hostfwd=...]...[,socket=PATH][,mac=M][,mtu=N][,poll=USEC]" into
 * @o; on a bad key or value, -1 with @err naming it.
 */
int net_options_parse(struct net_options *o, const char *arg, struct error *err);

/*
 * A stable, locally administered unicast MAC for NIC @index whose backend is
 * called @name (a tap's interface name): the same VM on the same tap gets the
 * same address every run, and NICs on different taps differ.
 */
void net_default_mac(unsigned index, const char *name, uint8_t mac[NET_MAC_LEN]);

struct net_backend;

struct net_backend_ops {
	/* Send one frame on queue @q (behind a vnet header if it has one): bytes, or -errno. */
	ssize_t (*tx)(struct net_backend *be, unsigned q, const struct iovec *iov, unsigned n);
	/*
	 * NULL, or whether tx on queue @q would find no room now: the device then
	 * leaves the driver's frames in the ring (backpressure, as a NIC whose
	 * transmit ring is full) until tx_fd[q] says there is room again.
	 */
	bool (*tx_full)(struct net_backend *be, unsigned q);
	/* Take one frame waiting on queue @q: its length, -EAGAIN when none waits, or -errno. */
	ssize_t (*rx)(struct net_backend *be, unsigned q, const struct iovec *iov, unsigned n);
	/* The offloads the guest accepts (NET_OFF_*, within offloads): what rx may hand over. */
	int (*set_offload)(struct net_backend *be, unsigned offloads);
	/* Frames arrive on queues 0..@n-1 only (the pairs the driver uses); NULL: one queue. */
	int (*set_queues)(struct net_backend *be, unsigned n);
	void (*close)(struct net_backend *be);
};

struct net_backend {
	const struct net_backend_ops *ops;
	unsigned nr_queues;
	int rx_fd[NET_MAX_QUEUES];	/* readable (edge) when that queue may have a frame */
	int tx_fd[NET_MAX_QUEUES];	/* with tx_full: readable (edge) when tx has room again */
	bool vnet_hdr;			/* frames carry a struct virtio_net_hdr_v1 */
	unsigned offloads;		/* NET_OFF_*: only with vnet_hdr */
	char name[IFNAMSIZ];		/* for messages and the default MAC */
};

/* Open the backend @o asks for; -1 with @err saying why (one line). */
struct net_backend *net_backend_open(const struct net_options *o, struct error *err);

static inline void net_backend_close(struct net_backend *be)
{
	if (be)
		be->ops->close(be);
}

/* tap (backend/tap.c). */
struct net_backend *tap_open(const struct net_options *o, struct error *err);
/* user-mode networking through libslirp (backend/user.c, in the module vessel-slirp.so). */
struct net_backend *user_open(const struct net_options *o, struct error *err);
/* The module's table (core/module.h): only a user NIC loads libslirp and glib. */
struct net_user_module {
	struct module_header h;
	struct net_backend *(*open)(const struct net_options *o, struct error *err);
};
/* user_open through the module (backend/user_load.c). */
struct net_backend *net_user_open(const struct net_options *o, struct error *err);
/* frames over passt's unix socket, passt started here unless socket= (backend/passt.c). */
struct net_backend *passt_open(const struct net_options *o, struct error *err);

#endif

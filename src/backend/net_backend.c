/* --net options, the default MAC, and the choice of backend. */
#include "backend/net_backend.h"
#include "core/size.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#define TAP_KEYS "ifname=NAME, fd=N, queues=N, mac=XX:XX:XX:XX:XX:XX, mtu=N, poll=USEC"
#define USER_KEYS "hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-:GUESTPORT, net=CIDR, dns=ADDR, " \
	"restrict=on|off, mac=XX:XX:XX:XX:XX:XX, mtu=N, poll=USEC"
#define PASST_KEYS "hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-:GUESTPORT, socket=PATH, " \
	"mac=XX:XX:XX:XX:XX:XX, mtu=N, poll=USEC"
#define FWD_FORM "tcp|udp:[HOSTADDR]:HOSTPORT-:GUESTPORT"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Six pairs of hex digits split by colons. */
static int parse_mac(const char *s, uint8_t mac[NET_MAC_LEN])
{
	unsigned i;

	for (i = 0; i < NET_MAC_LEN; i++) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (lo < 0 || s[2] != (i + 1 < NET_MAC_LEN ? ':' : '\0'))
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 3;
	}
	return 0;
}

static int set_ifname(struct net_options *o, const char *arg, char *v, struct error *err)
{
	if (strlen(v) >= IFNAMSIZ || strchr(v, '/'))
		return error_set(err, EINVAL, "--net %s: ifname=%s: not an interface name (at "
				 "most %d characters, no '/')", arg, v, IFNAMSIZ - 1);
	o->ifname = v;
	return 0;
}

static int set_fd(struct net_options *o, const char *arg, char *v, struct error *err)
{
	uint64_t n;

	if (parse_uint(v, INT_MAX, &n))
		return error_set(err, EINVAL, "--net %s: fd=%s: not a file descriptor number", arg,
				 v);
	o->fd = (int)n;
	return 0;
}

static int set_mac(struct net_options *o, const char *arg, char *v, struct error *err)
{
	if (parse_mac(v, o->mac))
		return error_set(err, EINVAL, "--net %s: mac=%s: malformed (expected six hex "
				 "pairs, e.g. 02:00:00:12:34:56)", arg, v);
	if (o->mac[0] & 1)
		return error_set(err, EINVAL, "--net %s: mac=%s: a multicast address cannot be "
				 "a NIC's", arg, v);
	o->has_mac = true;
	return 0;
}

static int set_queues(struct net_options *o, const char *arg, char *v, struct error *err)
{
	uint64_t n;

	if (parse_uint(v, NET_MAX_QUEUES, &n) || n == 0)
		return error_set(err, EINVAL, "--net %s: queues=%s: a number from 1 to %d", arg,
				 v, NET_MAX_QUEUES);
	o->queues = (unsigned)n;
	return 0;
}

static int set_mtu(struct net_options *o, const char *arg, char *v, struct error *err)
{
	uint64_t n;

	if (parse_uint(v, NET_MAX_MTU, &n) || n < NET_MIN_MTU)
		return error_set(err, EINVAL, "--net %s: mtu=%s: a number from %d to %d", arg, v,
				 NET_MIN_MTU, NET_MAX_MTU);
	o->mtu = (unsigned)n;
	return 0;
}

static int set_poll(struct net_options *o, const char *arg, char *v, struct error *err)
{
	uint64_t n;

	if (parse_uint(v, NET_MAX_POLL_US, &n))
		return error_set(err, EINVAL, "--net %s: poll=%s: a number from 0 to %d", arg, v,
				 NET_MAX_POLL_US);
	o->poll_us = (unsigned)n;
	return 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	uint64_t n;

	if (parse_uint(s, 65535, &n) || n == 0)
		return -1;
	*port = (uint16_t)n;
	return 0;
}

/* "tcp|udp:[HOSTADDR]:HOSTPORT-:GUESTPORT", as QEMU's hostfwd= (without a guest address). */
static int set_hostfwd(struct net_options *o, const char *arg, char *v, struct error *err)
{
	struct net_fwd f = { .host.s_addr = htonl(INADDR_LOOPBACK) };
	char text[64], *p = text, *proto, *addr, *hport;

	if (o->nr_fwds == NET_MAX_FWDS)
		return error_set(err, EINVAL, "--net %s: at most %d hostfwd=", arg, NET_MAX_FWDS);
	if (strlen(v) >= sizeof(text))
		goto bad;
	strcpy(text, v);
	proto = strsep(&p, ":");
	addr = strsep(&p, ":");
	hport = strsep(&p, "-");
	if (!p || !addr || !hport || *p != ':')
		goto bad;
	if (!strcmp(proto, "udp"))
		f.udp = true;
	else if (strcmp(proto, "tcp"))
		return error_set(err, EINVAL, "--net %s: hostfwd=%s: '%s' is neither tcp nor udp",
				 arg, v, proto);
	if (*addr && inet_pton(AF_INET, addr, &f.host) != 1)
		return error_set(err, EINVAL, "--net %s: hostfwd=%s: '%s' is not an IPv4 address",
				 arg, v, addr);
	if (parse_port(hport, &f.host_port) || parse_port(p + 1, &f.guest_port))
		return error_set(err, EINVAL, "--net %s: hostfwd=%s: a port is a number from 1 "
				 "to 65535", arg, v);
	o->fwd[o->nr_fwds++] = f;
	return 0;
bad:
	return error_set(err, EINVAL, "--net %s: hostfwd=%s: malformed (expected %s, e.g. "
			 "tcp::2222-:22)", arg, v, FWD_FORM);
}

/* "A.B.C.D/N": a network with room for the gateway (.2), DNS (.3) and leases (.15 on). */
static int set_net(struct net_options *o, const char *arg, char *v, struct error *err)
{
	char *slash = strchr(v, '/');
	uint32_t net, mask;
	uint64_t len;

	if (!slash || parse_uint(slash + 1, 32, &len))
		goto bad;
	*slash = '\0';
	if (inet_pton(AF_INET, v, &o->user.net) != 1) {
		*slash = '/';
		goto bad;
	}
	*slash = '/';
	if (len < 8 || len > 27)
		return error_set(err, EINVAL, "--net %s: net=%s: a prefix length from 8 to 27 "
				 "(room for the gateway, DNS and leases)", arg, v);
	mask = ~0u << (32 - len);
	net = ntohl(o->user.net.s_addr);
	if (net & ~mask)
		return error_set(err, EINVAL, "--net %s: net=%s: host bits are set (the network "
				 "is %u.%u.%u.%u/%u)", arg, v, (net & mask) >> 24,
				 (net & mask) >> 16 & 255, (net & mask) >> 8 & 255, net & mask & 255,
				 (unsigned)len);
	o->user.mask.s_addr = htonl(mask);
	return 0;
bad:
	return error_set(err, EINVAL, "--net %s: net=%s: malformed (expected A.B.C.D/N, e.g. "
			 "10.0.2.0/24)", arg, v);
}

static int set_dns(struct net_options *o, const char *arg, char *v, struct error *err)
{
	if (inet_pton(AF_INET, v, &o->user.dns) != 1)
		return error_set(err, EINVAL, "--net %s: dns=%s: not an IPv4 address", arg, v);
	return 0;
}

static int set_restrict(struct net_options *o, const char *arg, char *v, struct error *err)
{
	if (strcmp(v, "on") && strcmp(v, "off"))
		return error_set(err, EINVAL, "--net %s: restrict=%s: on or off", arg, v);
	o->user.restrict_on = !strcmp(v, "on");
	return 0;
}

/* A unix socket's path: it must fit in sockaddr_un's sun_path. */
static int set_socket(struct net_options *o, const char *arg, char *v, struct error *err)
{
	if (strlen(v) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return error_set(err, EINVAL, "--net %s: socket=%s: a unix socket's path has at "
				 "most %zu characters", arg, v,
				 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	o->socket = v;
	return 0;
}

#define KIND_TAP	(1u << NET_TAP)
#define KIND_USER	(1u << NET_USER)
#define KIND_PASST	(1u << NET_PASST)
#define KIND_ALL	(KIND_TAP | KIND_USER | KIND_PASST)

static const struct {
	const char *key;
	unsigned kinds;
	int (*set)(struct net_options *o, const char *arg, char *value, struct error *err);
} keys[] = {
	{ "ifname", KIND_TAP, set_ifname },
	{ "fd", KIND_TAP, set_fd },
	{ "queues", KIND_TAP, set_queues },
	{ "hostfwd", KIND_USER | KIND_PASST, set_hostfwd },
	{ "net", KIND_USER, set_net },
	{ "dns", KIND_USER, set_dns },
	{ "restrict", KIND_USER, set_restrict },
	{ "socket", KIND_PASST, set_socket },
	{ "mac", KIND_ALL, set_mac },
	{ "mtu", KIND_ALL, set_mtu },
	{ "poll", KIND_ALL, set_poll },
};

static int parse_key(struct net_options *o, const char *arg, char *key, struct error *err)
{
	static const char *const known_keys[] = {
		[NET_TAP] = TAP_KEYS, [NET_USER] = USER_KEYS, [NET_PASST] = PASST_KEYS,
	};
	const char *known = known_keys[o->kind];
	char *value = strchr(key, '=');
	size_t i;

	if (value)
		*value++ = '\0';
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i].key) || !(keys[i].kinds & (1u << o->kind)))
			continue;
		if (!value || !*value)
			return error_set(err, EINVAL, "--net %s: '%s' needs a value (keys: %s)",
					 arg, key, known);
		return keys[i].set(o, arg, value, err);
	}
	return error_set(err, EINVAL, "--net %s: unknown key '%s' (keys: %s)", arg, key,
			 known);
}

static int check_tap(struct net_options *o, const char *arg, struct error *err)
{
	if (!o->ifname == (o->fd < 0))
		return error_set(err, EINVAL, "--net %s: tap needs exactly one of ifname=NAME "
				 "and fd=N", arg);
	if (o->fd >= 0 && o->queues > 1)
		return error_set(err, EINVAL, "--net %s: queues=N needs ifname= (an fd is one "
				 "queue)", arg);
	return 0;
}

/* The addresses net= implies, and dns= inside that network. */
static int check_user(struct net_options *o, const char *arg, struct error *err)
{
	struct net_user *u = &o->user;
	uint32_t net = ntohl(u->net.s_addr), mask = ntohl(u->mask.s_addr), dns;

	if (!mask) {
		net = 0x0a000200;	/* 10.0.2.0/24, QEMU's */
		mask = 0xffffff00;
	}
	u->net.s_addr = htonl(net);
	u->mask.s_addr = htonl(mask);
	u->host.s_addr = htonl(net | 2);
	u->dhcp_start.s_addr = htonl(net | 15);
	dns = u->dns.s_addr ? ntohl(u->dns.s_addr) : net | 3;
	if ((dns & mask) != net || (dns & ~mask) == 0 || (dns | mask) == ~0u)
		return error_set(err, EINVAL, "--net %s: dns= must be a host address inside "
				 "the guest's network", arg);
	u->dns.s_addr = htonl(dns);
	if (o->mtu > NET_USER_MAX_MTU)
		return error_set(err, EINVAL, "--net %s: mtu=%u: user takes at most %d", arg,
				 o->mtu, NET_USER_MAX_MTU);
	return 0;
}

/* A passt someone else started has its own forwards (its -t and -u). */
static int check_passt(struct net_options *o, const char *arg, struct error *err)
{
	if (o->socket && o->nr_fwds)
		return error_set(err, EINVAL, "--net %s: hostfwd= needs the passt vessel starts; "
				 "give the forwards to the passt behind socket= (its -t and -u)",
				 arg);
	return 0;
}

static int check(struct net_options *o, const char *arg, struct error *err)
{
	switch (o->kind) {
	case NET_USER:
		return check_user(o, arg, err);
	case NET_PASST:
		return check_passt(o, arg, err);
	case NET_TAP:
		break;
	}
	return check_tap(o, arg, err);
}

int net_options_parse(struct net_options *o, const char *arg, struct error *err)
{
	char *p, *key;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->mtu = NET_DEFAULT_MTU;
	o->queues = 1;
	o->poll_us = NET_POLL_US;
	if (strlen(arg) >= sizeof(o->spec))
		return error_set(err, EINVAL, "--net: argument too long");
	strcpy(o->spec, arg);
	p = o->spec;
	key = strsep(&p, ",");
	if (!strcmp(key, "tap"))
		o->kind = NET_TAP;
	else if (!strcmp(key, "user"))
		o->kind = NET_USER;
	else if (!strcmp(key, "passt"))
		o->kind = NET_PASST;
	else
		return error_set(err, EINVAL, "--net %s: unknown backend '%s' (known: tap, user, "
				 "passt)", arg, key);
	while ((key = strsep(&p, ","))) {
		if (!*key)
			return error_set(err, EINVAL, "--net %s: an empty option", arg);
		if (parse_key(o, arg, key, err))
			return -1;
	}
	return check(o, arg, err);
}

/* FNV-1a: small, and the same on every host. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

void net_default_mac(unsigned index, const char *name, uint8_t mac[NET_MAC_LEN])
{
	uint64_t h = fnv1a(0xcbf29ce484222325ull, "vessel-nic", 10);
	unsigned i;

	h = fnv1a(h, &index, sizeof(index));
	h = fnv1a(h, name, strlen(name));
	for (i = 0; i < NET_MAC_LEN; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & ~1u) | 2u);	/* unicast, locally administered */
}

struct net_backend *net_backend_open(const struct net_options *o, struct error *err)
{
	switch (o->kind) {
	case NET_TAP:
		return tap_open(o, err);
	case NET_USER:
		return net_user_open(o, err);
	case NET_PASST:
		return passt_open(o, err);
	}
	error_set(err, EINVAL, "--net %s: unknown backend", o->spec);
	return NULL;
}

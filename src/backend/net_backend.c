/* --net options, the default MAC, and the choice of backend. */
#include "backend/net_backend.h"
#include "core/size.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define NET_KEYS "ifname=NAME, fd=N, queues=N, mac=XX:XX:XX:XX:XX:XX, mtu=N, poll=USEC"

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

static const struct {
	const char *key;
	int (*set)(struct net_options *o, const char *arg, char *value, struct error *err);
} keys[] = {
	{ "ifname", set_ifname },
	{ "fd", set_fd },
	{ "queues", set_queues },
	{ "mac", set_mac },
	{ "mtu", set_mtu },
	{ "poll", set_poll },
};

static int parse_key(struct net_options *o, const char *arg, char *key, struct error *err)
{
	char *value = strchr(key, '=');
	size_t i;

	if (value)
		*value++ = '\0';
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i].key))
			continue;
		if (!value || !*value)
			return error_set(err, EINVAL, "--net %s: '%s' needs a value (keys: %s)",
					 arg, key, NET_KEYS);
		return keys[i].set(o, arg, value, err);
	}
	return error_set(err, EINVAL, "--net %s: unknown key '%s' (keys: %s)", arg, key,
			 NET_KEYS);
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
	if (!strcmp(key, "user") || !strcmp(key, "passt"))
		return error_set(err, ENOTSUP, "--net %s: the '%s' backend is not built yet; "
				 "use tap", arg, key);
	if (strcmp(key, "tap"))
		return error_set(err, EINVAL, "--net %s: unknown backend '%s' (known: tap)", arg,
				 key);
	o->kind = NET_TAP;
	while ((key = strsep(&p, ","))) {
		if (!*key)
			return error_set(err, EINVAL, "--net %s: an empty option", arg);
		if (parse_key(o, arg, key, err))
			return -1;
	}
	if (!o->ifname == (o->fd < 0))
		return error_set(err, EINVAL, "--net %s: tap needs exactly one of ifname=NAME "
				 "and fd=N", arg);
	if (o->fd >= 0 && o->queues > 1)
		return error_set(err, EINVAL, "--net %s: queues=N needs ifname= (an fd is one "
				 "queue)", arg);
	return 0;
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
	}
	error_set(err, EINVAL, "--net %s: unknown backend", o->spec);
	return NULL;
}

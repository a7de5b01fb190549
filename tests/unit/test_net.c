/* --net options, the default MAC, the virtio-net header rules and control commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backend/net_backend.h"
#include "virtio/net_ctrl.h"
#include "virtio/net_hdr.h"

#include <arpa/inet.h>
#include <string.h>

static void expect_error(const char *arg, const char *msg);

static void assert_ip(struct in_addr a, const char *want)
{
	char got[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, got, sizeof(got));
	assert_string_equal(got, want);
}

/* The forwards "hostfwd=tcp::2222-:22,hostfwd=udp:0.0.0.0:5353-:53" parse to. */
static void assert_two_fwds(const struct net_options *o)
{
	assert_int_equal(o->nr_fwds, 2);
	assert_false(o->fwd[0].udp);
	assert_ip(o->fwd[0].host, "127.0.0.1");
	assert_int_equal(o->fwd[0].host_port, 2222);
	assert_int_equal(o->fwd[0].guest_port, 22);
	assert_true(o->fwd[1].udp);
	assert_ip(o->fwd[1].host, "0.0.0.0");
	assert_int_equal(o->fwd[1].host_port, 5353);
	assert_int_equal(o->fwd[1].guest_port, 53);
}

/* passt: forwards for the passt vessel starts, or the socket of one already running. */
static void test_passt_options(void **state)
{
	struct net_options o;
	struct error err;

	(void)state;
	assert_int_equal(net_options_parse(&o, "passt", &err), 0);
	assert_int_equal(o.kind, NET_PASST);
	assert_null(o.socket);
	assert_int_equal(o.nr_fwds, 0);
	assert_int_equal(o.mtu, NET_DEFAULT_MTU);
	assert_int_equal(net_options_parse(&o, "passt,hostfwd=tcp::2222-:22,hostfwd=udp:0.0.0.0:"
					   "5353-:53,mac=02:00:00:12:34:56,mtu=9000", &err), 0);
	assert_two_fwds(&o);
	assert_true(o.has_mac);
	assert_int_equal(o.mac[5], 0x56);
	assert_int_equal(o.mtu, 9000);
	assert_int_equal(net_options_parse(&o, "passt,socket=/run/user/1000/passt.sock", &err), 0);
	assert_string_equal(o.socket, "/run/user/1000/passt.sock");
	assert_int_equal(o.nr_fwds, 0);
}

/* user: QEMU's defaults, forwards, another network and DNS. */
static void test_user_options(void **state)
{
	struct net_options o;
	struct error err;

	(void)state;
	assert_int_equal(net_options_parse(&o, "user", &err), 0);
	assert_int_equal(o.kind, NET_USER);
	assert_ip(o.user.net, "10.0.2.0");
	assert_ip(o.user.mask, "255.255.255.0");
	assert_ip(o.user.host, "10.0.2.2");
	assert_ip(o.user.dhcp_start, "10.0.2.15");
	assert_ip(o.user.dns, "10.0.2.3");
	assert_false(o.user.restrict_on);
	assert_int_equal(o.nr_fwds, 0);
	assert_int_equal(net_options_parse(&o, "user,hostfwd=tcp::2222-:22,hostfwd=udp:0.0.0.0:"
					   "5353-:53,restrict=on,mtu=9000", &err), 0);
	assert_two_fwds(&o);
	assert_true(o.user.restrict_on);
	assert_int_equal(o.mtu, 9000);
	assert_int_equal(net_options_parse(&o, "user,dns=172.16.0.53,net=172.16.0.0/16", &err), 0);
	assert_ip(o.user.mask, "255.255.0.0");
	assert_ip(o.user.host, "172.16.0.2");
	assert_ip(o.user.dhcp_start, "172.16.0.15");
	assert_ip(o.user.dns, "172.16.0.53");
	assert_int_equal(net_options_parse(&o, "user,net=192.168.9.32/27", &err), 0);
	assert_ip(o.user.dhcp_start, "192.168.9.47");
}

static void test_user_option_errors(void **state)
{
	(void)state;
	expect_error("user,hostfwd=tcp:2222-:22", "malformed (expected tcp|udp:");
	expect_error("user,hostfwd=tcp::2222:22", "malformed");
	expect_error("user,hostfwd=tcp::2222-22", "malformed");
	expect_error("user,hostfwd=sctp::2222-:22", "'sctp' is neither tcp nor udp");
	expect_error("user,hostfwd=tcp:localhost:2222-:22", "'localhost' is not an IPv4 address");
	expect_error("user,hostfwd=tcp::0-:22", "a port is a number from 1 to 65535");
	expect_error("user,hostfwd=tcp::2222-:65536", "a port is a number from 1 to 65535");
	expect_error("user,hostfwd=udp::-:7", "a port is a number");
	expect_error("user,net=10.0.2.0", "net=10.0.2.0: malformed (expected A.B.C.D/N");
	expect_error("user,net=10.0.2/24", "malformed");
	expect_error("user,net=10.0.2.0/33", "malformed");
	expect_error("user,net=10.0.2.0/28", "a prefix length from 8 to 27");
	expect_error("user,net=10.0.0.0/4", "a prefix length from 8 to 27");
	expect_error("user,net=10.0.2.1/24", "host bits are set (the network is 10.0.2.0/24)");
	expect_error("user,dns=10.0.3.3", "dns= must be a host address inside");
	expect_error("user,net=172.16.0.0/16,dns=10.0.2.3", "dns= must be a host address");
	expect_error("user,dns=10.0.2.255", "dns= must be a host address");
	expect_error("user,dns=example", "dns=example: not an IPv4 address");
	expect_error("user,restrict=yes", "restrict=yes: on or off");
	expect_error("user,ifname=tap0", "unknown key 'ifname' (keys: hostfwd=");
	expect_error("user,queues=2", "unknown key 'queues'");
	expect_error("tap,ifname=a,hostfwd=tcp::1-:2", "unknown key 'hostfwd' (keys: ifname=");
	expect_error("user,mtu=65535", "mtu=65535: user takes at most 65521");
	expect_error("user,hostfwd=", "'hostfwd' needs a value");
}

static void test_options(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0xab, 0xcd, 0xef, 0x01, 0x23 };
	struct net_options o;
	struct error err;

	(void)state;
	assert_int_equal(net_options_parse(&o, "tap,ifname=vtap0", &err), 0);
	assert_int_equal(o.kind, NET_TAP);
	assert_string_equal(o.ifname, "vtap0");
	assert_int_equal(o.fd, -1);
	assert_false(o.has_mac);
	assert_int_equal(o.mtu, NET_DEFAULT_MTU);
	assert_int_equal(o.queues, 1);
	assert_int_equal(o.poll_us, NET_POLL_US);
	assert_int_equal(net_options_parse(&o, "tap,ifname=q,queues=4,poll=0", &err), 0);
	assert_int_equal(o.queues, 4);
	assert_int_equal(o.poll_us, 0);
	assert_int_equal(net_options_parse(&o, "tap,fd=7,mac=02:AB:cd:EF:01:23,mtu=65535", &err),
			 0);
	assert_null(o.ifname);
	assert_int_equal(o.fd, 7);
	assert_true(o.has_mac);
	assert_memory_equal(o.mac, mac, 6);
	assert_int_equal(o.mtu, 65535);
}

static void expect_error(const char *arg, const char *msg)
{
	struct net_options o;
	struct error err;

	assert_int_equal(net_options_parse(&o, arg, &err), -1);
	if (!strstr(err.msg, msg))
		fail_msg("--net %s: '%s' does not say '%s'", arg, err.msg, msg);
}

static void test_option_errors(void **state)
{
	(void)state;
	expect_error("tap", "exactly one of ifname=NAME and fd=N");
	expect_error("tap,ifname=a,fd=1", "exactly one of");
	expect_error("tap,ifname=a,speed=10", "unknown key 'speed'");
	expect_error("tap,ifname=a,,mtu=9000", "an empty option");
	expect_error("tap,ifname=", "'ifname' needs a value");
	expect_error("tap,ifname=a/b", "not an interface name");
	expect_error("tap,ifname=0123456789abcdef", "not an interface name");
	expect_error("tap,fd=-1", "not a file descriptor number");
	expect_error("tap,fd=x", "not a file descriptor number");
	expect_error("tap,ifname=a,mac=02:00:00:00:00", "malformed");
	expect_error("tap,ifname=a,mac=02:00:00:00:00:00:00", "malformed");
	expect_error("tap,ifname=a,mac=02-00-00-00-00-00", "malformed");
	expect_error("tap,ifname=a,mac=2:0:0:0:0:0", "malformed");
	expect_error("tap,ifname=a,mac=ff:ff:ff:ff:ff:ff", "multicast");
	expect_error("tap,ifname=a,mtu=67", "from 68 to 65535");
	expect_error("tap,ifname=a,mtu=65536", "from 68 to 65535");
	expect_error("tap,ifname=a,queues=0", "queues=0: a number from 1 to 4");
	expect_error("tap,ifname=a,queues=5", "queues=5: a number from 1 to 4");
	expect_error("tap,fd=3,queues=2", "queues=N needs ifname=");
	expect_error("tap,ifname=a,poll=1001", "poll=1001: a number from 0 to 1000");
	expect_error("tap,ifname=a,poll=-1", "poll=-1: a number from 0 to 1000");
	expect_error("passt,colour=blue", "unknown key 'colour' (keys: hostfwd=");
	expect_error("passt,net=10.0.2.0/24", "unknown key 'net'");
	expect_error("passt,socket=", "'socket' needs a value");
	expect_error("passt,socket=/tmp/p.sock,hostfwd=tcp::2222-:22",
		     "hostfwd= needs the passt vessel starts");
	expect_error("passt,hostfwd=tcp:2222-:22", "hostfwd=tcp:2222-:22: malformed");
	expect_error("passt,socket=/tmp/a-path-longer-than-sun_path-can-hold/"
		     "0123456789012345678901234567890123456789012345678901234567890123456789",
		     "a unix socket's path has at most 107 characters");
	expect_error("slirp", "unknown backend 'slirp'");
}

static void test_default_mac(void **state)
{
	uint8_t a[6], b[6], c[6], d[6];

	(void)state;
	net_default_mac(0, "tap0", a);
	net_default_mac(0, "tap0", b);
	net_default_mac(1, "tap0", c);
	net_default_mac(0, "tap1", d);
	assert_memory_equal(a, b, 6);
	assert_memory_not_equal(a, c, 6);
	assert_memory_not_equal(a, d, 6);
	assert_int_equal(a[0] & 3, 2);	/* locally administered, unicast */
	assert_int_equal(c[0] & 3, 2);
	assert_int_equal(d[0] & 3, 2);
}

#define ALL_OFF (NET_OFF_CSUM | NET_OFF_TSO4 | NET_OFF_TSO6 | NET_OFF_ECN | NET_OFF_UFO)

static void test_features(void **state)
{
	uint64_t f = net_hdr_features(ALL_OFF);

	(void)state;
	assert_true(f & (1ull << VIRTIO_NET_F_CSUM));
	assert_true(f & (1ull << VIRTIO_NET_F_GUEST_CSUM));
	assert_true(f & (1ull << VIRTIO_NET_F_HOST_UFO));
	assert_int_equal(net_hdr_offloads(f, true), ALL_OFF);
	assert_int_equal(net_hdr_offloads(f, false), ALL_OFF);
	/* Segmentation without checksum offload is nothing. */
	assert_int_equal(net_hdr_features(NET_OFF_TSO4), 0);
	assert_int_equal(net_hdr_offloads(1ull << VIRTIO_NET_F_GUEST_TSO4, true), 0);
	/* Each direction reads its own bits. */
	f = (1ull << VIRTIO_NET_F_GUEST_CSUM) | (1ull << VIRTIO_NET_F_GUEST_TSO6);
	assert_int_equal(net_hdr_offloads(f, true), NET_OFF_CSUM | NET_OFF_TSO6);
	assert_int_equal(net_hdr_offloads(f, false), 0);
}

static void test_tx(void **state)
{
	struct virtio_net_hdr h = { 0 };

	(void)state;
	assert_int_equal(sizeof(h), 12);
	assert_true(net_hdr_tx_ok(&h, 60, 0));
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = 34;
	h.csum_offset = 16;
	assert_false(net_hdr_tx_ok(&h, 60, 0));		/* CSUM not negotiated */
	assert_true(net_hdr_tx_ok(&h, 60, NET_OFF_CSUM));
	assert_true(net_hdr_tx_ok(&h, 52, NET_OFF_CSUM));	/* the field ends the frame */
	assert_false(net_hdr_tx_ok(&h, 51, NET_OFF_CSUM));	/* past the frame */
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 1448;
	assert_false(net_hdr_tx_ok(&h, 9000, NET_OFF_CSUM));
	assert_true(net_hdr_tx_ok(&h, 9000, NET_OFF_CSUM | NET_OFF_TSO4));
	h.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	assert_false(net_hdr_tx_ok(&h, 9000, NET_OFF_CSUM | NET_OFF_TSO4));
	assert_true(net_hdr_tx_ok(&h, 9000, NET_OFF_CSUM | NET_OFF_TSO4 | NET_OFF_ECN));
	h.gso_size = 0;
	assert_false(net_hdr_tx_ok(&h, 9000, ALL_OFF));	/* segments of no size */
	h.gso_size = 1448;
	h.flags = 0;
	assert_false(net_hdr_tx_ok(&h, 9000, ALL_OFF));	/* segmented, checksum not partial */
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.gso_type = 2;
	assert_false(net_hdr_tx_ok(&h, 9000, ALL_OFF));	/* no such GSO type */
	h.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	assert_false(net_hdr_tx_ok(&h, 60, ALL_OFF));		/* a receive-only flag */
}

static void test_rx(void **state)
{
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_DATA_VALID, .num_buffers = 7 };

	(void)state;
	/* Without GUEST_CSUM the flags are cleared (DATA_VALID is only a hint). */
	assert_true(net_hdr_rx_fix(&h, 0));
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.num_buffers, 7);
	h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	assert_true(net_hdr_rx_fix(&h, NET_OFF_CSUM));
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_DATA_VALID);
	/* A partial checksum the driver cannot finish: dropped. */
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	assert_false(net_hdr_rx_fix(&h, 0));
	assert_true(net_hdr_rx_fix(&h, NET_OFF_CSUM));
	/* GSO only where the driver took it. */
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	assert_false(net_hdr_rx_fix(&h, NET_OFF_CSUM | NET_OFF_TSO4));
	assert_true(net_hdr_rx_fix(&h, NET_OFF_CSUM | NET_OFF_TSO6));
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_false(net_hdr_rx_fix(&h, ALL_OFF & ~NET_OFF_UFO));
	assert_true(net_hdr_rx_fix(&h, ALL_OFF));
	/* Unknown flag bits never reach the driver. */
	h.gso_type = 0;
	h.flags = 0x80 | VIRTIO_NET_HDR_F_NEEDS_CSUM;
	assert_true(net_hdr_rx_fix(&h, NET_OFF_CSUM));
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
}

static uint8_t command(struct net_ctrl_state *s, const uint8_t *cmd, size_t len)
{
	struct net_ctrl_state before = *s;
	uint8_t ack = net_ctrl_command(s, cmd, len);

	/* A refused command changes nothing. */
	if (ack != VIRTIO_NET_OK)
		assert_memory_equal(s, &before, sizeof(before));
	return ack;
}

static void test_ctrl(void **state)
{
	struct net_ctrl_state s = { .max_pairs = 4, .pairs = 1 };
	static const uint8_t pairs4[] = { 4, 0, 4, 0 }, pairs5[] = { 4, 0, 5, 0 },
			     pairs0[] = { 4, 0, 0, 0 }, pairs_short[] = { 4, 0, 2 },
			     promisc[] = { 0, 0, 1 }, allmulti[] = { 0, 1, 1 },
			     rx_bad[] = { 0, 0, 2 }, rx_cmd[] = { 0, 7, 1 },
			     addr[] = { 1, 1, 0x02, 1, 2, 3, 4, 5 },
			     addr_mc[] = { 1, 1, 0x01, 0, 0x5e, 0, 0, 1 },
			     table[] = { 1, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0 },
			     table_long[] = { 1, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0 },
			     table_tail[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 },
			     table_huge[] = { 1, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 },
			     announce[] = { 3, 0 }, announce_bad[] = { 3, 1 },
			     announce_data[] = { 3, 0, 0 }, nothing[] = { 4 };

	(void)state;
	assert_int_equal(command(&s, pairs4, sizeof(pairs4)), VIRTIO_NET_OK);
	assert_int_equal(s.pairs, 4);
	assert_int_equal(command(&s, pairs5, sizeof(pairs5)), VIRTIO_NET_ERR);
	assert_int_equal(command(&s, pairs0, sizeof(pairs0)), VIRTIO_NET_ERR);
	assert_int_equal(command(&s, pairs_short, sizeof(pairs_short)), VIRTIO_NET_ERR);
	assert_int_equal(command(&s, promisc, sizeof(promisc)), VIRTIO_NET_OK);
	assert_true(s.promisc);
	assert_int_equal(command(&s, allmulti, sizeof(allmulti)), VIRTIO_NET_OK);
	assert_true(s.allmulti);
	assert_int_equal(command(&s, rx_bad, sizeof(rx_bad)), VIRTIO_NET_ERR);
	assert_int_equal(command(&s, rx_cmd, sizeof(rx_cmd)), VIRTIO_NET_ERR);
	assert_int_equal(command(&s, addr, sizeof(addr)), VIRTIO_NET_OK);
	assert_memory_equal(s.mac, addr + 2, 6);
	assert_int_equal(command(&s, addr_mc, sizeof(addr_mc)), VIRTIO_NET_ERR);
	/* One unicast entry, no multicast: exactly the bytes the counts say. */
	assert_int_equal(command(&s, table, sizeof(table)), VIRTIO_NET_OK);
	assert_int_equal(command(&s, table_long, sizeof(table_long)), VIRTIO_NET_ERR);
	assert_int_equal(command(&s, table_tail, sizeof(table_tail)), VIRTIO_NET_ERR);
	assert_int_equal(command(&s, table_huge, sizeof(table_huge)), VIRTIO_NET_ERR);
	/* GUEST_ANNOUNCE: the driver's ACK clears the device's request (5.1.6.5.4). */
	s.announce = true;
	assert_int_equal(command(&s, announce_bad, sizeof(announce_bad)), VIRTIO_NET_ERR);
	assert_int_equal(command(&s, announce_data, sizeof(announce_data)), VIRTIO_NET_ERR);
	assert_true(s.announce);
	assert_int_equal(command(&s, announce, sizeof(announce)), VIRTIO_NET_OK);
	assert_false(s.announce);
	assert_int_equal(command(&s, nothing, sizeof(nothing)), VIRTIO_NET_ERR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_option_errors),
		cmocka_unit_test(test_user_options),
		cmocka_unit_test(test_user_option_errors),
		cmocka_unit_test(test_passt_options),
		cmocka_unit_test(test_default_mac),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_tx),
		cmocka_unit_test(test_rx),
		cmocka_unit_test(test_ctrl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

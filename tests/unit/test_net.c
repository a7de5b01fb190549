/* --net options, the default MAC, and the virtio-net header rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backend/net_backend.h"
#include "virtio/net_hdr.h"

#include <string.h>

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
	assert_int_equal(net_options_parse(&o, "tap,fd=7,mac=02:AB:cd:EF:01:23,mtu=65535", &err), 0);
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
	expect_error("user", "not built yet");
	expect_error("passt", "not built yet");
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
	assert_true(net_hdr_tx_ok(&h, 52, NET_OFF_CSUM));	/* the field ends at the frame's end */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_option_errors),
		cmocka_unit_test(test_default_mac),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_tx),
		cmocka_unit_test(test_rx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#!/usr/bin/env bash
# vessel.test=netbench, briefly (1 s a test), against bench/net-peer: on
# user-mode networking (the peer a UDP socket on 127.0.0.1 reached through
# the gateway), then on a tap in a network namespace the test makes and
# removes (the peer on the tap's host side). The report has every test in
# its parseable form with packets and no errors, the peer got what the
# guest sent, and on the tap the 64 KiB frames went out segmented by the
# host (HOST_TSO4). The throughput itself is bench/net-guest's business.
. "$(dirname "$0")/lib.sh"
require_kvm
NET_PEER=${NET_PEER:?NET_PEER must name bench/net-peer}
NUM='[1-9][0-9]*'

# expect_report TEST FRAME: the guest's lines for one test, and (TX) the peer's.
expect_report() {
	expect_line "^BENCH-BEGIN $1\$"
	expect_line "^BENCH $1 ops=$NUM bytes=$NUM usec=$NUM kicks=[0-9]+\$"
	expect_line "^NETBENCH $1 frame=$2 packets=$NUM bytes=$NUM usec=$NUM pps=$NUM gbps=[0-9]+\.[0-9]{3} kicks=[0-9]+ errors=0\$"
	case $1 in
	tx-*) grep -qE "^PEER $1 frames=$NUM bytes=$NUM usec=[0-9]+ dropped=[0-9]+\$" "$WORK/peer" ||
		fail "the peer did not report what it got of $1" ;;
	rx-*) grep -qE "^PEER flood frame=$2 frames=$NUM usec=$NUM\$" "$WORK/peer" ||
		fail "the peer did not flood $1" ;;
	esac
}

# start_peer ARGS...: the peer in the background (its output in $WORK/peer).
start_peer() {
	"$@" >"$WORK/peer" &
	PEER_PID=$!
	for _ in $(seq 50); do grep -q '^net-peer: ' "$WORK/peer" && break; sleep 0.1; done
	grep -q '^net-peer: ' "$WORK/peer" || fail "the peer did not start"
}

stop_peer() {
	kill "$PEER_PID" 2>/dev/null || true
	wait "$PEER_PID" 2>/dev/null || true
	PEER_PID=
	sed 's/^/  peer| /' "$WORK/peer"
}

NS=vessel-netbench-$$
PEER_PID=
trap '[ -z "$PEER_PID" ] || kill "$PEER_PID" 2>/dev/null || true; ip netns del "$NS" 2>/dev/null || true; rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM

start_peer "$NET_PEER" udp 0
port=$(awk '/^net-peer: udp port/ {print $4}' "$WORK/peer")
vm run --memory 128M --net user \
	--cmdline "vessel.test=netbench vessel.benchtime=1 vessel.netpeer=10.0.2.2 vessel.echoport=$port"
stop_peer
expect_status 0
expect_line 'net: arp reply from 10\.0\.2\.2: '
expect_line 'netbench: TSC [0-9]+ MHz, 1 s per test, features 0x[0-9a-f]+: event_idx on, mrg_rxbuf on, tso4 off$'
expect_line 'netbench: tx-64k: skipped, the device offers no HOST_TSO4$'
for t in tx-64:64 tx-1500:1514 rx-64:64 rx-1500:1514; do
	expect_report "${t%:*}" "${t#*:}"
done
expect_line 'netbench: done, powering off'

# A peer that never answers: the guest says so and fails, vessel with it.
vm run --memory 128M --net user \
	--cmdline "vessel.test=netbench vessel.benchtime=1 vessel.netpeer=10.0.2.2 vessel.echoport=$port"
expect_status 4
expect_line 'netbench: the peer does not answer "VNB END tx-64"'

if ! [ -c /dev/net/tun ]; then
	echo "SKIP (tap part): /dev/net/tun is missing"
	echo "PASS"
	exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! ip netns add "$NS" 2>/dev/null; then
	echo "SKIP (tap part): making a network namespace needs root and ip (iproute2)"
	echo "PASS"
	exit 0
fi
nsx() { ip netns exec "$NS" "$@"; }
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
nsx ip tuntap add mode tap name vtapb
nsx ip link set vtapb up
start_peer ip netns exec "$NS" "$NET_PEER" packet vtapb
printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$NS" "$VESSEL" >"$WORK/vessel-ns"
chmod +x "$WORK/vessel-ns"
VESSEL=$WORK/vessel-ns
vm run --memory 128M --net tap,ifname=vtapb --cmdline "vessel.test=netbench vessel.benchtime=1"
stop_peer
expect_status 0
expect_line 'netbench: TSC [0-9]+ MHz, 1 s per test, features 0x[0-9a-f]+: event_idx on, mrg_rxbuf on, tso4 on$'
for t in tx-64:64 tx-1500:1514 tx-64k:65549 rx-64:64 rx-1500:1514; do
	expect_report "${t%:*}" "${t#*:}"
done
# The 64 KiB frames reached the host whole, as the GSO frames the guest built.
grep -qE "^PEER tx-64k frames=$NUM bytes=$NUM" "$WORK/peer" &&
	[ "$(awk '/^PEER tx-64k/ { split($4, b, "="); split($3, f, "="); print (f[2] && b[2] / f[2] == 65549) }' "$WORK/peer")" = 1 ] ||
	fail "the peer's 64 KiB frames are not 65549 bytes each"
echo "PASS"

#!/usr/bin/env bash
# virtio-net on a tap: in a network namespace the test makes (so no host
# interface is touched), the built-in guest resolves the tap's address by ARP
# and pings it; the kernel's own stack answers, as its ICMP counters show. Then
# with --iommu, on a tap fd handed over by a parent (with and without a vnet
# header), with a tap vessel creates and removes, and with a bad second NIC
# (the first's tap goes away with the failed VM), and with two queue pairs on
# a multi-queue tap.
. "$(dirname "$0")/lib.sh"
require_kvm
if ! [ -c /dev/net/tun ]; then
	echo "SKIP: /dev/net/tun is missing"
	exit 77
fi
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
	echo "SKIP: making a network namespace needs root and ip (iproute2)"
	exit 77
fi

NS=vessel-net-$$
REAL_VESSEL=$VESSEL
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM	# a test harness's timeout still removes the namespace
ip netns add "$NS" || { echo "SKIP: cannot create a network namespace"; exit 77; }
nsx() { ip netns exec "$NS" "$@"; }
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
nsx ip tuntap add mode tap name vtap0
nsx ip addr add 10.0.2.1/24 dev vtap0
nsx ip link set vtap0 mtu 9000 up	# room for the guest's 3 KiB echo
TAP_MAC=$(nsx cat /sys/class/net/vtap0/address)

# vessel runs inside the namespace.
printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$NS" "$REAL_VESSEL" >"$WORK/vessel-ns"
chmod +x "$WORK/vessel-ns"
VESSEL=$WORK/vessel-ns

# The namespace's kernel counter NAME from /proc/net/snmp (Icmp: header line, then values).
icmp() {
	nsx awk -v name="$1" '$1 == "Icmp:" { if (!h) { for (i = 2; i <= NF; i++) if ($i == name) c = i; h = 1 } else print $c }' /proc/net/snmp
}

PING="vessel.test=net vessel.netaddr=10.0.2.15 vessel.netpeer=10.0.2.1"

# The guest pings three times: the second reply is dropped by the device
# (larger than the buffer), the others arrive with valid checksums; then, with
# MRG_RXBUF, a 3 KiB reply comes in three 1 KiB buffers; a MAC set through
# the control queue lasts until a reset; then a receive buffer outside memory
# gets the device NEEDS_RESET, and the guest powers off.
expect_ping() {
	expect_status 0
	expect_line "virtio-net 00:0[0-9a-f].0: mac $1, link up, mtu 1500"
	expect_line "net: arp reply from 10.0.2.1: $TAP_MAC\$"
	expect_line 'net: echo reply from 10.0.2.1: seq 0, 64 bytes, checksums ok'
	expect_line 'net: a frame larger than the buffer was dropped, the buffer untouched'
	expect_line 'net: echo reply from 10.0.2.1: seq 2, 64 bytes, checksums ok'
	expect_line 'net: echo reply from 10.0.2.1: seq 3, 3008 bytes, checksums ok'
	expect_line 'net: mergeable buffers: a 3042-byte frame in 3 buffers'
	expect_line 'net: control queue: MAC set to 02:00:00:00:00:99, the device.s own again after a reset'
	expect_line 'net: a receive buffer outside memory: status 0x4f, the device needs a reset'
	expect_line 'net0 \(vtap0\): rx 4 packets 3280 bytes 1 dropped, tx 6 packets 3476 bytes 0 dropped, [0-9]+ kicks, [1-9][0-9]* interrupts'
	expect_line 'all checks passed'
}

before=$(icmp OutEchoReps)
vm run --verbose --net tap,ifname=vtap0,mac=02:00:00:00:00:15 --cmdline "$PING"
expect_ping 02:00:00:00:00:15
[ "$(icmp OutEchoReps)" -eq $((before + 5)) ] ||
	fail "the namespace's kernel sent $(($(icmp OutEchoReps) - before)) echo replies, not 5"

# Behind the IOMMU, with threads that never poll: the guest maps its buffers
# and rings at IOVAs the device
# reaches only through translation, and the buffer outside memory faults. With
# the default MAC: locally administered unicast, and the same on every run.
vm run --verbose --iommu --net tap,ifname=vtap0,poll=0 --cmdline "$PING"
expect_line 'tables: .*DMAR'
expect_line 'net: DMA through the IOMMU, IOVA 0x4000000 for 0x[0-9a-f]+$'
expect_line 'VT-d fault: source 00:0[0-9a-f].0, reason 0x05, address 0x7ff000000000, write'
expect_line 'IOMMU: IOTLB [0-9]+ hits, [0-9]+ misses .*; 1 faults'
mac=$(sed -n 's/.*virtio-net 00:0[0-9a-f].0: mac \([0-9a-f:]*\),.*/\1/p' "$WORK/out")
[ $((0x${mac%%:*} & 3)) -eq 2 ] || fail "default MAC $mac is not locally administered unicast"
expect_ping "$mac"
vm run --net tap,ifname=vtap0,mtu=9000
expect_status 0
expect_line "virtio-net 00:0[0-9a-f].0: mac $mac, link up, mtu 9000"

# A tap fd from a parent (python does TUNSETIFF): with IFF_VNET_HDR, and
# without, where the device adds and strips the header itself.
cat >"$WORK/tapfd.py" <<'PY'
import fcntl, os, struct, sys
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"vtap0", int(sys.argv[1], 0)))  # TUNSETIFF
os.dup2(fd, 7)
os.execv(sys.argv[2], sys.argv[2:])
PY
for flags in 0x5002 0x1002; do	# IFF_TAP | IFF_NO_PI, with and without IFF_VNET_HDR
	printf '#!/bin/sh\nexec ip netns exec %s python3 %s %s %s "$@"\n' "$NS" "$WORK/tapfd.py" \
		"$flags" "$REAL_VESSEL" >"$WORK/vessel-fd"
	chmod +x "$WORK/vessel-fd"
	VESSEL=$WORK/vessel-fd
	vm run --verbose --net tap,fd=7,mac=02:00:00:00:00:16 --cmdline "$PING"
	expect_ping 02:00:00:00:00:16
done
VESSEL=$WORK/vessel-ns
expect_line 'net0: vtap0, .*no vnet header'

# Two queue pairs on a multi-queue tap (in a subnet of its own): the guest
# sets them through the control queue and pings from the second pair.
nsx ip tuntap add mode tap name vtapq multi_queue
nsx ip addr add 10.0.3.1/24 dev vtapq
nsx ip link set vtapq mtu 9000 up
vm run --verbose --net tap,ifname=vtapq,queues=2 \
	--cmdline "vessel.test=net vessel.netaddr=10.0.3.15 vessel.netpeer=10.0.3.1"
expect_status 0
expect_line 'net0: vtapq, .*, 2 queue pair\(s\)'
expect_line 'control command 4.0: refused'
expect_line 'control command 4.0: ok'
expect_line 'control command 9.1: refused'
expect_line 'net: 2 queue pairs: echo sent on the second, answered on receive queue [01]$'
expect_line 'net: control queue: MAC set to 02:00:00:00:00:99'
expect_line 'net: a receive buffer outside memory: status 0x4f, the device needs a reset'
expect_line 'net: mergeable buffers: a 3042-byte frame in 3 buffers'
expect_line 'all checks passed'
vm run --net tap,ifname=vtap0,queues=2
expect_status 1
expect_line 'ifname=vtap0: queues=2 needs a tap created with multi_queue'
vm run --net tap,ifname=vtapq
expect_status 1
expect_line 'ifname=vtapq: not a plain tap'

# A tap vessel creates is gone when it exits, also when the VM fails to build.
vm run --verbose --net tap,ifname=vnew0,queues=4
expect_status 0
expect_line 'ifname=vnew0: created .*, 4 queue\(s\)'
! nsx ip link show vnew0 >/dev/null 2>&1 || fail "vessel left tap vnew0 behind"
vm run --net tap,ifname=vnew1 --net tap,ifname=lo
expect_status 1
expect_line 'ifname=lo: lo is not a tap device'
! nsx ip link show vnew1 >/dev/null 2>&1 || fail "a failed VM left tap vnew1 behind"

# Without CAP_NET_ADMIN a missing tap is an error that says so.
if command -v setpriv >/dev/null; then
	status=0
	nsx setpriv --bounding-set=-net_admin "$REAL_VESSEL" run --net tap,ifname=vnew2 \
		>"$WORK/out" 2>&1 </dev/null || status=$?
	cat "$WORK/out"
	expect_status 1
	expect_line 'ifname=vnew2: no such tap, and creating one needs CAP_NET_ADMIN'
	[ "$(wc -l <"$WORK/out")" -eq 1 ] || fail "expected a single error line"
fi
echo "PASS"

#!/usr/bin/env bash
# Bad --net input: one clear error, a non-zero status (2 for what the command
# line says, 1 for what the host refuses), and no VM.
. "$(dirname "$0")/lib.sh"
require_kvm

bad() {
	local want=$1 msg=$2
	shift 2
	vm run "$@"
	expect_status "$want"
	expect_line "$msg"
	expect_no_line 'vessel-guest'
}

bad 2 "tap needs exactly one of ifname=NAME and fd=N" --net tap
bad 2 "tap needs exactly one of ifname=NAME and fd=N" --net tap,ifname=a,fd=3
bad 2 "unknown key 'colour'" --net tap,ifname=a,colour=blue
bad 2 "mac=02:00:00:00:00: malformed" --net tap,ifname=a,mac=02:00:00:00:00
bad 2 "mac=02:00:00:00:00:0g: malformed" --net tap,ifname=a,mac=02:00:00:00:00:0g
bad 2 "a multicast address cannot be a NIC's" --net tap,ifname=a,mac=01:00:5e:00:00:01
bad 2 "mtu=67: a number from 68 to 65535" --net tap,ifname=a,mtu=67
bad 2 "mtu=65536: a number from 68 to 65535" --net tap,ifname=a,mtu=65536
bad 2 "ifname=abcdefghijklmnopq: not an interface name" --net tap,ifname=abcdefghijklmnopq
bad 2 "'mac' needs a value" --net tap,ifname=a,mac
bad 2 "queues=5: a number from 1 to 4" --net tap,ifname=a,queues=5
bad 2 "queues=N needs ifname=" --net tap,fd=3,queues=2
bad 2 "poll=soon: a number from 0 to 1000" --net tap,ifname=a,poll=soon
bad 2 "unknown backend 'vde'" --net vde
bad 2 "hostfwd=tcp:2222-:22: malformed" --net user,hostfwd=tcp:2222-:22
bad 2 "hostfwd=icmp::1-:1: 'icmp' is neither tcp nor udp" --net user,hostfwd=icmp::1-:1
bad 2 "hostfwd=tcp::2222-:0: a port is a number from 1 to 65535" --net user,hostfwd=tcp::2222-:0
bad 2 "net=10.0.2.0/30: a prefix length from 8 to 27" --net user,net=10.0.2.0/30
bad 2 "net=10.0.2.9/24: host bits are set" --net user,net=10.0.2.9/24
bad 2 "dns= must be a host address inside the guest's network" --net user,dns=8.8.8.8
bad 2 "restrict=maybe: on or off" --net user,restrict=maybe
bad 2 "unknown key 'ifname'" --net user,ifname=tap0
nine=()
for i in $(seq 9); do nine+=(--net "tap,ifname=t$i"); done
bad 2 "at most 8 NICs" "${nine[@]}"

# What the host refuses (no tap is opened on the host by these).
bad 1 "tap,fd=99: not an open file descriptor" --net tap,fd=99
bad 1 "tap,fd=0: not a tap device" --net tap,fd=0
bad 1 "ifname=lo: lo is not a tap device" --net tap,ifname=lo
bad 1 "hostfwd tcp 192.0.2.1:2222: cannot listen: Cannot assign requested address" \
	--net user,hostfwd=tcp:192.0.2.1:2222-:22
[ "$(wc -l <"$WORK/out")" -eq 1 ] || fail "expected a single error line"

# The guest's network test without a NIC fails rather than passing quietly.
vm run --cmdline "vessel.test=net vessel.netaddr=10.0.2.15 vessel.netpeer=10.0.2.1"
expect_status 4
expect_line 'check failed: vessel.test=net: a virtio-net NIC on the PCI bus'
echo "PASS"

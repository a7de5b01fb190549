#!/usr/bin/env bash
# virtio-net on user-mode networking (libslirp): no privileges, no namespace;
# everything on the host side binds to 127.0.0.1 on ports picked free. The
# built-in guest gets its address by DHCP, resolves the gateway by ARP, pings
# it, and sends a datagram to the gateway's port P, which libslirp hands to a
# UDP echo server this test runs on 127.0.0.1:P. Then through a UDP host
# forward the test sends the guest a datagram and checks the guest's echo.
# Also: net= and dns= change the guest's addresses, restrict=on keeps the
# guest from the host, and a forward whose port is in use fails the VM.
. "$(dirname "$0")/lib.sh"
require_kvm
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }

. "$(dirname "$0")/net-udp.sh"

python3 "$WORK/udp-echo.py" "$WORK/echo-port" &
ECHO_PID=$!
trap 'kill $ECHO_PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do [ -s "$WORK/echo-port" ] && break; sleep 0.1; done
ECHO_PORT=$(cat "$WORK/echo-port")
HOST_PORT=$(free_port DGRAM)
GUEST_PORT=7

# The guest's steps, and the host's datagram through hostfwd echoed back.
timeout --kill-after=5 "$TEST_TIMEOUT" "$VESSEL" run --verbose \
	--net "user,hostfwd=udp:127.0.0.1:$HOST_PORT-:$GUEST_PORT" \
	--cmdline "vessel.test=net-user vessel.echoport=$ECHO_PORT vessel.fwdport=$GUEST_PORT" \
	>"$WORK/raw" 2>&1 </dev/null &
VM_PID=$!
for _ in $(seq 600); do
	grep -q 'waiting for a datagram' "$WORK/raw" && break
	kill -0 $VM_PID 2>/dev/null || break
	sleep 0.1
done
ask=$(python3 "$WORK/udp-ask.py" "$HOST_PORT" 30) || true
status=0
wait $VM_PID || status=$?
tr -d '\r' <"$WORK/raw" >"$WORK/out"
sed 's/^/  | /' "$WORK/out"
expect_status 0
expect_line 'net: dhcp offer 10\.0\.2\.15 from 10\.0\.2\.2$'
expect_line 'net: dhcp lease 10\.0\.2\.15 from 10\.0\.2\.2, router 10\.0\.2\.2, dns 10\.0\.2\.3$'
expect_line 'net: arp reply from 10\.0\.2\.2: [0-9a-f:]{17}$'
expect_line 'net: echo reply from 10\.0\.2\.2: seq 0, 64 bytes, checksums ok'
expect_line "net: udp echo from 10\.0\.2\.2:$ECHO_PORT, 30 bytes, checksum ok, ok"
expect_line "net: udp from 10\.0\.2\.2:[0-9]+ to port $GUEST_PORT, 30 bytes, echoed"
expect_line 'net0 \(user\): rx [0-9]+ packets [0-9]+ bytes 0 dropped, tx [0-9]+ packets'
expect_line 'all checks passed'
[ "$ask" = "reply ok" ] || fail "the host's datagram through hostfwd: $ask"

# Another network and DNS address, said by DHCP.
vm run --net user,net=192.168.77.0/24,dns=192.168.77.53 \
	--cmdline "vessel.test=net-user vessel.echoport=$ECHO_PORT"
expect_status 0
expect_line 'net: dhcp lease 192\.168\.77\.15 from 192\.168\.77\.2, router 192\.168\.77\.2, dns 192\.168\.77\.53$'
expect_line "net: udp echo from 192\.168\.77\.2:$ECHO_PORT, 30 bytes, checksum ok, ok"

# restrict=on: libslirp still answers for itself (DHCP, without a router or
# DNS, ARP, ping), but nothing passes to the host: the echo never comes.
vm run --net user,restrict=on --cmdline "vessel.test=net-user vessel.echoport=$ECHO_PORT"
expect_status 4
expect_line 'net: dhcp lease 10\.0\.2\.15 from 10\.0\.2\.2, router 0\.0\.0\.0, dns 0\.0\.0\.0$'
expect_line 'net: echo reply from 10\.0\.2\.2: seq 0'
expect_no_line 'net: udp echo from'
expect_line 'check failed: virtio-net: DHCP, ARP, ping and UDP on the user-mode network'

# A forward whose port is taken: one line naming it, status 1, no guest.
vm run --net "user,hostfwd=udp::$ECHO_PORT-:7"
expect_status 1
expect_line "^vessel: error: --net user: hostfwd udp 127\.0\.0\.1:$ECHO_PORT: cannot listen: Address already in use$"
[ "$(wc -l <"$WORK/out")" -eq 1 ] || fail "expected a single error line"
# ... and the forwards before it were closed: their port is free again.
port=$(free_port DGRAM)
vm run --net "user,hostfwd=udp::$port-:7,hostfwd=udp::$ECHO_PORT-:7"
expect_status 1
python3 -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("127.0.0.1", int(sys.argv[1])))' "$port" ||
	fail "the first forward's port $port is still taken after the failure"
echo "PASS"

#!/usr/bin/env bash
# virtio-net on passt: vessel starts passt (Debian's), with the forwards it was
# given, and stops it at exit. On passt's network the guest gets the host's
# own address and gateway by DHCP, resolves the gateway by ARP, pings it (an
# echo passt sends through a ping socket: required only where the host lets
# passt's user open one), and sends a datagram to the gateway's port P, which
# passt maps to the host's 127.0.0.1:P, where this test echoes it. Through a
# UDP forward the host's datagram reaches the guest and comes back. Then:
# SIGTERM stops vessel with no passt and no socket left; socket= connects to a
# passt the test started; bad input gets one line and status 1.
. "$(dirname "$0")/lib.sh"
require_kvm
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
command -v passt >/dev/null || { echo "SKIP: passt is not installed (scripts/deps.sh test)"; exit 77; }
gateway=$(ip -4 route show default 2>/dev/null | awk '/^default via/ {print $3; exit}')
[ -n "$gateway" ] || { echo "SKIP: no IPv4 default route: passt has no interface to copy"; exit 77; }

. "$(dirname "$0")/net-udp.sh"
# no_passt_of PID: nothing of the passt the vessel with PID started is left.
no_passt_of() {
	! pgrep -f "vessel-passt-$1-" >/dev/null || fail "a passt of vessel $1 still runs"
	! ls /tmp/vessel-passt-"$1"-* >/dev/null 2>&1 || fail "vessel $1 left its passt socket behind"
}

python3 "$WORK/udp-echo.py" "$WORK/echo-port" &
ECHO_PID=$!
PASST_PID=""
trap 'kill $ECHO_PID ${PASST_PID:+$PASST_PID} 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do [ -s "$WORK/echo-port" ] && break; sleep 0.1; done
ECHO_PORT=$(cat "$WORK/echo-port")
HOST_PORT=$(free_port DGRAM)
GUEST_PORT=7

# passt runs as nobody when started by root; ICMP goes through ping sockets,
# which net.ipv4.ping_group_range must allow for passt's group.
passt_gid=$(id -g)
[ "$(id -u)" -ne 0 ] || passt_gid=$(id -g nobody)
read -r lo hi </proc/sys/net/ipv4/ping_group_range
pingopt=""
if [ "$passt_gid" -lt "$lo" ] || [ "$passt_gid" -gt "$hi" ]; then
	pingopt=vessel.pingopt
	echo "net.ipv4.ping_group_range ($lo $hi) leaves out passt's group $passt_gid: the ping is optional"
fi

# run_vm ARGS...: vessel in the background, its output in $WORK/raw, its pid
# (which names its passt's socket) in VM_PID; meson's limit guards it.
run_vm() {
	"$VESSEL" run "$@" >"$WORK/raw" 2>&1 </dev/null &
	VM_PID=$!
}
# wait_for_line TEXT: until vessel prints TEXT (0), exits or 60 s pass (1).
wait_for_line() {
	for _ in $(seq 600); do
		grep -q "$1" "$WORK/raw" && return 0
		kill -0 $VM_PID 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# wait_for_passt PID: the passt of the vessel with PID shows up within 10 s.
# Polled: pgrep reads /proc once, and a loaded host may show it late.
wait_for_passt() {
	for _ in $(seq 100); do
		pgrep -f "vessel-passt-$1-" >/dev/null && return 0
		sleep 0.1
	done
	fail "no passt runs for vessel $1 after 10 s"
}
finish_vm() {
	status=0
	wait $VM_PID || status=$?
	tr -d '\r' <"$WORK/raw" >"$WORK/out"
	sed 's/^/  | /' "$WORK/out"
}

# The guest's steps, and the host's datagram through the forward echoed back.
run_vm --verbose --net "passt,hostfwd=udp:127.0.0.1:$HOST_PORT-:$GUEST_PORT" \
	--cmdline "vessel.test=net-user vessel.echoport=$ECHO_PORT vessel.fwdport=$GUEST_PORT $pingopt"
wait_for_line 'waiting for a datagram'
ask=$(python3 "$WORK/udp-ask.py" "$HOST_PORT" 30) || true
finish_vm
expect_status 0
expect_line "net: dhcp lease [0-9.]+ from [0-9.]+, router ${gateway//./\\.}, dns [0-9.]+$"
expect_line "net: arp reply from ${gateway//./\\.}: [0-9a-f:]{17}$"
[ -n "$pingopt" ] || expect_line "net: echo reply from ${gateway//./\\.}: seq 0"
expect_line "net: udp echo from ${gateway//./\\.}:$ECHO_PORT, 30 bytes, checksum ok, ok"
expect_line "net: udp from [0-9.]+:[0-9]+ to port $GUEST_PORT, [0-9]+ bytes, echoed"
expect_line 'net0 \(passt\): rx [0-9]+ packets [0-9]+ bytes 0 dropped, tx [0-9]+ packets'
expect_line 'all checks passed'
[ "$ask" = "reply ok" ] || fail "the host's datagram through passt's forward: $ask"
no_passt_of $VM_PID

# SIGTERM while the guest waits: vessel stops, and passt and its socket are gone.
run_vm --net "passt,hostfwd=udp:127.0.0.1:$HOST_PORT-:$GUEST_PORT" \
	--cmdline "vessel.test=net-user vessel.echoport=$ECHO_PORT vessel.fwdport=$GUEST_PORT vessel.pingopt"
wait_for_line 'waiting for a datagram' || { finish_vm; fail "the guest never waited for a datagram"; }
wait_for_passt $VM_PID
kill -TERM $VM_PID
finish_vm
expect_status 143
no_passt_of $VM_PID
python3 -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("127.0.0.1", int(sys.argv[1])))' "$HOST_PORT" ||
	fail "passt's forward port $HOST_PORT is still taken after vessel stopped"

# socket=: a passt the test started (as this user, so it can write in $WORK).
passt --foreground --quiet --one-off --runas "$(id -u)" --socket "$WORK/passt.sock" -u none \
	>/dev/null 2>&1 &
PASST_PID=$!
for _ in $(seq 100); do [ -S "$WORK/passt.sock" ] && break; sleep 0.05; done
vm run --net "passt,socket=$WORK/passt.sock" \
	--cmdline "vessel.test=net-user vessel.echoport=$ECHO_PORT $pingopt"
expect_status 0
expect_line "net: udp echo from ${gateway//./\\.}:$ECHO_PORT, 30 bytes, checksum ok, ok"
expect_line 'all checks passed'
# --one-off: the passt leaves with its client.
for _ in $(seq 50); do kill -0 $PASST_PID 2>/dev/null || break; sleep 0.1; done
! kill -0 $PASST_PID 2>/dev/null || fail "the passt behind socket= outlived vessel's connection"
PASST_PID=""

# Bad input: one line and status 1, or status 2 (and the usage hint) for the command line's own.
one_line() { [ "$(wc -l <"$WORK/out")" -eq 1 ] || fail "expected a single error line"; }
vm run --net "passt,socket=$WORK/nothing.sock"
expect_status 1
expect_line "^vessel: error: --net passt,socket=$WORK/nothing.sock: cannot connect: No such file or directory$"
one_line
vm run --net passt,colour=blue
expect_status 2
expect_line "unknown key 'colour' \(keys: hostfwd="
vm run --net "passt,socket=$WORK/x.sock,hostfwd=tcp::2222-:22"
expect_status 2
expect_line "hostfwd= needs the passt vessel starts"
# A forward whose port is taken: passt says so and leaves; vessel passes it on.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1]); time.sleep(60)' "$WORK/busy" &
BUSY_PID=$!
for _ in $(seq 50); do [ -s "$WORK/busy" ] && break; sleep 0.1; done
busy=$(cat "$WORK/busy")
run_vm --net "passt,hostfwd=tcp::$busy-:22"
finish_vm
kill $BUSY_PID
expect_status 1
expect_line "^vessel: error: --net passt: passt exited with status 1: Failed to bind any port for '-t 127\.0\.0\.1/$busy:22', exiting$"
one_line
no_passt_of $VM_PID
# No passt on PATH.
mkdir "$WORK/empty"
PATH=$WORK/empty run_vm --net passt
finish_vm
expect_status 1
expect_line "^vessel: error: --net passt: no passt program on PATH: install passt \(Debian: apt-get install passt\)$"
one_line
echo "PASS"

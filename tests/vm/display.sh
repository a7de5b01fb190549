#!/usr/bin/env bash
# The display and its VNC server, seen by a real RFB client (tests/vm/vnc_client,
# libvncclient): the built-in guest's pattern pixel for pixel at the EDID's
# preferred mode; a cursor shape; two viewers at once, and the VM unaffected by
# their leaving; VNC authentication; a redrawn 32x32 square costs an update of
# that square, not of the screen; keys and pointer moves reach the guest with
# the right codes and coordinates, and its marker follows the pointer.
. "$(dirname "$0")/lib.sh"
require_kvm
CLIENT=${VNC_CLIENT:?VNC_CLIENT must name tests/vm/vnc_client}

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_vm WAIT_LINE ARGS...: vessel in the background until its output has WAIT_LINE.
start_vm() {
	local line=$1
	shift
	timeout 120 "$VESSEL" run "$@" </dev/null >"$WORK/raw" 2>&1 &
	vm_pid=$!
	for _ in $(seq 600); do
		grep -q "$line" "$WORK/raw" && return 0
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/raw"
	fail "the VM never printed '$line'"
}

stop_vm() {
	kill "$vm_pid" 2>/dev/null || true
	status=0
	wait "$vm_pid" || status=$?
	tr -d '\r' <"$WORK/raw" >"$WORK/out"
}

client() { echo "  \$ vnc_client $*"; timeout 60 "$CLIENT" "$@"; }

echo "the pattern at the default mode, then at --display 1280x720"
PORT=$(free_port)
start_vm 'pattern drawn' --vnc "127.0.0.1:$PORT" --cmdline vessel.test=display
client "127.0.0.1:$PORT" pattern | tee "$WORK/c1"
grep -q 'pattern: 1024x768 ok' "$WORK/c1" || fail "not the 1024x768 pattern"
grep -q 'cursor: 11x16' "$WORK/c1" || fail "the server sent no cursor shape"

echo "the browser's side of the port: noVNC's page and files, WebSocket"
if command -v curl >/dev/null; then
	url=http://127.0.0.1:$PORT
	curl -s -D "$WORK/h" -o /dev/null "$url/" || fail "GET / failed"
	grep -q '^HTTP/1.1 302' "$WORK/h" && grep -q '^Location: /vnc.html?autoconnect=true' "$WORK/h" ||
		fail "GET / is not a redirect to noVNC's page"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/vnc.html?autoconnect=true")" = 200 ] ||
		fail "no vnc.html"
	[ "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$url/core/rfb.js")" = \
		"200 application/javascript" ] || fail "no core/rfb.js as JavaScript"
	[ "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$url/app/../../../etc/passwd")" = 404 ] ||
		fail "a path with .. was served"
	timeout 5 curl -s -N -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
		-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
		-H 'Origin: http://127.0.0.1' -H 'Sec-WebSocket-Protocol: binary' \
		-D "$WORK/ws" -o "$WORK/wsbody" "$url/websockify" || true
	grep -q '^HTTP/1.1 101' "$WORK/ws" || fail "no WebSocket upgrade"
	grep -aq 'RFB 003.008' "$WORK/wsbody" || fail "no RFB greeting over the WebSocket"
else
	echo "  (no curl: skipped)"
fi

echo "two viewers at once; the VM is unaffected by their leaving"
client "127.0.0.1:$PORT" hold 3 >"$WORK/c2" &
hold_pid=$!
sleep 1
client "127.0.0.1:$PORT" pattern >"$WORK/c3" || fail "a second viewer beside the first failed"
wait "$hold_pid" || fail "the first viewer failed while a second came and went"
grep -q 'pattern: 1024x768 ok' "$WORK/c2" || fail "the first viewer saw no pattern"
client "127.0.0.1:$PORT" pattern >/dev/null || fail "a viewer after the others left failed"
kill -0 "$vm_pid" || fail "the VM ended when its viewers left"
stop_vm
expect_status 143

start_vm 'pattern drawn' --display 1280x720 --vnc "127.0.0.1:$PORT" --cmdline vessel.test=display
client "127.0.0.1:$PORT" pattern | grep -q 'pattern: 1280x720 ok' || fail "not the 1280x720 pattern"
stop_vm
grep -q 'EDID preferred mode 1280x720' "$WORK/out" || fail "the EDID did not say 1280x720"
grep -q 'a width of 4096 was refused' "$WORK/out" || fail "the device took a width past its maximum"

echo "VNC authentication, over a unix socket"
printf 'sesame\n' >"$WORK/pw"
printf 'wrong\n' >"$WORK/bad"
chmod 600 "$WORK/pw" "$WORK/bad"
SOCK=$WORK/vnc.sock
start_vm 'pattern drawn' --vnc "unix:$SOCK,password-file=$WORK/pw" --cmdline vessel.test=display
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "the socket's mode is $(stat -c %a "$SOCK"), not 600"
client -p "$WORK/pw" "unix:$SOCK" pattern | grep -q 'pattern: 1024x768 ok' ||
	fail "the right password did not give the screen"
client -p "$WORK/bad" "unix:$SOCK" refused || fail "a wrong password was let in"
client "unix:$SOCK" refused || fail "no password was let in"
stop_vm
[ ! -e "$SOCK" ] || fail "the unix socket outlived vessel"

echo "a redrawn square: updates of that square only"
start_vm 'redrawing 32x32' --vnc "127.0.0.1:$PORT,fps=30" --cmdline "vessel.test=display vessel.redraw=20"
client "127.0.0.1:$PORT" redraw 3 | tee "$WORK/c4" || fail "updates outside the redrawn square"
stop_vm
read -r updates rects bytes < <(sed -n 's/^redraw: \([0-9]*\) updates, \([0-9]*\) rectangles, \([0-9]*\) bytes.*/\1 \2 \3/p' "$WORK/c4")
[ "$updates" -ge 20 ] || fail "$updates updates in 3 s of 20 redraws a second"
[ "$updates" -le 95 ] || fail "$updates updates in 3 s: more than fps=30 allows"
[ "$rects" -le $((2 * updates)) ] || fail "$rects rectangles for $updates updates"
# A whole 1024x768 frame is 3 MiB raw; a 32x32 square 4 KiB before encoding.
[ "$bytes" -le $((updates * 4096)) ] || fail "$bytes bytes for $updates updates of a 32x32 square"

echo "keys and pointer moves reach the guest (virtio-input), the marker follows, Esc powers off"
start_vm 'input: ready' --input virtio --vnc "127.0.0.1:$PORT" --cmdline vessel.test=display
client "127.0.0.1:$PORT" input || fail "the viewer could not send input"
for _ in $(seq 100); do
	grep -q 'marker at 512,384' "$WORK/raw" && break
	sleep 0.1
done
client "127.0.0.1:$PORT" pixel 515,387 | grep -q ': 00ff80' || fail "no marker under the pointer"
client "127.0.0.1:$PORT" quit || fail "the viewer could not send Escape"
status=0
wait "$vm_pid" || status=$?
tr -d '\r' <"$WORK/raw" >"$WORK/out"
expect_status 0
# a Z 1 Return Shift_L F1 Left KP_Enter: KEY_A 30, KEY_Z 44, KEY_1 2, KEY_ENTER 28,
# KEY_LEFTSHIFT 42, KEY_F1 59, KEY_LEFT 105, KEY_KPENTER 96.
for code in 30 44 2 28 42 59 105 96; do
	expect_line "input: key $code down via virtio"
	expect_line "input: key $code up via virtio"
done
expect_line 'input: pointer 0 0 buttons 0 via virtio'
expect_line 'input: pointer 32767 32767 buttons 0 via virtio'
expect_line 'input: pointer 16400 16405 buttons 1 via virtio'
expect_line 'display: marker at 512,384'
expect_line 'input: key 1 down via virtio'
echo "PASS"

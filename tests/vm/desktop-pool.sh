#!/usr/bin/env bash
# vessel desktop: a pool of built-in-guest desktops behind one listener. Tokens
# on the page, the restart and the WebSocket; the proxy speaking RFB to each
# desktop's VNC server; a stalled viewer holding up nobody; a crashed desktop
# stopped alone and restarted from the page; a clean stop; bad input.
source "$(dirname "$0")/lib.sh"
require_kvm
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
WS="python3 $(dirname "$0")/pool_ws.py"
DIR=$WORK/pool

# pool_start ARGS...: a pool on a free port, up to its "running" line.
pool_start() {
	"$VESSEL" desktop --listen 127.0.0.1:0 --state-dir "$DIR" "$@" >"$WORK/pool.out" 2>&1 &
	POOL=$!
	for _ in $(seq 600); do
		grep -q 'desktops running' "$WORK/pool.out" && break
		kill -0 "$POOL" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/  | /' "$WORK/pool.out"
	grep -q 'desktops running' "$WORK/pool.out" || fail "the pool's desktops never all ran"
	ADDR=$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/pool.out" | head -1 | sed 's|http://||')
}

pool_stop() {
	kill -TERM "$POOL"
	status=0
	timeout 30 tail --pid="$POOL" -f /dev/null || fail "the pool did not stop within 30 s"
	wait "$POOL" || status=$?
}

json() {
	curl -sf "http://$ADDR/desktops" | python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"
}

code() {
	curl -s -o /dev/null -w '%{http_code}' "$@"
}

pool_start --count 3 --disk-size 16M -- --display=640x480
trap 'kill -KILL $POOL 2>/dev/null || true; rm -rf "$WORK"' EXIT
T1=$(cat "$DIR/desktop1.token")
T2=$(cat "$DIR/desktop2.token")

echo "== the state directory"
for n in 1 2 3; do
	[ "$(stat -c %a "$DIR/desktop$n.token")" = 600 ] || fail "desktop$n.token is not mode 600"
	grep -qxE '[0-9a-f]{64}' "$DIR/desktop$n.token" || fail "desktop$n.token is not 64 hex digits"
	[ -S "$DIR/desktop$n.vnc" ] || fail "no VNC socket for desktop$n"
	[ "$(stat -c %s "$DIR/desktop$n.disk")" = $((16 << 20)) ] || fail "desktop$n.disk is not 16 MiB"
	[ "$(du -k "$DIR/desktop$n.disk" | cut -f1)" -lt 1024 ] || fail "desktop$n.disk is not sparse"
done
[ "$T1" != "$T2" ] || fail "two desktops have the same token"
[ "$(stat -c %a "$DIR")" = 700 ] || fail "the state directory is not mode 700"

echo "== the index and the list"
[ "$(json "len(d)")" = 3 ] || fail "the list does not have 3 desktops"
[ "$(json "' '.join(x['state'] for x in d)")" = "running running running" ] || fail "not all running"
curl -sf "http://$ADDR/" | grep -q 'href="/desktop/desktop3"' || fail "the index does not link desktop3"
! curl -sf "http://$ADDR/" | grep -q "$T1" || fail "the index shows a token"
[ "$(code "http://$ADDR/nothing")" = 404 ] || fail "an unknown path is not 404"
[ "$(code -X POST "http://$ADDR/")" = 405 ] || fail "POST / is not 405"
[ "$(code "http://$ADDR/novnc/core/rfb.js")" = 200 ] || fail "noVNC's rfb.js is not served"
[ "$(code "http://$ADDR/novnc/../desktop1.token")" = 404 ] || fail "a path out of noVNC's files is served"

echo "== connections that close at once or mid-request"
python3 - "$ADDR" <<'PY'
import socket, sys
host, port = sys.argv[1].split(':')
for data in (b'', b'GET /desk', b'GET / HTTP/1.1\r\nHost: x\r\n', b'\x16\x03\x01\x02\x00'):
    s = socket.create_connection((host, int(port)))
    s.sendall(data)
    s.close()
PY
sleep 0.5
kill -0 "$POOL" || fail "the pool died of a connection that closed early"
[ "$(code "http://$ADDR/")" = 200 ] || fail "no index after connections that closed early"

echo "== tokens"
[ "$(code "http://$ADDR/desktop/desktop1")" = 403 ] || fail "no token: not 403"
[ "$(code "http://$ADDR/desktop/desktop1?token=$T2")" = 403 ] || fail "another desktop's token: not 403"
[ "$(code "http://$ADDR/desktop/desktop1?token=${T1:0:63}")" = 403 ] || fail "a short token: not 403"
[ "$(code "http://$ADDR/desktop/nosuch?token=$T1")" = 404 ] || fail "no such desktop: not 404"
curl -s -D "$WORK/h" "http://$ADDR/desktop/desktop1?token=$T1" >"$WORK/page"
grep -q '^HTTP/1.1 200' "$WORK/h" || fail "the right token: not 200"
grep -qi "^set-cookie: vessel-token=$T1; Path=/desktop/desktop1; HttpOnly; SameSite=Strict" "$WORK/h" ||
	fail "no token cookie scoped to the desktop"
grep -q "/novnc/core/rfb.js" "$WORK/page" || fail "the page does not load noVNC"
[ "$(code -b "vessel-token=$T1" "http://$ADDR/desktop/desktop1")" = 200 ] || fail "the cookie is not taken"
$WS "$ADDR" /desktop/desktop1/websockify --expect-status 403 || fail "a WebSocket without a token was not refused"
$WS "$ADDR" /desktop/desktop1/websockify --token "$T2" --expect-status 403 ||
	fail "a WebSocket with another desktop's token was not refused"

echo "== the proxy"
$WS "$ADDR" /desktop/desktop1/websockify --token "$T1" --rfb >"$WORK/rfb" || fail "no RFB through the proxy"
cat "$WORK/rfb"
grep -qE '^rfb RFB 003\.00[38] 640x480' "$WORK/rfb" || fail "not the desktop's 640x480 screen"
$WS "$ADDR" /desktop/desktop2/websockify --cookie "$T2" --rfb | grep -q '^rfb ' || fail "no RFB with the cookie"
# A viewer that asks for whole screens and reads none: the other desktops and
# the listener go on. (Its own desktop's other viewers are its VNC server's
# business: the pool only stops reading that server for this one viewer.)
# others: three handshakes with desktop2 and three index pages; the time in ms.
others() {
	local start
	start=$(date +%s%N)
	for _ in 1 2 3; do
		$WS "$ADDR" /desktop/desktop2/websockify --token "$T2" --rfb | grep -q '^rfb ' ||
			fail "desktop2 gave no screen"
		curl -sf "http://$ADDR/" >/dev/null || fail "no index"
	done
	echo $(( ($(date +%s%N) - start) / 1000000 ))
}
alone=$(others)
$WS "$ADDR" /desktop/desktop1/websockify --token "$T1" --rfb --stall 8 >"$WORK/stall" &
STALL=$!
sleep 2
beside=$(others)
echo "desktop2's handshakes and the index: $alone ms alone, $beside ms beside the stalled viewer"
[ "$beside" -lt $((2 * alone + 1000)) ] || fail "the others waited for the stalled viewer"
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$POOL/status")
echo "pool RSS with the stalled viewer: $rss KiB"
[ "$rss" -lt 65536 ] || fail "the pool holds a stalled viewer's data unbounded ($rss KiB)"
wait "$STALL" || fail "the stalled viewer failed"
# Twenty viewers at once on one desktop.
pids=()
for i in $(seq 20); do
	$WS "$ADDR" /desktop/desktop3/websockify --token "$(cat "$DIR/desktop3.token")" --rfb >"$WORK/many.$i" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "one of twenty viewers failed"; done
[ "$(cat "$WORK"/many.* | grep -c '^rfb ')" = 20 ] || fail "not all of twenty viewers got the screen"

echo "== an idle pool sleeps"
read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$POOL/stat")
sleep 3
read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$POOL/stat")
echo "pool CPU over 3 s idle: $(( u1 + s1 - u0 - s0 )) ticks"
[ $(( u1 + s1 - u0 - s0 )) -le 1 ] || fail "the idle pool used CPU"

echo "== a crashed desktop stops alone and restarts from its page"
pid2=$(json "d[1]['pid']")
kill -KILL "$pid2"
for _ in $(seq 50); do [ "$(json "d[1]['state']")" = stopped ] && break; sleep 0.1; done
[ "$(json "d[1]['state']") $(json "d[1]['exit_status']")" = "stopped 137" ] || fail "desktop2 not stopped with status 137"
[ "$(json "d[0]['state']") $(json "d[2]['state']")" = "running running" ] || fail "the others did not go on"
[ ! -e "$DIR/desktop2.vnc" ] || fail "the crashed desktop's socket is left"
curl -s "http://$ADDR/desktop/desktop2?token=$T2" >"$WORK/page"
grep -q 'stopped' "$WORK/page" && grep -q 'exit status 137' "$WORK/page" && grep -q 'id="start"' "$WORK/page" ||
	fail "the stopped desktop's page does not say so with a start button"
$WS "$ADDR" /desktop/desktop2/websockify --token "$T2" --expect-status 503 || fail "a stopped desktop took a WebSocket"
[ "$(code -X POST "http://$ADDR/desktop/desktop2/start")" = 403 ] || fail "a start without a token: not 403"
[ "$(json "d[1]['state']")" = stopped ] || fail "a start without a token started it"
[ "$(code -X POST -b "vessel-token=$T2" "http://$ADDR/desktop/desktop2/start")" = 303 ] || fail "the start: not 303"
for _ in $(seq 100); do [ "$(json "d[1]['state']")" = running ] && break; sleep 0.1; done
[ "$(json "d[1]['state']") $(json "d[1]['starts']")" = "running 2" ] || fail "desktop2 did not run again"
$WS "$ADDR" /desktop/desktop2/websockify --token "$T2" --rfb | grep -q '^rfb ' || fail "no RFB after the restart"
[ -s "$DIR/desktop1.log" ] || fail "desktop1's console log is empty"

echo "== a second pool on the same directory"
status=0
"$VESSEL" desktop --listen 127.0.0.1:0 --state-dir "$DIR" >"$WORK/out" 2>&1 || status=$?
cat "$WORK/out"
expect_status 1
expect_line 'another pool uses it'

echo "== a clean stop"
kids=$(json "' '.join(str(x['pid']) for x in d)")
pool_stop
sed 's/^/  | /' "$WORK/pool.out"
expect_status 0
for p in $kids; do ! kill -0 "$p" 2>/dev/null || fail "child $p is left running"; done
ls "$DIR"
[ -z "$(find "$DIR" -name '*.vnc')" ] || fail "VNC sockets are left"
[ -z "$(find "$DIR" -name '*.new')" ] || fail "temporary files are left"
[ "$(find "$DIR" -name '*.token' | wc -l)" = 3 ] && [ "$(find "$DIR" -name '*.disk' | wc -l)" = 3 ] ||
	fail "the tokens and disks did not persist"

echo "== the tokens persist"
pool_start --count 1
[ "$(cat "$DIR/desktop1.token")" = "$T1" ] || fail "desktop1's token changed across pool runs"
pool_stop
expect_status 0

echo "== bad input"
bad() {
	local want=$1 msg=$2
	shift 2
	status=0
	"$VESSEL" desktop "$@" >"$WORK/out" 2>&1 || status=$?
	sed 's/^/  | /' "$WORK/out"
	expect_status "$want"
	expect_line "$msg"
}
bad 2 'required' --count 1
bad 2 "count '0'" --count 0 --state-dir "$WORK/x"
bad 2 "listen 'nowhere'" --listen nowhere --state-dir "$WORK/x"
bad 2 'the pool sets it' --state-dir "$WORK/x" -- --vnc unix:/tmp/x
bad 2 'memory' --state-dir "$WORK/x" -- --memory lots
bad 2 "unexpected argument" --state-dir "$WORK/x" extra
echo '{"count": 2, "cuont": 3}' >"$WORK/t.json"
bad 2 'cuont: unknown key' --template "$WORK/t.json" --state-dir "$WORK/x"
echo '{"count": ' >"$WORK/t.json"
bad 2 't.json:' --template "$WORK/t.json" --state-dir "$WORK/x"
[ ! -e "$WORK/x" ] || fail "bad input left a state directory"
python3 -c 'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$WORK/port" &
busy=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
bad 1 'cannot listen there' --listen "127.0.0.1:$(cat "$WORK/port")" --state-dir "$WORK/y"
kill "$busy"
echo "PASS"

#!/usr/bin/env bash
# Live migration on this machine, with the counter guest (vessel.test=counter:
# a CPL3 loop whose count goes to the console and sector 0 of its disk):
# migrated over a unix socket and over tcp loopback it counts on at the
# destination from the source's last count plus one (tests/vm/continuity.py),
# the source exits 0 and the disk agrees; a destination killed midway through a busy guest's
# migration (vessel.test=churn), or a peer that is not vessel, fails the
# migration and the source counts on; bad addresses, a busy port,
# an --incoming path that exists get clear errors.
. "$(dirname "$0")/lib.sh"
require_kvm
command -v curl >/dev/null || { echo "SKIP: no curl (scripts/deps.sh test)"; exit 77; }

DISK=$WORK/disk.img
truncate -s 16M "$DISK"

# wait_line FILE PATTERN [COUNT]: until FILE has COUNT (1) lines matching PATTERN.
wait_line() {
	for _ in $(seq 300); do
		[ "$(grep -c -- "$2" "$1" 2>/dev/null || true)" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	echo "--- $1:"; cat "$1"
	fail "no '$2' in $1"
}

# src_up [MODE]: the counter guest (or vessel.test=MODE) with the API, counting.
src_up() {
	local mode=${1:-counter}

	# Gone first: the last run's lines must not be taken for this one's.
	rm -f "$WORK/src.out" "$WORK/src.err"
	timeout 120 "$VESSEL" run --disk "$DISK" --cmdline "vessel.test=$mode vessel.churnmib=128" \
		--api-socket "$WORK/src.sock" </dev/null >"$WORK/src.out" 2>"$WORK/src.err" &
	src_pid=$!
	wait_line "$WORK/src.out" "^$mode: 5"
}

# dst_up URI: a destination waiting (no timeout(1) in between: it may be killed).
# Its messages apart from the guest's console, which goes on from the source's.
dst_up() {
	rm -f "$WORK/dst.out" "$WORK/dst.err"
	"$VESSEL" run --incoming "$1" --api-socket "$WORK/dst.sock" \
		</dev/null >"$WORK/dst.out" 2>"$WORK/dst.err" &
	dst_pid=$!
	wait_line "$WORK/dst.err" 'waiting for a migration'
}

put() {
	curl -s -o "$WORK/body" -w '%{http_code}' -X PUT --max-time 10 \
		--unix-socket "$1" -H 'Content-Type: application/json' ${3:+--data-binary "$3"} \
		"http://vessel$2"
}

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))' "$WORK/body" "$1"; }

# migrate_ok URI: the whole migration; the count goes on there, the source is gone.
migrate_ok() {
	local uri=$1 last status=0 n

	echo "migrate to $uri"
	src_up
	dst_up "$uri"
	"$VESSEL" ctl --api-socket "$WORK/src.sock" migrate "$uri" >"$WORK/migrate.out" ||
		fail "vessel ctl migrate failed: $(cat "$WORK/migrate.out")"
	sed 's/^/  /' "$WORK/migrate.out"
	wait "$src_pid" || status=$?
	[ "$status" -eq 0 ] || fail "the source exited $status after migrating, not 0"
	tail -n1 "$WORK/migrate.out" | python3 -c 'import json,sys; e=json.load(sys.stdin)
assert e["event"] == "migrated" and e["rounds"] >= 2, e
assert 0 < e["downtime_ms"] <= e["total_ms"], e' || fail "no migrated event with the figures"
	last=$(guest_counts "$WORK/src.out" | tail -n1)
	wait_line "$WORK/dst.out" "^counter: $((last + 20))"
	python3 "$(dirname "$0")/continuity.py" counter "$WORK/src.out" "$WORK/dst.out" ||
		fail "the count did not go on at the destination"
	[ "$(put "$WORK/dst.sock" /vm/stop)" = 202 ] || fail "PUT /vm/stop on the destination"
	status=0
	wait "$dst_pid" || status=$?
	[ "$status" -eq 143 ] || fail "the destination exited $status after PUT /vm/stop, not 143"
	n=$(head -c 32 "$DISK" | tr -d '\0' | sed -n 's/^counter: \([0-9]*\)$/\1/p')
	last=$(guest_counts "$WORK/dst.out" | tail -n1)
	[ "$n" = "$last" ] || [ "$n" = $((last + 1)) ] ||
		fail "the disk says counter $n, the destination's console $last"
}

migrate_ok "unix:$WORK/in.sock"
[ ! -e "$WORK/in.sock" ] || fail "the destination left its socket behind"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
migrate_ok "tcp:127.0.0.1:$port"

echo "a destination killed midway: the source counts on"
# The guest that writes 128 MiB a sweep: its migration takes rounds, and seconds.
src_up churn
dst_up "unix:$WORK/in.sock"
"$VESSEL" ctl --api-socket "$WORK/src.sock" events >"$WORK/events" &
events_pid=$!
# A downtime no round can meet: the rounds would go on until the destination dies.
code=$(put "$WORK/src.sock" /vm/migrate \
	"{\"to\": \"unix:$WORK/in.sock\", \"downtime_ms\": 1, \"max_rounds\": 1000}")
[ "$code" = 202 ] || fail "PUT /vm/migrate: $code $(cat "$WORK/body")"
# Stopped at once, the destination takes no more than its socket holds: the source is
# held in round 1 however fast this host runs it, until the destination dies.
kill -STOP "$dst_pid"
sleep 1
grep -q '"event":"migrated"' "$WORK/events" && fail "the migration completed to a stopped destination"
kill -9 "$dst_pid"
wait "$dst_pid" 2>/dev/null || true
wait_line "$WORK/events" '"event":"migration-failed"'
grep '"event":"migration-failed"' "$WORK/events"
grep -q '"event":"migrated"' "$WORK/events" && fail "the migration completed to a killed destination"
kill "$events_pid"
wait "$events_pid" 2>/dev/null || true
before=$(guest_counts "$WORK/src.out" churn | tail -n1)
wait_line "$WORK/src.out" "^churn: $((before + 20))"
[ "$(curl -s --unix-socket "$WORK/src.sock" http://vessel/vm | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = running ] ||
	fail "the source is not running after the failed migration"

echo "a peer that is not vessel"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept(); c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"); c.recv(4096); c.close()' \
	"$WORK/http.sock" &
peer_pid=$!
for _ in $(seq 50); do [ -S "$WORK/http.sock" ] && break; sleep 0.1; done
status=0
"$VESSEL" ctl --api-socket "$WORK/src.sock" migrate "unix:$WORK/http.sock" \
	>"$WORK/migrate.out" 2>"$WORK/migrate.err" || status=$?
cat "$WORK/migrate.err"
[ "$status" -eq 1 ] && grep -q 'not vessel' "$WORK/migrate.err" ||
	fail "a peer that is not vessel: no clear error"
wait "$peer_pid" || true
before=$(guest_counts "$WORK/src.out" churn | tail -n1)
wait_line "$WORK/src.out" "^churn: $((before + 5))"

echo "bad requests"
for body in '{"to": "ftp:host"}' '{"to": "tcp:127.0.0.1"}' '{"to": "tcp:127.0.0.1:99999"}' \
	    '{"to": "unix:"}' '{}' '{"to": 5}'; do
	code=$(put "$WORK/src.sock" /vm/migrate "$body")
	echo "  $body -> $code $(cat "$WORK/body")"
	[ "$code" = 400 ] && [ "$(field field)" = to ] || fail "$body: not a 400 naming 'to'"
done
code=$(put "$WORK/src.sock" /vm/migrate "{\"to\": \"unix:$WORK/in.sock\", \"downtime_ms\": 0}")
[ "$code" = 400 ] && [ "$(field field)" = downtime_ms ] || fail "downtime_ms 0: not a 400 naming it"
code=$(put "$WORK/src.sock" /vm/migrate "{\"to\": \"unix:$WORK/nobody.sock\"}")
echo "  nobody listening -> $code $(cat "$WORK/body")"
[ "$code" = 400 ] && grep -q 'No such file' "$WORK/body" || fail "no destination: no clear error"
[ "$(put "$WORK/src.sock" /vm/pause)" = 200 ] || fail "pause"
code=$(put "$WORK/src.sock" /vm/migrate "{\"to\": \"unix:$WORK/in.sock\"}")
[ "$code" = 409 ] || fail "migrating a paused VM: $code, not 409"
[ "$(put "$WORK/src.sock" /vm/stop)" = 202 ] || fail "stop"
wait "$src_pid" || true

echo "the destination's own errors"
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(30)' "$WORK/port" &
holder=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
status=0
timeout 10 "$VESSEL" run --incoming "tcp:127.0.0.1:$(cat "$WORK/port")" </dev/null >"$WORK/err" 2>&1 ||
	status=$?
cat "$WORK/err"
kill "$holder"
[ "$status" -eq 1 ] && grep -q 'the port is in use' "$WORK/err" || fail "a busy port: no clear error"
echo data >"$WORK/file"
status=0
timeout 10 "$VESSEL" run --incoming "unix:$WORK/file" </dev/null >"$WORK/err" 2>&1 || status=$?
cat "$WORK/err"
[ "$status" -eq 1 ] && grep -q 'the path exists' "$WORK/err" || fail "an existing path: no clear error"
[ "$(cat "$WORK/file")" = data ] || fail "--incoming changed the file at its path"
status=0
timeout 10 "$VESSEL" run --incoming "bogus:x" </dev/null >"$WORK/err" 2>&1 || status=$?
cat "$WORK/err"
[ "$status" -eq 1 ] && grep -q 'not a migration address' "$WORK/err" || fail "a bad --incoming: no clear error"
status=0
"$VESSEL" run --incoming "unix:$WORK/x.sock" --memory 512M </dev/null >"$WORK/err" 2>&1 || status=$?
[ "$status" -eq 2 ] && grep -q 'sends the machine' "$WORK/err" || fail "--incoming with --memory is not a usage error"
echo "PASS"

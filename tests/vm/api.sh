#!/usr/bin/env bash
# The control API (docs/api.yaml) on the built-in guest: every endpoint and its
# errors through curl --unix-socket and vessel ctl, each reply checked against
# the OpenAPI document's schemas; pause really stops the guest's ticks; reset
# boots the guest again; the power button powers the guest off; a NIC's link
# goes down and up under the guest's eyes; half a request holds nobody up, 100
# clients at once are all answered; the socket is 0600, a live one refused, a
# stale one replaced, and gone after exit.
. "$(dirname "$0")/lib.sh"
require_kvm
command -v curl >/dev/null || { echo "SKIP: no curl (scripts/deps.sh test)"; exit 77; }
python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: no python3-yaml (scripts/deps.sh test)"; exit 77; }

HERE=$(cd "$(dirname "$0")" && pwd)
SPEC=$HERE/../../docs/api.yaml
SOCK=$WORK/api.sock
LOG=$WORK/checked
check() { python3 "$HERE/api_check.py" "$SPEC" "$@"; }

# start_vm [MODE [READY [ARGS...]]]: vessel with the guest in MODE (ticker) and
# the API, in the background, up once READY ("tick") is on its console.
start_vm() {
	local mode=${1:-ticker} ready=${2:-tick}

	shift 2 2>/dev/null || shift $#
	timeout 300 "$VESSEL" run "$@" --cmdline "vessel.test=$mode" --api-socket "$SOCK" \
		</dev/null >"$WORK/raw" 2>&1 &
	vm_pid=$!
	for _ in $(seq 300); do
		[ -S "$SOCK" ] && grep -q "$ready" "$WORK/raw" && return 0
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/raw"
	fail "the VM with --api-socket did not come up"
}

ticks() { grep -c 'tick' "$WORK/raw" || true; }
boots() { grep -c 'hello from the built-in guest' "$WORK/raw" || true; }

# wait_for PATTERN [COUNT]: until the console shows PATTERN COUNT (1) times.
wait_for() {
	for _ in $(seq 200); do
		[ "$(grep -c "$1" "$WORK/raw")" -ge "${2:-1}" ] && return 0
		sleep 0.1
	done
	fail "the guest never printed '$1' (${2:-1} times)"
}

# req METHOD PATH STATUS [BODY]: one request, its status and body checked.
req() {
	local method=$1 path=$2 want=$3 body=${4-} got
	local args=(-s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -X "$method"
		    --max-time 10 --unix-socket "$SOCK")
	[ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
	got=$(curl "${args[@]}" "http://vessel$path") || fail "curl $method $path failed"
	echo "  $method $path ${body:+$body }-> $got $(cat "$WORK/body")"
	[ "$got" = "$want" ] || fail "$method $path: expected $want, got $got"
	grep -qi '^content-type: application/json' "$WORK/headers" ||
		fail "$method $path: the reply is not application/json"
	check reply "$method" "$path" "$got" "$WORK/body" || fail "$method $path: reply off the schema"
	echo "$method $path $got" >>"$LOG"
}

# until_status STATUS TRIES: poll GET /vm/migrate (curl alone: cheap) until it shows STATUS.
until_status() {
	for _ in $(seq "$2"); do
		curl -s --max-time 10 --unix-socket "$SOCK" http://vessel/vm/migrate |
			grep -q "\"status\":\"$1\"" && return 0
		sleep 0.1
	done
}

# hangup_peer PATH: a listener at PATH that closes its first connection; its pid in peer_pid.
hangup_peer() {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); s.accept()[0].close()' \
		"$1" &
	peer_pid=$!
	for _ in $(seq 50); do [ -S "$1" ] && break; sleep 0.1; done
}

# field NAME: a top-level field of the last reply.
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/body" "$1"; }

start_vm
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "the socket's mode is $(stat -c %a "$SOCK"), not 600"

echo "a second VM on a live socket is refused"
status=0
"$VESSEL" run --api-socket "$SOCK" </dev/null >"$WORK/second" 2>&1 || status=$?
cat "$WORK/second"
[ "$status" -eq 1 ] || fail "a second vessel on a live socket exited $status, not 1"
grep -q 'another process serves it' "$WORK/second" || fail "no reason given for the refusal"

"$VESSEL" ctl --api-socket "$SOCK" events >"$WORK/events" 2>&1 &
events_pid=$!

req GET /vm 200
[ "$(field state)" = running ] || fail "GET /vm: state is not running"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["config"]
assert c["cmdline"] == "vessel.test=ticker" and c["memory_mib"] == 256 and c["kernel"] is None, c' \
	"$WORK/body" || fail "GET /vm: the configuration is not what vessel run was given"
req GET /vm/metrics 200
python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
v = m["vcpus"]; assert len(v) == 1 and v[0]["id"] == 0, v
assert v[0]["exits"]["io"] > 0 and v[0]["exits"]["other"] == 0, v' \
	"$WORK/body" || fail "GET /vm/metrics: no I/O exits counted on vCPU 0"

echo "a snapshot needs a paused VM"
req PUT /vm/snapshot 409 "{\"dir\": \"$WORK/snap\"}"
[ ! -e "$WORK/snap" ] || fail "a refused snapshot left its directory"

echo "pause stops the guest's ticks"
req PUT /vm/pause 200
[ "$(field state)" = paused ] || fail "PUT /vm/pause: state is not paused"
before=$(ticks)
sleep 1
after=$(ticks)
[ "$before" = "$after" ] || fail "the guest ticked while paused ($before, then $after lines)"
req GET /vm 200
[ "$(field state)" = paused ] || fail "GET /vm: state is not paused after a pause"
req PUT /vm/pause 409
echo "snapshot of the paused VM"
req PUT /vm/snapshot 400 '{"type": "full"}'
[ "$(field field)" = dir ] || fail "a snapshot without dir: the error does not name it"
req PUT /vm/snapshot 400 '{"dir": "x", "type": "half"}'
[ "$(field field)" = type ] || fail "a bad snapshot type: the error does not name it"
req PUT /vm/snapshot 200 "{\"dir\": \"$WORK/snap\"}"
[ -s "$WORK/snap/state" ] && [ -f "$WORK/snap/memory" ] || fail "no state or memory file"
[ "$(field state)" = paused ] || fail "the VM is not paused after a snapshot"
req PUT /vm/snapshot 400 "{\"dir\": \"$WORK/snap\"}"
grep -q 'holds a snapshot already' "$WORK/body" || fail "a second snapshot into DIR: no reason"
[ "$(ticks)" = "$after" ] || fail "the guest ticked during the snapshot"
req PUT /vm/resume 200 '{}'
for _ in $(seq 100); do [ "$(ticks)" -gt "$after" ] && break; sleep 0.1; done
[ "$(ticks)" -gt "$after" ] || fail "no tick after the resume"
req PUT /vm/resume 409

echo "reset boots the guest again, running or paused"
req PUT /vm/reset 200
[ "$(field state)" = running ] || fail "PUT /vm/reset: not running after it"
wait_for 'hello from the built-in guest' 2
wait_for 'tick 0' 2
req PUT /vm/pause 200
req PUT /vm/power-button 409
req PUT /vm/migrate 409 "{\"to\": \"unix:$WORK/nobody.sock\"}"
req PUT /vm/reset 200 '{}'
[ "$(field state)" = paused ] || fail "PUT /vm/reset on a paused VM: it did not stay paused"
sleep 0.5
[ "$(boots)" = 2 ] || fail "a paused VM ran after its reset"
req PUT /vm/resume 200
wait_for 'hello from the built-in guest' 3

echo "a NIC that is not there"
req PATCH /vm/net/net0 404 '{"link": "down"}'
req PATCH /vm/net/eth0 404 '{"link": "down"}'
req PATCH /vm/net/net0 400 '{"link": 1}'
[ "$(field field)" = link ] || fail "a bad link value: the error does not name 'link'"
req PATCH /vm/net/net0 400 '{"lnk": "up"}'
[ "$(field field)" = lnk ] || fail "an unknown field: the error does not name it"
req PATCH /vm/net/net0 400 '{}'
[ "$(field field)" = link ] || fail "a missing link: the error does not name 'link'"
req PATCH /vm/net/net0 400
[ "$(field field)" = body ] || fail "no body: the error does not name the body"
req PUT /vm/net/net0 405

echo "bad requests"
req PUT /vm/pause 400 '{"paused": '
[ "$(field field)" = body ] || fail "malformed JSON: the error does not name the body"
req PUT /vm/pause 400 '{"when": 1}'
[ "$(field field)" = when ] || fail "an unknown field: the error does not name it"
req PUT /vm/resume 400 '[]'
req PUT /vm/stop 400 '{"force": true}'
req GET /vm/nothing 404
req GET /vm/metrics/x 404
for p in /vm /vm/metrics /vm/events; do req POST "$p" 405; done
for p in /vm/pause /vm/resume /vm/stop /vm/power-button /vm/reset /vm/snapshot; do
	req GET "$p" 405
done
grep -qi '^allow: PUT' "$WORK/headers" || fail "a 405 without Allow: PUT"
req POST /vm/migrate 405
grep -qi '^allow: GET, PUT, DELETE' "$WORK/headers" || fail "POST /vm/migrate: not Allow: GET, PUT, DELETE"
req GET /vm/migrate 200
[ "$(field status)" = none ] || fail "GET /vm/migrate before any migration: not none"
req DELETE /vm/migrate 409
grep -q 'no migration is under way' "$WORK/body" || fail "DELETE /vm/migrate with none: no reason"
"$VESSEL" ctl --api-socket "$SOCK" migration >"$WORK/body" || fail "vessel ctl migration failed"
[ "$(field status)" = none ] || fail "vessel ctl migration: not none"
status=0
"$VESSEL" ctl --api-socket "$SOCK" cancel-migration >/dev/null 2>"$WORK/ctl.err" || status=$?
[ "$status" -eq 1 ] && grep -q 'HTTP 409: no migration is under way' "$WORK/ctl.err" ||
	fail "vessel ctl cancel-migration with none: $status, $(cat "$WORK/ctl.err")"
req PUT /vm/migrate 400 '{"to": "unix:/x", "wait": 1}'
[ "$(field field)" = wait ] || fail "a bad wait: the error does not name it"
req PUT /vm/power-button 400 '{"hold_ms": 4000}'
[ "$(field field)" = hold_ms ] || fail "an unknown field: the error does not name it"
req PUT /vm/reset 400 '{"reset": '
req PUT /vm/migrate 400 '{"to": "ftp:elsewhere"}'
[ "$(field field)" = to ] || fail "a bad migration address: the error does not name 'to'"
req PUT /vm/migrate 400 "{\"to\": \"unix:$WORK/nobody.sock\", \"max_rounds\": 0}"
[ "$(field field)" = max_rounds ] || fail "max_rounds 0: the error does not name it"
req GET /vm/net 404
req GET /vm/net/net0/x 404
req DELETE /vm 405

echo "vessel ctl"
"$VESSEL" ctl --api-socket "$SOCK" info >"$WORK/body" || fail "vessel ctl info failed"
check reply GET /vm 200 "$WORK/body" || fail "vessel ctl info: not the GET /vm reply"
"$VESSEL" ctl --api-socket "$SOCK" metrics >"$WORK/body" || fail "vessel ctl metrics failed"
"$VESSEL" ctl --api-socket "$SOCK" pause >"$WORK/body" || fail "vessel ctl pause failed"
[ "$(field state)" = paused ] || fail "vessel ctl pause: not paused"
status=0
"$VESSEL" ctl --api-socket "$SOCK" pause >"$WORK/ctl.out" 2>"$WORK/ctl.err" || status=$?
[ "$status" -eq 1 ] || fail "vessel ctl pause on a paused VM exited $status, not 1"
grep -q 'HTTP 409: the VM is paused' "$WORK/ctl.err" || fail "vessel ctl: no 409 message on stderr"
[ ! -s "$WORK/ctl.out" ] || fail "vessel ctl printed a reply for an error"
"$VESSEL" ctl --api-socket "$SOCK" resume >"$WORK/body" || fail "vessel ctl resume failed"
status=0
"$VESSEL" ctl --api-socket "$SOCK" bogus 2>/dev/null || status=$?
[ "$status" -eq 2 ] || fail "vessel ctl with an unknown command exited $status, not 2"

echo "half a request holds nobody up, and is dropped"
python3 "$HERE/api_check.py" halfsend "$SOCK" >"$WORK/half" &
half_pid=$!
for _ in $(seq 50); do grep -q sent "$WORK/half" && break; sleep 0.1; done
printf 'GET /vm HTTP/1.1\r\nHost: ve' | timeout 20 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read()); time.sleep(20)' \
	"$SOCK" &
half_head_pid=$!
# curl's own time: the schema check after it starts a python, slow on a loaded host.
took=$(curl -s -o /dev/null -w '%{time_total}' --max-time 10 --unix-socket "$SOCK" http://vessel/vm)
awk -v t="$took" 'BEGIN { exit !(t < 2) }' || fail "GET /vm took $took s beside half a request"
req GET /vm 200
before=$(ticks)
for _ in $(seq 100); do [ "$(ticks)" -gt "$before" ] && break; sleep 0.1; done
[ "$(ticks)" -gt "$before" ] || fail "the guest stopped ticking beside half a request"
wait "$half_pid" || fail "the half-sent request was never dropped: $(cat "$WORK/half")"
cat "$WORK/half"
kill "$half_head_pid" 2>/dev/null || true

echo "100 clients at once"
python3 "$HERE/api_check.py" many "$SOCK" 100 || fail "not every one of 100 clients was answered"
before=$(ticks)
for _ in $(seq 100); do [ "$(ticks)" -gt "$before" ] && break; sleep 0.1; done
[ "$(ticks)" -gt "$before" ] || fail "the guest stopped ticking beside 100 clients"

echo "a migration to a peer that hangs up fails, and the VM runs on"
hangup_peer "$WORK/peer.sock"
status=0
"$VESSEL" ctl --api-socket "$SOCK" migrate "unix:$WORK/peer.sock" >"$WORK/body.all" \
	2>"$WORK/ctl.err" || status=$?
[ "$status" -eq 1 ] && grep -Eq 'the migration failed: .*(closed|broke)' "$WORK/ctl.err" ||
	fail "vessel ctl migrate to a peer that hangs up: $status, $(cat "$WORK/ctl.err")"
head -n1 "$WORK/body.all" >"$WORK/body"
check reply PUT /vm/migrate 202 "$WORK/body" || fail "PUT /vm/migrate: reply off the schema"
echo "PUT /vm/migrate 202" >>"$LOG"
wait "$peer_pid" || true
req GET /vm 200
[ "$(field state)" = running ] || fail "the VM is not running after a failed migration"
req GET /vm/migrate 200
[ "$(field status)" = failed ] && grep -Eq 'closed|broke' "$WORK/body" ||
	fail "GET /vm/migrate after a failed migration: not failed with the reason"

echo "a migration that waits, to a peer that hangs up: 502 with the reason"
hangup_peer "$WORK/peer2.sock"
req PUT /vm/migrate 502 "{\"to\": \"unix:$WORK/peer2.sock\", \"wait\": true}"
grep -Eq 'the migration failed: .*(closed|broke)' "$WORK/body" || fail "the 502 does not say why"
wait "$peer_pid" || true

echo "a destination that does not take the connection holds nobody up"
# listen(0) and one connection queued: the next connect finds the backlog full.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(0)
held = socket.socket(socket.AF_UNIX); held.connect(sys.argv[1])
print("full", flush=True); time.sleep(60)' "$WORK/stuck.sock" >"$WORK/stuck" &
stuck_pid=$!
for _ in $(seq 50); do grep -q full "$WORK/stuck" && break; sleep 0.1; done
req PUT /vm/migrate 202 "{\"to\": \"unix:$WORK/stuck.sock\"}"
took=$(curl -s -o /dev/null -w '%{time_total}' --max-time 10 --unix-socket "$SOCK" http://vessel/vm)
awk -v t="$took" 'BEGIN { exit !(t < 2) }' || fail "GET /vm took $took s during the connect"
req GET /vm/migrate 200
[ "$(field status)" = connecting ] || fail "GET /vm/migrate during the connect: not connecting"
req PUT /vm/snapshot 409 "{\"dir\": \"$WORK/snap2\", \"resume\": true}"
grep -q 'a migration to unix:.* is under way' "$WORK/body" || fail "a snapshot beside a migration: no reason"
[ ! -e "$WORK/snap2" ] || fail "a refused snapshot left its directory"
req PUT /vm/migrate 409 "{\"to\": \"unix:$WORK/stuck.sock\"}"
grep -q 'under way' "$WORK/body" || fail "a second migration: no reason"
req DELETE /vm/migrate 202
until_status cancelled 50
req GET /vm/migrate 200
[ "$(field status)" = cancelled ] && grep -q 'cancelled: by DELETE /vm/migrate' "$WORK/body" ||
	fail "the cancelled migration: $(cat "$WORK/body")"
req GET /vm 200
[ "$(field state)" = running ] || fail "the VM is not running after a cancelled migration"
echo "and the connect gives up after 10 s; a request that waits for it is answered then"
start=$(date +%s)
curl -s -o "$WORK/waited" -w '%{http_code}' -X PUT --max-time 30 --unix-socket "$SOCK" \
	-H 'Content-Type: application/json' \
	--data-binary "{\"to\": \"unix:$WORK/stuck.sock\", \"wait\": true}" \
	http://vessel/vm/migrate >"$WORK/waited.code" &
waited_pid=$!
until_status connecting 50
took=$(curl -s -o /dev/null -w '%{time_total}' --max-time 10 --unix-socket "$SOCK" http://vessel/vm)
awk -v t="$took" 'BEGIN { exit !(t < 2) }' || fail "GET /vm took $took s beside a waiting request"
wait "$waited_pid" || fail "the waiting PUT /vm/migrate failed: curl status $?"
took=$(( $(date +%s) - start ))
echo "  PUT /vm/migrate (wait) -> $(cat "$WORK/waited.code") $(cat "$WORK/waited") after $took s"
[ "$(cat "$WORK/waited.code")" = 502 ] && grep -q 'did not take the connection within 10 s' \
	"$WORK/waited" || fail "the waiting migration to a full backlog: not 502 with the reason"
[ "$took" -ge 9 ] || fail "the connect gave up after $took s, not 10"
req GET /vm/migrate 200
[ "$(field status)" = failed ] && grep -q 'did not take the connection within 10 s' "$WORK/body" ||
	fail "GET /vm/migrate after the connect's timeout: $(cat "$WORK/body")"
kill "$stuck_pid"
wait "$stuck_pid" 2>/dev/null || true

echo "stop"
"$VESSEL" ctl --api-socket "$SOCK" stop >"$WORK/body" || fail "vessel ctl stop failed"
[ "$(field state)" = stopping ] || fail "vessel ctl stop: not stopping"
echo "PUT /vm/stop 202" >>"$LOG"
status=0
wait "$vm_pid" || status=$?
[ "$status" -eq 143 ] || fail "vessel exited $status after PUT /vm/stop, not 143"
[ ! -e "$SOCK" ] || fail "the socket is still there after exit"
wait "$events_pid" || fail "vessel ctl events failed"
sed 's/^/  event /' "$WORK/events"
check events "$WORK/events" || fail "an event is off the schema"
python3 -c 'import json,sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
names = [e["event"] for e in ev]
assert names == ["state", "paused", "snapshot", "snapshot", "snapshot", "snapshot", "resumed",
		 "reset", "paused", "reset", "resumed", "paused", "resumed", "migration-failed",
		 "migration-failed", "migration-failed", "migration-failed", "shutdown"], names
assert [e["phase"] for e in ev[2:6]] == ["start", "done", "start", "failed"], ev[2:6]
assert ev[0]["state"] == "running" and ev[-1]["exit_status"] == 143, ev
seqs = [e["seq"] for e in ev[1:]]
assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs' "$WORK/events" ||
	fail "the events are not the state changes, in order"
echo "GET /vm/events 200" >>"$LOG"

echo "the power button powers the guest off"
start_vm power-button 'power-button: .*waiting'
"$VESSEL" ctl --api-socket "$SOCK" events >"$WORK/events" 2>&1 &
events_pid=$!
# The stream is there before the press, or the shutdown could come first.
for _ in $(seq 300); do grep -q '"event":"state"' "$WORK/events" && break; sleep 0.1; done
grep -q '"event":"state"' "$WORK/events" || fail "the event stream is not up after 30 s: $(cat "$WORK/events")"
req PUT /vm/power-button 202
status=0
wait "$vm_pid" || status=$?
grep -q 'power-button: pressed, powering off' "$WORK/raw" || fail "the guest never saw the button"
[ "$status" -eq 0 ] || fail "vessel exited $status after the power button, not 0"
wait "$events_pid" || fail "vessel ctl events failed: $(cat "$WORK/events")"
tail -n1 "$WORK/events" | grep -q '"exit_status":0' || fail "no shutdown event with status 0"

echo "a NIC's link goes down and up, and the guest is told"
start_vm net-link 'net-link: watching, link up' --net user
req PATCH /vm/net/net1 404 '{"link": "down"}'
req PATCH /vm/net/net0 200 '{"link": "down"}'
[ "$(field link)" = down ] || fail "PATCH /vm/net/net0: the link is not down"
wait_for 'net-link: config interrupt, generation 1, link down'
"$VESSEL" ctl --api-socket "$SOCK" link net0 up >"$WORK/body" || fail "vessel ctl link failed"
[ "$(field link)" = up ] || fail "vessel ctl link net0 up: the link is not up"
wait_for 'net-link: config interrupt, generation 2, link up'
status=0
wait "$vm_pid" || status=$?
grep -q 'all checks passed' "$WORK/raw" || fail "the guest's checks failed: $(grep -i fail "$WORK/raw")"
[ "$status" -eq 0 ] || fail "vessel exited $status after the link test, not 0"

echo "a stale socket is replaced"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCK"
[ -S "$SOCK" ] || fail "could not leave a stale socket"
start_vm
echo "and a migration that waits replies with its figures"
"$VESSEL" run --incoming "unix:$WORK/in.sock" --api-socket "$WORK/dst.sock" \
	</dev/null >"$WORK/dst.out" 2>&1 &
dst_pid=$!
for _ in $(seq 100); do grep -q 'waiting for a migration' "$WORK/dst.out" && break; sleep 0.1; done
req PUT /vm/migrate 200 "{\"to\": \"unix:$WORK/in.sock\", \"wait\": true}"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
assert m["status"] == "completed" and m["rounds"] >= 2 and m["bytes"] > 0, m
assert 0 < m["downtime_ms"] <= m["total_ms"], m' "$WORK/body" ||
	fail "PUT /vm/migrate with wait: not the completed migration's figures"
status=0
wait "$vm_pid" || status=$?
[ "$status" -eq 0 ] || fail "the source exited $status after migrating, not 0"
[ ! -e "$SOCK" ] || fail "the socket is still there after exit"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --max-time 10 --unix-socket "$WORK/dst.sock" \
	http://vessel/vm/stop)
[ "$code" = 202 ] || fail "PUT /vm/stop on the destination: $code"
status=0
wait "$dst_pid" || status=$?
[ "$status" -eq 143 ] || fail "the destination exited $status after PUT /vm/stop, not 143"

echo "a path that is not a socket is refused and left alone"
echo data >"$WORK/file"
status=0
"$VESSEL" run --api-socket "$WORK/file" </dev/null >"$WORK/second" 2>&1 || status=$?
cat "$WORK/second"
[ "$status" -eq 1 ] && grep -q 'not a socket' "$WORK/second" || fail "a file as --api-socket was not refused"
[ "$(cat "$WORK/file")" = data ] || fail "the file named by --api-socket was changed"

check coverage "$LOG" || fail "an operation of docs/api.yaml went unchecked"
echo "PASS"

#!/usr/bin/env bash
# The control API (docs/api.yaml) on the built-in guest: every endpoint and its
# errors through curl --unix-socket and vessel ctl, each reply checked against
# the OpenAPI document's schemas; pause really stops the guest's ticks; half a
# request holds nobody up; the socket is 0600, a live one refused, a stale one
# replaced, and gone after exit.
. "$(dirname "$0")/lib.sh"
require_kvm
command -v curl >/dev/null || { echo "SKIP: no curl (scripts/deps.sh test)"; exit 77; }
python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: no python3-yaml (scripts/deps.sh test)"; exit 77; }

HERE=$(cd "$(dirname "$0")" && pwd)
SPEC=$HERE/../../docs/api.yaml
SOCK=$WORK/api.sock
LOG=$WORK/checked
check() { python3 "$HERE/api_check.py" "$SPEC" "$@"; }

# start_vm: vessel with the ticking guest and the API, in the background.
start_vm() {
	timeout 120 "$VESSEL" run --cmdline vessel.test=ticker --api-socket "$SOCK" \
		</dev/null >"$WORK/raw" 2>&1 &
	vm_pid=$!
	for _ in $(seq 300); do
		[ -S "$SOCK" ] && grep -q 'tick' "$WORK/raw" && return 0
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/raw"
	fail "the VM with --api-socket did not come up"
}

ticks() { grep -c 'tick' "$WORK/raw" || true; }

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
for p in /vm/pause /vm/resume /vm/stop /vm/snapshot; do req GET "$p" 405; done
grep -qi '^allow: PUT' "$WORK/headers" || fail "a 405 without Allow: PUT"
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
t0=$(date +%s%N)
req GET /vm 200
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -lt 2000 ] || fail "GET /vm took $(((t1 - t0) / 1000000)) ms beside half a request"
before=$(ticks)
for _ in $(seq 100); do [ "$(ticks)" -gt "$before" ] && break; sleep 0.1; done
[ "$(ticks)" -gt "$before" ] || fail "the guest stopped ticking beside half a request"
wait "$half_pid" || fail "the half-sent request was never dropped: $(cat "$WORK/half")"
cat "$WORK/half"
kill "$half_head_pid" 2>/dev/null || true

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
		 "paused", "resumed", "shutdown"], names
assert [e["phase"] for e in ev[2:6]] == ["start", "done", "start", "failed"], ev[2:6]
assert ev[0]["state"] == "running" and ev[-1]["exit_status"] == 143, ev
seqs = [e["seq"] for e in ev[1:]]
assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs' "$WORK/events" ||
	fail "the events are not the state changes, in order"
echo "GET /vm/events 200" >>"$LOG"

echo "a stale socket is replaced"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCK"
[ -S "$SOCK" ] || fail "could not leave a stale socket"
start_vm
req PUT /vm/stop 202
status=0
wait "$vm_pid" || status=$?
[ "$status" -eq 143 ] || fail "vessel exited $status after PUT /vm/stop, not 143"
[ ! -e "$SOCK" ] || fail "the socket is still there after exit"

echo "a path that is not a socket is refused and left alone"
echo data >"$WORK/file"
status=0
"$VESSEL" run --api-socket "$WORK/file" </dev/null >"$WORK/second" 2>&1 || status=$?
cat "$WORK/second"
[ "$status" -eq 1 ] && grep -q 'not a socket' "$WORK/second" || fail "a file as --api-socket was not refused"
[ "$(cat "$WORK/file")" = data ] || fail "the file named by --api-socket was changed"

check coverage "$LOG" || fail "an operation of docs/api.yaml went unchecked"
echo "PASS"

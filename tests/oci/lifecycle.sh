#!/usr/bin/env bash
# The runtime-spec lifecycle: create, state, start, kill, delete, and the rules
# on what each operation may do in each state; nothing left after delete.
. "$(dirname "$0")/lib.sh"
require_root

B="$WORK/bundle"
make_bundle "$B"
args "$B" sh -c 'echo started >/tmp/mark; exec sleep 60'
edit "$B" 'c["linux"]["cgroupsPath"] = "/vessel-test-lifecycle"'
track t1

oci create --bundle "$B" --pid-file "$WORK/pid" t1
expect_status 0
oci state t1
expect_status 0
expect_out '"status": "created"'
pid=$(cat "$WORK/pid")
grep -q "\"pid\": $pid" <<<"$out" || fail "state pid is not the --pid-file's $pid"
[ -d "$ROOT/t1" ] || fail "no state directory"
[ -n "$(cgroup_dirs /vessel-test-lifecycle)" ] || fail "no cgroup made"
grep -q "/vessel-test-lifecycle" "/proc/$pid/cgroup" || fail "init is not in the cgroup"
# Not started yet: the process has not run.
[ ! -e "$B/rootfs/tmp/mark" ] || fail "the process ran before start"

oci create --bundle "$B" t1
expect_status 1
expect_out "container 't1' already exists"

oci start t1
expect_status 0
oci state t1
expect_out '"status": "running"'
for _ in $(seq 50); do [ -e "$B/rootfs/tmp/mark" ] && break; sleep 0.1; done
[ -e "$B/rootfs/tmp/mark" ] || fail "the process did not run after start"
oci start t1
expect_status 1
expect_out 'only a created container can start'

oci list
expect_out '^t1 +[0-9]+ +running'
oci list --format json
expect_out '"id":"t1"'
oci ps --format json t1
expect_out "\\[$pid\\]"

oci pause t1
expect_status 0
oci state t1
expect_out '"status": "paused"'
oci resume t1
expect_status 0
oci state t1
expect_out '"status": "running"'

oci delete t1
expect_status 1
expect_out 'is running'

oci kill t1 KILL
expect_status 0
for _ in $(seq 50); do
	oci state t1
	grep -q '"status": "stopped"' <<<"$out" && break
	sleep 0.1
done
expect_out '"status": "stopped"'
oci kill t1
expect_status 1
expect_out 'not running'

oci delete t1
expect_status 0
[ ! -e "$ROOT/t1" ] || fail "state directory left after delete"
[ -z "$(cgroup_dirs /vessel-test-lifecycle)" ] || fail "cgroup left: $(cgroup_dirs /vessel-test-lifecycle)"
oci state t1
expect_status 1
expect_out "container 't1' does not exist"
oci kill nosuch
expect_status 1
expect_out "container 'nosuch' does not exist"
oci delete --force nosuch
expect_status 0

# run: create + start + wait, the exit status passed on, then deleted.
args "$B" sh -c 'exit 7'
oci run --bundle "$B" t2
expect_status 7
[ ! -e "$ROOT/t2" ] || fail "run left its state"

# A signal to `run` reaches the container's process (here a shell trapping it).
args "$B" sh -c 'trap "echo got-term; exit 9" TERM; echo ready >/tmp/ready; while :; do sleep 0.1; done'
rm -f "$B/rootfs/tmp/ready"
status=0
"$RUNC" --root "$ROOT" run --bundle "$B" t3 >"$WORK/t3.out" 2>&1 </dev/null &
rpid=$!
for _ in $(seq 100); do [ -e "$B/rootfs/tmp/ready" ] && break; sleep 0.1; done
kill -TERM "$rpid"
wait "$rpid" || status=$?
cat "$WORK/t3.out"
expect_status 9
grep -q got-term "$WORK/t3.out" || fail "the container did not get the signal"
[ ! -e "$ROOT/t3" ] || fail "run left its state after a signal"
echo "ok"

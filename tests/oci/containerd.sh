#!/usr/bin/env bash
# containerd drives vessel as runc through its runc shim v2 (ctr run
# --runc-binary): a run with its exit status, a detached task with exec, ps and
# kill, and the task's exit event with its status. containerd is started here,
# its root, state and socket under the test's directory; it is stopped at the
# end and nothing is left on the host.
. "$(dirname "$0")/lib.sh"
require_root
for p in containerd ctr containerd-shim-runc-v2; do
	command -v $p >/dev/null || fail "$p is not installed (Debian's containerd package)"
done

CD="$WORK/containerd"
NS="vessel-test-$$"
RFS="$WORK/rootfs"
mkdir -p "$CD" "$RFS/bin" "$RFS/proc" "$RFS/sys" "$RFS/dev" "$RFS/tmp" "$RFS/etc"
cp /bin/busybox "$RFS/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$RFS/bin/$a" ] || ln -s busybox "$RFS/bin/$a"
done
# The shim keeps its sockets, and ctr its stdio fifos, under /run/containerd:
# ours to remove only if we made it.
run_cd_was_there=no
[ -e /run/containerd ] && run_cd_was_there=yes
cat >"$CD/config.toml" <<TOML
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$CD/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CD/opt"
TOML
containerd --config "$CD/config.toml" >"$CD/log" 2>&1 &
CD_PID=$!
containerd_cleanup() {
	local t
	for t in $(ctr -a "$CD/containerd.sock" -n "$NS" task ls -q 2>/dev/null); do
		ctr -a "$CD/containerd.sock" -n "$NS" task kill -s SIGKILL "$t" >/dev/null 2>&1 || true
		ctr -a "$CD/containerd.sock" -n "$NS" task delete -f "$t" >/dev/null 2>&1 || true
	done
	for t in $(ctr -a "$CD/containerd.sock" -n "$NS" container ls -q 2>/dev/null); do
		ctr -a "$CD/containerd.sock" -n "$NS" container delete "$t" >/dev/null 2>&1 || true
	done
	[ -n "${EV_PID:-}" ] && kill "$EV_PID" 2>/dev/null
	kill "$CD_PID" 2>/dev/null && wait "$CD_PID" 2>/dev/null
	[ $run_cd_was_there = yes ] || rm -rf /run/containerd
	# ctr's cgroupsPath is /NAMESPACE/ID: vessel removes the ID's, the namespace's is ours.
	cgroup_dirs "/$NS" | xargs -r rmdir
	cleanup
}
trap containerd_cleanup EXIT

C=(ctr -a "$CD/containerd.sock" -n "$NS")
ct() {
	status=0
	out=$(timeout --kill-after=5 60 "${C[@]}" "$@" 2>&1 </dev/null) || status=$?
	printf '%s\n' "$out" | sed 's/^/  | /'
}
for _ in $(seq 300); do
	"${C[@]}" version >/dev/null 2>&1 && break
	kill -0 "$CD_PID" 2>/dev/null || { cat "$CD/log"; fail "containerd did not start"; }
	sleep 0.1
done
"${C[@]}" version >/dev/null || fail "containerd does not answer on $CD/containerd.sock"

R=(--runc-binary "$RUNC" --rootfs)
ct run --rm "${R[@]}" "$RFS" r1 sh -c 'echo "hello $$"'
expect_status 0
expect_out '^hello 1$'
ct run --rm "${R[@]}" "$RFS" r2 sh -c 'exit 7'
expect_status 7

# Events from here on, in the background: the exit of the detached task is among them.
"${C[@]}" events >"$CD/events" 2>&1 &
EV_PID=$!
# Its init handles SIGTERM (a pid namespace's init gets only the signals it handles).
ct run -d "${R[@]}" "$RFS" box sh -c 'trap "exit 42" TERM; sleep 300 & wait'
expect_status 0
ct task ls
expect_out '^box +[0-9]+ +RUNNING$'
pid=$(awk '$1 == "box" { print $2 }' <<<"$out")
ct task exec --exec-id e1 box sh -c 'echo "exec $(cat /proc/1/comm) $(pidof sleep)"; exit 3'
expect_status 3
expect_out '^exec sh [0-9]+$'
ct task ps box
expect_out "^$pid "
[ "/proc/$pid/root/bin/busybox" -ef "$RFS/bin/busybox" ] || fail "the task's root is not the rootfs"
ct task kill -s SIGTERM box
expect_status 0
for _ in $(seq 100); do
	grep -q '/tasks/exit.*"container_id":"box".*"exit_status":42' "$CD/events" && break
	sleep 0.1
done
sed 's/^/  events| /' "$CD/events"
grep -q '/tasks/exit.*"container_id":"box".*"exit_status":42' "$CD/events" ||
	fail "no exit event with status 42 (its SIGTERM trap) for box"
grep -q '/tasks/exit.*"container_id":"box".*"id":"e1".*"exit_status":3' "$CD/events" ||
	fail "no exit event with status 3 for the exec e1"
ct task ls
expect_out '^box +[0-9]+ +STOPPED$'
ct task delete box
expect_status 0
ct container delete box
expect_status 0
ct container ls -q
[ -z "$out" ] || fail "containers left: $out"
[ -z "$(cgroup_dirs "/$NS/box")" ] || fail "cgroup left: $(cgroup_dirs "/$NS/box")"
# The shim's --root for the runtime.
[ -z "$(ls -A "/run/containerd/runc/$NS" 2>/dev/null)" ] ||
	fail "vessel state left: $(ls -A "/run/containerd/runc/$NS")"
echo ok

#!/usr/bin/env bash
# podman drives vessel as its OCI runtime (podman --runtime .../vessel-runc):
# run (a short-lived process many times), a detached container with exec
# (plain and -t), pause, stop, rm.
# Its own storage and state under the test's directory: nothing left on the host.
. "$(dirname "$0")/lib.sh"
require_root
command -v podman >/dev/null || fail "podman is not installed"

mkdir -p "$WORK/img/bin"
cp /bin/busybox "$WORK/img/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$WORK/img/bin/$a" ] || ln -s busybox "$WORK/img/bin/$a"
done
tar -C "$WORK/img" -cf "$WORK/img.tar" .
P=(podman --root "$WORK/storage" --runroot "$WORK/run" --storage-driver vfs
   --cgroup-manager cgroupfs --events-backend file --runtime "$RUNC")
# This host's hard RLIMIT_NOFILE is below podman's default and the runtime
# lacks CAP_SYS_RESOURCE to raise it: ask for limits the host can give.
U=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
pm() {
	status=0
	out=$(timeout --kill-after=5 60 "${P[@]}" "$@" 2>&1 </dev/null) || status=$?
	printf '%s\n' "$out" | sed 's/^/  | /'
}
podman_cleanup() {
	"${P[@]}" rm -af -t 0 >/dev/null 2>&1 || true
	"${P[@]}" rmi -af >/dev/null 2>&1 || true
	cleanup
}
trap podman_cleanup EXIT

pm import "$WORK/img.tar" localhost/vessel-test:latest
expect_status 0
pm run --rm "${U[@]}" localhost/vessel-test sh -c 'echo "hello $(grep -c . /proc/self/uid_map) $$"'
expect_status 0
expect_out '^hello 1 1$'
pm run --rm "${U[@]}" localhost/vessel-test sh -c 'exit 5'
expect_status 5
# A short-lived process, many times: start must not lose the race with its exit.
for i in $(seq "${PODMAN_RACE_RUNS:-30}"); do
	pm run --rm "${U[@]}" localhost/vessel-test true >/dev/null
	[ "$status" -eq 0 ] || fail "podman run --rm true, run $i: status $status: $out"
done
pm run -d --name box "${U[@]}" localhost/vessel-test sleep 300
expect_status 0
pm exec box sh -c 'echo "exec $(hostname)"'
expect_status 0
expect_out '^exec [0-9a-f]{12}$'
pm exec -t box tty
expect_status 0
expect_out '^/dev/pts/[0-9]+'
pm pause box
expect_status 0
pm inspect --format '{{.State.Status}}' box
expect_out '^paused$'
pm unpause box
expect_status 0
pm top box
expect_out 'sleep 300'
pm stop -t 1 box
expect_status 0
pm rm box
expect_status 0
pm ps -a --format '{{.Names}}'
[ -z "$out" ] || fail "podman still lists: $out"
echo ok

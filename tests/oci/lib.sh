# Shared helpers for the container tests: each test is a bash script that sources this.
# They need root (namespaces, cgroups, mounts) and busybox-static for the rootfs.
set -euo pipefail

RUNC=${RUNC:?RUNC must name vessel-runc}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vessel-ocitest.XXXXXX")
chmod 755 "$WORK"	# a user namespace's root must reach the rootfs
ROOT="$WORK/state"
IDS=()

cleanup() {
	local id
	for id in "${IDS[@]}"; do
		"$RUNC" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
	# A test that failed half-way may leave a mount of its own (a namespace file).
	awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo |
		xargs -r umount 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: container tests need root"
		exit 77
	fi
	[ -x /bin/busybox ] || fail "busybox-static is not installed (/bin/busybox)"
}

# make_bundle DIR: a busybox rootfs and `spec`'s config.json, terminal off.
make_bundle() {
	local dir=$1 a
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" \
		"$dir/rootfs/tmp" "$dir/rootfs/etc"
	cp /bin/busybox "$dir/rootfs/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$dir/rootfs/bin/$a" ] || ln -s busybox "$dir/rootfs/bin/$a"
	done
	echo "root:x:0:0:root:/:/bin/sh" >"$dir/rootfs/etc/passwd"
	"$RUNC" spec --bundle "$dir"
	edit "$dir" 'c["process"]["terminal"] = False; c["root"]["readonly"] = False'
}

# edit DIR PYTHON: change DIR/config.json, bound to c.
edit() {
	python3 - "$1/config.json" "$2" <<'PY'
import json, sys
path, code = sys.argv[1], sys.argv[2]
c = json.load(open(path))
exec(code)
json.dump(c, open(path, "w"), indent=1)
PY
}

# args DIR CMD...: the container's process runs CMD.
args() {
	local dir=$1
	shift
	python3 - "$dir/config.json" "$@" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["args"] = sys.argv[2:]
json.dump(c, open(path, "w"), indent=1)
PY
}

# oci ARGS...: run vessel-runc with the test's state root; output in $out, status in $status.
oci() {
	status=0
	# A file, not a pipe: a created container keeps the runtime's stdio open.
	OUTS=$((${OUTS:-0} + 1))
	timeout --kill-after=5 60 "$RUNC" --root "$ROOT" "$@" >"$WORK/out.$OUTS" 2>&1 </dev/null ||
		status=$?
	out=$(tr -d '\0' <"$WORK/out.$OUTS")
	printf '%s\n' "$out" | sed 's/^/  | /'
}

track() {
	IDS+=("$1")
}

expect_status() {
	[ "$status" -eq "$1" ] || fail "expected exit status $1, got $status"
}

expect_out() {
	grep -Eq -- "$1" <<<"$out" || fail "expected output matching: $1"
}

# The host's mounts under the test's directory (a container's mount that reached
# the host is one; other mounts on this shared machine come and go).
work_mounts() {
	awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo
}

# The cgroup directories of @path in every hierarchy (there should be none after delete).
cgroup_dirs() {
	local m
	for m in /sys/fs/cgroup /sys/fs/cgroup/*; do
		[ -d "$m$1" ] && [ "$m$1" != "$m" ] && echo "$m$1"
	done
	return 0
}

#!/usr/bin/env bash
# linux.resources.network on cgroup v1: net_cls.classid and net_prio.ifpriomap of a
# running container, read from the runtime's side; and the errors: no such
# controller on the host, an interface the host does not have, a bad value. After
# each, no hierarchy keeps the container's cgroup.
# The test runs in a mount namespace of its own: there it first takes away any
# net_cls/net_prio mount (the host without the controller), then mounts the two
# co-mounted under its work directory (this project's hosts do not mount them).
if [ -z "${VESSEL_NET_NS:-}" ]; then
	VESSEL_NET_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
require_root

CGP=/vessel-test-net-$$
CG="$WORK/cg"
NETCG="$CG/net_cls,net_prio"
trap 'umount "$NETCG" "$CG" 2>/dev/null || true; cleanup' EXIT

# What mounts each v1 hierarchy holding net_cls or net_prio.
net_mounts() {
	awk '$0 ~ / - cgroup / && $NF ~ /(^|,)net_(cls|prio)(,|$)/ { print $5 }' /proc/self/mountinfo
}

# left PATH: the container's cgroup directories still anywhere (none after delete).
left() {
	cgroup_dirs "$1"
	[ -d "$NETCG$1" ] && echo "$NETCG$1"
	return 0
}

# refused ID RESOURCES PATTERN: a container with linux.resources RESOURCES (Python)
# fails with an error matching PATTERN, and leaves no cgroup and no container.
refused() {
	edit "$B" "c['linux']['resources'] = $2"
	oci run -d --bundle "$B" "$1"
	expect_status 1
	expect_out "$3"
	[ -z "$(left "$CGP")" ] || fail "cgroup left: $(left "$CGP")"
	oci state "$1"
	expect_status 1
}

B="$WORK/bundle"
make_bundle "$B"
args "$B" sh -c 'cat /proc/self/cgroup >/tmp/cgroup; exec sleep 60'
edit "$B" "c['linux']['cgroupsPath'] = '$CGP'"

other=
for i in /sys/class/net/*; do
	[ "${i##*/}" != lo ] && other=${i##*/} && break
done
prios="[{'name': 'lo', 'priority': 5}]"
[ -n "$other" ] && prios="[{'name': 'lo', 'priority': 5}, {'name': '$other', 'priority': 7}]"

# Bad values: refused before anything is made.
refused bad1 "{'network': {'classID': 'x'}}" \
	'config.json: linux.resources.network.classID: expected an integer'
refused bad2 "{'network': {'priorities': [{'name': 'a b', 'priority': 1}]}}" \
	'linux.resources.network.priorities\[0\].name: "a b" is not an interface name'

# A host without the controllers: an error naming the field and why, nothing made.
for m in $(net_mounts); do
	umount "$m" || fail "cannot unmount $m in the test's mount namespace"
done
refused none1 "{'network': {'classID': 1048577}}" \
	'linux.resources.network.classID: the net_cls controller is not mounted on this host'
refused none2 "{'network': {'priorities': $prios}}" \
	'linux.resources.network.priorities: the net_prio controller is not mounted on this host'
# classID 0 is unset (as runc reads it): fine without the controller.
edit "$B" "c['linux']['resources'] = {'network': {'classID': 0, 'priorities': []}}"
track zero
oci run -d --bundle "$B" zero
expect_status 0
oci delete --force zero
expect_status 0

mkdir -p "$CG"
if ! { mount -t tmpfs vessel-test "$CG" && mkdir "$NETCG" &&
	mount -t cgroup -o net_cls,net_prio vessel-test "$NETCG"; }; then
	echo "SKIP: cannot mount the net_cls,net_prio hierarchy here"
	exit 77
fi

# An interface the runtime's network namespace does not have: the kernel's ENODEV,
# naming the entry; nothing left behind.
refused nodev "{'network': {'classID': 1048577, 'priorities':
	[{'name': 'lo', 'priority': 5}, {'name': 'vsl-nosuch0', 'priority': 3}]}}" \
	'linux.resources.network.priorities\[1\]: cannot write "vsl-nosuch0 3" to .*net_prio.ifpriomap: No such device'

# The limits of a running container, read from here.
edit "$B" "c['linux']['resources'] = {'network': {'classID': 1048577, 'priorities': $prios}}"
track net
oci create --bundle "$B" --pid-file "$WORK/pid" net
expect_status 0
oci start net
expect_status 0
pid=$(cat "$WORK/pid")
[ "$(cat "$NETCG$CGP/net_cls.classid")" = 1048577 ] ||
	fail "net_cls.classid is $(cat "$NETCG$CGP/net_cls.classid"), not 1048577"
map=$(cat "$NETCG$CGP/net_prio.ifpriomap")
echo "ifpriomap: $(tr '\n' ' ' <<<"$map")"
grep -qx 'lo 5' <<<"$map" || fail "net_prio.ifpriomap has no 'lo 5'"
[ -z "$other" ] || grep -qx "$other 7" <<<"$map" || fail "net_prio.ifpriomap has no '$other 7'"
grep -qx "$pid" "$NETCG$CGP/cgroup.procs" || fail "init $pid is not in $NETCG$CGP"
for _ in $(seq 50); do [ -s "$B/rootfs/tmp/cgroup" ] && break; sleep 0.1; done
grep -q "net_cls,net_prio:" "$B/rootfs/tmp/cgroup" || fail "the container's /proc/self/cgroup has no net_cls,net_prio line"

oci kill net KILL
expect_status 0
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
oci delete net
expect_status 0
[ -z "$(left "$CGP")" ] || fail "cgroup left after delete: $(left "$CGP")"
echo ok

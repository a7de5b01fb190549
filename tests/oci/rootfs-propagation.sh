#!/usr/bin/env bash
# linux.rootfsPropagation is the container's own / (after pivot_root), as
# /proc/self/mountinfo shows it inside; what runtime-tools' runtimetest does
# with it works (a bind of / sees a later mount with "shared", a bind of /
# fails with "unbindable"); the default /sys/fs/cgroup mount is there with
# every value; no mount of the container reaches the host.
. "$(dirname "$0")/lib.sh"
require_root

B="$WORK/bundle"
make_bundle "$B"
edit "$B" '
caps = c["process"]["capabilities"]
for k in ("bounding", "effective", "permitted"):
    caps[k].append("CAP_SYS_ADMIN")
'
# Prints the tags of the root's mountinfo line, then what a bind of / sees.
args "$B" sh -c '
awk "\$5 == \"/\" { t = \"\"; for (i = 7; \$i != \"-\"; i++) t = t \" \" \$i; print \"root:\" t }" \
	/proc/self/mountinfo
grep -q " /sys/fs/cgroup/memory " /proc/self/mountinfo && echo cgroup-mounted
mkdir /target /test /mnt2 && touch /test/file
if ! mount -o rbind / /target 2>/dev/null; then echo bind-refused; exit 0; fi
mount -o bind /test /mnt2
[ -e /target/mnt2/file ] && echo bind-sees-mount || echo bind-misses-mount
'

check() {
	local prop=$1 tags=$2 bind=$3
	edit "$B" "c['linux']['rootfsPropagation'] = '$prop'"
	rm -rf "$B/rootfs/target" "$B/rootfs/test" "$B/rootfs/mnt2"
	oci run --bundle "$B" "p-$prop"
	expect_status 0
	grep -Eq "^root:$tags\$" <<<"$out" || fail "$prop: the root's tags are not '$tags'"
	expect_out '^cgroup-mounted$'
	expect_out "^$bind\$"
	[ -z "$(work_mounts)" ] || fail "$prop: a mount reached the host: $(work_mounts)"
}
check shared ' shared:[0-9]+' bind-sees-mount
check rshared ' shared:[0-9]+' bind-sees-mount
check slave '' bind-misses-mount
check rslave '' bind-misses-mount
check private '' bind-misses-mount
check rprivate '' bind-misses-mount
check unbindable ' unbindable' bind-refused
check runbindable ' unbindable' bind-refused
echo ok

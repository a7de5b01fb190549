#!/usr/bin/env bash
# process.apparmorProfile, process.selinuxLabel and linux.mountLabel: applied
# where the host has the module; where it has not, a set field is an error
# naming it, from create and from exec (--apparmor, --process-label), and
# nothing is left behind (no state, no cgroup, no mount, no process).
. "$(dirname "$0")/lib.sh"
require_root

apparmor=no selinux=no
[ -d /sys/kernel/security/apparmor ] &&
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && apparmor=yes
[ "$(stat -f -c %t /sys/fs/selinux 2>/dev/null)" = f97cff8c ] && selinux=yes
echo "AppArmor enabled: $apparmor, SELinux enabled: $selinux"

B="$WORK/bundle"
make_bundle "$B"
edit "$B" 'c["linux"]["cgroupsPath"] = "/vessel-test-lsm"'
args "$B" sh -c 'cat /proc/self/attr/current; echo; grep " /dev " /proc/self/mountinfo'

nothing_left() {
	[ -z "$(ls "$ROOT" 2>/dev/null)" ] || fail "$1: state left: $(ls "$ROOT")"
	[ -z "$(cgroup_dirs /vessel-test-lsm)" ] || fail "$1: cgroup left"
	[ -z "$(work_mounts)" ] || fail "$1: a mount left: $(work_mounts)"
}

# refused FIELD-EDIT UNDO-EDIT MESSAGE
refused() {
	edit "$B" "$1"
	oci run --bundle "$B" lsm1
	expect_status 1
	expect_out "$3"
	nothing_left "$3"
	edit "$B" "$2"
}

if [ $apparmor = no ]; then
	refused 'c["process"]["apparmorProfile"] = "vessel-test"' 'del c["process"]["apparmorProfile"]' \
		"process.apparmorProfile 'vessel-test': AppArmor is not enabled on this host"
else
	# unconfined is a profile every AppArmor host has.
	edit "$B" 'c["process"]["apparmorProfile"] = "unconfined"'
	oci run --bundle "$B" lsm1
	expect_status 0
	expect_out '^unconfined'
	edit "$B" 'del c["process"]["apparmorProfile"]'
fi
if [ $selinux = no ]; then
	refused 'c["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0:c1,c2"' \
		'del c["process"]["selinuxLabel"]' \
		"process.selinuxLabel 'system_u:system_r:container_t:s0:c1,c2': SELinux is not enabled"
	refused 'c["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0:c1,c2"' \
		'del c["linux"]["mountLabel"]' \
		"linux.mountLabel 'system_u:object_r:container_file_t:s0:c1,c2': SELinux is not enabled"
else
	# Our own context: one the policy lets us take.
	label=$(tr -d '\0' </proc/self/attr/current)
	edit "$B" "c['process']['selinuxLabel'] = '$label'; c['linux']['mountLabel'] = '$label'"
	oci run --bundle "$B" lsm1
	expect_status 0
	expect_out "^$label"
	expect_out 'context='
	edit "$B" 'del c["process"]["selinuxLabel"]; del c["linux"]["mountLabel"]'
fi

# A label that cannot go into a mount option or an attribute write is bad input.
edit "$B" 'c["process"]["apparmorProfile"] = "a\"b"'
oci run --bundle "$B" lsm1
expect_status 1
expect_out "process.apparmorProfile: 'a\"b' holds a quote or a control character"
edit "$B" 'c["process"]["apparmorProfile"] = ""'
oci run --bundle "$B" lsm1
expect_status 1
expect_out 'process.apparmorProfile: empty'
edit "$B" 'del c["process"]["apparmorProfile"]'
nothing_left "bad labels"

# exec's options, on a running container: refused the same way, nothing started.
args "$B" sleep 60
track box
oci run --detach --bundle "$B" box
expect_status 0
procs=$(cat /sys/fs/cgroup/pids/vessel-test-lsm/cgroup.procs 2>/dev/null ||
	cat /sys/fs/cgroup/vessel-test-lsm/cgroup.procs)
if [ $apparmor = no ]; then
	oci exec --apparmor vessel-test box true
	expect_status 1
	expect_out "process.apparmorProfile 'vessel-test': AppArmor is not enabled"
fi
if [ $selinux = no ]; then
	oci exec --process-label system_u:system_r:container_t:s0 box true
	expect_status 1
	expect_out "process.selinuxLabel 'system_u:system_r:container_t:s0': SELinux is not enabled"
fi
now=$(cat /sys/fs/cgroup/pids/vessel-test-lsm/cgroup.procs 2>/dev/null ||
      cat /sys/fs/cgroup/vessel-test-lsm/cgroup.procs)
[ "$now" = "$procs" ] || fail "a refused exec left a process: $now"
oci exec box true
expect_status 0
oci delete --force box
expect_status 0
nothing_left "exec"
echo ok

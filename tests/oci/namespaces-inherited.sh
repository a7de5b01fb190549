#!/usr/bin/env bash
# A namespace type config.json does not list is the runtime's (config-linux.md,
# namespaces; runtime-tools' linux_ns_itype): with none listed, every one of
# the container's is ours. Without a mount namespace the container is chrooted
# into its rootfs, nothing is mounted in the host's mount table, and what needs
# mounts of its own is refused by name.
. "$(dirname "$0")/lib.sh"
require_root

B="$WORK/bundle"
make_bundle "$B"
edit "$B" '
c["linux"]["namespaces"] = []
for k in ("maskedPaths", "readonlyPaths"):
    del c["linux"][k]
c.pop("hostname", None)
'
args "$B" sh -c 'cat /etc/passwd; echo started >/tmp/mark; exec sleep 60'
root_before=$(awk '$5 == "/"' /proc/self/mountinfo)

track t1
oci create --bundle "$B" --pid-file "$WORK/pid" t1
expect_status 0
expect_out 'no mount namespace in linux.namespaces: the [0-9]+ mounts of config.json are not made'
pid=$(cat "$WORK/pid")
for ns in cgroup ipc mnt net pid time user uts; do
	[ "$(readlink "/proc/$pid/ns/$ns")" = "$(readlink "/proc/self/ns/$ns")" ] ||
		fail "namespace $ns is not inherited: $(readlink "/proc/$pid/ns/$ns")"
done
[ "$(readlink "/proc/$pid/root")" = "$(readlink -f "$B/rootfs")" ] ||
	fail "the init's root is $(readlink "/proc/$pid/root"), not the rootfs"
[ -z "$(work_mounts)" ] || fail "create mounted in the host's table: $(work_mounts)"
[ "$(awk '$5 == "/"' /proc/self/mountinfo)" = "$root_before" ] ||
	fail "the host's / changed: $(awk '$5 == "/"' /proc/self/mountinfo)"

oci start t1
expect_status 0
for _ in $(seq 50); do [ -e "$B/rootfs/tmp/mark" ] && break; sleep 0.1; done
[ -e "$B/rootfs/tmp/mark" ] || fail "the process did not run after start"
# exec runs in the container's root too (its /etc/passwd has one line), not the host's.
oci exec t1 sh -c 'grep -c . /etc/passwd'
expect_status 0
expect_out '^1$'
oci delete --force t1
expect_status 0
[ -z "$(work_mounts)" ] || fail "mounts left in the host's table: $(work_mounts)"

args "$B" sh -c 'exit 4'
oci run --bundle "$B" r1
expect_status 4

# What needs mounts of the container's own is refused, naming the field; nothing left.
refuse() {
	edit "$B" "$1"
	oci run --bundle "$B" bad
	expect_status 1
	expect_out "$2: needs a mount namespace in linux.namespaces"
	[ ! -e "$ROOT/bad" ] || fail "state left behind for $2"
	edit "$B" "$3"
}
refuse 'c["linux"]["maskedPaths"] = ["/proc/kcore"]' 'linux.maskedPaths' 'del c["linux"]["maskedPaths"]'
refuse 'c["linux"]["readonlyPaths"] = ["/proc/sys"]' 'linux.readonlyPaths' 'del c["linux"]["readonlyPaths"]'
refuse 'c["linux"]["rootfsPropagation"] = "shared"' 'linux.rootfsPropagation' 'del c["linux"]["rootfsPropagation"]'
refuse 'c["root"]["readonly"] = True' 'root.readonly' 'c["root"]["readonly"] = False'
refuse 'c["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]' \
	'linux.devices' 'del c["linux"]["devices"]'
[ -z "$(work_mounts)" ] || fail "mounts left in the host's table: $(work_mounts)"
echo ok

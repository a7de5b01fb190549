#!/usr/bin/env bash
# Long suite: the small kernel on vessel's networking. On --net user, busybox
# udhcpc takes a lease, a file comes from the host's HTTP server through the
# gateway and one goes back through a hostfwd (net-check.sh). On taps: two VMs
# on a bridge ping each other and copy a file, one with four queue pairs.
# As root the whole test runs in a network namespace of its own (loopback
# brought up there), so no host interface or port is touched.
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -eq 0 ] && [ -z "${VESSEL_NET_NS:-}" ] && command -v unshare >/dev/null &&
	unshare -n true 2>/dev/null; then
	exec unshare -n env VESSEL_NET_NS=1 "$0" "$@"
fi
. "$here/../vm/lib.sh"
require_kvm
. "$here/net-check.sh"
[ -z "${VESSEL_NET_NS:-}" ] || ip link set lo up

kdir=$("$here/build-kernel.sh")
"$here/build-initramfs.sh" "$WORK/initramfs.cpio.gz"
TEST_TIMEOUT=${LONG_TIMEOUT:-900}

net_user_check "$kdir/vmlinux" "$WORK/initramfs.cpio.gz"

if [ -z "${VESSEL_NET_NS:-}" ]; then
	echo "SKIP (tap part): a network namespace of its own needs root and unshare"
elif ! [ -c /dev/net/tun ]; then
	echo "SKIP (tap part): /dev/net/tun is missing"
else
	net_tap_check "$kdir/vmlinux" "$WORK/initramfs.cpio.gz"
fi
echo "PASS"

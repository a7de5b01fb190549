#!/usr/bin/env bash
# Long suite: viewer input reaches Debian 12's stock kernel, as
# input-small-linux.sh checks the small kernel: tests/vm/machine_input injects
# keys and pointer moves through the machine library and guest-tests/input
# requires evdev to deliver exactly those, through virtio-input and through the
# i8042's AT keyboard and PS/2 mouse. Debian builds i8042 and atkbd into the
# kernel and virtio_pci, virtio_input, evdev and psmouse as modules: the
# initramfs loads those. On a host whose KVM cannot run the whole kernel, the
# test says so and skips.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"
require_kvm
MACHINE_INPUT=${MACHINE_INPUT:?MACHINE_INPUT must name tests/vm/machine_input}

kdir=$("$here/fetch-stock-kernel.sh")
"$here/build-initramfs.sh" "$WORK/initramfs.cpio.gz" --modules "$kdir/modules" \
	virtio_pci,virtio_input,evdev,psmouse
for via in virtio ps2; do
	status=0
	timeout --kill-after=5 "${STOCK_TIMEOUT:-1800}" \
		"$MACHINE_INPUT" linux "$kdir/vmlinux" "$WORK/initramfs.cpio.gz" "$via" \
		>"$WORK/out" 2>&1 || status=$?
	cat "$WORK/out"
	if [ "$status" -ne 0 ] && grep -q 'cannot emulate the guest instruction' "$WORK/out"; then
		echo "SKIP: this host's KVM cannot run Debian's stock kernel to the end."
		exit 77
	fi
	! grep -q 'insmod .* failed' "$WORK/out" || fail "a module did not load"
	[ "$status" -eq 0 ] || fail "input through $via did not reach the guest's evdev (status $status)"
done
echo "PASS"

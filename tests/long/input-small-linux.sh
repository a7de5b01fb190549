#!/usr/bin/env bash
# Long suite: viewer input reaches Linux. The small kernel boots with its
# initramfs running guest-tests/input; tests/vm/machine_input.c drives the
# machine library as a display server would, injecting keys and pointer moves,
# and requires evdev's events (/dev/input/event*) to carry exactly those codes
# and positions: through virtio-input's keyboard and tablet, then through the
# i8042's AT keyboard and PS/2 mouse (the mouse's relative motion summing to
# where the pointer went).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"
require_kvm
MACHINE_INPUT=${MACHINE_INPUT:?MACHINE_INPUT must name tests/vm/machine_input}

for sym in CONFIG_VIRTIO_INPUT CONFIG_INPUT_EVDEV CONFIG_SERIO_I8042 CONFIG_KEYBOARD_ATKBD \
	CONFIG_MOUSE_PS2; do
	grep -qx "$sym=y" "$here/linux-small.config" ||
		fail "tests/long/linux-small.config has no $sym=y: the small kernel cannot see the input devices"
done
kdir=$("$here/build-kernel.sh")
"$here/build-initramfs.sh" "$WORK/initramfs.cpio.gz"
for via in virtio ps2; do
	status=0
	timeout --kill-after=5 "${LONG_TIMEOUT:-900}" \
		"$MACHINE_INPUT" linux "$kdir/vmlinux" "$WORK/initramfs.cpio.gz" "$via" || status=$?
	[ "$status" -eq 0 ] || fail "input through $via did not reach the guest's evdev (status $status)"
done
echo "PASS"

#!/usr/bin/env bash
# Long suite: the small kernel's console on the display. It boots with
# --display (bochs-display) and --vnc; bochs-drm and fbcon are built in
# (linux-small.config), and guest-tests/display writes to /dev/tty1 while
# tests/vm/vnc_client reads the screen (display-check.sh): not blank once the
# console is up, and changed where and when the guest wrote.
# With DISPLAY_PNG=FILE the screen with the guest's text is saved there
# (docs/desktop-linux.png is one).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"
require_kvm

for sym in CONFIG_DRM_BOCHS CONFIG_DRM_FBDEV_EMULATION CONFIG_FRAMEBUFFER_CONSOLE CONFIG_VT; do
	grep -qx "$sym=y" "$here/linux-small.config" ||
		fail "tests/long/linux-small.config has no $sym=y: the small kernel has no console on the display"
done
kdir=$("$here/build-kernel.sh")
"$here/build-initramfs.sh" "$WORK/initramfs.cpio.gz"
. "$here/display-check.sh"
TEST_TIMEOUT=${LONG_TIMEOUT:-900}

display_check "$kdir/vmlinux" "$WORK/initramfs.cpio.gz" 256M "${DISPLAY_PNG:-}"
expect_status 0
expect_line '^VESSEL-DISPLAY: fb0 bochs-drmdrmfb 1024,768 32 bpp$'
expect_line '^VESSEL-TEST-RESULT: PASS'
echo "PASS"

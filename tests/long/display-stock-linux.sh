#!/usr/bin/env bash
# Long suite: Debian 12's stock kernel's console on the display, as
# display-small-linux.sh checks the small kernel's. Debian builds bochs-drm
# (drivers/gpu/drm/tiny/bochs.ko) as a module and fbcon into the kernel: the
# initramfs loads bochs and the DRM modules it depends on, as a distribution's
# would. On a host whose KVM cannot run the whole kernel, the test reports how
# far it got and the instruction it stopped at, and skips.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"
require_kvm

kdir=$("$here/fetch-stock-kernel.sh")
"$here/build-initramfs.sh" "$WORK/initramfs.cpio.gz" --modules "$kdir/modules" bochs
. "$here/display-check.sh"
TEST_TIMEOUT=${STOCK_TIMEOUT:-3000}
SKIP_IF_UNEMULATED=1

display_check "$kdir/vmlinux" "$WORK/initramfs.cpio.gz" 1G "${DISPLAY_PNG:-}"
expect_status 0
expect_no_line 'insmod .* failed'
expect_line '^VESSEL-DISPLAY: fb0 bochs-drmdrmfb 1024,768 32 bpp$'
expect_line '^VESSEL-TEST-RESULT: PASS'
echo "PASS"

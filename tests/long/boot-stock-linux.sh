#!/usr/bin/env bash
# Long suite: Debian 12's stock kernel, its ELF vmlinux booted through PVH with
# the same initramfs. On a host whose KVM cannot run the whole kernel, the test
# reports how far it got and the instruction it stopped at, and skips.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"
require_kvm

kdir=$("$here/fetch-stock-kernel.sh")
"$here/build-initramfs.sh" "$WORK/initramfs.cpio.gz"
TEST_TIMEOUT=${STOCK_TIMEOUT:-3000}

vm run --kernel "$kdir/vmlinux" --initrd "$WORK/initramfs.cpio.gz" --memory 1G --cpus 2 \
	--cmdline "console=ttyS0 panic=-1 vessel_test=basic vessel_cpus=2"
if [ "$status" -ne 0 ] && grep -q 'cannot emulate the guest instruction' "$WORK/out"; then
	echo "SKIP: this host's KVM cannot run Debian's stock kernel to the end."
	echo "last console lines:"
	grep -v '^vessel:' "$WORK/out" | tail -n 5
	grep 'cannot emulate the guest instruction' "$WORK/out"
	exit 77
fi
expect_status 0
expect_line '^VESSEL-INIT: userspace is up'
expect_line '^cpus: 2$'
expect_line '^VESSEL-TEST-RESULT: PASS'
echo "PASS"

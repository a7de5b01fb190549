#!/usr/bin/env bash
# Long suite: Debian 12's stock kernel, its ELF vmlinux booted through PVH with
# the same initramfs: the small kernel's boot, device and --net user checks.
# On a host whose KVM cannot run the whole kernel, the test reports how far it
# got and the instruction it stopped at, and skips.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"
require_kvm

kdir=$("$here/fetch-stock-kernel.sh")
. "$here/blk-check.sh"
. "$here/net-check.sh"
# Debian builds these as modules: the initramfs loads them, as a distribution's would.
"$here/build-initramfs.sh" "$WORK/initramfs.cpio.gz" --modules "$kdir/modules" \
	virtio_pci,virtio_blk,virtio_console,virtio-rng,virtio_net,crc32c_generic,ext4
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

# The paravirtual devices, through Debian's own modules.
truncate -s 64M "$WORK/vda.img"
truncate -s 8M "$WORK/vdb.img"
vm run --kernel "$kdir/vmlinux" --initrd "$WORK/initramfs.cpio.gz" --memory 1G --cpus 2 \
	--disk "$WORK/vda.img,serial=vessel-vda" --disk "$WORK/vdb.img,readonly" --rng \
	--cmdline "console=ttyS0 panic=-1 vessel_test=blk"
expect_status 0
expect_no_line 'insmod .* failed'
expect_line '^vdb: read-only, write refused'
expect_line '^VESSEL-TEST-RESULT: PASS'
check_image_file "$WORK/vda.img"

truncate -s 0 "$WORK/vda.img"
truncate -s 64M "$WORK/vda.img"
vm run --iommu --kernel "$kdir/vmlinux" --initrd "$WORK/initramfs.cpio.gz" --memory 1G \
	--cpus 2 --disk "$WORK/vda.img,serial=vessel-vda" --disk "$WORK/vdb.img,readonly" \
	--cmdline "console=ttyS0 panic=-1 intel_iommu=on vessel_test=iommu"
expect_status 0
expect_line 'DMAR-IR: Enabled IRQ remapping'
expect_line '^VESSEL-TEST-RESULT: PASS'
check_image_file "$WORK/vda.img"

vm run --kernel "$kdir/vmlinux" --initrd "$WORK/initramfs.cpio.gz" --memory 1G --rng \
	--cmdline "console=ttyS0 panic=-1 vessel_test=rng"
expect_status 0
expect_line '^VESSEL-TEST-RESULT: PASS'

vm run --kernel "$kdir/vmlinux" --initrd "$WORK/initramfs.cpio.gz" --memory 1G \
	--console virtio --cmdline "console=hvc0 panic=-1 vessel_test=hvc"
expect_status 0
expect_line '^hvc: written to /dev/hvc0 directly'
expect_line '^VESSEL-TEST-RESULT: PASS'

# Networking through Debian's virtio_net: udhcpc on --net user, a file from the
# host's HTTP server and one back through a hostfwd (net-check.sh).
NET_MEMORY=1G net_user_check "$kdir/vmlinux" "$WORK/initramfs.cpio.gz"
expect_no_line 'insmod .* failed'
echo "PASS"

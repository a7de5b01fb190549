#!/usr/bin/env bash
# Long suite: the small kernel built from Debian's linux-source-6.1 boots on
# vessel, through PVH (vmlinux) and through the 64-bit boot protocol
# (bzImage), runs its test in the initramfs and powers off.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"
require_kvm

kdir=$("$here/build-kernel.sh")
. "$here/blk-check.sh"
"$here/build-initramfs.sh" "$WORK/initramfs.cpio.gz"
TEST_TIMEOUT=${LONG_TIMEOUT:-900}
base="console=ttyS0 panic=-1 quiet"

vm run --kernel "$kdir/vmlinux" --initrd "$WORK/initramfs.cpio.gz" --memory 512M --cpus 2 \
	--cmdline "$base vessel_test=basic vessel_cpus=2"
expect_status 0
expect_line '^VESSEL-INIT: userspace is up'
expect_line '^cpus: 2$'
expect_line '^shell: 42$'
expect_line '^VESSEL-TEST-RESULT: PASS'

vm run --kernel "$kdir/bzImage" --initrd "$WORK/initramfs.cpio.gz" --memory 256M --cpus 1 \
	--cmdline "$base vessel_test=basic vessel_cpus=1"
expect_status 0
expect_line '^cpus: 1$'
expect_line '^VESSEL-TEST-RESULT: PASS'

# Paravirtual devices: virtio-rng on PCI, with MSI-X through KVM irqfds.
vm run --kernel "$kdir/vmlinux" --initrd "$WORK/initramfs.cpio.gz" --memory 256M --cpus 1 \
	--rng --cmdline "$base vessel_test=rng"
expect_status 0
expect_line '^hwrng: virtio_rng'
expect_line '^VESSEL-TEST-RESULT: PASS'

# virtio-blk: a file system made, written, remounted and checked in the guest;
# the host finds the same file in the image afterwards.
truncate -s 64M "$WORK/vda.img"
truncate -s 8M "$WORK/vdb.img"
vm run --kernel "$kdir/vmlinux" --initrd "$WORK/initramfs.cpio.gz" --memory 256M --cpus 2 \
	--disk "$WORK/vda.img,serial=vessel-vda,queues=2" --disk "$WORK/vdb.img,readonly" \
	--cmdline "$base vessel_test=blk"
expect_status 0
expect_line "^vda: 131072 sectors, serial 'vessel-vda', 2 queue\(s\)"
expect_line '^vdb: read-only, write refused'
expect_line '^VESSEL-TEST-RESULT: PASS'
check_image_file "$WORK/vda.img"

# The IOMMU: Linux finds the DMAR unit, enables DMA and interrupt remapping (x2APIC
# mode, on vessel's own IOAPIC), and the blk test runs through it.
truncate -s 0 "$WORK/vda.img"
truncate -s 64M "$WORK/vda.img"
vm run --iommu --kernel "$kdir/vmlinux" --initrd "$WORK/initramfs.cpio.gz" --memory 512M \
	--cpus 2 --disk "$WORK/vda.img,serial=vessel-vda" --disk "$WORK/vdb.img,readonly" \
	--cmdline "console=ttyS0 panic=-1 intel_iommu=on vessel_test=iommu"
expect_status 0
expect_line '^DMAR: IOMMU enabled'
expect_line 'DMAR-IR: Enabled IRQ remapping in x2apic mode'
expect_line '^iommu groups: [1-9]'
expect_line '^VESSEL-TEST-RESULT: PASS'
check_image_file "$WORK/vda.img"

# virtio-console as the kernel's console (console=hvc0 is --console virtio's default).
vm run --kernel "$kdir/vmlinux" --initrd "$WORK/initramfs.cpio.gz" --memory 256M \
	--console virtio --cmdline "console=hvc0 panic=-1 quiet vessel_test=hvc"
expect_status 0
expect_line '^consoles: hvc0'
expect_line '^hvc: written to /dev/hvc0 directly'
expect_line '^VESSEL-TEST-RESULT: PASS'
echo "PASS"

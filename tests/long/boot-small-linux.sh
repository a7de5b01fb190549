#!/usr/bin/env bash
# Long suite: the small kernel built from Debian's linux-source-6.1 boots on
# vessel, through PVH (vmlinux) and through the 64-bit boot protocol
# (bzImage), runs its test in the initramfs and powers off.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"
require_kvm

kdir=$("$here/build-kernel.sh")
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
echo "PASS"

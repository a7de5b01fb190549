#!/usr/bin/env bash
# vessel.test=blkbench, the guest side of bench/blk-guest: a polled virtio-blk
# driver whose request loop runs in the guest's user mode. Each pattern must
# complete requests without error, plain and through the IOMMU's 4 KiB IOVA
# pages, and its writes must reach the image; without vessel.disktest, or on a
# read-only disk, it refuses and the image stays as it was.
. "$(dirname "$0")/lib.sh"
require_kvm

img=$WORK/disk.img
bench="vessel.test=blkbench vessel.benchtime=1"

# A zeroed 16 MiB image.
fresh_image() {
	: >"$img"
	truncate -s 16M "$img"
}

# seq-write starts at sector 0 with a 0x5a pattern; rand-write leaves sector 0
# alone unless it lands there, so the first 4 KiB tell the writes arrived.
expect_written() {
	[ "$(head -c 4096 "$img" | tr -d '\132' | wc -c)" -eq 0 ] || fail "the writes did not reach the image${1:+ $1}"
}

expect_patterns() {
	local p
	for p in seq-read seq-write rand-read rand-write; do
		expect_line "^BENCH-BEGIN $p\$"
		expect_line "^BENCH $p ops=[1-9][0-9]* bytes=[1-9][0-9]* usec=[1-9][0-9]{5,} kicks=[0-9]+\$"
	done
	expect_no_line 'requests failed or stalled'
}

fresh_image
vm run --disk "$img" --cmdline "$bench vessel.disktest"
expect_status 0
expect_line 'blkbench: TSC [1-9][0-9]* MHz, 1 s per pattern$'
expect_patterns
expect_written

fresh_image
vm run --iommu --disk "$img" --cmdline "$bench vessel.disktest"
expect_status 0
expect_line 'blkbench: TSC [1-9][0-9]* MHz, 1 s per pattern, through the IOMMU$'
expect_patterns
expect_line 'IOMMU: IOTLB [1-9][0-9]* hits, [0-9]+ misses .*; 0 faults'
expect_written "through the IOMMU"

fresh_image
vm run --disk "$img" --cmdline "$bench"
expect_status 4
expect_line 'blkbench overwrites the disk: it needs vessel.disktest'
expect_no_line '^BENCH-BEGIN'
vm run --disk "$img,readonly" --cmdline "$bench vessel.disktest"
expect_status 4
expect_line 'blkbench: the disk is read-only'
[ "$(tr -d '\0' <"$img" | wc -c)" -eq 0 ] || fail "a refused benchmark wrote the image"
echo "PASS"

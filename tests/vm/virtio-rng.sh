#!/usr/bin/env bash
# virtio-rng on the PCI bus: the built-in guest finds it through ECAM, drives
# its queue and checks that the bytes look random.
. "$(dirname "$0")/lib.sh"
require_kvm

vm run --rng
expect_status 0
expect_line 'pci: 00:01.0 1af4:1044 class ff0000'
expect_line 'virtio-rng: 32 bytes:( [0-9a-f]{2}){8}$'
expect_line 'all checks passed'

# Two runs never see the same bytes.
first=$(grep 'virtio-rng:' "$WORK/out")
vm run --rng
expect_status 0
[ "$(grep 'virtio-rng:' "$WORK/out")" != "$first" ] || fail "the same 'random' bytes twice"
echo "PASS"

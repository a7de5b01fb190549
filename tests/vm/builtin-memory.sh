#!/usr/bin/env bash
# Memory layouts: RAM split around the 32-bit MMIO hole, and huge-page backing.
. "$(dirname "$0")/lib.sh"
require_kvm

vm run --memory 5G
expect_status 0
expect_line 'memory: 0000000000100000-00000000bfffffff ram'
expect_line 'memory: 00000000e0000000-00000000efffffff reserved'
expect_line 'memory: 0000000100000000-000000017fffffff ram'
expect_line 'memory: 5119 MiB of RAM'
expect_line 'all checks passed'

vm run --memory 64M --hugepages
if grep -q 'transparent huge pages are disabled' "$WORK/out"; then
	expect_status 1
else
	expect_status 0
	expect_line 'all checks passed'
fi

vm run --memory 64M --hugepages=/nonexistent
expect_status 1
expect_line 'hugepages=/nonexistent: not a hugetlbfs mount'
echo "PASS"

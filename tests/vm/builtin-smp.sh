#!/usr/bin/env bash
# Two and four vCPUs: the guest starts the APs with INIT/SIPI and sees each one.
. "$(dirname "$0")/lib.sh"
require_kvm

vm run --cpus 2
expect_status 0
expect_line 'acpi: 2 cpus in MADT'
expect_line 'cpus: 2 online, apic ids: 0 1$'
expect_line 'all checks passed'

vm run --cpus 4
expect_status 0
expect_line 'acpi: 4 cpus in MADT'
expect_line 'cpus: 4 online, apic ids: 0( [123]){3}$'
expect_line 'all checks passed'
echo "PASS"

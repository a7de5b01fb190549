#!/usr/bin/env bash
# The built-in guest on one vCPU: its report, then a clean ACPI power-off.
. "$(dirname "$0")/lib.sh"
require_kvm

vm run --cpus 1 --memory 128M
expect_status 0
expect_line '^vessel-guest: hello from the built-in guest'
expect_line 'memory: 0000000000000000-000000000009fbff ram'
expect_line 'memory: 0000000000100000-0000000007ffffff ram'
expect_line 'memory: 127 MiB of RAM'
expect_line 'acpi: rsdp 0xe0000, tables: FACP APIC MCFG$'
expect_line 'acpi: devices: ACPI0007 PNP0A08 PNP0501 PNP0303 PNP0F13 PNP0B00 QEMU0001$'
expect_line 'pci: 00:00.0 1b36:0008 class 060000'
expect_no_line 'pci: 00:01.0'
expect_line 'acpi: 1 cpus in MADT, ioapic 0xfec00000, S5 type 5'
expect_line 'uart: 16550A at 0x3f8, irq 4 -> vector 36: delivered'
expect_line 'rtc: 20[0-9]{2}-[01][0-9]-[0-3][0-9] '
expect_line 'i8042: self test 0x55'
expect_line 'pvpanic: present'
expect_line 'cpus: 1 online, apic ids: 0$'
expect_line 'all checks passed, powering off'
expect_no_line 'check failed'
echo "PASS"

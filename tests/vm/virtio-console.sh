#!/usr/bin/env bash
# --console virtio: the guest prints through virtio-console and host stdin
# reaches it there (not the UART).
. "$(dirname "$0")/lib.sh"

vm run --console telnet
expect_status 2
expect_line "--console 'telnet': 'serial' or 'virtio'"

require_kvm

vm run --console virtio
expect_status 0
expect_line 'pci: 00:01.0 1af4:1043 class 078000'
expect_line '^vessel-guest: hello through virtio-console \(hvc0\)$'
expect_line 'all checks passed'

vm_echo 'typed into hvc0, longer than one sixty-four byte receive buffer of the guest' \
	run --console virtio
expect_status 0
expect_line 'echo: got "typed into hvc0, longer than one sixty-four byte receive buffer of the guest"'
echo "PASS"

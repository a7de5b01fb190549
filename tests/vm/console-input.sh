#!/usr/bin/env bash
# Host stdin reaches the guest's UART receiver.
. "$(dirname "$0")/lib.sh"
require_kvm

vm_echo 'hello from the host, longer than one FIFO load' run
expect_status 0
expect_line 'echo: got "hello from the host, longer than one FIFO load"'
echo "PASS"

#!/usr/bin/env bash
# The no-op guest of bench/hello-vm powers off at once in both VMMs: its
# timings are the VMMs' own start-up and tear-down only if it really does.
. "$(dirname "$0")/lib.sh"
require_kvm
NOOP_ELF=${NOOP_ELF:?NOOP_ELF must name build/guest/vessel-noop.elf}

vm run --memory 128M --kernel "$NOOP_ELF"
expect_status 0

# QEMU microvm as bench/hello-vm runs it: exits 0 only through its GED's
# sleep control register (the guest halts otherwise, and the timeout fails).
if command -v qemu-system-x86_64 >/dev/null; then
	status=0
	timeout "$TEST_TIMEOUT" qemu-system-x86_64 -M microvm,acpi=on -accel kvm \
		-cpu host,-arch-capabilities -m 128M -smp 1 -nodefaults -nographic \
		-no-reboot -serial stdio -kernel "$NOOP_ELF" </dev/null >"$WORK/qemu" 2>&1 ||
		status=$?
	sed 's/^/  | /' "$WORK/qemu"
	[ "$status" -eq 0 ] || fail "QEMU did not power off the no-op guest (status $status)"
else
	echo "note: qemu-system-x86_64 not installed: QEMU's half not tried"
fi
echo "PASS"

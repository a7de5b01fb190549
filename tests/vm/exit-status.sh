#!/usr/bin/env bash
# Each way a guest can end has its own exit status.
. "$(dirname "$0")/lib.sh"
require_kvm

vm run --cmdline vessel.test=reset
expect_status 3
expect_line 'resetting through the ACPI reset register'

vm run --cmdline vessel.test=i8042-reset
expect_status 3

vm run --cmdline vessel.test=panic
expect_status 4
expect_line 'guest reported a kernel panic'

if [ -n "${VESSEL_KVM_RIG:-}" ]; then
	echo "note: triple fault not tried: the KVM rig's emulated SVM hangs on a guest shutdown"
else
	vm run --cmdline vessel.test=triple-fault
	expect_status 4
	expect_line 'guest triple fault on vCPU 0'
fi

# Stopped from the host: 128 + the signal, after the guest was running.
timeout 60 "$VESSEL" run --cmdline vessel.test=hang >"$WORK/out" 2>&1 </dev/null &
pid=$!
for _ in $(seq 600); do
	grep -q 'waiting forever' "$WORK/out" && break
	sleep 0.1
done
grep -q 'waiting forever' "$WORK/out" || fail "the guest never got to wait"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
expect_status 143
echo "PASS"

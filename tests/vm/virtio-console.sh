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

mkfifo "$WORK/in"
timeout 120 "$VESSEL" run --console virtio --cmdline vessel.test=echo <"$WORK/in" >"$WORK/out" 2>&1 &
pid=$!
exec 8>"$WORK/in"
for _ in $(seq 600); do
	grep -q 'echo: ready' "$WORK/out" && break
	sleep 0.1
done
grep -q 'echo: ready' "$WORK/out" || { kill $pid; fail "the guest never asked for input"; }
printf 'typed into hvc0, longer than one sixty-four byte receive buffer of the guest\n' >&8
status=0
wait "$pid" || status=$?
exec 8>&-
tr -d '\r' <"$WORK/out" >"$WORK/clean" && mv "$WORK/clean" "$WORK/out"
sed 's/^/  | /' "$WORK/out"
expect_status 0
expect_line 'echo: got "typed into hvc0, longer than one sixty-four byte receive buffer of the guest"'
echo "PASS"

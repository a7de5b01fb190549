#!/usr/bin/env bash
# Host stdin reaches the guest's UART receiver.
. "$(dirname "$0")/lib.sh"
require_kvm

mkfifo "$WORK/in"
timeout 120 "$VESSEL" run --cmdline vessel.test=echo <"$WORK/in" >"$WORK/out" 2>&1 &
pid=$!
exec 8>"$WORK/in"
for _ in $(seq 600); do
	grep -q 'echo: ready' "$WORK/out" && break
	sleep 0.1
done
grep -q 'echo: ready' "$WORK/out" || fail "the guest never asked for input"
printf 'hello from the host, longer than one FIFO load\n' >&8
status=0
wait "$pid" || status=$?
exec 8>&-
tr -d '\r' <"$WORK/out" >"$WORK/clean" && mv "$WORK/clean" "$WORK/out"
sed 's/^/  | /' "$WORK/out"
expect_status 0
expect_line 'echo: got "hello from the host, longer than one FIFO load"'
echo "PASS"

#!/usr/bin/env bash
# A viewer that stops reading does not hold up the others: with one viewer
# asking for updates and reading none, a second one keeps getting the
# redrawn square at the usual rate; the stuck one is disconnected after a
# few seconds, with a line in the log, and the VM runs on.
. "$(dirname "$0")/lib.sh"
require_kvm
CLIENT=${VNC_CLIENT:?VNC_CLIENT must name tests/vm/vnc_client}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timeout 120 "$VESSEL" run --vnc "127.0.0.1:$port,fps=30" \
	--cmdline "vessel.test=display vessel.redraw=30" </dev/null >"$WORK/raw" 2>&1 &
vm_pid=$!
stuck_pid=
trap 'kill $vm_pid $stuck_pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 600); do
	grep -q 'redrawing 32x32' "$WORK/raw" && break
	kill -0 "$vm_pid" 2>/dev/null || break
	sleep 0.1
done
grep -q 'redrawing 32x32' "$WORK/raw" || { cat "$WORK/raw"; fail "the guest never redrew"; }

echo "  \$ vnc_client stall 30 &   (asks, never reads)"
timeout 60 "$CLIENT" "127.0.0.1:$port" stall 30 >"$WORK/stuck" 2>&1 &
stuck_pid=$!
for _ in $(seq 100); do
	grep -q 'reading nothing' "$WORK/stuck" && break
	sleep 0.1
done
grep -q "reading nothing" "$WORK/stuck" || { cat "$WORK/stuck"; fail "the stuck viewer never got going"; }

# The stuck viewer's socket fills within a second or so; 8 s covers the
# time it is skipped and the moment it is let go.
echo "  \$ vnc_client bench 8   (the other viewer)"
timeout 60 "$CLIENT" "127.0.0.1:$port" bench 8 | tee "$WORK/good" || fail "the other viewer failed"
read -r updates secs < <(sed -n 's/^redraw: \([0-9]*\) updates,.* in \([0-9.]*\) s;.*/\1 \2/p' "$WORK/good")
rate=$(python3 -c "print(int($updates / $secs))")
[ "$rate" -ge 15 ] || fail "the other viewer got $updates updates in $secs s while one was stuck"

wait "$stuck_pid" || { cat "$WORK/stuck"; fail "the stuck viewer was never disconnected"; }
cat "$WORK/stuck"
kill -0 "$vm_pid" 2>/dev/null || fail "the VM stopped"
kill "$vm_pid"
wait "$vm_pid" 2>/dev/null || true
tr -d '\r' <"$WORK/raw" >"$WORK/out"
grep -q 'vnc: viewer .* took nothing for 5 s: disconnected' "$WORK/out" ||
	{ cat "$WORK/out"; fail "no log line for the viewer let go"; }
echo "PASS: a stuck viewer is skipped, then let go; the other got $rate updates/s"

#!/usr/bin/env bash
# PUT /vm/reset puts back what power-on set, the in-kernel parts too: the
# built-in guest (vessel.test=reset-state) prints the PIT's mode, the 8259s'
# masks, an IOAPIC entry, the kvmclock MSR and MSR_STAR, changes them all,
# and after the reset must print its boot line again as the first boot did;
# with --pit (KVM's PIT, PIC and IOAPIC; 2 vCPUs) and without (the split irqchip).
. "$(dirname "$0")/lib.sh"
require_kvm
command -v curl >/dev/null || { echo "SKIP: no curl (scripts/deps.sh test)"; exit 77; }

SOCK=$WORK/api.sock
STATE='reset-state: pit'

# state_lines: the guest's reset-state report lines so far, one a line.
state_lines() { tr -d '\r' <"$WORK/raw" | grep -- "$STATE" || true; }

# wait_lines N: until the guest has printed N report lines (two a boot).
wait_lines() {
	for _ in $(seq $((TEST_TIMEOUT * 10))); do
		[ "$(state_lines | wc -l)" -ge "$1" ] && return 0
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/  | /' "$WORK/raw"
	fail "the guest printed fewer than $1 '$STATE' lines"
}

reset_once() {
	local code

	echo "reset-state with ${*:-the split irqchip}"
	rm -f "$WORK/raw"
	timeout 120 "$VESSEL" run "$@" --cmdline vessel.test=reset-state --api-socket "$SOCK" \
		</dev/null >"$WORK/raw" 2>&1 &
	vm_pid=$!
	wait_lines 2
	code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X PUT --max-time 10 \
		--unix-socket "$SOCK" http://vessel/vm/reset)
	[ "$code" = 200 ] || fail "PUT /vm/reset: $code $(cat "$WORK/body")"
	wait_lines 4
	state_lines | sed 's/^/  | /'
	first=$(state_lines | sed -n 1p)
	changed=$(state_lines | sed -n 2p)
	again=$(state_lines | sed -n 3p)
	[ "$first" != "$changed" ] || fail "the guest's changes did not show: $changed"
	[ "$first" = "$again" ] || fail "after the reset the guest found '$again', not '$first'"
	echo "$first" | grep -q 'kvmclock 0x0 star 0x0$' ||
		fail "the first boot's MSRs are not zero: $first"
	echo "$first" | grep -q 'ioapic 0x10000 ' || fail "the IOAPIC entry is not masked at boot: $first"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --max-time 10 --unix-socket "$SOCK" \
		http://vessel/vm/stop)" = 202 ] || fail "PUT /vm/stop"
	wait "$vm_pid" || true
}

reset_once --pit --cpus 2
echo "$first" | grep -q 'pic 0xff/0xff ' || fail "with --pit the 8259s are not masked at boot"
reset_once
echo "PASS"

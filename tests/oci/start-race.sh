#!/usr/bin/env bash
# A process that writes the exec fifo's byte, execs and exits before `start`
# first looks still started: `run` returns its status, create+start succeeds.
# Hundreds of runs, because the race is lost a few times in a hundred.
. "$(dirname "$0")/lib.sh"
require_root

B="$WORK/bundle"
make_bundle "$B"
N=${RACE_RUNS:-200}
# r ARGS...: vessel-runc, its output in $WORK/out.
r() { timeout --kill-after=5 60 "$RUNC" --root "$ROOT" "$@" </dev/null >"$WORK/out" 2>&1; }

args "$B" /bin/true
for i in $(seq "$N"); do
	status=0
	r run --bundle "$B" "r$i" || status=$?
	[ "$status" -eq 0 ] || fail "run $i of /bin/true: status $status: $(cat "$WORK/out")"
done
[ -z "$(ls "$ROOT")" ] || fail "run left state behind: $(ls "$ROOT")"

args "$B" sh -c 'exit 7'
for i in $(seq $((N / 3))); do
	status=0
	r run --bundle "$B" "s$i" || status=$?
	[ "$status" -eq 7 ] || fail "run $i of exit 7: status $status: $(cat "$WORK/out")"
done

args "$B" /bin/true
for i in $(seq "$N"); do
	track "c$i"
	r create --bundle "$B" "c$i" || fail "create $i: $(cat "$WORK/out")"
	r start "c$i" || fail "start $i of /bin/true: $(cat "$WORK/out")"
	r delete --force "c$i" || fail "delete $i: $(cat "$WORK/out")"
done
[ -z "$(ls "$ROOT")" ] || fail "delete left state behind: $(ls "$ROOT")"
echo ok

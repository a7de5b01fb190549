#!/usr/bin/env bash
# How often scripts/kvm-rig hangs: N rig runs, one try each (no retry), each
# running the small-kernel test, counted by outcome and by the hang's cause.
#   tests/long/rig-hang-rate.sh N [--single] [KVM-RIG OPTIONS...]
# Each run is the whole tests/long/boot-small-linux.sh (six small-kernel boots),
# or with --single one PVH boot of the small kernel to its userspace test.
# Options after that go to kvm-rig (default: --cpus 1 --quiet 300, as
# scripts/test uses; the test prints a block per boot, so 300 s without a line
# means a stalled nested guest).
# Runs one at a time; logs are kept in the directory printed first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
usage() { echo "usage: rig-hang-rate.sh N [--single] [KVM-RIG OPTIONS...]" >&2; exit 2; }
[ $# -ge 1 ] && [[ "$1" =~ ^[1-9][0-9]*$ ]] || usage
runs=$1
shift
single=""
if [ "${1:-}" = --single ]; then
	single=1
	shift
fi
rig_opts=("$@")
[ ${#rig_opts[@]} -gt 0 ] || rig_opts=(--cpus 1 --quiet 300)

vessel=${VESSEL:-$root/build/src/vessel}
[ -x "$vessel" ] || { echo "rig-hang-rate: no vessel at $vessel (build it, or set VESSEL)" >&2; exit 1; }
kdir=$("$here/build-kernel.sh")
out=$(mktemp -d "${TMPDIR:-/tmp}/vessel-hang-rate.XXXXXX")
echo "rig-hang-rate: $runs runs, logs in $out"

if [ -n "$single" ]; then
	"$here/build-initramfs.sh" "$out/initramfs.cpio.gz"
	cmd=(sh -c "timeout 600 $vessel run --kernel $kdir/vmlinux --initrd $out/initramfs.cpio.gz \
--memory 256M --cpus 1 --cmdline 'console=ttyS0 panic=-1 quiet vessel_test=basic vessel_cpus=1' \
</dev/null | tr -d '\r' | grep -q '^VESSEL-TEST-RESULT: PASS'")
else
	cmd=(env VESSEL="$vessel" "$here/boot-small-linux.sh")
fi

cd "$root"
for i in $(seq "$runs"); do
	rc=0
	scripts/kvm-rig --tries 1 "${rig_opts[@]}" --report "$out/report" --klog "$out/klog-$i" \
		-- "${cmd[@]}" >"$out/run-$i.log" 2>&1 || rc=$?
	line=$(tail -n 1 "$out/report")
	echo "run $i: status $rc, $line"
	echo "$rc $line" >>"$out/results"
done

# The summary: outcomes, the hangs by cause, and stalls a run survived.
awk -v runs="$runs" '
{
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	if (f["result"] == "hang") {
		hung++
		c = f["cause"]
		if (c ~ /soft_lockup/) c = "soft-lockup"
		else if (c ~ /stall/) c = "rcu-stall"
		else if (c ~ /blocked_for_more/) c = "hung-task"
		else if (c ~ /no_heartbeat/) c = "silent"
		else if (c ~ /no_output/) c = "guest-stalled"
		else if (c ~ /limit/) c = "timeout"
		cause[c]++
	} else if (f["result"] == "died") {
		died++
	} else if ($1 == 0) {
		passed++
		if (f["max_gap"] > gap) gap = f["max_gap"]
	} else {
		failed++
	}
}
END {
	printf "%d runs: %d passed, %d hung, %d died, %d failed (the test itself)\n", runs, passed, hung, died, failed
	for (c in cause) printf "  hung by %s: %d\n", c, cause[c]
	printf "hang rate: %.1f%%\n", 100 * hung / runs
	printf "longest heartbeat gap in a passing run: %ds\n", gap
}' "$out/results"
mapfile -t secs < <(grep -o 'seconds=[0-9]*' "$out/results" | cut -d= -f2 | sort -n)
echo "seconds per run: min ${secs[0]}, median ${secs[$(((${#secs[@]} - 1) / 2))]}, max ${secs[-1]}"
survived=0
i=0
while read -r rc _; do
	i=$((i + 1))
	if [ "$rc" -eq 0 ] && grep -q -E 'BUG: soft lockup|detected stall|blocked for more than' "$out/klog-$i"; then
		survived=$((survived + 1))
	fi
done <"$out/results"
echo "passing runs whose rig kernel reported a lockup or stall it survived: $survived"

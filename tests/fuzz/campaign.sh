#!/bin/sh
# Run one long libFuzzer campaign outside CI, the way docs/fuzzing.md records it.
#
#   tests/fuzz/campaign.sh TARGET [EXECS|SECONDSs]
#
# TARGET names a directory of tests/fuzz/corpus (boot, blk_req, devices,
# oci_spec, virtqueue, vtd). The limit is a number of
# executions (default 10000000) or, with an "s" suffix, a number of seconds; a
# campaign given executions also stops after FUZZ_MAX_SECONDS (default 3600).
# One process at the lowest fair priority: the machine is shared. The grown
# corpus, crash artifacts and log stay in $FUZZ_SCRATCH/TARGET (default under
# /tmp), never in the tree; the seed corpus is only read. The last line printed
# is the summary docs/fuzzing.md quotes; with FUZZ_COVERAGE=1 the line coverage
# of the target's sources over the grown corpus follows it.
set -eu

usage()
{
	echo "usage: $0 TARGET [EXECS|SECONDSs]" >&2
	exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
target=$1
limit=${2:-10000000}
case $limit in
*[!0-9s]*|s*|*s?*|'') echo "$0: bad limit '$limit' (EXECS or SECONDSs)" >&2; usage ;;
*s) stop="-max_total_time=${limit%s}" ;;
*) stop="-runs=$limit -max_total_time=${FUZZ_MAX_SECONDS:-3600}" ;;
esac

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-/tmp/vessel-fuzz-build}
out=${FUZZ_SCRATCH:-/tmp/vessel-fuzz-campaign}/$target
seeds=$src/tests/fuzz/corpus/$target
case $target in
*/*|.*|'') echo "$0: bad target name '$target'" >&2; usage ;;
esac
if [ ! -d "$seeds" ]; then
	echo "$0: unknown target '$target' (no $seeds)" >&2
	usage
fi

[ -d "$build" ] || meson setup "$build" "$src" >/dev/null
nice -n 10 ninja -C "$build" "tests/fuzz/fuzz_$target" >/dev/null
mkdir -p "$out/corpus" "$out/crashes"

echo "campaign: fuzz_$target, $stop, output in $out" >&2
rc=0
cd "$out"
rm -f fuzz-0.log
# shellcheck disable=SC2086 # $stop is one or two options
nice -n 10 "$build/tests/fuzz/fuzz_$target" $stop -jobs=1 -workers=1 \
	-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$out/crashes/" "$out/corpus" "$seeds" \
	>"$out/fuzz.log" 2>&1 || rc=$?
# With -jobs, libFuzzer runs the campaign in a child that logs to fuzz-0.log.
log=$out/fuzz-0.log

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([^ ]*\).*/cov \1, ft \2, corpus \3/p')
crashes=$(find "$out/crashes" -type f | wc -l)
echo "fuzz_$target: rc $rc, ${execs:-?} execs, ${rate:-?} exec/s, ${cov:-no stats}, $crashes artifacts"

[ "${FUZZ_COVERAGE:-0}" = 1 ] || exit "$rc"
nice -n 10 ninja -C "$build" "tests/fuzz/fuzz_cov_$target" >/dev/null
bin=$build/tests/fuzz/fuzz_cov_$target
LLVM_PROFILE_FILE="$out/cov.profraw" nice -n 10 "$bin" -runs=0 "$out/corpus" "$seeds" \
	>"$out/cov.log" 2>&1
llvm-profdata merge -sparse -o "$out/cov.profdata" "$out/cov.profraw"
llvm-cov report "$bin" -instr-profile="$out/cov.profdata" \
	-ignore-filename-regex='tests/fuzz/' >"$out/cov.txt"
# Lines covered per source file (columns 8-10 of the report), and the total.
awk '$1 ~ /src\// && $8 > 0 { sub(/.*\/src\//, "src/", $1); print $1 ": " $8 - $9 "/" $8 " lines, " $10 }
     $1 == "TOTAL" { print "total: " $8 - $9 "/" $8 " lines, " $10 }' "$out/cov.txt"
exit "$rc"

#!/bin/sh
# Runs tests/oci/cgroup_probe.c (the build's, plain or with ASan/UBSan) as root on this
# host's real cgroups under /vessel-selftest-$$; then checks that no hierarchy
# keeps anything of it, removing leftovers if one does.
# Usage: PROBE=build/tests/oci/cgroup_probe tests/oci/cgroup-selftest.sh   (as root)
set -eu

cg=/vessel-selftest-$$
bin=${PROBE:?PROBE must name the cgroup_probe binary}

if [ "$(id -u)" != 0 ]; then
	echo "skip: needs root" >&2
	exit 77
fi

cleanup() {
	grep -E ' - cgroup2? ' /proc/self/mountinfo | awk '{ print $5 }' | while read -r m; do
		for d in "$m$cg-bpf" "$m$cg/sub" "$m$cg/a/b" "$m$cg/a" "$m$cg"; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null || true
		done
	done
}
trap cleanup EXIT


status=0
"$bin" "$cg" || status=$?

left=0
for m in $(grep -E ' - cgroup2? ' /proc/self/mountinfo | awk '{ print $5 }'); do
	for d in "$m$cg" "$m$cg-bpf"; do
		if [ -e "$d" ]; then
			echo "FAIL left behind: $d"
			left=1
		fi
	done
done
[ $left = 0 ] && echo "ok   no hierarchy holds $cg"
[ $status = 0 ] && [ $left = 0 ]

#!/bin/sh
# Run one libFuzzer target for a bounded time over its seed corpus (read-only:
# new inputs go to a temporary directory, so the tree stays clean).
set -eu
target=$1
seeds=$2
shift 2
scratch=$(mktemp -d /tmp/vessel-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# libFuzzer's own exit code for a crash is 77, which test harnesses read as "skipped".
"$target" -error_exitcode=1 -timeout_exitcode=1 "$@" "$scratch" "$seeds"

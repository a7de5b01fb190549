# Shared helpers for the VM tests: each test is a bash script that sources this.
set -euo pipefail

VESSEL=${VESSEL:?VESSEL must name the vessel binary}
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vessel-vmtest.XXXXXX")
# Nothing the test started outlives it (servers, VMs, peers), also when the
# harness's timeout ends it with SIGTERM; a test with a trap of its own says so there.
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Skip (exit 77) where KVM cannot be used; say why.
require_kvm() {
	# Test with -c first: bash's <> would create a missing file.
	if ! [ -c /dev/kvm ]; then
		echo "SKIP: /dev/kvm is absent on this host"
		exit 77
	fi
	if ! { exec 9<>/dev/kvm; } 2>/dev/null; then
		echo "SKIP: /dev/kvm is not accessible to $(id -un)"
		exit 77
	fi
	exec 9>&-
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# vm ARGS...: run vessel, output in $WORK/out, status in $status.
vm() {
	status=0
	timeout --kill-after=5 "$TEST_TIMEOUT" "$VESSEL" "$@" >"$WORK/raw" 2>&1 </dev/null || status=$?
	# The guest ends its lines with CR LF, as a serial console does.
	tr -d '\r' <"$WORK/raw" >"$WORK/out"
	sed 's/^/  | /' "$WORK/out"
	[ "$status" -ne 124 ] || fail "vessel $* timed out after ${TEST_TIMEOUT}s"
}

expect_status() {
	[ "$status" -eq "$1" ] || fail "expected exit status $1, got $status"
}

expect_line() {
	grep -qE -- "$1" "$WORK/out" || fail "no line matching /$1/ in the output"
}

expect_no_line() {
	! grep -qE -- "$1" "$WORK/out" || fail "unexpected line matching /$1/"
}

# vm_echo LINE ARGS...: run vessel ARGS with vessel.test=echo on the guest's
# command line and type LINE on its stdin once the guest asks for input.
vm_echo() {
	local line=$1 pid
	shift
	mkfifo "$WORK/in"
	timeout 120 "$VESSEL" "$@" --cmdline vessel.test=echo <"$WORK/in" >"$WORK/raw" 2>&1 &
	pid=$!
	exec 8>"$WORK/in"
	for _ in $(seq 600); do
		grep -q 'echo: ready' "$WORK/raw" && break
		sleep 0.1
	done
	grep -q 'echo: ready' "$WORK/raw" || { kill "$pid"; fail "the guest never asked for input"; }
	printf '%s\n' "$line" >&8
	status=0
	wait "$pid" || status=$?
	exec 8>&-
	rm -f "$WORK/in"
	tr -d '\r' <"$WORK/raw" >"$WORK/out"
	sed 's/^/  | /' "$WORK/out"
}

# guest_counts FILE [NAME]: the N of each complete "NAME: N" line (default
# "counter") in FILE, in order; a last line still being written is not one.
guest_counts() {
	{ cat "$1"; echo '#end'; } | tr -d '\r' | sed -n "s/^${2:-counter}: \([0-9][0-9]*\)$/\1/p"
}

# guest_line FILE REGEX PID: wait until FILE has a line matching REGEX while
# the process PID lives; 1 (FILE shown) if it died or TEST_TIMEOUT passed.
guest_line() {
	for _ in $(seq $((TEST_TIMEOUT * 10))); do
		tr -d '\r' <"$1" | grep -qE -- "$2" && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.1
	done
	tr -d '\r' <"$1" | sed 's/^/  | /'
	return 1
}

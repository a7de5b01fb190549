# Sourced by the scripts here. quiet CMD...: run CMD with its output kept
# aside, so a step that works prints nothing; when it fails, show that output
# and name the command, on stderr. The status is CMD's.
quiet() {
	local log rc=0
	log=$(mktemp "${TMPDIR:-/tmp}/vessel-step.XXXXXX")
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		cat "$log" >&2
		echo "scripts/${0##*/}: '$*' failed with status $rc" >&2
	fi
	rm -f "$log"
	return "$rc"
}

# The host's half of guest-tests/display, sourced by display-small-linux.sh and
# display-stock-linux.sh after tests/vm/lib.sh: Linux boots with --display and
# --vnc on a unix socket, and tests/vm/vnc_client, a real RFB client, reads the
# screen as a viewer would at each step the guest announces on its serial
# console. The screen must not be blank once the guest wrote its banner to
# tty1 (fbcon drew on bochs-drm), and the guest's marker rows must change the
# screen exactly there: enough pixels, none outside those rows.
# With SKIP_IF_UNEMULATED set, a VM that vessel stopped at an instruction this
# host's KVM cannot emulate skips the test (exit 77) instead of failing it.
CLIENT=${VNC_CLIENT:?VNC_CLIENT must name tests/vm/vnc_client}

# wait_display_line REGEX: until the VM's output has a line matching REGEX, the VM alive.
wait_display_line() {
	guest_line "$WORK/raw" "$1" "$vm_pid" && return 0
	if [ -n "${SKIP_IF_UNEMULATED:-}" ] && ! kill -0 "$vm_pid" 2>/dev/null &&
		grep -q 'cannot emulate the guest instruction' "$WORK/raw"; then
		echo "SKIP: this host's KVM cannot run this kernel to the end."
		grep 'cannot emulate the guest instruction' "$WORK/raw"
		exit 77
	fi
	fail "no line matching /$1/ from the guest"
}

# screen_until WHAT CMD ARG MIN: vnc_client's CMD (lit or changed) until it counts
# at least MIN pixels (fbcon's drawing reaches the framebuffer from a worker, so
# the first look may come early); its last line in $WORK/count.
screen_until() {
	local what=$1 cmd=$2 arg=$3 min=$4 n
	for _ in $(seq 20); do
		timeout 60 "$CLIENT" "unix:$WORK/vnc.sock" "$cmd" $arg >"$WORK/count" ||
			fail "vnc_client $cmd failed"
		n=$(awk '{print $2}' "$WORK/count")
		[ "$n" -ge "$min" ] && { echo "  $what: $(cut -d' ' -f2- "$WORK/count")"; return 0; }
		sleep 1
	done
	fail "$what: only $(cut -d' ' -f2- "$WORK/count"), fewer than $min"
}

# screen_stable: until the screen holds still for a second (nothing left in
# fbcon's queue), kept in $WORK/screen.ppm.
screen_stable() {
	for _ in $(seq 20); do
		timeout 60 "$CLIENT" "unix:$WORK/vnc.sock" ppm "$WORK/screen.ppm" ||
			fail "vnc_client ppm failed"
		sleep 1
		timeout 60 "$CLIENT" "unix:$WORK/vnc.sock" changed "$WORK/screen.ppm" >"$WORK/count" ||
			fail "vnc_client changed failed"
		[ "$(awk '{print $2}' "$WORK/count")" -eq 0 ] && return 0
	done
	fail "the screen never held still: $(cat "$WORK/count")"
}

# display_check KERNEL INITRD MEMORY [PNG]: the whole check; PNG, when given,
# receives the screen with the guest's banner and marker.
display_check() {
	local kernel=$1 initrd=$2 memory=$3 png=${4:-} rows cols width height cell first last ncols
	local box x y w h
	rm -f "$WORK/vnc.sock"
	mkfifo "$WORK/in"
	timeout --kill-after=5 "$TEST_TIMEOUT" "$VESSEL" run --kernel "$kernel" --initrd "$initrd" \
		--memory "$memory" --display --vnc "unix:$WORK/vnc.sock" \
		--cmdline "console=ttyS0 panic=-1 consoleblank=0 vessel_test=display" \
		<"$WORK/in" >"$WORK/raw" 2>&1 &
	vm_pid=$!
	# A check that fails leaves no VM behind.
	trap 'kill "$vm_pid" 2>/dev/null; rm -rf "$WORK"' EXIT
	exec 8>"$WORK/in"
	wait_display_line '^VESSEL-DISPLAY: banner'
	read -r rows cols < <(tr -d '\r' <"$WORK/raw" | sed -n 's/^VESSEL-DISPLAY: tty1 \([0-9]*\) \([0-9]*\)$/\1 \2/p')
	[ -n "$rows" ] || fail "the guest did not say how many rows tty1 has"
	tr -d '\r' <"$WORK/raw" | grep '^VESSEL-DISPLAY: fb0' | sed 's/^/  | /'

	# (a) The banner: fbcon drew text on a black screen, at the top.
	screen_until "after the banner, not black" lit "" 2000
	read -r width height < <(sed -n 's/.* of \([0-9]*\)x\([0-9]*\)$/\1 \2/p' "$WORK/count")
	cell=$((height / rows))
	echo "  screen ${width}x${height}, tty1 ${cols}x${rows}: a character cell is $((width / cols))x$cell"
	box=$(awk '{print $5}' "$WORK/count")
	[ "${box#*,}" -lt "$cell" ] || fail "the banner's text does not start on the first row (box at $box)"
	# Nothing changes while the guest waits: what changes next is its doing.
	screen_stable
	mv "$WORK/screen.ppm" "$WORK/banner.ppm"
	echo "  the screen holds still while the guest waits"

	# (b) The marker rows: the screen changes there and only there.
	printf 'go\n' >&8
	wait_display_line '^VESSEL-DISPLAY: marker'
	read -r first last ncols < <(tr -d '\r' <"$WORK/raw" |
		sed -n 's/^VESSEL-DISPLAY: marker \([0-9]*\) \([0-9]*\) \([0-9]*\)$/\1 \2 \3/p')
	[ -n "$ncols" ] || fail "the guest did not say where it wrote its marker"
	last=$((first + last - 1))
	# A '#' lights well over a tenth of its cell.
	screen_until "after the marker, changed" changed "$WORK/banner.ppm" \
		$(((last - first + 1) * ncols * (width / cols) * cell / 10))
	read -r x y < <(awk '{split($5, p, ","); print p[1], p[2]}' "$WORK/count")
	read -r w h < <(awk '{split($6, s, "x"); print s[1], s[2]}' "$WORK/count")
	[ "$y" -ge $(((first - 1) * cell)) ] && [ $((y + h)) -le $((last * cell)) ] ||
		fail "pixels changed outside rows $first-$last (y $(((first - 1) * cell)) to $((last * cell))): box $x,$y ${w}x$h"
	[ $((x + w)) -le $((ncols * width / cols)) ] ||
		fail "pixels changed right of the marker's $ncols columns: box $x,$y ${w}x$h"
	echo "  the change lies in rows $first-$last, columns 1-$ncols"
	[ -z "$png" ] || timeout 60 "$CLIENT" "unix:$WORK/vnc.sock" png "$png" ||
		fail "vnc_client png $png failed"

	printf 'done\n' >&8
	status=0
	wait "$vm_pid" || status=$?
	exec 8>&-
	trap 'rm -rf "$WORK"' EXIT
	rm -f "$WORK/in"
	tr -d '\r' <"$WORK/raw" >"$WORK/out"
	sed 's/^/  | /' "$WORK/out"
	[ "$status" -ne 124 ] || fail "vessel timed out after ${TEST_TIMEOUT}s"
}

#!/usr/bin/env bash
# Snapshot and restore (docs/snapshot.md) with the counter guest, whose count
# goes to the console and to sector 0 of its disk every few ms: a restored
# guest goes on from the count it stopped at (no restart, no number skipped
# or repeated) and its disk agrees; a diff snapshot restores to the later
# point; the bad snapshots (truncated, corrupt, another format version or
# CPU, the memory file missing or of the wrong size, a changed disk) are
# refused with their reason and nothing runs.
. "$(dirname "$0")/lib.sh"
require_kvm
command -v curl >/dev/null || { echo "SKIP: no curl (scripts/deps.sh test)"; exit 77; }

SOCK=$WORK/api.sock
VESSEL=$(realpath "$VESSEL")	# the test runs it from other directories too
DISK=$WORK/disk.img
truncate -s 8M "$DISK"

# api METHOD PATH [BODY]: one request to the VM on $SOCK; the body in $WORK/reply.
api() {
	local code
	code=$(curl -s -o "$WORK/reply" -w '%{http_code}' -X "$1" --max-time 30 \
		--unix-socket "$SOCK" ${3:+-H 'Content-Type: application/json' --data-binary "$3"} \
		"http://vessel$2") || fail "curl $1 $2 failed"
	echo "  $1 $2 ${3:-} -> $code $(cat "$WORK/reply")"
	[ "$code" = 200 ] || [ "$code" = 202 ] || fail "$1 $2: HTTP $code"
}

last_count() { guest_counts "$1" | tail -1; }

# wait_count FILE N PID: until FILE shows count N (the VM PID still alive).
wait_count() {
	for _ in $(seq 600); do
		[ "$(last_count "$1")" -ge "$2" ] 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/  | /' "$1"
	fail "the guest never counted to $2"
}

# start LOG ARGS...: vessel run ARGS --api-socket $SOCK in the background; $vm_pid.
start() {
	local log=$1
	shift
	rm -f "$SOCK"
	timeout --kill-after=5 "$TEST_TIMEOUT" "$VESSEL" run "$@" --api-socket "$SOCK" \
		</dev/null >"$log" 2>&1 &
	vm_pid=$!
	for _ in $(seq 300); do
		[ -S "$SOCK" ] && return 0
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$log"
	fail "vessel run $* did not come up"
}

stop_vm() {
	api PUT /vm/stop
	status=0
	wait "$vm_pid" || status=$?
	[ "$status" -eq 143 ] || fail "vessel exited $status after PUT /vm/stop, not 143"
}

disk_count() { head -c 64 "$DISK" | tr -d '\0' | sed -n 's/^counter: \([0-9]*\)$/\1/p'; }

# consecutive FILE...: the counts of the files, in turn, are 1, 2, 3, ... with none
# missing or repeated (a restored guest's first line may finish one cut by the pause).
consecutive() {
	cat "$@" | tr -d '\r' | sed -n 's/^counter: \([0-9][0-9]*\)$/\1/p' >"$WORK/all"
	awk 'NR != $1 { print "line " NR " is count " $1; bad = 1; exit } END { exit bad }' \
		"$WORK/all" || fail "the counts of $* do not run on one by one"
}

echo "full snapshot of the running counter guest"
start "$WORK/run1" --cmdline vessel.test=counter --disk "$DISK"
wait_count "$WORK/run1" 20 "$vm_pid"
(cd "$WORK" && "$VESSEL" ctl --api-socket "$SOCK" snapshot full --resume) >"$WORK/reply" ||
	fail "vessel ctl snapshot failed"
grep -q "\"dir\":\"$WORK/full\"" "$WORK/reply" || fail "vessel ctl did not make the directory absolute"
grep -q '"state":"running"' "$WORK/reply" || fail "--resume did not leave the VM running"
[ -s "$WORK/full/state" ] || fail "vessel ctl snapshot wrote no state file"
rm -r "$WORK/full"
api PUT /vm/pause
api PUT /vm/snapshot "{\"dir\": \"$WORK/full\"}"
before=$(last_count "$WORK/run1")
sleep 0.3
[ "$(last_count "$WORK/run1")" = "$before" ] || fail "the guest counted on after the snapshot"
stop_vm
on_disk=$(disk_count)
echo "  last count before: $before; on the disk: $on_disk"
[ "$on_disk" = "$before" ] || [ "$on_disk" = $((before + 1)) ] ||
	fail "the disk holds count $on_disk, the console showed $before"
du -k "$WORK/full/memory" | awk '{ if ($1 > 4096) { print "  memory file uses " $1 " KiB"; exit 1 } }' ||
	fail "the memory file of an idle 256 MiB guest is not sparse"

echo "restore: the guest goes on counting from there, and its disk with it"
cp --sparse=always "$DISK" "$WORK/disk-at-full.img"
touch -r "$DISK" "$WORK/disk-at-full.img"
t0=$(date +%s%N)
start "$WORK/run2" --restore "$WORK/full"
wait_count "$WORK/run2" $((before + 1)) "$vm_pid"
t1=$(date +%s%N)
echo "  first count after the restore in $(((t1 - t0) / 1000000)) ms"
wait_count "$WORK/run2" $((before + 30)) "$vm_pid"
consecutive "$WORK/run1" "$WORK/run2"
grep -q 'hello from the built-in guest' "$WORK/run2" && fail "the restored guest booted again"

echo "diff snapshot after a full one restores to the later point"
api PUT /vm/pause
api PUT /vm/snapshot "{\"dir\": \"$WORK/base\"}"
api PUT /vm/resume
wait_count "$WORK/run2" $(($(last_count "$WORK/run2") + 30)) "$vm_pid"
api PUT /vm/pause
api PUT /vm/snapshot "{\"dir\": \"$WORK/diff\", \"type\": \"diff\"}"
later=$(last_count "$WORK/run2")
stop_vm
[ "$(du -k "$WORK/diff/memory" | cut -f1)" -lt 1024 ] || fail "the diff's memory file is not small"
echo "restored --paused, it waits for the API's resume"
start "$WORK/run3" --restore "$WORK/diff" --paused
sleep 0.5
guest_counts "$WORK/run3" | grep -q . && fail "the guest counted before the resume"
curl -s --unix-socket "$SOCK" http://vessel/vm | grep -q '"state":"paused"' ||
	fail "GET /vm does not say paused"
api PUT /vm/resume
wait_count "$WORK/run3" $((later + 10)) "$vm_pid"
stop_vm
consecutive "$WORK/run1" "$WORK/run2" "$WORK/run3"
on_disk=$(disk_count)
last=$(last_count "$WORK/run3")
[ "$on_disk" = "$last" ] || [ "$on_disk" = $((last + 1)) ] ||
	fail "after the diff's restore the disk holds $on_disk, the console showed $last"

# refused DIR REASON [ARGS...]: vessel run --restore DIR fails with status 1 and REASON.
refused() {
	local dir=$1 reason=$2
	shift 2
	status=0
	timeout 60 "$VESSEL" run --restore "$dir" "$@" </dev/null >"$WORK/bad" 2>&1 || status=$?
	sed 's/^/  | /' "$WORK/bad"
	[ "$status" -eq 1 ] || fail "restoring $dir exited $status, not 1"
	grep -q -- "$reason" "$WORK/bad" || fail "restoring $dir: no '$reason' in the message"
	! grep -q 'counter:' "$WORK/bad" || fail "the guest ran from $dir"
}

echo "bad snapshots are refused, and nothing runs"
refused "$WORK/full" 'was written since the snapshot'
cp "$WORK/disk-at-full.img" "$WORK/other.img"
printf 'other' | dd of="$WORK/other.img" conv=notrunc status=none
touch -r "$WORK/disk-at-full.img" "$WORK/other.img"
cp -p "$WORK/other.img" "$DISK"
refused "$WORK/full" 'not the image the snapshot was taken with'
cp -p "$WORK/disk-at-full.img" "$DISK"
truncate -s 4M "$DISK"
refused "$WORK/full" 'changed since the snapshot'
cp -p "$WORK/disk-at-full.img" "$DISK"
refused "$WORK/nothing" 'No such file or directory'
for c in truncated corrupt version cpu memory-missing memory-size; do
	mkdir "$WORK/$c"
	cp "$WORK/full/state" "$WORK/$c/state"
	cp --sparse=always "$WORK/full/memory" "$WORK/$c/memory"
done
size=$(stat -c %s "$WORK/full/state")
truncate -s $((size / 2)) "$WORK/truncated/state"
refused "$WORK/truncated" 'the state file is truncated'
printf '\xff' | dd of="$WORK/corrupt/state" bs=1 seek=$((size - 100)) conv=notrunc status=none
refused "$WORK/corrupt" 'checksum does not match'
printf '\x63\x00\x00\x00' | dd of="$WORK/version/state" bs=1 seek=8 conv=notrunc status=none
refused "$WORK/version" 'snapshot format version 99'
# Another CPU: another vendor, with the checksum made right again.
python3 - "$WORK/cpu/state" <<'PY'
import struct, sys
def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1))
    return crc ^ 0xffffffff
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[25:37] = b'OtherVendor!'
b[12:16] = struct.pack('<I', crc32c(bytes(b[24:])))
open(p, 'wb').write(b)
PY
refused "$WORK/cpu" 'taken on another CPU'
rm "$WORK/memory-missing/memory"
refused "$WORK/memory-missing" 'its memory file'
truncate -s 1M "$WORK/memory-size/memory"
refused "$WORK/memory-size" 'its memory file is 1048576 bytes'
status=0
"$VESSEL" run --restore "$WORK/full" --paused </dev/null >"$WORK/bad" 2>&1 || status=$?
[ "$status" -eq 2 ] && grep -q -- '--paused needs --api-socket' "$WORK/bad" ||
	fail "--paused without --api-socket was not a usage error (status $status)"
status=0
"$VESSEL" run --restore "$WORK/full" --memory 512M </dev/null >"$WORK/bad" 2>&1 || status=$?
[ "$status" -eq 2 ] && grep -q 'holds the machine' "$WORK/bad" ||
	fail "--restore with --memory was not a usage error (status $status)"
echo "PASS"

#!/usr/bin/env bash
# virtio-blk: the built-in guest reads a disk without writing it, and in
# self-test mode writes a pattern, flushes and reads it back; the host then
# finds the pattern in the image file, also after a kill -9 of vessel.
. "$(dirname "$0")/lib.sh"

img=$WORK/disk.img
pattern_ok() { # pattern_ok IMAGE: the guest's pattern at sector 8, zeroes at 16
	python3 - "$1" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
want = bytes((i * 7 + (i >> 9) * 13 + 0x5a) & 0xff for i in range(4096))
sys.exit(0 if d[8 * 512:8 * 512 + 4096] == want and d[16 * 512:24 * 512] == bytes(4096) else 1)
PY
}

# Bad images fail before KVM is touched, naming the file.
vm run --disk "$WORK/missing.img"
expect_status 1
expect_line "--disk $WORK/missing.img: No such file or directory"
: >"$WORK/empty.img"
vm run --disk "$WORK/empty.img"
expect_status 1
expect_line "empty.img: the image is empty"
vm run --disk "$img,queues=99"
expect_status 2
expect_line 'queues=N needs a number from 1 to 8'
vm run --disk "$img,poll=1001"
expect_status 2
expect_line 'poll=USEC needs a number from 0 to 1000'
vm run --disk "$img,cache=unsafe"
expect_status 2
expect_line "cache= is 'writeback' or 'none'"
vm run --disk "$img,colour=blue"
expect_status 2
expect_line "unknown option 'colour=blue'"
truncate -s 16M "$img"
exec 8<>"$img"
flock -x 8	# as another VM using the image would
vm run --disk "$img"
exec 8>&-
expect_status 1
expect_line 'in use by another process'

require_kvm

# Without the self-test flag the disk is read, never written.
head -c 16M /dev/urandom >"$img"
before=$(sha256sum <"$img")
vm run --disk "$img,serial=vessel-disk-0"
expect_status 0
expect_line 'pci: 00:01.0 1af4:1042 class 010000'
expect_line 'virtio-blk 00:01.0: 32768 sectors \(16 MiB\), serial "vessel-disk-0", [1-9][0-9]* MSI-X interrupts'
[ "$(sha256sum <"$img")" = "$before" ] || fail "the guest changed a disk it was not asked to test"

# Self-test: write, flush, read back; write zeroes; a read past the end fails.
vm run --disk "$img" --cmdline vessel.disktest
expect_status 0
expect_line 'virtio-blk: wrote, flushed and read back 4096 bytes at sector 8'
pattern_ok "$img" || fail "the pattern is not in the image file"

# Read-only: the guest's write gets VIRTIO_BLK_S_IOERR, the file stays as it was.
head -c 16M /dev/urandom >"$img"
before=$(sha256sum <"$img")
vm run --disk "$img,readonly" --cmdline vessel.disktest
expect_status 0
expect_line 'virtio-blk: read-only disk: write status 1'
[ "$(sha256sum <"$img")" = "$before" ] || fail "a read-only disk was written"

# Several queues, the synchronous engine, two disks at once.
truncate -s 8M "$WORK/second.img"
vm run --disk "$img,queues=4,io=sync" --disk "$WORK/second.img" --cmdline vessel.disktest
expect_status 0
expect_line 'virtio-blk 00:02.0: 16384 sectors \(8 MiB\)'
[ "$(grep -c 'wrote, flushed and read back' "$WORK/out")" -eq 2 ] || fail "not both disks tested"

# An I/O thread that never polls: every request reaches it by a kick.
vm run --disk "$img,poll=0" --cmdline vessel.disktest
expect_status 0
expect_line 'virtio-blk: wrote, flushed and read back 4096 bytes at sector 8'

# cache=none: the guest's aligned I/O bypasses the host page cache (O_DIRECT) and
# lands in the file all the same; a file system without O_DIRECT is named as such.
head -c 16M /dev/urandom >"$img"
if dd if="$img" of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null; then
	vm run --disk "$img,cache=none" --cmdline vessel.disktest
	expect_status 0
	expect_line 'virtio-blk: wrote, flushed and read back 4096 bytes at sector 8'
	pattern_ok "$img" || fail "cache=none: the pattern is not in the image file"
else
	vm run --disk "$img,cache=none"
	expect_status 1
	expect_line 'cache=none: the file system does not support direct I/O'
fi

# What the guest flushed survives a kill -9 of vessel.
head -c 16M /dev/urandom >"$img"
# vessel itself in the background (not under timeout): the kill -9 must reach it.
"$VESSEL" run --disk "$img" --cmdline "vessel.disktest vessel.test=hang" \
	>"$WORK/hang.out" 2>&1 </dev/null &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 600); do
	grep -q 'waiting forever' "$WORK/hang.out" && break
	sleep 0.2
done
grep -q 'waiting forever' "$WORK/hang.out" || { kill -9 $pid; fail "the guest never got to hang"; }
kill -9 $pid
wait $pid || true
pattern_ok "$img" || fail "flushed data lost after kill -9"
echo "PASS"

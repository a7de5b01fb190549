#!/usr/bin/env bash
# Long suite: the small kernel writing a 16 MiB file to an ext4 virtio-blk disk
# (vessel_test=migrate-write: 64 chunks, each synced and reported) is migrated
# over a unix socket to a second vessel (--incoming) once the first chunk is on
# the disk. The source must exit 0 with the write unfinished, the destination
# goes on from the next chunk, finishes, reports the file's checksum read back
# after a remount and powers off; the host then reads /data out of the image
# (debugfs) and both checksums must be the generator's.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"
require_kvm
command -v debugfs >/dev/null && command -v mke2fs >/dev/null ||
	{ echo "SKIP: no e2fsprogs (scripts/deps.sh long)"; exit 77; }

kdir=$("$here/build-kernel.sh")
"$here/build-initramfs.sh" "$WORK/initramfs.cpio.gz"
TEST_TIMEOUT=${LONG_TIMEOUT:-900}
CHUNKS=64
DISK=$WORK/vda.img
truncate -s 64M "$DISK"
mke2fs -q -F -t ext4 "$DISK"
want=$(awk -v chunks=$CHUNKS 'BEGIN { for (c = 0; c < chunks; c++)
	for (n = 0; n < 16384; n++) printf "%07d:%07d\n", c, n }' | sha256sum | cut -d' ' -f1)

src_pid="" dst_pid=""
# A failed check leaves neither vessel running.
trap 'kill $src_pid $dst_pid 2>/dev/null || true; rm -rf "$WORK"' EXIT

# progress [FILE]: the chunk counts the guest reported in FILE (or stdin), one a line.
progress() { tr -d '\r' <"${1:-/dev/stdin}" | sed -n "s|^write: \([0-9]*\)/$CHUNKS$|\1|p"; }

timeout "$TEST_TIMEOUT" "$VESSEL" run --incoming "unix:$WORK/in.sock" --api-socket "$WORK/dst.sock" \
	</dev/null >"$WORK/dst.out" 2>"$WORK/dst.err" &
dst_pid=$!
guest_line "$WORK/dst.err" 'waiting for a migration' "$dst_pid" ||
	fail "the destination never waited for a migration"
timeout "$TEST_TIMEOUT" "$VESSEL" run --kernel "$kdir/vmlinux" --initrd "$WORK/initramfs.cpio.gz" \
	--memory 256M --cpus 1 --disk "$DISK" --api-socket "$WORK/src.sock" \
	--cmdline "console=ttyS0 panic=-1 quiet vessel_test=migrate-write" \
	</dev/null >"$WORK/src.out" 2>"$WORK/src.err" &
src_pid=$!
guest_line "$WORK/src.out" "^write: 1/$CHUNKS$" "$src_pid" ||
	fail "the guest never began writing its file"
start=$(date +%s.%N)
"$VESSEL" ctl --api-socket "$WORK/src.sock" migrate "unix:$WORK/in.sock" >"$WORK/migrate.out" 2>&1 ||
	{ sed 's/^/  | /' "$WORK/migrate.out" "$WORK/src.err" "$WORK/dst.err"; fail "vessel ctl migrate failed"; }
sed "s/^/  /" "$WORK/migrate.out"
awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "migrated in %.1f s (wall)\n", e - s }'
status=0
wait "$src_pid" || status=$?
[ "$status" -eq 0 ] || { sed 's/^/  | /' "$WORK/src.err"; fail "the source exited $status after migrating, not 0"; }
last=$(progress "$WORK/src.out" | tail -n1)
echo "source: wrote $last of $CHUNKS chunks"
[ "$last" -lt "$CHUNKS" ] || fail "the guest finished writing before the migration ended: not mid-write"

guest_line "$WORK/dst.out" '^VESSEL-TEST-RESULT: ' "$dst_pid" ||
	fail "the guest's test never ended on the destination"
status=0
wait "$dst_pid" || status=$?
sed 's/^/  | /' "$WORK/dst.out"
grep -q '^VESSEL-TEST-RESULT: PASS' <(tr -d '\r' <"$WORK/dst.out") || fail "the guest's write failed at the destination"
[ "$status" -eq 0 ] || fail "the destination exited $status, not 0 (power-off)"
grep -q 'Linux version' "$WORK/dst.out" && fail "the destination booted a kernel of its own"
# Every chunk reported once, in order: the source's lines, then the destination's
# (a line cut by the migration joins up across the two consoles).
[ -n "$(progress "$WORK/dst.out")" ] || fail "the destination wrote no chunk"
[ "$(cat "$WORK/src.out" "$WORK/dst.out" | progress | tr '\n' ' ')" = "$(seq -s ' ' 1 $CHUNKS) " ] ||
	fail "the chunks reported across the two consoles are not 1 to $CHUNKS in order"

said=$(tr -d '\r' <"$WORK/dst.out" | sed -n 's/^data-sha256: //p')
[ "$said" = "$want" ] || fail "the guest read back sha256 '$said', the generator's is $want"
got=$(debugfs -R "cat /data" "$DISK" 2>/dev/null | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "the image holds a different /data (sha256 $got, want $want)"
echo "host: /data in the image has the generator's sha256 $want"
echo "PASS"

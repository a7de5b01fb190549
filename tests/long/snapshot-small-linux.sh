#!/usr/bin/env bash
# Long suite: the small kernel at a busybox shell (vessel_test=shell) with a
# virtio-blk disk is snapshotted through the API, stopped, and restored by a
# new vessel process (vessel run --restore): the restored shell answers a
# command typed on its console, and powers off when told.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"
require_kvm
command -v curl >/dev/null || { echo "SKIP: no curl (scripts/deps.sh test)"; exit 77; }

kdir=$("$here/build-kernel.sh")
"$here/build-initramfs.sh" "$WORK/initramfs.cpio.gz"
TEST_TIMEOUT=${LONG_TIMEOUT:-900}
SOCK=$WORK/api.sock
truncate -s 16M "$WORK/vda.img"
vm_pid=""
# A failed check leaves no VM running.
trap 'kill $vm_pid 2>/dev/null || true; rm -rf "$WORK"' EXIT

mkfifo "$WORK/in1"
timeout "$TEST_TIMEOUT" "$VESSEL" run --kernel "$kdir/vmlinux" --initrd "$WORK/initramfs.cpio.gz" \
	--memory 256M --cpus 1 --disk "$WORK/vda.img" --api-socket "$SOCK" \
	--cmdline "console=ttyS0 panic=-1 quiet vessel_test=shell" <"$WORK/in1" >"$WORK/run1" 2>&1 &
vm_pid=$!
exec 8>"$WORK/in1"
guest_line "$WORK/run1" '^VESSEL-SHELL: ready' "$vm_pid" ||
	fail "the small kernel's shell never came up"
printf 'echo before-$((6 * 7))\n' >&8
guest_line "$WORK/run1" '^before-42$' "$vm_pid" ||
	fail "the shell did not answer before the snapshot"
curl -sf -X PUT --unix-socket "$SOCK" http://vessel/vm/pause >/dev/null || fail "pause failed"
curl -sf -X PUT --unix-socket "$SOCK" -d "{\"dir\": \"$WORK/snap\"}" \
	http://vessel/vm/snapshot >"$WORK/reply" || fail "the snapshot failed"
cat "$WORK/reply"
curl -sf -X PUT --unix-socket "$SOCK" http://vessel/vm/stop >/dev/null || fail "stop failed"
status=0
wait "$vm_pid" || status=$?
exec 8>&-
[ "$status" -eq 143 ] || fail "the first VM exited $status, not 143"

echo "restored:"
mkfifo "$WORK/in2"
timeout "$TEST_TIMEOUT" "$VESSEL" run --restore "$WORK/snap" <"$WORK/in2" >"$WORK/run2" 2>&1 &
vm_pid=$!
exec 8>"$WORK/in2"
printf 'echo after-$((6 * 7)) $(cat /sys/block/vda/size)\n' >&8
guest_line "$WORK/run2" '^after-42 32768$' "$vm_pid" ||
	fail "the restored shell did not answer its command"
printf 'poweroff -f\n' >&8
status=0
wait "$vm_pid" || status=$?
exec 8>&-
sed 's/^/  | /' "$WORK/run2"
[ "$status" -eq 0 ] || fail "the restored VM exited $status, not 0 (power-off)"
grep -q 'Linux version' "$WORK/run2" && fail "the restored VM booted its kernel again"
echo "PASS"

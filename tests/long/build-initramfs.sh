#!/usr/bin/env bash
# Build the long suite's initramfs: busybox-static, an /init that runs the test
# named by vessel_test= on the kernel command line, prints its verdict as
# "VESSEL-TEST-RESULT: PASS|FAIL" and powers off.
#   build-initramfs.sh OUT.cpio.gz [--modules DIR]...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
shift
root=$(mktemp -d "${TMPDIR:-/tmp}/vessel-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests,lib/modules}
cp /bin/busybox "$root/bin/busybox"
cp "$here"/guest-tests/* "$root/tests/"
while [ $# -gt 0 ]; do
	case "$1" in
	--modules) cp -r "$2"/. "$root/lib/modules/"; shift 2 ;;
	*) echo "build-initramfs: unknown option $1" >&2; exit 2 ;;
	esac
done
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
echo "VESSEL-INIT: userspace is up"
name=$(sed -n 's/.*vessel_test=\([A-Za-z0-9_-]*\).*/\1/p' /proc/cmdline)
if [ -n "$name" ] && [ -x "/tests/$name" ]; then
	if "/tests/$name"; then
		echo "VESSEL-TEST-RESULT: PASS"
	else
		echo "VESSEL-TEST-RESULT: FAIL"
	fi
else
	echo "VESSEL-TEST-RESULT: FAIL (no test named '$name')"
fi
poweroff -f
INIT
chmod +x "$root/init" "$root"/tests/*
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) >"$out"

#!/usr/bin/env bash
# Build the long suite's initramfs: busybox-static, an /init that runs the test
# named by vessel_test= on the kernel command line, prints its verdict as
# "VESSEL-TEST-RESULT: PASS|FAIL" and powers off.
#   build-initramfs.sh OUT.cpio.gz [--modules KERNEL_MODULES_DIR MODULE,...] [--file SRC DEST]...
# With --modules, the named modules and what they depend on (by modinfo) are
# copied in and loaded in order before the test runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
shift
root=$(mktemp -d "${TMPDIR:-/tmp}/vessel-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests,lib/modules}
cp /bin/busybox "$root/bin/busybox"
cp "$here"/guest-tests/* "$root/tests/"
# add_module DIR NAME: NAME's dependencies first, then NAME, each once.
add_module() {
	local dir=$1 name=$2 ko dep
	grep -qx "$name" "$root/lib/modules/order" 2>/dev/null && return 0
	ko=$(find "$dir" -name "$name.ko" -o -name "${name//_/-}.ko" | head -1)
	[ -n "$ko" ] || { echo "build-initramfs: no module $name in $dir" >&2; exit 1; }
	for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
		add_module "$dir" "$dep"
	done
	cp "$ko" "$root/lib/modules/$name.ko"
	echo "$name" >>"$root/lib/modules/order"
}
while [ $# -gt 0 ]; do
	case "$1" in
	--modules)
		for m in ${3//,/ }; do
			add_module "$2" "$m"
		done
		shift 3 ;;
	--file)
		mkdir -p "$root/$(dirname "$3")"
		cp "$2" "$root/$3"
		shift 3 ;;
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
for m in $(cat /lib/modules/order 2>/dev/null); do
	insmod "/lib/modules/$m.ko" || echo "VESSEL-INIT: insmod $m failed"
done
# A console driver loaded just now (console=hvc0 with a modular virtio_console) was not
# there when the kernel opened init's stdio: open it again, as distribution initramfs do.
if (: >/dev/console) 2>/dev/null; then
	exec </dev/console >/dev/console 2>&1
fi
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

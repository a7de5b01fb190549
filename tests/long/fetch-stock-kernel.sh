#!/usr/bin/env bash
# Fetch Debian 12's stock kernel (the package linux-image-amd64 points to),
# unpack it into the cache without installing it, and extract the ELF vmlinux
# from the bzImage so it can boot through PVH. Prints the cache directory,
# which holds vmlinuz, vmlinux and modules/.
set -euo pipefail
cache=${VESSEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vessel}/linux-stock
mkdir -p "$cache"
if [ -f "$cache/vmlinux" ] && [ -f "$cache/vmlinuz" ] && [ -d "$cache/modules" ]; then
	echo "$cache"
	exit 0
fi

pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
[ -n "$pkg" ] || { echo "fetch-stock-kernel: cannot resolve linux-image-amd64 (apt-get update?)" >&2; exit 1; }
(cd "$cache" && apt-get download "$pkg" >&2 2>/dev/null)
rm -rf "$cache/extract"
dpkg-deb -x "$cache"/"$pkg"_*.deb "$cache/extract"
cp "$cache"/extract/boot/vmlinuz-* "$cache/vmlinuz"
rm -rf "$cache/modules"
mv "$cache"/extract/lib/modules/* "$cache/modules"
rm -rf "$cache/extract" "$cache"/"$pkg"_*.deb

# The compressed payload starts at one of these magics; the right one
# decompresses to an ELF file.
try() {
	local magic=$1 tool=$2 off
	for off in $(LC_ALL=C grep -abo -P "$magic" "$cache/vmlinuz" 2>/dev/null | cut -d: -f1); do
		tail -c +"$((off + 1))" "$cache/vmlinuz" | $tool >"$cache/vmlinux.try" 2>/dev/null || true
		if [ "$(head -c 4 "$cache/vmlinux.try" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
			mv "$cache/vmlinux.try" "$cache/vmlinux"
			return 0
		fi
	done
	return 1
}
try '\xfd7zXZ\x00' 'xz -dc' || try '\x1f\x8b\x08' 'gzip -dc' || try '\x28\xb5\x2f\xfd' 'zstd -dc' || {
	rm -f "$cache/vmlinux.try"
	echo "fetch-stock-kernel: no ELF payload found in $cache/vmlinuz" >&2
	exit 1
}
rm -f "$cache/vmlinux.try"
echo "$cache"

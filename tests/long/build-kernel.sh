#!/usr/bin/env bash
# Build the long suite's small kernel from Debian's linux-source-6.1 with
# tests/long/linux-small.config, cached outside the tree. Prints the directory
# holding vmlinux (PVH ELF) and bzImage: one directory per version of the
# fragment (named by its hash), so checkouts with different fragments each keep
# their kernel, and a changed fragment builds a new one. The source tree is
# shared: builds take turns on a lock.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${VESSEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vessel}/linux-small
fragment=$here/linux-small.config

"$here/../../scripts/deps.sh" long >&2
mkdir -p "$cache"
stamp=$(sha256sum "$fragment" | cut -c1-16)
out=$cache/$stamp
built() { [ -f "$out/vmlinux" ] && [ -f "$out/bzImage" ]; }
if built; then
	echo "$out"
	exit 0
fi
exec 8>"$cache/lock"
flock 8
if built; then
	echo "$out"
	exit 0
fi

tarball=$(ls /usr/src/linux-source-6.1*.tar.xz | head -n 1)
src=$cache/src
if [ ! -f "$src/Makefile" ]; then
	echo "build-kernel: unpacking $tarball" >&2
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
fi

echo "build-kernel: configuring (tinyconfig + $(basename "$fragment"))" >&2
make -C "$src" -s tinyconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$fragment" >/dev/null
make -C "$src" -s olddefconfig >&2

# Every line of the fragment must have landed as written.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qx -- "$line" "$src/.config" || { echo "build-kernel: $line did not stick" >&2; bad=1; }
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		! grep -q "^$sym=" "$src/.config" || { echo "build-kernel: $sym is still set" >&2; bad=1; }
		;;
	esac
done <"$fragment"
[ "$bad" -eq 0 ] || exit 1

echo "build-kernel: building with $(nproc) jobs" >&2
make -C "$src" -s -j"$(nproc)" vmlinux bzImage >&2
mkdir -p "$out.tmp"
cp "$src/vmlinux" "$src/arch/x86/boot/bzImage" "$src/.config" "$out.tmp/"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out"

# Shared by the virtio-blk benchmarks: build what the guest needs on the host,
# then run the calling script again inside scripts/kvm-rig where /dev/kvm is
# missing. Sets $kdir (the small kernel), $work (initramfs, blkbench) and $img.
# Source it after setting $secs; it uses "$0" and "$@" of the caller.
blk_prepare() {
	if [ -z "${BLK_IO_WORK:-}" ]; then
		scripts/deps.sh build bench long
		[ -f build/build.ninja ] || meson setup build >/dev/null
		ninja -C build >/dev/null
		tests/long/build-kernel.sh >/dev/null
		BLK_IO_WORK=$(mktemp -d /var/tmp/vessel-blk-bench.XXXXXX)
		export BLK_IO_WORK
		trap 'rm -rf "$BLK_IO_WORK"' EXIT
		gcc -O2 -static -pthread -o "$BLK_IO_WORK/blkbench" bench/guest/blkbench.c
		tests/long/build-initramfs.sh "$BLK_IO_WORK/initramfs.cpio.gz" \
			--file "$BLK_IO_WORK/blkbench" bin/blkbench --file bench/guest/blk-bench tests/blk-bench
		if ! [ -c /dev/kvm ]; then
			echo "$(basename "$0"): no /dev/kvm here; running the VMMs inside scripts/kvm-rig" >&2
			scripts/kvm-rig --timeout 3000 --mem 3G -- env BLK_IO_WORK="$BLK_IO_WORK" "$0" "$@"
			exit
		fi
	fi
	kdir=$(tests/long/build-kernel.sh)
	work=$BLK_IO_WORK
	# The image: allocated, in ${TMPDIR:-/var/tmp} (inside the rig, its own tmpfs).
	img=$(mktemp "${TMPDIR:-/var/tmp}/vessel-blk-bench-img.XXXXXX")
	trap 'rm -f "$img"' EXIT
	fallocate -l 512M "$img"
}

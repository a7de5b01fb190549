#!/usr/bin/env bash
# Install the Debian packages a task needs, once: packages already present are
# left alone, and apt-get runs only when something is missing.
# usage: scripts/deps.sh build|test|long|bench
set -euo pipefail

build_pkgs=(gcc meson ninja-build pkg-config liburing-dev libjansson-dev libseccomp-dev libslirp-dev
	libwebsockets-dev libvncserver-dev zlib1g-dev novnc)
test_pkgs=(libcmocka-dev acpica-tools clang llvm libclang-rt-dev busybox-static qemu-system-x86 cpio python3
	python3-yaml curl procps util-linux iproute2 podman containerd passt chromium)
long_pkgs=(linux-source-6.1 make bc bison flex libelf-dev libssl-dev cpio xz-utils busybox-static kmod e2fsprogs
	debootstrap git)
bench_pkgs=(qemu-system-x86 time hyperfine crun runc busybox-static)

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
	done
}

want=()
for group in "$@"; do
	case "$group" in
	build) want+=("${build_pkgs[@]}") ;;
	test) want+=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
	long) want+=("${long_pkgs[@]}") ;;
	bench) want+=("${bench_pkgs[@]}") ;;
	*) echo "deps.sh: unknown group '$group'" >&2; exit 2 ;;
	esac
done

mapfile -t todo < <(missing "${want[@]}")
[ ${#todo[@]} -eq 0 ] && exit 0
echo "deps.sh: installing ${todo[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${todo[@]}" >&2

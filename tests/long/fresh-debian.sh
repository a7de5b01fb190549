#!/usr/bin/env bash
# Long suite (runnable by hand, as root): the README's two commands on a fresh
# Debian 12. A minimal bookworm root is made with debootstrap (cached, each run
# starts from a pristine copy of it), this checkout's files are copied in, and
# in that system `scripts/run` runs first and must print the built-in guest's
# report, then `scripts/test` runs as far as such a root allows.
#   tests/long/fresh-debian.sh [--keep]     --keep leaves the root for a look
# The root runs in a mount namespace of its own (see in_root), with the host's
# /sys and /dev (with /dev/kvm), its own /proc and /run: those mounts end with
# it, and on exit, however it ends, whatever still runs there is stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
keep=""
[ "${1:-}" = --keep ] && keep=1

[ "$(id -u)" -eq 0 ] || { echo "SKIP: debootstrap and mount namespaces need root"; exit 77; }
if [ -n "${VESSEL_KVM_RIG:-}" ]; then
	echo "SKIP: the rig has no network for apt-get: run it on the host (suite long-setup)"
	exit 77
fi
"$src/scripts/deps.sh" long >&2
cache=${VESSEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vessel}/fresh-debian
mkdir -p "$cache"

# mirror: the Debian mirror this host's apt uses (only that registry is reachable).
mirror() {
	local f u
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		u=$(awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ && u { print u; exit }' "$f")
		[ -z "$u" ] || { echo "$u"; return; }
	done
	if [ -f /etc/apt/sources.list ]; then
		u=$(sed -n 's/^deb \(\[[^]]*\] \)\?\([^ ]*\) bookworm .*/\2/p' /etc/apt/sources.list | head -n 1)
		[ -z "$u" ] || { echo "$u"; return; }
	fi
	echo http://deb.debian.org/debian
}
url=$(mirror)

# The base root, made once: debootstrap's minimal variant, kept as a tar.
base=$cache/bookworm-minbase.tar
if [ ! -f "$base" ]; then
	echo "fresh-debian: debootstrap bookworm from $url (once; cached in $base)"
	tmp=$(mktemp -d "$cache/base.XXXXXX")
	if ! debootstrap --variant=minbase bookworm "$tmp" "$url" >"$cache/debootstrap.log" 2>&1; then
		tail -n 30 "$cache/debootstrap.log"
		rm -rf --one-file-system "$tmp"
		echo "FAIL: debootstrap failed (log: $cache/debootstrap.log)"
		exit 1
	fi
	tar -C "$tmp" -cf "$base.part" .
	mv "$base.part" "$base"
	rm -rf --one-file-system "$tmp"
fi

root=$(mktemp -d "${FRESH_DEBIAN_DIR:-/var/tmp}/vessel-fresh.XXXXXX")
# cleanup: stop what still runs in the root's mount namespace (its mounts go
# with it), then, only when the host sees nothing mounted there, remove it.
cleanup() {
	local ns p i left
	ns=$(cat "$root/.mntns" 2>/dev/null || true)
	for i in $(seq 20); do
		left=0
		for p in /proc/[0-9]*; do
			[ -n "$ns" ] && [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] || continue
			kill -9 "${p#/proc/}" 2>/dev/null && left=1
		done
		[ "$left" -eq 0 ] && break
		sleep 0.5
	done
	left=$(awk -v r="$root" '$5 == r || index($5, r "/") == 1' /proc/self/mountinfo | wc -l)
	if [ "$left" -ne 0 ]; then
		echo "fresh-debian: $left mounts still under $root: not removing it" >&2
		return
	fi
	cp "$root/run.log" "$root/test.log" "$cache/" 2>/dev/null &&
		echo "fresh-debian: the logs are in $cache/run.log and $cache/test.log"
	if [ -n "$keep" ]; then
		echo "fresh-debian: the root is kept in $root"
	else
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT

tar -C "$root" -xf "$base"
chmod 755 "$root" # it is the system's /, which every user must be able to enter
[ -c /dev/kvm ] || echo "fresh-debian: no /dev/kvm: scripts/run will use the rig"
# This machine reaches Debian's registry as its own apt is set up: the same
# sources and settings, and the same resolver.
cp /etc/resolv.conf "$root/etc/resolv.conf"
rm -f "$root/etc/apt/sources.list"
cp -a /etc/apt/sources.list.d/. "$root/etc/apt/sources.list.d/"
[ ! -f /etc/apt/sources.list ] || cp /etc/apt/sources.list "$root/etc/apt/sources.list"
cp -a /etc/apt/apt.conf.d/. "$root/etc/apt/apt.conf.d/"

# The checkout as it is: tracked files and new ones not ignored. It goes to
# /srv, not to root's home: the container tests run vessel-runc as nobody too,
# who cannot enter /root (mode 700).
mkdir -p "$root/srv/vessel"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) | tar -C "$root/srv/vessel" -xf -

# in_root CMD: run CMD in /srv/vessel of the root, as its own system: in a
# mount namespace of its own whose / is the root (pivot_root, not chroot: a
# chrooted process may not create user namespaces, which containers need),
# with the host's /sys and /dev (so /dev/kvm), a new /proc and a tmpfs /run.
# Those mounts exist in that namespace only and end with it.
in_root() {
	unshare --mount --propagation private /bin/bash -c '
		set -e
		root=$1
		readlink /proc/self/ns/mnt >"$root/.mntns"
		mount --bind "$root" "$root"
		mount -t proc proc "$root/proc"
		mount --rbind /sys "$root/sys"
		mount --rbind /dev "$root/dev"
		mount -t tmpfs run "$root/run"
		cd "$root"
		mkdir -p .oldroot
		pivot_root . .oldroot
		umount -l /.oldroot
		rmdir /.oldroot
		exec /usr/bin/env -i HOME=/root TERM=dumb PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			/bin/bash -c "cd /srv/vessel && $2"
	' in_root "$root" "$1"
}

started=$SECONDS
echo "fresh-debian: scripts/run in a fresh bookworm root ($root)"
rc=0
in_root scripts/run >"$root/run.log" 2>&1 || rc=$?
sed 's/^/  | /' "$root/run.log" | tail -n 40
[ "$rc" -eq 0 ] || { echo "FAIL: scripts/run exited $rc"; exit 1; }
grep -q '^vessel-guest: all checks passed, powering off' "$root/run.log" ||
	{ echo "FAIL: no report of the built-in guest from scripts/run"; exit 1; }
echo "fresh-debian: scripts/run passed in $((SECONDS - started))s"

started=$SECONDS
echo "fresh-debian: scripts/test"
rc=0
in_root scripts/test >"$root/test.log" 2>&1 || rc=$?
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$root/test.log" | tail -n 1 || true)
grep -E '^(not ok|FAIL|ERROR)|^ *[0-9]+/[0-9]+ .*(FAIL|ERROR|TIMEOUT)' "$root/test.log" | head -n 40 || true
echo "fresh-debian: scripts/test: ${summary:-no summary} (status $rc) in $((SECONDS - started))s"
[ -n "$summary" ] || { tail -n 40 "$root/test.log"; echo "FAIL: scripts/test printed no summary"; exit 1; }
# scripts/run configured build/ before the test packages were there: the unit
# tests must have been configured since.
grep -qE '^ *[0-9]+/[0-9]+ vessel:unit / unit-' "$root/test.log" ||
	{ echo "FAIL: scripts/test ran no unit test after scripts/run"; exit 1; }
[ "$rc" -eq 0 ] || { echo "FAIL: scripts/test failed in the chroot"; exit 1; }
echo "PASS"

#!/usr/bin/env bash
# The heavy optional libraries are in vessel's modules (core/module.h), loaded
# only by what needs them: vessel itself links none of them; with no module to
# be found a VM that needs none boots and a snapshot restores, and each
# feature that needs one is refused with one line naming the module it could
# not load, leaving nothing behind; a file that is not the module asked for
# is refused too.
. "$(dirname "$0")/lib.sh"
require_kvm
command -v curl >/dev/null || { echo "SKIP: no curl (scripts/deps.sh test)"; exit 77; }

needed=$(readelf -d "$VESSEL" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
echo "vessel needs: $needed"
for lib in libslirp libwebsockets libvncserver libglib libssl libgnutls; do
	case " $needed" in *" $lib"*) fail "vessel links $lib" ;; esac
done
mods=$(dirname "$(realpath "$VESSEL")")
for m in slirp api vnc desktop; do
	[ -f "$mods/vessel-$m.so" ] || fail "no module vessel-$m.so beside vessel"
done

# A snapshot to restore, taken with the modules (the API needs one).
SOCK=$WORK/api.sock
timeout 60 "$VESSEL" run --cmdline 'vessel.test=counter vessel.counterperiod=20000' \
	--api-socket "$SOCK" </dev/null >"$WORK/src.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
	grep -q 'counter: 5' "$WORK/src.log" && break
	sleep 0.05
done
grep -q 'counter: 5' "$WORK/src.log" || { cat "$WORK/src.log"; fail "the counter guest did not count"; }
curl -sf -X PUT --unix-socket "$SOCK" http://vessel/vm/pause >/dev/null || fail "pause"
curl -sf -X PUT --unix-socket "$SOCK" -H 'Content-Type: application/json' \
	--data-binary "{\"dir\": \"$WORK/snap\"}" http://vessel/vm/snapshot >/dev/null || fail "snapshot"
curl -sf -X PUT --unix-socket "$SOCK" http://vessel/vm/stop >/dev/null || fail "stop"
wait "$pid" || true

export VESSEL_MODULE_DIR=$WORK/none
mkdir "$VESSEL_MODULE_DIR"

vm run
expect_status 0
expect_line 'all checks passed'

timeout 20 "$VESSEL" run --restore "$WORK/snap" </dev/null >"$WORK/restored" 2>&1 &
pid=$!
for _ in $(seq 400); do
	grep -q 'counter: ' "$WORK/restored" && break
	sleep 0.05
done
kill "$pid" 2>/dev/null || true
wait "$pid" || true
grep -q 'counter: ' "$WORK/restored" || { cat "$WORK/restored"; fail "no module: the restore did not run"; }
echo "restored with no module to be found: $(grep -c 'counter: ' "$WORK/restored") lines"

# refused ARGS... MODULE: vessel ARGS exits 1 with one line naming vessel-MODULE.so.
refused() {
	local mod=${*: -1}
	vm "${@:1:$#-1}"
	expect_status 1
	[ "$(wc -l <"$WORK/out")" -eq 1 ] || fail "more than one line"
	expect_line "^vessel: error: .*vessel's module $VESSEL_MODULE_DIR/vessel-$mod.so cannot be loaded: .*No such file"
}
refused run --net user slirp
refused run --api-socket "$WORK/x.sock" api
[ ! -e "$WORK/x.sock" ] || fail "the refused API left its socket"
refused run --vnc "unix:$WORK/vnc.sock" vnc
[ ! -e "$WORK/vnc.sock" ] || fail "the refused VNC server left its socket"
refused desktop --listen 127.0.0.1:0 --state-dir "$WORK/pool" desktop

# Not the module asked for: another module under its name.
cp "$mods/vessel-api.so" "$VESSEL_MODULE_DIR/vessel-slirp.so"
vm run --net user
expect_status 1
expect_line "vessel-slirp.so is not vessel's module slirp \(it has no vessel_module_slirp\)"

# The modules found through VESSEL_MODULE_DIR work.
export VESSEL_MODULE_DIR=$mods
vm run --net user
expect_status 0
expect_line 'all checks passed'
echo "PASS"

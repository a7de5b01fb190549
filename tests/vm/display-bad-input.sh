#!/usr/bin/env bash
# --display and --vnc refuse bad input with one clear line and leave nothing
# behind: a busy port, an address not of this host, password files that are
# missing, empty, too long or readable by others, a bad mode, a bad fps.
. "$(dirname "$0")/lib.sh"
require_kvm

# refused STATUS PATTERN ARGS...: vessel run ARGS exits STATUS saying PATTERN, on one line.
refused() {
	local want=$1 pattern=$2
	shift 2
	vm run "$@" --cmdline vessel.test=display
	expect_status "$want"
	expect_line "$pattern"
	[ "$want" -ne 1 ] || [ "$(wc -l <"$WORK/out")" -eq 1 ] ||
		fail "more than one line for: $*"
}

refused 2 'from 320x200 to 1920x1080' --display 4096x4096
refused 2 'not WIDTHxHEIGHT' --display=wide
refused 2 'fps=0: a number from 1 to 120' --vnc 127.0.0.1:5999,fps=0
refused 2 "not a port" --vnc 127.0.0.1:http
refused 2 "not an IPv4 address" --vnc 'nowhere:5999'
refused 2 "unknown option 'colour=on'" --vnc 127.0.0.1:5999,colour=on
refused 1 'not an address of this host' --vnc 192.0.2.1:5999

echo "a busy port"
python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$WORK/port" &
holder=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
refused 1 'the port is in use' --vnc "127.0.0.1:$(cat "$WORK/port")"
kill "$holder"

echo "password files"
refused 1 'password-file=.*/missing: No such file' --vnc "127.0.0.1:5999,password-file=$WORK/missing"
: >"$WORK/empty"
chmod 600 "$WORK/empty"
refused 1 'the first line is empty' --vnc "127.0.0.1:5999,password-file=$WORK/empty"
printf 'ninechars\n' >"$WORK/long"
chmod 600 "$WORK/long"
refused 1 'at most 8 characters' --vnc "127.0.0.1:5999,password-file=$WORK/long"
printf 'secret\n' >"$WORK/open"
chmod 644 "$WORK/open"
refused 1 'others may read it \(mode 0644\)' --vnc "127.0.0.1:5999,password-file=$WORK/open"

echo "a unix socket path that is not a socket is left alone"
: >"$WORK/file"
refused 1 'exists and is not a socket' --vnc "unix:$WORK/file"
[ -f "$WORK/file" ] || fail "vessel removed a file that was not its socket"
echo "PASS"

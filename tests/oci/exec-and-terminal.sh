#!/usr/bin/env bash
# exec into a running container (its namespaces, cgroup and settings), and
# process.terminal with --console-socket: the pty master arrives by SCM_RIGHTS.
. "$(dirname "$0")/lib.sh"
require_root

B="$WORK/bundle"
make_bundle "$B"
edit "$B" 'c["hostname"] = "execbox"; c["linux"]["cgroupsPath"] = "/vessel-test-exec"'
args "$B" sleep 60
track e1
oci create --bundle "$B" e1
expect_status 0
oci start e1
expect_status 0
oci exec e1 sh -c 'echo "host=$(hostname) pid=$$ fds=$(ls /proc/self/fd | wc -l)"; exit 3'
expect_status 3
expect_out '^host=execbox pid=[0-9]+ fds=4$'
grep -q 'pid=1$' <<<"$out" && fail "exec ran as pid 1"
oci exec --env FOO=bar --cwd /tmp --user 65534:65534 e1 sh -c 'echo "$FOO $(pwd) $(id -u):$(id -g)"'
expect_status 0
expect_out '^bar /tmp 65534:65534$'
cat >"$WORK/proc.json" <<'JSON'
{"args": ["sh", "-c", "echo from-process-file; cat /proc/self/cgroup | grep -c vessel-test-exec"],
 "cwd": "/", "env": ["PATH=/bin"]}
JSON
oci exec --process "$WORK/proc.json" e1
expect_status 0
expect_out '^from-process-file$'
oci exec --detach --pid-file "$WORK/execpid" e1 sleep 30
expect_status 0
epid=$(cat "$WORK/execpid")
oci ps --format json e1
expect_out "$epid"
oci ps e1
expect_out 'sleep 30'
oci exec e1 /nonexistent
expect_status 1
expect_out 'exec /nonexistent: No such file or directory'
oci kill --all e1 KILL
oci delete --force e1
expect_status 0
[ -z "$(cgroup_dirs /vessel-test-exec)" ] || fail "cgroup left"
oci exec e1 true
expect_status 1
expect_out "container 'e1' does not exist"

# process.terminal: a console socket receives the pty master; what the
# container prints comes out of it, and its stdio is the pty.
cat >"$WORK/console.py" <<'PY'
import array, os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path); s.listen(1)
open(path + ".ready", "w").close()
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 64, 1)
data = b""
while True:
    try:
        b = os.read(fds[0], 4096)
    except OSError:
        break
    if not b:
        break
    data += b
open(out, "wb").write(data)
PY
python3 "$WORK/console.py" "$WORK/console.sock" "$WORK/tty.out" &
pyp=$!
for _ in $(seq 50); do [ -e "$WORK/console.sock.ready" ] && break; sleep 0.1; done
edit "$B" 'c["process"]["terminal"] = True; c["process"]["consoleSize"] = {"height": 30, "width": 100}'
args "$B" sh -c 'tty; stty size; ls -l /dev/console; echo tty-ok'
track e2
oci run --console-socket "$WORK/console.sock" --bundle "$B" e2
expect_status 0
wait "$pyp" || true
tr -d '\r' <"$WORK/tty.out" | sed 's/^/  tty| /'
grep -q '^/dev/pts/0' "$WORK/tty.out" || fail "the process's stdio is not the pty"
grep -q '^30 100' "$WORK/tty.out" || fail "consoleSize not applied"
grep -q 'tty-ok' "$WORK/tty.out" || fail "no output through the pty"
grep -Eq '^c.* 136, +0 .*/dev/console' "$WORK/tty.out" || fail "/dev/console is not the pty"
oci create --bundle "$B" e3
expect_status 1
expect_out 'process.terminal is true: --console-socket is needed'

# run in the foreground without a console socket: vessel takes the pty itself and
# passes our terminal (here script(1)'s) through to it.
args "$B" sh -c 'read line; echo "got $line on $(tty)"; exit 4'
track e4
status=0
out=$(echo typed-in | timeout 60 script -qec "$RUNC --root $ROOT run --bundle $B e4" /dev/null | tr -d '\r') ||
	status=$?
printf '%s\n' "$out" | sed 's/^/  | /'
expect_status 4
expect_out '^got typed-in on /dev/pts/0$'
echo ok

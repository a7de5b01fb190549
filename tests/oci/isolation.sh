#!/usr/bin/env bash
# What the spec asks, asserted from inside the container: namespaces, id maps,
# process settings, capabilities, mounts, masked and read-only paths, cgroup
# limits, seccomp; and from outside: no fd of ours leaks in.
. "$(dirname "$0")/lib.sh"
require_root

B="$WORK/bundle"
make_bundle "$B"
mkdir -p "$WORK/shared"
echo hello-from-host >"$WORK/shared/file"
edit "$B" '
c["hostname"] = "box"
c["domainname"] = "example.org"
c["root"]["readonly"] = True
c["process"]["env"].append("GREETING=hi there")
c["process"]["cwd"] = "/tmp"
c["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5, 7], "umask": 0o027}
c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256}]
c["process"]["oomScoreAdj"] = 123
c["process"]["noNewPrivileges"] = True
caps = ["CAP_NET_BIND_SERVICE", "CAP_KILL"]
c["process"]["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps,
                                "inheritable": caps, "ambient": caps}
c["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                    "options": ["nosuid", "nodev", "mode=1777"]})
c["mounts"].append({"destination": "/data", "type": "bind", "source": "'"$WORK/shared"'",
                    "options": ["rbind", "ro"]})
c["linux"]["cgroupsPath"] = "/vessel-test-isolation"
c["linux"]["resources"]["memory"] = {"limit": 67108864}
c["linux"]["resources"]["pids"] = {"limit": 32}
c["linux"]["sysctl"] = {"kernel.msgmax": "4096"}
c["linux"]["maskedPaths"] += ["/etc/passwd", "/sys/kernel"]
c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["namespaces"].append({"type": "cgroup"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
    {"names": ["mkdirat", "mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
'
chown -R 100000:100000 "$B/rootfs"
args "$B" sh -c '
echo "host=$(hostname) domain=$(cat /proc/sys/kernel/domainname)"
echo "pid1=$$"
echo "ids=$(id -u):$(id -g) groups=$(id -G)"
echo "uidmap=$(cat /proc/self/uid_map | tr -s " " | tr "\n" ";")"
echo "cwd=$(/bin/pwd -P)"
chmod 600 /tmp 2>&1 | sed "s/^/chmod: /"
echo "env=$GREETING"
echo "umask=$(umask)"
echo "nofile=$(ulimit -n) hard=$(ulimit -Hn)"
echo "oom=$(cat /proc/self/oom_score_adj)"
grep -E "^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "
touch /rootfile 2>/dev/null && echo "root=rw" || echo "root=ro"
echo "data=$(cat /data/file)"; touch /data/x 2>/dev/null && echo "data=rw" || echo "data=ro"
touch /tmp/t && echo "tmp=rw"
echo "masked=$(cat /etc/passwd | wc -c) $(ls /sys/kernel | wc -l)"
echo 1 >/proc/sys/kernel/ns_last_pid 2>/dev/null && echo "procsys=rw" || echo "procsys=ro"
echo "msgmax=$(cat /proc/sys/kernel/msgmax)"
echo "memlimit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
echo "pidsmax=$(cat /sys/fs/cgroup/pids/pids.max)"
mkdir /tmp/d 2>&1 | sed "s/^/mkdir: /"
echo "null=$(echo x >/dev/null && echo ok)"
echo "fds=$(ls /proc/self/fd | tr "\n" " ")"
'
track iso
exec 7>"$WORK/leak"	# an fd of the caller's that must not reach the container
oci run --bundle "$B" iso
exec 7>&-
expect_status 0
expect_out '^host=box domain=example.org$'
expect_out '^pid1=1$'
expect_out '^ids=1000:1000 groups=1000 5 7$'
expect_out '^uidmap= 0 100000 65536;$'
expect_out '^cwd=/tmp$'
expect_out '^chmod: .*Function not implemented'
expect_out '^env=hi there$'
expect_out '^umask=0027$'
expect_out '^nofile=256 hard=512$'
expect_out '^oom=123$'
expect_out '^CapEff: 0000000000000420$'
expect_out '^CapBnd: 0000000000000420$'
expect_out '^CapAmb: 0000000000000420$'
expect_out '^NoNewPrivs: 1$'
expect_out '^Seccomp: 2$'
expect_out '^root=ro$'
expect_out '^data=hello-from-host$'
expect_out '^data=ro$'
expect_out '^tmp=rw$'
expect_out '^masked=0 0$'
expect_out '^procsys=ro$'
expect_out '^msgmax=4096$'
expect_out '^memlimit=67108864$'
expect_out '^pidsmax=32$'
expect_out '^mkdir: .*Permission denied'
expect_out '^null=ok$'
expect_out '^fds=0 1 2 [0-9]+ $'
[ -z "$(cgroup_dirs /vessel-test-isolation)" ] || fail "cgroup left: $(cgroup_dirs /vessel-test-isolation)"

# Joining a namespace by path: the container shares a network namespace made here.
touch "$WORK/netns"
unshare --net="$WORK/netns" true
B2="$WORK/bundle2"
make_bundle "$B2"
edit "$B2" '
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
c["linux"]["namespaces"].append({"type": "network", "path": "'"$WORK/netns"'"})
'
B=$B2
args "$B" sh -c 'readlink /proc/self/ns/net'
oci run --bundle "$B" iso
expect_status 0
want=$(readlink /proc/self/ns/net)
[ "$(nsenter --net="$WORK/netns" readlink /proc/self/ns/net)" = "$(tail -n1 <<<"$out" | tr -d ' ')" ] ||
	fail "the container is not in the joined network namespace"
[ "$(tail -n1 <<<"$out")" != "$want" ] || fail "the container shares the host's network namespace"
umount "$WORK/netns"

# Rootless: an unprivileged user with `spec --rootless`'s user namespace (its own uid
# mapped to root) and no cgroup, since it may write none.
R="$WORK/rootless"
mkdir -p "$R"
chown nobody "$R"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env XDG_RUNTIME_DIR="$R" "$@"; }
# A checkout under /root is out of nobody's reach: run a copy of the binary.
cp "$(readlink -f "$RUNC")" "$R/vessel-runc"
chmod 755 "$R/vessel-runc"
make_bundle "$R/b" >/dev/null
rm "$R/b/config.json"
chown -R nobody "$R/b"
as_nobody "$R/vessel-runc" spec --rootless --bundle "$R/b"
nobody_id=$(id -u nobody)
edit "$R/b" 'c["process"]["terminal"] = False; c["root"]["readonly"] = False
for m in c["linux"]["uidMappings"] + c["linux"]["gidMappings"]:
    m["hostID"] = '"$nobody_id"'
c["linux"]["gidMappings"][0]["hostID"] = '"$(id -g nobody)"'
'
args "$R/b" sh -c 'echo "rootless=$(id -u) $(tr -s " " <"/proc/self/uid_map")"'
status=0
out=$(cd "$R" && as_nobody "$R/vessel-runc" run --bundle "$R/b" rl1 2>&1) || status=$?
printf '%s\n' "$out" | sed 's/^/  | /'
expect_status 0
expect_out "^rootless=0 +0 $nobody_id 1$"
[ -z "$(ls "$R/vessel" 2>/dev/null)" ] || fail "a rootless run left its state"
echo ok

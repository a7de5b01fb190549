#!/usr/bin/env bash
# Hooks with the state on stdin, in the order the spec gives; and bad input:
# one clear error naming the field or id, non-zero exit, nothing left behind.
. "$(dirname "$0")/lib.sh"
require_root

B="$WORK/bundle"
make_bundle "$B"
cat >"$WORK/hook" <<'SH'
#!/bin/sh
# $1: the hook's kind; the state arrives on stdin.
state=$(cat)
echo "$1 $state" >>"$(dirname "$0")/hooks.log"
SH
chmod +x "$WORK/hook"
edit "$B" '
h = "'"$WORK/hook"'"
c["hooks"] = {k: [{"path": h, "args": ["hook", k]}] for k in
              ["prestart", "createRuntime", "createContainer", "poststart", "poststop"]}
# startContainer runs in the container, so its path is in the rootfs.
c["hooks"]["startContainer"] = [{"path": "/hook", "args": ["hook", "startContainer"]}]
c["linux"]["cgroupsPath"] = "/vessel-test-hooks"
'
cp "$WORK/hook" "$B/rootfs/hook"
args "$B" true
track h1
oci run --bundle "$B" h1
expect_status 0
order=$(cut -d' ' -f1 "$WORK/hooks.log" | tr '\n' ' ')
[ "$order" = "prestart createRuntime createContainer poststart poststop " ] ||
	fail "hooks ran as: $order"
grep -q '^startContainer .*"status":"created"' "$B/rootfs/hooks.log" ||
	fail "startContainer did not run in the container"
grep -q '^createRuntime .*"id":"h1".*"status":"creating".*"pid":[1-9]' "$WORK/hooks.log" ||
	fail "createRuntime did not get the state"
grep -q '^poststop .*"status":"stopped"' "$WORK/hooks.log" || fail "poststop did not get the state"

# A failing hook fails the create and leaves nothing.
edit "$B" 'c["hooks"] = {"createRuntime": [{"path": "/bin/false"}]}'
oci create --bundle "$B" h2
expect_status 1
expect_out 'createRuntime hook /bin/false: exited with status 1'
[ ! -e "$ROOT/h2" ] || fail "a failed create left its state"
[ -z "$(cgroup_dirs /vessel-test-hooks)" ] || fail "a failed create left its cgroup"
edit "$B" 'c["hooks"] = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "10"], "timeout": 1}]}'
oci create --bundle "$B" h2
expect_status 1
expect_out 'prestart hook /bin/sleep: timed out after 1 s'
edit "$B" 'c.pop("hooks")'

# bad BUNDLE-EDIT MESSAGE: the edit makes create fail with MESSAGE, leaving nothing.
bad() {
	cp "$B/config.json" "$WORK/good.json"
	edit "$B" "$1"
	oci create --bundle "$B" bad1
	expect_status 1
	expect_out "$2"
	[ "$(grep -c 'error' <<<"$out")" -eq 1 ] || fail "expected one error line"
	[ ! -e "$ROOT/bad1" ] || fail "state left by a failed create"
	[ -z "$(cgroup_dirs /bad1)" ] || fail "cgroup left by a failed create"
	cp "$WORK/good.json" "$B/config.json"
}
bad 'c["process"]["args"] = "sh"' 'config.json: process.args: expected an array'
bad 'c["linux"]["namespaces"].append({"type": "bogus"})' 'linux.namespaces\[5\].type: unknown namespace type .bogus.'
bad 'c["process"]["capabilities"]["bounding"].append("CAP_BOGUS")' "process.capabilities.bounding\\[[0-9]+\\]: unknown capability 'CAP_BOGUS'"
bad 'c["process"]["oomScoreAdj"] = 5000' 'process.oomScoreAdj: 5000 is out of range'
bad 'c["root"]["path"] = "nosuchdir"' 'root.path: nosuchdir: No such file or directory'
bad 'c["linux"]["resources"]["memory"] = {"limit": "lots"}' 'linux.resources.memory.limit'
bad 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_BOGUS"}' 'linux.seccomp.defaultAction'
bad 'c["process"]["rlimits"] = [{"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}]' "unknown resource 'RLIMIT_BOGUS'"
bad 'c["mounts"].append({"destination": "rel", "type": "tmpfs"})' "mounts\\[[0-9]+\\].destination: 'rel' is not an absolute path"
bad 'c["ociVersion"] = "2.0.0"' "'2.0.0' is not a 1.x"
bad 'c["process"]["args"] = ["/nonexistent"]' 'exec /nonexistent: No such file or directory'
# Unknown properties are ignored, as the spec requires.
edit "$B" 'c["somethingNew"] = {"x": 1}; c["process"]["futureField"] = 2'
args "$B" true
oci run --bundle "$B" ok1
expect_status 0
printf '{"ociVersion": "1.0.2", "process": ' >"$B/config.json"
oci create --bundle "$B" bad2
expect_status 1
expect_out 'config.json:1:[0-9]+: '
[ ! -e "$ROOT/bad2" ] || fail "state left by a failed create"
oci create --bundle "$B" 'bad/id'
expect_status 2
expect_out 'not a valid container id'
echo ok

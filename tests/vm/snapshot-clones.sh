#!/usr/bin/env bash
# Ten clones restored at once from one snapshot of the counter guest (its disk
# read-only, so all share it): each goes on counting from the snapshot's
# count, and the guest RAM they read is one copy in the page cache: in each
# clone the mapping of the snapshot's memory file is mostly shared pages, its
# proportional share (Pss) well below its resident size (Rss).
. "$(dirname "$0")/lib.sh"
require_kvm
command -v curl >/dev/null || { echo "SKIP: no curl (scripts/deps.sh test)"; exit 77; }

CLONES=10
SOCK=$WORK/api.sock
DISK=$WORK/disk.img
truncate -s 8M "$DISK"

last_count() { guest_counts "$1" | tail -1; }

rm -f "$SOCK"
timeout --kill-after=5 "$TEST_TIMEOUT" "$VESSEL" run --cmdline vessel.test=counter \
	--disk "$DISK,readonly" --api-socket "$SOCK" </dev/null >"$WORK/run" 2>&1 &
vm_pid=$!
for _ in $(seq 600); do
	[ "$(last_count "$WORK/run")" -ge 10 ] 2>/dev/null && break
	kill -0 "$vm_pid" 2>/dev/null || break
	sleep 0.05
done
[ "$(last_count "$WORK/run")" -ge 10 ] 2>/dev/null || { cat "$WORK/run"; fail "the guest never counted"; }
grep -q 'the disk is read-only' "$WORK/run" || fail "the guest did not see a read-only disk"
curl -sf -X PUT --unix-socket "$SOCK" http://vessel/vm/pause >/dev/null || fail "pause failed"
curl -sf -X PUT --unix-socket "$SOCK" -d "{\"dir\": \"$WORK/snap\"}" http://vessel/vm/snapshot \
	>/dev/null || fail "the snapshot failed"
at=$(last_count "$WORK/run")
curl -sf -X PUT --unix-socket "$SOCK" http://vessel/vm/stop >/dev/null || fail "stop failed"
wait "$vm_pid" || true

echo "$CLONES clones of the snapshot at count $at"
pids=()
for i in $(seq "$CLONES"); do
	timeout --kill-after=5 "$TEST_TIMEOUT" "$VESSEL" run --restore "$WORK/snap" \
		</dev/null >"$WORK/clone$i" 2>&1 &
	pids+=($!)
done
for i in $(seq "$CLONES"); do
	for _ in $(seq 600); do
		[ "$(last_count "$WORK/clone$i")" -ge $((at + 20)) ] 2>/dev/null && break
		kill -0 "${pids[i - 1]}" 2>/dev/null || break
		sleep 0.05
	done
	# The snapshot may cut a line: the source's output and the clone's are one stream.
	cat "$WORK/run" "$WORK/clone$i" >"$WORK/joined$i"
	[ "$(guest_counts "$WORK/joined$i" | awk -v at="$at" 'prev == at { print; exit } { prev = $1 }')" = \
		$((at + 1)) ] ||
		{ cat "$WORK/clone$i"; fail "clone $i did not go on from count $at"; }
	[ "$(last_count "$WORK/clone$i")" -ge $((at + 20)) ] ||
		{ cat "$WORK/clone$i"; fail "clone $i stopped counting"; }
done

# The memory file's mapping in each clone: its Rss, Pss and shared pages (kB).
mem=$(realpath "$WORK/snap/memory")
for i in $(seq "$CLONES"); do
	pid=$(pgrep -P "${pids[i - 1]}" -x vessel || echo "${pids[i - 1]}")
	awk -v f="$mem" '
		/^[0-9a-f]+-[0-9a-f]+ / { on = ($NF == f) }
		on && /^Rss:/ { rss += $2 } on && /^Pss:/ { pss += $2 }
		on && /^Shared_Clean:/ { sh += $2 }
		END { print rss + 0, pss + 0, sh + 0 }' "/proc/$pid/smaps" >"$WORK/smaps$i"
	read -r rss pss shared <"$WORK/smaps$i"
	read -r _ total_rss _ < <(grep '^Rss:' "/proc/$pid/smaps_rollup")
	read -r _ total_pss _ < <(grep '^Pss:' "/proc/$pid/smaps_rollup")
	echo "  clone $i (pid $pid): memory file Rss $rss kB, Pss $pss kB, shared $shared kB;" \
		"process Rss $total_rss kB, Pss $total_pss kB"
	[ "$rss" -gt 0 ] || fail "clone $i: the memory file is not mapped (or nothing of it resident)"
	[ "$shared" -gt 0 ] || fail "clone $i: no page of the memory file is shared"
	[ $((pss * 2)) -lt "$rss" ] || fail "clone $i: Pss $pss kB is not well below Rss $rss kB"
	[ "$total_pss" -lt "$total_rss" ] || fail "clone $i: the process's Pss is not below its Rss"
done
for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || true; done
echo "PASS"

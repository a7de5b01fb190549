# Host-side halves of the long suite's network tests, sourced by the kernel's
# test script after tests/vm/lib.sh: each boots KERNEL with INITRAMFS (built
# from guest-tests/, whose net-user and net-tap are the guest-side halves).

# free_tcp_port: a TCP port nothing listens on here (from /proc/net/tcp).
free_tcp_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		! grep -qi ":$(printf '%04X' "$p") 00000000:0000 0A" /proc/net/tcp || continue
		echo "$p"
		return
	done
}

# start_http DIR: busybox httpd serving DIR on 127.0.0.1 (HTTP_PORT, HTTP_PID).
start_http() {
	local try
	for try in 1 2 3 4 5; do
		HTTP_PORT=$(free_tcp_port)
		busybox httpd -f -p "127.0.0.1:$HTTP_PORT" -h "$1" &
		HTTP_PID=$!
		sleep 0.5
		kill -0 "$HTTP_PID" 2>/dev/null && return 0
	done
	fail "busybox httpd would not listen on 127.0.0.1"
}

# wait_line FILE PATTERN PID: until FILE has a line matching PATTERN, or PID ends.
wait_line() {
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		kill -0 "$3" 2>/dev/null || return 0
		sleep 1
	done
}

# net_user_check KERNEL INITRAMFS [VESSEL-ARGS...]: on --net user (NET_MEMORY
# of RAM, default 256M), the guest
# takes a lease from libslirp with udhcpc, fetches the host's file from its
# HTTP server through the gateway and serves one back through a hostfwd, which
# the host fetches with curl; both files' checksums are compared.
net_user_check() {
	local kernel=$1 initrd=$2 fwd want got served vm
	shift 2
	command -v curl >/dev/null || fail "curl is missing (scripts/deps.sh test)"
	mkdir -p "$WORK/www"
	head -c 3000000 /dev/urandom >"$WORK/www/fromhost"
	want=$(sha256sum "$WORK/www/fromhost" | cut -d' ' -f1)
	rm -f "$WORK/www/verdict"
	start_http "$WORK/www"
	fwd=$(free_tcp_port)
	timeout --kill-after=5 "$TEST_TIMEOUT" "$VESSEL" run --kernel "$kernel" --initrd "$initrd" \
		--memory "${NET_MEMORY:-256M}" --net "user,hostfwd=tcp::$fwd-:8080" "$@" \
		--cmdline "console=ttyS0 panic=-1 quiet vessel_test=net-user vessel_http=$HTTP_PORT" \
		>"$WORK/raw" 2>&1 </dev/null &
	vm=$!
	wait_line "$WORK/raw" '^serving: ' "$vm"
	served=$(tr -d '\r' <"$WORK/raw" | sed -n 's/^serving: .*sha256 //p')
	rm -f "$WORK/served"
	for _ in 1 2 3 4 5; do
		curl -sf -o "$WORK/served" "http://127.0.0.1:$fwd/served" && break
		sleep 1
	done
	got=$(sha256sum "$WORK/served" 2>/dev/null | cut -d' ' -f1)
	if [ -n "$served" ] && [ "$got" = "$served" ]; then
		echo "served file ok" >"$WORK/www/verdict"
	else
		echo "served file differs: host got ${got:-nothing}" >"$WORK/www/verdict"
	fi
	status=0
	wait "$vm" || status=$?
	kill "$HTTP_PID" 2>/dev/null || true
	tr -d '\r' <"$WORK/raw" >"$WORK/out"
	sed 's/^/  | /' "$WORK/out"
	[ "$status" -ne 124 ] || fail "the net-user guest timed out after ${TEST_TIMEOUT}s"
	expect_status 0
	expect_line '^dhcp: 10\.0\.2\.15/255\.255\.255\.0 router 10\.0\.2\.2 dns 10\.0\.2\.3$'
	expect_line "^fetched: 3000000 bytes, sha256 $want$"
	[ "$got" = "$served" ] || fail "curl through hostfwd got sha256 '$got', the guest served '$served'"
	echo "host: curl through hostfwd tcp::$fwd-:8080 got the guest's file (sha256 $got)"
	expect_line '^host: served file ok$'
	expect_line '^VESSEL-TEST-RESULT: PASS'
}

# net_tap_check KERNEL INITRAMFS: two VMs on taps bridged in this network
# namespace (the caller's own: see net-small-linux.sh) ping each other and one
# copies a file from the other over HTTP; the server has four vCPUs and
# queues=4 on a multi-queue tap, and sees four queue pairs.
net_tap_check() {
	local kernel=$1 initrd=$2 a b sa sb served fetched
	ip link add vbr0 type bridge
	ip tuntap add dev vtapa mode tap multi_queue
	ip tuntap add dev vtapb mode tap
	ip link set vtapa master vbr0
	ip link set vtapb master vbr0
	ip link set vtapa up
	ip link set vtapb up
	ip link set vbr0 up
	timeout --kill-after=5 "$TEST_TIMEOUT" "$VESSEL" run --kernel "$kernel" \
		--initrd "$initrd" --memory 256M --cpus 4 --net tap,ifname=vtapa,queues=4 \
		--cmdline "console=ttyS0 panic=-1 quiet vessel_test=net-tap vessel_addr=10.1.0.1/24 vessel_peer=10.1.0.2 vessel_role=serve vessel_queues=4" \
		>"$WORK/raw-a" 2>&1 </dev/null &
	a=$!
	timeout --kill-after=5 "$TEST_TIMEOUT" "$VESSEL" run --kernel "$kernel" \
		--initrd "$initrd" --memory 256M --cpus 1 --net tap,ifname=vtapb \
		--cmdline "console=ttyS0 panic=-1 quiet vessel_test=net-tap vessel_addr=10.1.0.2/24 vessel_peer=10.1.0.1 vessel_role=fetch vessel_queues=1" \
		>"$WORK/raw-b" 2>&1 </dev/null &
	b=$!
	sa=0
	wait "$a" || sa=$?
	sb=0
	wait "$b" || sb=$?
	tr -d '\r' <"$WORK/raw-a" >"$WORK/out-a"
	tr -d '\r' <"$WORK/raw-b" >"$WORK/out-b"
	sed 's/^/  a | /' "$WORK/out-a"
	sed 's/^/  b | /' "$WORK/out-b"
	ip link del vbr0
	[ "$sa" -eq 0 ] || fail "the serving VM exited with status $sa"
	[ "$sb" -eq 0 ] || fail "the fetching VM exited with status $sb"
	grep -q '^queues: 4 rx, 4 tx$' "$WORK/out-a" || fail "the serving VM does not see 4 queue pairs"
	grep -q '^queues: 1 rx, 1 tx$' "$WORK/out-b" || fail "the fetching VM does not see 1 queue pair"
	grep -q '^ping 10\.1\.0\.2: ok$' "$WORK/out-a" || fail "the serving VM got no ping answer"
	grep -q '^ping 10\.1\.0\.1: ok$' "$WORK/out-b" || fail "the fetching VM got no ping answer"
	served=$(sed -n 's/^serving: sha256 //p' "$WORK/out-a")
	fetched=$(sed -n 's/^fetched: sha256 //p' "$WORK/out-b")
	[ -n "$served" ] && [ "$served" = "$fetched" ] ||
		fail "the file copied between the VMs differs (served '$served', fetched '$fetched')"
	echo "host: the file copied between the VMs has the same sha256 ($served)"
	grep -q '^VESSEL-TEST-RESULT: PASS' "$WORK/out-a" || fail "the serving VM's test failed"
	grep -q '^VESSEL-TEST-RESULT: PASS' "$WORK/out-b" || fail "the fetching VM's test failed"
}

# Host-side UDP helpers of the user-mode network tests (virtio-net-user.sh,
# virtio-net-passt.sh), sourced after lib.sh: python3 writes them into $WORK.
#   python3 "$WORK/udp-echo.py" PORTFILE   echo datagrams on 127.0.0.1:(a free
#                                          port), the port written to PORTFILE
#   python3 "$WORK/udp-ask.py" PORT SECS   send a datagram to 127.0.0.1:PORT until
#                                          its echo comes back: "reply ok"
#   free_port DGRAM|STREAM                 a port free on 127.0.0.1
cat >"$WORK/udp-echo.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data, peer)
PY
cat >"$WORK/udp-ask.py" <<'PY'
import socket, sys, time
msg = b"hello through the host forward"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.25)
end = time.time() + float(sys.argv[2])
while time.time() < end:
    s.sendto(msg, ("127.0.0.1", int(sys.argv[1])))
    try:
        data, _ = s.recvfrom(65535)
    except socket.timeout:
        continue
    print("reply ok" if data == msg else "reply differs: %r" % data)
    sys.exit(0 if data == msg else 1)
print("no reply")
sys.exit(1)
PY
free_port() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, getattr(socket, "SOCK_" + sys.argv[1]))
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$1"
}

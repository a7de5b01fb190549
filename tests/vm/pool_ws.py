#!/usr/bin/env python3
"""A minimal WebSocket client (RFC 6455) for the pool tests: opens a desktop's
socket through the pool's listener and speaks RFB's first steps over it.

usage: pool_ws.py HOST:PORT PATH [--token T] [--cookie T] [--expect-status N]
                  [--rfb] [--stall SECONDS]
"""
import argparse, base64, os, socket, struct, sys, time


def handshake(addr, path, token=None, cookie=None):
    host, port = addr.rsplit(':', 1)
    s = socket.create_connection((host, int(port)), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    if token:
        path += ('&' if '?' in path else '?') + 'token=' + token
    req = (f'GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n'
           f'Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n'
           'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n')
    if cookie:
        req += f'Cookie: vessel-token={cookie}\r\n'
    s.sendall((req + '\r\n').encode())
    head = b''
    while b'\r\n\r\n' not in head:
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    status = int(head.split(b' ', 2)[1]) if head else 0
    return s, status


def send_frame(s, data):
    mask = os.urandom(4)
    n = len(data)
    if n < 126:
        hdr = struct.pack('!BB', 0x82, 0x80 | n)
    elif n < 65536:
        hdr = struct.pack('!BBH', 0x82, 0x80 | 126, n)
    else:
        hdr = struct.pack('!BBQ', 0x82, 0x80 | 127, n)
    s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def recv_exact(s, n):
    buf = b''
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError('connection closed')
        buf += chunk
    return buf


def recv_frame(s):
    b0, b1 = recv_exact(s, 2)
    n = b1 & 0x7f
    if n == 126:
        n = struct.unpack('!H', recv_exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack('!Q', recv_exact(s, 8))[0]
    return b0 & 0x0f, recv_exact(s, n)


class Stream:
    """The RFB byte stream inside binary frames."""

    def __init__(self, s):
        self.s, self.buf = s, b''

    def read(self, n):
        while len(self.buf) < n:
            op, data = recv_frame(self.s)
            if op == 8:
                raise EOFError('WebSocket closed')
            if op == 2:
                self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def rfb_init(s):
    """Version and security (None) handshake, ClientInit; the server's size."""
    st = Stream(s)
    version = st.read(12)
    if not version.startswith(b'RFB 003.'):
        raise SystemExit(f'not RFB: {version!r}')
    send_frame(s, b'RFB 003.008\n')
    ntypes = st.read(1)[0]
    types = st.read(ntypes)
    if 1 not in types:
        raise SystemExit(f'no None security type offered: {list(types)}')
    send_frame(s, b'\x01')
    if struct.unpack('!I', st.read(4))[0] != 0:
        raise SystemExit('security failed')
    send_frame(s, b'\x01')            # ClientInit, shared
    w, h = struct.unpack('!HH', st.read(4))
    st.read(16)
    name_len = struct.unpack('!I', st.read(4))[0]
    name = st.read(name_len)
    return version.decode().strip(), w, h, name.decode(errors='replace')


def hold(s, w, h, seconds):
    """A viewer watching: one whole screen, then incremental updates; bytes received."""
    send_frame(s, struct.pack('!BBHHHH', 3, 0, 0, 0, w, h))
    end, total = time.time() + seconds, 0
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            op, data = recv_frame(s)
        except (socket.timeout, TimeoutError):
            break
        if op == 8:
            raise EOFError('WebSocket closed')
        total += len(data)
        send_frame(s, struct.pack('!BBHHHH', 3, 1, 0, 0, w, h))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('addr')
    ap.add_argument('path')
    ap.add_argument('--token')
    ap.add_argument('--cookie')
    ap.add_argument('--expect-status', type=int, default=101)
    ap.add_argument('--rfb', action='store_true')
    ap.add_argument('--stall', type=float, default=0,
                    help='ask for full updates and never read them for this long')
    ap.add_argument('--hold', type=float, default=0,
                    help='watch the screen this long (incremental updates); print the bytes')
    a = ap.parse_args()
    s, status = handshake(a.addr, a.path, a.token, a.cookie)
    if status != a.expect_status:
        raise SystemExit(f'HTTP status {status}, expected {a.expect_status}')
    print(f'status {status}')
    if a.rfb:
        version, w, h, name = rfb_init(s)
        print(f'rfb {version} {w}x{h} {name}')
    if a.hold:
        print(f'held {hold(s, w, h, a.hold)} bytes')
    if a.stall:
        # FramebufferUpdateRequest, not incremental, many times over; read nothing.
        req = struct.pack('!BBHHHH', 3, 0, 0, 0, w, h)
        for _ in range(200):
            send_frame(s, req)
        time.sleep(a.stall)
        print('stalled')
    s.close()


if __name__ == '__main__':
    main()

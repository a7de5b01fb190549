#!/usr/bin/env python3
"""One round of bench/snapshot for one VMM and guest size; prints a JSON object.

  snapshot-sample.py vessel|qemu MEM_MIB WORKDIR VESSEL GUEST_ELF

The counter guest (vessel.test=counter with a short period: a line every
couple of ms) runs until it has counted to 50 and is paused; then the
snapshot is taken (vessel: PUT /vm/snapshot; QEMU: QMP migrate to
"exec:cat > FILE") and timed from the request to its completion, and its
size on disk taken. The VM is stopped, and restored in a new process
(vessel run --restore DIR; QEMU -incoming "exec:cat FILE", then QMP cont
once the incoming migration is done), timed from the process's start to the
guest's first byte of output, and to its first whole "counter: N" line,
which must be the count after the last one before the snapshot.
"""
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

CMDLINE = 'vessel.test=counter vessel.counterperiod=20000'
COUNT_RE = re.compile(rb'counter: (\d+)\r?\n')


PROCS = []


def spawn(cmd):
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    PROCS.append(p)
    return p


class Output:
    """A process's stdout, read on a thread: bytes with their arrival times."""

    def __init__(self, proc):
        self.proc, self.buf, self.first, self.eof = proc, b'', None, False
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            data = os.read(fd, 65536)
            now = time.monotonic()
            with self.cond:
                if not data:
                    self.eof = True
                    self.cond.notify_all()
                    return
                if self.first is None:
                    self.first = now
                self.buf += data
                self.cond.notify_all()

    def wait(self, pred, timeout=120):
        end = time.monotonic() + timeout
        with self.cond:
            while not pred():
                left = end - time.monotonic()
                if left <= 0 or (self.eof and not pred()):
                    raise RuntimeError(f'timed out; output: {self.buf[-500:]!r}')
                self.cond.wait(min(left, 0.05))

    def counts(self):
        return [int(m.group(1)) for m in COUNT_RE.finditer(self.buf)]


def http(sock_path, method, path, body=None):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    data = json.dumps(body).encode() if body is not None else b''
    s.sendall(f'{method} {path} HTTP/1.1\r\nHost: v\r\nConnection: close\r\n'
              f'Content-Length: {len(data)}\r\nContent-Type: application/json\r\n\r\n'.encode() + data)
    reply = b''
    while chunk := s.recv(65536):
        reply += chunk
    s.close()
    head, _, body = reply.partition(b'\r\n\r\n')
    status = int(head.split()[1])
    if status >= 300:
        raise RuntimeError(f'{method} {path}: {reply!r}')
    return json.loads(body)


class Qmp:
    def __init__(self, path, timeout=60):
        end = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.0005)
        self.f = self.s.makefile('rb')
        self.f.readline()
        self.cmd('qmp_capabilities')

    def cmd(self, name, **args):
        self.s.sendall(json.dumps({'execute': name, 'arguments': args}).encode())
        while True:
            r = json.loads(self.f.readline())
            if 'return' in r:
                return r['return']
            if 'error' in r:
                raise RuntimeError(f'{name}: {r["error"]}')


def disk_bytes(*paths):
    st = [os.stat(p) for p in paths]
    return sum(s.st_size for s in st), sum(s.st_blocks * 512 for s in st)


def wait_counted(out, n):
    """The boot: QEMU's SeaBIOS is emulated real-mode code on PVM hosts, minutes under load."""
    out.wait(lambda: out.counts() and out.counts()[-1] >= n, timeout=900)


def ended(out):
    """All of a stopped VM's output: (its bytes, its last whole count)."""
    out.wait(lambda: out.eof)
    return out.buf, out.counts()[-1]


def first_line_after(before, out, last):
    """The restored guest's first line may finish one the pause cut: read both as one."""
    def after():
        return [int(m.group(1)) for m in COUNT_RE.finditer(before + out.buf) if int(m.group(1)) > last]
    out.wait(lambda: after())
    first = after()[0]
    if first != last + 1:
        raise RuntimeError(f'the restored guest went on at {first}, not {last + 1}')


def vessel(mem, work, exe, elf):
    sock, snap = f'{work}/api.sock', f'{work}/snap'
    p = spawn([exe, 'run', '--memory', f'{mem}M', '--cmdline', CMDLINE, '--api-socket', sock])
    out = Output(p)
    wait_counted(out, 50)
    http(sock, 'PUT', '/vm/pause')
    t0 = time.monotonic()
    reply = http(sock, 'PUT', '/vm/snapshot', {'dir': snap})
    snap_ms = (time.monotonic() - t0) * 1e3
    http(sock, 'PUT', '/vm/stop')
    p.wait()
    before, last = ended(out)
    apparent, allocated = disk_bytes(f'{snap}/state', f'{snap}/memory')
    t0 = time.monotonic()
    r = spawn([exe, 'run', '--restore', snap])
    rout = Output(r)
    rout.wait(lambda: rout.first is not None)
    first_byte_ms = (rout.first - t0) * 1e3
    first_line_after(before, rout, last)
    line_ms = (time.monotonic() - t0) * 1e3
    r.terminate()
    r.wait()
    return {'snapshot_ms': snap_ms, 'snapshot_server_ms': reply['ms'], 'apparent': apparent,
            'allocated': allocated, 'restore_ms': first_byte_ms, 'restore_line_ms': line_ms}


def qemu_cmd(mem, elf, qmp):
    return ['qemu-system-x86_64', '-M', 'q35', '-accel', 'kvm', '-cpu', 'host,-arch-capabilities',
            '-m', f'{mem}M', '-smp', '1', '-nodefaults', '-nographic', '-no-reboot',
            '-serial', 'stdio', '-kernel', elf, '-append', CMDLINE,
            '-qmp', f'unix:{qmp},server=on,wait=off']


def qemu(mem, work, exe, elf):
    qmp, state = f'{work}/qmp.sock', f'{work}/qemu.state'
    p = spawn(qemu_cmd(mem, elf, qmp))
    out = Output(p)
    wait_counted(out, 50)
    q = Qmp(qmp)
    q.cmd('stop')
    t0 = time.monotonic()
    q.cmd('migrate', uri=f'exec:cat > {state}')
    while q.cmd('query-migrate').get('status') not in ('completed', 'failed'):
        time.sleep(0.0005)
    snap_ms = (time.monotonic() - t0) * 1e3
    if q.cmd('query-migrate')['status'] != 'completed':
        raise RuntimeError('QEMU migration to the file failed')
    q.cmd('quit')
    p.wait()
    before, last = ended(out)
    apparent, allocated = disk_bytes(state)
    qmp2 = f'{work}/qmp2.sock'
    t0 = time.monotonic()
    r = spawn(qemu_cmd(mem, elf, qmp2) + ['-incoming', f'exec:cat {state}'])
    rout = Output(r)
    q2 = Qmp(qmp2)
    while q2.cmd('query-status')['status'] == 'inmigrate':
        time.sleep(0.0005)
    with rout.cond:
        early = len(rout.buf)
    q2.cmd('cont')
    rout.wait(lambda: len(rout.buf) > early)
    first_byte_ms = (time.monotonic() - t0) * 1e3
    first_line_after(before, rout, last)
    line_ms = (time.monotonic() - t0) * 1e3
    q2.cmd('quit')
    r.wait()
    os.unlink(state)
    return {'snapshot_ms': snap_ms, 'apparent': apparent, 'allocated': allocated,
            'restore_ms': first_byte_ms, 'restore_line_ms': line_ms}


def main():
    vmm, mem, work, exe, elf = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    try:
        print(json.dumps((vessel if vmm == 'vessel' else qemu)(mem, work, exe, elf)))
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()


if __name__ == '__main__':
    main()

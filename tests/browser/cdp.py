"""Headless Chromium driven through the Chrome DevTools Protocol over a pipe
(--remote-debugging-pipe: JSON messages ending in NUL on fds 3 and 4), so no
WebSocket client and no package beyond Debian's chromium is needed.

Also a small PNG reader for the screenshots Chromium returns (8-bit RGB/RGBA,
the only kinds it writes)."""
import base64, json, os, shutil, struct, subprocess, tempfile, time, zlib

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')


def find_chromium():
    return CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which('chromium')


class Browser:
    def __init__(self, width=1280, height=900):
        self.profile = tempfile.mkdtemp(prefix='vessel-chromium.')
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()

        def fds():
            # Through fresh numbers first: the pipe's own may be 3 or 4.
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
        args = [find_chromium(), '--headless', '--no-sandbox', '--disable-gpu',
                '--disable-quic', '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--disable-extensions',
                '--disable-dev-shm-usage', '--remote-debugging-pipe',
                f'--user-data-dir={self.profile}', f'--window-size={width},{height}',
                'about:blank']
        self.log = open(os.path.join(self.profile, 'chromium.log'), 'w')
        self.proc = subprocess.Popen(args, preexec_fn=fds, close_fds=False,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        os.close(to_r)
        os.close(from_w)
        self.w, self.r = os.fdopen(to_w, 'wb'), os.fdopen(from_r, 'rb')
        self.next_id, self.buf, self.events = 1, b'', []
        targets = self.call('Target.getTargets')['targetInfos']
        page = next(t for t in targets if t['type'] == 'page')
        self.session = self.call('Target.attachToTarget', targetId=page['targetId'],
                                 flatten=True)['sessionId']
        self.page('Page.enable')
        self.page('Runtime.enable')

    def _read(self):
        while b'\0' not in self.buf:
            chunk = os.read(self.r.fileno(), 1 << 20)
            if not chunk:
                raise RuntimeError('chromium closed the pipe (see ' + self.log.name + ')')
            self.buf += chunk
        msg, self.buf = self.buf.split(b'\0', 1)
        return json.loads(msg)

    def call(self, method, session=None, **params):
        mid = self.next_id
        self.next_id += 1
        msg = {'id': mid, 'method': method, 'params': params}
        if session:
            msg['sessionId'] = session
        self.w.write(json.dumps(msg).encode() + b'\0')
        self.w.flush()
        while True:
            m = self._read()
            if m.get('id') == mid:
                if 'error' in m:
                    raise RuntimeError(f'{method}: {m["error"]}')
                return m.get('result', {})
            self.events.append(m)

    def page(self, method, **params):
        return self.call(method, self.session, **params)

    def goto(self, url, timeout=30):
        """Navigate, and wait until the new document (its URL, maybe redirected) is loaded."""
        self.events.clear()
        self.page('Page.navigate', url=url)
        self.wait_event('Page.loadEventFired', timeout)
        self.wait_true("document.readyState === 'complete'", timeout)

    def wait_event(self, name, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if any(e.get('method') == name for e in self.events):
                return
            self.page('Runtime.evaluate', expression='1')
            time.sleep(0.05)
        raise TimeoutError(f'no {name} in {timeout}s')

    def eval(self, expr):
        r = self.page('Runtime.evaluate', expression=expr, returnByValue=True)
        if 'exceptionDetails' in r:
            raise RuntimeError(f'{expr}: {r["exceptionDetails"]}')
        return r['result'].get('value')

    def wait_true(self, expr, timeout=30, what=None):
        end = time.time() + timeout
        while time.time() < end:
            try:
                if self.eval(expr):
                    return
            except RuntimeError:
                pass            # a page still being replaced
            time.sleep(0.1)
        raise TimeoutError(f'{what or expr}: not true after {timeout}s')

    def screenshot(self, path=None):
        data = base64.b64decode(self.page('Page.captureScreenshot', format='png')['data'])
        if path:
            with open(path, 'wb') as f:
                f.write(data)
        return png_decode(data)

    def click(self, x, y):
        for kind in ('mousePressed', 'mouseReleased'):
            self.page('Input.dispatchMouseEvent', type=kind, x=x, y=y, button='left',
                      clickCount=1)

    def key(self, key, code, vk, text=None):
        """One key press and release, as a real keyboard gives it."""
        down = dict(type='keyDown', key=key, code=code, windowsVirtualKeyCode=vk,
                    nativeVirtualKeyCode=vk)
        if text:
            down.update(type='keyDown', text=text, unmodifiedText=text)
        self.page('Input.dispatchKeyEvent', **down)
        self.page('Input.dispatchKeyEvent', type='keyUp', key=key, code=code,
                  windowsVirtualKeyCode=vk, nativeVirtualKeyCode=vk)

    def close(self):
        try:
            self.call('Browser.close')
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def png_decode(data):
    """(width, height, rows): rows[y][x] is an (r, g, b) tuple."""
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat = 8, b''
    while pos < len(data):
        n, kind = struct.unpack('!I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('!IIBB', body[:10])
            if depth != 8 or ctype not in (2, 6) or body[12]:
                raise ValueError(f'PNG kind not handled: depth {depth} type {ctype}')
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, rows, p = bytearray(stride), [], 0
    for _ in range(h):
        f, line = raw[p], bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xff
            elif f == 2:
                line[i] = (line[i] + b) & 0xff
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xff
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 0xff
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows

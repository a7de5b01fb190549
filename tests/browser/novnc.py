#!/usr/bin/env python3
"""Headless Chromium opens vessel's desktops in noVNC, as a person would.

  novnc.py vm    a single VM: vessel run --vnc 127.0.0.1:PORT, the page http://127.0.0.1:PORT/
  novnc.py pool  a pool desktop: vessel desktop, /desktop/NAME?token=TOKEN

Each checks the screenshot against vessel.test=display's pattern (guest/display.c),
clicks the screen and types a key, which the guest must report on its console,
and (pool) that a wrong token gets no desktop. --docs DIR keeps the screenshots.
Exit 77 (skip) without Chromium, noVNC or /dev/kvm."""
import argparse, os, re, signal, socket, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

W, H = 640, 480
BARS = [0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000]
KEY_A = 30                      # Linux's KEY_A
TOLERANCE = 48                  # per channel: noVNC may take a lossy (JPEG) encoding


def skip(why):
    print('SKIP:', why)
    sys.exit(77)


def fail(why):
    print('FAIL:', why)
    sys.exit(1)


def expected_points():
    """(x, y, rgb) on the framebuffer, each in the middle of a plain area."""
    pts = [(int((i + 0.5) * W / 8), H // 4, c) for i, c in enumerate(BARS)]
    x0, y0 = W // 2 - 32, H // 2 - 32
    for i in range(8):
        for j in range(8):
            pts.append((x0 + 8 * i + 4, y0 + 8 * j + 4, 0xffffff if (i + j) % 2 == 0 else 0))
    return pts


def rgb(c):
    return (c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff


def pattern_mismatches(browser, rect, path=None):
    """Screenshot points not showing the pattern, mapped through the canvas's place."""
    _, _, rows = browser.screenshot(path)
    bad = []
    for x, y, c in expected_points():
        sx = int(rect['x'] + (x + 0.5) * rect['width'] / W)
        sy = int(rect['y'] + (y + 0.5) * rect['height'] / H)
        got = rows[sy][sx]
        if any(abs(a - b) > TOLERANCE for a, b in zip(got, rgb(c))):
            bad.append(f'({x},{y}) wants {c:06x}, shows {bytes(got).hex()}')
    return bad


def canvas_rect(browser, timeout=30):
    browser.wait_true("(() => { const c = document.querySelector('canvas');"
                      f" return c && c.width === {W} && c.height === {H}; }})()",
                      timeout, 'a canvas of the desktop\'s size')
    return browser.eval("(() => { const r = document.querySelector('canvas')"
                        ".getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width,"
                        " height: r.height}; })()")


def check_pattern(browser, path=None, timeout=30):
    rect = canvas_rect(browser)
    end = time.time() + timeout
    while True:
        bad = pattern_mismatches(browser, rect, path)
        if not bad:
            print(f'the pattern: {len(expected_points())} points match, canvas at {rect}')
            return rect
        if time.time() > end:
            fail('the screenshot does not show the pattern: ' + '; '.join(bad[:6]))
        time.sleep(0.5)


def wait_line(path, pattern, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        with open(path, errors='replace') as f:
            m = re.search(pattern, f.read().replace('\r', ''))
        if m:
            return m.group(0)
        time.sleep(0.1)
    fail(f'no line matching /{pattern}/ in {path}')


def type_key(browser, rect, log):
    """A click on the screen (noVNC takes the keyboard), then 'a'."""
    browser.click(rect['x'] + rect['width'] * 0.25, rect['y'] + rect['height'] * 0.75)
    print('pointer:', wait_line(log, r'vessel-guest: input: pointer \d+ \d+ buttons 1[^\n]*'))
    browser.key('a', 'KeyA', 65, 'a')
    print('key:', wait_line(log, rf'vessel-guest: input: key {KEY_A} down[^\n]*'))
    wait_line(log, rf'vessel-guest: input: key {KEY_A} up')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            fail(f'vessel exited with status {proc.returncode}')
        try:
            socket.create_connection(('127.0.0.1', port), 1).close()
            return
        except OSError:
            time.sleep(0.1)
    fail(f'nothing listens on port {port}')


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        fail('vessel did not stop within 30 s')


def test_vm(vessel, work, browser, docs):
    port, log = free_port(), os.path.join(work, 'vm.log')
    with open(log, 'w') as out:
        proc = subprocess.Popen([vessel, 'run', '--vnc', f'127.0.0.1:{port}',
                                 f'--display={W}x{H}', '--cmdline', 'vessel.test=display'],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_port(port, proc)
        wait_line(log, 'display: .*pattern drawn')
        browser.goto(f'http://127.0.0.1:{port}/')
        print('page:', browser.eval('location.pathname + location.search'))
        rect = check_pattern(browser, docs and os.path.join(docs, 'novnc-vm.png'))
        type_key(browser, rect, log)
        # Esc, the guest's quit key: it powers off, and vessel exits 0.
        browser.key('Escape', 'Escape', 27)
        status = proc.wait(30)
        if status != 0:
            fail(f'vessel exited with status {status} after the quit key')
    finally:
        stop(proc)
    print('vm: PASS')


def test_pool(vessel, work, browser, docs):
    state, out_path = os.path.join(work, 'pool'), os.path.join(work, 'pool.out')
    with open(out_path, 'w') as out:
        proc = subprocess.Popen([vessel, 'desktop', '--count', '2', '--listen', '127.0.0.1:0',
                                 '--state-dir', state, '--', f'--display={W}x{H}'],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        addr = wait_line(out_path, r'127\.0\.0\.1:\d+', 30)
        wait_line(out_path, 'desktops running', 60)
        log1, log2 = (os.path.join(state, f'desktop{n}.log') for n in (1, 2))
        wait_line(log1, 'pattern drawn')
        token = open(os.path.join(state, 'desktop1.token')).read().strip()
        if docs:
            browser.goto(f'http://{addr}/')
            browser.wait_true("document.querySelectorAll('.running').length === 2", 10)
            browser.screenshot(os.path.join(docs, 'desktop-pool-index.png'))
        browser.goto(f'http://{addr}/desktop/desktop1?token={token}')
        try:
            browser.wait_true("document.getElementById('state')?.textContent === 'connected'",
                              30, 'noVNC connected')
        except TimeoutError as e:
            browser.screenshot(os.path.join(work, 'failed.png'))
            fail(f'{e}; the page says: ' + str(browser.eval('document.body?.innerText')))
        rect = check_pattern(browser, docs and os.path.join(docs, 'desktop-pool-novnc.png'))
        type_key(browser, rect, log1)
        if re.search(r'input: key \d+ down', open(log2, errors='replace').read()):
            fail("desktop1's key reached desktop2")
        # desktop1's token (in the URL, and its cookie) opens nothing else.
        for url in (f'http://{addr}/desktop/desktop2?token={token}',
                    f'http://{addr}/desktop/desktop2',
                    f'http://{addr}/desktop/desktop1?token={"0" * 64}'):
            browser.goto(url)
            title = browser.eval('document.title')
            time.sleep(1)
            if title != 'forbidden - vessel' or browser.eval("!!document.querySelector('canvas')"):
                fail(f'{url}: a wrong token got "{title}", or a screen')
        print('a wrong token: forbidden, no screen')
        status = stop(proc)
        if status != 0:
            fail(f'the pool exited with status {status}')
        left = [f for f in os.listdir(state) if f.endswith('.vnc')]
        if left:
            fail(f'sockets left: {left}')
    finally:
        stop(proc, signal.SIGKILL)
    print('pool: PASS')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('what', choices=('vm', 'pool'))
    ap.add_argument('--docs', help='keep the screenshots here')
    a = ap.parse_args()
    vessel = os.environ.get('VESSEL') or fail('VESSEL must name the vessel binary')
    if not cdp.find_chromium():
        skip('chromium is not installed')
    if not os.path.isfile('/usr/share/novnc/core/rfb.js'):
        skip('noVNC (Debian package novnc) is not installed')
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        skip('/dev/kvm is absent or not accessible')
    with tempfile.TemporaryDirectory(prefix='vessel-browser.') as work:
        browser = cdp.Browser()
        try:
            (test_vm if a.what == 'vm' else test_pool)(vessel, work, browser, a.docs)
        finally:
            browser.close()


if __name__ == '__main__':
    main()

"""Helpers shared by the Python test drivers."""
import os
import struct as _struct
import zlib as _zlib
import subprocess
import sys

# The CLI under test is a Windows build (tests/CMakeLists.txt sets this there).
WINDOWS = os.environ.get("VKBERT_TEST_TARGET") == "windows"
# The null device of the CLI's system.
DEVNULL = "NUL" if WINDOWS else os.devnull


def passable_argument(a):
    """Whether the argument reaches the CLI as its bytes. A Windows command line is UTF-16:
    bytes that are not UTF-8 cannot be passed there (Wine turns them into U+FFFD); files
    (-f) still carry them."""
    if not WINDOWS or not isinstance(a, bytes):
        return True
    try:
        a.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False

# What check() found wrong; a driver exits non-zero when it is not empty.
FAILURES = []


def check(cond, msg):
    """Records msg as a failure (and prints it) when cond is false; the driver goes on."""
    if not cond:
        FAILURES.append(msg)
        print("FAIL:", msg, file=sys.stderr)


def have_device(vkbert):
    """False (the caller exits 77: skipped) when vkbert sees no Vulkan device."""
    p = subprocess.run([vkbert, "devices"], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        print(f"SKIP: no Vulkan device: {p.stderr.strip()}")
    return p.returncode == 0


def supports_fp16(vkbert, model):
    """Whether this device (in this mode: VKBERT_LIMITS=min has no 16-bit storage) can hold
    fp16 weights; any other failure is an error."""
    p = subprocess.run([vkbert, "encode", "-m", model, "--precision", "fp16", "--json", "a"], capture_output=True,
                       text=True, timeout=600)
    if p.returncode != 0 and "fp16 weights need 16-bit storage" in p.stderr:
        print(f"fp16 not available here: {p.stderr.strip()}")
        return False
    if p.returncode != 0:
        raise SystemExit(f"vkbert encode --precision fp16 failed: {p.stderr.strip()}")
    return True


def read_png(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG, filters undone."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = _struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = _struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = {2: 3, 6: 4}[ctype]
    raw = _zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, [[tuple(r[x * bpp:x * bpp + 3]) for x in range(w)] for r in rows]


def json_close(a, b, tol=1e-5):
    """Equal JSON, numbers within tol (relative beyond 1): the server's batches differ from the
    CLI's in padding."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= tol * max(1.0, abs(a), abs(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_close(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_close(a[k], b[k], tol) for k in a)
    return a == b


# ---- vkbert serve ----
def has_server(vkbert):
    """False (the caller exits 77) when this CLI was built without `vkbert serve`."""
    p = subprocess.run([vkbert, "serve", "--help"], capture_output=True, text=True, timeout=60)
    if p.returncode != 0 and "built without the server" in p.stderr:
        print(f"SKIP: {p.stderr.strip()}")
        return False
    return True


class Server:
    """`vkbert serve -m MODEL --port 0 ARGS...` on loopback; .port is the one it says it took.
    Stop it with .stop() (SIGTERM or `sig`; returns its exit code and stderr)."""

    def __init__(self, vkbert, model, args=(), env=None, timeout=120):
        import re
        import threading
        import time
        self.proc = subprocess.Popen([vkbert, "serve", "-m", model, "--port", "0"] + list(args),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.stderr_lines = []
        self.port = None
        ready = threading.Event()

        def read():
            for line in self.proc.stderr:
                self.stderr_lines.append(line)
                m = re.search(r"listening on http://[^ ]*:(\d+)", line)
                if m and self.port is None:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()
        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        deadline = time.time() + timeout
        while not ready.wait(0.1) and time.time() < deadline:
            pass
        if self.port is None:
            self.proc.kill()
            raise SystemExit(f"vkbert serve did not start: {''.join(self.stderr_lines)[-2000:]}")

    def request(self, method, path, body=None, headers=None, timeout=120):
        """(status, parsed JSON or text or None, raw bytes, response headers) of one request; body:
        a JSON-able object, or bytes sent as they are."""
        import http.client
        import json
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        h = {"Content-Type": "application/json"} if data is not None else {}
        h.update(headers or {})
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        c.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return r.status, parsed, raw, dict(r.getheaders())

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)

    def stop(self, timeout=120, sig=None):
        import signal
        if self.proc.poll() is None:
            self.proc.send_signal(sig or signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "killed (did not stop on SIGTERM)"
        self.reader.join(timeout=10)
        return rc, "".join(self.stderr_lines)

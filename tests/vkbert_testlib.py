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

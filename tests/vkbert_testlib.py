"""Helpers shared by the Python test drivers."""
import os
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

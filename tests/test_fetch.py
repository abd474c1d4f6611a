#!/usr/bin/python3
"""model_tools/fetch_model.py against a local mirror (file:// URL and a plain path): files
arrive intact, checksums are enforced, a bad file is not left in place, a missing
required file fails, an absent optional file does not. No network."""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

from vkbert_testlib import FAILURES, check

HERE = os.path.dirname(os.path.abspath(__file__))
FETCH = os.path.join(HERE, "..", "model_tools", "fetch_model.py")


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def fetch(*args):
    return subprocess.run([sys.executable, FETCH] + list(args), capture_output=True, text=True, timeout=120)


def fetch_on_terminal(*args):
    """fetch_model's stderr when it is a terminal (a pty)."""
    import pty
    m, s = pty.openpty()
    proc = subprocess.Popen([sys.executable, FETCH] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=s)
    os.close(s)
    err = b""
    while True:
        try:
            chunk = os.read(m, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        err += chunk
    os.close(m)
    check(proc.wait(timeout=120) == 0, f"fetch on a terminal failed: {err!r}")
    return err.decode(errors="replace")


def main():
    model = sys.argv[1]
    tmp = tempfile.mkdtemp()
    try:
        mirror = os.path.join(tmp, "mirror")
        os.makedirs(mirror)
        names = ["config.json", "vocab.txt", "model.safetensors"]
        for n in names:
            shutil.copy(os.path.join(model, n), mirror)
        with open(os.path.join(mirror, "SHA256SUMS"), "w") as f:
            for n in names:
                f.write(f"{sha(os.path.join(mirror, n))}  {n}\n")

        out = os.path.join(tmp, "out1")
        p = fetch("--from", "file://" + mirror, "--out", out)
        check(p.returncode == 0, f"file:// fetch failed: {p.stderr}")
        for n in names:
            check(os.path.exists(os.path.join(out, n)) and sha(os.path.join(out, n)) == sha(os.path.join(mirror, n)),
                  f"{n} differs after fetch")
        check("not in the repository (optional)" in p.stderr, "missing optional tokenizer_config.json not reported")
        # a pipe: no progress line, one summary line per file
        check("\r" not in p.stderr and "MB/s" not in p.stderr, f"progress written to a pipe: {p.stderr!r}")
        check(all(f"  {n}: " in p.stderr and " MB in " in p.stderr for n in names), f"no summary lines: {p.stderr}")
        # a terminal: the progress line (MB of the total, the rate), rewritten in place
        err = fetch_on_terminal("--from", "file://" + mirror, "--out", os.path.join(tmp, "out-tty"))
        size = os.path.getsize(os.path.join(mirror, "model.safetensors")) / 1e6
        check(f"\r  model.safetensors: " in err and f"/ {size:.1f} MB" in err and "MB/s" in err,
              f"no progress on a terminal: {err!r}")
        # second run: everything present and verified, nothing downloaded
        p = fetch("--from", "file://" + mirror, "--out", out)
        check(p.returncode == 0 and p.stderr.count("present, checksum ok") == 3, f"re-run: {p.stderr}")

        # plain directory path as the source
        out2 = os.path.join(tmp, "out2")
        p = fetch("--from", mirror, "--out", out2)
        check(p.returncode == 0 and os.path.exists(os.path.join(out2, "model.safetensors")), f"path fetch: {p.stderr}")

        # wrong checksum: error, and the bad file is not left behind
        out3 = os.path.join(tmp, "out3")
        p = fetch("--from", mirror, "--out", out3, "--sha256", "model.safetensors=" + "0" * 64)
        check(p.returncode != 0 and "checksum mismatch" in p.stderr, f"bad checksum accepted: {p.stderr}")
        check(not os.path.exists(os.path.join(out3, "model.safetensors")), "file with a bad checksum left in place")
        check(not os.path.exists(os.path.join(out3, "model.safetensors.part")), ".part file left behind")

        # corrupted mirror content caught by SHA256SUMS
        with open(os.path.join(mirror, "vocab.txt"), "a") as f:
            f.write("extra\n")
        p = fetch("--from", mirror, "--out", os.path.join(tmp, "out4"))
        check(p.returncode != 0 and "vocab.txt: SHA-256 checksum mismatch" in p.stderr, f"corruption: {p.stderr}")

        # a required file missing from the mirror
        os.remove(os.path.join(mirror, "config.json"))
        p = fetch("--from", mirror, "--out", os.path.join(tmp, "out5"))
        check(p.returncode != 0 and "config.json" in p.stderr and "error" in p.stderr, f"missing file: {p.stderr}")

        # malformed --sha256
        p = fetch("--from", mirror, "--out", os.path.join(tmp, "out6"), "--sha256", "x=12")
        check(p.returncode == 2, "malformed --sha256 accepted")
    finally:
        shutil.rmtree(tmp)
    print(f"test_fetch: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

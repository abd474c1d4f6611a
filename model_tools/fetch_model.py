#!/usr/bin/python3
"""Download a BERT checkpoint from the Hugging Face hub (bert-base-uncased by default)
into a directory vkbert can load: config.json, vocab.txt, model.safetensors and, when the
repository has it, tokenizer_config.json.

    /usr/bin/python3 model_tools/fetch_model.py                       # -> models/bert-base-uncased
    /usr/bin/python3 model_tools/fetch_model.py --repo bert-large-uncased --out models/large
    /usr/bin/python3 model_tools/fetch_model.py --from file:///mirror/bert-base-uncased

Every file is verified before it is moved into place: its size against the server's
Content-Length (or X-Linked-Size), and its SHA-256 against, in order, --sha256 NAME=HEX,
a SHA256SUMS file next to the files (mirrors), the hub's X-Linked-Etag (the LFS SHA-256
of large files), or a hash pinned here. A file that fails is deleted; the exit status is
non-zero. Files already present with the right checksum are not downloaded again.
Progress (MB of the total, MB/s) is shown while stderr is a terminal; otherwise one line per
file once it is complete. Standard library only.
"""
import argparse
import hashlib
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HUB = "https://huggingface.co"
REQUIRED = ["config.json", "vocab.txt", "model.safetensors"]
OPTIONAL = ["tokenizer_config.json"]
# SHA-256 of files whose content we know independently of any server.
PINNED = {
    ("bert-base-uncased", "vocab.txt"): "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
HEX64 = re.compile(r"^[0-9a-f]{64}$")


class FetchError(Exception):
    pass


def file_url(source, name, repo, revision):
    if source:
        if "://" not in source:
            source = "file://" + urllib.parse.quote(os.path.abspath(source))
        return source.rstrip("/") + "/" + name
    return f"{HUB}/{repo}/resolve/{revision}/{name}"


def read_sums(source):
    """SHA256SUMS next to the files of a mirror: '<hex>  <name>' lines."""
    if not source:
        return {}
    try:
        with urllib.request.urlopen(file_url(source, "SHA256SUMS", None, None), timeout=60) as r:
            text = r.read(1 << 20).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError):
        return {}
    sums = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and HEX64.match(parts[0].lower()):
            sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def progress(name, done, total, start, last):
    """A line on stderr rewritten in place (bytes of total, rate), for someone watching a
    terminal only: a pipe or a log gets the one summary line download() writes at the end."""
    if not sys.stderr.isatty():
        return last
    now = time.time()
    if now - last < 0.5 and done != total:
        return last
    rate = done / max(now - start, 1e-6) / 1e6
    if total:
        sys.stderr.write(f"\r  {name}: {done / 1e6:8.1f} / {total / 1e6:.1f} MB ({100 * done / total:5.1f}%) "
                         f"{rate:6.1f} MB/s")
    else:
        sys.stderr.write(f"\r  {name}: {done / 1e6:8.1f} MB {rate:6.1f} MB/s")
    sys.stderr.flush()
    return now


def download(url, dest, name, expected_sha, optional):
    """Downloads url to dest (through dest.part); returns False for a missing optional file."""
    part = dest + ".part"
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "vkbert-fetch/0.1"})
        resp = urllib.request.urlopen(req, timeout=60)
    except urllib.error.HTTPError as e:
        if optional and e.code == 404:
            return False
        raise FetchError(f"{name}: {url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError) as e:
        if optional and isinstance(getattr(e, "reason", e), FileNotFoundError):
            return False
        if optional and isinstance(e, FileNotFoundError):
            return False
        raise FetchError(f"{name}: cannot fetch {url}: {getattr(e, 'reason', e)}") from None
    with resp:
        headers = resp.headers
        size = headers.get("X-Linked-Size") or headers.get("Content-Length")
        total = int(size) if size and size.isdigit() else None
        etag = (headers.get("X-Linked-Etag") or headers.get("ETag") or "").strip('"W/').lower()
        if not expected_sha and HEX64.match(etag):
            expected_sha = etag
        h = hashlib.sha256()
        done, start, last = 0, time.time(), 0.0
        with open(part, "wb") as f:
            while True:
                chunk = resp.read(1 << 20)
                if not chunk:
                    break
                f.write(chunk)
                h.update(chunk)
                done += len(chunk)
                last = progress(name, done, total, start, last)
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        else:
            print(f"  {name}: {done / 1e6:.1f} MB in {time.time() - start:.1f} s", file=sys.stderr)
    try:
        if total is not None and done != total:
            raise FetchError(f"{name}: received {done} bytes, expected {total} (connection cut?)")
        digest = h.hexdigest()
        if expected_sha and digest != expected_sha:
            raise FetchError(f"{name}: SHA-256 checksum mismatch: got {digest}, expected {expected_sha}")
        if not expected_sha:
            print(f"  {name}: no checksum known; size verified only", file=sys.stderr)
    except FetchError:
        os.remove(part)
        raise
    os.replace(part, dest)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default="bert-base-uncased", help="hub repository (default bert-base-uncased)")
    ap.add_argument("--revision", default="main")
    ap.add_argument("--out", help="target directory (default models/<repo name>)")
    ap.add_argument("--from", dest="source", help="a directory or URL holding the files (a mirror) instead of the hub")
    ap.add_argument("--sha256", action="append", default=[], metavar="NAME=HEX", help="expected checksum of a file")
    args = ap.parse_args()
    out = args.out or os.path.join("models", args.repo.split("/")[-1])
    os.makedirs(out, exist_ok=True)
    expected = {}
    for item in args.sha256:
        name, _, hexd = item.partition("=")
        if not HEX64.match(hexd.lower()):
            print(f"fetch_model: --sha256 {item}: expected NAME=<64 hex digits>", file=sys.stderr)
            return 2
        expected[name] = hexd.lower()
    sums = read_sums(args.source)
    try:
        for name in REQUIRED + OPTIONAL:
            want = expected.get(name) or sums.get(name) or PINNED.get((args.repo, name))
            dest = os.path.join(out, name)
            if os.path.exists(dest) and want and sha256_of(dest) == want:
                print(f"  {name}: present, checksum ok", file=sys.stderr)
                continue
            url = file_url(args.source, name, args.repo, args.revision)
            if not download(url, dest, name, want, name in OPTIONAL):
                print(f"  {name}: not in the repository (optional)", file=sys.stderr)
    except FetchError as e:
        print(f"fetch_model: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("fetch_model: interrupted", file=sys.stderr)
        return 130
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

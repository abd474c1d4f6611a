#!/usr/bin/python3
"""Reduced-precision accuracy: fp16 weights against fp32 on the same model. Hidden states
of every token must have cosine similarity >= 0.9999 with the fp32 ones, and fill-mask
must give the same top-5 ids."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from vkbert_testlib import have_device, supports_fp16

TEXTS = ["The capital of France is [MASK].", "[MASK] [MASK] and more masks, with punctuation!! [MASK]",
         "A somewhat longer sentence, so that the kernels cross their tile boundaries, with [MASK] in it."]


def run(vkbert, args):
    p = subprocess.run([vkbert] + args, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise SystemExit(f"vkbert {' '.join(args[:1])} failed: {p.stderr.strip()}")
    return p.stdout


def main():
    vkbert, model = sys.argv[1], sys.argv[2]
    if not have_device(vkbert):
        return 77
    if not supports_fp16(vkbert, model):
        print("SKIP: no fp16 path to compare")
        return 77
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for text in TEXTS:
            h = {}
            top = {}
            for p in ("fp32", "fp16"):
                path = os.path.join(tmp, p + ".npy")
                run(vkbert, ["encode", "-m", model, "--precision", p, "--hidden", path, text])
                h[p] = np.load(path).astype(np.float64)
                out = json.loads(run(vkbert, ["fill-mask", "-m", model, "--precision", p, "--json", text]))
                top[p] = [[q["id"] for q in m["predictions"]] for m in out["masks"]]
            a, b = h["fp32"], h["fp16"]
            cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
            print(f"  {text[:40]!r}: min cosine {cos.min():.7f}, max abs diff {np.abs(a - b).max():.2e}")
            if cos.min() < 0.9999:
                failures += 1
                print(f"FAIL: {text!r}: cosine {cos.min():.7f} < 0.9999", file=sys.stderr)
            if top["fp32"] != top["fp16"]:
                failures += 1
                print(f"FAIL: {text!r}: top-5 fp32 {top['fp32']} vs fp16 {top['fp16']}", file=sys.stderr)
    print(f"precision {os.path.basename(model)}: {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

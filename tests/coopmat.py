#!/usr/bin/python3
"""The cooperative-matrix matmul (VKBERT_MATMUL=coopmat: float16 operands, float32 accumulation)
against the device's default matmul in fp32, the fp16 accuracy bar: every token's hidden state
at cosine >= 0.9999 and the same fill-mask top-5 ids, with fp32 and with fp16 weights; sentence
embeddings of a padded batch (inputs of different lengths, one of a single word) at cosine >=
0.9999. Skipped, with the reason, where coopmat is not built or the device has no
VK_KHR_cooperative_matrix (the log's "coopmat not used: ..." line).
  coopmat.py VKBERT MLM_MODEL... --embed ST_MODEL..."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from vkbert_testlib import FAILURES, check, have_device

TEXTS = ["[MASK]", "The capital of France is [MASK].",
         "A somewhat longer sentence, so that the kernels cross their tile boundaries, with [MASK] in it, "
         "and [MASK] [MASK] more masks, punctuation!! and numbers 12345."]
SENTENCES = ["word", "A short sentence.", "Something a good deal longer than the others, so that the batch is "
             "padded: the sentences are sorted by length and share one encode.", "Two words", "A middle one, here."]


def run(vkbert, args, coop):
    env = dict(os.environ)
    env.pop("VKBERT_MATMUL", None)
    if coop:
        env["VKBERT_MATMUL"] = "coopmat"
    p = subprocess.run([vkbert] + args, capture_output=True, text=True, timeout=900, env=env)
    if p.returncode != 0:
        raise SystemExit(f"vkbert {' '.join(args)} failed: {p.stderr.strip()}")
    return p


def cosines(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)


def same_top5(ref, got):
    """The same top-5 ids in the same order per mask, but for ties: two ids may trade places
    where the reference gives them probabilities within 1e-3 of each other (relative), closer
    than float16 operands resolve (a random-weight model's near-flat distributions have them)."""
    if len(ref) != len(got):
        return False
    for r, g in zip(ref, got):
        rids, gids = list(r)[:5], list(g)[:5]
        for a, b in zip(rids, gids):
            if a != b and (b not in r or abs(r[a] - r[b]) > 1e-3 * r[a]):
                return False
        if rids != gids:
            print(f"    tie: {rids} vs {gids} (reference probabilities {[r[i] for i in rids]})")
    return True


def main():
    vkbert = sys.argv[1]
    rest = sys.argv[2:]
    split = rest.index("--embed") if "--embed" in rest else len(rest)
    mlm, st = rest[:split], rest[split + 1:]
    if not have_device(vkbert):
        return 77
    probe = run(vkbert, ["encode", "--verbose", "-m", mlm[0], "--json", "a"], True).stderr
    if "matmul variant coopmat not used" in probe:
        why = [l for l in probe.splitlines() if "coopmat not used" in l][0]
        print(f"SKIP: {why.split('not used: ', 1)[1]}")
        return 77
    check("matmul variant coopmat:" in probe, f"VKBERT_MATMUL=coopmat did not log the coopmat variant: {probe}")
    with tempfile.TemporaryDirectory() as tmp:
        for model in mlm:
            name = os.path.basename(model)
            for text in TEXTS:
                h, top = {}, {}
                for key, coop, prec in (("ref", False, "fp32"), ("coop32", True, "fp32"), ("coop16", True, "fp16")):
                    path = os.path.join(tmp, key + ".npy")
                    run(vkbert, ["encode", "-m", model, "--precision", prec, "--hidden", path, text], coop)
                    h[key] = np.load(path)
                    out = json.loads(run(vkbert, ["fill-mask", "-m", model, "--precision", prec, "--json",
                                              "--top-k", "10", text], coop).stdout)
                    top[key] = [{q["id"]: q["probability"] for q in m["predictions"]} for m in out["masks"]]
                for key in ("coop32", "coop16"):
                    cos = cosines(h["ref"], h[key])
                    print(f"  {name} {key} {text[:30]!r}: min cosine {cos.min():.7f}")
                    check(cos.min() >= 0.9999, f"{name} {key} {text!r}: cosine {cos.min():.7f} < 0.9999")
                    check(same_top5(top["ref"], top[key]), f"{name} {key} {text!r}: top-5 "
                          f"{[list(m)[:5] for m in top[key]]} vs {[list(m)[:5] for m in top['ref']]}")
        for model in st:
            name = os.path.basename(model)
            e = {}
            for key, coop in (("ref", False), ("coop", True)):
                path = os.path.join(tmp, key + ".npy")
                run(vkbert, ["embed", "-m", model, "--precision", "fp32", "-o", path] + SENTENCES, coop)
                e[key] = np.load(path)
            cos = cosines(e["ref"], e["coop"])
            print(f"  {name} embed: min cosine {cos.min():.7f} over {len(SENTENCES)} padded inputs")
            check(e["ref"].shape == e["coop"].shape and cos.min() >= 0.9999,
                  f"{name} embed: cosine {cos.min():.7f} < 0.9999")
    print(f"coopmat: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

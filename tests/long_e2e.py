#!/usr/bin/python3
"""Long inputs and local attention end to end: `vkbert encode --ids` against PyTorch
(model_tools/reference.py) on a rotary, local-window model (ModernBERT's layout), or any other
(JinaBERT's ALiBi).

The lengths cross the attention kernels' 64-query workgroups, their key blocks and the local
window (the model's local_attention, +-half): by default 127, 128, 129, 1000 and 8192 tokens, each
as one sequence (so no padding row can hide an error), ids drawn from the vocabulary with a fixed
seed. Asserts the hidden states (and, for a model with an MLM head, up to 129 tokens, the logits) within
--tol of PyTorch's (--tol-long past 1000 tokens; the median error within --tol-median at every
length), and no validation-layer message. PyTorch's eager attention holds the S x S scores, so
8192 tokens take it a few GiB and some seconds; the runtime keeps no S x S buffer.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from vkbert_testlib import FAILURES, check, have_device

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model_tools"))
import reference  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vkbert", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--lengths", default="127,128,129,1000,8192")
    ap.add_argument("--tol", type=float, default=1e-4)
    # Past 1000 tokens the global layers' softmaxes sum thousands of float32 terms: at 8192 tokens the
    # runtime's largest error was 1.9e-4 (median 1e-5) against float64 PyTorch, float32 PyTorch's
    # own 3.5e-5; a window off by one key gives errors of 1e-2 and more.
    ap.add_argument("--tol-long", type=float, default=5e-4)
    ap.add_argument("--tol-median", type=float, default=2e-5)
    # a line vkbert --verbose must log at every length (the FFN's token slices under a small binding)
    ap.add_argument("--expect-log")
    args = ap.parse_args()
    if not have_device(args.vkbert):
        return 77
    with open(os.path.join(args.model, "config.json")) as f:
        cfg = json.load(f)
    rng = np.random.default_rng(7)
    for_logits = 129  # the logits of longer inputs are GiBs ([tokens, vocab] floats): hidden states only
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.lengths.split(",")):
            # ordinary tokens (ModernBERT's special ones sit above 50000), between [CLS] and [SEP]
            # (BERT's 101 and 102 in a config without cls_token_id: JinaBERT's)
            body = [int(i) for i in rng.integers(1000, min(cfg["vocab_size"], 50000), n - 2)]
            bert = "cls_token_id" not in cfg and cfg["vocab_size"] < 50281
            ids = [cfg.get("cls_token_id", 101 if bert else 50281)] + body + [cfg.get("sep_token_id", 102 if bert else 50282)]
            hpath, lpath = os.path.join(tmp, "h.npy"), os.path.join(tmp, "l.npy")
            ref_h, ref_l, _ = reference.run(args.model, [ids])
            if n > for_logits:
                ref_l = None
            cmd = [args.vkbert, "encode", "-m", args.model, "--hidden", hpath, "--ids", ",".join(map(str, ids))]
            if ref_l is not None:
                cmd += ["--logits", lpath]
            if args.expect_log:
                cmd += ["--verbose"]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            check(p.returncode == 0, f"{n} tokens: vkbert encode exited {p.returncode}: {p.stderr.strip()[:500]}")
            check("alidation" not in p.stderr and "VUID" not in p.stderr, f"{n} tokens: {p.stderr.strip()[:500]}")
            if args.expect_log:
                check(args.expect_log in p.stderr, f"{n} tokens: no {args.expect_log!r} in vkbert's log")
            if p.returncode:
                continue
            h = np.load(hpath)
            check(h.shape == ref_h[0].shape, f"{n} tokens: hidden shape {h.shape} vs {ref_h[0].shape}")
            if h.shape != ref_h[0].shape:
                continue
            err = np.abs(h - ref_h[0]).max(axis=1)
            worst = int(err.argmax())
            msg = f"{n} tokens: hidden max abs err {err.max():.2e} (position {worst})"
            if ref_l is not None:
                lg = np.load(lpath)
                el = float(np.abs(lg - ref_l[0]).max()) if lg.shape == ref_l[0].shape else float("inf")
                msg += f", logits {el:.2e}"
                check(el <= args.tol * 10, f"{n} tokens: logits differ from PyTorch by {el:.3g}")
            print("  " + msg + f", median {float(np.median(err)):.2e}")
            check(err.max() <= (args.tol if n <= 1000 else args.tol_long), msg)
            check(float(np.median(err)) <= args.tol_median, f"{n} tokens: median error {float(np.median(err)):.3g}")
    print(f"long_e2e {os.path.basename(args.model)}: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

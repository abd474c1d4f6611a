#!/usr/bin/python3
"""vkbert-kit-check (model_tools/kit_check.c), the GPU kit's checker, on cases made here: each bar
of tests/e2e.py and tests/embed_e2e.py it enforces must fail when crossed and pass when not, its
input errors must name the file, and its records and summary must say what happened.

    test_kit_check.py path/to/vkbert-kit-check SCRATCH
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np

from vkbert_testlib import FAILURES, check

TOOL = sys.argv[1]
SCRATCH = os.path.join(sys.argv[2], "kit_check")
V = 300  # vocabulary of the made-up logits


def run(*args, stdin=None):
    p = subprocess.run([TOOL] + list(args), capture_output=True, text=True, input=stdin, timeout=60)
    return p.returncode, p.stdout, p.stderr


def verdict(*args):
    rc, out, err = run(*args)
    try:
        rec = json.loads(out)
    except json.JSONDecodeError:
        check(False, f"{args}: not one JSON record: {out!r} {err!r}")
        return rc, {}
    check((rc == 0) == (rec.get("status") == "PASS"), f"{args}: exit {rc} but status {rec.get('status')}")
    return rc, rec


def make_case(d, rng, masks=(1, 4)):
    """A case as kit_references.py writes one, and a run equal to it."""
    ids = [101, 103, 2000, 2001, 103, 102]
    hidden = rng.standard_normal((len(ids), 8)).astype(np.float32)
    logits = rng.standard_normal((len(ids), V)).astype(np.float32)
    c, r = os.path.join(d, "case"), os.path.join(d, "run")
    os.makedirs(c)
    os.makedirs(r)
    rows = list(masks)
    np.save(os.path.join(c, "hidden.npy"), hidden)
    np.save(os.path.join(c, "logits_rows.npy"), logits[rows])
    json.dump({"ids": ids, "types": [0] * len(ids), "mask_rows": rows, "has_head": True, "tol_hidden": 1e-4,
               "tol_logits": 1e-4}, open(os.path.join(c, "case.json"), "w"))
    json.dump({"input_ids": ids, "token_type_ids": [0] * len(ids)}, open(os.path.join(r, "tokenize.json"), "w"))
    np.save(os.path.join(r, "hidden.npy"), hidden)
    np.save(os.path.join(r, "logits.npy"), logits)
    write_fill_mask(r, logits, rows)
    return c, r, hidden, logits


def write_fill_mask(r, logits, rows, swap=(), prob_scale=1.0):
    """fill-mask's JSON as PyTorch's logits give it; the top two swapped at the rows in swap."""
    masks = []
    for p in rows:
        row = logits[p].astype(np.float64)
        prob = np.exp(row - row.max())
        prob /= prob.sum()
        top = list(np.argsort(-row, kind="stable")[:5])
        if p in swap:
            top[0], top[1] = top[1], top[0]
        masks.append({"position": p, "predictions": [{"id": int(i), "probability": float(prob[i]) * prob_scale}
                                                     for i in top]})
    json.dump({"masks": masks}, open(os.path.join(r, "fillmask.json"), "w"))


def test_mlm(rng):
    d = os.path.join(SCRATCH, "mlm")
    c, r, hidden, logits = make_case(d, rng)
    rc, rec = verdict("mlm", c, r, "--case", "x/0", "--group", "fp32")
    check(rc == 0, f"an exact copy fails: {rec}")
    check(rec.get("case") == "x/0" and rec.get("group") == "fp32" and rec.get("kit_item") == "e2e",
          f"the shell's fields are not in the record: {rec}")

    np.save(os.path.join(r, "hidden.npy"), hidden + np.float32(2e-4))  # over 1e-4, cosine still ~1
    rc, rec = verdict("mlm", c, r)
    check(rc == 1 and "hidden states differ from PyTorch by 0.0002" in rec.get("detail", ""),
          f"hidden states 2e-4 off pass: {rec}")
    rc, rec = verdict("mlm", c, r, "--min-cosine", "0.9999")
    check(rc == 0, f"reduced precision: hidden states 2e-4 off (cosine ~1) fail the cosine bar: {rec}")
    np.save(os.path.join(r, "hidden.npy"), hidden + np.float32(5e-5))
    check(verdict("mlm", c, r)[0] == 0, "hidden states 5e-5 off fail a 1e-4 tolerance")
    bent = hidden.copy()
    bent[2] = -bent[2]  # one token's state reversed: cosine -1
    np.save(os.path.join(r, "hidden.npy"), bent)
    rc, rec = verdict("mlm", c, r, "--min-cosine", "0.9999")
    check(rc == 1 and "cosine" in rec.get("detail", ""), f"a reversed row passes the cosine bar: {rec}")
    np.save(os.path.join(r, "hidden.npy"), hidden[:-1])
    rc, rec = verdict("mlm", c, r)
    check(rc == 1 and "shape (5, 8)" in rec.get("detail", ""), f"a missing token passes: {rec}")
    np.save(os.path.join(r, "hidden.npy"), hidden)

    wrong = logits.copy()
    wrong[4, 7] += 1e-3  # at a mask row
    np.save(os.path.join(r, "logits.npy"), wrong)
    rc, rec = verdict("mlm", c, r)
    check(rc == 1 and "logits at the masks differ" in rec.get("detail", ""), f"logits 1e-3 off pass: {rec}")
    wrong = logits.copy()
    wrong[2] += 1.0  # not a mask row: the kit carries only the mask rows' references
    np.save(os.path.join(r, "logits.npy"), wrong)
    check(verdict("mlm", c, r)[0] == 0, "a row the kit has no reference for is judged")
    np.save(os.path.join(r, "logits.npy"), logits)

    write_fill_mask(r, logits, [1, 4], swap=(4,))
    rc, rec = verdict("mlm", c, r, "--min-cosine", "0.9999")
    check(rc == 1 and "rank 0" in rec.get("detail", ""), f"swapped top-2 passes (reduced precision too): {rec}")
    write_fill_mask(r, logits, [1, 4], prob_scale=1.01)
    rc, rec = verdict("mlm", c, r)
    check(rc == 1 and "probability" in rec.get("detail", ""), f"probabilities 1% off pass: {rec}")
    check(verdict("mlm", c, r, "--min-cosine", "0.9999")[0] == 0, "reduced precision judges probabilities")
    write_fill_mask(r, logits, [1])
    rc, rec = verdict("mlm", c, r)
    check(rc == 1 and "1 masks, want 2" in rec.get("detail", ""), f"a missing mask passes: {rec}")
    write_fill_mask(r, logits, [1, 4])

    # an exact tie in PyTorch's logits may come out either way round
    d2 = os.path.join(SCRATCH, "tie")
    c2, r2, _, tied = make_case(d2, rng)
    top = np.argsort(-tied[1].astype(np.float64), kind="stable")[:2]
    tied[1, top[1]] = tied[1, top[0]]
    np.save(os.path.join(c2, "logits_rows.npy"), tied[[1, 4]])
    np.save(os.path.join(r2, "logits.npy"), tied)
    write_fill_mask(r2, tied, [1, 4], swap=(1,))
    check(verdict("mlm", c2, r2)[0] == 0, "a tie in PyTorch's logits, swapped, fails")

    # reduced precision: a swap of two ids closer in PyTorch's logits than twice the run's logits
    # error at that row is what that error explains; a wider one is not
    d3 = os.path.join(SCRATCH, "near")
    c3, r3, _, near = make_case(d3, rng)
    top = np.argsort(-near[4].astype(np.float64), kind="stable")[:2]
    near[4, top[1]] = near[4, top[0]] - np.float32(1e-4)
    np.save(os.path.join(c3, "logits_rows.npy"), near[[1, 4]])
    write_fill_mask(r3, near, [1, 4], swap=(4,))
    run_logits = near.copy()
    run_logits[4, 0] += np.float32(1e-4)  # the run's error at that row: 1e-4 > half the gap
    np.save(os.path.join(r3, "logits.npy"), run_logits)
    check(verdict("mlm", c3, r3, "--min-cosine", "0.9999")[0] == 0, "a swap within the logits error fails")
    rc, rec = verdict("mlm", c3, r3)
    check(rc == 1 and "rank 0" in rec.get("detail", ""), f"fp32: a swap 1e-4 apart passes: {rec}")
    run_logits[4, 0] = near[4, 0] + np.float32(2e-5)  # error 2e-5: twice is under the 1e-4 gap
    np.save(os.path.join(r3, "logits.npy"), run_logits)
    rc, rec = verdict("mlm", c3, r3, "--min-cosine", "0.9999")
    check(rc == 1 and "rank 0" in rec.get("detail", ""), f"a swap wider than the logits error passes: {rec}")

    json.dump({"input_ids": [101, 102], "token_type_ids": [0, 0]}, open(os.path.join(r, "tokenize.json"), "w"))
    rc, rec = verdict("mlm", c, r)
    check(rc == 1 and "vkbert tokenize gives 2 ids" in rec.get("detail", ""), f"other ids pass: {rec}")
    json.dump({"input_ids": [101, 103, 2000, 2001, 103, 102], "token_type_ids": [0, 0, 0, 1, 1, 1]},
              open(os.path.join(r, "tokenize.json"), "w"))
    rc, rec = verdict("mlm", c, r)
    check(rc == 1 and "token types" in rec.get("detail", ""), f"other token types pass: {rec}")


def test_bad_files(rng):
    d = os.path.join(SCRATCH, "bad")
    c, r, hidden, _ = make_case(d, rng)
    path = os.path.join(r, "hidden.npy")
    np.save(path, hidden.astype(np.float64))
    rc, rec = verdict("mlm", c, r)
    check(rc == 1 and "hidden.npy: want little-endian float32" in rec.get("detail", ""), f"float64: {rec}")
    np.save(path, hidden)
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-3])
    rc, rec = verdict("mlm", c, r)
    check(rc == 1 and "data bytes for shape (6, 8)" in rec.get("detail", ""), f"a truncated file: {rec}")
    open(path, "wb").write(b"not numpy at all")
    rc, rec = verdict("mlm", c, r)
    check(rc == 1 and "is not a .npy file" in rec.get("detail", ""), f"not a .npy: {rec}")
    os.remove(path)
    rc, rec = verdict("mlm", c, r)
    check(rc == 1 and "cannot open" in rec.get("detail", "") and "hidden.npy" in rec.get("detail", ""),
          f"a missing file: {rec}")
    os.remove(os.path.join(c, "case.json"))
    rc, rec = verdict("mlm", c, r)
    check(rc == 1 and "case.json" in rec.get("detail", ""), f"no case.json: {rec}")
    rc, _, err = run("mlm", c, r, "--min-cosine", "2")
    check(rc == 2 and "--min-cosine" in err, f"--min-cosine 2 accepted: {rc} {err!r}")


def test_embed(rng):
    d = os.path.join(SCRATCH, "embed")
    c, r = os.path.join(d, "case"), os.path.join(d, "run")
    os.makedirs(c)
    os.makedirs(r)
    e = rng.standard_normal((4, 16)).astype(np.float32)
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    np.save(os.path.join(c, "embeddings.npy"), e)
    json.dump({"tol_abs": 1e-4, "min_cosine": 0.99999}, open(os.path.join(c, "case.json"), "w"))
    np.save(os.path.join(r, "embeddings.npy"), e)
    check(verdict("embed", c, r)[0] == 0, "equal embeddings fail")
    off = e.copy()
    off[2, 5] += 2e-4
    np.save(os.path.join(r, "embeddings.npy"), off)
    rc, rec = verdict("embed", c, r)
    check(rc == 1 and "row 2: max abs difference" in rec.get("detail", ""), f"an embedding 2e-4 off passes: {rec}")
    check(verdict("embed", c, r, "--min-cosine", "0.9999")[0] == 0, "reduced precision bounds abs errors")
    np.save(os.path.join(r, "embeddings.npy"), e[:3])
    rc, rec = verdict("embed", c, r)
    check(rc == 1 and "shape (3, 16)" in rec.get("detail", ""), f"a missing row passes: {rec}")


def test_records():
    rc, out, _ = run("record", "--kit_item", "suite", "--detail", 'a "quoted"\nline\\ with \x01 control')
    rec = json.loads(out)
    check(rc == 0 and rec["detail"] == 'a "quoted"\nline\\ with \x01 control', f"record escaping: {out!r}")
    lines = '{"device":"d","x":{"y":[1,2]}}\nnot json\n{"a":1}\n'
    rc, out, err = run("tag", "--kit_item", "bench", "--kit_cache", "cold", stdin=lines)
    got = [json.loads(line) for line in out.splitlines()]
    check(rc == 0 and len(got) == 2 and all(g["kit_item"] == "bench" and g["kit_cache"] == "cold" for g in got)
          and "1 lines were not JSON" in err, f"tag: {out!r} {err!r}")
    rc, out, _ = run("get", "x.y.1", stdin=lines)
    check(out == "2\n\n", f"get x.y.1: {out!r}")


def test_summary():
    path = os.path.join(SCRATCH, "records.jsonl")
    base = {"device": "GPU X", "batch": 1, "seq": 128, "model": "bert-base", "precision": "fp32",
            "kernel_variant": "tiled", "pipeline_cold_ms": 50.0}
    recs = [
        {"kit_item": "run_start", "mode": "full", "kit": "vkbert test"},
        {"kit_item": "devices", "status": "PASS", "detail": "1 device(s)", "device": "0: GPU X"},
        {"kit_item": "peak", "status": "PASS", "detail": "p", "device": "GPU X", "peak_gflops_fp32": 1000.0,
         "peak_gflops_fp16": None, "bandwidth_gbs": 100.0},
        {"kit_item": "suite", "group": "gpu", "case": "test_a", "status": "PASS", "detail": "ok"},
        {"kit_item": "suite", "group": "gpu", "case": "test_b", "status": "FAIL", "detail": "3 checks, 1 failed"},
        {"kit_item": "e2e", "group": "coopmat", "status": "SKIP", "detail": "coopmat: not available on this device"},
        dict(base, kit_item="bench", kit_variant="fp32", kit_cache="cold", tokens_per_s=1000.0, gflops=250.0,
             ms_median=128.0),
        dict(base, kit_item="bench", kit_variant="fp32", kit_cache="warm", tokens_per_s=1100.0, gflops=275.0,
             ms_median=116.0, pipeline_cold_ms=5.0),
        dict(base, kit_item="bench", kit_variant="coopmat", kit_cache="cold", tokens_per_s=9.0, gflops=1.0,
             ms_median=1.0),
        {"kit_item": "bench_variant", "kit_variant": "coopmat", "status": "SKIP",
         "detail": "coopmat: not available on this device (ran tiled)"},
        {"kit_item": "torch_peer", "status": "PASS", "dtype": "fp32", "shape": "b1 x s128", "tokens_per_s": 500.0,
         "ms_median": 256.0, "torch": "2.1", "torch_device": "GPU X", "impl": "eager"},
        {"kit_item": "run_end", "elapsed_s": 100, "budget_s": 480},
    ]
    with open(path, "w") as f:
        f.write("".join(json.dumps(r) + "\n" for r in recs))
    rc, out, _ = run("summary", path)
    print(out)
    check(rc == 1 and "result: FAIL" in out, f"a failed suite: summary exit {rc}")
    check("suite gpu" in out and "1/2 passed" in out and "test_b: 3 checks, 1 failed" in out,
          "the failing suite is not named")
    row = next((line for line in out.splitlines() if line.startswith("b1 x s128")), "")
    check("1100 27.5% 116.00ms" in row, f"the fp32 cell (the faster run, % of the 1000 GFLOP/s peak): {row!r}")
    check("not available" in row and "9 " not in row, f"the coopmat cell shows the fallback's figures: {row!r}")
    check("cold 50, warm 5" in out, "pipeline ms cold/warm")
    check("coopmat: not available on this device (ran tiled)" in out, "no coopmat note")
    check("cold 50, warm 0" not in out, "the coopmat column shows the fallback's pipelines")
    check("vkbert fp32: 2.20x" in out, "vkbert against the peer")
    with open(path, "w") as f:
        f.write("".join(json.dumps(r) + "\n" for r in recs if r.get("status") != "FAIL"))
    rc, out, _ = run("summary", path)
    check(rc == 0 and "result: PASS" in out, f"no failure: summary exit {rc}, {out[-200:]!r}")
    with open(path, "w") as f:
        f.write(json.dumps({"kit_item": "suite", "group": "gpu", "case": "t", "status": "TIMEOUT", "detail": "x"}) + "\n")
    rc, out, _ = run("summary", path)
    check(rc == 3 and "result: INCOMPLETE" in out, f"a timeout: summary exit {rc}")


def main():
    shutil.rmtree(SCRATCH, ignore_errors=True)
    os.makedirs(SCRATCH)
    rng = np.random.default_rng(5)
    test_mlm(rng)
    test_bad_files(rng)
    test_embed(rng)
    test_records()
    test_summary()
    print(f"test_kit_check: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

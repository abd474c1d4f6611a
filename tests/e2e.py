#!/usr/bin/python3
"""End to end: the vkbert CLI against PyTorch (model_tools/reference.py) on the same weights.

For each text: `vkbert tokenize --json` gives the ids; `vkbert encode` writes hidden states
and logits; `vkbert fill-mask --json` gives top-k. PyTorch computes the same from the ids.
Asserts: hidden states within --tol-hidden max abs, logits within --tol-logits max abs,
top-k ids equal to PyTorch's (a swap is accepted only for an exact tie in PyTorch's own
logits), probabilities within 1e-3 relative, and no validation-layer message.

BERT and DistilBERT alike (reference.py reads the family from config.json). DistilBERT has no
token types: PyTorch gets none, whatever the tokenizer says for a pair, so the runtime must
ignore them too. A model without an MLM head (PyTorch gives no logits): hidden states only.

ALBERT and ELECTRA read their texts as BERT does (their test models carry BERT's vocab.txt, token
types included); reference.py runs AlbertForMaskedLM and ElectraForMaskedLM.

The RoBERTa family (roberta, xlm-roberta, camembert) has one token type and its own tokenizers
(byte-level BPE, Unigram). A test model with a tokenizer.json (roberta-tiny-bpe: roberta-base's;
xlmr-tiny, camembert-tiny: the derived XLM-R-like Unigram one) takes the texts themselves, with
the tokenizer's own mask token (`<mask>`) in place of [MASK]; one that carries BERT's WordPiece
vocab.txt as a stand-in takes its ids through `--ids` (the pair's as one sequence, every type 0).
The longest input (max_position_embeddings - padding_idx - 1) is checked: one more token is an
error, and cut with --truncate.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

from vkbert_testlib import FAILURES, check, have_device

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model_tools"))
import reference  # noqa: E402


def run_cli(vkbert, args):
    """vkbert's stdout, or None (a failure recorded) when it exits non-zero."""
    p = subprocess.run([vkbert] + args, capture_output=True, text=True, timeout=600)
    check(p.returncode == 0, f"vkbert {' '.join(args[:2])}... exited {p.returncode}: {p.stderr.strip()}")
    check("alidation" not in p.stderr and "VUID" not in p.stderr,
          f"validation message from vkbert {args[0]}: {p.stderr.strip()[:500]}")
    return p.stdout if p.returncode == 0 else None


def text_args(text):
    return [] if text is None else [text]


def check_longest(vkbert, model, cfg, tmp):
    """RoBERTa: max_position_embeddings - pad_token_id - 1 tokens fit; one more is an error, cut by --truncate."""
    longest = cfg["max_position_embeddings"] - cfg.get("pad_token_id", 1) - 1
    ids = [0] + [1000 + i for i in range(longest - 2)] + [2]
    hidden_path = os.path.join(tmp, "long.npy")
    if run_cli(vkbert, ["encode", "-m", model, "--hidden", hidden_path, "--ids", ",".join(map(str, ids))]) is None:
        return
    ref_hidden, _, _ = reference.run(model, [ids])
    eh = float(np.abs(np.load(hidden_path) - ref_hidden[0]).max())
    print(f"  {longest} tokens (the longest input): hidden max abs err {eh:.2e}")
    check(eh <= 1e-3, f"the longest input: hidden states differ from PyTorch by {eh:.3g}")
    over = ",".join(map(str, ids[:-1] + [1500, 2]))
    p = subprocess.run([vkbert, "encode", "-m", model, "--hidden", hidden_path, "--ids", over], capture_output=True,
                       text=True, timeout=600)
    check(p.returncode == 1 and f"the model allows {longest}" in p.stderr,
          f"{longest + 1} tokens: exit {p.returncode}, {p.stderr.strip()[:300]}")
    p = subprocess.run([vkbert, "encode", "-m", model, "--hidden", hidden_path, "--truncate", "--ids", over],
                       capture_output=True, text=True, timeout=600)
    check(p.returncode == 0 and np.load(hidden_path).shape[0] == longest,
          f"{longest + 1} tokens with --truncate: exit {p.returncode}, {p.stderr.strip()[:300]}")


def compare_text(vkbert, model, text, pair, args, tmp):
    extra = ["--pair", pair] if pair else []
    out = run_cli(vkbert, ["tokenize", "-m", model, "--json", text] + extra)
    if out is None:
        return
    tok = json.loads(out)
    ids = tok["input_ids"]
    types = None if args.distil or args.roberta else tok["token_type_ids"]
    label = text
    if args.roberta and not args.own_tokenizer:  # the ids themselves, not the stand-in tokenizer's pair types
        text, extra = None, ["--ids", ",".join(map(str, ids))]
    ref_hidden, ref_logits, _ = reference.run(model, [ids], None if types is None else [types])
    hidden_path, logits_path = os.path.join(tmp, "h.npy"), os.path.join(tmp, "l.npy")
    if ref_logits is None:  # no MLM head: hidden states only
        if run_cli(vkbert, ["encode", "-m", model, "--hidden", hidden_path] + text_args(text) + extra) is None:
            return
        hidden = np.load(hidden_path)
        check(hidden.shape == ref_hidden[0].shape, f"hidden shape {hidden.shape} vs {ref_hidden[0].shape}")
        if hidden.shape == ref_hidden[0].shape:
            eh = float(np.abs(hidden - ref_hidden[0]).max())
            print(f"  {label[:40]!r}: {len(ids)} tokens, hidden max abs err {eh:.2e} (no MLM head)")
            check(eh <= args.tol_hidden, f"{label!r}: hidden states differ from PyTorch by {eh:.3g}")
        return
    if run_cli(vkbert, ["encode", "-m", model, "--hidden", hidden_path, "--logits", logits_path] + text_args(text)
               + extra) is None:
        return
    hidden, logits = np.load(hidden_path), np.load(logits_path)
    ref_hidden, ref_logits = ref_hidden[0], ref_logits[0]
    check(hidden.shape == ref_hidden.shape, f"hidden shape {hidden.shape} vs {ref_hidden.shape}")
    check(logits.shape == ref_logits.shape, f"logits shape {logits.shape} vs {ref_logits.shape}")
    if hidden.shape == ref_hidden.shape and logits.shape == ref_logits.shape:
        eh = float(np.abs(hidden - ref_hidden).max())
        el = float(np.abs(logits - ref_logits).max())
        print(f"  {label[:40]!r}: {len(ids)} tokens, hidden max abs err {eh:.2e}, logits max abs err {el:.2e}")
        check(eh <= args.tol_hidden, f"{label!r}: hidden states differ from PyTorch by {eh:.3g}")
        check(el <= args.tol_logits, f"{label!r}: logits differ from PyTorch by {el:.3g}")
    mask_id = args.mask_id
    if mask_id not in ids:
        return
    out = run_cli(vkbert, ["fill-mask", "-m", model, "--json", "-k", "5"] + text_args(text) + extra)
    if out is None:
        return
    out = json.loads(out)
    masks = [p for p, i in enumerate(ids) if i == mask_id]
    check([m["position"] for m in out["masks"]] == masks, f"mask positions {out['masks']} vs {masks}")
    for m in out["masks"]:
        row = ref_logits[m["position"]].astype(np.float64)
        prob = np.exp(row - row.max())
        prob /= prob.sum()
        want = list(np.argsort(-row, kind="stable")[:5])
        got = [p["id"] for p in m["predictions"]]
        for rank, (g, w) in enumerate(zip(got, want)):
            if g != w:
                tie = abs(row[g] - row[w]) <= 1e-7 * max(1.0, abs(row[w]))
                check(tie, f"{label!r} mask {m['position']} rank {rank}: id {g}, PyTorch {w} "
                           f"(logits {row[g]:.7g} vs {row[w]:.7g})")
        for p in m["predictions"]:
            rel = abs(p["probability"] - prob[p["id"]]) / prob[p["id"]]
            check(rel <= 1e-3, f"{label!r}: probability of {p['id']} {p['probability']:.6g} vs {prob[p['id']]:.6g}")
        check(len(got) == 5, f"{len(got)} predictions")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vkbert", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--tol-hidden", type=float, default=1e-3)
    ap.add_argument("--tol-logits", type=float, default=1e-3)
    ap.add_argument("--quick", action="store_true", help="one text only (large models)")
    ap.add_argument("--expect-log", action="append", default=[],
                    help="a regular expression that `vkbert encode --verbose` must log (e.g. that a tensor was split)")
    args = ap.parse_args()
    with open(os.path.join(args.model, "config.json")) as f:
        cfg = json.load(f)
    args.distil = reference.family(cfg) == "distilbert"
    args.roberta = reference.family(cfg) == "roberta"
    if not have_device(args.vkbert):
        return 77
    tj = os.path.join(args.model, "tokenizer.json")
    args.own_tokenizer = os.path.exists(tj)
    mask, mask_id = "[MASK]", None
    if args.own_tokenizer:  # its own mask token, an added special token
        with open(tj, encoding="utf-8") as f:
            added = json.load(f).get("added_tokens", [])
        found = [a for a in added if a.get("special") and a["content"] in ("<mask>", "[MASK]")]
        check(len(found) == 1, f"{tj}: no mask token among its added tokens")
        if found:
            mask, mask_id = found[0]["content"], found[0]["id"]
    out = run_cli(args.vkbert, ["tokenize", "-m", args.model, "--json", mask])
    args.mask_id = json.loads(out)["input_ids"][1] if out else 103  # the tokenizer's own mask token
    if mask_id is not None:
        check(args.mask_id == mask_id, f"{mask} tokenizes to {args.mask_id}, not its id {mask_id}")
    texts = [("The capital of France is [MASK].", None)]
    if not args.quick:
        texts += [
            ("Paris is the largest city of France.", "The capital of France is [MASK]."),
            ("[MASK] [MASK] and more masks, with punctuation!! [MASK]", None),
            ("Café naïve résumé: a somewhat longer sentence, to cross a tile boundary of the kernels "
             "and exercise [MASK] positions past the first few.", None),
        ]
    cased = False
    tc = os.path.join(args.model, "tokenizer_config.json")
    if os.path.exists(tc):
        with open(tc) as f:
            cased = json.load(f).get("do_lower_case", True) is False
    if cased:  # the model's tokenizer_config.json keeps case and accents; Chinese characters split
        out = run_cli(args.vkbert, ["tokenize", "-m", args.model, "--json", "Café 北京"])
        toks = json.loads(out)["tokens"] if out else []
        check(toks[1:2] == ["Café"] and "北" in toks and "京" in toks, f"cased tokenization: {toks}")
    if cased and not args.quick:  # a cased multilingual vocabulary: accents, capitals, CJK split per character
        texts += [("Die Hauptstadt von Frankreich ist [MASK]. Ça coûte 5 €, señor!", None),
                  ("北京是中国的[MASK]都。東京は日本の首都です。", "Москва — столица России.")]
    texts = [(t.replace("[MASK]", mask), p and p.replace("[MASK]", mask)) for t, p in texts]
    with tempfile.TemporaryDirectory() as tmp:
        if args.expect_log:
            p = subprocess.run([args.vkbert, "encode", "--verbose", "--logits", os.path.join(tmp, "l.npy"), "-m",
                                args.model, texts[0][0]], capture_output=True, text=True, timeout=600)
            for pattern in args.expect_log:
                check(p.returncode == 0 and re.search(pattern, p.stderr) is not None,
                      f"vkbert encode --verbose did not log /{pattern}/: exit {p.returncode}, {p.stderr.strip()[:500]}")
        for text, pair in texts:
            compare_text(args.vkbert, args.model, text, pair, args, tmp)
        if args.roberta and not args.quick:
            check_longest(args.vkbert, args.model, cfg, tmp)
    print(f"e2e {os.path.basename(args.model)}: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

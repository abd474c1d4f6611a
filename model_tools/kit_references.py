#!/usr/bin/python3
"""The GPU kit's reference outputs (scripts/gpu-kit.sh runs this when it makes the kit).

For each model, the texts tests/e2e.py and tests/embed_e2e.py use are tokenized by `vkbert
tokenize --json` (as those tests do) and run through the PyTorch references on the same
weights: model_tools/reference.py (BertForMaskedLM, DistilBertForMaskedLM) and
model_tools/reference_st.py (sentence-transformers' pooling, Dense, Normalize). The kit's
checker (model_tools/kit_check.c) later compares what the CLI computes on the target with these,
without Python.

One folder per case under OUT:
  mlm/MODEL/K/    text, pair (when the case has one), case.json (ids, token types or null,
                  mask rows, has_head, tol_hidden, tol_logits), hidden.npy [tokens, hidden],
                  logits_rows.npy [mask rows, vocab]: the logits at the [MASK] rows only (whole
                  logits, [tokens, 30522] per text, would not fit the kit's 64 MiB)
  embed/MODEL/    texts.txt (one per line), case.json (tolerances), embeddings.npy [texts, dim]

    kit_references.py --vkbert build/vkbert --models DIR --out OUT --mlm tiny,tiny-odd \
        [--mlm-quick bert-base-random] [--embed st-minilm,st-bge]
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402
import reference_st  # noqa: E402

# tests/e2e.py's texts (its --quick takes the first only)
MLM_TEXTS = [
    ("The capital of France is [MASK].", None),
    ("Paris is the largest city of France.", "The capital of France is [MASK]."),
    ("[MASK] [MASK] and more masks, with punctuation!! [MASK]", None),
    ("Café naïve résumé: a somewhat longer sentence, to cross a tile boundary of the kernels "
     "and exercise [MASK] positions past the first few.", None),
]
# tests/embed_e2e.py's
EMBED_TEXTS = [
    "Hello world!",
    "The quick brown fox jumps over the lazy dog.",
    "a",
    "Sentence embeddings pool the final hidden states of an encoder into one vector per text, "
    "with or without a dense layer and normalisation.",
    "Ünïcode ÉCOLE café, naïve résumé.",
    "What is the capital of France?",
]
MASK_ID = 103


def tokenize(vkbert, model, text, pair=None):
    args = [vkbert, "tokenize", "-m", model, "--json"] + (["--pair", pair] if pair is not None else []) + ["--", text]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit(f"kit_references: vkbert tokenize failed on {text!r}: {p.stderr.strip()}")
    out = json.loads(p.stdout)
    return out["input_ids"], out["token_type_ids"]


def write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def mlm_cases(vkbert, models, out, name, texts, tol):
    model = os.path.join(models, name)
    with open(os.path.join(model, "config.json")) as f:
        distil = reference.family(json.load(f)) == "distilbert"
    for k, (text, pair) in enumerate(texts):
        ids, types = tokenize(vkbert, model, text, pair)
        types = None if distil else types  # DistilBERT takes none, as tests/e2e.py gives it none
        hidden, logits, _ = reference.run(model, [ids], None if types is None else [types])
        rows = [p for p, i in enumerate(ids) if i == MASK_ID] if logits is not None else []
        d = os.path.join(out, "mlm", name, str(k))
        os.makedirs(d, exist_ok=True)
        write_text(os.path.join(d, "text"), text)
        if pair is not None:
            write_text(os.path.join(d, "pair"), pair)
        np.save(os.path.join(d, "hidden.npy"), np.ascontiguousarray(hidden[0], dtype=np.float32))
        if logits is not None:
            np.save(os.path.join(d, "logits_rows.npy"), np.ascontiguousarray(logits[0][rows], dtype=np.float32))
        case = {"model": name, "text": text, "pair": pair, "ids": ids, "types": types, "mask_rows": rows,
                "has_head": logits is not None, "tol_hidden": tol, "tol_logits": tol,
                "reference": f"model_tools/reference.py, torch {torch.__version__}, float32"}
        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump(case, f, ensure_ascii=False)
        print(f"  mlm {name}/{k}: {len(ids)} tokens, {len(rows)} mask rows")


def embed_case(vkbert, models, out, name):
    model = os.path.join(models, name)
    layout = reference_st.load_layout(model)
    seqs = []
    for t in EMBED_TEXTS:
        ids, _ = tokenize(vkbert, model, reference_st.st_text(layout, t))
        ids, _, _ = reference_st.truncate(ids, None, layout["max_seq_length"], "right")
        seqs.append(ids)
    want = reference_st.embed(model, seqs, [0] * len(seqs), layout=layout)
    d = os.path.join(out, "embed", name)
    os.makedirs(d, exist_ok=True)
    write_text(os.path.join(d, "texts.txt"), "".join(t + "\n" for t in EMBED_TEXTS))
    np.save(os.path.join(d, "embeddings.npy"), np.ascontiguousarray(want, dtype=np.float32))
    case = {"model": name, "tol_abs": 1e-4, "min_cosine": 0.99999,
            "reference": f"model_tools/reference_st.py, torch {torch.__version__}, float32"}
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(case, f)
    print(f"  embed {name}: {want.shape[0]} x {want.shape[1]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vkbert", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mlm", default="", help="models with every text of tests/e2e.py (tolerance 1e-4)")
    ap.add_argument("--mlm-quick", default="", help="models with its first text only (tolerance 1e-3: bert-base's shape)")
    ap.add_argument("--embed", default="", help="sentence-transformers models")
    args = ap.parse_args()
    for name in filter(None, args.mlm.split(",")):
        mlm_cases(args.vkbert, args.models, args.out, name, MLM_TEXTS, 1e-4)
    for name in filter(None, args.mlm_quick.split(",")):
        mlm_cases(args.vkbert, args.models, args.out, name, MLM_TEXTS[:1], 1e-3)
    for name in filter(None, args.embed.split(",")):
        embed_case(args.vkbert, args.models, args.out, name)


if __name__ == "__main__":
    main()

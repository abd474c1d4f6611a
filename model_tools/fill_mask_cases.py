#!/usr/bin/python3
"""Writes tests/data/fill-mask-cases.json: what Hugging Face's fill-mask pipeline and masked-LM
example give on the test models, from two oracles that share no code with vkbert: PyTorch
(reference.py) for the logits and Hugging Face's Rust tokenizers (npm, through
hf_tokenizer_rpc.mjs) for every encode and decode. Not run by the tests; rerun it when the test
models' recipes (tests/MakeModels.cmake) change:

    npm install @anush008/tokenizers@0.6.0            (in a scratch directory, e.g. /tmp/npm-tok)
    /usr/bin/python3 model_tools/fill_mask_cases.py --models build/tests/models --node-dir /tmp/npm-tok \
        > tests/data/fill-mask-cases.json

transformers' FillMaskPipeline (pipelines/fill_mask.py), written out here:
- probabilities: softmax over the whole vocabulary at each mask position; top_k best;
- with targets: each target is its vocabulary entry, else the first id of the word tokenized
  without special tokens (a warning); duplicates once; the targets' own probabilities under the
  same softmax, best top_k (top_k at most their number);
- token_str = tokenizer.decode([id]); sequence = tokenizer.decode(the input ids with id in the
  mask and padding dropped, skip_special_tokens = the input has exactly one mask).
The masked-LM example: tokenizer.decode(logits.argmax(-1)[0]) (special tokens kept).
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference  # noqa: E402

TOP_K = 5
DATA = "tests/data/tokenizers"
MODELS = {
    "tiny": (f"{DATA}/distilbert-base-uncased/tokenizer.json",
             ["The capital of France is [MASK].", "Paris is the [MASK] of [MASK], isn't it?",
              "[MASK] naïve café ünïcode 東京 [MASK]!"],
             ["paris", "London", "parisian", "xyzzy", "paris", "[SEP]"]),
    "roberta-tiny-bpe": (f"{DATA}/roberta-base/tokenizer.json",
                         ["The capital of France is<mask>.", "Paris is the<mask> of<mask>, isn't it?",
                          "<mask> naïve café 東京!"],
                         [" Paris", "ĠLondon", "Paris", "xyzzy", "<mask>"]),
    "xlmr-tiny": (f"{DATA}/unigram-xlmr-like/tokenizer.json",
                  ["The capital of France is <mask>.", "Paris is the <mask> of <mask>, isn't it?",
                   "<mask> naïve café 東京!"],
                  ["▁Paris", "London", "▁the", "zzqx"]),
}


def rpc(node_dir, request):
    p = subprocess.run(["node", os.path.join(HERE, "hf_tokenizer_rpc.mjs")], input=json.dumps(request),
                       capture_output=True, text=True, cwd=node_dir, check=True)
    return json.loads(p.stdout)


def softmax(row):
    row = row.astype(np.float64)
    p = np.exp(row - row.max())
    return p / p.sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True, help="the build tree's tests/models")
    ap.add_argument("--node-dir", required=True, help="where @anush008/tokenizers is installed")
    args = ap.parse_args()
    root = os.path.dirname(HERE)
    out = {"meta": {"generator": "model_tools/fill_mask_cases.py: PyTorch (model_tools/reference.py) on the test "
                                 "models + npm @anush008/tokenizers 0.6.0 (Hugging Face tokenizers) encode/decode",
                    "top_k": TOP_K}, "models": {}}
    for name, (tok_file, texts, targets) in MODELS.items():
        tok_path = os.path.join(root, tok_file)
        model = os.path.join(args.models, name)
        with open(os.path.join(model, "config.json")) as f:
            cfg = json.load(f)
        first = rpc(args.node_dir, {"tokenizer": tok_path, "encode": texts, "targets": targets})
        target_ids = sorted({t for t in first["targets"] if t is not None})
        with open(tok_path) as f:
            tj = json.load(f)
        added = {a["content"]: a["id"] for a in tj.get("added_tokens", [])}
        mask_id = added.get("[MASK]", added.get("<mask>"))
        pad_id = added.get("[PAD]", added.get("<pad>"))
        if mask_id is None:
            mask_id = tj["model"]["vocab"]["[MASK]"]
            pad_id = tj["model"]["vocab"]["[PAD]"]
        decodes, cases = [], []

        def want(ids, skip):
            decodes.append([ids, skip])
            return len(decodes) - 1

        for text, ids in zip(texts, first["encode"]):
            _, logits, _ = reference.run(model, [ids])
            logits = logits[0]
            positions = [i for i, t in enumerate(ids) if t == mask_id]
            single = len(positions) == 1

            def prediction(pos, pid, score):
                seq = [pid if i == pos else t for i, t in enumerate(ids)]
                seq = [t for t in seq if t != pad_id]
                return {"id": int(pid), "score": float(score), "token_str": want([int(pid)], False),
                        "sequence": want([int(t) for t in seq], single)}

            masks, tmasks = [], []
            for pos in positions:
                prob = softmax(logits[pos])
                top = np.argsort(-logits[pos].astype(np.float64), kind="stable")[:TOP_K]
                masks.append({"position": pos, "predictions": [prediction(pos, t, prob[t]) for t in top]})
                best = sorted(target_ids, key=lambda t: (-prob[t], t))[:min(TOP_K, len(target_ids))]
                tmasks.append({"position": pos, "predictions": [prediction(pos, t, prob[t]) for t in best]})
            argmax = [int(i) for i in np.argmax(logits, axis=-1)]
            cases.append({"text": text, "input_ids": ids, "masks": masks, "targets_masks": tmasks,
                          "predict": {"ids": argmax, "text": want(argmax, False)}})
        texts_out = rpc(args.node_dir, {"tokenizer": tok_path, "decode": decodes})["decode"]

        def fill(o):
            if isinstance(o, dict):
                for k in ("token_str", "sequence", "text"):
                    if isinstance(o.get(k), int):
                        o[k] = texts_out[o[k]]
                for v in o.values():
                    fill(v)
            elif isinstance(o, list):
                for v in o:
                    fill(v)

        fill(cases)
        out["models"][name] = {"tokenizer": tok_file, "model_type": cfg.get("model_type", "bert"),
                               "targets": targets, "target_ids": first["targets"], "cases": cases}
    sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""vkbert score (masked-LM pseudo-log-likelihood) against PyTorch on the same weights.

For each test model: the texts' ids come from `vkbert tokenize --json` (its tokenizers are
checked against Hugging Face's elsewhere); the special ids from the model's own tokenizer files
(vocab.txt's [PAD] [UNK] [CLS] [SEP] [MASK]; tokenizer.json's added tokens marked special);
model_tools/reference.py masks every other position in a copy of its own and sums the true
tokens' log-softmax. Asserts: pll within 1e-4 relative, tokens equal, pppl = exp(-pll/tokens),
the text echoed, input order kept when all texts go in one call (their copies share batches),
the same numbers as one text per call, and -f FILE equal to arguments.

    score_e2e.py VKBERT MODELS_DIR
"""
import json
import math
import os
import subprocess
import sys
import tempfile

from vkbert_testlib import FAILURES, check, have_device

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "model_tools"))
import reference  # noqa: E402

TEXTS = {
    "tiny": ["The capital of France is Paris.", "naïve café, ünïcode and 東京 too", "a [MASK] in the text",
             "Short."],
    "roberta-tiny-bpe": ["The capital of France is Paris.", "naïve café 東京 😀!", "a <mask> in it"],
    "xlmr-tiny": ["The capital of France is Paris.", "naïve café 東京!"],
    "distil-tiny": ["The capital of France is Paris.", "two words"],
}


def run(vkbert, args):
    p = subprocess.run([vkbert] + args, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    check(p.returncode == 0, f"vkbert {' '.join(args[:3])}... exited {p.returncode}: {p.stderr.strip()[:400]}")
    check("alidation" not in p.stderr and "VUID" not in p.stderr, f"validation message: {p.stderr[:400]}")
    return p.stdout if p.returncode == 0 else None


def special_ids(model):
    tj = os.path.join(model, "tokenizer.json")
    if os.path.exists(tj):
        with open(tj, encoding="utf-8") as f:
            return {a["id"] for a in json.load(f).get("added_tokens", []) if a.get("special")}
    with open(os.path.join(model, "vocab.txt"), encoding="utf-8") as f:
        vocab = f.read().split("\n")
    return {i for i, v in enumerate(vocab) if v in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")}


def main():
    vkbert, models = sys.argv[1], sys.argv[2]
    if not have_device(vkbert):
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        for name, texts in TEXTS.items():
            model = os.path.join(models, name)
            special = special_ids(model)
            out = run(vkbert, ["score", "-m", model, "--json", "--"] + texts)
            if out is None:
                continue
            got = json.loads(out)["scores"]
            check(len(got) == len(texts), f"{name}: {len(got)} scores for {len(texts)} texts")
            for text, g in zip(texts, got):
                tok = json.loads(run(vkbert, ["tokenize", "-m", model, "--json", "--", text]))
                ids = tok["input_ids"]
                mask_id = next(i for i, t in zip(ids, tok["tokens"]) if t in ("[MASK]", "<mask>")) \
                    if any(t in ("[MASK]", "<mask>") for t in tok["tokens"]) else None
                if mask_id is None:
                    probe = json.loads(run(vkbert, ["tokenize", "-m", model, "--json", "--",
                                                    "x <mask>" if os.path.exists(os.path.join(model, "tokenizer.json"))
                                                    else "x [MASK]"]))
                    mask_id = [i for i, t in zip(probe["input_ids"], probe["tokens"]) if t in ("[MASK]", "<mask>")][0]
                pll, n = reference.pseudo_log_likelihood(model, ids, special, mask_id)
                check(g["text"] == text, f"{name}: text {g['text']!r}, want {text!r}")
                check(g["tokens"] == n, f"{name} {text!r}: {g['tokens']} tokens scored, PyTorch {n}")
                check(abs(g["pll"] - pll) <= 1e-4 * abs(pll), f"{name} {text!r}: pll {g['pll']:.8g}, PyTorch {pll:.8g}")
                check(abs(g["pppl"] - math.exp(-g["pll"] / g["tokens"])) <= 1e-9 * g["pppl"],
                      f"{name} {text!r}: pppl {g['pppl']} is not exp(-pll/tokens)")
                print(f"  {name} {text!r}: pll {g['pll']:.6f} (PyTorch {pll:.6f}), {n} tokens")
                one = run(vkbert, ["score", "-m", model, "--json", "--", text])
                if one is not None:
                    o = json.loads(one)["scores"][0]
                    check(abs(o["pll"] - g["pll"]) <= 1e-6 * abs(g["pll"]),
                          f"{name} {text!r}: alone {o['pll']}, batched with others {g['pll']}")
            path = os.path.join(tmp, f"{name}.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(texts) + "\n")
            check(run(vkbert, ["score", "-m", model, "--json", "-f", path]) == out, f"{name}: -f FILE differs from TEXTs")
    if FAILURES:
        print(f"{len(FAILURES)} failures", file=sys.stderr)
        return 1
    print("score equals PyTorch's pseudo-log-likelihoods")
    return 0


if __name__ == "__main__":
    sys.exit(main())

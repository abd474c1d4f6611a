#!/usr/bin/python3
"""End to end (issue 12): vkbert embed, similarity, rerank and classify against PyTorch
(model_tools/reference_st.py, on model_tools/reference.py's encoder) on the same weights.

The models are tests/MakeStModels.cmake's (st-*, cls-*, xenc-tiny). Token ids come from
`vkbert tokenize --json` (the tokenizer has its own tests) of the text as sentence-transformers
builds it: prompt + text, lowercased when sentence_bert_config.json says do_lower_case, truncated to
max_seq_length. What is asserted, per part (--part, repeatable; default all):

  embeddings  `vkbert embed --json` and `-o out.npy` of several texts of mixed lengths (a padded
              batch) on every model, in its own configuration and, on the models with and without
              Dense, with every --pooling (cls, mean, max, mean_sqrt_len, last) and --normalize /
              --no-normalize: cosine >= 0.99999 and max abs difference <= 1e-4 per embedding;
              prompts (the default prompt, --prompt-name, include_prompt false leaving the prompt
              out of the pooling), ST's do_lower_case over a cased tokenizer; NomicBERT
              (nomic-tiny, nomic-tiny-partial) with each task prompt and Matryoshka --dimensions
  batch       a padded batch of mixed lengths gives the embeddings of each text alone (1e-5)
  many        10,000 lines of different lengths in one `embed -f FILE -o out.npy`: shape
              [10000, dim], input order (rows spot-checked against PyTorch), repeated lines equal
  similarity  `vkbert similarity SOURCE TEXT...` (cosines) and `--matrix` against PyTorch's cosines
  rerank      `vkbert rerank --json [--return-text] [--raw-scores]`: TEI's [{"index", "score"
              (, "text")}], best first, scores sigmoid(logit) of (query, text) within 1e-4, the
              same order as PyTorch's
  classify    `vkbert classify --json [--raw-scores] TEXT [--pair TEXT]`: TEI's [{"label", "score"}]
              with every label, best first, within 1e-4 (softmax; sigmoid for one label or
              multi_label_classification; logits with --raw-scores), ModernBERT's mean and [CLS]
              pooling heads included
  truncation  over-long inputs are cut to max_seq_length by default (stderr says how many),
              --truncation-direction left keeps the end, --no-truncate fails naming the line

Exits 77 (skipped) without a Vulkan device. Weights are compared in fp32: VKBERT_PRECISION=fp32
unless the environment sets it.

    embed_e2e.py --vkbert build/apps/vkbert --models build/tests/models [--part embeddings ...]
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile

from vkbert_testlib import FAILURES, check, have_device

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model_tools"))
import reference_st as R  # noqa: E402

TOL_COS = 0.99999
TOL_ABS = 1e-4
TOL_SCORE = 1e-4
TOL_SAME = 1e-5  # the runtime against itself (a batch against texts alone)
POOLINGS = ["cls", "mean", "max", "mean_sqrt_len", "last"]
PARTS = ["embeddings", "batch", "many", "similarity", "rerank", "classify", "truncation"]

TEXTS = [
    "Hello world!",
    "The quick brown fox jumps over the lazy dog.",
    "a",
    "Sentence embeddings pool the final hidden states of an encoder into one vector per text, "
    "with or without a dense layer and normalisation.",
    "Ünïcode ÉCOLE café, naïve résumé.",
    "What is the capital of France?",
]
WORDS = ("the of and to in is was for on that with as by at from his it an were are which this be has "
         "paris france city river music house water light green small large early late north south "
         "Alpha Beta Gamma 1984 2024 42 ! ? , . - café naïve").split()


class Cli:
    def __init__(self, vkbert):
        self.vkbert = vkbert
        self.tokens = {}

    def run(self, args, want_ok=True, input_path=None):
        p = subprocess.run([self.vkbert] + args, capture_output=True, timeout=900)
        p.out, p.err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
        label = " ".join(a if len(a) < 30 else a[:27] + "..." for a in args[:6])
        if want_ok:
            check(p.returncode == 0, f"vkbert {label} exited {p.returncode}: {p.err.strip()[:800]}")
        check("alidation" not in p.err and "VUID" not in p.err,
              f"validation message from vkbert {label}: {p.err.strip()[:500]}")
        return p

    def json(self, args):
        p = self.run(args)
        if p.returncode != 0:
            return None
        try:
            return json.loads(p.out)
        except ValueError:
            check(False, f"vkbert {' '.join(args[:4])}: stdout is not JSON: {p.out[:300]!r}")
            return None

    def tokenize(self, model, text, pair=None):
        """(ids, types) from `vkbert tokenize --json` (cached)."""
        key = (model, text, pair)
        if key not in self.tokens:
            out = self.json(["tokenize", "-m", model, "--json"] + (["--pair", pair] if pair is not None else [])
                            + ["--", text])
            if out is None:
                raise SystemExit(f"vkbert tokenize failed on {text!r}: cannot go on")
            self.tokens[key] = (out["input_ids"], out["token_type_ids"])
        return self.tokens[key]


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def prompt_of(layout, prompt_name=None):
    """The prompt text the CLI uses: --prompt-name's, else the model's default_prompt_name's."""
    name = prompt_name or layout["default_prompt_name"]
    return layout["prompts"][name] if name else None


def ref_embed(cli, model, texts, pooling=None, normalize=None, prompt_name=None, direction="right", layout=None,
              dimensions=None):
    """PyTorch's embeddings of texts as the CLI should make them (dimensions: the Matryoshka
    embedding of that many values), and how many were truncated."""
    layout = layout or R.load_layout(model)
    prompt = prompt_of(layout, prompt_name)
    pl = R.prompt_length(cli.tokenize(model, R.st_text(layout, prompt))[0]) if prompt else 0
    seqs, cut = [], 0
    for t in texts:
        ids, _, truncated = R.truncate(cli.tokenize(model, R.st_text(layout, t, prompt))[0], None,
                                       layout["max_seq_length"], direction)
        seqs.append(ids)
        cut += truncated
    return R.embed(model, seqs, [pl] * len(seqs), pooling, normalize, layout=layout, dimensions=dimensions), cut


def compare_embeddings(what, got, want):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    check(got.shape == want.shape, f"{what}: shape {got.shape}, PyTorch {want.shape}")
    if got.shape != want.shape:
        return
    worst_abs, worst_cos = 0.0, 1.0
    for i, (g, w) in enumerate(zip(got, want)):
        err = float(np.abs(g - w).max())
        cos = R.cosine(g, w) if np.linalg.norm(g) > 0 and np.linalg.norm(w) > 0 else float(np.array_equal(g, w))
        worst_abs, worst_cos = max(worst_abs, err), min(worst_cos, cos)
        check(err <= TOL_ABS, f"{what}: row {i}: max abs difference {err:.3g} from PyTorch")
        check(cos >= TOL_COS, f"{what}: row {i}: cosine {cos:.7f} with PyTorch")
    print(f"  {what}: {got.shape[0]} x {got.shape[1]}, max abs err {worst_abs:.2e}, min cosine {worst_cos:.8f}")


def embed_cli(cli, model, texts, flags=()):
    out = cli.json(["embed", "-m", model, "--json"] + list(flags) + list(texts))
    return None if out is None else np.asarray(out, dtype=np.float64)


def norm_flags(normalize):
    return [] if normalize is None else ["--normalize"] if normalize else ["--no-normalize"]


# ---- parts --------------------------------------------------------------------------------------

def part_embeddings(cli, models, tmp):
    names = sorted(n for n in os.listdir(models) if n.startswith("st-"))
    for name in names:
        model = os.path.join(models, name)
        layout = R.load_layout(model)
        want, _ = ref_embed(cli, model, TEXTS, layout=layout)
        got = embed_cli(cli, model, TEXTS)
        if got is not None:
            compare_embeddings(f"{name} (its own modules)", got, want)
            check(got.shape[1] == layout["dimension"], f"{name}: dimension {got.shape[1]}, want {layout['dimension']}")
            if layout["normalize"]:
                norms = np.linalg.norm(got, axis=1)
                check(bool(np.all(np.abs(norms - 1) <= 1e-5)), f"{name}: normalised, but norms {norms}")
        npy = os.path.join(tmp, f"{name}.npy")
        if cli.run(["embed", "-m", model, "-o", npy] + TEXTS).returncode == 0:
            arr = np.load(npy)
            check(arr.dtype == np.float32, f"{name}: -o wrote {arr.dtype}, want float32")
            check(arr.shape == (len(TEXTS), layout["dimension"]), f"{name}: -o wrote shape {arr.shape}")
            if got is not None and arr.shape == got.shape:
                diff = float(np.abs(arr - got).max())
                check(diff <= 1e-6, f"{name}: -o and --json differ by {diff:.3g}")
    # every pooling with and without Normalize, on models without Dense, with Dense (Tanh, Identity), with a
    # prompt left out of the pooling and on DistilBERT
    for name in ("st-mean", "st-dense-tanh", "st-dense-id", "st-prompt", "st-distil"):
        model = os.path.join(models, name)
        layout = R.load_layout(model)
        for pooling in POOLINGS:
            for normalize in (None, True, False):
                flags = ["--pooling", pooling] + norm_flags(normalize)
                want, _ = ref_embed(cli, model, TEXTS, pooling, normalize, layout=layout)
                got = embed_cli(cli, model, TEXTS, flags)
                if got is not None:
                    compare_embeddings(f"{name} {' '.join(flags)}", got, want)
    # prompts: the default prompt, each named one; include_prompt false (st-prompt) and true (st-prompt-incl)
    for name, prompt_names in (("st-prompt", [None, "query", "passage"]), ("st-prompt-incl", [None, "query"])):
        model = os.path.join(models, name)
        layout = R.load_layout(model)
        for pn in prompt_names:
            want, _ = ref_embed(cli, model, TEXTS, prompt_name=pn, layout=layout)
            got = embed_cli(cli, model, TEXTS, ["--prompt-name", pn] if pn else [])
            if got is not None:
                compare_embeddings(f"{name} prompt {pn or '(default: ' + str(layout['default_prompt_name']) + ')'}",
                                   got, want)
        if name == "st-prompt":  # the prompts must make a difference, or the test shows nothing
            a, _ = ref_embed(cli, model, TEXTS[:2], prompt_name="query", layout=layout)
            b, _ = ref_embed(cli, model, TEXTS[:2], prompt_name="passage", layout=layout)
            check(float(np.abs(a - b).max()) > 1e-2, "st-prompt: the two prompts give the same embeddings in PyTorch")
    # ST's do_lower_case over a cased tokenizer: the lowercasing is sentence-transformers' (Python's
    # str.lower, so Cyrillic too; the vocabulary has no accented Latin letters, which become [UNK] either
    # way), not the tokenizer's
    model = os.path.join(models, "st-lower")
    for upper in ("Hello World", "МОСКВА"):
        check(cli.tokenize(model, upper)[0] != cli.tokenize(model, upper.lower())[0],
              f"st-lower: its tokenizer gives {upper!r} the ids of {upper.lower()!r}, so do_lower_case is not tested")
    texts = ["Hello World", "МОСКВА is a CITY on the river", "MiXeD CaSe"]
    want, _ = ref_embed(cli, model, texts)
    got = embed_cli(cli, model, texts)
    if got is not None:
        compare_embeddings("st-lower (ST's do_lower_case, Latin and Cyrillic)", got, want)


    part_nomic(cli, models)


# a text of some 300 tokens: rotary positions far past the short texts'
LONG_TEXT = " ".join(WORDS[i * 7 % len(WORDS)] for i in range(260))


def part_nomic(cli, models):
    """NomicBERT (nomic-embed-text's layout: rotary positions, SwiGLU, mean pooling + Normalize, task
    prompts): each prompt, Matryoshka --dimensions with and without normalisation, a long text."""
    texts = TEXTS + [LONG_TEXT]
    for name in ("nomic-tiny", "nomic-tiny-partial"):
        model = os.path.join(models, name)
        layout = R.load_layout(model)
        check(len(cli.tokenize(model, LONG_TEXT)[0]) > 250, f"{name}: the long text is not long")
        for pn in (None, "search_query", "search_document", "classification", "clustering"):
            flags = ["--prompt-name", pn] if pn else []
            want, _ = ref_embed(cli, model, texts, prompt_name=pn, layout=layout)
            got = embed_cli(cli, model, texts, flags)
            if got is not None:
                compare_embeddings(f"{name} prompt {pn}", got, want)
        a, _ = ref_embed(cli, model, TEXTS[:2], prompt_name="search_query", layout=layout)
        b, _ = ref_embed(cli, model, TEXTS[:2], prompt_name="search_document", layout=layout)
        check(float(np.abs(a - b).max()) > 1e-2, f"{name}: the two prompts give the same embeddings in PyTorch")
        for dims, normalize, pn in ((16, None, "search_query"), (48, None, None), (32, False, "search_document"),
                                    (layout["dimension"], None, None)):
            flags = ["--dimensions", str(dims)] + norm_flags(normalize) + (["--prompt-name", pn] if pn else [])
            want, _ = ref_embed(cli, model, texts, normalize=normalize, prompt_name=pn, layout=layout, dimensions=dims)
            got = embed_cli(cli, model, texts, flags)
            if got is not None:
                compare_embeddings(f"{name} {' '.join(flags)}", got, want)
                check(got.shape[1] == dims, f"{name} {' '.join(flags)}: {got.shape[1]} values, want {dims}")
        # a Matryoshka cut is not the full embedding's first values (the layer norm comes first)
        full, _ = ref_embed(cli, model, TEXTS[:2], layout=layout)
        cut, _ = ref_embed(cli, model, TEXTS[:2], layout=layout, dimensions=16)
        check(float(np.abs(full[:, :16] / np.linalg.norm(full[:, :16], axis=1, keepdims=True) - cut).max()) > 1e-3,
              f"{name}: --dimensions 16 is the full embedding's cut in PyTorch too: the layer norm is not tested")
        for bad in ("0", str(layout["dimension"] + 1), "x"):
            p = cli.run(["embed", "-m", model, "--dimensions", bad, "hello"], want_ok=False)
            check(p.returncode != 0 and "dimensions" in p.err, f"{name} --dimensions {bad}: exit {p.returncode}, "
                  f"stderr {p.err.strip()[:300]!r}")


def part_batch(cli, models, tmp):
    rng = random.Random(5)
    texts = [words(rng, n) for n in (1, 37, 4, 12, 2, 55, 9)] + [TEXTS[1], TEXTS[1]]
    for name in ("st-mean", "st-max", "st-dense-id", "st-last-norm", "st-sqrt-norm", "st-prompt", "st-distil"):
        model = os.path.join(models, name)
        for flags in ([], ["--pooling", "max"]):
            batch = embed_cli(cli, model, texts, flags)
            if batch is None:
                continue
            alone = [embed_cli(cli, model, [t], flags) for t in texts]
            if any(a is None for a in alone):
                continue
            alone = np.concatenate(alone)
            err = float(np.abs(batch - alone).max()) if batch.shape == alone.shape else float("inf")
            print(f"  {name} {' '.join(flags)}: batch of {len(texts)} vs one by one: max abs {err:.2e}")
            check(err <= TOL_SAME, f"{name} {' '.join(flags)}: a padded batch differs from texts alone by {err:.3g}")
            check(float(np.abs(batch[-1] - batch[-2]).max()) <= TOL_SAME,
                  f"{name}: a repeated text differs from itself")


def part_many(cli, models, tmp):
    model = os.path.join(models, "st-minilm")
    layout = R.load_layout(model)
    rng = random.Random(10000)
    lines = [words(rng, rng.choice([1, 2, 3, 5, 8, 13, 21, 34, 55, 80]) + rng.randrange(3)) for _ in range(10000)]
    repeated = (10, 5010, 9990)
    for i in repeated:
        lines[i] = "the same line, three times in the file"
    path, npy = os.path.join(tmp, "many.txt"), os.path.join(tmp, "many.npy")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    p = cli.run(["embed", "-m", model, "-f", path, "-o", npy])
    if p.returncode != 0:
        return
    check("truncat" not in p.err.lower(), f"st-minilm: nothing is over 256 tokens, yet stderr says {p.err.strip()!r}")
    arr = np.load(npy)
    check(arr.shape == (10000, layout["dimension"]), f"10,000 lines: -o wrote shape {arr.shape}")
    check(arr.dtype == np.float32, f"10,000 lines: dtype {arr.dtype}")
    if arr.shape != (10000, layout["dimension"]):
        return
    check(bool(np.isfinite(arr).all()), "10,000 lines: non-finite values")
    norms = np.linalg.norm(arr.astype(np.float64), axis=1)
    check(bool(np.all(np.abs(norms - 1) <= 1e-5)), f"10,000 lines: norms from {norms.min()} to {norms.max()}")
    for i in repeated[1:]:
        check(float(np.abs(arr[i] - arr[repeated[0]]).max()) <= TOL_SAME,
              f"10,000 lines: line {i + 1} differs from line 11")
    lengths = [len(line.split()) for line in lines]
    picks = sorted({0, 1, 2, 9998, 9999, 5000, int(np.argmax(lengths)), int(np.argmin(lengths))}
                   | set(random.Random(1).sample(range(10000), 24)))
    want, _ = ref_embed(cli, model, [lines[i] for i in picks], layout=layout)
    compare_embeddings(f"10,000 lines, rows {picks[:6]}... ({len(picks)} spot-checked)", arr[picks], want)


def part_similarity(cli, models, tmp):
    source = "A man is playing a guitar."
    texts = ["A man plays the guitar.", "The cat sleeps on the sofa.", TEXTS[3], "guitar"]
    for name in ("st-minilm", "st-dense-id"):
        model = os.path.join(models, name)
        emb, _ = ref_embed(cli, model, [source] + texts)
        want = [R.cosine(emb[0], e) for e in emb[1:]]
        got = cli.json(["similarity", "-m", model, "--json", source] + texts)
        if got is not None:
            check(isinstance(got, list) and len(got) == len(texts), f"{name} similarity: {got}")
            if isinstance(got, list) and len(got) == len(texts):
                err = max(abs(g - w) for g, w in zip(got, want))
                print(f"  {name} similarity: {len(texts)} cosines, max abs err {err:.2e}")
                check(err <= TOL_SCORE, f"{name} similarity: {got} vs PyTorch {want}")
        allt = [source] + texts
        want_m = np.array([[R.cosine(a, b) for b in emb] for a in emb])
        got_m = cli.json(["similarity", "-m", model, "--json", "--matrix"] + allt)
        if got_m is not None:
            got_m = np.asarray(got_m, dtype=np.float64)
            check(got_m.shape == want_m.shape, f"{name} similarity --matrix: shape {got_m.shape}, want {want_m.shape}")
            if got_m.shape == want_m.shape:
                err = float(np.abs(got_m - want_m).max())
                print(f"  {name} similarity --matrix: {got_m.shape}, max abs err {err:.2e}")
                check(err <= TOL_SCORE, f"{name} similarity --matrix differs from PyTorch by {err:.3g}")
                check(float(np.abs(np.diag(got_m) - 1).max()) <= TOL_SCORE,
                      f"{name} --matrix: diagonal {np.diag(got_m)}")


def check_order(what, got_keys, got_scores, want_scores, tol):
    """got_keys best first; equal to PyTorch's order but where PyTorch's own scores tie within tol."""
    want_order = sorted(range(len(want_scores)), key=lambda i: -want_scores[i])
    check(all(a >= b for a, b in zip(got_scores, got_scores[1:])), f"{what}: not sorted best first: {got_scores}")
    for rank, (g, w) in enumerate(zip(got_keys, want_order)):
        if g != w:
            check(abs(want_scores[g] - want_scores[w]) <= tol,
                  f"{what}: rank {rank} is {g}, PyTorch's is {w} (scores {want_scores[g]:.6g} vs {want_scores[w]:.6g})")


def ref_pairs(cli, model, first, seconds, direction="right", layout=None):
    """Class logits of the pairs (first, second) (or of texts alone when first is None)."""
    layout = layout or R.load_layout(model)
    seqs, types, cut = [], [], 0
    for s in seconds:
        ids, tt = cli.tokenize(model, first, s) if first is not None else cli.tokenize(model, s)
        ids, tt, truncated = R.truncate(ids, tt, layout["max_seq_length"], direction)
        seqs.append(ids)
        types.append(tt)
        cut += truncated
    return R.class_logits(model, seqs, types).astype(np.float64), cut


def part_rerank(cli, models, tmp):
    model = os.path.join(models, "xenc-tiny")
    query = "What is the capital of France?"
    docs = ["Paris is the capital and largest city of France.", "The quick brown fox.", "Berlin is in Germany.",
            "France", "Capital letters start sentences.", "a"]
    logits, _ = ref_pairs(cli, model, query, docs)
    logits = logits[:, 0]
    sig = 1 / (1 + np.exp(-logits))
    gaps = np.diff(np.sort(sig))
    check(float(gaps.min()) > 10 * TOL_SCORE, f"xenc-tiny: PyTorch's scores {sig} are too close to test an order")
    for flags, want in (([], sig), (["--raw-scores"], logits), (["--return-text"], sig)):
        got = cli.json(["rerank", "-m", model, "--json"] + flags + [query] + docs)
        if got is None:
            continue
        ok = isinstance(got, list) and len(got) == len(docs) and all("index" in e and "score" in e for e in got)
        check(ok, f"rerank {' '.join(flags)}: want {len(docs)} {{index, score}} objects, got {got}")
        if not ok:
            continue
        idx = [e["index"] for e in got]
        check(sorted(idx) == list(range(len(docs))), f"rerank {' '.join(flags)}: indices {idx}")
        if sorted(idx) != list(range(len(docs))):
            continue
        err = max(abs(e["score"] - want[e["index"]]) for e in got)
        print(f"  xenc-tiny rerank {' '.join(flags)}: {len(docs)} texts, max abs err {err:.2e}")
        check(err <= TOL_SCORE, f"rerank {' '.join(flags)}: scores {got} vs PyTorch {want.tolist()}")
        check_order(f"rerank {' '.join(flags)}", idx, [e["score"] for e in got], want.tolist(), 2 * TOL_SCORE)
        if "--return-text" in flags:
            check(all(e.get("text") == docs[e["index"]] for e in got), f"rerank --return-text: {got}")
        else:
            check(all("text" not in e for e in got), f"rerank without --return-text has texts: {got}")


def part_classify(cli, models, tmp):
    cases = [("cls-tiny", "I loved this film, it was wonderful!", None),
             ("cls-tiny", "Terrible.", None),
             ("cls-tiny", "The premise is true.", "The hypothesis follows from it."),
             ("cls-multilabel", "You are a wonderful person.", None),
             ("xenc-tiny", "What is the capital of France?", "Paris is the capital of France."),
             ("cls-distil", "A delightful little movie.", None),
             ("cls-distil", "First segment.", "Second segment: DistilBERT ignores token types."),
             ("cls-albert", "I loved this film, it was wonderful!", None),
             ("cls-albert", "The premise is true.", "The hypothesis follows from it."),
             ("cls-electra", "A delightful little movie.", None),
             ("cls-electra", "The premise is true.", "The hypothesis follows from it."),
             ("cls-roberta", "I loved this film, it was wonderful!", None),
             ("cls-roberta", "The premise is true.", "The hypothesis follows from it."),
             ("cls-xlmr", "Ce film était merveilleux !", None),
             ("cls-xlmr", "The premise is true.", "Die Hypothese folgt daraus."),
             # ModernBERT: mean pooling over every token (past the local layers' +-8 window) and [CLS]
             ("cls-modernbert", "I loved this film, it was wonderful!", None),
             ("cls-modernbert", LONG_TEXT[:400], None),
             ("cls-modernbert", "The premise is true.", "The hypothesis follows from it."),
             ("cls-modernbert-cls", "A delightful little movie.", None),
             ("cls-modernbert-cls", LONG_TEXT[:400], "Second segment: ModernBERT has no token types."),
             ("cls-jina", "A delightful little movie.", None),
             ("cls-jina", LONG_TEXT[:400], "The hypothesis follows from it.")]
    for name, text, pair in cases:
        model = os.path.join(models, name)
        labels = R.labels(model)
        sigmoid = R.sigmoid_scores(model)
        logits, _ = ref_pairs(cli, model, text if pair is not None else None, [pair if pair is not None else text])
        logits = logits[0]
        probs = R.scores(logits[None], sigmoid)[0]
        what = f"{name} classify {text[:24]!r}{' + pair' if pair else ''}"
        for flags, want in (([], probs), (["--raw-scores"], logits)):
            got = cli.json(["classify", "-m", model, "--json"] + flags + [text] + (["--pair", pair] if pair else []))
            if got is None:
                continue
            ok = isinstance(got, list) and all("label" in e and "score" in e for e in got)
            check(ok and sorted(e["label"] for e in got) == sorted(labels),
                  f"{what} {' '.join(flags)}: want every label of {labels} once, got {got}")
            if not ok or sorted(e["label"] for e in got) != sorted(labels):
                continue
            err = max(abs(e["score"] - want[labels.index(e["label"])]) for e in got)
            print(f"  {what} {' '.join(flags)}: {len(labels)} labels ({'sigmoid' if sigmoid else 'softmax'}), "
                  f"max abs err {err:.2e}")
            check(err <= TOL_SCORE, f"{what} {' '.join(flags)}: {got} vs PyTorch {dict(zip(labels, want.tolist()))}")
            check_order(f"{what} {' '.join(flags)}", [labels.index(e["label"]) for e in got], [e["score"] for e in got],
                        want.tolist(), 2 * TOL_SCORE)
            if not flags and not sigmoid:
                check(abs(sum(e["score"] for e in got) - 1) <= 1e-5, f"{what}: softmax scores do not sum to 1: {got}")


def says_truncated(err, n):
    """stderr reports n truncated inputs (some sentence with 'truncat' and the number)."""
    return any("truncat" in line.lower() and re.search(rf"(?<![\d.]){n}(?![\d.])", line) for line in err.splitlines())


def part_truncation(cli, models, tmp):
    rng = random.Random(16)
    model = os.path.join(models, "st-short")  # max_seq_length 16
    layout = R.load_layout(model)
    long1, long2 = words(rng, 30), "Sentence " + words(rng, 25) + " end of the text."
    texts = ["short text", long1, "another short one", long2]
    for direction in ("right", "left"):
        flags = [] if direction == "right" else ["--truncation-direction", "left"]
        want, cut = ref_embed(cli, model, texts, direction=direction, layout=layout)
        check(cut == 2, f"st-short: {cut} texts over 16 tokens, want 2 (the fixture changed?)")
        p = cli.run(["embed", "-m", model, "--json"] + flags + texts)
        if p.returncode == 0:
            compare_embeddings(f"st-short truncated {direction}", json.loads(p.out), want)
            check(says_truncated(p.err, 2),
                  f"st-short {direction}: stderr does not say that 2 were truncated: {p.err!r}")
    right, _ = ref_embed(cli, model, [long1], layout=layout)
    left, _ = ref_embed(cli, model, [long1], direction="left", layout=layout)
    check(float(np.abs(right - left).max()) > 1e-2, "st-short: left and right truncation agree in PyTorch")
    got = embed_cli(cli, model, texts, ["--truncation-direction", "right"])
    if got is not None:
        compare_embeddings("st-short --truncation-direction right", got, ref_embed(cli, model, texts, layout=layout)[0])
    # --no-truncate: fine when nothing is too long, else one error line naming the line of the file
    path = os.path.join(tmp, "short.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("short text\nanother short one\n")
    p = cli.run(["embed", "-m", model, "--no-truncate", "-f", path, "-o", os.path.join(tmp, "s.npy")])
    check(p.returncode == 0, "--no-truncate with nothing too long failed")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"short text\nanother short one\n{long1}\nshort again\n")
    p = cli.run(["embed", "-m", model, "--no-truncate", "-f", path, "-o", os.path.join(tmp, "t.npy")], want_ok=False)
    lines = [line for line in p.err.splitlines() if line.strip()]
    check(p.returncode > 0, f"--no-truncate with line 3 too long: exit status {p.returncode}")
    check(len(lines) == 1 and lines[0].startswith("vkbert: error: "), f"--no-truncate: stderr {p.err!r}")
    check(re.search(r"\bline 3\b", p.err) is not None, f"--no-truncate: the error does not name line 3: {p.err!r}")
    # MiniLM's real max_seq_length (256, on 512 positions)
    model = os.path.join(models, "st-minilm")
    text = words(rng, 300)
    want, cut = ref_embed(cli, model, [text, "short"])
    check(cut == 1, f"st-minilm: {cut} texts over 256 tokens, want 1")
    p = cli.run(["embed", "-m", model, "--json", text, "short"])
    if p.returncode == 0:
        compare_embeddings("st-minilm truncated to its max_seq_length 256", json.loads(p.out), want)
        check(says_truncated(p.err, 1), f"st-minilm: stderr does not say that 1 was truncated: {p.err!r}")
    # a pair (rerank) and a text (classify) over the 64 positions of a model without sentence-transformers files
    model = os.path.join(models, "xenc-tiny")
    query, docs = "capital of France?", ["Paris.", "Paris " + words(rng, 90)]
    for direction in ("right", "left"):
        flags = [] if direction == "right" else ["--truncation-direction", "left"]
        logits, cut = ref_pairs(cli, model, query, docs, direction)
        check(cut == 1, f"xenc-tiny: {cut} pairs over 64 tokens, want 1")
        sig = 1 / (1 + np.exp(-logits[:, 0]))
        p = cli.run(["rerank", "-m", model, "--json"] + flags + [query] + docs)
        if p.returncode == 0:
            got = json.loads(p.out)
            err = max(abs(e["score"] - sig[e["index"]]) for e in got)
            print(f"  xenc-tiny rerank, a pair truncated {direction}: max abs err {err:.2e}")
            check(err <= TOL_SCORE, f"xenc-tiny rerank truncated {direction}: {got} vs PyTorch {sig.tolist()}")
            check("truncat" in p.err.lower(), f"xenc-tiny rerank: stderr does not say a pair was truncated: {p.err!r}")
    model = os.path.join(models, "cls-tiny")
    text = words(rng, 100)
    logits, cut = ref_pairs(cli, model, None, [text])
    probs = R.scores(logits, False)[0]
    labels = R.labels(model)
    p = cli.run(["classify", "-m", model, "--json", text])
    if p.returncode == 0:
        got = json.loads(p.out)
        err = max(abs(e["score"] - probs[labels.index(e["label"])]) for e in got)
        print(f"  cls-tiny classify, a text truncated: max abs err {err:.2e}")
        check(err <= TOL_SCORE, f"cls-tiny classify truncated: {got} vs PyTorch {probs.tolist()}")
        check("truncat" in p.err.lower(), f"cls-tiny classify: stderr does not say the text was truncated: {p.err!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vkbert", required=True)
    ap.add_argument("--models", required=True, help="tests/MakeStModels.cmake's output directory")
    ap.add_argument("--part", action="append", choices=PARTS, help="default: all")
    args = ap.parse_args()
    os.environ.setdefault("VKBERT_PRECISION", "fp32")
    if not have_device(args.vkbert):
        return 77
    cli = Cli(args.vkbert)
    with tempfile.TemporaryDirectory() as tmp:
        for part in args.part or PARTS:
            print(f"{part}:")
            globals()[f"part_{part}"](cli, args.models, tmp)
    print(f"embed_e2e {','.join(args.part or PARTS)}: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

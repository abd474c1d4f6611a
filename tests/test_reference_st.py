#!/usr/bin/python3
"""The embedding/classification oracle (model_tools/reference_st.py) and its fixtures
(tests/MakeStModels.cmake: vkbert-make-model + make_st_layout.py), without a device.

- reference_st.py's hand-computed self-test; its pooling against a plain numpy loop on random
  states with random padding and prompt lengths;
- every fixture model's layout reads as intended (pooling, Dense, Normalize, max_seq_length,
  do_lower_case, prompts), and the hub files of st-minilm / st-bge are tests/data/st's bytes (the
  pooling dimension and config.json's shape keys aside);
- the generated checkpoints have the tensors and config keys of their Hugging Face classes;
- embeddings: normalised ones have norm 1, padding changes nothing (a text alone = the same text in
  a padded batch, for every pooling), different texts are far apart (so that the e2e tolerances
  tell them apart), Dense safetensors are well formed;
- class scores: softmax sums to 1, sigmoid for one label and multi-label, labels in id order.

    test_reference_st.py MODELS_DIR DATA_DIR SCRATCH
"""
import itertools
import json
import os
import shutil
import struct
import subprocess
import sys

from vkbert_testlib import FAILURES, check

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "model_tools"))
import reference  # noqa: E402
import reference_st as R  # noqa: E402

# (pooling, normalize, dense (out, activation) or None, max_seq_length, do_lower_case, include_prompt)
EXPECT = {
    "st-minilm": ("mean", True, None, 256, False, True),
    "st-bge": ("cls", True, None, 512, True, True),
    "st-cls": ("cls", False, None, 48, False, True),
    "st-mean": ("mean", False, None, 64, False, True),
    "st-max": ("max", False, None, 64, False, True),
    "st-sqrt-norm": ("mean_sqrt_len", True, None, 64, False, True),
    "st-last-norm": ("lasttoken", True, None, 64, False, True),
    "st-dense-tanh": ("mean", True, (24, "Tanh"), 64, False, True),
    "st-dense-id": ("max", False, (40, "Identity"), 64, False, True),
    "st-prompt": ("mean", True, None, 64, False, False),
    "st-prompt-incl": ("cls", True, None, 64, False, True),
    "st-lower": ("mean", False, None, 64, True, True),
    "st-short": ("mean", True, None, 16, False, True),
    "st-distil": ("mean", True, None, 64, False, True),
    "st-plain": ("cls", False, None, 64, False, True),
}
WORDS = "the capital of france is paris a quick brown fox jumps over lazy dog music river city".split()


def vocab(data):
    with open(os.path.join(data, "bert-base-uncased-vocab.txt"), encoding="utf-8") as f:
        return {w.rstrip("\n"): i for i, w in enumerate(f)}


def header(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + n]), n, len(data)


def numpy_pool(h, mask, mode, pl, include_prompt):
    """The same formulas as loops, from the definitions (not from reference_st.py)."""
    out = []
    for b in range(h.shape[0]):
        m = mask[b].astype(bool).copy()
        if not include_prompt:
            m[:pl[b]] = False
        real = np.nonzero(m)[0]
        if mode == "cls":
            out.append(h[b, 0])
        elif mode == "max":
            out.append(h[b, real].max(axis=0) if len(real) else np.full(h.shape[2], -1e9))
        elif mode == "mean":
            out.append(h[b, real].sum(axis=0) / max(len(real), 1e-9))
        elif mode == "mean_sqrt_len":
            out.append(h[b, real].sum(axis=0) / np.sqrt(max(len(real), 1e-9)))
        elif mode == "lasttoken":
            out.append(h[b, real[-1]] if len(real) else np.zeros(h.shape[2]))
    return np.array(out)


def main():
    models, data, scratch = sys.argv[1:4]
    check(R.self_test() == 0, "reference_st.py --self-test failed")
    V = vocab(data)

    # pooling against plain loops: random states, random padding and prompt lengths
    rng = np.random.default_rng(7)
    for trial in range(20):
        B, S, H = rng.integers(1, 6), rng.integers(1, 12), rng.integers(1, 9)
        h = rng.standard_normal((B, S, H))
        lengths = rng.integers(1, S + 1, size=B)
        lengths[0] = S
        mask = (np.arange(S)[None, :] < lengths[:, None]).astype(np.int64)
        pl = [int(rng.integers(0, n)) for n in lengths]  # at least one pooled token stays
        for mode, inc in itertools.product(["cls", "mean", "max", "mean_sqrt_len", "lasttoken"], [True, False]):
            got = R.pool(torch.from_numpy(h), torch.from_numpy(mask), mode, pl, inc).numpy()
            want = numpy_pool(h, mask, mode, pl, inc)
            check(np.allclose(got, want, atol=1e-12),
                  f"pool {mode} include_prompt={inc} trial {trial}: differs from loops")

    seqs = [[101] + [V[w] for w in "the capital of france is paris".split()] + [102],
            [101, V["a"], 102],
            [101] + [V[w] for w in (WORDS * 3)[:40]] + [102],
            [101] + [V[w] for w in "music of the river city".split()] + [102]]
    for name, (pooling, normalize, dense, max_seq, lower, include_prompt) in EXPECT.items():
        model = os.path.join(models, name)
        L = R.load_layout(model)
        got = (L["pooling"], L["normalize"], None if not L["dense"] else
               (L["dense"]["out"], L["dense"]["activation"].rsplit(".", 1)[1]), L["max_seq_length"],
               L["do_lower_case"], L["include_prompt"])
        check(got == EXPECT[name], f"{name}: layout {got}, want {EXPECT[name]}")
        check(L["sentence_transformers"] == (name != "st-plain"),
              f"{name}: sentence_transformers {L['sentence_transformers']}")
        emb = R.embed(model, seqs, [2] * len(seqs))
        check(emb.shape == (len(seqs), L["dimension"]), f"{name}: embeddings {emb.shape}")
        check(bool(np.isfinite(emb).all()), f"{name}: non-finite embeddings")
        if normalize:
            norms = np.linalg.norm(emb.astype(np.float64), axis=1)
            check(bool(np.all(np.abs(norms - 1) < 1e-6)), f"{name}: normalised embeddings with norms {norms}")
        # padding changes nothing: each text alone equals its row of the padded batch, in every pooling
        for mode in ("cls", "mean", "max", "mean_sqrt_len", "lasttoken"):
            batch = R.embed(model, seqs, [2] * len(seqs), pooling=mode, layout=L)
            alone = np.concatenate([R.embed(model, [s], [2], pooling=mode, layout=L) for s in seqs])
            check(float(np.abs(batch - alone).max()) < 1e-5, f"{name} {mode}: padding changes the result by "
                                                             f"{np.abs(batch - alone).max():.3g}")
        # different texts are far apart, so that 1e-4 and cosine 0.99999 tell them apart
        for i, j in itertools.combinations(range(len(seqs)), 2):
            d = float(np.abs(emb[i] - emb[j]).max())
            c = R.cosine(emb[i], emb[j])
            check(d > 1e-2 and c < 0.9999,
                  f"{name}: texts {i} and {j} give embeddings too alike (max diff {d:.3g}, cos {c:.6f})")
        print(f"{name}: {L['pooling']}, normalize {L['normalize']}, dimension {L['dimension']}, "
              f"max_seq_length {L['max_seq_length']}, "
              f"norms {np.round(np.linalg.norm(emb.astype(np.float64), axis=1), 3).tolist()}")
    # include_prompt false: the prompt's tokens change the mean only through attention
    L = R.load_layout(os.path.join(models, "st-prompt"))
    check(L["prompts"] == {"query": "query: ", "passage": "passage: "} and L["default_prompt_name"] == "query",
          f"st-prompt: prompts {L['prompts']}, default {L['default_prompt_name']}")
    a = R.embed(os.path.join(models, "st-prompt"), seqs[:1], [3], pooling="max")
    b = R.embed(os.path.join(models, "st-prompt"), seqs[:1], [1], pooling="max")
    check(float(np.abs(a - b).max()) > 1e-3, "st-prompt: the prompt length does not change max pooling")
    L = R.load_layout(os.path.join(models, "st-prompt-incl"))
    check(L["default_prompt_name"] is None and list(L["prompts"]) == ["query"], f"st-prompt-incl: {L['prompts']}")
    with open(os.path.join(models, "st-lower", "tokenizer_config.json")) as f:
        check(json.load(f)["do_lower_case"] is False, "st-lower: its tokenizer should be cased")

    # the hub layouts: tests/data/st's bytes, but the pooling dimension and the shape
    for name, hub in (("st-minilm", "all-MiniLM-L6-v2"), ("st-bge", "bge-small-en-v1.5")):
        src, dst = os.path.join(data, "st", hub), os.path.join(models, name)
        for f in ("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json",
                  "tokenizer_config.json", "special_tokens_map.json"):
            with open(os.path.join(src, f), "rb") as a, open(os.path.join(dst, f), "rb") as b:
                check(a.read() == b.read(), f"{name}: {f} is not the hub file's bytes")
        pa, pb = (json.load(open(os.path.join(d, "1_Pooling", "config.json"))) for d in (src, dst))
        check(pb == dict(pa, word_embedding_dimension=32), f"{name}: 1_Pooling/config.json {pb} vs hub {pa}")
        with open(os.path.join(src, "config.json")) as a, open(os.path.join(dst, "config.json")) as b:
            ca, cb = json.load(a), json.load(b)
        changed = {k for k in set(ca) | set(cb) if ca.get(k) != cb.get(k)}
        check(changed <= {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                          "vkbert_random_weights", "vkbert_seed"}, f"{name}: config.json keys changed: {changed}")
        names = set(header(os.path.join(dst, "model.safetensors"))[0])
        check("pooler.dense.weight" in names and "embeddings.word_embeddings.weight" in names,
              f"{name}: a bare BertModel with pooler (no prefix) is expected, tensors {sorted(names)[:5]}...")
        check(not any(n.startswith("cls.") for n in names), f"{name}: has an MLM head")

    # Dense safetensors: 8-byte header length, JSON header (padded to 8), F32 data that fills the file
    for name, out in (("st-dense-tanh", 24), ("st-dense-id", 40)):
        hdr, n, size = header(os.path.join(models, name, "2_Dense", "model.safetensors"))
        check(hdr["linear.weight"]["shape"] == [out, 32] and hdr["linear.bias"]["shape"] == [out]
              and hdr["linear.weight"]["dtype"] == "F32", f"{name}: Dense tensors {hdr}")
        check(n % 8 == 0 and size == 8 + n + 4 * (out * 32 + out),
              f"{name}: Dense safetensors of {size} bytes, header {n}")
    # make_st_layout.py is deterministic
    for i in (1, 2):
        d = os.path.join(scratch, f"st-layout-{i}")
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(os.path.join(models, "st-mean"), d)
        subprocess.run([sys.executable, os.path.join(HERE, "..", "model_tools", "make_st_layout.py"), d,
                        "--dense", "8:tanh", "--seed", "3"], check=True)
    with open(os.path.join(scratch, "st-layout-1", "2_Dense", "model.safetensors"), "rb") as a, \
            open(os.path.join(scratch, "st-layout-2", "2_Dense", "model.safetensors"), "rb") as b:
        check(a.read() == b.read(), "make_st_layout.py: the same seed gave other Dense weights")

    # classification checkpoints: Hugging Face's tensor names and config keys; scores
    pair = [101, V["the"], V["capital"], 102, V["paris"], 102]
    pair_types = [0, 0, 0, 0, 1, 1]
    for name, arch, labels, sig, head in (
            ("cls-tiny", "BertForSequenceClassification", ["negative", "neutral", "positive"], False,
             {"bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias"}),
            ("cls-multilabel", "BertForSequenceClassification", ["toxic", "obscene", "threat", "insult"], True,
             {"pooler.dense.weight", "pooler.dense.bias", "classifier.weight", "classifier.bias"}),
            ("xenc-tiny", "BertForSequenceClassification", ["LABEL_0"], True,
             {"bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias"}),
            ("cls-distil", "DistilBertForSequenceClassification", ["NEGATIVE", "POSITIVE"], False,
             {"pre_classifier.weight", "pre_classifier.bias", "classifier.weight", "classifier.bias"})):
        model = os.path.join(models, name)
        with open(os.path.join(model, "config.json")) as f:
            cfg = json.load(f)
        check(cfg["architectures"] == [arch], f"{name}: architectures {cfg['architectures']}")
        check(R.labels(model) == labels, f"{name}: labels {R.labels(model)}")
        check(cfg["label2id"] == {l: i for i, l in enumerate(labels)}, f"{name}: label2id {cfg['label2id']}")
        check(R.sigmoid_scores(model) == sig, f"{name}: sigmoid scores {R.sigmoid_scores(model)}")
        hdr = header(os.path.join(model, "model.safetensors"))[0]
        check(head <= set(hdr), f"{name}: lacks {head - set(hdr)}")
        check(hdr["classifier.weight"]["shape"] == [len(labels), 32], f"{name}: classifier {hdr['classifier.weight']}")
        check(not any(k.startswith(("cls.", "vocab_")) for k in hdr), f"{name}: has an MLM head")
        if name == "cls-distil":
            check(any(k.startswith("distilbert.transformer.") for k in hdr), f"{name}: encoder not under distilbert.")
        logits = R.class_logits(model, seqs + [pair], [[0] * len(s) for s in seqs] + [pair_types])
        sc = R.scores(logits, sig)
        check(logits.shape == (len(seqs) + 1, len(labels)), f"{name}: logits {logits.shape}")
        if not sig:
            check(bool(np.allclose(sc.sum(axis=1), 1)), f"{name}: softmax does not sum to 1")
        apart = np.abs(logits[:, None, :] - logits[None, :, :]).max(axis=2)  # between every two inputs
        spread = float(apart[np.triu_indices(len(logits), 1)].min())
        check(spread > 1e-2, f"{name}: two inputs' logits differ by only {spread:.3g}")
        print(f"{name}: {labels}, {'sigmoid' if sig else 'softmax'}, "
              f"logits {np.round(logits[0].astype(np.float64), 3).tolist()}, "
              f"least difference between inputs {spread:.3g}")
    with open(os.path.join(models, "cls-noid2label", "config.json")) as f:
        check("id2label" not in json.load(f), "cls-noid2label has an id2label")
    # bge: a BertModel config with one label in id2label and no classifier: the oracle refuses to classify
    try:
        R.class_logits(os.path.join(models, "st-bge"), seqs[:1])
        check(False, "st-bge: class logits from a model without a classifier")
    except ValueError:
        pass
    # the encoder of a classifier is the same as reference.py's (a consistency check of the plumbing)
    h, _, _ = reference.run(os.path.join(models, "cls-tiny"), seqs[:1])
    check(h.shape == (1, len(seqs[0]), 32), f"cls-tiny: hidden {h.shape}")
    print(f"test_reference_st: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

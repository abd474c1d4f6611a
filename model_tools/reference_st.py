#!/usr/bin/python3
"""PyTorch reference for sentence embeddings, sequence classification and reranking: the test
oracle for vkbert's embed, similarity, classify and rerank.

The encoder is model_tools/reference.py's (every family it runs, plain PyTorch); this file adds what
comes after it, written out from the definitions of sentence-transformers and transformers (neither
package is needed), sharing nothing with the runtime:

- sentence-transformers (modules.json: Transformer, Pooling, optional Dense, optional Normalize):
  Pooling as sentence_transformers.models.Pooling: cls = token 0; mean = sum(h * mask) /
  clamp(sum(mask), 1e-9); max = max over tokens of h with masked tokens set to -1e9;
  mean_sqrt_len = sum(h * mask) / sqrt(clamp(sum(mask), 1e-9)); lasttoken = the last token whose
  mask is 1 (times the mask). include_prompt false sets the mask of the first prompt_length tokens
  to 0 before pooling (the encoder still attends to them), prompt_length being the length of the
  prompt tokenized alone minus 1, i.e. [CLS] + the prompt's tokens; the text that is encoded is
  prompt + text, lowercased first when sentence_bert_config.json says do_lower_case. Dense:
  activation(x @ W.T + b) (Tanh or Identity), W and b from its model.safetensors. Normalize:
  F.normalize(x, p=2, dim=1). Without modules.json: CLS pooling, nothing else.
- Matryoshka embeddings (nomic-embed-text's recipe; `vkbert embed --dimensions N`): after the
  pooling and Dense, F.layer_norm(x, (width,)) without weights (eps 1e-5), its first N values, then
  F.normalize (in place of the Normalize module; not with normalize=False, the CLI's --no-normalize).
- BertForSequenceClassification: logits = classifier(tanh(pooler.dense(h[:, 0]))).
  DistilBertForSequenceClassification: logits = classifier(relu(pre_classifier(h[:, 0]))).
  AlbertForSequenceClassification and ElectraForSequenceClassification: reference.py's class_head
  (classifier(tanh(albert.pooler(h[:, 0]))); classifier.out_proj(gelu(classifier.dense(h[:, 0])))).
  ModernBertForSequenceClassification: reference.py's modernbert_class_logits, classifier(head.norm(
  act(head.dense(pooled)))) with pooled h[:, 0] or the masked mean of h (config.json's classifier_pooling).
  Scores as Hugging Face's text-classification pipeline and TEI: sigmoid when there is one label or
  problem_type is "multi_label_classification", else softmax over the labels. A rerank score is
  sigmoid(logit) of the pair (query, text) on a one-label model.
- Truncation to max_seq_length (tokens, [CLS] and [SEP] included): right keeps the start, left the
  end; a pair loses a token off its longer segment at a time (longest_first). Which segment loses
  the token when both are equally long is not pinned here: tests keep clear of that case.

Padded batches are computed with the attention mask, as Hugging Face does.

    reference_st.py --model DIR --ids "101,7592,102;101,2088,2003,102" [--types ...]
        [--prompt-length N] [--pooling cls|mean|max|mean_sqrt_len|lasttoken]
        [--normalize | --no-normalize] [--dimensions N] [--embeddings OUT.npy] [--json]
    reference_st.py --model DIR --classify --ids ... [--types ...] [--raw-scores] [--json]
    reference_st.py --self-test
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

POOLING_KEYS = {  # 1_Pooling/config.json's keys, per mode (sentence_transformers.models.Pooling)
    "cls": "pooling_mode_cls_token",
    "mean": "pooling_mode_mean_tokens",
    "max": "pooling_mode_max_tokens",
    "mean_sqrt_len": "pooling_mode_mean_sqrt_len_tokens",
    "weightedmean": "pooling_mode_weightedmean_tokens",
    "lasttoken": "pooling_mode_lasttoken",
}
ACTIVATIONS = {"torch.nn.modules.activation.Tanh": torch.tanh,
               "torch.nn.modules.linear.Identity": lambda x: x}
# the CLI's names (vkbert embed --pooling) for sentence-transformers' modes
CLI_POOLING = {"cls": "cls", "mean": "mean", "max": "max", "mean_sqrt_len": "mean_sqrt_len", "last": "lasttoken",
               "lasttoken": "lasttoken"}


def _json(path):
    with open(path) as f:
        try:
            return json.load(f)
        except ValueError as e:
            raise ValueError(f"{path}: not JSON: {e}") from None


def _inside(model_dir, path):
    base = os.path.realpath(model_dir)
    full = os.path.realpath(os.path.join(model_dir, path))
    return full == base or full.startswith(base + os.sep)


def load_layout(model_dir):
    """What the model directory says about its sentence embeddings, as a dict: sentence_transformers
    (modules.json read), pooling, include_prompt, dense (None or {"weight", "bias", "activation",
    "in", "out"}), normalize, max_seq_length, do_lower_case, prompts, default_prompt_name, dimension.
    A layout sentence-transformers could not run, or that vkbert does not take (one pooling mode),
    is a ValueError."""
    cfg = _json(os.path.join(model_dir, "config.json"))
    hidden = reference.hidden_size(cfg)
    out = {"sentence_transformers": False, "pooling": "cls", "include_prompt": True, "dense": None,
           "normalize": False, "max_seq_length": reference.max_positions(cfg), "do_lower_case": False,
           "prompts": {}, "default_prompt_name": None, "dimension": hidden, "hidden": hidden}
    modules_path = os.path.join(model_dir, "modules.json")
    if not os.path.exists(modules_path):
        return out
    out["sentence_transformers"] = True
    modules = sorted(_json(modules_path), key=lambda m: m["idx"])
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k not in ("Dense", "Normalize") for k in kinds[2:]):
        raise ValueError(f"modules.json: modules {kinds}: "
                         "want Transformer, Pooling, optional Dense, optional Normalize")
    for m in modules:
        if not _inside(model_dir, m["path"]) or os.path.isabs(m["path"]):
            raise ValueError(f"modules.json: module {m['name']} path {m['path']!r} is outside the model directory")
    pool = _json(os.path.join(model_dir, modules[1]["path"], "config.json"))
    modes = [name for name, key in POOLING_KEYS.items() if pool.get(key, False)]
    if len(modes) != 1:
        raise ValueError(f"1_Pooling/config.json: pooling modes {modes}: want exactly one")
    if modes[0] == "weightedmean":
        raise ValueError("1_Pooling/config.json: weightedmean pooling is not one vkbert runs")
    if pool["word_embedding_dimension"] != hidden:
        raise ValueError(f"1_Pooling/config.json: word_embedding_dimension {pool['word_embedding_dimension']}, "
                         f"the model's hidden size is {hidden}")
    out["pooling"] = modes[0]
    out["include_prompt"] = pool.get("include_prompt", True)
    dim = hidden
    for m, kind in zip(modules[2:], kinds[2:]):
        if kind == "Normalize":
            out["normalize"] = True
            continue
        if out["normalize"]:
            raise ValueError("modules.json: Dense after Normalize")
        d = os.path.join(model_dir, m["path"])
        dc = _json(os.path.join(d, "config.json"))
        st = os.path.join(d, "model.safetensors")
        if not os.path.exists(st):
            raise ValueError(f"{m['path']}: no model.safetensors (pytorch_model.bin is not read)")
        w = reference.load_safetensors(st)
        weight, bias = w["linear.weight"], w.get("linear.bias")
        if dc["in_features"] != dim or tuple(weight.shape) != (dc["out_features"], dc["in_features"]):
            raise ValueError(f"{m['path']}: Dense {dc['in_features']} -> {dc['out_features']} with weight "
                             f"{tuple(weight.shape)} after {dim} features")
        if dc.get("activation_function") not in ACTIVATIONS:
            raise ValueError(f"{m['path']}: activation {dc.get('activation_function')!r}")
        if dc.get("bias", True) and bias is None:
            raise ValueError(f"{m['path']}: bias true but no linear.bias")
        if out["dense"] is not None:
            raise ValueError("modules.json: more than one Dense module")
        out["dense"] = {"weight": weight, "bias": bias if dc.get("bias", True) else None,
                        "activation": dc["activation_function"], "in": dc["in_features"], "out": dc["out_features"]}
        dim = dc["out_features"]
    out["dimension"] = dim
    sb = os.path.join(model_dir, "sentence_bert_config.json")
    if os.path.exists(sb):
        sbc = _json(sb)
        out["max_seq_length"] = sbc.get("max_seq_length") or out["max_seq_length"]
        out["do_lower_case"] = bool(sbc.get("do_lower_case", False))
    cst = os.path.join(model_dir, "config_sentence_transformers.json")
    if os.path.exists(cst):
        c = _json(cst)
        out["prompts"] = c.get("prompts") or {}
        out["default_prompt_name"] = c.get("default_prompt_name")
    return out


def st_text(layout, text, prompt=None):
    """The text sentence-transformers tokenizes: prompt + text, lowercased with do_lower_case."""
    t = (prompt or "") + text
    return t.lower() if layout["do_lower_case"] else t


def prompt_length(prompt_ids):
    """Pooling's prompt_length from the prompt tokenized alone ([CLS] p1 .. pk [SEP]): k + 1."""
    return len(prompt_ids) - 1


def pool(hidden, mask, mode, prompt_lengths=None, include_prompt=True):
    """sentence_transformers.models.Pooling.forward for one mode. hidden [B, S, H] float tensor,
    mask [B, S] (1 real, 0 padding); prompt_lengths: one per sequence (or None)."""
    mode = CLI_POOLING.get(mode, mode)
    mask = mask.clone().to(torch.int64)
    if not include_prompt and prompt_lengths is not None:
        for b, n in enumerate(prompt_lengths):
            mask[b, :n] = 0
    h = hidden.clone()
    m = mask.unsqueeze(-1).expand(h.size()).to(h.dtype)
    if mode == "cls":
        return h[:, 0]
    if mode == "max":
        h[m == 0] = -1e9
        return torch.max(h, 1)[0]
    if mode in ("mean", "mean_sqrt_len"):
        s = torch.sum(h * m, 1)
        n = torch.clamp(m.sum(1), min=1e-9)
        return s / n if mode == "mean" else s / torch.sqrt(n)
    if mode == "lasttoken":
        B, S, H = h.shape
        values, indices = mask.flip(1).max(1)
        indices = torch.where(values == 0, S - 1, indices)
        gather = (S - indices - 1).view(B, 1, 1).expand(B, 1, H)
        return torch.gather(h * m, 1, gather).squeeze(1)
    raise ValueError(f"pooling {mode!r}")


def after_pooling(x, layout, normalize=None):
    """Dense (if the layout has one) and Normalize (the layout's, or forced by normalize=True/False)."""
    d = layout["dense"]
    if d is not None:
        y = x @ d["weight"].to(x.dtype).T
        if d["bias"] is not None:
            y = y + d["bias"].to(x.dtype)
        x = ACTIVATIONS[d["activation"]](y)
    if layout["normalize"] if normalize is None else normalize:
        x = F.normalize(x, p=2, dim=1)
    return x


def matryoshka(pooled, n, normalize=True):
    """nomic-embed-text's Matryoshka embedding of n values from pooled [B, width]: F.layer_norm over
    the whole width without weights (eps 1e-5, PyTorch's default), the first n values, then
    F.normalize unless normalize is False."""
    if not 1 <= n <= pooled.shape[1]:
        raise ValueError(f"dimensions {n}: the embeddings have {pooled.shape[1]}")
    x = F.layer_norm(pooled, (pooled.shape[1],), eps=1e-5)[:, :n]
    return F.normalize(x, p=2, dim=1) if normalize else x


def embed(model_dir, seqs, prompt_lengths=None, pooling=None, normalize=None, dtype=torch.float32, layout=None,
          dimensions=None):
    """Sentence embeddings of id sequences (already prompt-prefixed and truncated): [n, dimension]
    float32 numpy. pooling (a mode name, also the CLI's "last") and normalize (True/False) override
    the model's; prompt_lengths matter only where include_prompt is false. dimensions N: the
    Matryoshka embedding of N values (matryoshka(), after the Dense module in place of Normalize;
    normalised unless normalize is False)."""
    layout = layout or load_layout(model_dir)
    hidden, _, mask = reference.run(model_dir, seqs, None, dtype)
    with torch.no_grad():
        x = pool(torch.from_numpy(hidden).to(dtype), torch.from_numpy(mask), pooling or layout["pooling"],
                 prompt_lengths, layout["include_prompt"])
        if dimensions:
            x = matryoshka(after_pooling(x, layout, False), dimensions, normalize is not False)
        else:
            x = after_pooling(x, layout, normalize)
    return x.float().numpy()


def labels(model_dir):
    """config.json's id2label in id order (a ValueError without one)."""
    cfg = _json(os.path.join(model_dir, "config.json"))
    if "id2label" not in cfg:
        raise ValueError("config.json has no id2label")
    return [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]


def sigmoid_scores(model_dir):
    cfg = _json(os.path.join(model_dir, "config.json"))
    return len(labels(model_dir)) == 1 or cfg.get("problem_type") == "multi_label_classification"


def class_logits(model_dir, seqs, type_seqs=None, dtype=torch.float32):
    """Sequence-classification logits [n, labels] float32 numpy."""
    cfg = _json(os.path.join(model_dir, "config.json"))
    kind = reference.family(cfg)
    if kind in ("distilbert", "modernbert"):
        type_seqs = None  # no token types: a pair's are dropped, as their forwards have none
    hidden, _, mask = reference.run(model_dir, seqs, type_seqs, dtype)
    w = {k: v.to(dtype) for k, v in reference.load_safetensors(os.path.join(model_dir, "model.safetensors")).items()}
    if kind in ("albert", "electra", "roberta"):
        with torch.no_grad():
            return reference.class_head(w, cfg, torch.from_numpy(hidden[:, 0]), dtype).float().numpy()
    if "classifier.weight" not in w:
        raise ValueError("no classifier.weight: not a sequence-classification checkpoint")
    h0 = torch.from_numpy(hidden[:, 0]).to(dtype)
    with torch.no_grad():
        if kind == "modernbert":  # pooled by classifier_pooling over every real token, not only [CLS]
            logits = reference.modernbert_class_logits(w, cfg, torch.from_numpy(hidden), torch.from_numpy(mask), dtype)
        else:
            if kind == "distilbert":
                x = torch.relu(h0 @ w["pre_classifier.weight"].T + w["pre_classifier.bias"])
            else:
                x = torch.tanh(h0 @ reference.get(w, "pooler.dense.weight").T + reference.get(w, "pooler.dense.bias"))
            logits = x @ w["classifier.weight"].T + w["classifier.bias"]
    n = logits.shape[1]
    if "id2label" in cfg and len(cfg["id2label"]) != n:
        raise ValueError(f"id2label names {len(cfg['id2label'])} labels, classifier.weight has {n}")
    return logits.float().numpy()


def scores(logits, sigmoid):
    """softmax over the labels, or sigmoid per label; float64 numpy [n, labels]."""
    z = np.asarray(logits, dtype=np.float64)
    if sigmoid:
        return 1.0 / (1.0 + np.exp(-z))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def truncate(ids, types=None, max_len=None, direction="right"):
    """[CLS] A [SEP] (B [SEP]) cut to max_len tokens; returns (ids, types, truncated). A pair loses
    a token off its longer segment at a time (ties: off the second; tests avoid ties)."""
    if max_len is None or len(ids) <= max_len:
        return list(ids), None if types is None else list(types), False
    types = list(types) if types is not None else [0] * len(ids)
    cls, sep = ids[0], ids[-1]
    ends = [i for i, t in enumerate(ids) if t == sep]
    pair = types[-1] == 1
    if pair:
        split = ends[-2] if len(ends) >= 2 else next(i for i, t in enumerate(types) if t == 1) - 1
        a, b = list(ids[1:split]), list(ids[split + 1:-1])
    else:
        a, b = list(ids[1:-1]), None
    budget = max_len - (3 if pair else 2)
    if budget < 0:
        raise ValueError(f"max_len {max_len} leaves no room for the special tokens")

    def cut(seg, n):
        return seg[:n] if direction == "right" else seg[len(seg) - n:]

    if not pair:
        a = cut(a, budget)
        return [cls] + a + [sep], [0] * (len(a) + 2), True
    la, lb = len(a), len(b)
    while la + lb > budget:
        if la > lb:
            la -= 1
        else:
            lb -= 1
    a, b = cut(a, la), cut(b, lb)
    out = [cls] + a + [sep] + b + [sep]
    return out, [0] * (len(a) + 2) + [1] * (len(b) + 1), True


def cosine(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def self_test():
    """The pooling, Dense, Normalize, score and truncation formulas on a hand-computed example."""
    fails = []

    def close(what, got, want, tol=1e-6):
        got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
        if got.shape != want.shape or not np.allclose(got, want, atol=tol, rtol=0):
            fails.append(f"{what}: got {got.tolist()}, want {want.tolist()}")

    # two sequences of 3 and 2 real tokens padded to 4; the padding rows are large (100, 9) so
    # that any pooling that reads them shows; sequence 1 is negative in column 0, so a max that
    # treated padding as 0 would show too.
    h = torch.tensor([[[1., 2.], [3., -1.], [-2., 5.], [100., 100.]],
                      [[-3., 1.], [-4., 4.], [9., 9.], [-7., -7.]]])
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    s3, s2 = 3 ** 0.5, 2 ** 0.5
    want = {
        "cls": [[1, 2], [-3, 1]],
        "mean": [[2 / 3, 2], [-3.5, 2.5]],
        "max": [[3, 5], [-3, 4]],
        "mean_sqrt_len": [[2 / s3, 6 / s3], [-7 / s2, 5 / s2]],
        "lasttoken": [[-2, 5], [-4, 4]],
    }
    for mode, w in want.items():
        close(f"pool {mode}", pool(h, mask, mode), w)
    close("pool last (the CLI's name)", pool(h, mask, "last"), want["lasttoken"])
    # include_prompt false with a prompt of 1 token ([CLS] alone): the first token leaves mean/max
    # (and the mask lasttoken multiplies by), cls still takes token 0
    want_p = {"cls": [[1, 2], [-3, 1]], "mean": [[0.5, 2], [-4, 4]], "max": [[3, 5], [-4, 4]],
              "mean_sqrt_len": [[1 / s2, 4 / s2], [-4, 4]], "lasttoken": [[-2, 5], [-4, 4]]}
    for mode, w in want_p.items():
        close(f"pool {mode}, prompt 1 not included", pool(h, mask, mode, [1, 1], include_prompt=False), w)
        close(f"pool {mode}, prompt 1 included", pool(h, mask, mode, [1, 1], include_prompt=True), want[mode])
    # a sequence without padding: lasttoken is the last position
    close("lasttoken, no padding", pool(h[:1], torch.tensor([[1, 1, 1, 1]]), "lasttoken"), [[100, 100]])
    close("pool leaves its input alone", h[0, 3], [100, 100])
    # Dense (tanh and identity) and Normalize
    layout = {"dense": {"weight": torch.tensor([[1., 0.], [1., 1.]]), "bias": torch.tensor([0., -1.]),
                        "activation": "torch.nn.modules.linear.Identity"}, "normalize": False}
    x = torch.tensor([[3., 4.], [0.5, -0.5]])
    close("dense identity", after_pooling(x, layout), [[3, 6], [0.5, -1]])
    layout["dense"]["activation"] = "torch.nn.modules.activation.Tanh"
    close("dense tanh", after_pooling(x, layout), np.tanh([[3, 6], [0.5, -1]]))
    close("dense tanh + normalize", after_pooling(x, layout, normalize=True),
          np.tanh([[3, 6], [0.5, -1]]) / np.linalg.norm(np.tanh([[3, 6], [0.5, -1]]), axis=1, keepdims=True))
    close("normalize", after_pooling(x, {"dense": None, "normalize": True}), [[0.6, 0.8], [s2 / 2, -s2 / 2]])
    close("no normalize", after_pooling(x, {"dense": None, "normalize": True}, normalize=False), x)
    # scores
    close("softmax", scores([[0.0, np.log(3.0)]], False), [[0.25, 0.75]])
    close("sigmoid", scores([[0.0, np.log(3.0)]], True), [[0.5, 0.75]])
    # truncation: [CLS]=101 [SEP]=102
    if truncate([101, 1, 2, 3, 4, 102], None, 4) != ([101, 1, 2, 102], [0, 0, 0, 0], True):
        fails.append(f"truncate right: {truncate([101, 1, 2, 3, 4, 102], None, 4)}")
    if truncate([101, 1, 2, 3, 4, 102], None, 4, "left")[0] != [101, 3, 4, 102]:
        fails.append(f"truncate left: {truncate([101, 1, 2, 3, 4, 102], None, 4, 'left')}")
    if truncate([101, 1, 2, 102], None, 4) != ([101, 1, 2, 102], None, False):
        fails.append("truncate: a text that fits changed")
    got = truncate([101, 7, 102, 1, 2, 3, 4, 5, 102], [0, 0, 0, 1, 1, 1, 1, 1, 1], 7)
    if got != ([101, 7, 102, 1, 2, 3, 102], [0, 0, 0, 1, 1, 1, 1], True):
        fails.append(f"truncate pair (only the long second segment): {got}")
    got = truncate([101, 1, 2, 3, 4, 5, 102, 8, 102], [0] * 7 + [1, 1], 7, "left")
    if got[0] != [101, 3, 4, 5, 102, 8, 102]:
        fails.append(f"truncate pair left (only the long first segment): {got}")
    if abs(cosine([1, 0], [1, 1]) - s2 / 2) > 1e-12:
        fails.append("cosine")
    for f in fails:
        print("FAIL:", f, file=sys.stderr)
    print(f"reference_st self-test: {len(fails)} failed")
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--model")
    ap.add_argument("--ids", help="comma-separated ids; ';' separates sequences")
    ap.add_argument("--types", help="token type ids, same layout as --ids")
    ap.add_argument("--prompt-length",
                    help="Pooling's prompt_length: one number, or one per sequence (comma-separated)")
    ap.add_argument("--pooling", choices=sorted(CLI_POOLING))
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--normalize", dest="normalize", action="store_const", const=True)
    g.add_argument("--no-normalize", dest="normalize", action="store_const", const=False)
    ap.add_argument("--dimensions", type=int, help="a Matryoshka embedding of N values (nomic-embed's recipe)")
    ap.add_argument("--embeddings", help="write the embeddings .npy [n, dimension]")
    ap.add_argument("--classify", action="store_true", help="class scores instead of embeddings")
    ap.add_argument("--raw-scores", action="store_true", help="--classify: logits")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--double", action="store_true", help="compute in float64")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not args.model or not args.ids:
        ap.error("--model and --ids are needed (or --self-test)")
    seqs = reference.parse_lists(args.ids)
    types = reference.parse_lists(args.types) if args.types else None
    dtype = torch.float64 if args.double else torch.float32
    try:
        if args.classify:
            logits = class_logits(args.model, seqs, types, dtype)
            names = labels(args.model)
            sc = logits.astype(np.float64) if args.raw_scores else scores(logits, sigmoid_scores(args.model))
            out = [sorted(({"label": names[i], "score": float(row[i])} for i in range(len(names))),
                          key=lambda e: -e["score"]) for row in sc]
            print(json.dumps(out if len(out) > 1 else out[0]))
            return 0
        pl = None
        if args.prompt_length:
            pl = [int(v) for v in args.prompt_length.split(",")]
            pl = pl * len(seqs) if len(pl) == 1 else pl
        emb = embed(args.model, seqs, pl, args.pooling, args.normalize, dtype, dimensions=args.dimensions)
    except (ValueError, KeyError) as e:
        sys.exit(f"reference_st.py: {args.model}: {e}")
    if args.embeddings:
        np.save(args.embeddings, emb)
    if args.json or not args.embeddings:
        print(json.dumps(emb.tolist()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The oracle's DistilBERT and RoBERTa sides (model_tools/reference.py), without a device.

On the generated distil-* models: finite outputs of the right shapes, logits only with a head,
a DistilBertModel checkpoint (no prefix, no head) giving the same hidden states as the
DistilBertForMaskedLM one with the same seed; distilbert-base-cased-distilled-squad's config
(sinusoidal_pos_embds: the stored table) gives the same. Refusals: nonzero token types, --types for
vkbert-make-model.
vkbert-make-model's config.json has every key of distilbert-base-uncased's, with its values
where the shape does not decide them.

RoBERTa: a padded batch gives each sequence the hidden states it has alone (positions come from
the ids, padding at padding_idx), the -nohead checkpoint (no prefix) the same as the MLM one.

ALBERT and ELECTRA: the same two checks; gelu_new equal to PyTorch's own tanh GELU and apart from
the exact one; ALBERT's layer group read num_hidden_layers times (a checkpoint whose one group is
stored again as a second group of num_hidden_groups 2 gives the same states); ELECTRA without
embeddings_project when embedding_size == hidden_size; the generated configs carry the hub's keys.

ModernBERT: the oracle against a second forward written apart from it here (float64 numpy, one
unpadded sequence at a time): each query's attention a loop over only the keys its layer lets it
see (a local layer's window, local_attention // 2 either side), the rotation as the complex product
of the pairs (x_j, x_{j + D/2}) with e^(i p theta_j), the GeGLU, layer 0 without attn_norm; on a
padded batch of 40, 17 and 1 tokens (both windows outgrown), hidden states and some logits rows.
Also: the rotary form at positions up to 8191; a local layer's probabilities zero outside the window,
a global one's not; a layers.0.attn_norm.weight in the checkpoint changes nothing (nn.Identity);
every *_bias flag read; -nohead (no prefix) gives modernbert-tiny's states; float64 agrees;
token types refused; the generated configs carry ModernBERT-base's keys.

    test_reference.py MAKE_MODEL VOCAB MODELS_DIR DATA_DIR SCRATCH
"""
import json
import os
import shutil
import subprocess
import sys

from vkbert_testlib import FAILURES, check

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model_tools"))
import reference  # noqa: E402

SEQS = [[101, 1996, 3007, 1997, 2605, 2003, 103, 1012, 102], [101, 103, 102]]
SHAPE_KEYS = {"dim", "hidden_dim", "n_heads", "n_layers", "max_position_embeddings", "vocab_size"}


def refuses(fn, what, needle):
    try:
        fn()
    except ValueError as e:
        check(needle in str(e), f"{what}: refused, but with {e!r}")
        return
    check(False, f"{what}: not refused")


def check_roberta(models):
    seqs = [[0, 1996, 3007, 1997, 2605, 2003, 103, 1012, 2], [0, 103, 2]]
    both, _, _ = reference.run(os.path.join(models, "roberta-tiny"), seqs)
    alone, _, _ = reference.run(os.path.join(models, "roberta-tiny"), seqs[1:])
    err = float(np.abs(both[1, :3] - alone[0]).max())
    check(err < 1e-5, f"roberta-tiny: a padded sequence differs from itself alone by {err:.3g}")
    nohead, _, _ = reference.run(os.path.join(models, "roberta-tiny-nohead"), seqs)
    check(np.array_equal(both, nohead), "roberta-tiny-nohead (no prefix) and roberta-tiny differ in hidden states")
    print(f"roberta: padded batch {err:.2e} from alone")


# albert-base-v2's and google/electra-small-generator's config.json keys (values are the shape's)
ALBERT_KEYS = {"architectures", "attention_probs_dropout_prob", "bos_token_id", "classifier_dropout_prob",
               "down_scale_factor", "embedding_size", "eos_token_id", "gap_size", "hidden_act", "hidden_dropout_prob",
               "hidden_size", "initializer_range", "inner_group_num", "intermediate_size", "layer_norm_eps",
               "max_position_embeddings", "model_type", "net_structure_type", "num_attention_heads",
               "num_hidden_groups", "num_hidden_layers", "num_memory_blocks", "pad_token_id", "type_vocab_size",
               "vocab_size"}
ELECTRA_KEYS = {"architectures", "attention_probs_dropout_prob", "embedding_size", "hidden_act", "hidden_dropout_prob",
                "hidden_size", "initializer_range", "intermediate_size", "layer_norm_eps", "max_position_embeddings",
                "model_type", "num_attention_heads", "num_hidden_layers", "pad_token_id", "type_vocab_size",
                "vocab_size"}


def check_factorised(models, scratch):
    import torch
    x = torch.linspace(-6, 6, 1001, dtype=torch.float64)
    err = float((reference.gelu_tanh(x) - torch.nn.functional.gelu(x, approximate="tanh")).abs().max())
    check(err < 1e-12, f"gelu_new differs from torch's tanh GELU by {err:.3g}")
    apart = float((reference.gelu_tanh(x) - torch.nn.functional.gelu(x)).abs().max())
    check(apart > 1e-4, f"gelu_new is only {apart:.3g} from the exact GELU: the tests could not tell them apart")
    seqs = [[101, 1996, 3007, 1997, 2605, 2003, 103, 1012, 102], [101, 103, 102]]
    types = [[0, 0, 0, 0, 1, 1, 1, 1, 1], [0, 0, 1]]
    for fam, keys in (("albert", ALBERT_KEYS), ("electra", ELECTRA_KEYS)):
        model = os.path.join(models, f"{fam}-tiny")
        with open(os.path.join(model, "config.json")) as f:
            cfg = json.load(f)
        check(keys <= set(cfg), f"{fam}-tiny's config lacks {sorted(keys - set(cfg))}")
        check(reference.family(cfg) == fam and cfg["embedding_size"] != cfg["hidden_size"], f"{fam}-tiny: {cfg}")
        both, logits, _ = reference.run(model, seqs, types)
        alone, _, _ = reference.run(model, seqs[1:], types[1:])
        err = float(np.abs(both[1, :3] - alone[0]).max())
        check(err < 1e-5, f"{fam}-tiny: a padded sequence differs from itself alone by {err:.3g}")
        check(logits is not None and logits.shape == (2, 9, cfg["vocab_size"]), f"{fam}-tiny: logits")
        nohead, none, _ = reference.run(os.path.join(models, f"{fam}-tiny-nohead"), seqs, types)
        check(none is None and np.array_equal(both, nohead), f"{fam}-tiny-nohead (no prefix) and {fam}-tiny differ")
        print(f"{fam}: padded batch {err:.2e} from alone, hidden {both.shape}")
    # ALBERT: a second, identical layer group (num_hidden_groups 2) changes nothing
    src = os.path.join(models, "albert-tiny-odd")
    two = os.path.join(scratch, "albert-two-groups")
    shutil.rmtree(two, ignore_errors=True)
    os.makedirs(two)
    w = reference.load_safetensors(os.path.join(src, "model.safetensors"))
    g0 = "albert.encoder.albert_layer_groups.0."
    w.update({k.replace(g0, "albert.encoder.albert_layer_groups.1."): v for k, v in w.items() if k.startswith(g0)})
    with open(os.path.join(src, "config.json")) as f:
        cfg = json.load(f)
    cfg.update(num_hidden_groups=2, num_hidden_layers=4)
    with open(os.path.join(two, "config.json"), "w") as f:
        json.dump(cfg, f)
    write_safetensors(os.path.join(two, "model.safetensors"), w)
    cfg["num_hidden_groups"] = 1
    one = os.path.join(scratch, "albert-one-group")
    shutil.rmtree(one, ignore_errors=True)
    shutil.copytree(src, one)
    with open(os.path.join(one, "config.json"), "w") as f:
        json.dump(cfg, f)
    a, _, _ = reference.run(two, seqs, types)
    b, _, _ = reference.run(one, seqs, types)
    check(np.array_equal(a, b), "albert: two identical layer groups differ from one shared group")
    d, _, _ = reference.run(src, seqs, types)
    check(not np.allclose(a, d, atol=1e-3), "albert: 4 layers give the states of 3")
    same = os.path.join(models, "electra-tiny-same")
    names = reference.load_safetensors(os.path.join(same, "model.safetensors"))
    check(not any("embeddings_project" in k for k in names), "electra-tiny-same stores embeddings_project")
    hidden, logits, _ = reference.run(same, seqs, types)
    check(bool(np.isfinite(hidden).all()) and logits is not None, "electra-tiny-same: not finite")


def modernbert_loop(w, cfg, ids):
    """ModernBertModel's hidden states [S, H] for one unpadded sequence, float64, written apart from
    reference.forward_modernbert: per-query key loops, complex rotation, math.erf's GELU."""
    import math

    def g(name):
        return (w["model." + name] if "model." + name in w else w[name]).double().numpy()

    H, nh, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
    D, S = H // nh, len(ids)
    erf = np.vectorize(math.erf)

    def norm(x, p):
        mu = x.mean(-1, keepdims=True)
        y = (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + cfg["norm_eps"]) * g(p + ".weight")
        return y + g(p + ".bias") if cfg["norm_bias"] else y

    def linear(x, p, flag):
        return x @ g(p + ".weight").T + (g(p + ".bias") if cfg[flag] else 0.0)

    def rotate(x, theta):  # x [S, D]: position p's pair j (x_j, x_{j+D/2}) times e^(i p theta^(-2j/D))
        z = x[:, :D // 2] + 1j * x[:, D // 2:]
        z = z * np.exp(1j * np.outer(np.arange(S), theta ** (-np.arange(0, D, 2) / D)))
        return np.concatenate([z.real, z.imag], axis=1)

    x = norm(g("embeddings.tok_embeddings.weight")[ids], "embeddings.norm")
    for i in range(L):
        p = f"layers.{i}."
        local = i % cfg["global_attn_every_n_layers"] != 0
        theta = cfg["local_rope_theta"] if local else cfg["global_rope_theta"]
        half = cfg["local_attention"] // 2 if local else S
        qkv = linear(x if i == 0 else norm(x, p + "attn_norm"), p + "attn.Wqkv", "attention_bias")
        ctx = np.zeros((S, H))
        for h in range(nh):
            q, k, v = (rotate(qkv[:, n * H + h * D:n * H + (h + 1) * D], theta) if n < 2
                       else qkv[:, n * H + h * D:n * H + (h + 1) * D] for n in range(3))
            for s in range(S):
                keys = range(max(0, s - half), min(S, s + half + 1))
                e = np.array([q[s] @ k[j] for j in keys]) / math.sqrt(D)
                e = np.exp(e - e.max())
                ctx[s, h * D:(h + 1) * D] = (e / e.sum()) @ v[list(keys)]
        x = x + linear(ctx, p + "attn.Wo", "attention_bias")
        u = linear(norm(x, p + "mlp_norm"), p + "mlp.Wi", "mlp_bias")
        a, gate = u[:, :cfg["intermediate_size"]], u[:, cfg["intermediate_size"]:]
        x = x + linear(0.5 * a * (1 + erf(a / math.sqrt(2))) * gate, p + "mlp.Wo", "mlp_bias")
    return norm(x, "final_norm")


MODERNBERT_SHAPE = {"_name_or_path", "architectures", "hidden_size", "intermediate_size", "num_attention_heads",
                    "num_hidden_layers", "local_attention", "attention_bias", "mlp_bias", "norm_bias",
                    "classifier_bias"}


def check_modernbert(models, data):
    import torch
    with open(os.path.join(data, "tokenizers", "ModernBERT-base", "config.json")) as f:
        real = json.load(f)
    rng = np.random.default_rng(19)
    seqs = [[50281] + [int(i) for i in rng.integers(1000, 50000, n - 2)] + [50282] for n in (40, 17)] + [[50284]]
    for name in ("modernbert-tiny", "modernbert-tiny-bias"):
        model = os.path.join(models, name)
        with open(os.path.join(model, "config.json")) as f:
            cfg = json.load(f)
        for k, v in real.items():
            check(k == "transformers_version" or k in cfg, f"{name}: config lacks {k}")
            check(k in MODERNBERT_SHAPE or k not in cfg or cfg[k] == v, f"{name}: {k} = {cfg.get(k)!r}, real {v!r}")
        w = reference.load_safetensors(os.path.join(model, "model.safetensors"))
        check("model.layers.0.attn_norm.weight" not in w and "model.layers.1.attn_norm.weight" in w,
              f"{name}: layer 0 has an attn_norm or layer 1 none")
        hidden, logits, _ = reference.run(model, seqs)
        worst = 0.0
        for b, ids in enumerate(seqs):
            loop = modernbert_loop(w, cfg, ids)
            worst = max(worst, float(np.abs(hidden[b, :len(ids)] - loop).max()))
            if b == 0:  # the MLM head on three rows, from the loop's states
                t = torch.from_numpy(loop[[0, 20, 39]])
                t = reference.modernbert_head({k: v.double() for k, v in w.items()}, cfg, t)
                rows = t @ w["model.embeddings.tok_embeddings.weight"].double().T + w["decoder.bias"].double()
                el = float(np.abs(logits[0, [0, 20, 39]] - rows.numpy()).max())
                check(el < 1e-4, f"{name}: logits differ from the loop's by {el:.3g}")
        check(worst < 1e-4, f"{name}: hidden states differ from the per-query loop by {worst:.3g}")
        check(float(np.abs(logits[0]).std()) > 0.1, f"{name}: logits nearly constant")
        print(f"{name}: per-query loop {worst:.2e}, padded batch of 40, 17, 1 tokens")
        if name == "modernbert-tiny-bias":  # each flag's tensors are read
            ids = torch.tensor([seqs[0]])
            one = torch.ones_like(ids)
            base_h, base_l = reference.forward_modernbert(w, cfg, ids, None, one)
            for flag in ("attention_bias", "mlp_bias", "norm_bias", "classifier_bias"):
                h, lg = reference.forward_modernbert(w, dict(cfg, **{flag: False}), ids, None, one)
                moved = float((lg - base_l).abs().max()) if flag == "classifier_bias" else float((h - base_h).abs().max())
                check(moved > 1e-4, f"{name}: {flag} false changes the outputs by only {moved:.3g}")
    model = os.path.join(models, "modernbert-tiny")
    with open(os.path.join(model, "config.json")) as f:
        cfg = json.load(f)
    w = reference.load_safetensors(os.path.join(model, "model.safetensors"))
    # the rotation at far positions: the complex product against rotate_half with float32 angles
    D = cfg["hidden_size"] // cfg["num_attention_heads"]
    x = torch.from_numpy(rng.standard_normal((8192, D)))
    cos, sin = reference.modernbert_rotary(8192, D, cfg["global_rope_theta"], torch.float64)
    got = (x * cos + reference.rotate_half(x) * sin).numpy()
    for pos in (0, 1, 7, 100, 1000, 8191):
        z = (x[pos, :D // 2] + 1j * x[pos, D // 2:]).numpy()
        z = z * np.exp(1j * pos * cfg["global_rope_theta"] ** (-np.arange(0, D, 2) / D))
        want = np.concatenate([z.real, z.imag])
        err = float(np.abs(got[pos] - want).max())
        check(err <= 1e-9 + 4e-7 * pos * float(np.abs(want).max()), f"rotary at position {pos}: {err:.3g}")
    # the windows, in the recorded probabilities (local_attention 16: +-8; layers 0 and 3 global)
    ids = seqs[0]
    probs = reference.attention_probs(model, ids)
    far = np.abs(np.arange(len(ids))[:, None] - np.arange(len(ids))[None, :]) > cfg["local_attention"] // 2
    check(len(probs) == 4, f"modernbert-tiny: {len(probs)} layers' probabilities")
    for i, pr in enumerate(probs):
        outside = float(pr[:, far].max())
        check((outside == 0) == (i % 3 != 0), f"modernbert-tiny layer {i}: {outside:.3g} outside the window")
        check(float(np.abs(pr.sum(-1) - 1).max()) < 1e-5, f"modernbert-tiny layer {i}: rows do not sum to 1")
    # layer 0's attn_norm is nn.Identity: one in the checkpoint is not read
    t = torch.tensor([ids])
    one = torch.ones_like(t)
    base, _ = reference.forward_modernbert(w, cfg, t, None, one)
    extra = dict(w, **{"model.layers.0.attn_norm.weight": torch.zeros(cfg["hidden_size"])})
    same, _ = reference.forward_modernbert(extra, cfg, t, None, one)
    check(torch.equal(base, same), "modernbert: a layers.0.attn_norm.weight changes the outputs")
    both, _, _ = reference.run(model, seqs)
    nohead, none, _ = reference.run(os.path.join(models, "modernbert-tiny-nohead"), seqs)
    check(none is None and np.array_equal(both, nohead), "modernbert-tiny-nohead (no prefix) and modernbert-tiny differ")
    double, _, _ = reference.run(model, seqs, dtype=torch.float64)
    err = float(np.abs(double - both).max())
    check(err < 1e-4, f"modernbert-tiny: float64 differs from float32 by {err:.3g}")
    refuses(lambda: reference.run(model, [[50281, 50284, 50282]], [[0, 1, 1]]), "ModernBERT token types",
            "no token types")
    print(f"modernbert: rotary to position 8191, windows, float64 {err:.2e} from float32")


def check_jina(models):
    """JinaBERT's oracle: ALiBi's slopes against the paper's values, the layout's tensors, and that
    ALiBi and the GeGLU's halves each change the hidden states (so the e2e tests can see them)."""
    import torch
    for n, want in ((4, [2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8]), (8, [2.0 ** -(i + 1) for i in range(8)]),
                    (6, [2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8, 2 ** -1, 2 ** -3]),
                    (12, [2.0 ** -(i + 1) for i in range(8)] + [2 ** -0.5, 2 ** -1.5, 2 ** -2.5, 2 ** -3.5])):
        got = reference.alibi_slopes(n)
        check(len(got) == n and max(abs(a - b) for a, b in zip(got, want)) < 1e-15, f"ALiBi slopes of {n}: {got}")
    model = os.path.join(models, "jina-tiny")
    with open(os.path.join(model, "config.json")) as f:
        cfg = json.load(f)
    check(reference.family(cfg) == "jina", f"jina-tiny: family {reference.family(cfg)}")
    w = reference.load_safetensors(os.path.join(model, "model.safetensors"))
    check(not any("position_embeddings" in k for k in w), "jina-tiny has position embeddings")
    check("bert.encoder.layer.0.mlp.gated_layers.weight" in w and "bert.encoder.layer.0.mlp.gated_layers.bias" not in w
          and w["bert.encoder.layer.0.mlp.gated_layers.weight"].shape == (2 * cfg["intermediate_size"], cfg["hidden_size"]),
          "jina-tiny: gated_layers is not [2I, H] without a bias")
    ids = torch.tensor([[101] + list(range(2000, 2030)) + [102]])
    one, types = torch.ones_like(ids), torch.zeros_like(ids)
    base, _ = reference.forward_jina(w, cfg, ids, types, one)
    saved = reference.alibi_slopes
    reference.alibi_slopes = lambda n: [0.0] * n
    try:
        flat, _ = reference.forward_jina(w, cfg, ids, types, one)
    finally:
        reference.alibi_slopes = saved
    check(float((base - flat).abs().max()) > 1e-2, "jina-tiny: ALiBi changes the hidden states by under 1e-2")
    # positions matter only through ALiBi: a reversed body gives other states than the reversed states
    rev = torch.cat([ids[:, :1], ids[:, 1:-1].flip(1), ids[:, -1:]], dim=1)
    h_rev, _ = reference.forward_jina(w, cfg, rev, types, one)
    check(float((h_rev[0, 1:-1].flip(0) - base[0, 1:-1]).abs().max()) > 1e-3, "jina-tiny: word order does not matter")
    print("jina: ALiBi slopes of 4, 6, 8, 12 heads; ALiBi and word order change the hidden states")


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h + b"".join(blobs))


def main():
    make_model, vocab, models, data, scratch = sys.argv[1:6]
    outputs = {}
    for name in ("distil-tiny", "distil-tiny-f16", "distil-tiny-odd", "distil-tiny-nohead"):
        model = os.path.join(models, name)
        with open(os.path.join(model, "config.json")) as f:
            cfg = json.load(f)
        check(reference.family(cfg) == "distilbert", f"{name}: family {reference.family(cfg)}")
        hidden, logits, mask = reference.run(model, SEQS)
        outputs[name] = hidden, logits
        check(hidden.shape == (2, 9, cfg["dim"]), f"{name}: hidden shape {hidden.shape}")
        check(bool(np.isfinite(hidden).all()), f"{name}: hidden states not finite")
        if name.endswith("nohead"):
            check(logits is None, f"{name}: logits from a model without an MLM head")
        else:
            check(logits is not None and logits.shape == (2, 9, cfg["vocab_size"]), f"{name}: logits")
            check(logits is not None and bool(np.isfinite(logits).all()), f"{name}: logits not finite")
        print(f"{name}: hidden {hidden.shape}, logits {None if logits is None else logits.shape}")
    same = np.array_equal(outputs["distil-tiny"][0], outputs["distil-tiny-nohead"][0])
    check(same, "distil-tiny-nohead (no prefix) and distil-tiny (prefix) differ in hidden states")

    tiny = os.path.join(models, "distil-tiny")
    refuses(lambda: reference.run(tiny, SEQS[1:], [[0, 1, 1]]), "token types", "no token types")
    squad = os.path.join(scratch, "distil-sinusoidal")
    shutil.rmtree(squad, ignore_errors=True)
    os.makedirs(squad)
    shutil.copy(os.path.join(tiny, "model.safetensors"), squad)
    with open(os.path.join(data, "distilbert-base-cased-distilled-squad-config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(tiny, "config.json")) as f:
        cfg.update({k: v for k, v in json.load(f).items() if k in SHAPE_KEYS})
    with open(os.path.join(squad, "config.json"), "w") as f:
        json.dump(cfg, f)
    # sinusoidal_pos_embds: the stored position table, as Hugging Face's forward reads it
    sq_hidden, _, _ = reference.run(squad, SEQS)
    check(np.array_equal(sq_hidden, outputs["distil-tiny"][0]),
          "distilbert-base-cased-distilled-squad's config (sinusoidal_pos_embds) changes the hidden states")

    with open(os.path.join(data, "distilbert-base-uncased-config.json")) as f:
        real = json.load(f)
    with open(os.path.join(tiny, "config.json")) as f:
        made = json.load(f)
    for k, v in real.items():
        if k == "transformers_version":
            continue
        check(k in made, f"generated config lacks {k}")
        check(k in SHAPE_KEYS or made.get(k) == v, f"generated config: {k} = {made.get(k)!r}, real {v!r}")

    check_roberta(models)
    check_factorised(models, scratch)
    check_modernbert(models, data)
    check_jina(models)
    for args, needle in ((["--family", "modernbert", "--types", "2"], "token type"),
                         (["--family", "bert", "--biases"], "for --family modernbert"),
                         (["--family", "modernbert", "--hidden", "36", "--heads", "12"], "odd head width")):
        p = subprocess.run([make_model] + args + ["--vocab", vocab, "--out", os.path.join(scratch, "mb-refused")],
                           capture_output=True, text=True)
        check(p.returncode == 2 and needle in p.stderr, f"make-model {' '.join(args)}: exit {p.returncode}, {p.stderr!r}")
    p = subprocess.run([make_model, "--family", "distilbert", "--types", "2", "--vocab", vocab, "--out",
                        os.path.join(scratch, "distil-types")], capture_output=True, text=True)
    check(p.returncode == 2 and "token type" in p.stderr, f"make-model --types: exit {p.returncode}, {p.stderr!r}")
    print(f"test_reference: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

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
    p = subprocess.run([make_model, "--family", "distilbert", "--types", "2", "--vocab", vocab, "--out",
                        os.path.join(scratch, "distil-types")], capture_output=True, text=True)
    check(p.returncode == 2 and "token type" in p.stderr, f"make-model --types: exit {p.returncode}, {p.stderr!r}")
    print(f"test_reference: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

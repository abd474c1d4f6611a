#!/usr/bin/python3
"""The oracle's DistilBERT and RoBERTa sides (model_tools/reference.py), without a device.

On the generated distil-* models: finite outputs of the right shapes, logits only with a head,
a DistilBertModel checkpoint (no prefix, no head) giving the same hidden states as the
DistilBertForMaskedLM one with the same seed. Refusals: nonzero token types, sinusoidal position
embeddings (distilbert-base-cased-distilled-squad's config), --types for vkbert-make-model.
vkbert-make-model's config.json has every key of distilbert-base-uncased's, with its values
where the shape does not decide them.

RoBERTa: a padded batch gives each sequence the hidden states it has alone (positions come from
the ids, padding at padding_idx), the -nohead checkpoint (no prefix) the same as the MLM one.

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
    refuses(lambda: reference.run(squad, SEQS), "sinusoidal_pos_embds", "sinusoidal")

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
    p = subprocess.run([make_model, "--family", "distilbert", "--types", "2", "--vocab", vocab, "--out",
                        os.path.join(scratch, "distil-types")], capture_output=True, text=True)
    check(p.returncode == 2 and "token type" in p.stderr, f"make-model --types: exit {p.returncode}, {p.stderr!r}")
    print(f"test_reference: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

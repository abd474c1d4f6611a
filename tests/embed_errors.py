#!/usr/bin/python3
"""Broken sentence-transformers layouts and classification configs (issue 12): each must make the
CLI exit non-zero (not by a signal) with one line on stderr, 'vkbert: error: ...', naming the
problem (the words each case looks for, case-insensitively, are listed with it).

The broken models are made here, in a scratch folder, from the good st-mean fixture by
model_tools/make_st_layout.py's broken modes (each changes one thing), or by editing one file.
model_tools/reference_st.py must refuse each of them too (checked first, without a device).

    embed_errors.py VKBERT MODELS_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from vkbert_testlib import FAILURES, check, have_device

HERE = os.path.dirname(os.path.abspath(__file__))
LAYOUT = os.path.join(HERE, "..", "model_tools", "make_st_layout.py")
sys.path.insert(0, os.path.join(HERE, "..", "model_tools"))
import reference_st as R  # noqa: E402


def make_bad(models, tmp, name, layout_args=(), edit=None, base="st-mean"):
    """A copy of a fixture model with its layout rewritten by make_st_layout.py and/or edit(dir)."""
    d = os.path.join(tmp, name)
    shutil.copytree(os.path.join(models, base), d)
    if layout_args:
        subprocess.run([sys.executable, LAYOUT, d] + list(layout_args), check=True)
    if edit:
        edit(d)
    return d


def edit_json(path, fn):
    with open(path) as f:
        obj = json.load(f)
    obj = fn(obj) or obj
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)


def expect_error(vkbert, args, words, what):
    p = subprocess.run([vkbert] + args, capture_output=True, timeout=300)
    err = p.stderr.decode("utf-8", "replace")
    check(p.returncode > 0, f"{what}: exit status {p.returncode} (want a non-zero exit, not a signal)")
    lines = [line for line in err.splitlines() if line.strip()]
    check(len(lines) == 1, f"{what}: want one line on stderr, got {lines}")
    check(bool(lines) and lines[-1].startswith("vkbert: error: "), f"{what}: stderr {err!r}")
    missing = [w for w in words if not any(alt.lower() in err.lower() for alt in w.split("|"))]
    check(not missing, f"{what}: stderr {err!r} lacks {missing}")
    print(f"  {what}: exit {p.returncode}: {lines[-1] if lines else ''}")


def main():
    vkbert, models = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp()
    try:
        cases = []  # (what, vkbert args, words the message must hold, model the oracle must refuse or None)

        def embed_case(what, model, words):
            cases.append((what, ["embed", "-m", model, "--json", "hello world"], words, model))

        embed_case("pooling config without a mode", make_bad(models, tmp, "pool-none", ["--bad-pooling", "none"]),
                   ["pooling"])
        embed_case("pooling config with two modes", make_bad(models, tmp, "pool-two", ["--bad-pooling", "two"]),
                   ["pooling"])
        embed_case("modules.json path outside the model directory",
                   make_bad(models, tmp, "path-outside", ["--module-path", "../outside"]),
                   ["outside|escapes|../outside"])
        abs_pool = os.path.join(tmp, "abs-pooling")  # a valid pooling config, so that only the path is wrong
        os.makedirs(abs_pool)
        with open(os.path.join(abs_pool, "config.json"), "w") as f:
            json.dump({"word_embedding_dimension": 32, "pooling_mode_mean_tokens": True}, f)
        embed_case("modules.json with an absolute path",
                   make_bad(models, tmp, "absolute", ["--module-path", abs_pool]), ["outside|absolute|" + abs_pool])
        embed_case("Dense whose input does not fit the pooled size",
                   make_bad(models, tmp, "dense-in", ["--dense", "24:tanh", "--dense-in", "17"]), ["dense", "17"])

        def weight_mismatch(d):  # config says 32 -> 24, the stored weight is [24, 30]
            edit_json(os.path.join(d, "2_Dense", "config.json"), lambda c: c.update(in_features=32))
        embed_case("Dense weight of another shape than its config",
                   make_bad(models, tmp, "dense-weight", ["--dense", "24:tanh", "--dense-in", "30"], weight_mismatch),
                   ["dense|linear.weight"])
        embed_case("Dense stored only as pytorch_model.bin",
                   make_bad(models, tmp, "dense-bin", ["--dense", "24:tanh", "--dense-bin"]), ["pytorch_model.bin"])

        def relu(d):
            edit_json(os.path.join(d, "2_Dense", "config.json"),
                      lambda c: c.update(activation_function="torch.nn.modules.activation.ReLU"))
        embed_case("Dense with an activation vkbert does not run",
                   make_bad(models, tmp, "dense-relu", ["--dense", "24:tanh"], relu), ["ReLU"])

        def normalize_first(d):  # Transformer, Pooling, Normalize, Dense
            edit_json(os.path.join(d, "modules.json"), lambda m: [m[0], m[1], dict(m[3], idx=2, name="2"),
                                                                  dict(m[2], idx=3, name="3")])
        embed_case("Normalize before Dense",
                   make_bad(models, tmp, "order", ["--dense", "24:tanh", "--normalize"], normalize_first),
                   ["dense|normalize|order"])

        def layernorm_module(d):
            edit_json(os.path.join(d, "modules.json"),
                      lambda m: m + [{"idx": 2, "name": "2", "path": "2_LayerNorm",
                                      "type": "sentence_transformers.models.LayerNorm"}])
        embed_case("a module type vkbert does not run", make_bad(models, tmp, "layernorm", [], layernorm_module),
                   ["LayerNorm"])

        def broken_modules(d):
            with open(os.path.join(d, "modules.json"), "w") as f:
                f.write('[{"idx": 0, "name": "0", "path": "", "type": ')
        embed_case("modules.json that is not JSON", make_bad(models, tmp, "modules-json", [], broken_modules),
                   ["modules.json"])
        noid = os.path.join(models, "cls-noid2label")
        cases.append(("classifier without id2label", ["classify", "-m", noid, "--json", "hello"], ["id2label"], noid))
        # wrong uses of good models (the oracle has nothing to refuse here)
        cases.append(("rerank with a 3-label classifier",
                      ["rerank", "-m", os.path.join(models, "cls-tiny"), "--json", "query", "a", "b"], ["label"], None))
        cases.append(("classify on a model without a classification head",
                      ["classify", "-m", os.path.join(models, "st-bge"), "--json", "hello"], ["classif"], None))
        cases.append(("an unknown --prompt-name",
                      ["embed", "-m", os.path.join(models, "st-prompt"), "--prompt-name", "nosuch", "--json", "x"],
                      ["nosuch"], None))
        cases.append(("an unknown --pooling",
                      ["embed", "-m", os.path.join(models, "st-mean"), "--pooling", "bogus", "--json", "x"],
                      ["bogus|--pooling"], None))

        # the oracle refuses every broken model as well (no device needed)
        for what, _, _, model in cases:
            if model is None:
                continue
            try:
                if what.startswith("classifier"):
                    R.labels(model)
                else:
                    R.load_layout(model)
                check(False, f"{what}: reference_st.py accepts {model}")
            except ValueError as e:
                print(f"  oracle refuses {what}: {e}")
        if not have_device(vkbert):
            return 1 if FAILURES else 77
        for what, args, words, _ in cases:
            expect_error(vkbert, args, words, what)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"embed_errors: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

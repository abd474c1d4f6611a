#!/usr/bin/python3
"""vkbert info, vkbert --version, and the model files every loader reads:
- info's figures against the files themselves (safetensors headers read here, vocab.txt and
  tokenizer.json looked up here), on models of each family, tokenizer kind and head;
- a model file that is a FIFO, a directory or a link to /dev/zero is an error naming it, never
  a hang (every run has a timeout: a FIFO's open used to wait for a writer forever);
- a field of the wrong type in any JSON file read is an error naming the file and the field,
  while null, which Hugging Face writes for "not set", stays accepted.
info needs no device; where one exists the same files also go through the device loader."""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

from vkbert_testlib import FAILURES, WINDOWS, check, have_device

TIMEOUT = 60


def run(vkbert, args):
    try:
        return subprocess.run([vkbert] + args, capture_output=True, text=True, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None


def info(vkbert, model):
    p = run(vkbert, ["info", "-m", model, "--json"])
    check(p is not None and p.returncode == 0, f"info {model}: {p and p.stderr.strip()!r}")
    try:
        return json.loads(p.stdout) if p and p.returncode == 0 else None
    except ValueError:
        check(False, f"info --json {model}: not JSON: {p.stdout!r}")
        return None


def st_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        h = json.loads(f.read(n))
    h.pop("__metadata__", None)
    return h


def check_figures(vkbert, models):
    """info's JSON against config.json, the safetensors header and the vocabulary."""
    for name, family, heads, tok_file, tok_model in [
            ("tiny", "bert", {"mlm"}, "vocab.txt", "WordPiece"),
            ("tiny-f16", "bert", {"mlm"}, "vocab.txt", "WordPiece"),
            ("tiny-bf16", "bert", {"mlm"}, "vocab.txt", "WordPiece"),
            ("tiny-nohead", "bert", set(), "vocab.txt", "WordPiece"),
            ("distil-tiny", "distilbert", {"mlm"}, "vocab.txt", "WordPiece"),
            ("roberta-tiny-bpe", "roberta", {"mlm"}, "tokenizer.json", "BPE"),
            ("xlmr-tiny", "roberta", {"mlm"}, "tokenizer.json", "Unigram"),
            ("albert-tiny-spm", "albert", {"mlm"}, "tokenizer.json", "Unigram"),
            ("electra-tiny-wide", "electra", {"mlm"}, "vocab.txt", "WordPiece"),
            ("cls-tiny", "bert", {"classifier"}, "vocab.txt", "WordPiece"),
            ("xenc-tiny", "bert", {"classifier"}, "vocab.txt", "WordPiece"),
            ("st-minilm", "bert", {"st"}, "vocab.txt", "WordPiece"),
            ("st-dense-tanh", "bert", {"st"}, "vocab.txt", "WordPiece")]:
        model = os.path.join(models, name)
        j = info(vkbert, model)
        if not j:
            continue
        cfg = json.load(open(os.path.join(model, "config.json")))
        check(j["family"] == family and j["model_type"] == cfg.get("model_type"), f"{name}: family {j['family']}")
        hidden = cfg.get("hidden_size", cfg.get("dim"))
        check(j["config"]["hidden_size"] == hidden, f"{name}: hidden_size {j['config']['hidden_size']} != {hidden}")
        check(j["config"]["num_hidden_layers"] == cfg.get("num_hidden_layers", cfg.get("n_layers")), f"{name}: layers")
        check(j["config"]["vocab_size"] == cfg["vocab_size"], f"{name}: vocab_size")
        check(j["config"]["embedding_size"] == cfg.get("embedding_size", hidden if family != "albert" else 128),
              f"{name}: embedding_size {j['config']['embedding_size']}")
        offset = cfg.get("pad_token_id", 1) + 1 if family == "roberta" else 0
        check(j["max_tokens"] == cfg.get("max_position_embeddings", 512) - offset, f"{name}: max_tokens {j['max_tokens']}")
        h = st_header(os.path.join(model, "model.safetensors"))
        params = sum(eval_prod(v["shape"]) for v in h.values())
        dtypes = {}
        for v in h.values():
            dtypes[v["dtype"]] = dtypes.get(v["dtype"], 0) + 1
        ck = j["checkpoint"]
        check(ck["parameters"] == params and ck["tensors"] == len(h) and ck["dtypes"] == dtypes and ck["files"] == 1,
              f"{name}: checkpoint {ck}, want {params} parameters, dtypes {dtypes}")
        check(j["heads"]["mlm"] == ("mlm" in heads), f"{name}: heads.mlm {j['heads']['mlm']}")
        check((j["heads"]["classifier"] is not None) == ("classifier" in heads), f"{name}: heads.classifier")
        check((j["heads"]["sentence_transformers"] is not None) == ("st" in heads), f"{name}: st")
        cmds = set(j["commands"])
        check(("fill-mask" in cmds) == ("mlm" in heads) and ("predict" in cmds) == ("mlm" in heads) and ("score" in cmds) == ("mlm" in heads) and "attention" in cmds,
              f"{name}: commands {cmds}")
        check(("classify" in cmds) == ("classifier" in heads), f"{name}: commands {cmds}")
        if "classifier" in heads:
            labels = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
            check(j["heads"]["classifier"]["labels"] == labels, f"{name}: labels {j['heads']['classifier']}")
            check(("rerank" in cmds) == (len(labels) == 1), f"{name}: rerank in {cmds}")
        t = j["tokenizer"]
        check(t["file"] == tok_file and t["model"] == tok_model, f"{name}: tokenizer {t['file']} {t['model']}")
        if tok_file == "vocab.txt":
            vocab = open(os.path.join(model, "vocab.txt"), encoding="utf-8").read().split("\n")
            for key, tok in [("cls", "[CLS]"), ("sep", "[SEP]"), ("unk", "[UNK]"), ("pad", "[PAD]"), ("mask", "[MASK]")]:
                sp = t["special_tokens"][key]
                check(sp == {"token": tok, "id": vocab.index(tok)}, f"{name}: {key} {sp}")
        else:
            tj = json.load(open(os.path.join(model, "tokenizer.json"), encoding="utf-8"))
            added = {a["content"]: a["id"] for a in tj.get("added_tokens", [])}
            for key in ("cls", "sep", "pad", "unk", "mask"):
                sp = t["special_tokens"][key]
                check(sp is not None and added.get(sp["token"]) == sp["id"], f"{name}: {key} {sp} not in {added}")
        mem = j["memory"]
        check(mem["weights_fp32_bytes"] >= 4 * 0.9 * params and mem["weights_fp16_bytes"] <= mem["weights_fp32_bytes"]
              and mem["session_bytes"] > 0 and mem["session_tokens"] == j["max_tokens"], f"{name}: memory {mem}")
        p = run(vkbert, ["info", "-m", model])
        check(p is not None and p.returncode == 0 and f"family       {family}" in p.stdout and
              f"{params} parameters" in p.stdout, f"info {name} (text): {p and (p.stdout, p.stderr)}")
    st = info(vkbert, os.path.join(models, "st-dense-tanh"))
    if st:
        check(st["heads"]["sentence_transformers"]["dense"] == {"in": 32, "out": 24}, f"st-dense-tanh: {st['heads']}")


def eval_prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def check_device_memory(vkbert, models):
    """The weights' estimate against what the device loader reports (alignment aside)."""
    for name in ("tiny", "cls-tiny", "albert-tiny"):
        model = os.path.join(models, name)
        j = info(vkbert, model)
        for prec in ("fp32", "fp16"):
            p = subprocess.run([vkbert, "bench", "-m", model, "--batch", "1", "--seq", "8", "--json", "--precision",
                                prec], capture_output=True, text=True, timeout=300)
            if prec == "fp16" and "fp16 weights need 16-bit storage" in p.stderr:
                print(f"  {name}: fp16 not available on this device ({p.stderr.strip()})")  # VKBERT_LIMITS=min
                continue
            recs = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
            real = recs[0].get("device_memory_bytes") if recs else None
            if not j or not real:
                check(False, f"bench -m {name} --precision {prec}: {p.stderr.strip()!r}")
                continue
            est = j["memory"][f"weights_{prec}_bytes"]
            check(0.9 * real <= est <= real, f"{name} {prec}: info says {est} bytes, the device holds {real}")


def check_version(vkbert):
    p = run(vkbert, ["--version"])
    check(p is not None and p.returncode == 0 and
          re.fullmatch(r"vkbert \d+\.\d+\.\d+ \(Vulkan headers 1\.\d+\.\d+; Oniguruma \d+\.\d+\.\d+, utf8proc \S+, "
                       r"cJSON \d+\.\d+\.\d+\)\n", p.stdout) is not None, f"--version: {p and p.stdout!r}")


def expect_error(vkbert, args, fragment, label):
    p = run(vkbert, args)
    if p is None:
        check(False, f"{label}: no answer in {TIMEOUT} s (a hang)")
        return
    err = p.stderr.strip()
    check(p.returncode == 1, f"{label}: exit {p.returncode}, want 1 ({err!r})")
    check(fragment in err, f"{label}: stderr {err!r} lacks {fragment!r}")


def check_file_kinds(vkbert, models, tmp, device):
    """Each file a loader reads, replaced by a FIFO, a directory, a link to /dev/zero."""
    cases = [("tiny", "model.safetensors"), ("tiny", "config.json"), ("tiny", "vocab.txt"),
             ("tiny", "tokenizer_config.json"), ("roberta-tiny-bpe", "tokenizer.json"),
             ("st-minilm", "modules.json"), ("st-minilm", "1_Pooling/config.json"),
             ("st-minilm", "sentence_bert_config.json"), ("st-prompt", "config_sentence_transformers.json")]
    kinds = [("dir", "is a directory, not a regular file")]
    if not WINDOWS:
        kinds += [("fifo", "is a FIFO, not a regular file"), ("devzero", "is a character device, not a regular file")]
    for src, fname in cases:
        for kind, fragment in kinds:
            d = os.path.join(tmp, f"{src}-{fname.replace('/', '_')}-{kind}")
            shutil.copytree(os.path.join(models, src), d)
            path = os.path.join(d, fname)
            os.remove(path)
            if kind == "dir":
                os.mkdir(path)
            elif kind == "fifo":
                os.mkfifo(path)
            else:
                os.symlink("/dev/zero", path)
            expect_error(vkbert, ["info", "-m", d], f"{path} {fragment}", f"info, {fname} {kind}")
            expect_error(vkbert, ["tokenize", "-m", d, "hello"] if "token" in fname or "vocab" in fname else
                         ["info", "--json", "-m", d], f"{path} {fragment}", f"tokenize/info --json, {fname} {kind}")
            if device and fname in ("model.safetensors", "config.json"):
                expect_error(vkbert, ["encode", "--json", "-m", d, "hello"], f"{path} {fragment}",
                             f"encode, {fname} {kind}")
    # a shard named by an index
    d = os.path.join(tmp, "shard-fifo")
    shutil.copytree(os.path.join(models, "tiny"), d)
    names = list(st_header(os.path.join(d, "model.safetensors")))
    os.rename(os.path.join(d, "model.safetensors"), os.path.join(d, "model-1.safetensors"))
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump({"weight_map": {n: "model-1.safetensors" for n in names}}, f)
    check(info(vkbert, d) is not None, "a sharded copy of tiny")
    for kind, fragment in kinds:
        shard = os.path.join(d, "model-1.safetensors")
        os.rename(shard, shard + ".real")
        if kind == "dir":
            os.mkdir(shard)
        elif kind == "fifo":
            os.mkfifo(shard)
        else:
            os.symlink("/dev/zero", shard)
        # a link to /dev/zero is a link out of the directory, which the index check refuses first
        expect_error(vkbert, ["info", "-m", d], "a symlink that leads out of the model directory" if kind == "devzero"
                     else f"{shard} {fragment}", f"info, shard {kind}")
        os.rmdir(shard) if kind == "dir" else os.remove(shard)
        os.rename(shard + ".real", shard)


# (model, file, field, bad value, what the field must be); the value replaces the field's (or is
# added), and the error must say 'FILE: "FIELD" must be WANT, not GOT'.
BAD_TYPES = [
    ("tiny", "tokenizer_config.json", "do_lower_case", "yes", "a boolean"),
    ("tiny", "tokenizer_config.json", "strip_accents", 1, "a boolean"),
    ("tiny", "tokenizer_config.json", "tokenize_chinese_chars", "true", "a boolean"),
    ("tiny", "config.json", "model_type", 7, "a string"),
    ("tiny", "config.json", "hidden_act", ["gelu"], "a string"),
    ("tiny", "config.json", "tie_word_embeddings", "false", "a boolean"),
    ("tiny", "config.json", "position_embedding_type", 0, "a string"),
    ("cls-tiny", "config.json", "id2label", ["negative"], "an object"),
    ("cls-tiny", "config.json", "problem_type", True, "a string"),
    ("distil-tiny", "config.json", "sinusoidal_pos_embds", "no", "a boolean"),
    ("st-minilm", "sentence_bert_config.json", "do_lower_case", "false", "a boolean"),
    ("st-minilm", "1_Pooling/config.json", "pooling_mode_mean_tokens", 1, "a boolean"),
    ("st-minilm", "1_Pooling/config.json", "word_embedding_dimension", "32", "a number"),
    ("st-minilm", "1_Pooling/config.json", "include_prompt", "yes", "a boolean"),
    ("st-dense-tanh", "2_Dense/config.json", "bias", "true", "a boolean"),
    ("st-dense-tanh", "2_Dense/config.json", "activation_function", {}, "a string"),
    ("st-prompt", "config_sentence_transformers.json", "prompts", ["query: "], "an object"),
    ("st-prompt", "config_sentence_transformers.json", "default_prompt_name", 0, "a string"),
    ("st-minilm", "modules.json", "[1].type", 3, "a string"),
    ("st-minilm", "modules.json", "[1].path", False, "a string"),
    ("roberta-tiny-bpe", "tokenizer.json", "added_tokens[0].special", "true", "a boolean"),
    ("roberta-tiny-bpe", "tokenizer.json", "model.byte_fallback", 0, "a boolean"),
    ("roberta-tiny-bpe", "tokenizer.json", "pre_tokenizer.add_prefix_space", "no", "a boolean"),
    ("roberta-tiny-bpe", "tokenizer.json", "model.unk_token", 3, "a string"),
    ("roberta-tiny-bpe", "tokenizer.json", "model.dropout", "0", "a number"),
    ("xlmr-tiny", "tokenizer.json", "model.byte_fallback", "false", "a boolean"),
    ("index", "model.safetensors.index.json", "weight_map", [], "an object"),
]

# null where Hugging Face writes it: accepted as "not set"
NULLS = [
    ("tiny", "tokenizer_config.json", "strip_accents"),
    ("tiny", "tokenizer_config.json", "do_lower_case"),
    ("cls-tiny", "config.json", "problem_type"),
    ("tiny", "config.json", "tie_word_embeddings"),
    ("st-prompt", "config_sentence_transformers.json", "default_prompt_name"),
    ("st-minilm", "sentence_bert_config.json", "max_seq_length"),
]

JSON_TYPE = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array",
             dict: "an object"}


def set_field(obj, field, value):
    """field: "a.b", "[1].type", "added_tokens[0].special"."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", field)
    for p in parts[:-1]:
        obj = obj[int(p[1:-1])] if p.startswith("[") else obj.setdefault(p, {})
    last = parts[-1]
    if last.startswith("["):
        obj[int(last[1:-1])] = value
    else:
        obj[last] = value


def model_copy(models, tmp, src, label):
    d = os.path.join(tmp, label)
    if src == "index":  # tiny, sharded by an index into one shard
        shutil.copytree(os.path.join(models, "tiny"), d)
        names = list(st_header(os.path.join(d, "model.safetensors")))
        os.rename(os.path.join(d, "model.safetensors"), os.path.join(d, "model-1.safetensors"))
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"weight_map": {n: "model-1.safetensors" for n in names}}, f)
    else:
        shutil.copytree(os.path.join(models, src), d)
    return d


def check_json_types(vkbert, models, tmp):
    for i, (src, fname, field, bad, want) in enumerate(BAD_TYPES):
        d = model_copy(models, tmp, src, f"type{i}")
        path = os.path.join(d, fname)
        obj = json.load(open(path, encoding="utf-8")) if os.path.exists(path) else {}
        set_field(obj, field, bad)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(obj, f)
        key = re.findall(r"[^.\[\]]+", field)[-1]
        got = JSON_TYPE[type(bad)]
        expect_error(vkbert, ["info", "-m", d], f'{path}: "{key}" must be {want}, not {got}', f"{fname} {field}={bad!r}")
        if "tokenizer" in fname:
            expect_error(vkbert, ["tokenize", "-m", d, "hello"], f'{path}: "{key}" must be {want}, not {got}',
                         f"tokenize, {fname} {field}={bad!r}")
    for i, (src, fname, field) in enumerate(NULLS):
        d = model_copy(models, tmp, src, f"null{i}")
        path = os.path.join(d, fname)
        obj = json.load(open(path, encoding="utf-8"))
        set_field(obj, field, None)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(obj, f)
        p = run(vkbert, ["info", "-m", d])
        check(p is not None and p.returncode == 0, f"{fname} {field}=null refused: {p and p.stderr.strip()!r}")


def check_readme(vkbert, models):
    """README.md's example is info's real output for the tiny test model."""
    readme = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md"), encoding="utf-8").read()
    m = re.search(r"\$ \./build/vkbert info -m build/tests/models/tiny\n((?:  [a-z].*\n)+)", readme)
    check(m is not None, "README.md has no `vkbert info` example")
    p = run(vkbert, ["info", "-m", os.path.join(models, "tiny")])
    if m and p and p.returncode == 0:
        want = [line[2:] for line in m.group(1).splitlines()][1:]  # after the "model DIR" line
        got = p.stdout.splitlines()[1:]
        check(got == want, f"README.md's info example differs from the output: {want} vs {got}")


def check_usage(vkbert, models):
    expect_error(vkbert, ["info", "-m", os.path.join(models, "no-such-model")], "no such directory", "info, missing dir")
    expect_error(vkbert, ["info", "-m", os.path.join(models, "tiny", "config.json")], "is not a directory",
                 "info, a file")
    p = run(vkbert, ["info"])
    check(p is not None and p.returncode == 2 and "needs a model directory" in p.stderr, f"info without -m: {p}")
    p = run(vkbert, ["info", "--help"])
    check(p is not None and p.returncode == 0 and "weights_fp32_bytes" in p.stdout, "info --help lists the fields")


def main():
    vkbert, models = sys.argv[1], sys.argv[2]
    device = "--device" in sys.argv[3:] and have_device(vkbert)
    check_version(vkbert)
    check_usage(vkbert, models)
    check_readme(vkbert, models)
    check_figures(vkbert, models)
    with tempfile.TemporaryDirectory() as tmp:
        check_file_kinds(vkbert, models, tmp, device)
        check_json_types(vkbert, models, tmp)
    if device:
        check_device_memory(vkbert, models)
    if FAILURES:
        print(f"{len(FAILURES)} failures", file=sys.stderr)
        return 1
    print("test_info: ok" + ("" if device else " (no device: the device loader's checks skipped)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

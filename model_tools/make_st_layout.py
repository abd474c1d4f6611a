#!/usr/bin/python3
"""Turns a model directory (vkbert-make-model's output) into a sentence-transformers layout, as the
hub ships them: modules.json, 1_Pooling/config.json, optional 2_Dense/ (config.json and
model.safetensors), an optional Normalize module (no files), sentence_bert_config.json and
config_sentence_transformers.json.

    make_st_layout.py DIR [--from HUB_DIR] [--pooling cls|mean|max|mean_sqrt_len|lasttoken]
        [--dense OUT:tanh|identity] [--normalize] [--max-seq N] [--do-lower-case]
        [--prompt NAME=TEXT ...] [--default-prompt NAME] [--no-include-prompt] [--seed N]
        [--tokenizer-cased] [--dense-bin] [--bad-pooling none|two] [--module-path PATH]
        [--dense-in N]

--from HUB_DIR takes the layout from a real model's files (tests/data/st/<name>/): modules.json,
1_Pooling/config.json (its word_embedding_dimension set to DIR's hidden size: the only change),
sentence_bert_config.json, config_sentence_transformers.json, tokenizer_config.json and
special_tokens_map.json byte for byte, and its config.json with DIR's shape keys (sizes, layers,
heads, positions, vocabulary, token types) and vkbert's random-weight markers put in. Options given
besides --from (--max-seq, --normalize, ...) then rewrite those files as the option says.

Without --from the files are written as sentence-transformers 3 saves them (the eight-key pooling
config with include_prompt, "prompts" and "default_prompt_name" always present). The Dense module
is an nn.Linear(in, out) with bias: weights uniform in +-1/sqrt(in) (PyTorch's default init),
deterministic for --seed, stored F32 as linear.weight [out, in] and linear.bias [out] in
2_Dense/model.safetensors (written here: 8-byte little-endian header length, JSON header, data).

Broken layouts, for the error tests (each changes one thing):
  --bad-pooling none     no pooling_mode_* is true
  --bad-pooling two      two modes (cls and mean) are true
  --module-path PATH     the Pooling module's "path" in modules.json is PATH (e.g. ../outside or
                         an absolute path); a relative one gets a valid pooling config written
                         there, so that only the "outside the model directory" rule can refuse it
  --dense-in N           the Dense module takes N inputs (config and weights agree on N), which
                         does not fit the pooled hidden size
  --dense-bin            the Dense weights only as 2_Dense/pytorch_model.bin (a torch.save pickle),
                         the old format, instead of model.safetensors
"""
import argparse
import json
import math
import os
import random
import shutil
import struct
import sys

POOLING_KEYS = {
    "cls": "pooling_mode_cls_token",
    "mean": "pooling_mode_mean_tokens",
    "max": "pooling_mode_max_tokens",
    "mean_sqrt_len": "pooling_mode_mean_sqrt_len_tokens",
    "weightedmean": "pooling_mode_weightedmean_tokens",
    "lasttoken": "pooling_mode_lasttoken",
}
ACTIVATIONS = {"tanh": "torch.nn.modules.activation.Tanh", "identity": "torch.nn.modules.linear.Identity"}
SHAPE_KEYS = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
              "max_position_embeddings", "type_vocab_size", "vkbert_random_weights", "vkbert_seed")
HUB_FILES = ("sentence_bert_config.json", "config_sentence_transformers.json", "tokenizer_config.json",
             "special_tokens_map.json", "modules.json")
ST_VERSION = {"sentence_transformers": "3.0.1", "transformers": "4.41.2", "pytorch": "2.3.0"}


def write_json(path, obj):
    """As sentence-transformers writes its configs: json.dump with indent 2, no final newline."""
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def hidden_size(cfg):
    kind = cfg.get("model_type")
    return cfg["dim"] if kind == "distilbert" else cfg["n_embd"] if kind == "nomic_bert" else cfg["hidden_size"]


def max_positions(cfg):
    """max_seq_length's default: the model's positions (NomicBERT's GPT-2 key n_positions)."""
    if cfg.get("model_type") == "nomic_bert":
        return cfg.get("n_positions", 2048)
    return cfg.get("max_position_embeddings", 512)


def write_safetensors(path, tensors):
    """tensors: [(name, shape, list of floats)] -> an F32 safetensors file."""
    header, off = {"__metadata__": {"format": "pt"}}, 0
    for name, shape, values in tensors:
        n = 4 * len(values)
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [off, off + n]}
        off += n
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for _, _, values in tensors:
            f.write(struct.pack(f"<{len(values)}f", *values))


def dense_weights(n_in, n_out, seed):
    rng = random.Random(seed)
    bound = 1.0 / math.sqrt(n_in)
    w = [rng.uniform(-bound, bound) for _ in range(n_out * n_in)]
    b = [rng.uniform(-bound, bound) for _ in range(n_out)]
    return w, b


def write_dense(model, n_in, n_out, activation, seed, as_bin):
    d = os.path.join(model, "2_Dense")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "config.json"), {"in_features": n_in, "out_features": n_out, "bias": True,
                                                "activation_function": ACTIVATIONS[activation]})
    w, b = dense_weights(n_in, n_out, seed)
    for stale in ("model.safetensors", "pytorch_model.bin"):
        if os.path.exists(os.path.join(d, stale)):
            os.remove(os.path.join(d, stale))
    if not as_bin:
        write_safetensors(os.path.join(d, "model.safetensors"),
                          [("linear.weight", (n_out, n_in), w), ("linear.bias", (n_out,), b)])
        return
    try:  # what sentence-transformers 2 saved: torch.save of the state dict
        import torch
        torch.save({"linear.weight": torch.tensor(w).reshape(n_out, n_in), "linear.bias": torch.tensor(b)},
                   os.path.join(d, "pytorch_model.bin"))
    except ImportError:  # the error test needs only the name; say what it is
        with open(os.path.join(d, "pytorch_model.bin"), "wb") as f:
            f.write(b"not a real pickle: torch was not available to make-st-layout\n")


def pooling_config(dim, mode, include_prompt, bad):
    cfg = {"word_embedding_dimension": dim}
    for name, key in POOLING_KEYS.items():
        cfg[key] = name == mode
    if bad == "none":
        for key in POOLING_KEYS.values():
            cfg[key] = False
    elif bad == "two":
        cfg["pooling_mode_cls_token"] = cfg["pooling_mode_mean_tokens"] = True
    cfg["include_prompt"] = include_prompt
    return cfg


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="model directory: config.json, vocab.txt, model.safetensors")
    ap.add_argument("--from", dest="hub", help="a hub model's sentence-transformers files to take the layout from")
    ap.add_argument("--pooling", choices=["cls", "mean", "max", "mean_sqrt_len", "lasttoken"])
    ap.add_argument("--dense", help="OUT:tanh or OUT:identity: a Dense module of OUT features after the pooling")
    ap.add_argument("--normalize", action="store_true", help="a Normalize module at the end")
    ap.add_argument("--max-seq", type=int, help="sentence_bert_config.json's max_seq_length "
                    "(default: the model's max_position_embeddings, NomicBERT's n_positions)")
    ap.add_argument("--do-lower-case", action="store_true", help="sentence_bert_config.json's do_lower_case")
    ap.add_argument("--prompt", action="append", default=[], metavar="NAME=TEXT")
    ap.add_argument("--default-prompt", metavar="NAME")
    ap.add_argument("--no-include-prompt", action="store_true", help="include_prompt false: prompts are not pooled")
    ap.add_argument("--seed", type=int, default=1, help="the Dense weights' seed")
    ap.add_argument("--tokenizer-cased", action="store_true",
                    help="tokenizer_config.json's do_lower_case false (so ST's own do_lower_case shows)")
    ap.add_argument("--dense-bin", action="store_true")
    ap.add_argument("--bad-pooling", choices=["none", "two"])
    ap.add_argument("--module-path")
    ap.add_argument("--dense-in", type=int)
    args = ap.parse_args()

    model = args.model
    cfg = read_json(os.path.join(model, "config.json"))
    hidden = hidden_size(cfg)
    prompts = {}
    for p in args.prompt:
        name, sep, text = p.partition("=")
        if not sep or not name:
            ap.error(f"--prompt {p!r}: want NAME=TEXT")
        prompts[name] = text
    if args.default_prompt and args.default_prompt not in prompts and not args.hub:
        ap.error(f"--default-prompt {args.default_prompt}: no such --prompt")
    dense = None
    if args.dense:
        out, _, act = args.dense.partition(":")
        if not out.isdigit() or int(out) == 0 or act not in ACTIVATIONS:
            ap.error(f"--dense {args.dense!r}: want OUT:tanh or OUT:identity")
        dense = (int(out), act)
    if (args.dense_in or args.dense_bin) and not dense:
        ap.error("--dense-in and --dense-bin need --dense")

    if args.hub:
        # the real files, as they are, but the pooling dimension and config.json's shape
        for name in HUB_FILES:
            if os.path.exists(os.path.join(args.hub, name)):
                shutil.copyfile(os.path.join(args.hub, name), os.path.join(model, name))
        real = read_json(os.path.join(args.hub, "config.json"))
        if real.get("model_type", "bert") != cfg.get("model_type", "bert"):
            sys.exit(f"make_st_layout.py: --from {args.hub} is a {real.get('model_type')} model, {model} is not")
        for key in SHAPE_KEYS:
            if key in cfg:
                real[key] = cfg[key]
        write_json(os.path.join(model, "config.json"), real)
        modules = read_json(os.path.join(model, "modules.json"))
        pool_dir = next(m["path"] for m in modules if m["type"].endswith(".Pooling"))
        os.makedirs(os.path.join(model, pool_dir), exist_ok=True)
        pool = read_json(os.path.join(args.hub, pool_dir, "config.json"))
        pool["word_embedding_dimension"] = hidden
        if args.pooling:
            for name, key in POOLING_KEYS.items():
                if key in pool or name == args.pooling:
                    pool[key] = name == args.pooling
        if args.no_include_prompt:
            pool["include_prompt"] = False
        write_json(os.path.join(model, pool_dir, "config.json"), pool)
        if args.max_seq or args.do_lower_case:
            sb = read_json(os.path.join(model, "sentence_bert_config.json"))
            if args.max_seq:
                sb["max_seq_length"] = args.max_seq
            if args.do_lower_case:
                sb["do_lower_case"] = True
            write_json(os.path.join(model, "sentence_bert_config.json"), sb)
        if prompts or args.default_prompt:
            st = read_json(os.path.join(model, "config_sentence_transformers.json"))
            st.setdefault("prompts", {}).update(prompts)
            if args.default_prompt:
                st["default_prompt_name"] = args.default_prompt
            write_json(os.path.join(model, "config_sentence_transformers.json"), st)
        if dense or args.normalize or args.bad_pooling or args.module_path:
            sys.exit("make_st_layout.py: --from takes the modules of the hub model; "
                     "--dense, --normalize and the broken layouts are for generated ones")
        if args.tokenizer_cased:
            tc = read_json(os.path.join(model, "tokenizer_config.json"))
            tc["do_lower_case"] = False
            write_json(os.path.join(model, "tokenizer_config.json"), tc)
        return

    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}]
    pool_path = args.module_path or "1_Pooling"
    modules.append({"idx": 1, "name": "1", "path": pool_path, "type": "sentence_transformers.models.Pooling"})
    if dense:
        modules.append({"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    if args.normalize:
        n = len(modules)
        modules.append({"idx": n, "name": str(n), "path": f"{n}_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
    write_json(os.path.join(model, "modules.json"), modules)

    pool = pooling_config(hidden, args.pooling or "mean", not args.no_include_prompt, args.bad_pooling)
    if os.path.isabs(pool_path):
        pool_dir = None  # refused by path alone; nothing is written outside
    else:
        pool_dir = os.path.normpath(os.path.join(model, pool_path))
    if pool_dir is not None:
        os.makedirs(pool_dir, exist_ok=True)
        write_json(os.path.join(pool_dir, "config.json"), pool)

    if dense:
        write_dense(model, args.dense_in or hidden, dense[0], dense[1], args.seed, args.dense_bin)

    write_json(os.path.join(model, "sentence_bert_config.json"),
               {"max_seq_length": args.max_seq or max_positions(cfg),
                "do_lower_case": args.do_lower_case})
    write_json(os.path.join(model, "config_sentence_transformers.json"),
               {"__version__": ST_VERSION, "prompts": prompts, "default_prompt_name": args.default_prompt,
                "similarity_fn_name": "cosine"})
    if args.tokenizer_cased:
        tc = read_json(os.path.join(model, "tokenizer_config.json"))
        tc["do_lower_case"] = False
        write_json(os.path.join(model, "tokenizer_config.json"), tc)


if __name__ == "__main__":
    main()

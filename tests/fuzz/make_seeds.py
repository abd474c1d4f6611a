#!/usr/bin/python3
"""Writes the committed seed corpus (tests/fuzz/corpus/<target>/). Rerun after changing it."""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def safetensors(tensors, meta=None):
    header, blob = {}, b""
    if meta:
        header["__metadata__"] = meta
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + blob


put("safetensors", "f32", safetensors({"a": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4))}, {"format": "pt"}))
put("safetensors", "mixed", safetensors({"h": ("F16", [2], b"\x00\x3c\x00\xc0"), "b": ("BF16", [1], b"\x80\x3f"),
                                         "s": ("F32", [], struct.pack("<f", 7)), "z": ("I64", [0], b"")}))
put("safetensors", "empty", safetensors({}))
put("config", "bert-base", open(os.path.join(DATA, "bert-base-uncased-config.json"), "rb").read())
put("config", "distilbert-base", open(os.path.join(DATA, "distilbert-base-uncased-config.json"), "rb").read())
put("config", "tiny", json.dumps({"vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1,
                                  "num_attention_heads": 2, "intermediate_size": 8, "layer_norm_eps": 1e-5,
                                  "hidden_act": "gelu", "tie_word_embeddings": True}))
vocab = open(os.path.join(DATA, "bert-base-uncased-vocab.txt"), "rb").read().split(b"\n")
put("vocab", "head", b"\n".join(vocab[:120] + vocab[1000:1200] + [b"##s", b"cafe"]) + b"\n")
put("vocab", "toy-crlf", b"[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nthe\r\n##s\r\n")
for i, case in enumerate(json.load(open(os.path.join(DATA, "tokenizer-cases.json"), encoding="utf-8"))):
    text = case["text"].encode()
    if case.get("text_pair"):
        text += b"\0" + case["text_pair"].encode()
    put("tokenizer", f"case{i:02d}", text)

#!/usr/bin/env python3
"""Writes a small Unigram tokenizer.json whose normalizer is the one transformers' SpmConverter
gives SentencePiece models (Strip right, Replace {"Regex": " {2,}"} -> "▁"), with a Replace of a
string pattern after it (`` -> ", as ALBERT's), Metaspace (prepend_scheme "always", split) and
RobertaProcessing: a test of Replace with a regex, which the real files converted by recent
transformers carry. Its vocabulary: <s> <pad> </s> <unk>, "▁", the printable ASCII characters
with and without "▁", a few words, <mask>; scores by length (longer pieces likelier).

  python3 model_tools/make_spm_replace.py > tests/data/tokenizers/unigram-spm-replace/tokenizer.json
"""
import json
import sys

pieces = ["▁"] + [chr(c) for c in range(33, 127)] + ["▁" + chr(c) for c in range(33, 127)]
pieces += ["▁the", "▁cat", "▁sat", "▁on", "▁mat", "▁quote", "▁space", "s", "▁▁", "ing", "▁tab", "é", "▁café", "—"]
seen, vocab = set(), [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
for p in pieces:
    if p not in seen:
        seen.add(p)
        vocab.append([p, -10.0 + 1.5 * len(p)])
vocab.append(["<mask>", 0.0])
specials = [("<s>", 0), ("<pad>", 1), ("</s>", 2), ("<unk>", 3), ("<mask>", len(vocab) - 1)]
t = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": [{"id": i, "content": c, "single_word": False, "lstrip": c == "<mask>", "rstrip": False,
                      "normalized": False, "special": True} for c, i in specials],
    "normalizer": {"type": "Sequence", "normalizers": [
        {"type": "Strip", "strip_left": False, "strip_right": True},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": "▁"},
        {"type": "Replace", "pattern": {"String": "``"}, "content": "\""}]},
    "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
    "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0], "trim_offsets": True,
                       "add_prefix_space": True},
    "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
    "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": False},
}
json.dump(t, sys.stdout, ensure_ascii=False, indent=1)
sys.stdout.write("\n")

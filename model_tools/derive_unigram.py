#!/usr/bin/env python3
"""Derives an XLM-R/CamemBERT/ALBERT-like Unigram tokenizer.json from T5's (the one real
SentencePiece-Unigram file the project has): T5's pieces, scores, Precompiled charsmap and
WhitespaceSplit + Metaspace, with <s> and <mask> appended to the vocabulary (T5 already has
<pad> 0, </s> 1, <unk> 2) as special added tokens (<mask> lstrip, as XLM-R's), and a
RobertaProcessing post-processor: <s> A </s> / <s> A </s></s> B </s>.

  python3 model_tools/derive_unigram.py tests/data/tokenizers/t5-small/tokenizer.json \\
      > tests/data/tokenizers/unigram-xlmr-like/tokenizer.json
"""
import json
import sys

t = json.load(open(sys.argv[1], encoding="utf-8"))
vocab = t["model"]["vocab"]
ids = {}
for tok in ("<s>", "<mask>"):
    ids[tok] = len(vocab)
    vocab.append([tok, 0.0])
t["model"]["type"] = "Unigram"
t["model"]["byte_fallback"] = False
for tok, i in ids.items():
    t["added_tokens"].append({"id": i, "content": tok, "single_word": False, "lstrip": tok == "<mask>",
                              "rstrip": False, "normalized": False, "special": True})
t["post_processor"] = {"type": "RobertaProcessing", "sep": ["</s>", 1], "cls": ["<s>", ids["<s>"]],
                       "trim_offsets": True, "add_prefix_space": True}
json.dump(t, sys.stdout, ensure_ascii=False, separators=(",", ":"))
sys.stdout.write("\n")

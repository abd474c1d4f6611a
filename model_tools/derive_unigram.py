#!/usr/bin/env python3
"""Derives an XLM-R/CamemBERT/ALBERT-like Unigram tokenizer.json from T5's (the one real
SentencePiece-Unigram file the project has): T5's pieces, scores, Precompiled charsmap and
WhitespaceSplit + Metaspace, laid out as XLM-R's vocabulary is (fairseq's order): <s> 0,
<pad> 1, </s> 2, <unk> 3, then T5's pieces (without its own <pad>, </s>, <unk> and its
<extra_id_*> sentinels), then <mask> last; the five are special added tokens (<mask> lstrip,
as XLM-R's), and the post-processor is RobertaProcessing: <s> A </s> / <s> A </s></s> B </s>.
So a RoBERTa-family config's pad_token_id 1 is this tokenizer's <pad>.

  python3 model_tools/derive_unigram.py tests/data/tokenizers/t5-small/tokenizer.json \\
      > tests/data/tokenizers/unigram-xlmr-like/tokenizer.json
"""
import json
import sys

t = json.load(open(sys.argv[1], encoding="utf-8"))
t5 = t["model"]["vocab"]
specials = {a["content"] for a in t["added_tokens"]}  # <pad>, </s>, <unk>, <extra_id_0..99>
vocab = [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
vocab += [p for p in t5 if p[0] not in specials]
vocab.append(["<mask>", 0.0])
t["model"]["vocab"] = vocab
t["model"]["type"] = "Unigram"
t["model"]["unk_id"] = 3
t["model"]["byte_fallback"] = False
t["added_tokens"] = [{"id": i, "content": tok, "single_word": False, "lstrip": tok == "<mask>", "rstrip": False,
                      "normalized": False, "special": True}
                     for tok, i in (("<s>", 0), ("<pad>", 1), ("</s>", 2), ("<unk>", 3), ("<mask>", len(vocab) - 1))]
t["post_processor"] = {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                       "trim_offsets": True, "add_prefix_space": True}
json.dump(t, sys.stdout, ensure_ascii=False, separators=(",", ":"))
sys.stdout.write("\n")

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
  python3 model_tools/derive_unigram.py tests/data/tokenizers/t5-small/tokenizer.json --albert \\
      > tests/data/tokenizers/unigram-albert-like/tokenizer.json
"""
import json
import sys

t = json.load(open(sys.argv[1], encoding="utf-8"))
if sys.argv[2:] == ["--albert"]:
    # ALBERT's layout instead (albert-base-v2's tokenizer.json): <pad> 0, <unk> 1, [CLS] 2, [SEP] 3,
    # [MASK] 4, then the pieces; its normalizer (`` and '' to ", NFKD, accents stripped, lower
    # case, then the charsmap) and TemplateProcessing [CLS] A [SEP] (B [SEP]) with token types.
    t5 = t["model"]["vocab"]
    specials = {a["content"] for a in t["added_tokens"]}
    names = ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]
    t["model"]["vocab"] = [[n, 0.0] for n in names] + [p for p in t5 if p[0] not in specials]
    t["model"].update(type="Unigram", unk_id=1, byte_fallback=False)
    t["added_tokens"] = [{"id": i, "content": n, "single_word": False, "lstrip": n == "[MASK]", "rstrip": False,
                          "normalized": n != "[MASK]", "special": True} for i, n in enumerate(names)]
    t["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "Replace", "pattern": {"String": "``"}, "content": "\""},
        {"type": "Replace", "pattern": {"String": "''"}, "content": "\""},
        {"type": "NFKD"}, {"type": "StripAccents"}, {"type": "Lowercase"}, t["normalizer"]]}
    t["post_processor"] = {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                           "special_tokens": {n: {"id": n, "ids": [i], "tokens": [n]} for i, n in enumerate(names[2:], 2)
                                              if n != "[MASK]"}}
    json.dump(t, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")
    sys.exit(0)
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

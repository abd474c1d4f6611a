#!/usr/bin/python3
"""Writes tests/data/tokenizers/decode-cases.json: what Hugging Face's decoders make of lists of
token strings (convert_tokens_to_string: the tokenizer.json decoder over the tokens), from the Rust
tokenizers (model_tools/pipeline_rpc.mjs, npm @anush008/tokenizers 0.6.0). The lists are the
tokens of texts with multi-byte characters, one at a time, in pairs and all together, and the
decoded words again as tokens (the token-classification pipeline decodes a group's decoded words
once more): byte-level BPE cuts characters between tokens, and its decoder keeps a token whose
characters are not all in its byte table as that token's own UTF-8, then makes text of the bytes
as String::from_utf8_lossy does. Not run by the tests; test_tokjson checks vkbert against the file.

    /usr/bin/python3 model_tools/decode_cases.py --npm /tmp/npm-tok > tests/data/tokenizers/decode-cases.json
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "data", "tokenizers")
MODELS = ["ModernBERT-base", "roberta-base", "distilbert-base-uncased", "t5-small"]
TEXTS = ["Zürich, 東京 and Paris 🙂.", "Ĺúčïe met José Ñúñez; crème brûlée", "𝔘𝔫𝔦 ☃ ⿰ e\u0301cole",
         "a\u00a0b \u200d👩\u200d👩\u200d👧 ok"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--npm", required=True, help="a directory where @anush008/tokenizers@0.6.0 is installed")
    args = ap.parse_args()
    p = subprocess.Popen(["node", os.path.join(HERE, "pipeline_rpc.mjs")], cwd=args.npm, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def ask(req):
        p.stdin.write(json.dumps(req) + "\n")
        p.stdin.flush()
        return json.loads(p.stdout.readline())

    cases = []
    for model in MODELS:
        tokfile = os.path.join(DATA, model, "tokenizer.json")
        lists = []
        for text in TEXTS:
            enc = ask({"tokenizer": tokfile, "encode": text})
            toks = [t for t, s in zip(enc["tokens"], enc["special_tokens_mask"]) if not s]
            lists += [[t] for t in toks] + [toks[i:i + 2] for i in range(len(toks) - 1)] + [toks]
            words = [ask({"tokenizer": tokfile, "tokens": [t]})["text"] for t in toks]
            lists += [words, [" ".join(words)], [text]]
        seen = set()
        for tokens in lists:
            key = json.dumps(tokens, ensure_ascii=False)
            if key in seen:
                continue
            seen.add(key)
            cases.append({"model": model, "tokens": tokens, "text": ask({"tokenizer": tokfile, "tokens": tokens})["text"]})
    p.stdin.close()
    p.wait()
    json.dump({"meta": {"generator": "model_tools/decode_cases.py: npm @anush008/tokenizers 0.6.0 (Hugging Face "
                                     "tokenizers), each tokenizer.json's decoder over the tokens"},
               "cases": cases}, sys.stdout, ensure_ascii=False, indent=None)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

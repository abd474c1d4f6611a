#!/usr/bin/python3
"""Writes tests/data/pipeline-cases.json: what transformers' token-classification and
question-answering pipelines give on the test models (tests/MakeModels.cmake: ner-tiny,
ner-uncased, ner-distil, ner-modernbert, qa-tiny, qa-distil, qa-modernbert) for the texts below. Tokenization, the overflowing
windows of a long context and convert_tokens_to_string come from Hugging Face's Rust tokenizers
(model_tools/pipeline_rpc.mjs, on the tokenizer.json that matches each model's vocabulary), the
logits from model_tools/reference.py (plain PyTorch), the post-processing from
model_tools/pipelines_reference.py (the pipelines' rules in numpy). Not run by the tests; they
compare vkbert's output with the file.

    /usr/bin/python3 model_tools/pipeline_cases.py --models build/tests/models --npm /tmp/npm-tok \
        > tests/data/pipeline-cases.json
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pipelines_reference as pipes  # noqa: E402
import reference  # noqa: E402

DATA = os.path.join(HERE, "..", "tests", "data")
CASED = os.path.join(DATA, "tokenizers", "bert-base-multilingual-cased", "tokenizer.json")
UNCASED = os.path.join(DATA, "tokenizers", "distilbert-base-uncased", "tokenizer.json")
MODERN = os.path.join(DATA, "tokenizers", "ModernBERT-base", "tokenizer.json")
TOKENIZER = {"ner-tiny": CASED, "ner-uncased": UNCASED, "ner-distil": CASED, "qa-tiny": UNCASED, "qa-distil": CASED,
             "ner-modernbert": MODERN, "qa-modernbert": MODERN}
NO_TYPES = ("distilbert", "modernbert")  # model types whose forward takes no token types

NER_TEXTS = [
    "My name is Wolfgang and I live in Berlin.",
    "Hugo Boss lives in Zürich, 東京 and Paris 🙂.",
    "Ĺúčïe met José Ñúñez at the café in São Paulo; they ate crème brûlée.",
    "unaffable antidisestablishmentarianism, tokenization and Schifffahrtsgesellschaft",
    "the ☃ snowman ⿰ glyph 𝔘𝔫𝔦 and e\u0301cole",
    "  New\tYork  City  ",
]
AGGREGATIONS = ["none", "simple", "first", "average", "max"]

LONG = ("The Amazon rainforest covers much of the Amazon basin of South America. The basin encompasses seven "
        "million square kilometres, of which five and a half million are covered by the rainforest. The region "
        "includes territory belonging to nine nations: Brazil contains sixty percent of the rainforest, followed by "
        "Peru with thirteen percent and Colombia with ten percent. Manaus, a city of two million people, lies at the "
        "meeting of the waters, where the dark Rio Negro joins the sandy Solimões. The forest is home to about "
        "three hundred and ninety billion individual trees divided into sixteen thousand species.")
QA_CASES = [
    ("Where does Hugo live?", "Hugo Boss lives in Zürich and works in Paris.", {}),
    ("Where does Hugo live?", "Hugo Boss lives in Zürich and works in Paris.", {"top_k": 3}),
    ("Which country has most of the rainforest?", LONG, {"top_k": 3, "max_seq_len": 48, "doc_stride": 16}),
    ("How many trees?", LONG, {"top_k": 5, "max_seq_len": 40, "doc_stride": 8, "max_answer_len": 4}),
    ("Who met whom?", "Ĺúčïe met José Ñúñez at the café in São Paulo 🙂; 東京 is far away.", {"top_k": 4}),
    ("What is it?", "An antidisestablishmentarianism movement and unaffable tokenization.",
     {"top_k": 3, "handle_impossible_answer": True}),
    ("What is it?", "Short.", {"handle_impossible_answer": True}),
]


class Rpc:
    def __init__(self, npm):
        self.p = subprocess.Popen(["node", os.path.join(HERE, "pipeline_rpc.mjs")], cwd=npm, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def ask(self, req):
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())


def config(models, name):
    with open(os.path.join(models, name, "config.json")) as f:
        return json.load(f)


def ner_cases(rpc, models):
    out = []
    for name in ("ner-tiny", "ner-uncased", "ner-distil", "ner-modernbert"):
        tokfile = TOKENIZER[name]
        cfg = config(models, name)
        id2label = {int(k): v for k, v in cfg["id2label"].items()}
        vocab_unk = None
        for text in NER_TEXTS:
            enc = rpc.ask({"tokenizer": tokfile, "encode": text})
            if vocab_unk is None:
                vocab_unk = rpc.ask({"tokenizer": tokfile, "encode": "\u2603"})["input_ids"][1]  # a snowman: [UNK]
            types = None if cfg.get("model_type") in NO_TYPES else [enc["type_ids"]]
            logits = reference.token_head(os.path.join(models, name), [enc["input_ids"]], types)[0]
            word_aware = cfg.get("model_type") != "modernbert"  # byte-level BPE: no continuing_subword_prefix
            decode = lambda toks, f=tokfile: rpc.ask({"tokenizer": f, "tokens": toks})["text"]
            variants = [(a, None) for a in AGGREGATIONS] + [("none", []), ("simple", ["O", "MISC"]),
                                                             ("first", ["LOC"])]
            for agg, ignore in variants:
                exp = pipes.token_classification(enc, logits, id2label, agg, ignore, decode, text, word_aware,
                                                 vocab_unk)
                case = {"model": name, "text": text, "aggregation": agg, "expected": exp}
                if ignore is not None:
                    case["ignore_labels"] = ignore
                out.append(case)
    return out


def qa_cases(rpc, models):
    out = []
    for name in ("qa-tiny", "qa-distil", "qa-modernbert"):
        tokfile = TOKENIZER[name]
        cfg = config(models, name)
        positions = cfg["max_position_embeddings"]
        cls = rpc.ask({"tokenizer": tokfile, "encode": "a"})["input_ids"][0]
        for q, c, opts in QA_CASES:
            L = opts.get("max_seq_len", min(384, positions))
            stride = opts.get("doc_stride", min(L // 2, 128))
            windows = rpc.ask({"tokenizer": tokfile, "qa": [q, c], "max_length": L, "stride": stride})["windows"]
            types = None if cfg.get("model_type") in NO_TYPES else [w["type_ids"] for w in windows]
            logits = reference.token_head(os.path.join(models, name), [w["input_ids"] for w in windows], types)
            exp = pipes.question_answering(windows, logits, c, opts.get("top_k", 1), opts.get("max_answer_len", 15),
                                           opts.get("handle_impossible_answer", False), cls)
            out.append({"model": name, "question": q, "context": c, "options": opts, "windows": len(windows),
                        "expected": exp})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", required=True, help="the build's tests/models")
    ap.add_argument("--npm", required=True, help="a directory where @anush008/tokenizers@0.6.0 is installed")
    args = ap.parse_args()
    rpc = Rpc(args.npm)
    doc = {"meta": {"generator": "model_tools/pipeline_cases.py: npm @anush008/tokenizers 0.6.0 (Hugging Face "
                                 "tokenizers), model_tools/reference.py, model_tools/pipelines_reference.py",
                    "offsets": "start and end in code points of the text (context)",
                    "models": "tests/MakeModels.cmake's ner-tiny, ner-uncased, ner-distil, ner-modernbert, qa-tiny, "
                              "qa-distil, qa-modernbert"},
           "ner": ner_cases(rpc, args.models), "qa": qa_cases(rpc, args.models)}
    json.dump(doc, sys.stdout, ensure_ascii=False, indent=None)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

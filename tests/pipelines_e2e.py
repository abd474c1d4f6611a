#!/usr/bin/python3
"""vkbert ner and vkbert qa against Hugging Face's token-classification and question-answering
pipelines on the test models (ner-tiny, ner-uncased, ner-distil, ner-modernbert, qa-tiny, qa-distil,
qa-modernbert: ModernBERT's token heads over its byte-level BPE).

tests/data/pipeline-cases.json (model_tools/pipeline_cases.py) holds what the pipelines give:
Hugging Face's Rust tokenizers for ids, offsets, words and a long context's windows, PyTorch
(reference.py) for the logits, the pipelines' rules (model_tools/pipelines_reference.py) for the
rest. Labels, words, indices and offsets must be equal, scores within 1e-4 (a change of the test
models shows as a mismatch: regenerate the file with model_tools/pipeline_cases.py). Then the
errors: one clear line, a non-zero exit.

    pipelines_e2e.py VKBERT MODELS_DIR [ner|qa|errors]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from vkbert_testlib import FAILURES, check, have_device

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-4


def run(vkbert, args, want_rc=0):
    p = subprocess.run([vkbert] + args, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
                       encoding="utf-8")
    if want_rc == 0:
        check(p.returncode == 0, f"vkbert {' '.join(args[:3])}... exited {p.returncode}: {p.stderr.strip()[:500]}")
    check("alidation" not in p.stderr and "VUID" not in p.stderr, f"validation message: {p.stderr.strip()[:500]}")
    return p


def compare(label, got, want, keys):
    check(len(got) == len(want), f"{label}: {len(got)} results, want {len(want)}:\n  got  {got}\n  want {want}")
    for i, (g, w) in enumerate(zip(got, want)):
        check(sorted(g) == sorted(w), f"{label} [{i}]: fields {sorted(g)}, want {sorted(w)}")
        for k in keys:
            if k in w and g.get(k) != w[k]:
                check(False, f"{label} [{i}]: {k} {g.get(k)!r}, want {w[k]!r}")
        check(abs(g.get("score", -1.0) - w["score"]) <= TOL,
              f"{label} [{i}]: score {g.get('score')}, want {w['score']} (PyTorch + the pipeline's rules)")


def check_ner(vkbert, models, cases):
    n = 0
    for c in cases["ner"]:
        args = ["ner", "-m", os.path.join(models, c["model"]), "--json", "--aggregation", c["aggregation"]]
        if "ignore_labels" in c:
            args += ["--ignore-labels", ",".join(c["ignore_labels"])]
        p = run(vkbert, args + ["--", c["text"]])
        label = f"{c['model']} {c['aggregation']} {c['text']!r}"
        try:
            got = json.loads(p.stdout)
        except ValueError:
            check(False, f"{label}: not JSON: {p.stdout[:300]!r}")
            continue
        compare(label, got, c["expected"], ("entity", "entity_group", "index", "word", "start", "end"))
        n += 1
    print(f"  ner: {n} cases")
    # the text output: one line per entity with its label and offsets
    c = next(c for c in cases["ner"] if c["aggregation"] == "simple" and c["expected"])
    p = run(vkbert, ["ner", "-m", os.path.join(models, c["model"]), "--aggregation", "simple", "--", c["text"]])
    lines = p.stdout.splitlines()
    check(len(lines) == len(c["expected"]), f"text output: {len(lines)} lines for {len(c['expected'])} entities")
    for ln, e in zip(lines, c["expected"]):
        check(ln.startswith(e["entity_group"]) and f"[{e['start']}, {e['end']})" in ln and ln.endswith(e["word"]),
              f"text output: {ln!r} for {e}")


def check_qa(vkbert, models, cases):
    for c in cases["qa"]:
        o = c["options"]
        args = ["qa", "-m", os.path.join(models, c["model"]), "--json", "--question", c["question"], "--context",
                c["context"]]
        for k, flag in (("top_k", "-k"), ("max_seq_len", "--max-seq-len"), ("doc_stride", "--doc-stride"),
                        ("max_answer_len", "--max-answer-len")):
            if k in o:
                args += [flag, str(o[k])]
        if o.get("handle_impossible_answer"):
            args.append("--handle-impossible-answer")
        p = run(vkbert, args)
        label = f"{c['model']} {c['question']!r} {o} ({c['windows']} windows)"
        try:
            got = json.loads(p.stdout)
        except ValueError:
            check(False, f"{label}: not JSON: {p.stdout[:300]!r}")
            continue
        check(isinstance(got, list), f"{label}: not a list: {got!r}")
        compare(label, got, c["expected"], ("answer", "start", "end"))
        for g in got:
            check(c["context"][g["start"]:g["end"]] == g["answer"], f"{label}: C[start:end] != answer in {g}")
    print(f"  qa: {len(cases['qa'])} cases, up to {max(c['windows'] for c in cases['qa'])} windows")


def check_squad_config(vkbert, models, tmp):
    """qa-distil's weights under distilbert-base-cased-distilled-squad's own config.json (shrunk to the
    test shape; sinusoidal_pos_embds true: the stored position table) answer as qa-distil does."""
    src = os.path.join(models, "qa-distil")
    dst = os.path.join(tmp, "qa-distil-squad-config")
    shutil.copytree(src, dst)
    with open(os.path.join(HERE, "data", "distilbert-base-cased-distilled-squad-config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(src, "config.json")) as f:
        made = json.load(f)
    check(cfg.get("sinusoidal_pos_embds") is True and cfg["architectures"] == ["DistilBertForQuestionAnswering"],
          "the copied squad config changed")
    cfg.update({k: made[k] for k in ("dim", "n_layers", "n_heads", "hidden_dim", "max_position_embeddings",
                                     "vocab_size")})
    with open(os.path.join(dst, "config.json"), "w") as f:
        json.dump(cfg, f)
    args = ["--json", "-k", "3", "--question", "Where does Hugo live?", "--context",
            "Hugo Boss lives in Zürich and works in Paris."]
    want = run(vkbert, ["qa", "-m", src] + args).stdout
    got = run(vkbert, ["qa", "-m", dst] + args).stdout
    check(got == want and got.startswith("[{"), f"squad config: {got!r}, qa-distil's {want!r}")
    print("  qa: distilbert-base-cased-distilled-squad's config.json loads (sinusoidal_pos_embds)")


def refuse(vkbert, label, args, rc, words):
    p = run(vkbert, args, want_rc=rc)
    err = p.stderr.strip()
    check(p.returncode == rc, f"{label}: exit {p.returncode}, want {rc} ({err[:300]!r})")
    check(len(err.splitlines()) == 1 and err.startswith("vkbert: error: "), f"{label}: not one error line: {err!r}")
    for w in words:
        check(w in err, f"{label}: {w!r} not in {err!r}")
    check(p.stdout == "", f"{label}: output on stdout: {p.stdout[:200]!r}")


def check_errors(vkbert, models, tmp):
    ner, qa, plain = (os.path.join(models, n) for n in ("ner-tiny", "qa-tiny", "tiny"))
    for cmd in ("ner", "qa"):
        p = run(vkbert, [cmd, "--help"])
        check(p.returncode == 0 and p.stdout.startswith(f"usage: vkbert {cmd} "), f"{cmd} --help: {p.stdout[:80]!r}")
    refuse(vkbert, "ner unknown option", ["ner", "-m", ner, "--stride", "3", "Paris"], 2, ["--stride"])
    refuse(vkbert, "ner two TEXTs", ["ner", "-m", ner, "Paris", "Rome"], 2, ["more than one TEXT"])
    refuse(vkbert, "qa stray argument", ["qa", "-m", qa, "Paris"], 2, ["--question"])
    refuse(vkbert, "unknown aggregation", ["ner", "-m", ner, "--aggregation", "longest", "Paris"], 2,
           ["--aggregation", "longest"])
    refuse(vkbert, "ner without TEXT", ["ner", "-m", ner], 2, ["TEXT"])
    refuse(vkbert, "ner empty TEXT", ["ner", "-m", ner, "--", ""], 1, ["empty"])
    refuse(vkbert, "ner without the head", ["ner", "-m", plain, "Paris"], 1, ["no token-classification head"])
    refuse(vkbert, "ner on a QA model", ["ner", "-m", qa, "Paris"], 1, ["no token-classification head"])
    refuse(vkbert, "qa without --question", ["qa", "-m", qa, "--context", "Paris is big."], 2, ["--question"])
    refuse(vkbert, "qa without --context", ["qa", "-m", qa, "--question", "What?"], 2, ["--context"])
    refuse(vkbert, "qa empty context", ["qa", "-m", qa, "--question", "What?", "--context", ""], 1,
           ["context", "empty"])
    refuse(vkbert, "qa empty question", ["qa", "-m", qa, "--question", "", "--context", "Paris."], 1,
           ["question", "empty"])
    refuse(vkbert, "qa blank context", ["qa", "-m", qa, "--question", "What?", "--context", "   "], 1,
           ["context has no tokens"])
    refuse(vkbert, "qa without the head", ["qa", "-m", plain, "--question", "What?", "--context", "Paris."], 1,
           ["no question-answering head"])
    refuse(vkbert, "qa -k 0", ["qa", "-m", qa, "-k", "0", "--question", "What?", "--context", "Paris."], 2, ["-k"])
    long_ctx = " ".join(["word"] * 80)
    refuse(vkbert, "qa stride over the window", ["qa", "-m", qa, "--max-seq-len", "24", "--doc-stride", "20",
                                                 "--question", "What is it?", "--context", long_ctx], 1,
           ["doc_stride 20", "context tokens"])
    refuse(vkbert, "qa question too long", ["qa", "-m", qa, "--max-seq-len", "8", "--question",
                                            "what is the word that is said here?", "--context", long_ctx], 1,
           ["no room for the context"])
    refuse(vkbert, "qa max-seq-len over the model", ["qa", "-m", qa, "--max-seq-len", "500", "--question", "What?",
                                                     "--context", "Paris."], 1, ["max_seq_len 500", "64"])
    # a label map that does not match the classifier's rows names both counts
    bad = os.path.join(tmp, "ner-bad-labels")
    shutil.copytree(ner, bad)
    with open(os.path.join(bad, "config.json")) as f:
        cfg = json.load(f)
    cfg["id2label"] = {str(i): f"L{i}" for i in range(5)}
    cfg["label2id"] = {f"L{i}": i for i in range(5)}
    with open(os.path.join(bad, "config.json"), "w") as f:
        json.dump(cfg, f)
    refuse(vkbert, "id2label against the classifier", ["ner", "-m", bad, "Paris"], 1,
           ["9 rows", "5 labels", "classifier.weight"])
    # without architectures, classifier.* is a sequence classifier (which needs the pooler BERT's has)
    del cfg["architectures"]
    cfg["id2label"] = {str(i): f"L{i}" for i in range(9)}
    cfg["label2id"] = {f"L{i}": i for i in range(9)}
    with open(os.path.join(bad, "config.json"), "w") as f:
        json.dump(cfg, f)
    p = run(vkbert, ["ner", "-m", bad, "Paris"], want_rc=1)
    check(p.returncode == 1 and p.stderr.startswith("vkbert: error: "),
          f"no architectures: exit {p.returncode}, {p.stderr.strip()!r}")
    print("  errors: checked")


def main():
    vkbert, models = sys.argv[1], sys.argv[2]
    parts = sys.argv[3:] or ["ner", "qa", "errors"]
    if not have_device(vkbert):
        return 77
    with open(os.path.join(HERE, "data", "pipeline-cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    if "ner" in parts:
        check_ner(vkbert, models, cases)
    if "qa" in parts:
        check_qa(vkbert, models, cases)
        with tempfile.TemporaryDirectory() as tmp:
            check_squad_config(vkbert, models, tmp)
    if "errors" in parts:
        with tempfile.TemporaryDirectory() as tmp:
            check_errors(vkbert, models, tmp)
    if FAILURES:
        print(f"{len(FAILURES)} failures", file=sys.stderr)
        return 1
    print("vkbert ner and qa equal Hugging Face's pipelines on PyTorch's logits")
    return 0


if __name__ == "__main__":
    sys.exit(main())

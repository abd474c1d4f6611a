#!/usr/bin/python3
"""vkbert serve's task routes (/fill-mask, /ner, /qa, /score, /attention) against the CLI commands
they answer for: every body must equal, as parsed JSON, what `vkbert fill-mask|ner|qa|score|
attention --json` prints for the same inputs and options (the same code writes both: exact, no
tolerance), a list of inputs answering the array of the per-input bodies. Then TEI's errors: a
missing or mistyped field 422 validation, an empty input 400 empty, too many inputs or too long
413, a route whose head the model lacks 424 backend, each {"error", "error_type"}; and the server
still answering afterwards.

    serve_tasks_e2e.py VKBERT MODELS_DIR
"""
import json
import os
import subprocess
import sys

from vkbert_testlib import FAILURES, Server, check, have_device, has_server

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "pipeline-cases.json"), encoding="utf-8") as f:
    CASES = json.load(f)

MASKED = ["The capital of France is [MASK].", "a [MASK] sat on the [MASK] .", "naïve café [MASK] 東京"]
TEXTS = ["The capital of France is Paris.", "a cat sat on the mat", "naïve café, ünïcode and 東京 too"]
LONG = "word " * 100  # over the tiny models' 64 positions


def cli(vkbert, args, lines=False):
    """The CLI's --json output, parsed (JSON Lines: a list); None (a failure recorded) otherwise."""
    p = subprocess.run([vkbert] + args, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
                       encoding="utf-8")
    check(p.returncode == 0, f"vkbert {' '.join(args[:6])}... exited {p.returncode}: {p.stderr.strip()[:300]}")
    if p.returncode != 0:
        return None
    if lines:
        return [json.loads(ln) for ln in p.stdout.splitlines() if ln.strip()]
    return json.loads(p.stdout)


def same(srv, route, body, want, label):
    """POSTs body; the answer must be 200, JSON, and equal to want."""
    s, got, raw, h = srv.post(route, body)
    check(s == 200, f"{route} {label}: status {s}: {raw[:300]!r}")
    check(h.get("Content-Type") == "application/json", f"{route} {label}: Content-Type {h.get('Content-Type')}")
    if s == 200 and want is not None:
        check(got == want, f"{route} {label}: the body differs from the CLI's --json:\n  got  {str(got)[:400]}\n"
              f"  want {str(want)[:400]}")
    return got


def error(srv, route, body, status, error_type, label, words=None):
    s, got, raw, _ = srv.post(route, body)
    ok = s == status and isinstance(got, dict) and set(got) == {"error", "error_type"} and \
        got["error_type"] == error_type and isinstance(got["error"], str) and got["error"]
    check(ok, f"{route} {label}: want {status} {error_type!r}, got {s} {raw[:300]!r}")
    if ok and words:
        check(words in got["error"], f"{route} {label}: the message {got['error']!r} does not say {words!r}")


def fill_mask_and_friends(vkbert, models):
    """tiny (an MLM head): /fill-mask, /score, /attention; /ner and /qa are 424."""
    tiny = os.path.join(models, "tiny")
    srv = Server(vkbert, tiny, ["--max-client-batch-size", "4"])
    try:
        fm = ["fill-mask", "-m", tiny, "--json"]
        want = cli(vkbert, fm + ["--", MASKED[0]], lines=True)
        same(srv, "/fill-mask", {"inputs": MASKED[0]}, want and want[0], "one string")
        same(srv, "/fill-mask", {"inputs": MASKED}, cli(vkbert, fm + ["--"] + MASKED, lines=True), "a list")
        same(srv, "/fill-mask", {"inputs": MASKED[:2], "top_k": 2},
             cli(vkbert, fm + ["-k", "2", "--"] + MASKED[:2], lines=True), "top_k 2")
        same(srv, "/fill-mask", {"inputs": [MASKED[1]], "top_k": 64},
             cli(vkbert, fm + ["-k", "64", "--", MASKED[1]], lines=True), "top_k 64, a list of one")
        # targets: vocabulary words as they are, another word its first token, duplicates once
        words = ["paris", "the", "cat", "zqxjk", "the"]
        same(srv, "/fill-mask", {"inputs": MASKED, "targets": words, "top_k": 3},
             cli(vkbert, fm + ["-k", "3", "--targets", ",".join(words), "--"] + MASKED, lines=True), "targets")
        want = cli(vkbert, fm + ["--targets", "cat", "--", MASKED[1]], lines=True)
        same(srv, "/fill-mask", {"inputs": MASKED[1], "targets": "cat"}, want and want[0], "one target as a string")
        long_masked = "[MASK] " + LONG
        want = cli(vkbert, fm + ["--truncate", "--", long_masked], lines=True)
        same(srv, "/fill-mask", {"inputs": long_masked, "truncate": True}, want and want[0], "truncate")

        sc = ["score", "-m", tiny, "--json"]
        same(srv, "/score", {"inputs": TEXTS}, cli(vkbert, sc + ["--"] + TEXTS), "a list")
        same(srv, "/score", {"inputs": TEXTS[1]}, cli(vkbert, sc + ["--", TEXTS[1]]), "one string")
        same(srv, "/score", {"inputs": [TEXTS[0], LONG], "truncate": True}, cli(vkbert, sc + ["--", TEXTS[0], LONG]),
             "truncate (right, as the CLI's default)")
        same(srv, "/score", {"inputs": [LONG], "truncate": True, "truncation_direction": "Left"},
             cli(vkbert, sc + ["--truncation-direction", "left", "--", LONG]), "truncation_direction Left")

        at = ["attention", "-m", tiny, "--json"]
        same(srv, "/attention", {"inputs": TEXTS[0], "layer": 1}, cli(vkbert, at + ["--layer", "1", "--", TEXTS[0]]),
             "every head")
        same(srv, "/attention", {"inputs": TEXTS[2], "layer": 0, "head": "all"},
             cli(vkbert, at + ["--layer", "0", "--head", "all", "--", TEXTS[2]]), "head all")
        same(srv, "/attention", {"inputs": TEXTS[1], "layer": 1, "head": 2},
             cli(vkbert, at + ["--layer", "1", "--head", "2", "--", TEXTS[1]]), "head 2")
        same(srv, "/attention", {"inputs": TEXTS[1], "pair": TEXTS[0], "layer": 0, "head": 0},
             cli(vkbert, at + ["--layer", "0", "--head", "0", "--pair", TEXTS[0], "--", TEXTS[1]]), "pair")
        same(srv, "/attention", {"inputs": LONG, "layer": 0, "head": 3, "truncate": True},
             cli(vkbert, at + ["--layer", "0", "--head", "3", "--truncate", "--", LONG]), "truncate")

        # errors: each its status, TEI's error type and a message
        error(srv, "/fill-mask", {}, 422, "validation", "no inputs", "inputs")
        error(srv, "/fill-mask", {"inputs": 5}, 422, "validation", "inputs a number")
        error(srv, "/fill-mask", {"inputs": ""}, 400, "empty", "an empty input")
        error(srv, "/fill-mask", {"inputs": ["a [MASK]", ""]}, 400, "empty", "an empty input in a list")
        error(srv, "/fill-mask", {"inputs": []}, 400, "empty", "no inputs in the list")
        error(srv, "/fill-mask", {"inputs": ["a [MASK]"] * 5}, 413, "validation", "5 inputs over 4")
        error(srv, "/fill-mask", {"inputs": "a [MASK]", "top_k": "3"}, 422, "validation", "top_k a string", "top_k")
        error(srv, "/fill-mask", {"inputs": "a [MASK]", "top_k": 0}, 422, "validation", "top_k 0", "top_k")
        error(srv, "/fill-mask", {"inputs": "a [MASK]", "top_k": 65}, 422, "validation", "top_k 65", "top_k")
        error(srv, "/fill-mask", {"inputs": "a [MASK]", "targets": 5}, 422, "validation", "targets a number",
              "targets")
        error(srv, "/fill-mask", {"inputs": "a [MASK]", "targets": ["a", 5]}, 422, "validation",
              "a target a number", "targets")
        error(srv, "/fill-mask", {"inputs": "a [MASK]", "targets": []}, 422, "validation", "no targets", "targets")
        error(srv, "/fill-mask", {"inputs": "a [MASK]", "truncate": "yes"}, 422, "validation", "truncate a string")
        error(srv, "/fill-mask", {"inputs": ["a [MASK]", "no mask"]}, 422, "validation", "an input without a mask",
              "`inputs`[1]")
        error(srv, "/fill-mask", {"inputs": LONG + "[MASK]"}, 413, "validation", "too long", "truncate")
        error(srv, "/score", {"inputs": [TEXTS[0], LONG]}, 413, "validation", "too long", "`inputs`[1]")
        error(srv, "/score", {"inputs": {"a": 1}}, 422, "validation", "inputs an object")
        error(srv, "/score", {"inputs": TEXTS[0], "truncation_direction": "up"}, 422, "validation",
              "truncation_direction up")
        error(srv, "/attention", {"inputs": TEXTS[0]}, 422, "validation", "no layer", "layer")
        error(srv, "/attention", {"inputs": TEXTS[0], "layer": "1"}, 422, "validation", "layer a string", "layer")
        error(srv, "/attention", {"inputs": TEXTS[0], "layer": 2}, 422, "validation", "layer 2 of 2", "layer")
        error(srv, "/attention", {"inputs": TEXTS[0], "layer": -1}, 422, "validation", "layer -1", "layer")
        error(srv, "/attention", {"inputs": TEXTS[0], "layer": 0, "head": 4}, 422, "validation", "head 4 of 4", "head")
        error(srv, "/attention", {"inputs": TEXTS[0], "layer": 0, "head": "some"}, 422, "validation", "head some",
              "head")
        error(srv, "/attention", {"inputs": TEXTS[0], "layer": 0, "head": 1.5}, 422, "validation", "head 1.5", "head")
        error(srv, "/attention", {"inputs": TEXTS, "layer": 0}, 422, "validation", "a list of inputs")
        error(srv, "/attention", {"inputs": "", "layer": 0}, 400, "empty", "an empty input")
        error(srv, "/attention", {"inputs": LONG, "layer": 0}, 413, "validation", "too long", "truncate")
        error(srv, "/ner", {"inputs": TEXTS[0]}, 424, "backend", "no token-classification head")
        error(srv, "/qa", {"question": "Who?", "context": TEXTS[0]}, 424, "backend", "no question-answering head")

        # still serving, the same answers
        want = cli(vkbert, fm + ["--"] + MASKED, lines=True)
        same(srv, "/fill-mask", {"inputs": MASKED}, want, "after the errors")
        same(srv, "/score", {"inputs": TEXTS}, cli(vkbert, sc + ["--"] + TEXTS), "after the errors")
        check(srv.request("GET", "/health")[0] == 200, "/health after the errors")
    finally:
        rc, err = srv.stop()
        check(rc == 0, f"serve (tiny) exited {rc}: {err[-400:]}")
        check("alidation" not in err and "VUID" not in err, f"validation message: {err[-400:]}")


def ner(vkbert, models):
    """ner-tiny: /ner per aggregation and ignore_labels; /fill-mask and /score are 424; /attention
    needs no head."""
    model = os.path.join(models, "ner-tiny")
    texts = sorted({c["text"] for c in CASES["ner"] if c["model"] == "ner-tiny"})[:3]
    srv = Server(vkbert, model)
    try:
        base = ["ner", "-m", model, "--json"]
        for agg in ("none", "simple", "first", "average", "max"):
            args = base + ["--aggregation", agg]
            wants = [cli(vkbert, args + ["--", t]) for t in texts]
            same(srv, "/ner", {"inputs": texts[0], "aggregation_strategy": agg}, wants[0], f"{agg}, one string")
            same(srv, "/ner", {"inputs": texts, "aggregation_strategy": agg}, wants, f"{agg}, a list")
        same(srv, "/ner", {"inputs": texts[1]}, cli(vkbert, base + ["--", texts[1]]), "the default aggregation")
        same(srv, "/ner", {"inputs": texts[1], "aggregation_strategy": "SIMPLE"},
             cli(vkbert, base + ["--aggregation", "simple", "--", texts[1]]), "SIMPLE in capitals")
        same(srv, "/ner", {"inputs": texts[0], "ignore_labels": []},
             cli(vkbert, base + ["--ignore-labels", "", "--", texts[0]]), "ignore_labels []")
        same(srv, "/ner", {"inputs": texts[0], "ignore_labels": ["O", "B-PER", "I-LOC"]},
             cli(vkbert, base + ["--ignore-labels", "O,B-PER,I-LOC", "--", texts[0]]), "ignore_labels, none")
        same(srv, "/ner", {"inputs": texts[0], "aggregation_strategy": "first", "ignore_labels": ["PER"]},
             cli(vkbert, base + ["--aggregation", "first", "--ignore-labels", "PER", "--", texts[0]]),
             "ignore_labels, first")
        same(srv, "/ner", {"inputs": LONG}, cli(vkbert, base + ["--", LONG]), "a long text, cut as the CLI cuts it")
        same(srv, "/attention", {"inputs": texts[0], "layer": 1, "head": 1},
             cli(vkbert, ["attention", "-m", model, "--json", "--layer", "1", "--head", "1", "--", texts[0]]),
             "a model without an MLM head")

        error(srv, "/ner", {"inputs": texts[0], "aggregation_strategy": "mean"}, 422, "validation",
              "aggregation_strategy mean", "aggregation_strategy")
        error(srv, "/ner", {"inputs": texts[0], "aggregation_strategy": 1}, 422, "validation",
              "aggregation_strategy a number")
        error(srv, "/ner", {"inputs": texts[0], "ignore_labels": "O"}, 422, "validation", "ignore_labels a string",
              "ignore_labels")
        error(srv, "/ner", {"inputs": texts[0], "ignore_labels": ["O", None]}, 422, "validation",
              "ignore_labels [\"O\", null]", "ignore_labels")
        error(srv, "/ner", {"inputs": [texts[0], ""]}, 400, "empty", "an empty input")
        error(srv, "/ner", {"text": texts[0]}, 422, "validation", "no inputs", "inputs")
        error(srv, "/fill-mask", {"inputs": "a [MASK]"}, 424, "backend", "no MLM head", "masked-language-model")
        error(srv, "/score", {"inputs": "a b"}, 424, "backend", "no MLM head")
        same(srv, "/ner", {"inputs": texts}, [cli(vkbert, base + ["--", t]) for t in texts], "after the errors")
    finally:
        rc, err = srv.stop()
        check(rc == 0, f"serve (ner-tiny) exited {rc}: {err[-400:]}")


def qa(vkbert, models):
    """qa-tiny: /qa with the pipeline's options, a long context in windows."""
    model = os.path.join(models, "qa-tiny")
    flags = {"top_k": "-k", "max_answer_len": "--max-answer-len", "max_seq_len": "--max-seq-len",
             "doc_stride": "--doc-stride"}
    srv = Server(vkbert, model)
    try:
        n = 0
        for c in CASES["qa"]:
            if c["model"] != "qa-tiny":
                continue
            args = ["qa", "-m", model, "--json", "--question", c["question"], "--context", c["context"]]
            for k, v in c["options"].items():
                args += ["--handle-impossible-answer"] if k == "handle_impossible_answer" else [flags[k], str(v)]
            body = dict(c["options"], question=c["question"], context=c["context"])
            same(srv, "/qa", body, cli(vkbert, args), f"{c['question']!r} {c['options']}")
            n += 1
        check(n >= 4, f"only {n} qa-tiny cases in tests/data/pipeline-cases.json")
        ctx = next(c["context"] for c in CASES["qa"] if len(c["context"]) > 300)
        same(srv, "/qa", {"question": "Where?", "context": ctx, "max_seq_len": 32, "doc_stride": 0, "top_k": 2},
             cli(vkbert, ["qa", "-m", model, "--json", "-q", "Where?", "-c", ctx, "--max-seq-len", "32",
                          "--doc-stride", "0", "-k", "2"]), "doc_stride 0: windows that do not overlap")

        error(srv, "/qa", {"context": ctx}, 422, "validation", "no question", "question")
        error(srv, "/qa", {"question": "Where?"}, 422, "validation", "no context", "context")
        error(srv, "/qa", {"question": ["Where?"], "context": ctx}, 422, "validation", "question a list", "question")
        error(srv, "/qa", {"question": "", "context": ctx}, 400, "empty", "an empty question")
        error(srv, "/qa", {"question": "Where?", "context": ""}, 400, "empty", "an empty context")
        error(srv, "/qa", {"question": "Where?", "context": ctx, "top_k": 0}, 422, "validation", "top_k 0", "top_k")
        error(srv, "/qa", {"question": "Where?", "context": ctx, "top_k": -2}, 422, "validation", "top_k -2")
        error(srv, "/qa", {"question": "Where?", "context": ctx, "handle_impossible_answer": 1}, 422, "validation",
              "handle_impossible_answer a number")
        error(srv, "/qa", {"question": "Where?", "context": ctx, "max_seq_len": 100000}, 413, "validation",
              "max_seq_len over the model's")
        error(srv, "/qa", {"question": "Where?", "context": ctx, "max_seq_len": 32, "doc_stride": 30}, 422,
              "validation", "doc_stride over a window's context")
        error(srv, "/fill-mask", {"inputs": "a [MASK]"}, 424, "backend", "no MLM head")
        error(srv, "/ner", {"inputs": "a b"}, 424, "backend", "no token-classification head")
        c = CASES["qa"][0]
        same(srv, "/qa", {"question": c["question"], "context": c["context"]},
             cli(vkbert, ["qa", "-m", model, "--json", "-q", c["question"], "-c", c["context"]]), "after the errors")
    finally:
        rc, err = srv.stop()
        check(rc == 0, f"serve (qa-tiny) exited {rc}: {err[-400:]}")


def main():
    vkbert, models = sys.argv[1:3]
    if not has_server(vkbert) or not have_device(vkbert):
        return 77
    fill_mask_and_friends(vkbert, models)
    ner(vkbert, models)
    qa(vkbert, models)
    if FAILURES:
        print(f"{len(FAILURES)} checks failed", file=sys.stderr)
        return 1
    print("serve_tasks_e2e: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""vkbert bench --tokenizer: no device needed. On the Hugging Face oracle cases' texts (one per
line) the tokens it counts must be the sum of Hugging Face's own ids per text
(tests/data/tokenizers/*/cases.json) and the bytes those texts' UTF-8; the figures consistent
with the timing; --save-text writes the made-up text it then measures; bad options and bad
texts are clear errors. No timing is asserted.
Usage: bench_tokenizer.py VKBERT MODELS_DIR DATA_DIR"""
import json
import os
import subprocess
import sys
import tempfile

from vkbert_testlib import FAILURES, check


def run(vkbert, *args):
    return subprocess.run([vkbert, "bench", "--tokenizer"] + list(args), capture_output=True, text=True, timeout=600)


def record(vkbert, *args):
    p = run(vkbert, *args, "--json")
    check(p.returncode == 0, f"bench --tokenizer {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    lines = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    check(len(lines) == 1, f"{len(lines)} records")
    return lines[0] if lines else {}


def main():
    vkbert, models, data = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        for model, tok in (("roberta-tiny-bpe", "roberta-base"), ("xlmr-tiny", "unigram-xlmr-like"),
                           ("tiny", "distilbert-base-uncased")):
            with open(os.path.join(data, "tokenizers", tok, "cases.json"), encoding="utf-8") as f:
                cases = [c for c in json.load(f)["cases"] if "text_pair" not in c]
            # one text per line: those a line can hold as it is
            cases = [c for c in cases if c["text"] and not set(c["text"]) & set("\n\r\0\ufeff")]
            if model == "tiny":  # bert-base-uncased's vocab.txt, the same WordPiece as distilbert's tokenizer.json
                cases = [c for c in cases if all(i < 30522 for i in c["input_ids"])]
            text = os.path.join(tmp, f"{model}.txt")
            with open(text, "w", encoding="utf-8", newline="\n") as f:
                f.write("".join(c["text"] + "\n" for c in cases))
            r = record(vkbert, "-m", os.path.join(models, model), "--text", text, "--iters", "3", "--warmup", "0")
            for k in ("task", "model", "text", "bytes", "lines", "tokens", "iters", "load_ms", "seconds_median",
                      "mb_per_s", "mb_per_s_best", "tokens_per_s", "threads"):
                check(k in r, f"{model}: the record lacks {k}")
            want_tokens = sum(len(c["input_ids"]) for c in cases)
            want_bytes = sum(len(c["text"].encode("utf-8")) for c in cases)
            check(r.get("task") == "tokenize" and r.get("lines") == len(cases) and r.get("iters") == 3,
                  f"{model}: {r}")
            check(r.get("tokens") == want_tokens, f"{model}: {r.get('tokens')} tokens counted, Hugging Face's {want_tokens}")
            check(r.get("bytes") == want_bytes, f"{model}: {r.get('bytes')} bytes, the texts' UTF-8 {want_bytes}")
            if r.get("seconds_median", 0) > 0 and "mb_per_s" in r:
                check(abs(r["mb_per_s"] - want_bytes / 1e6 / r["seconds_median"]) <= 1e-6 * r["mb_per_s"],
                      f"{model}: MB/s {r['mb_per_s']} is not bytes / median seconds")
                check(r["mb_per_s_best"] >= r["mb_per_s"] * (1 - 1e-9), f"{model}: best below the median")
            print(f"  {model}: {len(cases)} texts, {want_tokens} tokens as Hugging Face's")
        saved = os.path.join(tmp, "made-up.txt")
        r = record(vkbert, "-m", os.path.join(models, "roberta-tiny-bpe"), "--save-text", saved, "--iters", "1",
                   "--warmup", "0")
        if os.path.exists(saved):
            with open(saved, "rb") as f:
                body = f.read()
            nl = body.count(b"\n")
            check(r.get("bytes") == len(body) - nl and r.get("lines") == nl,
                  f"the saved text ({len(body)} bytes, {nl} lines) is not what was measured: {r}")
            check(len(body) > 4_000_000, f"the made-up text is {len(body)} bytes")
            again = record(vkbert, "-m", os.path.join(models, "roberta-tiny-bpe"), "--text", saved, "--iters", "1",
                           "--warmup", "0")
            check(again.get("tokens") == r.get("tokens"), "the saved text tokenizes to other counts")
        else:
            check(False, "--save-text wrote nothing")
        bad = os.path.join(tmp, "bad.txt")
        with open(bad, "wb") as f:
            f.write(b"fine\n\nafter an empty line\n")
        with open(os.path.join(tmp, "bad-utf8.txt"), "wb") as f:
            f.write(b"fine\nbad \xff byte\n")
        for args, code, fragment in (
                ((), 2, "needs -m DIR"),
                (("-m", os.path.join(models, "tiny"), "--text", bad), 1, "line 2"),
                (("-m", os.path.join(models, "tiny"), "--text", os.path.join(tmp, "bad-utf8.txt")), 1, "line 2"),
                (("-m", os.path.join(models, "tiny"), "--text", os.path.join(tmp, "none.txt")), 1, "none.txt"),
                (("-m", tmp, "--iters", "1"), 1, "cannot open a tokenizer in"),
                (("-m", os.path.join(models, "tiny"), "--batch", "2"), 2, "--tokenizer takes"),
                (("-m", os.path.join(models, "tiny"), "--text", bad, "--save-text", saved), 2, "--save-text")):
            p = run(vkbert, *args)
            check(p.returncode == code and fragment in p.stderr,
                  f"bench --tokenizer {' '.join(args)}: exit {p.returncode} (want {code}), stderr {p.stderr.strip()!r}")
        p = subprocess.run([vkbert, "bench", "--text", bad], capture_output=True, text=True, timeout=60)
        check(p.returncode == 2 and "--tokenizer" in p.stderr, f"--text without --tokenizer: {p.returncode} {p.stderr}")
    print(f"bench_tokenizer: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""fill-mask in full and predict, against Hugging Face's pipeline rules on the test models.

tests/data/fill-mask-cases.json (model_tools/fill_mask_cases.py) holds, per test model, what
PyTorch (reference.py) and Hugging Face's Rust tokenizers give: each text's ids, every mask's
top-5 ids with token_str and sequence decoded as transformers' FillMaskPipeline decodes them,
the same for --targets, and predict's argmax ids and their decode. Here the CLI runs all of a
model's texts in one call (batched on the device, JSON Lines back in input order), from
arguments, -f FILE and standard input alike, and is checked against that file and against
PyTorch run now on the same weights (probabilities within 1e-3 relative; an id may differ from
PyTorch's only for an exact tie of PyTorch's own logits, and then its strings are not compared).

    fill_mask_e2e.py VKBERT MODELS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

from vkbert_testlib import FAILURES, check, have_device

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "model_tools"))
import reference  # noqa: E402


def run(vkbert, args, stdin=None):
    p = subprocess.run([vkbert] + args, capture_output=True, text=True, timeout=600, input=stdin,
                       stdin=None if stdin is not None else subprocess.DEVNULL)
    check(p.returncode == 0, f"vkbert {' '.join(args[:3])}... exited {p.returncode}: {p.stderr.strip()[:500]}")
    check("alidation" not in p.stderr and "VUID" not in p.stderr, f"validation message: {p.stderr.strip()[:500]}")
    return p


def softmax(row):
    row = row.astype(np.float64)
    e = np.exp(row - row.max())
    return e / e.sum()


def tie(row, a, b):
    return abs(float(row[a]) - float(row[b])) <= 1e-7 * max(1.0, abs(float(row[b])))


def compare_masks(label, got_masks, want_masks, logits):
    check([m["position"] for m in got_masks] == [m["position"] for m in want_masks],
          f"{label}: mask positions {[m['position'] for m in got_masks]}, want {[m['position'] for m in want_masks]}")
    for gm, wm in zip(got_masks, want_masks):
        row = logits[wm["position"]]
        prob = softmax(row)
        check(len(gm["predictions"]) == len(wm["predictions"]),
              f"{label}: {len(gm['predictions'])} predictions, want {len(wm['predictions'])}")
        for rank, (g, w) in enumerate(zip(gm["predictions"], wm["predictions"])):
            where = f"{label} mask {wm['position']} rank {rank}"
            for field in ("id", "token", "probability", "score", "token_str", "sequence"):
                check(field in g, f"{where}: no {field!r} field")
            if g["id"] != w["id"]:
                check(tie(row, g["id"], w["id"]), f"{where}: id {g['id']}, Hugging Face/PyTorch {w['id']}")
                continue
            ref = prob[g["id"]]
            check(abs(g["score"] - ref) <= 1e-3 * ref, f"{where}: score {g['score']:.6g}, PyTorch {ref:.6g}")
            check(g["probability"] == g["score"], f"{where}: probability {g['probability']} != score {g['score']}")
            check(g["token_str"] == w["token_str"], f"{where}: token_str {g['token_str']!r}, want {w['token_str']!r}")
            check(g["sequence"] == w["sequence"], f"{where}: sequence {g['sequence']!r}, want {w['sequence']!r}")


def jsonl(label, out, n):
    lines = [ln for ln in out.splitlines() if ln.strip()]
    check(len(lines) == n, f"{label}: {len(lines)} JSON lines for {n} inputs")
    try:
        return [json.loads(ln) for ln in lines]
    except ValueError as e:
        check(False, f"{label}: not JSON Lines: {e}: {out[:300]}")
        return []


def check_model(vkbert, models, name, m, tmp):
    model = os.path.join(models, name)
    texts = [c["text"] for c in m["cases"]]
    logits = []
    for c in m["cases"]:
        _, lg, _ = reference.run(model, [c["input_ids"]])
        logits.append(lg[0])
        # the committed file must still describe these weights
        for mk in c["masks"]:
            top = list(np.argsort(-lg[0][mk["position"]].astype(np.float64), kind="stable")[:len(mk["predictions"])])
            check(top == [p["id"] for p in mk["predictions"]],
                  f"{name}: PyTorch's top ids now {top} for {c['text']!r}: the test models changed; regenerate "
                  "tests/data/fill-mask-cases.json with model_tools/fill_mask_cases.py")

    # every text in one call: JSON Lines in input order
    p = run(vkbert, ["fill-mask", "-m", model, "--json", "-k", "5", "--"] + texts)
    got = jsonl(f"{name} args", p.stdout, len(texts))
    for c, g, lg in zip(m["cases"], got, logits):
        compare_masks(f"{name} {c['text']!r}", g.get("masks", []), c["masks"], lg)
    print(f"  {name}: {len(texts)} texts, {sum(len(c['masks']) for c in m['cases'])} masks in one call")

    # the same from a file and from standard input: the same bytes out
    path = os.path.join(tmp, f"{name}.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(texts) + "\n")
    pf = run(vkbert, ["fill-mask", "-m", model, "--json", "-f", path])
    check(pf.stdout == p.stdout, f"{name}: -f FILE gives other output than TEXT arguments")
    ps = run(vkbert, ["fill-mask", "-m", model, "--json"], stdin="\n".join(texts) + "\n")
    check(ps.stdout == p.stdout, f"{name}: standard input gives other output than TEXT arguments")
    check(pf.stderr.strip() == "" and ps.stderr.strip() == "", f"{name}: progress or noise on stderr in a pipe: "
          f"{(pf.stderr + ps.stderr)[:300]!r}")

    # on a terminal, progress goes to stderr (and the results stay the same); with --json not
    if os.name == "posix" and name == "tiny":
        for extra, want in (([], True), (["--json"], False)):
            master, slave = os.openpty()
            pt = subprocess.run([vkbert, "fill-mask", "-m", model, "-f", path] + extra, stdout=subprocess.PIPE,
                                stderr=slave, stdin=subprocess.DEVNULL, timeout=600)
            os.close(slave)
            err = b""
            try:
                while True:
                    chunk = os.read(master, 65536)
                    if not chunk:
                        break
                    err += chunk
            except OSError:  # EIO once the terminal's other side is closed and drained
                pass
            os.close(master)
            shown = f"vkbert: {len(texts)} of {len(texts)} inputs (100%)".encode() in err
            check(pt.returncode == 0 and shown == want,
                  f"{name} -f on a terminal {extra}: progress {'missing' if want else 'shown'}: {err[:200]!r}")
            if not extra:
                check(pt.stdout.decode() == run(vkbert, ["fill-mask", "-m", model, "-f", path]).stdout,
                      f"{name}: output on a terminal differs from output in a pipe")

    # one input: one object, as before
    p1 = run(vkbert, ["fill-mask", "-m", model, "--json", "--", texts[0]])
    one = jsonl(f"{name} one", p1.stdout, 1)
    if one:
        compare_masks(f"{name} one {texts[0]!r}", one[0].get("masks", []), m["cases"][0]["masks"], logits[0])

    # targets: the pipeline's mapping and the targets' own probabilities
    pt = run(vkbert, ["fill-mask", "-m", model, "--json", "--targets", ",".join(m["targets"]), "--"] + texts)
    got = jsonl(f"{name} targets", pt.stdout, len(texts))
    for c, g, lg in zip(m["cases"], got, logits):
        compare_masks(f"{name} targets {c['text']!r}", g.get("masks", []), c["targets_masks"], lg)
    with open(os.path.join(HERE, "data", "tokenizers", os.path.relpath(m["tokenizer"], "tests/data/tokenizers")),
              encoding="utf-8") as f:
        tj = json.load(f)
    vocab = dict(tj["model"]["vocab"]) if isinstance(tj["model"]["vocab"], dict) else \
        {p[0]: i for i, p in enumerate(tj["model"]["vocab"])}
    vocab.update({a["content"]: a["id"] for a in tj.get("added_tokens", [])})
    for word, tid in zip(m["targets"], m["target_ids"]):
        if word in vocab:
            continue
        needle = f'the target "{word}" does not exist in the model\'s vocabulary'
        check(needle in pt.stderr, f"{name}: no warning for target {word!r}: {pt.stderr[:400]!r}")
        if tid is not None:
            check(f'first token "{tj_token(vocab, tid)}"' in pt.stderr,
                  f"{name}: the warning for {word!r} does not name its first token {tj_token(vocab, tid)!r}")

    # predict: the argmax at every position, decoded with special tokens
    for c, lg in zip(m["cases"], logits):
        pp = run(vkbert, ["predict", "-m", model, "--json", "--", c["text"]])
        try:
            g = json.loads(pp.stdout)
        except ValueError:
            check(False, f"{name} predict: not JSON: {pp.stdout[:200]!r}")
            continue
        want = c["predict"]["ids"]
        check(len(g.get("ids", [])) == len(want), f"{name} predict {c['text']!r}: {len(g.get('ids', []))} ids, want {len(want)}")
        same = True
        for pos, (a, b) in enumerate(zip(g.get("ids", []), want)):
            if a != b:
                same = False
                check(tie(lg[pos], a, b), f"{name} predict {c['text']!r} position {pos}: id {a}, PyTorch {b}")
        if same:
            check(g.get("text") == c["predict"]["text"],
                  f"{name} predict {c['text']!r}: text {g.get('text')!r}, Hugging Face decodes {c['predict']['text']!r}")
        plain = run(vkbert, ["predict", "-m", model, "--", c["text"]])
        if same:
            check(plain.stdout == c["predict"]["text"] + "\n", f"{name} predict (text): {plain.stdout!r}")
    print(f"  {name}: targets {m['targets']} and predict on {len(texts)} texts")


def tj_token(vocab, tid):
    for k, v in vocab.items():
        if v == tid:
            return k
    return None


def text_output(vkbert, models, cases):
    """Without --json: each prediction's score, token_str and sequence on its line; a header per input."""
    m = cases["models"]["tiny"]
    model = os.path.join(models, "tiny")
    texts = [c["text"] for c in m["cases"][:2]]
    p = run(vkbert, ["fill-mask", "-m", model, "-k", "2", "--"] + texts)
    lines = p.stdout.splitlines()
    check(any(ln.startswith("TEXT 1: ") for ln in lines) and any(ln.startswith("TEXT 2: ") for ln in lines),
          f"text output: no TEXT headers: {p.stdout[:300]!r}")
    for c in m["cases"][:2]:
        for mk in c["masks"]:
            check(f"[MASK] at position {mk['position']}:" in lines, f"text output: no line for mask {mk['position']}")
            for pr in mk["predictions"][:2]:
                check(any(f"(id {pr['id']})" in ln and ln.endswith(pr["sequence"]) for ln in lines),
                      f"text output: no line with id {pr['id']} and sequence {pr['sequence']!r}")


def main():
    vkbert, models = sys.argv[1], sys.argv[2]
    if not have_device(vkbert):
        return 77
    with open(os.path.join(HERE, "data", "fill-mask-cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        for name, m in cases["models"].items():
            check_model(vkbert, models, name, m, tmp)
    text_output(vkbert, models, cases)
    if FAILURES:
        print(f"{len(FAILURES)} failures", file=sys.stderr)
        return 1
    print("fill-mask and predict equal Hugging Face's pipeline and PyTorch")
    return 0


if __name__ == "__main__":
    sys.exit(main())

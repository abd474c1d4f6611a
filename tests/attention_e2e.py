#!/usr/bin/python3
"""vkbert attention against PyTorch, and its pictures against its own numbers.

For each test model: `vkbert attention --json` for every head of the first and the last layer
equals model_tools/reference.py's softmax(q k^T / sqrt(d) + mask) within 1e-5 (the probabilities
come from the model's attention kernel in its PROBS variant; on lavapipe the texel one, under
VKBERT_LIMITS=min the storage one). The heatmaps: the PNG is decoded here (zlib, no imaging
library) and the SVG parsed; cells chosen across the range of probabilities have the colour the
documented map gives (white 0 to (8, 48, 107) at 1, linear), at the place --json says, and the
picture's size is what the grid needs. Bad input: --layer or --head out of range, no -o and no
--json, an unknown extension, an unwritable path, a model directory that is not one.

    attention_e2e.py VKBERT MODELS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from vkbert_testlib import FAILURES, check, have_device, read_png

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "model_tools"))
import reference  # noqa: E402

CASES = {"tiny": "The capital of France is [MASK], naïve café 東京.",
         "roberta-tiny-bpe": "The capital of France is<mask>. 😀",
         "distil-tiny": "Paris is the capital of France.",
         "albert-tiny": "a shared layer group"}


def run(vkbert, args):
    p = subprocess.run([vkbert] + args, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    check(p.returncode == 0, f"vkbert {' '.join(args[:4])}... exited {p.returncode}: {p.stderr.strip()[:400]}")
    check("alidation" not in p.stderr and "VUID" not in p.stderr, f"validation message: {p.stderr[:400]}")
    return p


def colour(p):
    return tuple(round(255 - p * (255 - c)) for c in (8, 48, 107))


def svg_rects(path):
    root = ET.parse(path).getroot()
    out = {}
    for r in root.iter():
        if r.tag.endswith("rect") and r.get("fill", "").startswith("#"):
            key = (int(float(r.get("x"))), int(float(r.get("y"))))
            f = r.get("fill")
            out.setdefault(key, tuple(int(f[i:i + 2], 16) for i in (1, 3, 5)))
    return out


def check_picture(name, got, png, svg):
    """Cells of low, middle and high probability in each tile: their colour in the PNG and the SVG."""
    w, h, pix = read_png(png)
    rects = svg_rects(svg)
    for hd in got["heads"]:
        a = np.array(hd["attention"])
        n = a.shape[0]
        cell = hd["cell"]
        flat = np.argsort(a, axis=None)
        picks = {int(flat[0]), int(flat[len(flat) // 2]), int(flat[-1]), int(flat[len(flat) * 3 // 4])}
        for k in picks:
            i, j = divmod(k, n)
            x = cell["x"] + j * cell["size"] + cell["size"] // 2
            y = cell["y"] + i * cell["size"] + cell["size"] // 2
            want = colour(a[i, j])
            check(0 <= x < w and 0 <= y < h and pix[y][x] == want,
                  f"{name} head {hd['head']} cell ({i},{j}) p={a[i, j]:.4f}: PNG pixel "
                  f"{pix[y][x] if 0 <= x < w and 0 <= y < h else 'outside'}, want {want}")
            key = (cell["x"] + j * cell["size"], cell["y"] + i * cell["size"])
            check(rects.get(key) == want, f"{name} head {hd['head']} cell ({i},{j}): SVG fill {rects.get(key)}, want {want}")
        # the frame's corner lies just outside the grid: the grid is n cells wide
        check(cell["x"] + n * cell["size"] <= w and cell["y"] + n * cell["size"] <= h,
              f"{name}: the grid of {n} cells of {cell['size']} px does not fit a {w}x{h} picture")
    return w, h


def main():
    vkbert, models = sys.argv[1], sys.argv[2]
    if not have_device(vkbert):
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in CASES.items():
            model = os.path.join(models, name)
            with open(os.path.join(model, "config.json")) as f:
                cfg = json.load(f)
            layers = cfg.get("num_hidden_layers", cfg.get("n_layers"))
            heads = cfg.get("num_attention_heads", cfg.get("n_heads"))
            tok = json.loads(run(vkbert, ["tokenize", "-m", model, "--json", "--", text]).stdout)
            types = None if cfg.get("model_type") in ("distilbert", "roberta") else tok["token_type_ids"]
            ref = reference.attention_probs(model, tok["input_ids"], types)
            for layer in sorted({0, layers - 1}):
                png, svg = os.path.join(tmp, f"{name}{layer}.png"), os.path.join(tmp, f"{name}{layer}.svg")
                p = run(vkbert, ["attention", "-m", model, "--layer", str(layer), "--json", "-o", png, "--", text])
                if p.returncode:
                    continue
                got = json.loads(p.stdout)
                check(got["tokens"] == tok["tokens"], f"{name}: tokens {got['tokens']} vs tokenize's {tok['tokens']}")
                check([hd["head"] for hd in got["heads"]] == list(range(heads)), f"{name}: heads {len(got['heads'])}")
                for hd in got["heads"]:
                    a = np.array(hd["attention"], dtype=np.float64)
                    e = float(np.abs(a - ref[layer][hd["head"]]).max())
                    check(e <= 1e-5, f"{name} layer {layer} head {hd['head']}: max abs error {e:.3g} against PyTorch")
                    check(np.allclose(a.sum(axis=1), 1.0, atol=1e-5), f"{name}: a row does not sum to 1")
                run(vkbert, ["attention", "-m", model, "--layer", str(layer), "-o", svg, "--", text])
                w, h = check_picture(name, got, png, svg)
                print(f"  {name} layer {layer}: {heads} heads x {len(tok['tokens'])} tokens within 1e-5 of PyTorch; "
                      f"picture {w}x{h}")
            # one head: its own picture, the same numbers
            one = os.path.join(tmp, f"{name}-one.png")
            p = run(vkbert, ["attention", "-m", model, "--layer", "0", "--head", str(heads - 1), "--json", "-o", one,
                             "--", text])
            if p.returncode == 0:
                got = json.loads(p.stdout)
                check([hd["head"] for hd in got["heads"]] == [heads - 1], f"{name}: --head gave {len(got['heads'])}")
                e = float(np.abs(np.array(got["heads"][0]["attention"]) - ref[0][heads - 1]).max())
                check(e <= 1e-5, f"{name} --head {heads - 1}: max abs error {e:.3g}")
                one_svg = one.replace(".png", ".svg")
                if run(vkbert, ["attention", "-m", model, "--layer", "0", "--head", str(heads - 1), "-o", one_svg,
                                "--", text]).returncode == 0:
                    check_picture(name + " one head", got, one, one_svg)

        model = os.path.join(models, "tiny")
        for args, needle in ((["--layer", "2", "--json"], "--layer 2: the model has 2 layers"),
                             (["--layer", "0", "--head", "9", "--json"], "--head 9: the model has"),
                             (["--layer", "0", "--head", "x", "--json"], "--head must be"),
                             (["--layer", "-1", "--json"], "--layer must be"),
                             (["--layer", "0"], "needs -o"),
                             (["--json"], "needs --layer"),
                             (["--layer", "0", "-o", os.path.join(tmp, "a.gif")], ".png or .svg"),
                             (["--layer", "0", "-o", os.path.join(tmp, "no", "dir", "a.png")], "cannot write")):
            p = subprocess.run([vkbert, "attention", "-m", model] + args + ["--", "some text"], capture_output=True,
                               text=True, timeout=300, stdin=subprocess.DEVNULL)
            check(p.returncode != 0 and needle in p.stderr and "Traceback" not in p.stderr,
                  f"attention {args}: exit {p.returncode}, {p.stderr.strip()[:300]!r} (want {needle!r})")
        check(not os.path.exists(os.path.join(tmp, "no")), "a failed -o left a directory")
    if FAILURES:
        print(f"{len(FAILURES)} failures", file=sys.stderr)
        return 1
    print("attention equals PyTorch's; the pictures show it")
    return 0


if __name__ == "__main__":
    sys.exit(main())

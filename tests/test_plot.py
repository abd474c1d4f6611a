#!/usr/bin/python3
"""Charts through the CLI. bench-compare (no device): hand-written bench --json records of
two devices as a table (rows, values, alignment) and as PNG and SVG bar charts whose bars are
measured here (a PNG decoded with zlib): heights in the ratio of the values, the share of
peak in its own panel, skipped records warned about, and every bad input a clear error.
With --bench (a device): bench --plot's sweep chart in both formats, its lines where the
records put them, and the progress line only on a terminal.
  test_plot.py VKBERT SCRATCH [--bench]"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

from vkbert_testlib import FAILURES, WINDOWS, check, have_device, read_png

# chart.c's palette (series 0, 1, 2) and axis colour
A, B, C = (0x2f, 0x6d, 0xb5), (0xe8, 0x86, 0x2a), (0x3a, 0x9a, 0x4b)
AXIS = (0x44, 0x44, 0x44)
SVG_NS = "{http://www.w3.org/2000/svg}"


def hexcolor(rgb):
    return "#%02x%02x%02x" % rgb


def png_bars(rows, color):
    """Bars of `color`: rectangles standing on an axis line (the pixel under every column is the
    axis colour), as (x0, x1, top, bottom) with bottom the axis row."""
    h, w = len(rows), len(rows[0])
    open_bars, bars = {}, []  # (top, bottom) -> [x0, x1] of a bar still growing to the right
    for x in range(w):
        y, runs = 0, set()
        while y < h:
            if rows[y][x] != color:
                y += 1
                continue
            top = y
            while y < h and rows[y][x] == color:
                y += 1
            if y < h and rows[y][x] == AXIS:
                runs.add((top, y))
        for key in list(open_bars):
            if key not in runs:
                bars.append((*open_bars.pop(key), *key))
        for key in runs:
            open_bars.setdefault(key, [x, x])[1] = x
    bars += [(*v, *k) for k, v in open_bars.items()]
    return sorted(b for b in bars if b[1] - b[0] >= 3)


def svg_bars(root, color):
    """The same from an SVG: <rect>s of `color` whose bottom edge is the top of an axis rect."""
    rects = [r for r in root.iter(SVG_NS + "rect")]
    axes = [(int(r.get("x")), int(r.get("x")) + int(r.get("width")), int(r.get("y"))) for r in rects
            if r.get("fill") == hexcolor(AXIS) and int(r.get("width")) > 100 and int(r.get("height")) == 2]
    out = []
    for r in rects:
        if r.get("fill") != hexcolor(color):
            continue
        x, y, w, hh = (int(r.get(k)) for k in ("x", "y", "width", "height"))
        if any(x0 <= x < x1 and y + hh == ay for x0, x1, ay in axes):
            out.append((x, x + w - 1, y, y + hh))
    return sorted(out)


def run(vkbert, *args, stdin=None):
    p = subprocess.run([vkbert] + list(args), capture_output=True, text=True, timeout=300, input=stdin)
    check(p.returncode >= 0, f"{' '.join(args)}: killed by signal {-p.returncode}")
    return p


def record(device, tps, fraction=None, batch=1, seq=128, precision="fp32", model="bert-base"):
    r = {"device": device, "vendor": "V", "precision": precision, "model": model,
         "config": {"family": "bert", "hidden_size": 768, "num_hidden_layers": 12}, "mlm_head": True,
         "batch": batch, "seq": seq, "tokens": batch * seq, "ms_median": batch * seq / tps * 1e3,
         "tokens_per_s": tps, "gflops": 1.0}
    if fraction is not None:
        r["fraction_of_peak"] = fraction
    return json.dumps(r)


def check_bars(bars_a, bars_b, what):
    """Device A 1000 and (another configuration) 1500 tokens/s, device B 500; A 10 %, B 40 % of
    peak (A's second configuration has none): the upper panel's bars 2 : 1 and 3 : 1, the
    lower one's 1 : 4, each within 2 pixels."""
    def height(b):
        return b[3] - b[2]
    baselines = sorted({b[3] for b in bars_a + bars_b})
    check(len(baselines) == 2, f"{what}: bars stand on {len(baselines)} axes, want 2 (tokens/s, % of peak): {baselines}")
    if len(baselines) != 2:
        return
    top_a = sorted(b for b in bars_a if b[3] == baselines[0])
    top_b = [b for b in bars_b if b[3] == baselines[0]]
    low_a = [b for b in bars_a if b[3] == baselines[1]]
    low_b = [b for b in bars_b if b[3] == baselines[1]]
    check(len(top_a) == 2 and len(top_b) == 1 and len(low_a) == 1 and len(low_b) == 1,
          f"{what}: bars per panel A {len(top_a)}/{len(low_a)}, B {len(top_b)}/{len(low_b)}; want 2/1 and 1/1")
    if len(top_a) != 2 or len(top_b) != 1 or len(low_a) != 1 or len(low_b) != 1:
        return
    ha, ha2, hb = height(top_a[0]), height(top_a[1]), height(top_b[0])
    check(hb > 20 and abs(ha - 2 * hb) <= 2, f"{what}: tokens/s bars A {ha} px, B {hb} px: not 2 : 1")
    check(abs(ha2 - 3 * hb) <= 2, f"{what}: A's second configuration {ha2} px, B {hb} px: not 3 : 1")
    check(top_a[0][1] < top_b[0][0] < top_a[1][0], f"{what}: B's bar is not beside A's in the first group")
    pa, pb = height(low_a[0]), height(low_b[0])
    check(pa > 5 and abs(pb - 4 * pa) <= 2, f"{what}: % of peak bars A {pa} px, B {pb} px: not 1 : 4")
    check(abs(low_a[0][0] - top_a[0][0]) <= 1, f"{what}: the panels' bars of A are not one above the other")


def check_compare(vkbert, scratch):
    a, b = os.path.join(scratch, "plot-a.jsonl"), os.path.join(scratch, "plot-b.jsonl")
    with open(a, "w") as f:
        f.write(record("Device A", 1000, 0.1) + "\n" + record("Device A", 1500, None, batch=4) + "\n")
    with open(b, "w") as f:
        f.write(record("Device B", 500, 0.4) + "\n\n")
        f.write(json.dumps({"device": "Device B", "task": "embed", "batch": 32, "tokens_per_s": 9.0,
                            "sentences_per_s": 1.0}) + "\n")
        f.write(json.dumps({"device": "Device B", "peak_gflops_fp32": 10.0, "bandwidth_gbs": 5.0}) + "\n")
        f.write(json.dumps({"error": {"status": "VKBERT_ERROR_NO_DEVICE", "message": "no device"}}) + "\r\n")
    png, svg = os.path.join(scratch, "plot-compare.png"), os.path.join(scratch, "plot-compare.svg")
    for path in (png, svg):
        if os.path.exists(path):
            os.remove(path)
    p = run(vkbert, "bench-compare", a, b, "--plot", png)
    check(p.returncode == 0, f"bench-compare --plot png: exit {p.returncode}: {p.stderr}")
    for frag in ("line 3: a bench --task embed record", "line 4: a bench --peak record", "line 5: an error record"):
        check(frag in p.stderr and "skipped" in p.stderr, f"no warning \"{frag}\": {p.stderr}")
    lines = p.stdout.splitlines()
    check(len(lines) == 4, f"table of {len(lines)} lines, want a header and 3 rows: {p.stdout}")
    if len(lines) == 4:
        head = lines[0]
        check(head.split() == ["device", "model", "precision", "batch", "seq", "ms", "tokens/s", "%", "of", "peak"],
              f"header {head}")
        rows = [l.split() for l in lines[1:]]
        want = [["Device", "A", "bert-base", "fp32", "1", "128", "128.00", "1000.0", "10.0%"],
                ["Device", "A", "bert-base", "fp32", "4", "128", "341.33", "1500.0", "-"],
                ["Device", "B", "bert-base", "fp32", "1", "128", "256.00", "500.0", "40.0%"]]
        check(rows == want, f"rows {rows}, want {want}")
        # right-aligned numbers: each ends under its header
        end = head.index("tokens/s") + len("tokens/s")
        check(all(l[:end].endswith(v) for l, v in zip(lines[1:], ("1000.0", "1500.0", "500.0"))),
              f"tokens/s not aligned under its header:\n{p.stdout}")
    if os.path.exists(png):
        w, h, px = read_png(png)
        check(w == 1000 and 500 < h < 1000, f"PNG {w} x {h}")
        check_bars(png_bars(px, A), png_bars(px, B), "PNG")
        check(not any(C in row for row in px), "a third series' colour in a chart of two devices")
    p = run(vkbert, "bench-compare", "--plot", svg, a, b)
    check(p.returncode == 0 and os.path.exists(svg), f"bench-compare --plot svg: exit {p.returncode}: {p.stderr}")
    if os.path.exists(svg):
        root = ET.parse(svg).getroot()
        check(root.tag == SVG_NS + "svg" and root.get("width") == "1000", f"SVG root {root.tag} {root.attrib}")
        check_bars(svg_bars(root, A), svg_bars(root, B), "SVG")
        titles = [t.text for t in root.iter(SVG_NS + "title")]
        for text in ("Device A", "Device B", "bert-base", "1 x 128", "4 x 128", "throughput (tokens/s, higher is better)",
                     "share of the device's peak (%)"):
            check(text in titles, f"no text \"{text}\" in the SVG")
        if os.path.exists(png):  # the same picture: the PNG's bars where the SVG's are
            check(png_bars(read_png(png)[2], A) == svg_bars(root, A), "the PNG's and the SVG's bars differ")
    # standard input
    with open(a) as f:
        p = run(vkbert, "bench-compare", "-", stdin=f.read())
    check(p.returncode == 0 and "1500.0" in p.stdout, f"bench-compare - : exit {p.returncode}: {p.stderr}")

    bad = os.path.join(scratch, "plot-bad.jsonl")
    with open(bad, "w") as f:
        f.write(record("Device A", 1000) + "\n" + '{"device": "A", "batch": 1,' + "\n")
    empty = os.path.join(scratch, "plot-empty.jsonl")
    open(empty, "w").close()
    wrong = os.path.join(scratch, "plot-wrong.jsonl")
    with open(wrong, "w") as f:
        f.write(json.dumps({"task": "tokenize", "model": "m", "mb_per_s": 3.0}) + "\n")
    notobj = os.path.join(scratch, "plot-array.jsonl")
    with open(notobj, "w") as f:
        f.write("[1, 2]\n")
    cases = [
        ([os.path.join(scratch, "no-such.jsonl")], 1, "cannot open"),
        ([bad], 1, "line 2: not JSON"),
        ([notobj], 1, "line 1: not a JSON object"),
        ([empty], 1, "no bench records in"),
        ([a, "--plot", os.path.join(scratch, "x.jpg")], 2, "must end in .png or .svg"),
        ([a, "--plot"], 2, "--plot needs a FILE"),
        ([], 2, "no FILE given"),
        (["--frobnicate", a], 2, "unknown option --frobnicate"),
        ([a, "--plot", os.path.join(scratch, "no-such-dir", "x.svg")], 1, "cannot write"),
    ]
    # a directory: fopen refuses it on Windows, reading it fails on Linux
    cases.append(([scratch], 1, "cannot open" if WINDOWS else "cannot read"))
    for args, code, frag in cases:
        p = run(vkbert, "bench-compare", *args)
        check(p.returncode == code and "vkbert: error: " in p.stderr and frag in p.stderr,
              f"bench-compare {args}: exit {p.returncode} (want {code}), stderr {p.stderr.strip()}")
    p = run(vkbert, "bench-compare", wrong)
    check(p.returncode == 1 and "a bench --tokenizer record" in p.stderr and "no bench records" in p.stderr,
          f"only records of other kinds: exit {p.returncode}, {p.stderr.strip()}")
    p = run(vkbert, "--help")
    check("bench-compare" in p.stdout, "bench-compare is not in the usage text")


def svg_polylines(root, color):
    return [[tuple(float(v) for v in pt.split(",")) for pt in pl.get("points").split()]
            for pl in root.iter(SVG_NS + "polyline") if pl.get("stroke") == hexcolor(color)]


def check_bench(vkbert, scratch):
    png, svg = os.path.join(scratch, "plot-bench.png"), os.path.join(scratch, "plot-bench.svg")
    base = ["bench", "--shape", "bert-tiny", "--batch", "1,2", "--seq", "8,16", "--iters", "2", "--warmup", "1"]
    p = run(vkbert, *base, "--plot", png)
    check(p.returncode == 0 and os.path.exists(png), f"bench --plot png: exit {p.returncode}: {p.stderr}")
    check("(1/4)" not in p.stderr, f"progress written to a pipe: {p.stderr!r}")
    if os.path.exists(png):
        w, h, px = read_png(png)
        check(w == 1000 and 600 < h < 1100, f"sweep PNG {w} x {h}")
        count = {c: sum(row.count(c) for row in px) for c in (A, B, C)}
        check(count[A] > 300 and count[B] > 300 and count[C] == 0,
              f"pixels of the series' colours {count}: want two lines per panel (batch 1 and 2; seq 8 and 16)")
    p = run(vkbert, *base, "--json", "--plot", svg)
    check(p.returncode == 0 and os.path.exists(svg), f"bench --json --plot svg: exit {p.returncode}: {p.stderr}")
    if not os.path.exists(svg) or p.returncode:
        return
    recs = {(r["batch"], r["seq"]): r for r in map(json.loads, p.stdout.splitlines())}
    root = ET.parse(svg).getroot()
    la, lb = svg_polylines(root, A), svg_polylines(root, B)
    # columns (against batch, against seq) x rows (ms, tokens/s, % of peak)
    check(len(la) == 6 and len(lb) == 6 and not svg_polylines(root, C), f"lines: {len(la)} and {len(lb)}, want 6 and 6")
    axes = sorted(int(r.get("y")) for r in root.iter(SVG_NS + "rect")
                  if r.get("fill") == hexcolor(AXIS) and r.get("height") == "2" and int(r.get("width")) > 100)
    if len(la) != 6:
        return
    # against batch: the seq-8 line; against seq: the batch-1 line (series 0 in both)
    series = [[(1, 8), (2, 8)]] * 3 + [[(1, 8), (1, 16)]] * 3
    keys = ["ms_median", "tokens_per_s", "fraction_of_peak"] * 2
    for line, pts, key in zip(la, series, keys):
        base_y = min((y for y in axes if y >= max(p[1] for p in line) - 1), default=None)
        check(base_y is not None, f"{key}: no axis under the line {line}")
        if base_y is None or len(line) != 2:
            continue
        (h0, h1), (v0, v1) = [base_y - (y - 0.5) for _, y in line], [recs[k][key] for k in pts]
        check(h0 > 3 and abs(h1 - h0 * v1 / v0) <= 2,
              f"{key}: points {h0:.0f} and {h1:.0f} px over the axis for {v0:.4g} and {v1:.4g}")
    titles = [t.text for t in root.iter(SVG_NS + "title")]
    check(any(t.startswith("vkbert bench: bert-tiny, fp32 weights") for t in titles), f"title: {titles[:3]}")
    check(any("llvmpipe" in t or "(" in t for t in titles[1:3]), f"the device line: {titles[:3]}")
    check(any(t.startswith("bert: 2 layers, hidden 128, 2 heads") for t in titles), f"shape line: {titles[:3]}")

    # the progress line: on a terminal only, and not with --json
    if WINDOWS:
        print("skipped on a Windows CLI: the progress line on a terminal (a pty)")
        return
    import pty
    for extra, want in (([], True), (["--json"], False)):
        m, s = pty.openpty()
        proc = subprocess.Popen([vkbert, "bench", "--shape", "bert-tiny", "--batch", "1,2", "--seq", "8", "--iters",
                                 "1", "--warmup", "0", "--no-peak"] + extra, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=s)
        os.close(s)
        err = b""
        while True:
            try:
                chunk = os.read(m, 4096)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
        os.close(m)
        rc = proc.wait(timeout=300)
        text = err.decode(errors="replace")
        got = "\rbench: batch 2 seq 8 (2/2)" in text
        check(rc == 0 and got == want, f"bench {extra} on a terminal: exit {rc}, progress {got}, want {want}: {text!r}")


def main():
    vkbert, scratch = sys.argv[1], sys.argv[2]
    os.makedirs(scratch, exist_ok=True)
    if "--bench" in sys.argv[3:]:
        if not have_device(vkbert):
            return 77
        check_bench(vkbert, scratch)
    else:
        check_compare(vkbert, scratch)
    print(f"test_plot: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

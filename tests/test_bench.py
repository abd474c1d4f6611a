#!/usr/bin/python3
"""vkbert bench: the JSON records scripts rely on (keys, one record per configuration),
FLOPs counted independently here against the benchmark's own count, derived figures
consistent with the timings, --peak, a model directory, --task embed (sentences and tokens
counted, padding share, the one-at-a-time baseline), and bad options. No timing is
asserted."""
import json
import os
import subprocess
import sys

from vkbert_testlib import FAILURES, check, have_device, supports_fp16


def bench(vkbert, *args):
    p = subprocess.run([vkbert, "bench"] + list(args), capture_output=True, text=True, timeout=600)
    check(p.returncode == 0, f"bench {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    check("alidation" not in p.stderr, f"validation message: {p.stderr[:300]}")
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def expected_flops(h, layers, heads, inter, vocab, batch, seq, top_k=5):
    t = batch * seq
    per_layer = 2 * t * 3 * h * h + 2 * t * h * h + 2 * 2 * t * h * inter + 4 * batch * seq * seq * h + 2 * 8 * t * h
    rows = batch  # one [MASK] per sequence
    head = 2 * rows * h * h + 8 * rows * h + 2 * rows * vocab * h + (top_k + 2) * vocab * rows
    return layers * per_layer + 11 * t * h + head


def check_embed(vkbert, model):
    """--task embed: one record per --batch, the sentences counted, the tokens the runner counted
    equal to those drawn (each generated word is one token), padding as a share, the
    one-at-a-time baseline unpadded, figures consistent with each other."""
    n, lo, hi = 48, 8, 24
    recs = bench(vkbert, "--task", "embed", "--shape", "bert-tiny", "--sentences", str(n), "--lengths", f"{lo}-{hi}",
                 "--batch", "4,16", "--iters", "1", "--warmup", "1", "--json")
    check([r.get("batch") for r in recs] == [4, 16], f"embed configurations {[r.get('batch') for r in recs]}")
    for r in recs:
        for k in ("device", "vendor", "driver", "precision", "kernel_variant", "model", "config", "task", "pooling",
                  "normalize", "dimension", "sentences", "min_tokens", "max_tokens", "seed", "batch", "max_batch_tokens",
                  "ms_median", "ms_p10", "ms_p90", "sentences_per_s", "tokens_per_s", "tokens", "tokens_drawn",
                  "padded_tokens", "padding_share", "encodes", "one_at_a_time", "speedup", "model_load_ms"):
            check(k in r, f"embed record lacks {k}")
        if not {"tokens", "padded_tokens", "one_at_a_time", "sentences", "ms_median", "speedup"} <= set(r):
            continue
        b, one = r["batch"], r["one_at_a_time"]
        check(r["task"] == "embed" and r["sentences"] == n and r["dimension"] == 128, f"embed record {r}")
        check(r["tokens"] == r["tokens_drawn"] and n * lo <= r["tokens"] <= n * hi,
              f"batch {b}: {r['tokens']} tokens counted, {r['tokens_drawn']} drawn, want {n * lo}..{n * hi}")
        check(r["padded_tokens"] >= r["tokens"], f"batch {b}: fewer padded tokens than tokens")
        check(0 <= r["padding_share"] < 1, f"batch {b}: padding share {r['padding_share']}")
        want = (r["padded_tokens"] - r["tokens"]) / r["padded_tokens"]
        check(abs(r["padding_share"] - want) <= 1e-9, f"batch {b}: padding share {r['padding_share']}, want {want}")
        check(-(-n // b) <= r["encodes"] <= n, f"batch {b}: {r['encodes']} encodes for {n} sentences")
        # one at a time: every encode is one sentence (the runner may still pad it to a session's length)
        check(one.get("tokens") == r["tokens"] and one.get("encodes") == n and one.get("padded_tokens", 0) >= r["tokens"]
              and 0 <= one.get("padding_share", -1) < 1, f"one at a time: {one}")
        check(abs(r["sentences_per_s"] - n / (r["ms_median"] * 1e-3)) <= 1e-6 * r["sentences_per_s"],
              "sentences_per_s inconsistent with ms_median")
        check(abs(r["speedup"] - r["sentences_per_s"] / one["sentences_per_s"]) <= 1e-6 * r["speedup"],
              "speedup is not the ratio of the two rates")
    # bge-small-en-v1.5's shape, and a model directory as it is (its own vocabulary)
    recs = bench(vkbert, "--task", "embed", "--shape", "bge-small", "--sentences", "4", "--lengths", "8-12", "--batch",
                 "4", "--iters", "1", "--warmup", "0", "--json")
    c = recs[0]["config"] if recs else {}
    check((c.get("hidden_size"), c.get("num_hidden_layers"), c.get("num_attention_heads"), c.get("intermediate_size"),
           c.get("max_position_embeddings"), c.get("vocab_size")) == (384, 12, 12, 1536, 512, 30522),
          f"bge-small shape {c}")
    check(bool(recs) and recs[0].get("pooling") == "cls" and recs[0].get("dimension") == 384, f"bge-small {recs}")
    recs = bench(vkbert, "-m", model, "--task", "embed", "--sentences", "6", "--batch", "3", "--iters", "1",
                 "--warmup", "0", "--json", "--no-peak")
    check(len(recs) == 1 and recs[0].get("model") == model and recs[0].get("sentences") == 6
          and recs[0].get("tokens") == recs[0].get("tokens_drawn"), f"embed on a model directory: {recs}")


def main():
    vkbert, model = sys.argv[1], sys.argv[2]
    if not have_device(vkbert):
        return 77
    peak = bench(vkbert, "--peak", "--json")
    check(len(peak) == 1, f"--peak printed {len(peak)} records")
    if peak:
        r = peak[0]
        for k in ("device", "vendor", "driver", "peak_gflops_fp32", "peak_gflops_fp16", "bandwidth_gbs"):
            check(k in r, f"--peak record lacks {k}")
        check(r.get("peak_gflops_fp32", 0) > 0 and r.get("bandwidth_gbs", 0) > 0, f"peak figures {r}")
        check(r.get("peak_gflops_fp16") is None or r["peak_gflops_fp16"] > 0, "fp16 peak neither null nor positive")

    recs = bench(vkbert, "--shape", "bert-tiny", "--batch", "1,2", "--seq", "8,20", "--iters", "3", "--warmup", "1",
                 "--json")
    check([(r["batch"], r["seq"]) for r in recs] == [(1, 8), (1, 20), (2, 8), (2, 20)],
          f"configurations {[(r.get('batch'), r.get('seq')) for r in recs]}")
    for r in recs:
        for k in ("device", "vendor", "driver", "precision", "batch", "seq", "ms_median", "tokens_per_s", "gflops",
                  "kernels", "device_type", "vulkan", "kernel_variant", "ms_p10", "ms_p90", "sequences_per_s",
                  "device_memory_bytes", "model_load_ms", "pipeline_cold_ms", "pipeline_warm_ms", "layers",
                  "fraction_of_peak", "peak_gflops_fp32"):
            check(k in r, f"record lacks {k}")
        for kern in r.get("kernels", []):
            check({"name", "ms", "gflops"} <= set(kern), f"kernel entry {kern}")
        want = expected_flops(128, 2, 2, 512, 30522, r["batch"], r["seq"])
        check(abs(r["gflop"] * 1e9 - want) <= 1e-6 * want, f"b{r['batch']} s{r['seq']}: {r['gflop'] * 1e9:.0f} FLOP, "
                                                           f"counted here {want}")
        check(abs(r["tokens_per_s"] - r["batch"] * r["seq"] / (r["ms_median"] * 1e-3)) <= 1e-6 * r["tokens_per_s"],
              "tokens_per_s inconsistent with ms_median")
        check(abs(r["gflops"] - r["gflop"] / (r["ms_median"] * 1e-3)) <= 1e-6 * r["gflops"], "gflops inconsistent")
        check(r["ms_p10"] <= r["ms_median"] <= r["ms_p90"], "spread does not bracket the median")
        names = [k["name"] for k in r["kernels"]]
        for n in ("matmul_qkv", "attention", "matmul_ffn_up", "matmul_ffn_down", "layernorm", "head_decoder"):
            check(n in names, f"no {n} in the kernel breakdown")
        check(len(r["layers"]) == 3, "per-layer breakdown")

    precision = "fp16" if supports_fp16(vkbert, model) else "fp32"
    recs = bench(vkbert, "-m", model, "--seq", "12", "--iters", "2", "--warmup", "0", "--json", "--no-peak",
                 "--precision", precision)
    check(len(recs) == 1 and recs[0]["precision"] == precision and recs[0]["model"] == model, f"model dir run: {recs}")

    check_embed(vkbert, model)

    for bad, frag in ((["--shape", "bert-huge"], "unknown shape"), (["--batch", "0"], "--batch"),
                      (["--task", "embed", "--seq", "8"], "--seq is for --task mlm"), (["--task", "poetry"], "--task"),
                      (["--task", "embed", "--lengths", "9-3"], "--lengths"), (["--sentences", "8"], "--task embed"),
                      (["--task", "embed", "--vocab", "100"], "vocabulary of 200"),
                      (["--precision", "int4"], "--precision"), (["--matmul", "magic"], "--matmul"),
                      (["--texel-rows", "12"], "--texel-rows")):
        p = subprocess.run([vkbert, "bench"] + bad, capture_output=True, text=True, timeout=60)
        check(p.returncode == 2 and frag in p.stderr, f"bench {bad}: exit {p.returncode}, {p.stderr.strip()}")
    # a tuning variable with a bad value: ignored, and the user is told
    env = dict(os.environ, VKBERT_TEXEL_ROWS="40")
    p = subprocess.run([vkbert, "bench", "--shape", "bert-tiny", "--seq", "8", "--iters", "1", "--warmup", "0",
                        "--no-peak"], capture_output=True, text=True, timeout=120, env=env)
    check(p.returncode == 0 and "VKBERT_TEXEL_ROWS=40 ignored" in p.stderr,
          f"VKBERT_TEXEL_ROWS=40: exit {p.returncode}, stderr {p.stderr.strip()[-300:]}")
    print(f"test_bench: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

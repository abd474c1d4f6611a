#!/usr/bin/python3
"""The Android demo's native layer (apps/android/.../cpp/vkbert_jni.c) and its Java wrapper
(Vkbert.java), unchanged, in a desktop JVM with -Xcheck:jni: the NDK's asset manager and log
are host stand-ins (tests/android_host/fake_ndk.c), the model is read from an assets/model/
directory into memory buffers as on a phone, and every answer is compared with the CLI's on
the same model (the CLI is checked against PyTorch by e2e.py).

  test_android_jni.py --javac J --java J --lib DIR --vkbert CLI --make-model TOOL --vocab V
                      --model TINY --host-src DIR --app-src DIR --scratch DIR --shim VULKAN_SHIM
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

from vkbert_testlib import FAILURES, check, have_device


def compile_java(a, classes):
    sources = [os.path.join(a.app_src, "org/vkbert/demo/Vkbert.java"),
               os.path.join(a.host_src, "org/vkbert/demo/Harness.java"),
               os.path.join(a.host_src, "android/content/res/AssetManager.java")]
    subprocess.run([a.javac, "-encoding", "UTF-8", "-d", classes] + sources, check=True, timeout=300)


def make_assets(root, model_dir, drop=None, truncate=None):
    """root/model/: the model's files (as apps/android's assets/model/), less `drop`,
    `truncate` cut to half its size."""
    dst = os.path.join(root, "model")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(dst)
    for name in ("config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors"):
        src = os.path.join(model_dir, name)
        if name == drop or not os.path.exists(src):
            continue
        if name == truncate:
            with open(src, "rb") as f:
                data = f.read()
            with open(os.path.join(dst, name), "wb") as f:
                f.write(data[:len(data) // 2])
        else:
            os.symlink(os.path.abspath(src), os.path.join(dst, name))
    return root


def run_harness(a, classes, assets, cache, texts, threads=0, lose_device=False):
    """The JVM's stdout split into per-text results, plus the trailing concurrency line.
    lose_device: the second text's encode meets a device loss (tests/vulkan_shim.c)."""
    path = os.path.join(a.scratch, "texts.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(texts) + "\n")
    cmd = [a.java, "-Xcheck:jni", "-Djava.library.path=" + a.lib, "-cp", classes, "org.vkbert.demo.Harness",
           assets, cache, path, str(threads)]
    env = None
    if lose_device:
        trigger = os.path.join(a.scratch, "lose-device")
        cmd.append(trigger)
        env = dict(os.environ, VKBERT_VULKAN_LIBRARY=a.shim, VKB_SHIM="lose", VKB_SHIM_LOSE_FILE=trigger)
    p = subprocess.run(cmd, capture_output=True, timeout=600, env=env)
    out, err = p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")
    check(p.returncode == 0, f"JVM exit status {p.returncode}: {err[-2000:]}")
    # -Xcheck:jni reports misuse of JNI as warnings (or aborts)
    check("WARNING" not in out + err and "FATAL ERROR" not in out + err, f"JNI checks: {(out + err)[-2000:]}")
    parts = out.split("\n=====\n")
    return parts[:-1], parts[-1], err


def parse_result(text):
    """[(position, [(token, probability text)])] and the last line (the device)."""
    masks, current = [], None
    lines = text.split("\n")
    for line in lines:
        m = re.match(r"^\[MASK\] at token (\d+):$", line)
        if m:
            current = (int(m.group(1)), [])
            masks.append(current)
        elif line.startswith("  ") and current is not None:
            token, prob = line.strip().rsplit(None, 1)
            current[1].append((token, prob))
    return masks, lines[-1]


def cli_fill_mask(a, model, text):
    p = subprocess.run([a.vkbert, "fill-mask", "-m", model, "--top-k", "5", "--json", text], capture_output=True,
                       timeout=300)
    check(p.returncode == 0, f"CLI on {text!r}: {p.stderr.decode('utf-8', 'replace')}")
    return json.loads(p.stdout.decode("utf-8"))["masks"] if p.returncode == 0 else []


def compare(a, model, text, result, label):
    masks, device = parse_result(result)
    want = cli_fill_mask(a, model, text)
    check(len(masks) == len(want) and len(want) > 0, f"{label}: {len(masks)} masks, CLI {len(want)}: {result!r}")
    for got, exp in zip(masks, want):
        check(got[0] == exp["position"], f"{label}: position {got[0]}, CLI {exp['position']}")
        tokens = [t for t, _ in got[1]]
        exp_tokens = [p["token"] for p in exp["predictions"]]
        check(tokens == exp_tokens, f"{label}: tokens {tokens}, CLI {exp_tokens}")
        probs = [float(p) for _, p in got[1]]
        exp_probs = [p["probability"] for p in exp["predictions"]]
        check(all(abs(x - y) <= 0.0005 + 1e-9 for x, y in zip(probs, exp_probs)),
              f"{label}: probabilities {probs}, CLI {exp_probs}")
    check(device.strip() != "" and not device.startswith(" "), f"{label}: no device name at the end: {result!r}")
    return want


def main():
    ap = argparse.ArgumentParser()
    for name in ("javac", "java", "lib", "vkbert", "make-model", "vocab", "model", "host-src", "app-src", "scratch",
                 "shim"):
        ap.add_argument("--" + name, required=True)
    a = ap.parse_args()
    if not have_device(a.vkbert):
        return 77
    shutil.rmtree(a.scratch, ignore_errors=True)
    os.makedirs(a.scratch)
    classes = os.path.join(a.scratch, "classes")
    compile_java(a, classes)
    cache = os.path.join(a.scratch, "cache")
    os.makedirs(cache)

    # 1. the tiny model: one and two [MASK]s, no [MASK], too long; then all of them from
    #    four threads at once (the app runs each request on a thread of its own)
    assets = make_assets(os.path.join(a.scratch, "assets"), a.model)
    texts = ["The capital of France is [MASK].", "[MASK] went to the [MASK] yesterday.",
             "Café crème [MASK] naïve 東京", "no mask here", "word " * 80 + "[MASK]"]
    results, tail, _ = run_harness(a, classes, assets, cache, texts, threads=4)
    check(len(results) == len(texts), f"{len(results)} results for {len(texts)} texts")
    if len(results) == len(texts):
        for i in range(3):
            compare(a, a.model, texts[i], results[i], f"text {i}")
        check(results[3].startswith("error: the text has no [MASK]"), f"no [MASK]: {results[3]!r}")
        check(results[4].startswith("error: ") and "longer than" in results[4], f"too long: {results[4]!r}")
    check(re.fullmatch(r"concurrent: 20 calls, 0 differ\n?", tail) is not None, f"threads: {tail!r}")
    check(os.path.getsize(os.path.join(cache, "vkbert-pipelines.bin")) > 0, "no pipeline cache in the cache dir")

    # 2. a vocabulary whose tokens are mostly outside the Basic Multilingual Plane (4-byte
    #    UTF-8): what JNI's modified UTF-8 cannot carry; the answer must still equal the CLI's
    with open(a.vocab, encoding="utf-8") as f:
        vocab = f.read().split("\n")
    if vocab and vocab[-1] == "":
        vocab.pop()
    vocab = vocab[:5000] + [chr(0x1F300 + i % 700) + str(i) for i in range(5000, len(vocab))]
    emoji_vocab = os.path.join(a.scratch, "emoji-vocab.txt")
    with open(emoji_vocab, "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    emoji_model = os.path.join(a.scratch, "emoji-model")
    subprocess.run([a.make_model, "--out", emoji_model, "--vocab", emoji_vocab, "--seed", "11", "--std", "0.3"],
                   check=True, timeout=300, stdout=subprocess.DEVNULL)
    text = "The capital of France is [MASK]."
    want = cli_fill_mask(a, emoji_model, text)
    wide = [p["token"] for m in want for p in m["predictions"] if any(ord(c) > 0xFFFF for c in p["token"])]
    check(len(wide) > 0, f"precondition: no 4-byte token in the CLI's top-5 {want}: pick another seed")
    results, _, _ = run_harness(a, classes, make_assets(os.path.join(a.scratch, "assets-emoji"), emoji_model),
                                os.path.join(a.scratch, "cache-emoji"), [text])
    if results:
        compare(a, emoji_model, text, results[0], "4-byte tokens")

    # 3. a device loss (a GPU reset) during the second request: that request reports it, and
    #    the next one starts again on a new context and gives the first one's answer
    results, _, _ = run_harness(a, classes, assets, cache, [text, text, text], lose_device=True)
    check(len(results) == 3, f"device loss: {results!r}")
    if len(results) == 3:
        check(results[1].startswith("error: ") and "the GPU was reset" in results[1],
              f"device loss: the second request gave {results[1]!r}")
        check(results[2] == results[0] and not results[0].startswith("error"),
              f"device loss: no recovery: {results[2]!r} after {results[0]!r}")

    # 4. a missing asset, a truncated weights file: one "error:" line each, and the JVM lives on
    for label, kw, fragment in [("missing weights", {"drop": "model.safetensors"},
                                 "error: assets/model/model.safetensors is missing"),
                                ("missing vocab", {"drop": "vocab.txt"}, "error: assets/model/vocab.txt is missing"),
                                ("truncated weights", {"truncate": "model.safetensors"}, "error: ")]:
        bad = make_assets(os.path.join(a.scratch, "assets-bad"), a.model, **kw)
        results, _, _ = run_harness(a, classes, bad, cache, [text, text])
        check(len(results) == 2 and all(r.startswith(fragment) for r in results), f"{label}: {results!r}")
        if label == "truncated weights" and results:
            check("safetensors" in results[0] or "truncated" in results[0] or "size" in results[0],
                  f"{label}: the message does not name the problem: {results[0]!r}")

    if FAILURES:
        print(f"{len(FAILURES)} failure(s)", file=sys.stderr)
        return 1
    print("test_android_jni: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Bad input to the CLI: every case must exit non-zero with one clear line on stderr
('vkbert: error: ...' naming the problem), and with --json also print an error object.
Nothing may crash (a signal), hang (a timeout) or print a traceback-like mess."""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

from vkbert_testlib import DEVNULL, FAILURES, WINDOWS, check, have_device, passable_argument


SKIPPED = []


def expect_error(vkbert, args, fragment, code=None, name=None, env=None):
    if not all(passable_argument(a) for a in args):
        SKIPPED.append(name or fragment)
        return
    # standard input is empty, never a terminal: embed & co. read it when given no TEXT
    p = subprocess.run([vkbert] + args, capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, **env) if env else None)
    err = p.stderr.decode("utf-8", "replace")
    label = name or " ".join(str(a) if len(a) < 40 else str(a[:37]) + "..." for a in args)
    check(p.returncode > 0, f"{label}: exit status {p.returncode} (want a non-zero exit, not a signal)")
    if code is not None:
        check(p.returncode == code, f"{label}: exit status {p.returncode}, want {code}")
    lines = [line for line in err.splitlines() if line.strip()]
    check(len(lines) == 1, f"{label}: want one line on stderr, got {lines}")
    check(bool(lines) and lines[-1].startswith("vkbert: error: "), f"{label}: stderr {err!r}")
    check(fragment in err, f"{label}: stderr {err!r} lacks {fragment!r}")
    if "--json" in args:
        try:
            obj = json.loads(p.stdout.decode())
            check("error" in obj and obj["error"]["status"].startswith("VKBERT_ERROR_"), f"{label}: JSON {obj}")
        except ValueError:
            check(False, f"{label}: --json error output is not JSON: {p.stdout!r}")


def many_text_errors(vkbert, model, st_model, tmp):
    """embed, similarity, rerank, classify: argument and input errors, found before a model
    runs (on the plain `tiny` model), and the runner's (on a sentence-transformers model)."""
    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path
    empty = write("empty_line.txt", b"first\n\nthird\n")
    bad = write("bad_line.txt", b"first\nsecond\nth\xffird\n")
    nul = write("nul_line.txt", b"first\nse\x00cond\n")
    good = write("good.txt", b"first\r\nsecond\r\n")
    for cmd in ("embed", "similarity", "rerank", "classify"):
        lead = [] if cmd in ("embed", "classify") else ["the source"]
        expect_error(vkbert, [cmd, "x", "y"], "needs a model directory: -m DIR", 2)
        expect_error(vkbert, [cmd, "-m", model] + lead, "no inputs", name=f"{cmd} without inputs")
        expect_error(vkbert, [cmd, "-m", model, "--json"] + lead, "no inputs", name=f"{cmd} --json without inputs")
        expect_error(vkbert, [cmd, "-m", model, "-f", empty] + lead, f"line 2 of {empty} is empty")
        expect_error(vkbert, [cmd, "-m", model, "--json", "-f", bad] + lead, f"line 3 of {bad} is not valid UTF-8")
        expect_error(vkbert, [cmd, "-m", model, "-f", nul] + lead, f"line 2 of {nul} contains a NUL byte")
        expect_error(vkbert, [cmd, "-m", model, "-f", os.path.join(tmp, "missing.txt")] + lead, "cannot read")
        expect_error(vkbert, [cmd, "-m", model, "-f", tmp] + lead, "cannot read", name=f"{cmd} -f a directory")
        expect_error(vkbert, [cmd, "-m", model, "-f", good] + lead + ["extra"], "not both", 2)
        expect_error(vkbert, [cmd, "-m", model] + lead + ["fine", b"not \xc3("], "TEXT 2 is not valid UTF-8",
                     name=f"{cmd} bad TEXT")
        expect_error(vkbert, [cmd, "-m", model] + lead + [""], "TEXT 1 is empty", name=f"{cmd} empty TEXT")
        expect_error(vkbert, [cmd, "-m", model, "--truncation-direction", "up"] + lead + ["x"],
                     "--truncation-direction must be right or left", 2)
        expect_error(vkbert, [cmd, "-m", model, "--no-truncate", "--truncation-direction", "left"] + lead + ["x"],
                     "contradict", 2)
        expect_error(vkbert, [cmd, "-m", model, "--max-batch-tokens", "0"] + lead + ["x"], "positive integer", 2)
        expect_error(vkbert, [cmd, "-m", model, "--bogus"] + lead + ["x"], "unknown option --bogus", 2)
    expect_error(vkbert, ["embed", "-m", model, "--pooling", "bogus", "x"], "unknown pooling \"bogus\"", 2)
    expect_error(vkbert, ["embed", "-m", model, "--json", "--pooling", "bogus", "x"], "unknown pooling", 2)
    expect_error(vkbert, ["embed", "-m", model, "--normalize", "--no-normalize", "x"],
                 "--normalize and --no-normalize contradict each other", 2)
    expect_error(vkbert, ["embed", "-m", model, "--matrix", "x"], "embed does not take --matrix", 2)
    expect_error(vkbert, ["classify", "-m", model, "--normalize", "x"], "classify does not take --normalize", 2)
    expect_error(vkbert, ["similarity", "-m", model], "needs a SOURCE text", 2)
    expect_error(vkbert, ["similarity", "-m", model, b"\xff", "x"], "the SOURCE text is not valid UTF-8")
    expect_error(vkbert, ["rerank", "-m", model], "needs a QUERY", 2)
    expect_error(vkbert, ["rerank", "-m", model, "", "x"], "the QUERY is empty")
    expect_error(vkbert, ["classify", "-m", model, "-f", good, "--pair", "p"], "--pair", 2)
    expect_error(vkbert, ["classify", "-m", model, "x", "--pair", b"\xc3"], "the --pair text is not valid UTF-8")
    # a model without a classification head
    expect_error(vkbert, ["classify", "-m", model, "a text"], "has no sequence-classification head")
    expect_error(vkbert, ["classify", "-m", model, "--json", "a text"], "has no sequence-classification head")
    expect_error(vkbert, ["rerank", "-m", model, "query", "a text"], "has no sequence-classification head")
    # what only a run finds: on a sentence-transformers model (a plain one warns of its missing
    # modules.json, a second stderr line); nothing is written when it fails
    if not st_model or not os.path.isdir(st_model):
        print(f"cli_errors: no sentence-transformers model at {st_model}: the runner's errors are not checked")
        return
    out = os.path.join(tmp, "out.npy")
    long_file = write("long_line.txt", b"short\n" + b"word " * 600 + b"\nshort again\n")
    expect_error(vkbert, ["embed", "-m", st_model, "--no-truncate", "-o", out, "-f", long_file],
                 f"line 2 of {long_file}")
    expect_error(vkbert, ["embed", "-m", st_model, "--no-truncate", "--json", "-f", long_file], f"line 2 of {long_file}")
    check(not os.path.exists(out), "embed --no-truncate -o: a failed run left a file")
    expect_error(vkbert, ["embed", "-m", st_model, "-o", os.path.join(tmp, "no", "dir.npy"), "x"], "cannot write")
    check(not [f for f in os.listdir(tmp) if ".npy" in f], f"a failed -o left files: {os.listdir(tmp)}")
    expect_error(vkbert, ["embed", "-m", st_model, "--prompt-name", "no-such-prompt", "x"], "no-such-prompt")
    expect_error(vkbert, ["similarity", "-m", st_model, "--no-truncate", "word " * 600, "x"], "the SOURCE text")


def main():
    vkbert, model = sys.argv[1], sys.argv[2]
    shim = sys.argv[3] if len(sys.argv) > 3 else None  # tests/vulkan_shim.c
    st_model = sys.argv[4] if len(sys.argv) > 4 else None  # a sentence-transformers layout (st-minilm)
    if not have_device(vkbert):
        return 77
    tmp = tempfile.mkdtemp()
    try:
        long_text = "word " * 200 + "[MASK]"
        expect_error(vkbert, ["frobnicate"], "unknown command", 2)
        expect_error(vkbert, ["fill-mask", "The [MASK]."], "needs a model directory", 2)
        expect_error(vkbert, ["fill-mask", "-m", model], "no inputs: standard input has no lines", 1)
        expect_error(vkbert, ["fill-mask", "-m", model, "--bogus", "x"], "unknown option --bogus", 2)
        expect_error(vkbert, ["fill-mask", "-m", model, "-k", "0", "x [MASK]"], "-k must be", 2)
        expect_error(vkbert, ["fill-mask", "-m", model, "-k", "abc", "x [MASK]"], "-k must be", 2)
        expect_error(vkbert, ["fill-mask", "-m", os.path.join(tmp, "missing"), "x [MASK]"], "cannot open")
        expect_error(vkbert, ["fill-mask", "-m", model, "no mask here"], "no [MASK]")
        expect_error(vkbert, ["fill-mask", "-m", model, "--json", "no mask here"], "no [MASK]")
        expect_error(vkbert, ["fill-mask", "-m", model, long_text], "use --truncate")
        expect_error(vkbert, ["fill-mask", "-m", model, "--device", "no-such-device", "x [MASK]"],
                     "no Vulkan device matches")
        # many inputs, targets and predict (issue 16)
        expect_error(vkbert, ["fill-mask", "-m", model, "x [MASK]", "no mask"], "TEXT 2 has no [MASK] token to fill")
        nomask_file = os.path.join(tmp, "nomask.txt")
        with open(nomask_file, "wb") as f:
            f.write(b"a [MASK]\nb [MASK]\nnothing\n")
        expect_error(vkbert, ["fill-mask", "-m", model, "-f", nomask_file], f"line 3 of {nomask_file} has no [MASK]")
        expect_error(vkbert, ["fill-mask", "-m", model, "-f", os.path.join(tmp, "missing.txt")], "missing.txt")
        expect_error(vkbert, ["fill-mask", "-m", model, "-f", nomask_file, "x [MASK]"], "not both", 2)
        expect_error(vkbert, ["fill-mask", "-m", model, "--targets", ",,", "x [MASK]"],
                     "--targets: no word gives a token")
        expect_error(vkbert, ["fill-mask", "-m", model, "--targets", b"a,\xff", "x [MASK]"], "not valid UTF-8")
        expect_error(vkbert, ["fill-mask", "-m", model, "--ids", "101,103,102", "x [MASK]"], "takes --ids or TEXT", 2)
        expect_error(vkbert, ["fill-mask", "-m", model, "--ids", "101,1996,102"], "has no [MASK] token")
        expect_error(vkbert, ["predict", "-m", model], "predict needs a TEXT argument", 2)
        expect_error(vkbert, ["predict", "-m", model, "a", "b"], "predict takes one TEXT", 2)
        expect_error(vkbert, ["predict", "-m", model, "--targets", "x", "a"], "unknown option --targets", 2)
        expect_error(vkbert, ["predict", "-m", model, b"a\xff"], "not valid UTF-8")
        expect_error(vkbert, ["predict", "-m", model, "--ids", "101,99999999,102"], "outside the model's vocabulary")
        nohead = os.path.join(os.path.dirname(model), "tiny-nohead")
        for cmd in ("predict", "fill-mask"):
            expect_error(vkbert, [cmd, "-m", nohead, "x [MASK]"], "has no masked-language-model head",
                         name=f"{cmd} without an MLM head")
        expect_error(vkbert, ["score", "-m", nohead, "a text"], "no masked-language-model head")
        expect_error(vkbert, ["score", "-m", model, "fine", "[MASK] [SEP]"], "TEXT 2: input 1 has no token to score")
        expect_error(vkbert, ["score", "-m", model, b"a\xffb"], "not valid UTF-8")
        expect_error(vkbert, ["score", "-m", model], "no inputs")
        # a vocabulary without the mask token says so (not that the text lacks one)
        nomask_model = os.path.join(tmp, "nomask-vocab")
        shutil.copytree(model, nomask_model)
        vocab_path = os.path.join(nomask_model, "vocab.txt")
        with open(vocab_path, encoding="utf-8") as f:
            vocab = f.read().split("\n")
        with open(vocab_path, "w", encoding="utf-8") as f:
            f.write("\n".join("[MASQ]" if v == "[MASK]" else v for v in vocab))
        expect_error(vkbert, ["fill-mask", "-m", nomask_model, "x [MASK]"], "has no mask token")
        expect_error(vkbert, ["score", "-m", nomask_model, "a text"], "no mask token")
        # invalid UTF-8 must reach the program as raw bytes
        for name, arg in [("lone continuation", b"a\x80b [MASK]"), ("truncated", b"ab\xe2\x82"),
                          ("overlong", b"\xc0\xaf [MASK]"), ("surrogate", b"\xed\xa0\x80 [MASK]")]:
            for cmd in (["tokenize", "-m", model], ["fill-mask", "-m", model]):
                expect_error(vkbert, cmd + [arg], "not valid UTF-8", name=f"{cmd[0]} {name}")
        expect_error(vkbert, ["encode", "-m", model, "x"], "--hidden", 2)
        expect_error(vkbert, ["devices", "extra"], "takes no TEXT", 2)
        expect_error(vkbert, ["devices", "--bogus"], "unknown option", 2)
        expect_error(vkbert, ["tokenize", "-m", os.path.join(tmp, "missing"), "--json", "x"], "cannot open")
        expect_error(vkbert, ["encode", "-m", os.path.join(tmp, "missing"), "--hidden", "h.npy", "x"], "cannot open")
        expect_error(vkbert, ["encode", "-m", model, "--json", "--hidden", DEVNULL, b"\xff"], "not valid UTF-8")
        # an output that is a device is written, never replaced by a renamed file (as root, a
        # rename over /dev/null would turn it into a regular file for the whole machine)
        if WINDOWS:
            p = subprocess.run([vkbert, "encode", "-m", model, "--hidden", "NUL", "x"], capture_output=True,
                               timeout=120, stdin=subprocess.DEVNULL)
            check(p.returncode == 0, f"encode --hidden NUL: exit {p.returncode}: {p.stderr[-300:]!r}")
        elif os.name == "posix" and os.path.exists("/dev/null"):
            p = subprocess.run([vkbert, "encode", "-m", model, "--hidden", "/dev/null", "x"], capture_output=True,
                               timeout=120, stdin=subprocess.DEVNULL)
            check(p.returncode == 0, f"encode --hidden /dev/null: exit {p.returncode}: {p.stderr[-300:]!r}")
            check(stat.S_ISCHR(os.stat("/dev/null").st_mode), "encode --hidden /dev/null replaced /dev/null")
        expect_error(vkbert, ["tokenize", "-m", model, "x", "--pair", b"\xc3"], "second text is not valid UTF-8")
        expect_error(vkbert, ["tokenize", "-m", model, "x", "y"], "more than one TEXT", 2)
        expect_error(vkbert, ["tokenize", "-m"], "needs a value", 2)
        expect_error(vkbert, ["encode", "-m", model, "--hidden", os.path.join(tmp, "no", "dir.npy"), "x"],
                     "cannot write")
        # a truncated model file
        bad = os.path.join(tmp, "truncated")
        shutil.copytree(model, bad)
        st = os.path.join(bad, "model.safetensors")
        with open(st, "r+b") as f:
            f.truncate(os.path.getsize(st) // 2)
        expect_error(vkbert, ["fill-mask", "-m", bad, "x [MASK]"], "truncated")
        # a config with heads that do not divide the hidden size
        with open(os.path.join(bad, "config.json")) as f:
            cfg = json.load(f)
        cfg["num_attention_heads"] = cfg["hidden_size"] + 1
        with open(os.path.join(bad, "config.json"), "w") as f:
            json.dump(cfg, f)
        expect_error(vkbert, ["encode", "-m", bad, "--json", "x"], "not divisible")
        # a family vkbert does not run: said, never read as BERT
        cfg["num_attention_heads"] = 2
        cfg["model_type"] = "gpt2"
        with open(os.path.join(bad, "config.json"), "w") as f:
            json.dump(cfg, f)
        expect_error(vkbert, ["fill-mask", "-m", bad, "--json", "x [MASK]"],
                     "model_type \"gpt2\" is not supported (vkbert runs: bert, distilbert, roberta, albert, electra, modernbert, nomic_bert, jina_bert)")
        # ALBERT configs vkbert does not run, each said before any weight is read
        for extra, needle in (({"embedding_size": 0}, "\"embedding_size\" must be an integer in [1, "),
                              ({"num_hidden_groups": 2}, "num_hidden_groups 2 and inner_group_num 1 are not supported"),
                              ({"hidden_act": "relu"}, "hidden_act relu is not supported")):
            with open(os.path.join(bad, "config.json"), "w") as f:
                json.dump(dict(cfg, **{"model_type": "albert", "embedding_size": 16, **extra}), f)
            expect_error(vkbert, ["fill-mask", "-m", bad, "--json", "x [MASK]"], needle,
                         name=f"an ALBERT config with {extra}")
        # a malformed option variable is an error that names it
        expect_error(vkbert, ["fill-mask", "-m", model, "x [MASK]"], "VKBERT_MAX_BUFFER_BYTES=\"huge\" is not a size",
                     env={"VKBERT_MAX_BUFFER_BYTES": "huge"}, name="a malformed VKBERT_MAX_BUFFER_BYTES")
        # no Vulkan driver at all (the loader finds no ICD)
        no_icd = {"VK_ICD_FILENAMES": os.path.join(tmp, "none.json"), "VK_DRIVER_FILES": os.path.join(tmp, "none.json")}
        expect_error(vkbert, ["devices"], "no Vulkan driver found", env=no_icd, name="devices without a driver")
        expect_error(vkbert, ["fill-mask", "-m", model, "x [MASK]"], "no Vulkan driver found", env=no_icd,
                     name="fill-mask without a driver")
        # no Vulkan loader at all: the CLI still starts (the loader is opened at run time)
        no_loader = {"VKBERT_VULKAN_LIBRARY": os.path.join(tmp, "libvulkan-missing.so.1")}
        expect_error(vkbert, ["devices"], "no Vulkan loader found", env=no_loader, name="devices without a loader")
        expect_error(vkbert, ["fill-mask", "-m", model, "x [MASK]"], "no Vulkan loader found", env=no_loader,
                     name="fill-mask without a loader")
        p = subprocess.run([vkbert, "tokenize", "-m", model, "x"], capture_output=True, timeout=60,
                           env=dict(os.environ, **no_loader))
        check(p.returncode == 0, "tokenize needs no GPU, yet failed without a loader")
        # unsupported systems, through a stand-in loader (tests/vulkan_shim.c): a Vulkan 1.0
        # loader; Vulkan 1.0 devices (listed, never used: their 1.1 commands abort the process);
        # no devices; no compute queue
        if shim:
            def env_for(mode):
                return {"VKBERT_VULKAN_LIBRARY": shim, "VKB_SHIM": mode}
            expect_error(vkbert, ["devices"], "the Vulkan loader supports only Vulkan 1.0; vkbert needs 1.1",
                         env=env_for("loader10"), name="devices on a 1.0 loader")
            p = subprocess.run([vkbert, "devices"], capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, **env_for("api10")))
            check(p.returncode == 0 and "Vulkan 1.0." in p.stdout and "not usable: vkbert needs Vulkan 1.1" in p.stdout,
                  f"devices with a 1.0 device: exit {p.returncode}, {p.stdout!r} {p.stderr!r}")
            expect_error(vkbert, ["fill-mask", "-m", model, "x [MASK]"], "no Vulkan 1.1 device with a compute queue",
                         env=env_for("api10"), name="fill-mask with only 1.0 devices")
            expect_error(vkbert, ["fill-mask", "-m", model, "--device", "0", "x [MASK]"],
                         "supports only Vulkan 1.0; vkbert needs 1.1", env=env_for("api10"),
                         name="fill-mask on a chosen 1.0 device")
            expect_error(vkbert, ["devices"], "no Vulkan device found", env=env_for("nodevices"),
                         name="devices with no devices")
            expect_error(vkbert, ["fill-mask", "-m", model, "x [MASK]"], "no Vulkan device found",
                         env=env_for("nodevices"), name="fill-mask with no devices")
            expect_error(vkbert, ["fill-mask", "-m", model, "x [MASK]"], "no Vulkan 1.1 device with a compute queue",
                         env=env_for("nocompute"), name="fill-mask without compute queues")
            expect_error(vkbert, ["fill-mask", "-m", model, "--device", "0", "x [MASK]"], "has no compute queue",
                         env=env_for("nocompute"), name="fill-mask on a chosen device without compute queues")
            # the shim itself passes through when asked for nothing
            p = subprocess.run([vkbert, "fill-mask", "-m", model, "x [MASK]"], capture_output=True, timeout=120,
                               env=dict(os.environ, **env_for("")))
            check(p.returncode == 0, f"fill-mask through the pass-through shim failed: {p.stderr!r}")
        if shutil.which("ldd"):
            deps = subprocess.run(["ldd", vkbert], capture_output=True, text=True).stdout
            check("libvulkan" not in deps, f"vkbert links the Vulkan loader: {deps}")
        many_text_errors(vkbert, model, st_model, tmp)
        # --truncate turns the length error into a result
        p = subprocess.run([vkbert, "fill-mask", "-m", model, "--truncate", "--json", "[MASK] " + long_text],
                           capture_output=True, timeout=120)
        check(p.returncode == 0, f"--truncate failed: {p.stderr!r}")
        # --help everywhere
        for cmd in (["--help"], ["devices", "--help"], ["tokenize", "--help"], ["fill-mask", "--help"],
                    ["encode", "--help"], ["embed", "--help"], ["similarity", "--help"], ["rerank", "--help"],
                    ["classify", "--help"], ["bench", "--help"]):
            p = subprocess.run([vkbert] + cmd, capture_output=True, text=True, timeout=60)
            check(p.returncode == 0 and "usage: vkbert" in p.stdout, f"{cmd}: help missing")
    finally:
        shutil.rmtree(tmp)
    if SKIPPED:
        print(f"cli_errors: {len(SKIPPED)} cases not run: their arguments are not UTF-8, which a Windows "
              f"command line (UTF-16) cannot carry: {', '.join(SKIPPED)}")
    print(f"cli_errors: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

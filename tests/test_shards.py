#!/usr/bin/python3
"""Sharded checkpoints (model.safetensors.index.json): a model split into two shards gives
the same hidden states as the single file; an index naming '../x', an absolute path, a
symlink out of the directory, a tensor in the wrong shard, or a tensor in two shards is
refused with a clear error."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

from vkbert_testlib import FAILURES, WINDOWS, check, have_device


def read_st(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    return {k: (v["dtype"], v["shape"], data[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]])
            for k, v in header.items()}


def write_st(path, tensors):
    header, blob = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + blob)


def make_sharded(src, dst, mapping_override=None, extra=None):
    shutil.copytree(src, dst)
    tensors = read_st(os.path.join(dst, "model.safetensors"))
    os.remove(os.path.join(dst, "model.safetensors"))
    names = sorted(tensors)
    a, b = names[:len(names) // 2], names[len(names) // 2:]
    write_st(os.path.join(dst, "model-00001-of-00002.safetensors"), {k: tensors[k] for k in a})
    write_st(os.path.join(dst, "model-00002-of-00002.safetensors"), {k: tensors[k] for k in b})
    wm = {k: "model-00001-of-00002.safetensors" for k in a}
    wm.update({k: "model-00002-of-00002.safetensors" for k in b})
    if mapping_override:
        wm.update(mapping_override)
    with open(os.path.join(dst, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 0}, "weight_map": wm}, f)
    if extra:
        extra(dst, tensors, a)
    return a


def run(vkbert, model, out=None):
    args = [vkbert, "encode", "-m", model, "--hidden", out or os.devnull, "The capital of France is [MASK]."]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def expect_error(vkbert, model, fragment, label):
    p = run(vkbert, model)
    check(p.returncode != 0 and fragment in p.stderr, f"{label}: exit {p.returncode}, stderr {p.stderr.strip()!r}")


def main():
    vkbert, model = sys.argv[1], sys.argv[2]
    if not have_device(vkbert):
        return 77
    tmp = tempfile.mkdtemp()
    try:
        ref_out, out = os.path.join(tmp, "ref.npy"), os.path.join(tmp, "sharded.npy")
        check(run(vkbert, model, ref_out).returncode == 0, "reference encode failed")
        good = os.path.join(tmp, "good")
        first = make_sharded(model, good)
        p = run(vkbert, good, out)
        check(p.returncode == 0, f"sharded model failed: {p.stderr}")
        if p.returncode == 0:
            check(np.array_equal(np.load(ref_out), np.load(out)), "sharded model gives different hidden states")

        expect_error(vkbert, make_sharded(model, os.path.join(tmp, "dotdot"), {first[0]: "../x.safetensors"}) and
                     os.path.join(tmp, "dotdot"), "plain file names", "../ in the index")
        expect_error(vkbert, make_sharded(model, os.path.join(tmp, "abs"), {first[0]: "/etc/passwd"}) and
                     os.path.join(tmp, "abs"), "plain file names", "absolute path in the index")

        outside = os.path.join(tmp, "outside.safetensors")
        shutil.copy(os.path.join(good, "model-00001-of-00002.safetensors"), outside)

        def link_out(dst, tensors, a):
            os.remove(os.path.join(dst, "model-00001-of-00002.safetensors"))
            os.symlink(outside, os.path.join(dst, "model-00001-of-00002.safetensors"))
        if WINDOWS:  # Wine shows a Unix symlink to Windows programs as the file it leads to
            print("test_shards: the symlink out of the directory is not tried: a Windows CLI under Wine cannot see "
                  "a Unix symlink as one")
        else:
            expect_error(vkbert, make_sharded(model, os.path.join(tmp, "symlink"), extra=link_out) and
                         os.path.join(tmp, "symlink"), "symlink that leads out", "symlink out of the directory")

        def link_in(dst, tensors, a):  # a symlink that stays inside is fine
            os.rename(os.path.join(dst, "model-00001-of-00002.safetensors"), os.path.join(dst, "real.bin"))
            os.symlink("real.bin", os.path.join(dst, "model-00001-of-00002.safetensors"))
        inside = os.path.join(tmp, "symlink-in")
        make_sharded(model, inside, extra=link_in)
        check(run(vkbert, inside).returncode == 0, "a symlink inside the directory was refused")

        wrong = os.path.join(tmp, "wrong")
        make_sharded(model, wrong, {first[0]: "model-00002-of-00002.safetensors"})
        expect_error(vkbert, wrong, "is not in shard", "tensor in the wrong shard")

        def dup(dst, tensors, a):
            write_st(os.path.join(dst, "model-00002-of-00002.safetensors"), tensors)
        expect_error(vkbert, make_sharded(model, os.path.join(tmp, "dup"), extra=dup) and os.path.join(tmp, "dup"),
                     "more than one shard", "tensor in two shards")
    finally:
        shutil.rmtree(tmp)
    print(f"test_shards: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The GPU kit's PyTorch peer: times a BERT encoder plus the MLM head on one row per sequence
(what `vkbert bench` times) in PyTorch, on CUDA when torch has it, else on the CPU.

The kit cannot carry bert-base's weights (440 MB against its 64 MiB), so the weights here are
random (normal, std 0.02, seed 7) and built in torch at run time: the same shapes as vkbert's
`bench --shape NAME`, not the same numbers. Timing does not depend on the values.

The model is the usual eager PyTorch BERT: nn.Linear layers, GELU, LayerNorm and, where torch
has it (2.0 and later), F.scaled_dot_product_attention (its fused kernels on CUDA); else
softmax(q k^T / sqrt(d)) v written out. fp16 is the whole model in half precision (CUDA only;
the CPU's half-precision matmuls are not a peer worth timing). Each shape: --warmup untimed
forwards, then --iters timed ones (synchronised), median; a shape is cut short when its
--time-limit runs out. One JSON record per shape and dtype on stdout (JSON Lines); a shape or
dtype that cannot run is a record with status SKIP and the reason.

    torch_peer.py --config bert-base --shapes 1x128,32x128,1x512 --dtypes fp32,fp16
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F

CONFIGS = {  # vkbert bench's --shape table (apps/bench.c)
    "bert-base": dict(hidden=768, layers=12, heads=12, intermediate=3072),
    "bert-large": dict(hidden=1024, layers=24, heads=16, intermediate=4096),
    "bert-tiny": dict(hidden=128, layers=2, heads=2, intermediate=512),
    "minilm-l6": dict(hidden=384, layers=6, heads=12, intermediate=1536),
}
VOCAB, POSITIONS = 30522, 512


class Layer(torch.nn.Module):
    def __init__(self, h, heads, inter):
        super().__init__()
        self.heads = heads
        self.qkv = torch.nn.Linear(h, 3 * h)
        self.out = torch.nn.Linear(h, h)
        self.ln1 = torch.nn.LayerNorm(h, eps=1e-12)
        self.up = torch.nn.Linear(h, inter)
        self.down = torch.nn.Linear(inter, h)
        self.ln2 = torch.nn.LayerNorm(h, eps=1e-12)

    def forward(self, x):
        b, s, h = x.shape
        q, k, v = self.qkv(x).view(b, s, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        if hasattr(F, "scaled_dot_product_attention"):
            a = F.scaled_dot_product_attention(q, k, v)
        else:
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(h // self.heads), dim=-1) @ v
        x = self.ln1(x + self.out(a.transpose(1, 2).reshape(b, s, h)))
        return self.ln2(x + self.down(F.gelu(self.up(x))))


class Bert(torch.nn.Module):
    """BertForMaskedLM's computation, the head on row 1 of each sequence (bench's [MASK])."""

    def __init__(self, hidden, layers, heads, intermediate):
        super().__init__()
        self.word = torch.nn.Embedding(VOCAB, hidden)
        self.pos = torch.nn.Embedding(POSITIONS, hidden)
        self.types = torch.nn.Embedding(2, hidden)
        self.ln = torch.nn.LayerNorm(hidden, eps=1e-12)
        self.layers = torch.nn.ModuleList(Layer(hidden, heads, intermediate) for _ in range(layers))
        self.dense = torch.nn.Linear(hidden, hidden)
        self.head_ln = torch.nn.LayerNorm(hidden, eps=1e-12)
        self.bias = torch.nn.Parameter(torch.zeros(VOCAB))

    def forward(self, ids):
        s = ids.shape[1]
        x = self.word(ids) + self.pos.weight[:s] + self.types.weight[0]
        x = self.ln(x)
        for layer in self.layers:
            x = layer(x)
        t = self.head_ln(F.gelu(self.dense(x[:, 1])))
        return torch.topk(t @ self.word.weight.T + self.bias, 5, dim=-1)


def emit(rec):
    print(json.dumps(rec), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="bert-base", choices=sorted(CONFIGS))
    ap.add_argument("--shapes", default="1x128,32x128,1x512", help="BATCHxSEQ,...")
    ap.add_argument("--dtypes", default="fp32,fp16")
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=60, help="seconds per shape and dtype at most")
    args = ap.parse_args()
    cuda = torch.cuda.is_available()
    dev = torch.device("cuda" if cuda else "cpu")
    name = torch.cuda.get_device_name(0) if cuda else f"CPU ({torch.get_num_threads()} threads)"
    impl = "eager, SDPA attention" if hasattr(F, "scaled_dot_product_attention") else "eager, explicit softmax attention"
    base = {"kit_item": "torch_peer", "torch": torch.__version__, "torch_device": name, "impl": impl,
            "config": args.config, "weights": "random (same shapes as vkbert bench --shape, not the same values)"}
    torch.manual_seed(7)
    model = Bert(**CONFIGS[args.config])
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0, 0.02)
    model.eval()
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    for dtype in args.dtypes.split(","):
        if dtype == "fp16" and not cuda:
            emit(dict(base, dtype=dtype, status="SKIP", detail="fp16 on the CPU: not timed (CUDA only)"))
            continue
        m = model.to(dev, torch.float16 if dtype == "fp16" else torch.float32)
        for shape in args.shapes.split(","):
            b, s = (int(v) for v in shape.split("x"))
            rec = dict(base, dtype=dtype, shape=f"b{b} x s{s}", batch=b, seq=s)
            ids = torch.randint(1000, VOCAB, (b, s), device=dev)
            times = []
            t_end = time.monotonic() + args.time_limit
            try:
                with torch.inference_mode():
                    for i in range(args.warmup + args.iters):
                        sync()
                        t0 = time.perf_counter()
                        m(ids)
                        sync()
                        if i >= args.warmup:
                            times.append((time.perf_counter() - t0) * 1e3)
                        if time.monotonic() > t_end and times:
                            break
            except RuntimeError as e:  # out of memory, an op without a kernel for this dtype
                emit(dict(rec, status="SKIP", detail=f"{type(e).__name__}: {str(e)[:200]}"))
                continue
            ms = statistics.median(times)
            emit(dict(rec, status="PASS", iters=len(times), warmup=args.warmup, ms_median=ms, ms_min=min(times),
                      tokens_per_s=b * s / (ms * 1e-3), sequences_per_s=b / (ms * 1e-3)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""A bounded load test of vkbert serve on loopback: CLIENTS threads each send REQUESTS mixed
requests (/embed of random subsets of 40 texts, /similarity, /v1/embeddings, /tokenize, /rerank
on a cross-encoder where given, and a few bad ones), on keep-alive connections. Every answer must be
its own request's (checked against the CLI's answers for those texts: embeddings within 1e-5,
tokens exactly), none lost (the server's /metrics counts every request sent), every bad request
answered with its error. Prints requests/s and p50/p99 latency per route: figures, not assertions.

    serve_load.py VKBERT MODEL [--clients 16] [--requests 200] [--seed 1] [--json]
"""
import argparse
import http.client
import json
import random
import subprocess
import sys
import threading
import time

from vkbert_testlib import json_close, FAILURES, Server, check, have_device, has_server

WORDS = ("alpha beta gamma delta river mountain city music paper garden window winter summer cat dog bird "
         "light stone glass ocean forest road train market school table").split()


def texts(n, rng):
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 24))) + f" {i}" for i in range(n)]


def cli_json(vkbert, args):
    p = subprocess.run([vkbert] + args, capture_output=True, text=True, timeout=600, check=True)
    return json.loads(p.stdout)



def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    na = sum(x * x for x in a) ** 0.5
    nb = sum(y * y for y in b) ** 0.5
    return dot / (na * nb) if na and nb else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vkbert")
    ap.add_argument("model")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    a = ap.parse_args()
    if not has_server(a.vkbert) or not have_device(a.vkbert):
        return 77
    rng = random.Random(a.seed)
    pool = texts(40, rng)
    emb = cli_json(a.vkbert, ["embed", "-m", a.model, "--json", "--normalize"] + pool)
    ids = {t: cli_json(a.vkbert, ["tokenize", "-m", a.model, "--json", t])["input_ids"] for t in pool[:10]}

    srv = Server(a.vkbert, a.model, ["--max-concurrent-requests", str(4 * a.clients)])
    latencies = {}
    lock = threading.Lock()
    sent = [0]
    wrong = []

    def client(k):
        r = random.Random(a.seed * 1000 + k)
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=300)
        for i in range(a.requests):
            kind = r.choices(["embed", "similarity", "openai", "tokenize", "bad"], [50, 20, 15, 10, 5])[0]
            pick = r.sample(range(len(pool)), r.randint(1, 8))
            if kind == "embed":
                path, body = "/embed", {"inputs": [pool[j] for j in pick]}
            elif kind == "similarity":
                path, body = "/similarity", {"inputs": {"source_sentence": pool[pick[0]],
                                                        "sentences": [pool[j] for j in pick]}}
            elif kind == "openai":
                path, body = "/v1/embeddings", {"input": [pool[j] for j in pick], "model": f"c{k}r{i}"}
            elif kind == "tokenize":
                pick = [r.randrange(10)]
                path, body = "/tokenize", {"inputs": pool[pick[0]]}
            else:
                path, body = "/embed", {"inputs": [pool[pick[0]], 7]}
            data = json.dumps(body).encode()
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                status, raw = resp.status, resp.read()
            except (OSError, http.client.HTTPException) as e:
                status, raw = None, str(e).encode()
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=300)
            dt = time.perf_counter() - t0
            with lock:
                sent[0] += 1
                latencies.setdefault(kind, []).append(dt)
            try:
                got = json.loads(raw)
            except ValueError:
                got = None
            if kind == "bad":
                ok = status == 422 and isinstance(got, dict) and got.get("error_type") == "validation"
            elif status != 200:
                ok = False
            elif kind == "embed":
                ok = json_close(got, [emb[j] for j in pick])
            elif kind == "similarity":
                ok = json_close(got, [cosine(emb[pick[0]], emb[j]) for j in pick], 1e-4)
            elif kind == "openai":
                ok = (got["model"] == f"c{k}r{i}" and [d["index"] for d in got["data"]] == list(range(len(pick))) and
                      json_close([d["embedding"] for d in got["data"]], [emb[j] for j in pick]))
            else:
                ok = [t["id"] for t in got[0]] == ids[pool[pick[0]]]
            if not ok:
                with lock:
                    wrong.append(f"client {k} request {i} {kind} {path}: {status} {raw[:200]!r}")
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    status, metrics, _, _ = srv.request("GET", "/metrics")
    counted = sum(int(line.rsplit(" ", 1)[1]) for line in (metrics or "").splitlines()
                  if line.startswith("te_request_count{"))
    rc, err = srv.stop()
    total = a.clients * a.requests
    check(sent[0] == total, f"{sent[0]} requests sent of {total}")
    check(not wrong, f"{len(wrong)} answers wrong or lost, the first: {wrong[:3]}")
    check(counted == total, f"the server counted {counted} requests of {total} sent (lost or double)")
    check(rc == 0, f"the server exited {rc}: {err[-500:]}")
    check("ERROR: AddressSanitizer" not in err and "runtime error:" not in err, f"sanitizer report: {err[-2000:]}")

    def pct(xs, p):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1e3
    every = [x for v in latencies.values() for x in v]
    figures = {"clients": a.clients, "requests": total, "seconds": round(wall, 3), "requests_per_s": round(total / wall, 1),
               "p50_ms": round(pct(every, 50), 2), "p99_ms": round(pct(every, 99), 2),
               "routes": {k: {"n": len(v), "p50_ms": round(pct(v, 50), 2), "p99_ms": round(pct(v, 99), 2)}
                          for k, v in sorted(latencies.items())}}
    if a.json:
        print(json.dumps(figures))
    else:
        print(f"serve_load: {total} requests from {a.clients} clients in {wall:.2f} s: {total / wall:.1f} requests/s, "
              f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms")
        for k, v in figures["routes"].items():
            print(f"  {k:11s} {v['n']:5d} requests  p50 {v['p50_ms']:8.2f} ms  p99 {v['p99_ms']:8.2f} ms")
    if FAILURES:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

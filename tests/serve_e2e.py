#!/usr/bin/python3
"""vkbert serve: text-embeddings-inference's routes against the CLI's --json answers for the same
inputs, TEI's request rules (defaults, truncation, errors and their status codes), the limits
and the API key, a device loss, and a stop on SIGTERM with requests in flight.

    serve_e2e.py VKBERT MODELS_DIR SHIM [--deadline]

--deadline: only the per-request deadline, on MODELS_DIR/bert-base-random (slow enough here).

SHIM: the stand-in Vulkan loader (tests/vulkan_shim.c), whose "lose" mode makes the device lost.
The load test is serve_load.py.
"""
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from vkbert_testlib import json_close, FAILURES, Server, check, have_device, has_server

TEXTS = ["The capital of France is Paris.", "a cat sat on the mat", "naïve café, ünïcode and 東京 too", "Short."]


def cli(vkbert, args, ok=True):
    p = subprocess.run([vkbert] + args, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    if ok:
        check(p.returncode == 0, f"vkbert {' '.join(args[:4])}... exited {p.returncode}: {p.stderr.strip()[:300]}")
    return json.loads(p.stdout) if ok and p.returncode == 0 else None



def is_error(resp, status, error_type=None, words=None):
    s, body, raw, _ = resp
    ok = s == status and isinstance(body, dict) and set(body) == {"error", "error_type"}
    if ok and error_type:
        ok = body["error_type"] == error_type
    if ok and words:
        ok = words in body["error"]
    return ok


def embeddings(vkbert, models):
    st = os.path.join(models, "st-minilm")
    srv = Server(vkbert, st)
    try:
        # /embed: TEI normalises unless asked not to
        s, body, _, h = srv.post("/embed", {"inputs": TEXTS})
        check(s == 200 and h.get("Content-Type") == "application/json", f"/embed: {s} {h}")
        want = cli(vkbert, ["embed", "-m", st, "--json", "--normalize"] + TEXTS)
        check(json_close(body, want), "/embed differs from vkbert embed --json --normalize")
        s, body, _, _ = srv.post("/embed", {"inputs": TEXTS[:2], "normalize": False})
        want_raw = cli(vkbert, ["embed", "-m", st, "--json", "--no-normalize"] + TEXTS[:2])
        check(s == 200 and json_close(body, want_raw), "/embed normalize:false differs from --no-normalize")
        s, body, _, _ = srv.post("/embed", {"inputs": TEXTS[0]})
        check(s == 200 and json_close(body, want[:1]), "/embed of one string: one row")
        # several requests at once: batched together on the device, each gets its own rows
        results = [None] * 12

        def one(i):
            results[i] = srv.post("/embed", {"inputs": [TEXTS[i % 4], TEXTS[(i + 1) % 4]]})
        threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i, r in enumerate(results):
            check(r[0] == 200 and json_close(r[1], [want[i % 4], want[(i + 1) % 4]], 1e-5),
                  f"concurrent /embed {i}: {r[0]} rows not its own")
        # /similarity
        body = {"inputs": {"source_sentence": TEXTS[0], "sentences": TEXTS[1:]}}
        s, got, _, _ = srv.post("/similarity", body)
        want_sim = cli(vkbert, ["similarity", "-m", st, "--json"] + TEXTS)
        check(s == 200 and json_close(got, want_sim, 1e-5), f"/similarity {got} != CLI {want_sim}")
        # /v1/embeddings: OpenAI's shape, normalised rows, base64 the same floats
        s, got, _, _ = srv.post("/v1/embeddings", {"input": TEXTS[:2], "model": "m"})
        check(s == 200 and got["object"] == "list" and got["model"] == "m" and
              [d["index"] for d in got["data"]] == [0, 1] and all(d["object"] == "embedding" for d in got["data"]) and
              json_close([d["embedding"] for d in got["data"]], want[:2]), f"/v1/embeddings: {str(got)[:300]}")
        toks = [len(cli(vkbert, ["tokenize", "-m", st, "--json", t])["input_ids"]) for t in TEXTS[:2]]
        check(got["usage"] == {"prompt_tokens": sum(toks), "total_tokens": sum(toks)}, f"usage {got['usage']} != {toks}")
        s, got, _, _ = srv.post("/v1/embeddings", {"input": TEXTS[0], "encoding_format": "base64"})
        raw = base64.b64decode(got["data"][0]["embedding"])
        floats = list(struct.unpack(f"<{len(raw) // 4}f", raw))
        check(s == 200 and json_close(floats, want[0]), "/v1/embeddings base64 is not the float row")
        # dimensions (Matryoshka, nomic-embed's recipe): as the CLI's --dimensions, on both routes
        s, got, _, _ = srv.post("/embed", {"inputs": TEXTS[:2], "dimensions": 16})
        want16 = cli(vkbert, ["embed", "-m", st, "--json", "--dimensions", "16"] + TEXTS[:2])
        check(s == 200 and len(got[0]) == 16 and json_close(got, want16), f"/embed dimensions 16: {s} {str(got)[:200]}")
        s, got, _, _ = srv.post("/v1/embeddings", {"input": TEXTS[:2], "dimensions": 16})
        check(s == 200 and json_close([d["embedding"] for d in got["data"]], want16),
              f"/v1/embeddings dimensions 16: {s} {str(got)[:200]}")
        s, got, _, _ = srv.post("/embed", {"inputs": TEXTS[:1], "dimensions": 8, "normalize": False})
        want8 = cli(vkbert, ["embed", "-m", st, "--json", "--dimensions", "8", "--no-normalize"] + TEXTS[:1])
        check(s == 200 and json_close(got, want8), f"/embed dimensions 8 normalize false: {s} {str(got)[:200]}")
        for bad in (0, 385, -1, "8"):
            r = srv.post("/embed", {"inputs": "a", "dimensions": bad})
            check(is_error(r, 422, "validation") or is_error(r, 400, "validation"),
                  f"/embed dimensions {bad!r}: {r[0]} {str(r[1])[:200]}")
        # /embed_all: every token's hidden state, as vkbert encode --hidden writes it
        with tempfile.TemporaryDirectory() as tmp:
            npy = os.path.join(tmp, "h.npy")
            subprocess.run([vkbert, "encode", "-m", st, "--hidden", npy, TEXTS[1]], check=True, capture_output=True,
                           timeout=600)
            import numpy as np
            hidden = np.load(npy)
            s, got, _, _ = srv.post("/embed_all", {"inputs": [TEXTS[1]]})
            check(s == 200 and len(got) == 1 and np.allclose(np.array(got[0]), hidden.reshape(len(got[0]), -1),
                                                              atol=1e-5), "/embed_all differs from encode --hidden")
        # truncation: an over-long input is 413 unless truncate (then as the CLI's cut)
        long = " ".join(["word"] * 400)
        check(is_error(srv.post("/embed", {"inputs": long}), 413, "validation"), "over-long input without truncate")
        s, got, _, _ = srv.post("/embed", {"inputs": long, "truncate": True})
        want_long = cli(vkbert, ["embed", "-m", st, "--json", "--normalize", long])
        check(s == 200 and json_close(got, want_long, 1e-5), "truncate: true differs from the CLI's cut")
        s, got, _, _ = srv.post("/embed", {"inputs": long, "truncate": True, "truncation_direction": "Left"})
        want_left = cli(vkbert, ["embed", "-m", st, "--json", "--normalize", "--truncation-direction", "left", long])
        check(s == 200 and json_close(got, want_left, 1e-5), "truncation_direction Left differs from the CLI's")
        # /tokenize: TEI's SimpleToken, byte offsets; specials without offsets
        text = "Héllo [MASK] wörld"
        s, got, _, _ = srv.post("/tokenize", {"inputs": text})
        tk = cli(vkbert, ["tokenize", "-m", st, "--json", text])
        check(s == 200 and [t["id"] for t in got[0]] == tk["input_ids"], f"/tokenize ids {got}")
        check([t["special"] for t in got[0]] == [bool(x) for x in tk["special_tokens_mask"]], "/tokenize special")
        b = text.encode()
        for t, (cs, ce) in zip(got[0], tk["offsets"]):
            if t["special"]:
                check(t["start"] is None and t["stop"] is None, f"special token with offsets {t}")
            else:
                check((t["start"], t["stop"]) == (len(text[:cs].encode()), len(text[:ce].encode())) and
                      t["text"] == b[t["start"]:t["stop"]].decode(), f"/tokenize offsets {t} vs chars {cs},{ce}")
        s, got, _, _ = srv.post("/tokenize", {"inputs": [text, "a"], "add_special_tokens": False})
        check(s == 200 and len(got) == 2 and not any(t["special"] for t in got[0] + got[1]) and
              [t["id"] for t in got[0]] == tk["input_ids"][1:-1], "/tokenize add_special_tokens false")
        # /decode
        s, got, _, _ = srv.post("/decode", {"ids": tk["input_ids"]})
        check(s == 200 and got == ["hello [MASK] world"] or got == ["hello world"], f"/decode {got}")
        s, got, _, _ = srv.post("/decode", {"ids": [tk["input_ids"], [101, 102]], "skip_special_tokens": False})
        check(s == 200 and len(got) == 2 and got[0].startswith("[CLS] hello") and got[1] == "[CLS] [SEP]",
              f"/decode batch {got}")
        # /info, /health, /metrics
        s, info, _, _ = srv.request("GET", "/info")
        check(s == 200 and info["model_id"] == "st-minilm" and info["model_type"] == {"embedding": {"pooling": "mean"}}
              and info["max_client_batch_size"] == 32 and info["auto_truncate"] is False and
              info["max_input_length"] > 0 and info["vkbert"]["device"], f"/info {info}")
        check("/embed" in info["vkbert"]["routes"] and "/rerank" not in info["vkbert"]["routes"], "/info routes")
        s, body, raw, _ = srv.request("GET", "/health")
        check(s == 200 and raw == b"", f"/health {s} {raw[:100]}")
        s, text_m, _, h = srv.request("GET", "/metrics")
        check(s == 200 and h.get("Content-Type", "").startswith("text/plain") and
              'te_request_success{method="embed"}' in text_m and "te_batch_next_size_bucket" in text_m,
              "/metrics misses TEI's counters")
        # a route the model cannot serve: 424
        check(is_error(srv.post("/rerank", {"query": "a", "texts": ["b"]}), 424, "backend"), "/rerank on embedder")
        check(is_error(srv.post("/predict", {"inputs": "a"}), 424, "backend"), "/predict on embedder")
        errors(srv)
        rc, err = srv.stop()
        check(rc == 0, f"serve exited {rc} after SIGTERM: {err[-500:]}")
    finally:
        srv.stop()


def raw_post(port, path, body):
    """(status, body bytes) of a POST sent by hand, reading the answer even when the server
    closed the connection before taking the whole body."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
    try:
        sock.sendall(body)
    except OSError:
        pass
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    sock.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    try:
        return int(head.split()[1]), rest
    except (IndexError, ValueError):
        return None, data


def errors(srv):
    """Bad requests: the right status and TEI's body, and the server keeps serving."""
    cases = [
        (b"{not json", 400, "validation"),
        (b'{"inputs": "a"} trailing', 400, "validation"),
        (b"\xff\xfe{}", 400, "validation"),
        (b"[1, 2]", 422, "validation"),
        (b"", 422, "validation"),
        (json.dumps({"inputs": 5}).encode(), 422, "validation"),
        (json.dumps({"inputs": [1, 2]}).encode(), 422, "validation"),
        (json.dumps({"inputs": ["a", 3]}).encode(), 422, "validation"),
        (json.dumps({"input": "a"}).encode(), 422, "validation"),
        (json.dumps({"inputs": "a", "normalize": "yes"}).encode(), 422, "validation"),
        (json.dumps({"inputs": "a", "truncate": 1}).encode(), 422, "validation"),
        (json.dumps({"inputs": "a", "truncation_direction": "middle"}).encode(), 422, "validation"),
        (json.dumps({"inputs": ""}).encode(), 400, "empty"),
        (json.dumps({"inputs": []}).encode(), 400, "empty"),
        (json.dumps({"inputs": ["a", ""]}).encode(), 400, "empty"),
        (b'{"inputs": "a\\u0000b"}', 422, "validation"),
        (json.dumps({"inputs": ["x"] * 1000}).encode(), 413, "validation"),
        (json.dumps({"inputs": "a", "prompt_name": "nope"}).encode(), 422, "validation"),
    ]
    for body, status, kind in cases:
        check(is_error(srv.post("/embed", body), status, kind), f"/embed {body[:60]!r}: not {status} {kind}")
    # a 10 MB body: answered 413 from its Content-Length, before it is read (the client may see
    # its send cut off; the answer is there to read)
    status, reply = raw_post(srv.port, "/embed", b'{"inputs": "' + b"a" * (10 << 20) + b'"}')
    check(status == 413 and json.loads(reply).get("error_type") == "validation", f"a 10 MB body: {status} {reply[:100]}")
    # a chunked body (no Content-Length) over the limit: read, dropped, then 413
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
    c.request("POST", "/embed", body=iter([b'{"inputs": "'] + [b"a" * 65536] * 40 + [b'"}']),
              headers={"Content-Type": "application/json"}, encode_chunked=True)
    r = c.getresponse()
    reply = r.read()
    c.close()
    check(r.status == 413 and json.loads(reply)["error_type"] == "validation", f"a chunked 2.6 MB body: {r.status}")
    check(is_error(srv.post("/embed", b"[" * 100000 + b"]" * 100000), 400, "validation"), "100000 nested arrays")
    check(is_error(srv.post("/embed", {"inputs": "a", "normalize": 1e400}), 400), "a number out of range")
    check(is_error(srv.post("/similarity", {"inputs": "a"}), 422, "validation"), "/similarity inputs not an object")
    check(is_error(srv.post("/similarity", {"inputs": {"source_sentence": "a"}}), 422, "validation", "sentences"),
          "/similarity without sentences")
    check(is_error(srv.post("/decode", {"ids": [1, -2]}), 422, "validation"), "/decode negative id")
    check(is_error(srv.post("/decode", {"ids": "1"}), 422, "validation"), "/decode ids a string")
    check(is_error(srv.post("/v1/embeddings", {"input": "a", "encoding_format": "hex"}), 422), "encoding_format hex")
    check(is_error(srv.post("/nowhere", {}), 404), "unknown route")
    check(is_error(srv.request("GET", "/embed"), 405), "GET /embed")
    r = srv.request("DELETE", "/info")
    check(is_error(r, 405) and r[3].get("Allow") == "GET", f"DELETE /info: {r[0]} {r[3]}")
    check(is_error(srv.request("POST", "/info", {}), 405), "POST /info")
    # a header block over the connection's memory: refused, never a crash
    s, _, _, _ = srv.request("GET", "/info", headers={"X-Big": "a" * (200 << 10)})
    check(s in (413, 431), f"a 200 KiB header: {s}")
    s, _, _, _ = srv.request("GET", "/" + "a" * (100 << 10))
    check(s in (404, 413, 414, 431), f"a 100 KiB URL: {s}")
    # still serving, and right
    s, body, _, _ = srv.post("/embed", {"inputs": "still here"})
    check(s == 200 and len(body) == 1, "the server stopped serving after bad requests")


def classifiers(vkbert, models):
    x = os.path.join(models, "xenc-tiny")
    srv = Server(vkbert, x, ["--auto-truncate"])
    try:
        q, docs = "what is a cat", ["a cat is an animal", "paris is in france", "cats"]
        for extra, flags in (({}, []), ({"return_text": True}, ["--return-text"]), ({"raw_scores": True}, ["--raw-scores"])):
            s, got, _, _ = srv.post("/rerank", dict({"query": q, "texts": docs}, **extra))
            want = cli(vkbert, ["rerank", "-m", x, "--json"] + flags + [q] + docs)
            check(s == 200 and json_close(got, want, 1e-5), f"/rerank {extra}: {got} != {want}")
        s, info, _, _ = srv.request("GET", "/info")
        check(s == 200 and "reranker" in info["model_type"] and info["auto_truncate"] is True, f"/info {info}")
        check(is_error(srv.post("/rerank", {"query": "", "texts": ["a"]}), 400, "empty"), "/rerank empty query")
        check(is_error(srv.post("/rerank", {"texts": ["a"]}), 422, "validation", "query"), "/rerank no query")
        check(is_error(srv.post("/rerank", {"query": "a", "texts": "b"}), 422, "validation"), "/rerank texts string")
        # --auto-truncate: an over-long text is cut, not refused
        s, got, _, _ = srv.post("/rerank", {"query": q, "texts": [" ".join(["word"] * 400)]})
        check(s == 200 and len(got) == 1, f"--auto-truncate /rerank: {s}")
    finally:
        srv.stop()
    c = os.path.join(models, "cls-tiny")
    srv = Server(vkbert, c)
    try:
        s, got, _, _ = srv.post("/predict", {"inputs": TEXTS[0]})
        check(s == 200 and json_close(got, cli(vkbert, ["classify", "-m", c, "--json", TEXTS[0]]), 1e-5), "/predict one")
        s, got, _, _ = srv.post("/predict", {"inputs": [TEXTS[0], TEXTS[1]]})
        want = cli(vkbert, ["classify", "-m", c, "--json", TEXTS[0], "--pair", TEXTS[1]])
        check(s == 200 and json_close(got, want, 1e-5), "/predict pair [a, b]")
        s, got, _, _ = srv.post("/predict", {"inputs": [[t] for t in TEXTS], "raw_scores": True})
        want = cli(vkbert, ["classify", "-m", c, "--json", "--raw-scores"] + TEXTS)
        check(s == 200 and json_close(got, want, 1e-5), "/predict batch raw_scores")
        check(is_error(srv.post("/predict", {"inputs": [["a", "b", "c"]]}), 422, "validation"), "/predict triple")
        check(is_error(srv.post("/predict", {"inputs": [[]]}), 422, "validation"), "/predict [[]]")
        s, info, _, _ = srv.request("GET", "/info")
        labels = info["model_type"].get("classifier", {}).get("id2label")
        check(s == 200 and labels and sorted(labels.values()) == sorted(d["label"] for d in got[0]), f"/info {info}")
    finally:
        srv.stop()


def api_key(vkbert, models):
    srv = Server(vkbert, os.path.join(models, "st-minilm"), ["--api-key", "s3cret"])
    try:
        check(is_error(srv.post("/embed", {"inputs": "a"}), 401), "no key: not 401")
        check(is_error(srv.post("/embed", {"inputs": "a"}, headers={"Authorization": "Bearer s3cre"}), 401), "bad key")
        check(is_error(srv.request("GET", "/info", headers={"Authorization": "s3cret"}), 401), "key without Bearer")
        check(srv.post("/embed", {"inputs": "a"}, headers={"Authorization": "Bearer s3cret"})[0] == 200, "right key")
        check(srv.request("GET", "/health")[0] == 200, "/health needs no key")
        check(is_error(srv.request("GET", "/metrics"), 401), "/metrics needs the key")
    finally:
        import signal
        rc, err = srv.stop(sig=signal.SIGINT)
        check(rc == 0 and "SIGINT" in err, f"SIGINT: exit {rc}: {err[-300:]}")


def slow_client(vkbert, models):
    """A client that stops sending mid-request is cut off after --client-timeout, and others are
    served meanwhile."""
    srv = Server(vkbert, os.path.join(models, "st-minilm"), ["--client-timeout", "1"])
    try:
        sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        sock.sendall(b"POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"inp")
        check(srv.post("/embed", {"inputs": "meanwhile"})[0] == 200, "a stalled client blocks others")
        t0 = time.time()
        try:
            data = sock.recv(4096)
        except OSError:
            data = b""
        check(time.time() - t0 < 8 and not data.startswith(b"HTTP/1.1 200"), f"stalled client not cut off: {data[:80]}")
        sock.close()
    finally:
        srv.stop()


def overload_and_stop(vkbert, models):
    """--max-concurrent-requests 2: a burst gets 429s for the excess and 200s (right ones) for the
    rest; SIGTERM with requests in flight answers them and exits 0."""
    st = os.path.join(models, "st-minilm")
    want = cli(vkbert, ["embed", "-m", st, "--json", "--normalize"] + TEXTS)
    srv = Server(vkbert, st, ["--max-concurrent-requests", "2"])
    try:
        results = [None] * 24
        body = {"inputs": TEXTS * 8}

        def one(i):
            results[i] = srv.post("/embed", body)
        threads = [threading.Thread(target=one, args=(i,)) for i in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = [r[0] for r in results]
        check(codes.count(429) > 0 and codes.count(200) > 0 and set(codes) <= {200, 429}, f"burst codes {codes}")
        check(all(is_error(r, 429, "overloaded") for r in results if r[0] == 429), "429 without TEI's body")
        check(all(json_close(r[1], want * 8, 1e-5) for r in results if r[0] == 200), "a 200 with the wrong rows")
    finally:
        srv.stop()
    srv = Server(vkbert, st)
    results = [None] * 6

    def late(i):
        results[i] = srv.post("/embed", {"inputs": TEXTS * 8})
    threads = [threading.Thread(target=late, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    rc, err = srv.stop()
    for t in threads:
        t.join()
    check(rc == 0 and "SIGTERM" in err, f"SIGTERM: exit {rc}: {err[-300:]}")
    check(all(r is not None and r[0] == 200 and json_close(r[1], want * 8, 1e-5) for r in results),
          f"requests in flight at SIGTERM not answered: {[r and r[0] for r in results]}")
    refused = False
    try:
        socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()
    except OSError:
        refused = True
    check(refused, "the port still accepts connections after the server stopped")


def device_loss(vkbert, models, shim):
    st = os.path.join(models, "st-minilm")
    with tempfile.TemporaryDirectory() as tmp:
        trigger = os.path.join(tmp, "lose")
        env = dict(os.environ, VKBERT_VULKAN_LIBRARY=shim, VKB_SHIM="lose", VKB_SHIM_LOSE_FILE=trigger)
        srv = Server(vkbert, st, env=env)
        try:
            s, before, _, _ = srv.post("/embed", {"inputs": TEXTS})
            check(s == 200, f"before the loss: {s}")
            open(trigger, "w").close()
            check(is_error(srv.post("/embed", {"inputs": TEXTS}), 503, "unhealthy"), "a device loss is not 503 unhealthy")
            check(not os.path.exists(trigger), "the shim did not lose the device")
            s, after, _, _ = srv.post("/embed", {"inputs": TEXTS})
            check(s == 200 and json_close(after, before, 1e-6), f"after the loss, a new context: {s}")
            check(srv.request("GET", "/health")[0] == 200, "/health after the device came back")
            m = srv.request("GET", "/metrics")[1]
            check("vkbert_device_lost 1" in m, "vkbert_device_lost not counted")
        finally:
            rc, err = srv.stop()
            check(rc == 0, f"serve exited {rc} after a device loss: {err[-400:]}")


def deadline(vkbert, model):
    """--request-timeout 1 on a model slow enough here (bert-base's shape on a CPU driver): a
    request still running at its deadline is answered 503 then, not when it ends, and the server
    goes on (the next request is answered)."""
    srv = Server(vkbert, model, ["--request-timeout", "1"])
    try:
        long = [" ".join(["word"] * 120) + f" {i}" for i in range(8)]
        t0 = time.time()
        r = srv.post("/embed", {"inputs": long})
        took = time.time() - t0
        check(is_error(r, 503, "overloaded", "deadline") and took < 5, f"deadline: {r[0]} {r[1]} after {took:.1f} s")
        s, got, _, _ = srv.post("/tokenize", {"inputs": "after"})
        check(s == 200, "the server stopped answering after a deadline")
    finally:
        rc, err = srv.stop(timeout=300)
        check(rc == 0, f"serve exited {rc} after a deadline: {err[-300:]}")


def main():
    vkbert, models, shim = sys.argv[1:4]
    if not has_server(vkbert) or not have_device(vkbert):
        return 77
    if len(sys.argv) > 4 and sys.argv[4] == "--deadline":
        deadline(vkbert, os.path.join(models, "bert-base-random"))
        return 1 if FAILURES else 0
    embeddings(vkbert, models)
    classifiers(vkbert, models)
    api_key(vkbert, models)
    slow_client(vkbert, models)
    overload_and_stop(vkbert, models)
    device_loss(vkbert, models, shim)
    if FAILURES:
        print(f"{len(FAILURES)} checks failed", file=sys.stderr)
        return 1
    print("serve_e2e: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

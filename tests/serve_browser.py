#!/usr/bin/python3
"""vkbert serve's demo page in a real browser: Debian's headless chromium, driven through
chromedriver's WebDriver HTTP protocol (spoken here with urllib: no Selenium, no npm). The page is
loaded from the server, its inputs typed into and its buttons clicked; each panel's answer, read
back from the DOM (its data-* attributes and hidden <pre> of the raw response), must be the API's
answer to the same request, POSTed here. Errors must show the server's {"error"} message, and a
route the model has no head for (424) must say so. Then a screenshot of the page.

    serve_browser.py VKBERT MODELS_DIR SCREENSHOT.png

MODELS_DIR/tiny carries the panels: its masked-LM head answers /fill-mask, and a copy of it with a
sentence-transformers mean pooling added gives embeddings that differ more than its [CLS] token's
(on random weights those are all at cosine 0.9999), for a similarity grid worth a look.
MODELS_DIR/st-minilm (no masked-LM head) gives the 424. Exits 77 (skipped) when chromium or
chromedriver is missing (Debian: chromium chromium-driver; or VKBERT_CHROMIUM and
VKBERT_CHROMEDRIVER name them), when the CLI was built without the server, or without a device.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import numpy as np

from vkbert_testlib import json_close, FAILURES, Server, check, have_device, has_server

WAIT_S = 90  # the longest any one wait lasts (a panel's answer, the browser starting)


def find(env, *names):
    p = os.environ.get(env)
    if p:
        return p if os.access(p, os.X_OK) else None
    for n in names:
        w = shutil.which(n) or (n if os.path.isabs(n) and os.access(n, os.X_OK) else None)
        if w:
            return w
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



class WebDriverError(Exception):
    pass


class Browser:
    """chromedriver on a free loopback port and one headless chromium session on it."""

    def __init__(self, chromedriver, chromium, workdir, width=1360, height=1000):
        self.port = free_port()
        self.log_path = os.path.join(workdir, "chromedriver.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([chromedriver, f"--port={self.port}", "--allowed-ips=127.0.0.1"],
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        self.sid = None
        deadline = time.time() + WAIT_S
        while True:
            try:
                if self.cmd("GET", "/status").get("ready"):
                    break
            except (OSError, WebDriverError):
                pass
            if time.time() > deadline or self.proc.poll() is not None:
                raise SystemExit(f"chromedriver did not start: {self.log_tail()}")
            time.sleep(0.1)
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=en-US",
                f"--window-size={width},{height}", f"--user-data-dir={os.path.join(workdir, 'profile')}",
                # nothing but the server: a page that fetched from anywhere else would fail to
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--proxy-server=127.0.0.1:9"]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"}, "timeouts": {"pageLoad": WAIT_S * 1000, "script": 30000}}}}
        value = self.cmd("POST", "/session", caps, timeout=WAIT_S)
        self.sid = value["sessionId"]

    def log_tail(self):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()[-2000:]

    def cmd(self, method, path, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else (b"{}" if method == "POST" else None)
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                reply = json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            try:
                v = json.loads(e.read()).get("value", {})
                raise WebDriverError(f"{method} {path}: {v.get('error')}: {v.get('message', '')[:500]}") from None
            except ValueError:
                raise WebDriverError(f"{method} {path}: HTTP {e.code}") from None
        return reply.get("value", reply)

    def s(self, method, path, body=None, **kw):
        return self.cmd(method, f"/session/{self.sid}{path}", body, **kw)

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def element(self, css):
        v = self.s("POST", "/element", {"using": "css selector", "value": css})
        return next(iter(v.values()))

    def type(self, css, text):
        e = self.element(css)
        self.s("POST", f"/element/{e}/clear")
        self.s("POST", f"/element/{e}/value", {"text": text})

    def click(self, css):
        self.s("POST", f"/element/{self.element(css)}/click")

    def console(self):
        """The browser's console entries since the last call (chromedriver's legacy log endpoint);
        None where it has none."""
        try:
            return self.s("POST", "/se/log", {"type": "browser"})
        except WebDriverError:
            return None

    def quit(self):
        try:
            if self.sid:
                self.cmd("DELETE", f"/session/{self.sid}", timeout=30)
        except (OSError, WebDriverError):
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


# ---- the page ----
def panel_state(b, pid):
    return b.js("const s = document.getElementById(arguments[0]);"
                "return {state: s.dataset.state, request: s.dataset.request || null, status: s.dataset.status || null,"
                " raw: document.getElementById(arguments[0] + '-json').textContent,"
                " msg: document.getElementById(arguments[0] + '-msg').textContent,"
                " error: document.getElementById(arguments[0] + '-msg').dataset.error ?? null,"
                " errorType: s.dataset.errorType ?? null};", pid)


def wait_panel(b, pid, req):
    """The panel's state once it shows the answer to `req` (the JSON body it sent); None after WAIT_S."""
    deadline = time.time() + WAIT_S
    while time.time() < deadline:
        st = panel_state(b, pid)
        if st["state"] not in ("busy", "idle") and st["request"] and json.loads(st["request"]) == req:
            return st
        time.sleep(0.1)
    st = panel_state(b, pid)
    check(False, f"{pid}: no answer to {json.dumps(req)} in {WAIT_S} s (state {st['state']}, "
                 f"request {st['request']}, message {st['msg']!r})")
    return None


def wait_ready(b):
    deadline = time.time() + WAIT_S
    while time.time() < deadline:
        if b.js("return document.body.dataset.ready === '1' && "
                "['fill','sim','attn'].every(id => document.getElementById(id).dataset.state !== 'busy')"):
            return True
        time.sleep(0.1)
    check(False, f"the page did not finish its first answers in {WAIT_S} s")
    return False


def same_answer(srv, b, pid, path, req, st, what):
    """The page's answer (st) is the API's answer to req: the same status, the same body (numbers
    within 1e-5: a request encoded alone is deterministic, but leave room for the batch it shares).
    Returns (status, parsed body) of the API's answer."""
    status, body, raw, _ = srv.post(path, req)
    check(st["status"] == str(status), f"{what}: the page got status {st['status']}, the API {status}")
    try:
        page = json.loads(st["raw"]) if st["raw"] else None
    except ValueError:
        page = st["raw"]
    check(json_close(page, body), f"{what}: the page's answer differs from the API's:\n  page {st['raw'][:300]}\n"
                             f"  API  {raw[:300].decode(errors='replace')}")
    if status == 200:
        check(st["state"] == "done", f"{what}: state {st['state']} after a 200 ({st['msg']!r})")
    elif status == 424:
        check(st["state"] == "unavailable", f"{what}: state {st['state']} after a 424")
    else:
        check(st["state"] == "error", f"{what}: state {st['state']} after a {status}")
    if status != 200:
        msg = body.get("error") if isinstance(body, dict) else None
        check(msg and st["error"] == msg and msg in st["msg"],
              f"{what}: the page says {st['msg']!r}, not the server's error {msg!r}")
        check(st["errorType"] == body.get("error_type"), f"{what}: error_type {st['errorType']} vs {body.get('error_type')}")
    return status, body


def fill_mask(srv, b, text, k, targets=""):
    b.type("#fill-text", text)
    b.type("#fill-k", str(k))
    b.type("#fill-targets", targets)
    b.click("#fill-run")
    req = {"inputs": text, "top_k": k}
    t = [x.strip() for x in targets.split(",") if x.strip()]
    if t:
        req["targets"] = t
    st = wait_panel(b, "fill", req)
    if not st:
        return None
    status, body = same_answer(srv, b, "fill", "/fill-mask", req, st, f"fill-mask {text!r} k={k} targets={t}")
    if status == 200:
        rows = b.js("return [...document.querySelectorAll('#fill-out ol.bars')].map(ol => "
                    "[+ol.dataset.position, [...ol.querySelectorAll('li')].map(li => "
                    "[+li.dataset.id, li.dataset.token, +li.dataset.score, li.querySelector('.bar').style.width])])")
        one = body[0] if isinstance(body, list) else body
        want = [[m["position"], [[p["id"], p["token_str"], p["score"]] for p in m["predictions"]]] for m in one["masks"]]
        got = [[pos, [r[:3] for r in preds]] for pos, preds in rows]
        check(json_close(got, want), f"fill-mask {text!r}: the bars say {got}, the API {want}")
        for pos, preds in rows:
            widths = [float(r[3].rstrip("%")) for r in preds]
            check(widths and abs(max(widths) - 100) < 1e-6 and all(0 < w <= 100 for w in widths),
                  f"fill-mask {text!r}: bar widths {widths} (the top one 100%)")
    return status


def similarity(srv, b, sentences):
    b.type("#sim-text", "\n".join(sentences))
    b.click("#sim-run")
    req = {"inputs": sentences, "normalize": True}
    st = wait_panel(b, "sim", req)
    if not st:
        return
    status, emb = same_answer(srv, b, "sim", "/embed", req, st, f"similarity of {len(sentences)} sentences")
    if status != 200:
        return
    page = np.array(json.loads(b.js("return document.getElementById('sim-matrix').textContent")))
    e = np.array(emb, dtype=np.float64)
    want = e @ e.T
    check(page.shape == want.shape and np.abs(page - want).max() < 1e-9,
          f"similarity: the page's matrix {page.tolist()} is not the dot products of /embed's {want.tolist()}")
    # and TEI's own /similarity, one source sentence at a time (float32 there)
    for i, s in enumerate(sentences):
        c, row, _, _ = srv.post("/similarity", {"inputs": {"source_sentence": s, "sentences": sentences}})
        check(c == 200 and np.abs(np.array(row) - page[i]).max() < 1e-5,
              f"similarity: row {i} {page[i].tolist()} vs /similarity's {row}")
    cells = b.js("return [...document.querySelectorAll('#sim-out td')].map(td => "
                 "[+td.dataset.i, +td.dataset.j, +td.dataset.value, td.textContent])")
    n = len(sentences)
    check(len(cells) == n * n, f"similarity: {len(cells)} cells drawn, not {n * n}")
    for i, j, v, txt in cells:
        check(abs(v - page[i][j]) < 1e-12 and txt == f"{page[i][j]:.3f}",
              f"similarity: cell ({i},{j}) says {txt} / {v}, the matrix {page[i][j]}")


def attention(srv, b, text, layer, head):
    b.type("#attn-text", text)
    b.type("#attn-layer", str(layer))
    b.type("#attn-head", str(head))
    b.click("#attn-run")
    req = {"inputs": text, "layer": layer, "head": head}
    st = wait_panel(b, "attn", req)
    if not st:
        return None
    status, body = same_answer(srv, b, "attn", "/attention", req, st, f"attention {text!r} layer {layer} head {head}")
    if status != 200:
        return status
    one = body[0] if isinstance(body, list) else body
    h = next((x for x in one["heads"] if x["head"] == head), one["heads"][0])
    probs = np.array(h["attention"])
    n = len(one["tokens"])
    drawn = b.js("const c = document.getElementById('attn-canvas'), s = attnShown;"
                 "return {tokens: +c.dataset.tokens, head: +c.dataset.head, layer: +c.dataset.layer,"
                 " cell: s.cell, left: s.left, top: s.top, w: c.width, h: c.height}")
    check(drawn["tokens"] == n and drawn["head"] == h["head"] and drawn["layer"] == one["layer"],
          f"attention: the canvas says {drawn}, the API {n} tokens, head {h['head']}, layer {one['layer']}")
    # every cell's colour is the white-to-blue ramp of its probability (as `vkbert attention -o`)
    px = b.js("const c = document.getElementById('attn-canvas'), s = attnShown, r = devicePixelRatio || 1;"
              "const d = c.getContext('2d'), out = [];"
              "for (let i = 0; i < s.tokens.length; ++i) { const row = [];"
              "  for (let k = 0; k < s.tokens.length; ++k) {"
              "    const p = d.getImageData(Math.floor((s.left + (k + 0.5) * s.cell) * r),"
              "                             Math.floor((s.top + (i + 0.5) * s.cell) * r), 1, 1).data;"
              "    row.push([p[0], p[1], p[2]]); } out.push(row); }"
              "return out;")
    q = np.clip(probs, 0, 1)[..., None]
    want = np.round(255 - q * (255 - np.array([8, 48, 107])))
    err = np.abs(np.array(px, dtype=np.float64) - want).max() if np.array(px).shape == want.shape else None
    check(err is not None and err <= 1, f"attention: cell colours off the ramp by {err}")
    check(np.allclose(probs.sum(axis=1), 1, atol=1e-4), "attention: rows do not sum to 1")
    return status


def tiny_mean(models, work):
    """MODELS_DIR/tiny's files, copied, with modules.json and 1_Pooling (mean pooling) added."""
    d = os.path.join(work, "tiny-mean")
    os.makedirs(os.path.join(d, "1_Pooling"))
    for f in os.listdir(os.path.join(models, "tiny")):
        shutil.copy(os.path.join(models, "tiny", f), d)
    with open(os.path.join(d, "config.json")) as f:
        hidden = json.load(f)["hidden_size"]
    with open(os.path.join(d, "modules.json"), "w") as f:
        json.dump([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}], f)
    with open(os.path.join(d, "1_Pooling", "config.json"), "w") as f:
        json.dump({"word_embedding_dimension": hidden, "pooling_mode_cls_token": False,
                   "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
                   "pooling_mode_mean_sqrt_len_tokens": False}, f)
    return d


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    vkbert, models, shot = sys.argv[1:4]
    chromium = find("VKBERT_CHROMIUM", "chromium", "chromium-browser", "/usr/bin/chromium")
    chromedriver = find("VKBERT_CHROMEDRIVER", "chromedriver", "/usr/bin/chromedriver")
    if not chromium or not chromedriver:
        print(f"SKIP: needs chromium and chromedriver (Debian: apt-get install chromium chromium-driver); "
              f"found chromium={chromium}, chromedriver={chromedriver}")
        return 77
    if not has_server(vkbert) or not have_device(vkbert):
        return 77
    notes = []
    with tempfile.TemporaryDirectory(prefix="vkbert-browser-") as work:
        srv = Server(vkbert, tiny_mean(models, work), ["--model-id", "tiny"])
        b = None
        try:
            b = Browser(chromedriver, chromium, work)
            origin = f"http://127.0.0.1:{srv.port}"
            b.s("POST", "/url", {"url": origin + "/"}, timeout=WAIT_S)
            wait_ready(b)
            # the corner: the device and the model, as /info says
            _, info, _, _ = srv.request("GET", "/info")
            corner = b.js("return [document.getElementById('info-model').textContent,"
                          " document.getElementById('info-device').textContent]")
            check(info["model_id"] in corner[0] and info["model_dtype"] in corner[0],
                  f"info corner {corner[0]!r} lacks the model {info['model_id']} / {info['model_dtype']}")
            dev = (info.get("vkbert") or {}).get("device")
            check(dev and dev in corner[1], f"info corner {corner[1]!r} lacks the device {dev!r}")
            check(b.js("return document.getElementById('fill-text').defaultValue") ==
                  "The capital of France is [MASK]." and info["vkbert"].get("mask_token") == "[MASK]",
                  "the fill-mask default text")

            # the errors first (the screenshot is taken after the answers below)
            st = fill_mask(srv, b, "no mask token in this one", 3)
            fm = fill_mask(srv, b, "Paris is the [MASK] of France.", 3)
            if fm == 424:
                notes.append("/fill-mask answered 424 on tiny (the task routes are not in this build): "
                             "only the panel's 424 path was checked, not its predictions")
            else:
                check(st is not None and st != 200, f"fill-mask without a mask token answered {st}")
                fill_mask(srv, b, "Paris is the [MASK] of France.", 2, targets="paris, london")
                fill_mask(srv, b, "[MASK] is the capital of [MASK].", 2)
            at = attention(srv, b, "The cat sat on the mat.", 99, 0)
            if at == 424:
                notes.append("/attention answered 424 on tiny (the task routes are not in this build): "
                             "only the panel's 424 path was checked, not its heatmap")
            else:
                check(at is not None and at != 200, f"attention at layer 99 answered {at}")
                at = attention(srv, b, "The cat sat on the mat.", 0, 99)
                check(at is not None and at != 200, f"attention at head 99 answered {at}")
            b.type("#sim-text", "only one sentence")
            b.click("#sim-run")
            msg = b.js("return document.getElementById('sim').dataset.state + ': ' +"
                       " document.getElementById('sim-msg').textContent")
            check(msg.startswith("error: Give at least two"), f"similarity of one sentence: {msg!r}")

            # the answers
            similarity(srv, b, ["a rusty sword", "an old blade", "a healing potion", "naïve café, ünïcode",
                                "The capital of France is Paris."])
            attention(srv, b, "The capital of France is Paris.", 1, 2)
            fill_mask(srv, b, "The capital of France is [MASK].", 5)

            # nothing fetched but the server's own files and routes, and no console errors
            urls = b.js("return performance.getEntriesByType('resource').map(e => e.name)")
            check(all(u.startswith(origin + "/") for u in urls), f"the page fetched from elsewhere: {urls}")
            log = b.console()
            if log is None:
                notes.append("this chromedriver has no console log endpoint: console errors not checked")
            else:
                # (chromium logs every answer that is not a 2xx as a failed resource: those were asked for)
                bad = [e.get("message") for e in log if e.get("level") == "SEVERE"
                       and "the server responded with a status of" not in e.get("message", "")]
                check(not bad, f"console errors: {bad}")

            # the screenshot: the window as tall as the page
            hgt = b.js("return Math.ceil(document.documentElement.scrollHeight)")
            b.s("POST", "/window/rect", {"width": 1360, "height": min(2000, hgt + 10)})
            time.sleep(0.3)
            import base64
            png = base64.b64decode(b.s("GET", "/screenshot"))
            os.makedirs(os.path.dirname(os.path.abspath(shot)), exist_ok=True)
            with open(shot, "wb") as f:
                f.write(png)
            check(png[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG")
            print(f"screenshot: {shot} ({len(png)} bytes)")

            # an /info without the "vkbert" object (another TEI-shaped server): the corner still says
            # what it knows, and the device as not reported
            corner = b.js("const real = window.fetch;"
                          "window.fetch = async (u, o) => u === '/info' ? new Response("
                          "  JSON.stringify({model_id: 'other', model_dtype: 'float16', max_input_length: 8}),"
                          "  {status: 200, headers: {'Content-Type': 'application/json'}}) : real(u, o);"
                          "return loadInfo().finally(() => { window.fetch = real; }).then(() =>"
                          " [document.getElementById('info').dataset.state,"
                          "  document.getElementById('info-model').textContent,"
                          "  document.getElementById('info-device').textContent]);")
            check(corner == ["done", "other · float16 · 8 tokens max", "not reported by this server"],
                  f"the info corner without \"vkbert\": {corner}")
        except WebDriverError as e:
            check(False, f"WebDriver: {e}\n{b.log_tail() if b else ''}")
        finally:
            if b:
                b.quit()
            rc, err = srv.stop()
            check(rc == 0, f"vkbert serve exited {rc}: {err[-1000:]}")

        # a model without a masked-LM head: the fill-mask panel says so (a 424), the others still answer
        srv = Server(vkbert, os.path.join(models, "st-minilm"))
        b = None
        try:
            b = Browser(chromedriver, chromium, work)
            b.s("POST", "/url", {"url": f"http://127.0.0.1:{srv.port}/"}, timeout=WAIT_S)
            wait_ready(b)
            st = panel_state(b, "fill")
            check(st["state"] == "unavailable", f"st-minilm: the fill-mask panel is {st['state']}: {st['msg']!r}")
            status = fill_mask(srv, b, "The capital of France is [MASK].", 5)
            check(status == 424, f"st-minilm: /fill-mask answered {status}, not 424")
            similarity(srv, b, ["a rusty sword", "an old blade"])
        except WebDriverError as e:
            check(False, f"WebDriver: {e}\n{b.log_tail() if b else ''}")
        finally:
            if b:
                b.quit()
            rc, err = srv.stop()
            check(rc == 0, f"vkbert serve exited {rc}: {err[-1000:]}")
    for n in notes:
        print("NOTE:", n)
    if FAILURES:
        print(f"{len(FAILURES)} checks failed", file=sys.stderr)
        return 1
    print("serve_browser: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

/* vkbert serve's demo page: three panels on the server's own routes, nothing fetched elsewhere.
 *
 * Every panel (a <section>) keeps, for a test and for anyone curious:
 *   data-state    idle | busy | done | error | unavailable (the route answered 424: no such head)
 *   data-request  the JSON body of the request whose answer it shows
 *   data-status   that answer's HTTP status
 *   <pre id="PANEL-json" hidden>  the answer's body, as the server sent it
 * and its message line (#PANEL-msg) holds the server's {"error"} message when there is one. */
"use strict";

const $ = (id) => document.getElementById(id);
const TIMEOUT_MS = 120000;
let info = null; /* GET /info's body, or null */

/* ---- talking to the server ---- */

/* {status, body (text), json (parsed or null)}; a network failure or timeout is status 0. */
async function call(method, path, body) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  try {
    const r = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctl.signal,
    });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch (e) { /* not JSON: shown as text */ }
    return { status: r.status, body: text, json };
  } catch (e) {
    const why = e.name === "AbortError" ? `no answer in ${TIMEOUT_MS / 1000} s` : String(e.message || e);
    return { status: 0, body: "", json: null, error: why };
  } finally {
    clearTimeout(timer);
  }
}

/* A panel's run: one request at a time; a newer run makes an older one's answer moot. */
function panel(id) {
  const section = $(id), msg = $(id + "-msg"), raw = $(id + "-json");
  let generation = 0;
  return {
    section,
    /* Sends `req` to `path`; show(json) draws a 200's body. */
    async run(path, req, show) {
      const mine = ++generation;
      section.dataset.state = "busy";
      msg.className = "msg";
      msg.textContent = "…";
      const r = await call("POST", path, req);
      if (mine !== generation) return;
      section.dataset.request = JSON.stringify(req);
      section.dataset.status = String(r.status);
      raw.textContent = r.body;
      delete section.dataset.errorType;
      if (r.status === 200 && r.json !== null) {
        try {
          show(r.json);
          msg.textContent = "";
          delete msg.dataset.error;
          section.dataset.state = "done";
        } catch (e) {
          this.fail(`the answer could not be drawn: ${e.message}`);
        }
        return;
      }
      let text = r.error || (r.json && typeof r.json.error === "string" ? r.json.error : r.body) || "(no body)";
      if (r.json && typeof r.json.error_type === "string") section.dataset.errorType = r.json.error_type;
      if (r.status === 424) {
        section.dataset.state = "unavailable";
        msg.className = "msg unavailable";
        msg.textContent = `Not available with this model: ${text}`;
        msg.dataset.error = text;
        clear(id);
        return;
      }
      section.dataset.state = "error";
      msg.className = "msg error";
      msg.textContent = r.status ? `${r.status}: ${text}` : `no answer: ${text}`;
      msg.dataset.error = text;
      clear(id);
    },
    /* An error found here, before or after asking (a bad field, an answer of the wrong shape). */
    fail(text) {
      ++generation;
      section.dataset.state = "error";
      section.dataset.status = "0";
      delete section.dataset.request;
      msg.className = "msg error";
      msg.textContent = text;
      msg.dataset.error = text;
      clear(id);
    },
  };
}

function clear(id) {
  if (id === "attn") {
    const c = $("attn-canvas");
    c.width = c.height = 0;
    $("attn-readout").textContent = "";
  } else {
    $(id + "-out").replaceChildren();
  }
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.dataset[k.slice(5).replace(/-([a-z])/g, (m, c) => c.toUpperCase())] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(2) : x.toFixed(4);
}

/* White (0) to dark blue (1), each channel linear, as `vkbert attention`'s pictures. */
function heat(p) {
  const q = Math.min(1, Math.max(0, p));
  const ch = (to) => Math.round(255 - q * (255 - to));
  return `rgb(${ch(8)},${ch(48)},${ch(107)})`;
}

/* ---- the device and model (GET /info) ---- */
async function loadInfo() {
  const box = $("info");
  const r = await call("GET", "/info");
  $("info-json").textContent = r.body;
  if (r.status !== 200 || !r.json) {
    box.dataset.state = "error";
    $("info-model").textContent = "unknown";
    $("info-device").textContent = r.error || (r.json && r.json.error) || `GET /info answered ${r.status}`;
    return null;
  }
  const i = r.json, v = i.vkbert && typeof i.vkbert === "object" ? i.vkbert : null;
  const parts = [i.model_id || "?"];
  if (i.model_dtype) parts.push(i.model_dtype);
  if (v && v.family) parts.push(v.family);
  if (v && v.layers && v.heads) parts.push(`${v.layers} layers × ${v.heads} heads`);
  if (i.max_input_length) parts.push(`${i.max_input_length} tokens max`);
  $("info-model").textContent = parts.join(" · ");
  if (v && v.device) {
    const d = [v.device];
    if (v.vulkan) d.push(`Vulkan ${v.vulkan}`);
    if (v.precision) d.push(v.precision);
    if (v.matmul) d.push(`${v.matmul} matmul`);
    $("info-device").textContent = d.join(" · ");
  } else {
    $("info-device").textContent = "not reported by this server";
  }
  if (i.version) $("info-device").title = `vkbert ${i.version}`;
  box.dataset.state = "done";
  return i;
}

/* The routes /info says this model serves, or null when it does not say. */
function routes() {
  const v = info && info.vkbert;
  return v && Array.isArray(v.routes) ? v.routes : null;
}

/* ---- (a) fill-mask ---- */
const fill = panel("fill");

function runFill() {
  const text = $("fill-text").value;
  const k = parseInt($("fill-k").value, 10);
  if (!text.trim()) return fill.fail("Type a text with a mask token in it.");
  if (!(k >= 1)) return fill.fail("top-k must be a whole number from 1.");
  const req = { inputs: text, top_k: k };
  const targets = $("fill-targets").value.split(",").map((s) => s.trim()).filter((s) => s);
  if (targets.length) req.targets = targets;
  return fill.run("/fill-mask", req, drawFill);
}

/* `vkbert fill-mask --json`'s body: {"masks":[{"position","predictions":[{"token_str","score",...}]}]}
 * (a list of them, one per input, is taken too: the first is drawn). */
function drawFill(j) {
  const body = Array.isArray(j) ? j[0] : j;
  if (!body || !Array.isArray(body.masks)) throw new Error("no \"masks\" in the answer");
  const out = $("fill-out");
  out.replaceChildren();
  const many = body.masks.length > 1;
  for (const m of body.masks) {
    const preds = Array.isArray(m.predictions) ? m.predictions : [];
    const top = preds.reduce((a, p) => Math.max(a, p.score), 0) || 1;
    const list = el("ol", { class: "bars", "data-position": String(m.position) });
    for (const p of preds) {
      const bar = el("span", { class: "bar" });
      bar.style.width = `${(100 * p.score) / top}%`;
      list.append(el("li", { "data-id": String(p.id), "data-token": p.token_str, "data-score": String(p.score),
                             title: p.sequence || "" },
                     el("span", { class: "tok" }, p.token_str),
                     el("span", { class: "track" }, bar),
                     el("span", { class: "num" }, fmt(p.score))));
    }
    if (many) out.append(el("h3", {}, `mask at token ${m.position}`));
    out.append(list);
    if (preds.length && preds[0].sequence) out.append(el("p", { class: "seq" }, "→ ", preds[0].sequence));
  }
  out.append(el("p", { class: "note" }, "Bars are scaled to the top score; the numbers are probabilities over the vocabulary."));
}

/* ---- (b) similarity ----
 * One POST /embed of every sentence with "normalize": true, then the dot products of the unit
 * vectors here (each the cosine): one request for the whole matrix instead of one /similarity
 * per sentence. tests/serve_browser.py checks the matrix against /similarity's rows. */
const sim = panel("sim");

function sentences() {
  return $("sim-text").value.split("\n").map((s) => s.trim()).filter((s) => s);
}

function runSim() {
  const s = sentences();
  if (s.length < 2) return sim.fail("Give at least two sentences, one per line.");
  const max = info && info.max_client_batch_size;
  if (max && s.length > max) return sim.fail(`At most ${max} sentences (the server's --max-client-batch-size).`);
  return sim.run("/embed", { inputs: s, normalize: true }, (j) => drawSim(s, j));
}

function drawSim(s, emb) {
  if (!Array.isArray(emb) || emb.length !== s.length) throw new Error(`expected ${s.length} embeddings`);
  const n = s.length;
  const m = emb.map((a) => emb.map((b) => a.reduce((acc, x, k) => acc + x * b[k], 0)));
  $("sim-matrix").textContent = JSON.stringify(m);
  /* Colours from the lowest cosine shown (white) to 1 (dark blue): a model's cosines often all lie
   * high (random weights: 0.85 to 0.95), where a 0-to-1 scale would paint every cell alike. */
  const lo = Math.min(0.9, ...m.flat()), t = (v) => (v - lo) / (1 - lo);
  const head = el("tr", {}, el("th", {}));
  for (let j = 0; j < n; ++j) head.append(el("th", { title: s[j] }, String(j + 1)));
  const table = el("table", { class: "grid" }, head);
  for (let i = 0; i < n; ++i) {
    const row = el("tr", {}, el("th", { class: "rowhead", title: s[i] }, `${i + 1}. ${s[i]}`));
    for (let j = 0; j < n; ++j) {
      const v = m[i][j];
      const td = el("td", { "data-i": String(i), "data-j": String(j), "data-value": String(v), title: `${s[i]}\n${s[j]}` },
                    v.toFixed(3));
      td.style.background = heat(t(v));
      if (t(v) > 0.55) td.className = "dark";
      row.append(td);
    }
    table.append(row);
  }
  $("sim-out").replaceChildren(table, el("p", { class: "note" },
    `Cosine similarity of each pair, from unit-length embeddings; white is ${lo.toFixed(3)}, dark blue 1.`));
}

/* ---- (c) attention ---- */
const attn = panel("attn");
let attnShown = null; /* {tokens, probs, cell, left, top} of the drawing, for the readout */

function runAttn() {
  const text = $("attn-text").value;
  const layer = parseInt($("attn-layer").value, 10), head = parseInt($("attn-head").value, 10);
  if (!text.trim()) return attn.fail("Type a text.");
  if (!(layer >= 0) || !(head >= 0)) return attn.fail("layer and head are whole numbers from 0.");
  return attn.run("/attention", { inputs: text, layer, head }, (j) => drawAttn(j, head));
}

/* `vkbert attention --json`'s body: {"layer","tokens":[...],"heads":[{"head","attention":[[...]]}]};
 * row i the query token, column j its weight on key token j. */
function drawAttn(j, head) {
  const body = Array.isArray(j) ? j[0] : j;
  if (!body || !Array.isArray(body.tokens) || !Array.isArray(body.heads)) throw new Error("no tokens or heads in the answer");
  const h = body.heads.find((x) => x.head === head) || body.heads[0];
  if (!h || !Array.isArray(h.attention)) throw new Error("no attention in the answer");
  const tokens = body.tokens.map(String), n = tokens.length, probs = h.attention;
  const c = $("attn-canvas"), dpr = window.devicePixelRatio || 1;
  const ctx = c.getContext("2d");
  const font = "11px ui-monospace, 'DejaVu Sans Mono', monospace";
  ctx.font = font;
  const label = Math.ceil(Math.min(110, tokens.reduce((a, t) => Math.max(a, ctx.measureText(t).width), 0))) + 8;
  const cell = Math.max(4, Math.min(26, Math.floor(300 / n)));
  const left = label, top = label, side = cell * n, legend = 40;
  const w = left + side + legend, hgt = top + side + 4;
  c.width = Math.round(w * dpr);
  c.height = Math.round(hgt * dpr);
  c.style.width = `${w}px`;
  c.style.height = `${hgt}px`;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, hgt);
  for (let i = 0; i < n; ++i)
    for (let k = 0; k < n; ++k) {
      ctx.fillStyle = heat(probs[i][k]);
      ctx.fillRect(left + k * cell, top + i * cell, cell, cell);
    }
  ctx.strokeStyle = "#9aa5b1";
  ctx.lineWidth = 1;
  ctx.strokeRect(left - 0.5, top - 0.5, side + 1, side + 1);
  ctx.font = font;
  ctx.fillStyle = "#1f2933";
  ctx.textBaseline = "middle";
  if (cell >= 8) {
    ctx.textAlign = "right";
    for (let i = 0; i < n; ++i) ctx.fillText(tokens[i], left - 4, top + (i + 0.5) * cell, label - 8);
    ctx.save();
    ctx.translate(left, top - 4);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "left";
    for (let k = 0; k < n; ++k) ctx.fillText(tokens[k], 0, (k + 0.5) * cell, label - 8);
    ctx.restore();
  }
  /* legend: 0 at the bottom, 1 at the top */
  const lx = left + side + 12;
  for (let y = 0; y < side; ++y) {
    ctx.fillStyle = heat(1 - y / Math.max(1, side - 1));
    ctx.fillRect(lx, top + y, 10, 1);
  }
  ctx.strokeRect(lx - 0.5, top - 0.5, 11, side + 1);
  ctx.textAlign = "left";
  ctx.fillStyle = "#52606d";
  ctx.fillText("1", lx + 14, top + 4);
  ctx.fillText("0", lx + 14, top + side - 4);
  attnShown = { tokens, probs, cell, left, top };
  c.dataset.layer = String(body.layer);
  c.dataset.head = String(h.head);
  c.dataset.tokens = String(n);
  $("attn-readout").textContent =
    `layer ${body.layer}, head ${h.head}: row = query token, column = the key token it attends to (hover for values)`;
}

function attnHover(ev) {
  const s = attnShown;
  if (!s) return;
  const r = ev.target.getBoundingClientRect();
  const k = Math.floor((ev.clientX - r.left - s.left) / s.cell), i = Math.floor((ev.clientY - r.top - s.top) / s.cell);
  if (i < 0 || k < 0 || i >= s.tokens.length || k >= s.tokens.length) return;
  $("attn-readout").textContent = `${s.tokens[i]} → ${s.tokens[k]}: ${fmt(s.probs[i][k])}`;
}

/* ---- start ---- */
function wire(formId, fn) {
  $(formId).addEventListener("submit", (ev) => {
    ev.preventDefault();
    fn();
  });
}

async function start() {
  wire("fill-form", runFill);
  wire("sim-form", runSim);
  wire("attn-form", runAttn);
  $("attn-canvas").addEventListener("mousemove", attnHover);
  info = await loadInfo();
  const v = info && info.vkbert;
  if (v && typeof v.mask_token === "string" && v.mask_token && $("fill-text").value === $("fill-text").defaultValue)
    $("fill-text").value = $("fill-text").value.replace("[MASK]", v.mask_token);
  if (v && v.layers) $("attn-layer").max = String(v.layers - 1);
  if (v && v.heads) $("attn-head").max = String(v.heads - 1);
  /* Say up front what /info says this model lacks; the button still asks (the server decides). */
  const have = routes();
  const lacks = { fill: "/fill-mask", sim: "/embed", attn: "/attention" };
  for (const [id, route] of Object.entries(lacks))
    if (have && !have.includes(route)) {
      $(id).dataset.state = "unavailable";
      $(id + "-msg").className = "msg unavailable";
      $(id + "-msg").textContent = `This model does not serve ${route} (GET /info's routes).`;
    }
  if (v && v.mask_token === null && !(have && !have.includes("/fill-mask"))) {
    $("fill").dataset.state = "unavailable";
    $("fill-msg").className = "msg unavailable";
    $("fill-msg").textContent = "This model's vocabulary has no mask token.";
  }
  /* a first answer in every panel that can give one */
  for (const [id, fn] of [["fill", runFill], ["sim", runSim], ["attn", runAttn]])
    if ($(id).dataset.state === "idle") fn();
  document.body.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", start);

// Hugging Face's Rust tokenizers (npm @anush008/tokenizers 0.6.0) on a text, for comparison with
// `vkbert bench --tokenizer`: the same inputs (every line of TEXT, a trailing "\r" and a leading
// byte-order mark dropped; an empty line is an error, as vkbert's), with special tokens, no
// padding or truncation, and the same figure: the lines' UTF-8 megabytes (10^6 bytes) per second,
// median and best of ITERS passes after one warm-up. Two ways: `encode` one line at a time
// (awaited, so one line in flight: the call's crossing into Rust is counted too) and
// `encodeBatch` over chunks of 1024 lines (Rayon threads: every core). Prints one JSON line each.
//
//   npm install @anush008/tokenizers@0.6.0     (in a scratch directory; run node from there)
//   node model_tools/tokenizer_speed.mjs TOKENIZER.json TEXT [ITERS]
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";

const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("@anush008/tokenizers");
const [file, textPath, itersArg] = process.argv.slice(2);
const iters = Number(itersArg ?? 5);
const tok = Tokenizer.fromFile(file);
tok.disablePadding();
tok.disableTruncation();
let text = readFileSync(textPath, "utf8");
if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
const lines = text.split("\n");
if (lines.length && lines[lines.length - 1] === "") lines.pop();
let bytes = 0;
for (let i = 0; i < lines.length; ++i) {
  if (lines[i].endsWith("\r")) lines[i] = lines[i].slice(0, -1);
  if (lines[i] === "") throw new Error(`line ${i + 1} of ${textPath} is empty`);
  bytes += Buffer.byteLength(lines[i], "utf8");
}

async function sequential() {
  let tokens = 0;
  for (const l of lines) tokens += (await tok.encode(l)).getIds().length;
  return tokens;
}
async function batched() {
  let tokens = 0;
  for (let i = 0; i < lines.length; i += 1024)
    for (const e of await tok.encodeBatch(lines.slice(i, i + 1024))) tokens += e.getIds().length;
  return tokens;
}
for (const [how, run, threads] of [["encode", sequential, 1], ["encodeBatch", batched, cpus().length]]) {
  let tokens = await run();
  const secs = [];
  for (let i = 0; i < iters; ++i) {
    const t = process.hrtime.bigint();
    tokens = await run();
    secs.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  secs.sort((a, b) => a - b);
  const med = iters % 2 ? secs[(iters - 1) / 2] : (secs[iters / 2 - 1] + secs[iters / 2]) / 2;
  process.stdout.write(JSON.stringify({ task: "tokenize", engine: "hf-tokenizers (npm @anush008/tokenizers 0.6.0)",
    how, tokenizer: file, text: textPath, bytes, lines: lines.length, tokens, iters, seconds_median: med,
    mb_per_s: bytes / 1e6 / med, mb_per_s_best: bytes / 1e6 / secs[0], tokens_per_s: tokens / med,
    threads }) + "\n");
}

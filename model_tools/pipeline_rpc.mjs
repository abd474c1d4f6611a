// Answers tokenizer questions for model_tools/pipeline_cases.py from Hugging Face's Rust
// tokenizers (npm @anush008/tokenizers 0.6.0, the tokenizers crate in its prebuilt binary), one
// JSON request a line on standard input, one JSON answer a line on standard output:
//   {"tokenizer": FILE, "encode": TEXT}                -> {ids, tokens, offsets, special_tokens_mask, word_ids}
//   {"tokenizer": FILE, "qa": [Q, C], "max_length": N, "stride": S}
//                                                      -> {"windows": [{ids, type_ids, offsets, sequence_ids, word_ids}...]}
//   {"tokenizer": FILE, "tokens": [TOKEN...]}          -> {"text": the decoder's text} (convert_tokens_to_string)
// Offsets in code points (the package's). Not run by the tests.
//   npm install @anush008/tokenizers@0.6.0     (in a scratch directory; run node from there)
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("@anush008/tokenizers");
const cache = new Map();
const get = (file) => {
  if (!cache.has(file)) cache.set(file, Tokenizer.fromFile(file));
  return cache.get(file);
};
const view = (e) => ({ input_ids: e.getIds(), type_ids: e.getTypeIds(), tokens: e.getTokens(), offsets: e.getOffsets(),
  special_tokens_mask: e.getSpecialTokensMask(), word_ids: e.getWordIds().map((w) => w ?? null),
  sequence_ids: e.getSequenceIds().map((s) => s ?? null) });
for await (const line of createInterface({ input: process.stdin })) {
  const req = JSON.parse(line);
  const tok = get(req.tokenizer);
  let out;
  if (req.encode !== undefined) {
    tok.disablePadding();
    tok.disableTruncation();
    out = view(await tok.encode(req.encode, null));
  } else if (req.qa !== undefined) {
    tok.disablePadding();
    tok.setTruncation(req.max_length, { stride: req.stride, strategy: "OnlySecond" });
    const e = await tok.encode(req.qa[0], req.qa[1]);
    out = { windows: [view(e), ...e.getOverflowing().map(view)] };
    tok.disableTruncation();
  } else {
    out = { text: tok.getDecoder().decode(req.tokens) };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

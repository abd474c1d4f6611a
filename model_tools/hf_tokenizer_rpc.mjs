// Answers tokenizer questions for model_tools/fill_mask_cases.py from Hugging Face's Rust
// tokenizers (npm @anush008/tokenizers 0.6.0, the tokenizers crate in its prebuilt binary).
// Reads one JSON request on standard input, writes one JSON answer:
//   {"tokenizer": FILE, "encode": [TEXT...], "targets": [WORD...], "decode": [[IDS, SKIP_SPECIAL]...]}
//   -> {"encode": [IDS...], "targets": [ID or null...], "decode": [STRING...]}
// encode: with special tokens, no padding or truncation. targets: transformers' FillMaskPipeline
// rule, the vocabulary entry (added tokens included) or else the first id of the word encoded
// without special tokens. Not run by the tests.
//   npm install @anush008/tokenizers@0.6.0     (in a scratch directory; run node from there)
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("@anush008/tokenizers");
const req = JSON.parse(readFileSync(0, "utf8"));
const tok = Tokenizer.fromFile(req.tokenizer);
tok.disablePadding();
tok.disableTruncation();
const out = { encode: [], targets: [], decode: [] };
for (const t of req.encode ?? []) out.encode.push((await tok.encode(t)).getIds());
for (const w of req.targets ?? []) {
  let id = tok.tokenToId(w);
  if (id === null || id === undefined) {
    const ids = (await tok.encode(w, null, { addSpecialTokens: false })).getIds();
    id = ids.length ? ids[0] : null;
  }
  out.targets.push(id);
}
for (const [ids, skip] of req.decode ?? []) out.decode.push(await tok.decode(ids, skip));
process.stdout.write(JSON.stringify(out) + "\n");

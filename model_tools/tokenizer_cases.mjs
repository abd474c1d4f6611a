// Writes tokenizer oracle cases from Hugging Face's Rust tokenizers (npm @anush008/tokenizers
// 0.6.0, the tokenizers crate inside its binary) in the format of tests/data/tokenizers/*/cases.json:
// for each text (and pair) of TEXTS.json's cases, the ids, tokens, type ids, special-tokens mask,
// offsets (code points) and both decodes. Padding and truncation disabled. Not run by the tests.
//
//   npm install @anush008/tokenizers@0.6.0     (in a scratch directory; run node from there)
//   node model_tools/tokenizer_cases.mjs TOKENIZER.json TEXTS.json > cases.json
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("@anush008/tokenizers");
const [file, texts] = process.argv.slice(2);
const tok = Tokenizer.fromFile(file);
tok.disablePadding();
tok.disableTruncation();
// the package reports offsets in code points already (the Rust char offsets it converts to)
const cases = [];
for (const c of JSON.parse(readFileSync(texts, "utf8")).cases) {
  const pair = c.text_pair ?? null;
  const e = await tok.encode(c.text, pair);
  const ids = e.getIds();
  const o = { text: c.text };
  if (pair !== null) o.text_pair = pair;
  Object.assign(o, { input_ids: ids, tokens: e.getTokens(), token_type_ids: e.getTypeIds(),
    offsets: e.getOffsets(), special_tokens_mask: e.getSpecialTokensMask(),
    decoded: await tok.decode(ids, false), decoded_skip_special: await tok.decode(ids, true) });
  cases.push(o);
}
const sha = createHash("sha256").update(readFileSync(file)).digest("hex");
const meta = { tokenizer_file_sha256: sha,
  generator: "npm @anush008/tokenizers 0.6.0 (Hugging Face tokenizers Rust crate inside its prebuilt binary), " +
             "model_tools/tokenizer_cases.mjs",
  padding_truncation: "disabled",
  offsets: "per token [start, end) in Unicode code points as the package reports them (text_pair offsets relative to text_pair); special tokens [0, 0]" };
process.stdout.write(JSON.stringify({ meta, cases }, null, 0).replace(/\},\{/g, "},\n{") + "\n");

// Writes truncation oracle cases from Hugging Face's Rust tokenizers (npm @anush008/tokenizers,
// the tokenizers crate inside its binary): for each text (and pair), each max length and each
// direction, the ids `encode` gives with truncation LongestFirst. tests/test_runner.c checks
// vkbert's runner truncation (runtime/src/tasks/inputs.c) against them. Not run by the tests.
//
//   npm install @anush008/tokenizers@0.6.0
//   node model_tools/truncation_cases.mjs TOKENIZER.json > tests/data/truncation-cases.json
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("@anush008/tokenizers");
const file = process.argv[2];
const tok = Tokenizer.fromFile(file);
tok.setPadding({ maxLength: 0 });
tok.disablePadding();

const long = "The committee reviewed the proposal in detail, asked several questions about its cost, " +
  "and finally decided to approve it with minor changes to the schedule and the budget.";
const inputs = [
  [long, null],
  ["short text", null],
  [long, "What did the committee decide about the proposal and its budget?"],
  ["tiny", long],
  [long, long + " Again, with feeling."],
  ["a b c d e f g h", "i j k l m n o p"],
  ["one two three four five six seven", "eight nine"],
];
const cases = [];
for (const [text, pair] of inputs)
  for (const max of [8, 11, 16, 33])
    for (const direction of ["right", "left"]) {
      tok.setTruncation(max, { strategy: "LongestFirst", direction, stride: 0 });
      const e = await tok.encode(text, pair);
      cases.push({ text, text_pair: pair, max_length: max, direction,
                   input_ids: e.getIds(), token_type_ids: e.getTypeIds() });
    }
const sha = createHash("sha256").update(readFileSync(file)).digest("hex");
const meta = { tokenizer_file_sha256: sha,
  generator: "npm @anush008/tokenizers 0.6.0 (Hugging Face tokenizers Rust crate inside its prebuilt binary), " +
             "model_tools/truncation_cases.mjs",
  truncation: "setTruncation(max_length, {strategy: LongestFirst, direction, stride: 0}), padding disabled" };
process.stdout.write(JSON.stringify({ meta, cases }, null, 0).replace(/\},\{/g, "},\n{") + "\n");

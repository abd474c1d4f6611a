#!/usr/bin/env bash
# Tokenizer speed: `vkbert bench --tokenizer` and Hugging Face's Rust tokenizers (through npm
# @anush008/tokenizers, model_tools/tokenizer_speed.mjs) on the same text and tokenizer.json;
# prints each one's JSON record and a summary. Run by hand (needs npm's registry once):
#   bash scripts/tokenizer-speed.sh MODEL_DIR [TEXT] [ITERS]
# MODEL_DIR holds a tokenizer.json; TEXT defaults to vkbert's made-up multilingual text (~8 MB).
# The token counts must agree (the same inputs, the same tokenizer), else it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:?usage: tokenizer-speed.sh MODEL_DIR [TEXT] [ITERS]}"
ITERS="${3:-5}"
VKBERT="${VKBERT:-build/vkbert}"
NPM_DIR="${NPM_DIR:-${TMPDIR:-/tmp}/vkbert-npm-tokenizers}"
[ -f "$DIR/tokenizer.json" ] || { echo "tokenizer-speed: $DIR has no tokenizer.json" >&2; exit 2; }
[ -x "$VKBERT" ] || { echo "tokenizer-speed: no $VKBERT (build first, or set VKBERT)" >&2; exit 2; }
if [ ! -d "$NPM_DIR/node_modules/@anush008/tokenizers" ]; then
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && npm install --silent --no-audit --no-fund @anush008/tokenizers@0.6.0 >&2)
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
TEXT="${2:-}"
if [ -z "$TEXT" ]; then
  TEXT="$WORK/text.txt"
  "$VKBERT" bench --tokenizer -m "$DIR" --save-text "$TEXT" --iters 1 --warmup 0 --json >/dev/null
fi
"$VKBERT" bench --tokenizer -m "$DIR" --text "$TEXT" --iters "$ITERS" --json | tee "$WORK/vkbert.json"
ABS_TOK="$(cd "$DIR" && pwd)/tokenizer.json"
ABS_TEXT="$(cd "$(dirname "$TEXT")" && pwd)/$(basename "$TEXT")"
(cd "$NPM_DIR" && node "$OLDPWD/model_tools/tokenizer_speed.mjs" "$ABS_TOK" "$ABS_TEXT" "$ITERS") | tee "$WORK/hf.json"
/usr/bin/python3 - "$WORK/vkbert.json" "$WORK/hf.json" <<'PY'
import json, sys
v = json.loads(open(sys.argv[1]).read())
hf = [json.loads(l) for l in open(sys.argv[2])]
print(f"{v['bytes'] / 1e6:.2f} MB in {v['lines']} lines")
print(f"  vkbert                    {v['mb_per_s']:7.2f} MB/s  {v['tokens']} tokens  1 thread")
for h in hf:
    print(f"  hf tokenizers {h['how']:<11} {h['mb_per_s']:7.2f} MB/s  {h['tokens']} tokens  {h['threads']} thread(s)")
bad = [h for h in hf if h["tokens"] != v["tokens"] or h["bytes"] != v["bytes"]]
if bad:
    sys.exit(f"tokenizer-speed: token or byte counts differ: vkbert {v['tokens']}/{v['bytes']}, "
             f"hf {[(h['tokens'], h['bytes']) for h in bad]}")
PY

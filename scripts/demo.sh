#!/usr/bin/env bash
# The fill-mask demo: installs the packages, builds, gets bert-base-uncased (already in
# models/bert-base-uncased, or downloaded from the Hugging Face hub) and asks it to fill
# "The capital of France is [MASK]." (or the text you pass). Without network it uses a
# random model of the same shape instead and says that its predictions mean nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
TEXT="${1:-The capital of France is [MASK].}"
bash scripts/install-deps.sh
bash scripts/build.sh >/dev/null
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
MODEL=models/bert-base-uncased
if [ ! -f "$MODEL/model.safetensors" ]; then
  echo "demo: downloading bert-base-uncased (440 MB) into $MODEL ..." >&2
  if ! timeout 1800 /usr/bin/python3 model_tools/fetch_model.py --out "$MODEL" >/dev/null; then
    MODEL=models/bert-base-random
    if [ ! -f "$MODEL/model.safetensors" ]; then
      ./build/vkbert-make-model --shape bert-base --seed 7 --vocab tests/data/bert-base-uncased-vocab.txt \
        --out "$MODEL"
    fi
    cat >&2 <<MSG

demo: bert-base-uncased could not be downloaded, so this run uses a model of the same
demo: shape with RANDOM weights ($MODEL). Its predictions are MEANINGLESS: it shows the
demo: runtime working, not what BERT knows. Put the real files in models/bert-base-uncased
demo: (see README: "Getting bert-base-uncased") and run the demo again.

MSG
  fi
fi
./build/vkbert devices | head -3
echo
echo "vkbert fill-mask -m $MODEL \"$TEXT\""
./build/vkbert fill-mask -m "$MODEL" "$TEXT"

#!/usr/bin/env bash
# Installs the packages, builds, and runs the whole test suite (ctest) with the Khronos
# validation layer enabled for every GPU test; then the device tests again in the two
# portability modes at once, as on a phone: the minimum-limits kernels (VKBERT_LIMITS=min)
# with bindings forced down to 8 MiB (VKBERT_MAX_BUFFER_BYTES=8M: bert-base's word
# embeddings, FFN weights and logits are split). The tests that split tensors on the other
# kernel designs set their bindings themselves (e2e_split_*), so one pass covers both modes
# within CI's hour. The mode pass leaves out the tests labelled pinned (they set their own
# mode), host (host-side checks whose device work other tests repeat) and long (long_e2e's
# 8192 tokens; long_e2e_ffn_slices and long_e2e_jina run the long paths in every mode);
# tests/CMakeLists.txt lists them. Extra arguments go to every ctest run (e.g. -R e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$PWD/build/tests}"
cd build
ctest --output-on-failure -j"${JOBS:-2}" "$@"
echo "== the device tests again with VKBERT_LIMITS=min and VKBERT_MAX_BUFFER_BYTES=8M"
VKBERT_LIMITS=min VKBERT_MAX_BUFFER_BYTES=8M ctest --output-on-failure -j"${JOBS:-2}" -LE "unit|validation|pinned|host|long" "$@"

#!/usr/bin/env bash
# The device tests on a second Vulkan driver: SwiftShader, the CPU Vulkan implementation
# Debian ships inside its chromium-common package (libvk_swiftshader.so; taken from the
# package with `apt-get download` + `dpkg -x`, nothing installed). Its limits differ from
# lavapipe's where vkbert's choices depend on them: subgroups of 4 (so no texel matmul),
# texel buffers of only 65536 elements, no 16-bit storage or float16. Runs the device tests
# but the host-side ones (label host: their device work repeats through other tests), the
# bert-base-shaped ones (SwiftShader's portable-kernel speed makes those minutes each; see
# docs/benchmarks.md), long_e2e's 8192 tokens and the models' variant repeats (the regex below). As root on Debian, after scripts/build.sh. Extra arguments go to
# ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$ROOT/build-swiftshader"
ICD="$OUT/root/usr/lib/chromium/vk_swiftshader_icd.json"
if [ ! -f "$ICD" ]; then
  mkdir -p "$OUT"
  (cd "$OUT" && rm -f chromium-common_*.deb && apt-get download -qq chromium-common 2>/dev/null ||
     (apt-get update -qq && apt-get download -qq chromium-common))
  dpkg -x "$OUT"/chromium-common_*.deb "$OUT/root"
fi
[ -d build ] || bash scripts/build.sh
export VK_ICD_FILENAMES="$ICD"    # SwiftShader only: lavapipe is not enumerated
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$ROOT/build/tests}"
build/vkbert devices | grep -q "SwiftShader" || { echo "check-swiftshader: SwiftShader did not load" >&2; exit 1; }
build/vkbert devices
# Within CI's hour: one model per family and kind (the variants' dtype, odd-shape, split and
# precision repeats run on lavapipe in every mode) and no 8192-token run (label long).
(cd build && ctest --output-on-failure -j"${JOBS:-2}" -LE "slow|host|pinned|validation|long" \
   -E '^(e2e_split_|precision_)|^e2e_.*-(f16|bf16|gelu-new|gelu|odd|same|variant|untied|bias|nohead|spm|bpe)' "$@")
echo "check-swiftshader: passed"

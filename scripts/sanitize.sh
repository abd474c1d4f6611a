#!/usr/bin/env bash
# Builds with AddressSanitizer + UndefinedBehaviorSanitizer into ./build-asan and runs the
# test suite there (leak checking on CPU-only tests; GPU tests set detect_leaks=0 because
# the Vulkan driver's own allocations are not ours). Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# lavapipe's compiled shaders from the plain build's Mesa cache (warm after scripts/test.sh):
# compiling them inside the sanitized process is ~8x slower and checks nothing of vkbert's
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVKBERT_SANITIZE=address,undefined \
  -DVKBERT_TEST_MESA_CACHE="$PWD/build/tests/mesa-cache" >/dev/null
cmake --build build-asan -j"${JOBS:-2}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$PWD/build-asan/tests}"
cd build-asan
ctest --output-on-failure -j"${JOBS:-2}" "$@"

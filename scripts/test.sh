#!/usr/bin/env bash
# Installs the packages, builds, and runs the whole test suite (ctest) with the Khronos
# validation layer enabled for every GPU test. Extra arguments go to ctest (e.g. -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$PWD/build/tests}"
cd build
ctest --output-on-failure -j"${JOBS:-2}" "$@"

#!/usr/bin/env bash
# Configures and builds vkbert in ./build (Release, two jobs by default).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" ${CMAKE_ARGS:-} >/dev/null
cmake --build build -j"${JOBS:-2}"

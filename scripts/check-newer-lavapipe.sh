#!/usr/bin/env bash
# The device tests on a second, newer driver: Mesa 26.1's lavapipe (LLVM 19, Vulkan 1.4, with
# VK_KHR_cooperative_matrix) from Debian 13's backports, under its own validation layer 1.4.309,
# run on this Debian 12 machine from a private sysroot (scripts/newer-lavapipe-sysroot.sh; the
# recipe and its caveats: docs/newer-lavapipe.md). vkbert is built here with Debian 12's
# compiler and shader tools, and the sysroot's for the cooperative-matrix kernels (Vulkan 1.3,
# -DVKBERT_COOPMAT_TOOLS), into build-newer-lavapipe/build; every test process that uses
# Vulkan, and the CLI the Python tests start, goes through the sysroot's dynamic loader
# (-DVKBERT_TEST_LAUNCHER). Every device test suite runs once, in the default mode; the
# portability modes stay on Debian 12's driver (scripts/test.sh). Downloads are kept under
# build-newer-lavapipe/ for repeated local runs. Extra arguments go to ctest (e.g. -R e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=build-newer-lavapipe
bash scripts/install-deps.sh
bash scripts/newer-lavapipe-sysroot.sh "$OUT/sysroot-work"
RUN="$PWD/$OUT/sysroot-work/run"
# the launcher keeps a driver file already chosen: start from none, so that it gives its lavapipe
unset VK_ICD_FILENAMES VK_DRIVER_FILES
# the sysroot's glslang 15 and spirv-tools 2025.1 compile the cooperative-matrix kernels
cmake -S . -B "$OUT/build" -DCMAKE_BUILD_TYPE=Release -DVKBERT_TEST_LAUNCHER="$RUN" \
  -DVKBERT_COOPMAT_TOOLS="$PWD/$OUT/sysroot-work" >/dev/null
cmake --build "$OUT/build" -j"${JOBS:-2}" >/dev/null
device=$("$RUN" "$OUT/build/vkbert" devices --json | /usr/bin/python3 -c \
  'import json,sys; d=json.load(sys.stdin)["devices"]; print(d[0]["name"], "/", d[0]["driver_info"]) if d else print("")')
case "$device" in
  *"LLVM 19"*) echo "check-newer-lavapipe: device $device" ;;
  *) echo "check-newer-lavapipe: the launcher does not give Mesa 26.1's lavapipe (got: '$device')" >&2; exit 1 ;;
esac
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$PWD/$OUT/build/tests}"
cd "$OUT/build"
# the Android JNI test starts a JVM, which does not go through the launcher (it runs on the
# system's driver in scripts/test.sh); the synchronization and GPU-assisted validation modes
# (label validation) stay on Debian 12's layer; everything else with a device is here
ctest --output-on-failure -j"${JOBS:-2}" -L gpu -LE validation -E '^test_android_jni$' "$@"
# here the cooperative-matrix tests must have run, not skipped
if [ $# -eq 0 ]; then
  log=Testing/Temporary/LastTest.log
  grep -q "matmul_coopmat: [0-9]*x[0-9]*x[0-9]* tiles, subgroups of [0-9]*: checked" "$log" &&
    grep -q "^coopmat: 0 failed" "$log" ||
    { echo "check-newer-lavapipe: the cooperative-matrix tests did not run on $device" >&2; exit 1; }
fi
echo "check-newer-lavapipe: every device test suite passes on $device, the cooperative-matrix matmul included"

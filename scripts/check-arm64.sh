#!/usr/bin/env bash
# Cross-builds vkbert for 64-bit ARM Linux with Debian's cross toolchain and runs the C test
# suites under qemu-user against Debian's arm64 lavapipe (128-bit NEON code generation
# instead of x86's 256-bit AVX2). As root on Debian; see ARM64 notes in README.md.
#   scripts/check-arm64.sh            # build-arm64/, sysroot in build-arm64/sysroot
# What it runs: the unit tests and the GPU tests written in C on the small models (the
# Python-driven tests call the CLI directly and would need an arm64 Python; the x86 run
# covers them). Expect a few minutes: every process JIT-compiles its shaders under emulation.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$ROOT/build-arm64"
SYSROOT="$OUT/sysroot"
mkdir -p "$OUT"

if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user >/dev/null
fi
bash scripts/install-deps.sh   # host tools: cmake, glslang, spirv-tools (SPIR-V is architecture-neutral)

# --- an arm64 sysroot from Debian's packages, without adding arm64 to the host's dpkg ----
if [ ! -f "$SYSROOT/.done" ]; then
  APTDIR="$OUT/apt"
  mkdir -p "$APTDIR/state/lists/partial" "$APTDIR/cache/archives/partial" "$SYSROOT"
  : > "$APTDIR/status"
  cat > "$APTDIR/apt.conf" <<CONF
APT::Architecture "arm64";
APT::Architectures "arm64";
Dir::State "$APTDIR/state";
Dir::State::status "$APTDIR/status";
Dir::Cache "$APTDIR/cache";
Dir::Etc::SourceList "/etc/apt/sources.list";
Dir::Etc::SourceParts "/etc/apt/sources.list.d";
APT::Install-Recommends "false";
CONF
  export APT_CONFIG="$APTDIR/apt.conf"
  apt-get update -qq
  apt-get install -y -qq --download-only libc6-dev libvulkan-dev mesa-vulkan-drivers libcjson-dev \
    libutf8proc-dev vulkan-validationlayers >/dev/null
  unset APT_CONFIG
  for deb in "$APTDIR"/cache/archives/*.deb; do dpkg-deb -x "$deb" "$SYSROOT"; done
  # absolute symlinks point into the host: make them sysroot-relative
  find "$SYSROOT" -type l | while read -r link; do
    target=$(readlink "$link")
    case "$target" in
      /*) ln -sfn "$SYSROOT$target" "$link" ;;
    esac
  done
  touch "$SYSROOT/.done"
fi

cat > "$OUT/toolchain.cmake" <<TC
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_SYSROOT "$SYSROOT")
set(CMAKE_FIND_ROOT_PATH "$SYSROOT")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L "$SYSROOT")
set(ENV{PKG_CONFIG_LIBDIR} "$SYSROOT/usr/lib/aarch64-linux-gnu/pkgconfig:$SYSROOT/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "$SYSROOT")
TC

cmake -S . -B "$OUT/build" -DCMAKE_TOOLCHAIN_FILE="$OUT/toolchain.cmake" -DCMAKE_BUILD_TYPE=Release \
  -DVKBERT_BUILD_APPS=ON -DVKBERT_BUILD_TOOLS=ON -DVKBERT_BUILD_TESTS=ON >/dev/null
cmake --build "$OUT/build" -j"${JOBS:-2}"

export VK_ICD_FILENAMES="$SYSROOT/usr/share/vulkan/icd.d/lvp_icd.aarch64.json"
export VK_LAYER_PATH="$SYSROOT/usr/share/vulkan/explicit_layer.d"
export VKBERT_VULKAN_LIBRARY="$SYSROOT/usr/lib/aarch64-linux-gnu/libvulkan.so.1"
export MESA_SHADER_CACHE_DIR="$OUT/mesa-cache"
export XDG_RUNTIME_DIR="$OUT"
export ASAN_OPTIONS=detect_leaks=0
cd "$OUT/build"
ctest --output-on-failure -j"${JOBS:-2}" \
  -R '^(make_tiny_models|test_tokenizer|test_safetensors|test_barriers|fuzz_regress_.*|test_kernels|test_session|test_faults|test_threads|test_pipeline_cache|test_validation_canary|readme_example|test_external)$' "$@"

#!/usr/bin/env bash
# The Windows build, checked on this Debian machine (as root): vkbert cross-compiled for x86_64
# Windows with Debian's mingw-w64 (warnings as errors, no VLAs: what MSVC's C11 lacks), cJSON
# and utf8proc built in from Debian's source packages (scripts/dep-sources.sh), every program
# checked to need only Windows' own DLLs (and vulkan-1.dll), then run under Wine 8, whose
# vulkan-1.dll forwards to this machine's lavapipe (only with an X display: one Xvfb serves
# every run):
#  1. every C test executable (ctest through CMAKE_CROSSCOMPILING_EMULATOR), the examples
#     among them; the validation layer comes in through VK_INSTANCE_LAYERS (Wine lists no
#     layers, so an enumerate-then-enable path never finds one);
#  2. the model generator and the CLI's devices, tokenize, fill-mask and encode against the
#     Linux build of the same tree: the same model files, the same text and JSON, byte for
#     byte (.npy files included), with texts and paths that are not ASCII;
#  3. the Python-driven tests that start the CLI (through a wrapper that runs it under Wine).
# Not run here: the synchronization and GPU-assisted validation reruns (validation modes, not
# Windows code: scripts/test.sh), the bert-base-sized tests, and for time some Python tests
# (step 3 says which and why).
#   scripts/check-windows.sh            # build-windows/ (a fresh Wine prefix each run)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$ROOT/build-windows"
WINE=/usr/lib/wine/wine64
JOBS=${JOBS:-2}
START=$(date +%s)
mkdir -p "$OUT"
bash scripts/install-deps.sh
if ! command -v x86_64-w64-mingw32-gcc >/dev/null || [ ! -x "$WINE" ] || ! command -v Xvfb >/dev/null ||
   ! command -v xauth >/dev/null || ! command -v glslc >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64 wine64 \
    xvfb xauth glslc >/dev/null
fi

# --- build: Linux (the reference answers) and Windows ----------------------------------
DEP_DIRS=$(bash scripts/dep-sources.sh "$OUT")
read -r CJSON_DIR UTF8PROC_DIR ONIG_DIR <<<"$DEP_DIRS"
# the Vulkan headers are architecture-independent, but /usr/include itself must not reach
# mingw (its C library headers are glibc's): a directory with only them
mkdir -p "$OUT/vulkan-include"
ln -sfn /usr/include/vulkan "$OUT/vulkan-include/vulkan"
ln -sfn /usr/include/vk_video "$OUT/vulkan-include/vk_video"
# What links the loader (example_host_app, test_external: a host app's own Vulkan calls) needs
# vulkan-1.dll's import library, vulkan-1.lib in a Vulkan SDK; mingw's linker reads the
# exports of Wine's own vulkan-1.dll instead. The library itself opens the loader at run time.
VULKAN_DLL=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/vulkan-1.dll
cat > "$OUT/wine-run" <<RUN
#!/bin/sh
# a Windows program under Wine, for scripts/check-windows.sh (the Windows build's emulator)
export WINEPREFIX="$OUT/wineprefix" WINEDEBUG=-all XDG_RUNTIME_DIR="$OUT" DISPLAY="\$(cat "$OUT/display")"
export VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation
exec timeout \${WINE_TIMEOUT:-300} $WINE "\$@"
RUN
chmod +x "$OUT/wine-run"

nice -n 10 cmake -S . -B "$OUT/linux" -DVKBERT_BUILD_TESTS=OFF >/dev/null
nice -n 10 cmake --build "$OUT/linux" -j"$JOBS" --target vkbert_cli vkbert-make-model >/dev/null
nice -n 10 cmake -S . -B "$OUT/build" -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchains/mingw-w64-x86_64.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DVKBERT_WERROR=ON -DCMAKE_C_FLAGS="-Wvla" -DVKBERT_FETCH_DEPS=ON \
  -DVKBERT_SHADER_COMPILER=glslc -DFETCHCONTENT_SOURCE_DIR_VKBERT_CJSON="$CJSON_DIR" \
  -DFETCHCONTENT_SOURCE_DIR_VKBERT_UTF8PROC="$UTF8PROC_DIR" -DFETCHCONTENT_SOURCE_DIR_VKBERT_ONIG="$ONIG_DIR" -DVulkan_INCLUDE_DIR="$OUT/vulkan-include" \
  -DVulkan_LIBRARY="$VULKAN_DLL" -DCMAKE_CROSSCOMPILING_EMULATOR="$OUT/wine-run" -Wno-dev >/dev/null
nice -n 10 cmake --build "$OUT/build" -j"$JOBS" >/dev/null
echo "check-windows: built for x86_64 Windows with mingw-w64, no warnings ($(( $(date +%s) - START )) s)"

# --- no DLL but Windows' own (and the Vulkan loader) -----------------------------------
SYSTEM_DLLS='^(kernel32|msvcrt|advapi32|user32|shell32|ole32|bcrypt|ws2_32|api-ms-win-[a-z0-9-]+)\.dll$'
n=0
while IFS= read -r -d '' bin; do
  n=$((n + 1))
  for dll in $(x86_64-w64-mingw32-objdump -p "$bin" | sed -n 's/^[[:space:]]*DLL Name: //p'); do
    lower=$(echo "$dll" | tr 'A-Z' 'a-z')
    if ! [[ $lower =~ $SYSTEM_DLLS ]] && ! { [ "$lower" = vulkan-1.dll ] &&
         [[ $(basename "$bin") =~ ^(example_host_app|test_external)\.exe$ ]]; }; then
      echo "check-windows: $bin needs $dll, which Windows does not have" >&2
      exit 1
    fi
  done
done < <(find "$OUT/build" -name '*.exe' -print0 -o -name '*.dll' -print0)
[ "$n" -gt 20 ] || { echo "check-windows: only $n Windows programs built" >&2; exit 1; }
echo "check-windows: $n programs and libraries import only Windows' own DLLs (and vulkan-1.dll)"

# --- Wine on one X display, in a fresh prefix ------------------------------------------
rm -rf "$OUT/wineprefix" && mkdir -p "$OUT/wineprefix"
exec 3>"$OUT/display.fd"
Xvfb -displayfd 3 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
cleanup() {
  WINEPREFIX="$OUT/wineprefix" /usr/lib/wine/wineserver -k 2>/dev/null || true
  kill "$XVFB" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do [ -s "$OUT/display.fd" ] && break; sleep 0.1; done
echo ":$(head -1 "$OUT/display.fd")" > "$OUT/display"
WINEPREFIX="$OUT/wineprefix" /usr/lib/wine/wineserver -p  # one server for every run (until cleanup)
WINE_TIMEOUT=120 "$OUT/wine-run" wineboot -i >/dev/null 2>&1
device=$("$OUT/wine-run" "$OUT/build/vkbert.exe" devices)
case "$device" in
  *llvmpipe*) echo "check-windows: Wine's vulkan-1.dll gives $(echo "$device" | head -1)" ;;
  *) echo "check-windows: no lavapipe under Wine: $device" >&2; exit 1 ;;
esac

# --- 1. the C tests --------------------------------------------------------------------
export XDG_RUNTIME_DIR="$OUT"
C_TESTS='^(make_tiny_models|make_st_models|test_tokenizer|test_safetensors|test_kernels|test_runner|test_runner_truncation|test_runner_chunks|test_options|test_barriers|test_validation_canary|test_session|test_heads|test_faults|test_pipeline_cache|test_threads|test_external|test_portability|test_plot|fuzz_regress_.*|readme_example|example_semantic_search|example_host_app)$'
(cd "$OUT/build" && nice -n 10 ctest --output-on-failure -j"$JOBS" -R "$C_TESTS")
ran=$(cd "$OUT/build" && ctest -N -R "$C_TESTS" | sed -n 's/^Total Tests: //p')
built=$(find "$OUT/build/tests" -maxdepth 1 -name 'test_*.exe' | wc -l)
echo "check-windows: $ran C tests passed under Wine ($built test executables, the fuzz replays and examples)"

# --- 2. the CLI's answers equal Linux's --------------------------------------------------
CMP="$OUT/compare"
rm -rf "$CMP" && mkdir -p "$CMP"
MODEL_W="$CMP/modèle-windows" MODEL_L="$CMP/modèle-linux"
VOCAB="$ROOT/tests/data/bert-base-uncased-vocab.txt"
"$OUT/wine-run" "$OUT/build/vkbert-make-model.exe" --out "$MODEL_W" --vocab "$VOCAB" --seed 7 --hidden 48 --heads 4
timeout 120 "$OUT/linux/vkbert-make-model" --out "$MODEL_L" --vocab "$VOCAB" --seed 7 --hidden 48 --heads 4
for f in config.json vocab.txt tokenizer_config.json model.safetensors; do
  cmp "$MODEL_W/$f" "$MODEL_L/$f" || { echo "check-windows: the Windows generator wrote another $f" >&2; exit 1; }
done
TEXT="The café in Zürich is the [MASK] of the city."
differs() {  # WHAT FILE-A FILE-B
  cmp -s "$2" "$3" && return 0
  echo "check-windows: $1 differs on Windows:" >&2
  diff "$2" "$3" | head -20 >&2
  exit 1
}
run_both() {  # NAME ARGS...: the same command on both builds: stdout, stderr, exit status and
  local name=$1  # the files written in @OUT@ must be the same
  shift
  rm -rf "$CMP/win" "$CMP/linux" && mkdir -p "$CMP/win" "$CMP/linux"
  set +e
  "$OUT/wine-run" "$OUT/build/vkbert.exe" "${@//@OUT@/$CMP/win}" >"$CMP/$name.win.out" 2>"$CMP/$name.win.err"
  echo "exit $?" >>"$CMP/$name.win.out"
  timeout 120 "$OUT/linux/vkbert" "${@//@OUT@/$CMP/linux}" >"$CMP/$name.linux.out" 2>"$CMP/$name.linux.err"
  echo "exit $?" >>"$CMP/$name.linux.out"
  set -e
  # the paths given are the only difference allowed: each build's own @OUT@
  sed -i "s|$CMP/win|@OUT@|g" "$CMP/$name.win.out" "$CMP/$name.win.err"
  sed -i "s|$CMP/linux|@OUT@|g" "$CMP/$name.linux.out" "$CMP/$name.linux.err"
  differs "vkbert $name's output" "$CMP/$name.win.out" "$CMP/$name.linux.out"
  differs "vkbert $name's messages" "$CMP/$name.win.err" "$CMP/$name.linux.err"
  for f in "$CMP/linux"/*; do
    [ -e "$f" ] || continue
    differs "vkbert $name's $(basename "$f")" "$CMP/win/$(basename "$f")" "$f"
  done
}
run_both devices devices
run_both devices-json devices --json
run_both tokenize tokenize -m "$MODEL_L" "$TEXT" --pair "naïve 東京 text"
run_both tokenize-json tokenize -m "$MODEL_L" --json "$TEXT" --pair "naïve 東京 text"
run_both fill-mask fill-mask -m "$MODEL_L" -k 5 "$TEXT"
run_both fill-mask-json fill-mask -m "$MODEL_L" --json -k 5 "$TEXT"
run_both error fill-mask -m "$MODEL_L" "no mask here"
run_both encode encode -m "$MODEL_L" --hidden @OUT@/hidden.npy --logits @OUT@/logits.npy --pair "second" "$TEXT"
[ -s "$CMP/win/hidden.npy" ] && [ -s "$CMP/win/logits.npy" ] || { echo "check-windows: encode wrote no .npy" >&2; exit 1; }
# over the files it wrote (a rename does not replace a file on Windows): the same bytes again
"$OUT/wine-run" "$OUT/build/vkbert.exe" encode -m "$MODEL_L" --hidden "$CMP/win/hidden.npy" --logits "$CMP/win/logits.npy" \
  --pair "second" "$TEXT"
differs "encode's hidden.npy, written over itself" "$CMP/win/hidden.npy" "$CMP/linux/hidden.npy"
run_both encode-json encode -m "$MODEL_L" --json --hidden @OUT@/hidden.npy "[MASK] and ünïcode"
if grep -q $'\r' "$CMP"/*.win.out "$CMP"/*.win.err; then
  echo "check-windows: the Windows CLI wrote \\r\\n line ends" >&2
  exit 1
fi
echo "check-windows: the CLI's devices, tokenize, fill-mask and encode (.npy files) equal the Linux build's, byte for byte"

# --- 3. the Python-driven tests, the CLI started under Wine ----------------------------
# Every Python-driven test passes this way (tried: all but the bert-base-sized and
# validation-mode ones, and plot_bench, not tried yet), with these cases skipped and said so on
# a Windows CLI (VKBERT_TEST_TARGET=windows): cli_errors' arguments that are not UTF-8 (a
# Windows command line is UTF-16 and cannot carry them; files given with -f still do),
# test_shards' symlink out of the model directory (Wine shows a Unix symlink to Windows
# programs as the file it leads to) and plot_bench's progress line on a terminal (a pty).
# test_android_jni is not built in cross builds (a JVM for the target). For time, CI runs six
# under Wine: the masked-LM commands with each kind of output (.npy through -o included), the
# error paths, the embedding commands, the kit's checker, bench-compare's
# table and charts (PNG and SVG files written on Windows) and test_info (info, and model files
# that are directories: vkb_open_regular's Windows half);
# the others (the precisions: precision_tiny took 4 minutes of cold shader compiles under Wine;
# classification and reranking, the other test models and kernel variants, which
# C tests here and the Linux suite cover) are run by hand.
# WINDOWS_PY_TESTS=REGEX picks others by hand (`.`: the whole cross-built suite, far longer)
PY_TESTS=${WINDOWS_PY_TESTS:-'^(e2e_tiny|cli_errors|embed_e2e_embeddings|test_kit_check|plot_compare|test_info)$'}
(cd "$OUT/build" && nice -n 10 ctest --output-on-failure -j"$JOBS" -R "$PY_TESTS")
echo "check-windows: passed ($(( $(date +%s) - START )) s)"

#!/usr/bin/env bash
# The build paths other platforms take, checked on this Debian machine (as root):
#  1. every C source compiled for 32-bit ARM (armhf, as Android's armeabi-v7a) with
#     warnings as errors: size_t is 32 bits there; the Android app's JNI layer too, against
#     the NDK API headers Debian packages from AOSP (asset manager, log, jni.h);
#  2. the configuration Android and Windows builds use: cJSON, utf8proc and Oniguruma built in from
#     source with FetchContent (VKBERT_FETCH_DEPS=ON) and the shaders compiled with glslc,
#     then the tokenizer, session and end-to-end tests run on that build. The sources are
#     Debian's (scripts/dep-sources.sh) handed to FetchContent as FETCHCONTENT_SOURCE_DIR_*,
#     since GitHub, where the pinned releases live, is not reachable here; so this checks
#     the build integration, not the pinned archives' download;
#  3. every function and variable those builds import exists on Android at the app's minSdk
#     (scripts/android-api-levels.txt; scripts/check-android-api.sh).
#   scripts/check-portability.sh        # build-portability/
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$ROOT/build-portability"
mkdir -p "$OUT"
bash scripts/install-deps.sh
if ! command -v arm-linux-gnueabihf-gcc >/dev/null || ! command -v glslc >/dev/null ||
   [ ! -f /usr/include/android/android/asset_manager_jni.h ] || [ ! -f /usr/include/android/nativehelper/jni.h ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc-arm-linux-gnueabihf \
    libc6-dev-armhf-cross glslc android-platform-frameworks-native-headers android-liblog-dev \
    android-libnativehelper-dev >/dev/null
fi

# --- 1. 32-bit ARM compile ----------------------------------------------------------
cmake -S . -B "$OUT/host" -DVKBERT_BUILD_TESTS=OFF >/dev/null
cmake --build "$OUT/host" -j"${JOBS:-2}" --target vkbert_objects >/dev/null  # generates the embedded SPIR-V
rm -rf "$OUT/armhf" && mkdir -p "$OUT/armhf"
# (runtime/src/ops/*_ref.c are the tests' references, not part of the library an app links;
# objects are named by their whole path: session/inputs.c and tasks/inputs.c are two files)
for f in $(ls runtime/src/*/*.c | grep -v '_ref\.c$') apps/*.c apps/examples/*.c model_tools/make_model.c; do
  # host headers for the architecture-independent libraries (cJSON, utf8proc, Vulkan)
  arm-linux-gnueabihf-gcc -std=c11 -O1 -Wall -Wextra -Wshadow -Wno-missing-field-initializers -Werror \
    -D_XOPEN_SOURCE=700 -D_FILE_OFFSET_BITS=64 -D_POSIX_C_SOURCE=200809L -Iruntime/include -Iruntime/src -Ishaders \
    -I"$OUT/host/shaders" -idirafter /usr/include -c "$f" -o "$OUT/armhf/$(echo "$f" | tr / _).o"
done
# _GNU_SOURCE: glibc's off64_t, which Bionic always has
arm-linux-gnueabihf-gcc -std=c11 -Wall -Wextra -Wshadow -Werror -c -D_GNU_SOURCE -Iruntime/include \
  -idirafter /usr/include/android -idirafter /usr/include/android/nativehelper apps/android/app/src/main/cpp/vkbert_jni.c \
  -o "$OUT/armhf/vkbert_jni.c.o"
echo "check-portability: every source (and the Android JNI layer) compiles for armhf (32-bit) without warnings"

# --- 2. fetched dependencies + glslc --------------------------------------------------
DEP_DIRS=$(bash scripts/dep-sources.sh "$OUT")
read -r CJSON_DIR UTF8PROC_DIR ONIG_DIR <<<"$DEP_DIRS"
cmake -S . -B "$OUT/fetched" -DVKBERT_FETCH_DEPS=ON -DVKBERT_SHADER_COMPILER=glslc \
  -DFETCHCONTENT_SOURCE_DIR_VKBERT_CJSON="$CJSON_DIR" -DFETCHCONTENT_SOURCE_DIR_VKBERT_UTF8PROC="$UTF8PROC_DIR" \
  -DFETCHCONTENT_SOURCE_DIR_VKBERT_ONIG="$ONIG_DIR" \
  | grep "vkbert:"
cmake --build "$OUT/fetched" -j"${JOBS:-2}" >/dev/null
if ldd "$OUT/fetched/vkbert" | grep -Eq "libcjson|libutf8proc|libonig"; then
  echo "check-portability: the fetched build still links the system's cJSON/utf8proc/Oniguruma" >&2
  exit 1
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$OUT/fetched/tests}"
(cd "$OUT/fetched" && ctest --output-on-failure -j"${JOBS:-2}" -R "^(test_tokenizer|test_tokjson|test_session|e2e_tiny|readme_example)$")

# --- 3. Android API levels ------------------------------------------------------------
# What the armhf objects above (and cJSON/utf8proc/Oniguruma) import must exist in Bionic, libandroid,
# liblog and libvulkan at the app's minSdk: scripts/android-api-levels.txt lists each import
# with the level it appeared at. (The NDK hides a declaration below its level, so a call to
# e.g. timespec_get, API 29, does not compile for API 26; glibc has no such gate.)
MIN_SDK=$(sed -n 's/^ *minSdk \([0-9][0-9]*\).*/\1/p' apps/android/app/build.gradle)
if [ -z "$MIN_SDK" ] || ! grep -q -- "-DANDROID_PLATFORM=android-$MIN_SDK " README.md; then
  echo "check-portability: the app's minSdk (${MIN_SDK:-not found} in apps/android/app/build.gradle) and the" \
       "README's -DANDROID_PLATFORM=android-N disagree" >&2
  exit 1
fi
arm-linux-gnueabihf-gcc -std=c99 -O1 -c "$CJSON_DIR/cJSON.c" -o "$OUT/armhf/cJSON.c.o"
arm-linux-gnueabihf-gcc -std=c99 -O1 -DUTF8PROC_STATIC -c "$UTF8PROC_DIR/utf8proc.c" -o "$OUT/armhf/utf8proc.c.o"
# Oniguruma: the sources its CMake build compiled above, with that build's config.h made 32-bit
mkdir -p "$OUT/armhf/onig"
sed -e 's/SIZEOF_LONG  8/SIZEOF_LONG  4/' -e 's/SIZEOF_VOIDP  8/SIZEOF_VOIDP  4/' \
  "$OUT/fetched/_deps/vkbert_onig-build/config.h" > "$OUT/armhf/onig/config.h"
for o in "$OUT"/fetched/_deps/vkbert_onig-build/CMakeFiles/onig.dir/src/*.c.o; do
  c=$(basename "$o" .o)
  arm-linux-gnueabihf-gcc -std=gnu99 -O1 -w -I"$OUT/armhf/onig" -I"$ONIG_DIR/src" -c "$ONIG_DIR/src/$c" \
    -o "$OUT/armhf/onig_$c.o"
done
bash scripts/check-android-api.sh "$MIN_SDK" scripts/android-api-levels.txt "$OUT"/armhf/*.o
echo "check-portability: passed"

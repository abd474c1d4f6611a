#!/usr/bin/env bash
# Makes a private sysroot of Debian 13 (trixie + trixie-backports) holding Mesa 26.1's lavapipe
# (VK_KHR_cooperative_matrix), its Vulkan loader, validation layer 1.4.309 and shader tools,
# without touching the system's apt state (the recipe: docs/newer-lavapipe.md). Writes
#   DIR/sysroot/       the unpacked packages (their glibc included)
#   DIR/lvp.json       an ICD file naming the sysroot's libvulkan_lvp.so by absolute path
#   DIR/run            a launcher: DIR/run PROGRAM ARGS runs PROGRAM through the sysroot's
#                      dynamic loader and libraries, with that lavapipe and layer
# Versions are pinned to what this was tested with; when the mirror has moved on, the suite's
# current ones are used with a warning. A DIR that already holds a sysroot is reused.
#   scripts/newer-lavapipe-sysroot.sh [DIR]      (default build-newer-lavapipe/sysroot-work)
set -euo pipefail
cd "$(dirname "$0")/.."
W="$(mkdir -p "${1:-build-newer-lavapipe/sysroot-work}" && cd "${1:-build-newer-lavapipe/sysroot-work}" && pwd)"
LIB="$W/sysroot/usr/lib/x86_64-linux-gnu"
PINNED=(mesa-vulkan-drivers=26.1.6-1~bpo13+1 libvulkan1=1.4.309.0-1 vulkan-validationlayers=1.4.309.0-1
        glslang-tools spirv-tools)
if [ ! -e "$LIB/libvulkan_lvp.so" ]; then
  command -v apt-get >/dev/null && command -v dpkg >/dev/null || { echo "newer-lavapipe: needs apt-get and dpkg" >&2; exit 1; }
  mirror=$(apt-get indextargets 2>/dev/null | sed -n 's#^URI: \(.*/debian\)/dists/.*#\1#p' | head -1)
  mirror=${mirror:-http://deb.debian.org/debian}
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  mkdir -p "$W/apt/lists/partial" "$W/apt/cache/archives/partial" "$W/apt/etc/preferences.d"
  : > "$W/apt/status"
  echo "deb [signed-by=$keyring] $mirror trixie main
deb [signed-by=$keyring] $mirror trixie-backports main" > "$W/apt/sources.list"
  cat > "$W/apt/apt.conf" <<CONF
Dir::Etc::sourcelist "$W/apt/sources.list";
Dir::Etc::sourceparts "-";
Dir::Etc::preferencesparts "$W/apt/etc/preferences.d";
Dir::State "$W/apt";
Dir::State::lists "$W/apt/lists";
Dir::State::status "$W/apt/status";
Dir::Cache "$W/apt/cache";
APT::Architecture "amd64";
APT::Install-Recommends "false";
CONF
  export APT_CONFIG="$W/apt/apt.conf"
  apt-get update -qq
  if ! apt-get -y -qq --download-only install -t trixie-backports "${PINNED[@]}" >/dev/null 2>"$W/apt/pinned.err"; then
    echo "newer-lavapipe: warning: the pinned versions (${PINNED[*]}) are gone from $mirror; using the suites' current ones" >&2
    apt-get -y -qq --download-only install -t trixie-backports mesa-vulkan-drivers libvulkan1 vulkan-validationlayers \
      glslang-tools spirv-tools >/dev/null
  fi
  mkdir -p "$W/sysroot"
  for deb in "$W"/apt/cache/archives/*.deb; do dpkg -x "$deb" "$W/sysroot"; done
fi
cat > "$W/lvp.json" <<JSON
{"file_format_version": "1.0.1", "ICD": {"library_path": "$LIB/libvulkan_lvp.so", "api_version": "1.4.0"}}
JSON
cat > "$W/run" <<RUN
#!/bin/sh
# Runs a program (built on Debian 12 or not) with the sysroot's loader, libraries, lavapipe and layers.
# A driver file the caller chose (VK_ICD_FILENAMES / VK_DRIVER_FILES already set: a test that
# points them at none) is kept; otherwise that lavapipe's.
export VK_ICD_FILENAMES="\${VK_ICD_FILENAMES:-$W/lvp.json}" VK_DRIVER_FILES="\${VK_DRIVER_FILES:-$W/lvp.json}"
export VK_LOADER_LAYERS_DISABLE='~implicit~'
export VK_LAYER_PATH="$W/sysroot/usr/share/vulkan/explicit_layer.d"
exec "$W/sysroot/usr/lib64/ld-linux-x86-64.so.2" --library-path "$LIB" "\$@"
RUN
chmod +x "$W/run"
echo "newer-lavapipe: sysroot in $W ($(ls "$W"/apt/cache/archives/*.deb 2>/dev/null | wc -l) packages); run programs with $W/run"

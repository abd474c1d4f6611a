#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages vkbert needs to build, run and test.
# Run as root (or with sudo available). Skips apt when everything is already there.
set -euo pipefail
PKGS=(cmake make gcc pkg-config libvulkan-dev glslang-tools spirv-tools libcjson-dev libutf8proc-dev libonig-dev libstb-dev libmicrohttpd-dev
      mesa-vulkan-drivers vulkan-validationlayers python3 python3-numpy python3-torch chromium chromium-driver
      default-jdk-headless android-platform-frameworks-native-headers android-liblog-dev)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Checks that object files import only functions and variables Android exports at an API
# level: each import (not defined by another of the objects) must be listed in LEVELS with a
# level no higher than MIN_SDK. Compiler-runtime helpers (the NDK's builtins library) and the
# generated SPIR-V arrays are not imports of a system library and are skipped.
#   scripts/check-android-api.sh MIN_SDK LEVELS OBJECT...
# LEVELS: lines "symbol level [note]", # comments (scripts/android-api-levels.txt).
# NM: the nm that reads the objects (default arm-linux-gnueabihf-nm where installed, else nm).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 MIN_SDK LEVELS OBJECT..." >&2
  exit 2
fi
min=$1
levels=$2
shift 2
NM=${NM:-$(command -v arm-linux-gnueabihf-nm || echo nm)}
defined=$("$NM" --defined-only "$@" | awk 'NF == 3 { print $3 }' | sort -u)
"$NM" -A -u "$@" | awk -v min="$min" -v levels="$levels" -v defined="$defined" '
  BEGIN {
    n = split(defined, d, "\n")
    for (i = 1; i <= n; i++) def[d[i]] = 1
    while ((getline line < levels) > 0) {
      sub(/#.*/, "", line)
      if (split(line, f, " ") >= 2) level[f[1]] = f[2]
    }
  }
  # "file.o:         U symbol" (U: undefined, w: weak undefined)
  NF == 3 && ($2 == "U" || $2 == "w") {
    s = $3
    file = $1; sub(/:$/, "", file); sub(/.*\//, "", file)
    if (s in def || s ~ /^(_GLOBAL_OFFSET_TABLE_|__aeabi_.*|__stack_chk_(fail|guard)|vkb_spv_.*)$/) next
    if (!(s in level)) { missing[s] = missing[s] " " file; bad = 1 }
    else if (level[s] + 0 > min + 0) { high[s] = high[s] " " file; bad = 1 }
    seen[s] = 1
  }
  END {
    for (s in high)
      printf "check-android-api: %s is on Android only from API level %s, above minSdk %s (imported by%s)\n",
             s, level[s], min, high[s] > "/dev/stderr"
    for (s in missing)
      printf "check-android-api: %s (imported by%s) is not in %s: look up its API level (see the file) and add it\n",
             s, missing[s], levels > "/dev/stderr"
    if (bad) exit 1
    c = 0; for (s in seen) c++
    printf "check-android-api: all %d imports exist on Android at API level %s\n", c, min
  }'
